import ArgumentParser
import Foundation
import RollbookServer
import RollbookStore

/// `rollbook restore`: puts a backup in place of the configured database. Stop the server first.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract:
            "Restore a backup made by `rollbook backup` (SQLite: into a new file, or over one with --force; PostgreSQL: the database replaced by the backup in one transaction). Stop the server first."
    )
    @Argument(help: "The backup file.") var file: String
    @Flag(help: "SQLite: replace the database file if it exists.") var force = false
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let settings = try loadSettings()
        settings.bootstrapLogging(.warning)
        let location = settings.database(path: db.database)
        guard FileManager.default.fileExists(atPath: file) else { throw UsageError("file: there is no backup at \(file)") }
        switch location {
        case .sqlite(let path):
            let exists = FileManager.default.fileExists(atPath: path)
            if exists && !force {
                throw UsageError("--database: \(path) already exists; restore into a new file, or give --force to replace it")
            }
            guard BackupFiles.isSQLite(file) else {
                throw UsageError("file: \(file) is not an SQLite database (a PostgreSQL backup needs DATABASE_URL)")
            }
            // Checked on a copy next to the target, then renamed over it: the target is never half written.
            let partial = BackupFiles.partialName(for: path)
            defer { for f in BackupFiles.sqliteFiles(partial) { try? FileManager.default.removeItem(atPath: f) } }
            do { try FileManager.default.copyItem(atPath: file, toPath: partial) } catch {
                throw UsageError("--database: cannot write next to \(path): \(error.localizedDescription)")
            }
            let migrations = try await BackupFiles.checkSQLite(partial)
            // A stale write-ahead log beside the old file would be replayed into the restored one.
            for f in BackupFiles.sqliteFiles(path) { try? FileManager.default.removeItem(atPath: f) }
            try BackupFiles.moveIntoPlace(partial, path)
            try await BackupFiles.migrate(location)
            print("Restored \(file) to \(location) (integrity ok, \(migrations) migrations; the schema is up to date).")
        case .postgres(let url):
            guard !BackupFiles.isSQLite(file) else {
                throw UsageError("file: \(file) is an SQLite backup; restore it with --database PATH")
            }
            let conn = try PostgresConnection(url: url)
            let names = try BackupFiles.migrationNames(inDump: file, conn)
            try BackupFiles.checkKnown(names)
            // The database is replaced whole, in one transaction: an empty schema, then the backup's script. (pg_restore
            // --clean would leave tables the backup does not know, e.g. from a later version, and fail on them.)
            let base = NSTemporaryDirectory() + "rollbook-restore-\(ProcessInfo.processInfo.processIdentifier)"
            defer { for f in [base + "-empty.sql", base + ".sql"] { try? FileManager.default.removeItem(atPath: f) } }
            do {
                try "DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n".write(
                    toFile: base + "-empty.sql", atomically: true, encoding: .utf8)
            } catch { throw UsageError("cannot write \(base)-empty.sql: \(error.localizedDescription)") }
            try conn.run("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--file=\(base).sql", file])
            try conn.run(
                "psql",
                [
                    "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1", "--dbname=\(conn.database)",
                    "--file=\(base)-empty.sql", "--file=\(base).sql",
                ])
            try await BackupFiles.migrate(location)
            print("Restored \(file) to \(location) (\(names.count) migrations; the schema is up to date).")
        }
    }
}
