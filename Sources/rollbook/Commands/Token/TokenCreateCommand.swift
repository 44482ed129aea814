import ArgumentParser
import Foundation
import RollbookCore
import RollbookServer
import RollbookStore

extension TokenCommand {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token for a staff member and print it once.")
        @Option(help: "The staff member's email.") var email: String
        @OptionGroup var db: DatabaseOptions
        func run() async throws {
            let token = try await withDatabase(db) { store in
                do { return try await createAPIToken(store: store, email: email, now: now().timestamp) } catch let e as StoreError {
                    throw UsageError("--email: \(e.description)")
                }
            }
            print(token)
        }
    }
}
