import ArgumentParser
import FluentKit
import Foundation
import RollbookStore
import SQLKit

/// `rollbook backup`: a consistent copy of a live database. SQLite: `VACUUM INTO` (one read transaction, so the
/// copy is one moment's state while the server goes on writing). PostgreSQL: `pg_dump` in its custom format.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the database to a file while the server runs (SQLite: a consistent copy; PostgreSQL: pg_dump, custom format).")
    @Option(help: "The backup file to write; it must not exist yet.") var out: String
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        bootstrapLogging(.warning)
        guard !FileManager.default.fileExists(atPath: out) else { throw UsageError("--out: \(out) already exists; choose a new file") }
        let partial = BackupFiles.partialName(for: out)
        defer { try? FileManager.default.removeItem(atPath: partial) }
        switch db.location {
        case .sqlite(let path):
            // Opening a missing file would create an empty database: refuse instead.
            guard FileManager.default.fileExists(atPath: path) else { throw UsageError("--database: there is no SQLite file at \(path)") }
            try await BackupFiles.withSQLite(path) { sql in
                try await sql.raw("VACUUM INTO \(bind: partial)").run()
            }
            let migrations = try await BackupFiles.checkSQLite(partial)
            try BackupFiles.moveIntoPlace(partial, out)
            print("Backed up \(db.location) to \(out) (\(BackupFiles.size(out)) bytes, integrity ok, \(migrations) migrations).")
        case .postgres(let url):
            let conn = try PostgresConnection(url: url)
            try conn.run("pg_dump", ["--format=custom", "--no-owner", "--file=\(partial)"])
            try BackupFiles.moveIntoPlace(partial, out)
            print("Backed up \(db.location) to \(out) (\(BackupFiles.size(out)) bytes, pg_dump custom format).")
        }
    }
}

/// `rollbook restore`: puts a backup in place of the configured database. Stop the server first.
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a backup made by `rollbook backup` (SQLite: into a new file, or over one with --force; PostgreSQL: the database replaced by the backup in one transaction). Stop the server first.")
    @Argument(help: "The backup file.") var file: String
    @Flag(help: "SQLite: replace the database file if it exists.") var force = false
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        bootstrapLogging(.warning)
        guard FileManager.default.fileExists(atPath: file) else { throw UsageError("file: there is no backup at \(file)") }
        switch db.location {
        case .sqlite(let path):
            let exists = FileManager.default.fileExists(atPath: path)
            if exists && !force { throw UsageError("--database: \(path) already exists; restore into a new file, or give --force to replace it") }
            guard BackupFiles.isSQLite(file) else { throw UsageError("file: \(file) is not an SQLite database (a PostgreSQL backup needs DATABASE_URL)") }
            // Checked on a copy next to the target, then renamed over it: the target is never half written.
            let partial = BackupFiles.partialName(for: path)
            defer { for f in BackupFiles.sqliteFiles(partial) { try? FileManager.default.removeItem(atPath: f) } }
            do { try FileManager.default.copyItem(atPath: file, toPath: partial) } catch { throw UsageError("--database: cannot write next to \(path): \(error.localizedDescription)") }
            let migrations = try await BackupFiles.checkSQLite(partial)
            // A stale write-ahead log beside the old file would be replayed into the restored one.
            for f in BackupFiles.sqliteFiles(path) { try? FileManager.default.removeItem(atPath: f) }
            try BackupFiles.moveIntoPlace(partial, path)
            try await BackupFiles.migrate(db.location)
            print("Restored \(file) to \(db.location) (integrity ok, \(migrations) migrations; the schema is up to date).")
        case .postgres(let url):
            guard !BackupFiles.isSQLite(file) else { throw UsageError("file: \(file) is an SQLite backup; restore it with --database PATH") }
            let conn = try PostgresConnection(url: url)
            let names = try BackupFiles.migrationNames(inDump: file, conn)
            try BackupFiles.checkKnown(names)
            // The database is replaced whole, in one transaction: an empty schema, then the backup's script. (pg_restore
            // --clean would leave tables the backup does not know, e.g. from a later version, and fail on them.)
            let base = NSTemporaryDirectory() + "rollbook-restore-\(ProcessInfo.processInfo.processIdentifier)"
            defer { for f in [base + "-empty.sql", base + ".sql"] { try? FileManager.default.removeItem(atPath: f) } }
            do { try "DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n".write(toFile: base + "-empty.sql", atomically: true, encoding: .utf8) }
            catch { throw UsageError("cannot write \(base)-empty.sql: \(error.localizedDescription)") }
            try conn.run("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--file=\(base).sql", file])
            try conn.run("psql", ["--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1", "--dbname=\(conn.database)",
                                  "--file=\(base)-empty.sql", "--file=\(base).sql"])
            try await BackupFiles.migrate(db.location)
            print("Restored \(file) to \(db.location) (\(names.count) migrations; the schema is up to date).")
        }
    }
}

enum BackupFiles {
    static func partialName(for path: String) -> String { path + ".partial-\(ProcessInfo.processInfo.processIdentifier)" }
    static func sqliteFiles(_ path: String) -> [String] { [path, path + "-wal", path + "-shm", path + "-journal"] }

    static func size(_ path: String) -> Int { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }

    static func isSQLite(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        return (try? h.read(upToCount: 16)) == Data("SQLite format 3\0".utf8)
    }

    static func moveIntoPlace(_ from: String, _ to: String) throws {
        guard rename(from, to) == 0 else { throw UsageError("cannot move the finished file to \(to): \(String(cString: strerror(errno)))") }
    }

    /// Opens the database, bringing its schema up to date, and closes it.
    static func migrate(_ location: DatabaseLocation) async throws {
        let db = try await StandaloneDatabase(location, migrate: true)
        await db.shutdown()
    }

    static func withSQLite<T: Sendable>(_ path: String, _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        let db = try await StandaloneDatabase(.sqlite(path: path), migrate: false)
        do {
            guard let sql = db.store.db as? any SQLDatabase else { throw UsageError("the database is not an SQL database") }
            let r = try await body(sql)
            await db.shutdown()
            return r
        } catch {
            await db.shutdown()
            throw error
        }
    }

    /// `PRAGMA integrity_check` must say ok and every migration recorded must be one this build knows.
    static func checkSQLite(_ path: String) async throws -> Int {
        guard isSQLite(path) else { throw UsageError("file: \(path) is not an SQLite database") }
        let names = try await withSQLite(path) { sql -> [String] in
            let problems = try await sql.raw("PRAGMA integrity_check").all().map { try $0.decode(column: "integrity_check", as: String.self) }
            guard problems == ["ok"] else {
                throw UsageError("file: the integrity check failed: \(problems.prefix(5).joined(separator: "; "))")
            }
            let tables = try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_fluent_migrations'").all()
            guard !tables.isEmpty else { throw UsageError("file: not a Rollbook database (it has no _fluent_migrations table)") }
            return try await sql.raw("SELECT name FROM _fluent_migrations").all().map { try $0.decode(column: "name", as: String.self) }
        }
        try checkKnown(names)
        return names.count
    }

    static func checkKnown(_ names: [String]) throws {
        guard !names.isEmpty else { throw UsageError("file: the backup records no migrations: not a Rollbook database") }
        let known = Set(Migrations.all.map(\.name))
        let unknown = names.filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw UsageError("file: the backup has migrations this version of Rollbook does not know (\(unknown.joined(separator: ", "))): restore it with a newer version")
        }
    }

    /// The migration names in a pg_dump archive, read from its `_fluent_migrations` data.
    static func migrationNames(inDump file: String, _ conn: PostgresConnection) throws -> [String] {
        let text = try conn.run("pg_restore", ["--data-only", "--table=_fluent_migrations", "--file=-", file], capture: true)
        var column: Int?
        var names: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("COPY "), line.contains("_fluent_migrations"), let open = line.firstIndex(of: "("), let close = line.firstIndex(of: ")") {
                column = line[line.index(after: open)..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.firstIndex(of: "name")
                continue
            }
            guard let c = column else { continue }
            if line == "\\." { column = nil; continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            if c < fields.count { names.append(String(fields[c])) }
        }
        return names
    }
}

/// PostgreSQL's client programs, given the connection through libpq's environment (so the password is not on a
/// command line).
struct PostgresConnection {
    var environment: [String: String]
    var database: String

    init(url: String) throws {
        guard let c = URLComponents(string: url), let host = c.host, ["postgres", "postgresql"].contains(c.scheme ?? "") else {
            throw UsageError("DATABASE_URL: not a postgres://user:password@host:port/database URL")
        }
        database = String(c.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw UsageError("DATABASE_URL: names no database") }
        var env = ProcessInfo.processInfo.environment
        env["PGHOST"] = host
        env["PGDATABASE"] = database
        if let p = c.port { env["PGPORT"] = String(p) }
        if let u = c.user { env["PGUSER"] = u.removingPercentEncoding ?? u }
        if let p = c.password { env["PGPASSWORD"] = p.removingPercentEncoding ?? p }
        environment = env
    }

    /// Debian's newest /usr/lib/postgresql/N/bin first (the client must not be older than the server), else PATH.
    static func tool(_ name: String) -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap { v in Int(v).map { ($0, v) } }
        for (_, v) in versions.sorted(by: { $0.0 > $1.0 }) where FileManager.default.isExecutableFile(atPath: "\(root)/\(v)/bin/\(name)") {
            return "\(root)/\(v)/bin/\(name)"
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return nil
    }

    /// Runs the tool; a failure is an error with its standard error. Returns standard output when captured.
    @discardableResult
    func run(_ name: String, _ arguments: [String], capture: Bool = false) throws -> String {
        guard let path = Self.tool(name) else { throw UsageError("\(name) was not found: install PostgreSQL's client programs (apt-get install postgresql-client)") }
        // Standard error goes to a file, so only one pipe is read while the tool runs.
        let errPath = NSTemporaryDirectory() + "rollbook-\(name)-\(ProcessInfo.processInfo.processIdentifier).err"
        guard FileManager.default.createFile(atPath: errPath, contents: nil) else { throw UsageError("cannot write \(errPath)") }
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        guard let errFile = FileHandle(forWritingAtPath: errPath) else { throw UsageError("cannot write \(errPath)") }
        defer { try? errFile.close() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.environment = environment
        let out = Pipe()
        p.standardOutput = capture ? out : FileHandle.standardError
        p.standardError = errFile
        try p.run()
        let outData = capture ? out.fileHandleForReading.readDataToEndOfFile() : Data()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let message = ((try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            throw UsageError("\(name) failed (exit \(p.terminationStatus)): \(message)")
        }
        return String(decoding: outData, as: UTF8.self)
    }
}
