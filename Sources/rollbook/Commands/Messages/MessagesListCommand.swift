import ArgumentParser
import Foundation
import RollbookCore
import RollbookServer
import RollbookStore

extension MessagesCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The outbox, newest first, as JSON lines.")
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            let rows = try await withDatabase(db) { store in
                try await store.outbox(schoolID: try await store.defaultSchool().id!, limit: 10_000)
            }
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for m in rows {
                let line: [String: String] = [
                    "id": String(m.id!), "template": m.template, "channel": m.channel, "recipient": m.recipient,
                    "recipient_name": m.recipientName, "state": m.state, "attempts": String(m.attempts),
                    "subject": m.subject, "about": m.about ?? "", "last_error": m.lastError ?? "",
                    "pupil_id": m.pupilID.map(String.init) ?? "", "next_attempt_at": m.nextAttemptAt,
                ]
                FileHandle.standardOutput.write(try e.encode(line) + Data("\n".utf8))
            }
        }
    }
}
