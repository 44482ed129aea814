import ArgumentParser
import Foundation
import RollbookCore
import RollbookStore

extension CTFCommand {
    struct SchoolNumbers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "school", abstract: "Set the school's LA and establishment numbers, which a CTF names it by.")
        @Option(help: "LA number (3 digits).") var la: String
        @Option(help: "Establishment number (4 digits).") var estab: String
        @OptionGroup var db: DatabaseOptions
        func run() async throws {
            try await withDatabase(db) { store in
                let school = try await store.defaultSchool()
                do { try await store.setCTFNumbers(schoolID: school.id!, la: la, estab: estab) } catch let e as StoreError {
                    throw UsageError(e.description)
                }
                print("\(school.name): LA \(la), establishment \(estab).")
            }
        }
    }
}
