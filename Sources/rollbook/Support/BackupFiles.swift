import ArgumentParser
import FluentKit
import Foundation
import RollbookStore
import SQLKit

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
            let problems = try await sql.raw("PRAGMA integrity_check").all().map {
                try $0.decode(column: "integrity_check", as: String.self)
            }
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
            throw UsageError(
                "file: the backup has migrations this version of Rollbook does not know (\(unknown.joined(separator: ", "))): restore it with a newer version"
            )
        }
    }

    /// The migration names in a pg_dump archive, read from its `_fluent_migrations` data.
    static func migrationNames(inDump file: String, _ conn: PostgresConnection) throws -> [String] {
        let text = try conn.run("pg_restore", ["--data-only", "--table=_fluent_migrations", "--file=-", file], capture: true)
        var column: Int?
        var names: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("COPY "), line.contains("_fluent_migrations"), let open = line.firstIndex(of: "("),
                let close = line.firstIndex(of: ")")
            {
                column = line[line.index(after: open)..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    .firstIndex(of: "name")
                continue
            }
            guard let c = column else { continue }
            if line == "\\." {
                column = nil
                continue
            }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            if c < fields.count { names.append(String(fields[c])) }
        }
        return names
    }
}
