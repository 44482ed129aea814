import ArgumentParser
import Foundation
import RollbookCore
import RollbookServer
import RollbookStore

extension TokenCommand {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token for a staff member (--email), or a service account's token (--service, --scope), and print it once.")
        @Option(help: "The staff member's email.") var email: String?
        @Option(help: "A service account: who holds the token (e.g. \"Local authority attendance team\").") var service: String?
        @Option(help: "The service account's scope: what its token reads (daily-feed).") var scope: String?
        @OptionGroup var db: DatabaseOptions

        func validate() throws {
            switch (email, service) {
            case (nil, nil): throw UsageError("--email or --service: give one")
            case (.some, .some): throw UsageError("--service: give either --email or --service, not both")
            case (.some, nil) where scope != nil: throw UsageError("--scope: only with --service (a staff token has its role's access)")
            case (nil, .some) where scope == nil: throw UsageError("--scope: required with --service (daily-feed)")
            default: break
            }
        }

        func run() async throws {
            let token = try await withDatabase(db) { store in
                if let service, let scope {
                    let school = try await store.defaultSchool()
                    do {
                        return try await createServiceToken(
                            store: store, schoolID: school.id!, name: service, scope: scope, by: "rollbook token create",
                            now: now().timestamp
                        ).token
                    } catch StoreError.invalid(let e) {
                        throw UsageError("--\(e.field == "name" ? "service" : e.field): \(e.reason)")
                    }
                }
                do { return try await createAPIToken(store: store, email: email ?? "", now: now().timestamp) } catch let e as StoreError {
                    throw UsageError("--email: \(e.description)")
                }
            }
            print(token)
        }
    }
}
