import ArgumentParser
import Foundation
import RollbookCore
import RollbookServer
import RollbookStore

/// `rollbook messages`: the outbox from the command line.
struct Messages: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The outbox: queue day-1 messages and deliver what is due (as the server does every 30 s), or list messages.",
        subcommands: [Run.self, List.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One pass of the outbox worker, with the channels from ROLLBOOK_SMTP_* and ROLLBOOK_NOTIFY_* (see the README).")
        @Option(help: "The school-local time of the pass (YYYY-MM-DDTHH:MM; default now).") var now: String?
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            let at = try schoolNow(now)
            let settings: MessageSettings
            do { settings = try MessageSettings.fromEnvironment() } catch let e as RollbookCore.ValidationError { throw UsageError("\(e.field): \(e.reason)") }
            let line = try await withDatabase(db) { store in try await OutboxPass.run(store: store, settings: settings, now: at) }
            print(line)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The outbox, newest first, as JSON lines.")
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            let rows = try await withDatabase(db) { store in try await store.outbox(schoolID: try await store.defaultSchool().id!, limit: 10_000) }
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for m in rows {
                let line: [String: String] = ["id": String(m.id!), "template": m.template, "channel": m.channel, "recipient": m.recipient,
                                              "recipient_name": m.recipientName, "state": m.state, "attempts": String(m.attempts),
                                              "subject": m.subject, "about": m.about ?? "", "last_error": m.lastError ?? "",
                                              "pupil_id": m.pupilID.map(String.init) ?? "", "next_attempt_at": m.nextAttemptAt]
                FileHandle.standardOutput.write(try e.encode(line) + Data("\n".utf8))
            }
        }
    }
}

/// A school-local moment from `--now`, or the wall clock.
func schoolNow(_ raw: String?) throws -> SchoolNow {
    guard let raw else { return now() }
    let parts = raw.split(separator: "T")
    guard parts.count == 2, let d = LocalDate(iso: String(parts[0])), let t = TimeOfDay(String(parts[1])) else {
        throw UsageError("--now: '\(raw)' is not a time in the form YYYY-MM-DDTHH:MM")
    }
    return FixedClock(date: d, time: t).now()
}
