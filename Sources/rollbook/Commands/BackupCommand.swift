import ArgumentParser
import Foundation
import RollbookServer
import RollbookStore

/// `rollbook backup`: a consistent copy of a live database. SQLite: `VACUUM INTO` (one read transaction, so the
/// copy is one moment's state while the server goes on writing). PostgreSQL: `pg_dump` in its custom format.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database to a file while the server runs (SQLite: a consistent copy; PostgreSQL: pg_dump, custom format).")
    @Option(help: "The backup file to write; it must not exist yet.") var out: String
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let settings = try loadSettings()
        settings.bootstrapLogging(.warning)
        let location = settings.database(path: db.database)
        guard !FileManager.default.fileExists(atPath: out) else { throw UsageError("--out: \(out) already exists; choose a new file") }
        let partial = BackupFiles.partialName(for: out)
        defer { try? FileManager.default.removeItem(atPath: partial) }
        switch location {
        case .sqlite(let path):
            // Opening a missing file would create an empty database: refuse instead.
            guard FileManager.default.fileExists(atPath: path) else { throw UsageError("--database: there is no SQLite file at \(path)") }
            try await BackupFiles.withSQLite(path) { sql in
                try await sql.raw("VACUUM INTO \(bind: partial)").run()
            }
            let migrations = try await BackupFiles.checkSQLite(partial)
            try BackupFiles.moveIntoPlace(partial, out)
            print("Backed up \(location) to \(out) (\(BackupFiles.size(out)) bytes, integrity ok, \(migrations) migrations).")
        case .postgres(let url):
            let conn = try PostgresConnection(url: url)
            try conn.run("pg_dump", ["--format=custom", "--no-owner", "--file=\(partial)"])
            try BackupFiles.moveIntoPlace(partial, out)
            print("Backed up \(location) to \(out) (\(BackupFiles.size(out)) bytes, pg_dump custom format).")
        }
    }
}
