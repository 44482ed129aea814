import ArgumentParser
import Foundation
import RollbookCore
import RollbookStore

extension PolicyCommand {
    struct ImportPolicy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import", abstract: "Save a policy file as a new version for the school.")
        @Argument(help: "The policy file (JSON).") var file: String
        @OptionGroup var db: DatabaseOptions
        func run() async throws {
            let (p, text) = try PolicyCommand.read(file)
            do {
                try await withDatabase(db) { store in
                    let school = try await store.defaultSchool()
                    _ = try await store.savePolicy(
                        schoolID: school.id!, p, document: text, by: Actor(name: "rollbook policy import", position: "Command line"),
                        at: now().timestamp)
                    print("Saved '\(p.name)' for \(school.name), in force from \(p.effectiveFrom).")
                }
            } catch let e as StoreError {
                throw UsageError("\(file): \(e.description). Nothing was changed.")
            }
        }
    }
}
