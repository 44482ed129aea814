import ArgumentParser
import Foundation
import RollbookCore
import RollbookServer
import RollbookStore

extension MessagesCommand {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One pass of the outbox worker, with the channels from ROLLBOOK_SMTP_* and ROLLBOOK_NOTIFY_* (see the README).")
        @Option(help: "The school-local time of the pass (YYYY-MM-DDTHH:MM; default now).") var now: String?
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            let at = try schoolNow(now)
            let settings = try loadSettings().messages
            let line = try await withDatabase(db) { store in try await OutboxPass.run(store: store, settings: settings, now: at) }
            print(line)
        }
    }
}
