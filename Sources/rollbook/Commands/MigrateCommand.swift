import ArgumentParser
import Foundation
import RollbookCore
import RollbookStore

/// `rollbook migrate`: the database schema brought up to date.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Create or update the database schema.")
    @OptionGroup var db: DatabaseOptions
    func run() async throws {
        let location = try db.location
        try await withDatabase(db) { _ in print("The database schema is up to date (\(location)).") }
    }
}
