import FluentKit
import Foundation
import SQLKit

/// Web sessions in the database, so every instance behind one database knows every session; and failed sign-ins,
/// so throttling holds across instances too. Times are seconds since 1970 (UTC).
struct M010Security: AsyncMigration {
    var name: String { "M010Security" }

    func prepare(on db: any Database) async throws {
        // The id is kept only as a SHA-256 hash: a copy of the database signs nobody in.
        try await db.schema("web_sessions")
            .field("id_hash", .string, .identifier(auto: false))
            .field("data", .string, .required)
            .field("created_at", .double, .required)
            .field("seen_at", .double, .required)
            .create()
        try await db.schema("sign_in_failures")
            .field("id", .int, .identifier(auto: true))
            .field("scope", .string, .required)
            .field("key", .string, .required)
            .field("at", .double, .required)
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "sign_in_failures_key").on("sign_in_failures").column("scope").column("key").column("at").run()
        try await sql.create(index: "web_sessions_seen").on("web_sessions").column("seen_at").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("sign_in_failures").delete()
        try await db.schema("web_sessions").delete()
    }
}

/// A stored web session: its data (JSON) and when it began and was last used.
public struct StoredWebSession: Sendable, Equatable {
    public var data: String
    public var createdAt: Double
    public var seenAt: Double
}

extension Store {
    public func webSession(idHash: String) async throws -> StoredWebSession? {
        guard
            let row = try await sql.select().columns("data", "created_at", "seen_at").from("web_sessions")
                .where("id_hash", .equal, SQLBind(idHash)).first()
        else { return nil }
        return StoredWebSession(
            data: try row.decode(column: "data", as: String.self),
            createdAt: try row.decode(column: "created_at", as: Double.self),
            seenAt: try row.decode(column: "seen_at", as: Double.self))
    }

    public func createWebSession(idHash: String, data: String, at now: Double) async throws {
        try await write { db in
            try await (db as! any SQLDatabase).insert(into: "web_sessions").columns("id_hash", "data", "created_at", "seen_at")
                .values(SQLBind(idHash), SQLBind(data), SQLBind(now), SQLBind(now)).run()
        }
    }

    public func updateWebSession(idHash: String, data: String, at now: Double) async throws {
        try await write { db in
            try await (db as! any SQLDatabase).update("web_sessions").set("data", to: SQLBind(data)).set("seen_at", to: SQLBind(now))
                .where("id_hash", .equal, SQLBind(idHash)).run()
        }
    }

    public func deleteWebSession(idHash: String) async throws {
        try await write { db in
            try await (db as! any SQLDatabase).delete(from: "web_sessions").where("id_hash", .equal, SQLBind(idHash)).run()
        }
    }

    /// Removes sessions unused since `seenBefore` or begun before `createdBefore`, and failures older than
    /// `failuresBefore`: the housekeeping the background jobs do.
    public func purgeSecurityRecords(seenBefore: Double, createdBefore: Double, failuresBefore: Double) async throws {
        try await write { db in
            let sql = db as! any SQLDatabase
            try await sql.delete(from: "web_sessions").where("seen_at", .lessThan, SQLBind(seenBefore))
                .orWhere("created_at", .lessThan, SQLBind(createdBefore)).run()
            try await sql.delete(from: "sign_in_failures").where("at", .lessThan, SQLBind(failuresBefore)).run()
        }
    }

    /// Failed sign-ins for `key` in `scope` (e.g. an account's email, or a client address) since `since`, and the
    /// earliest of them.
    public func signInFailures(scope: String, key: String, since: Double) async throws -> (count: Int, earliest: Double?) {
        let row = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .column(SQLFunction("MIN", args: SQLColumn("at")), as: "earliest")
            .from("sign_in_failures").where("scope", .equal, SQLBind(scope)).where("key", .equal, SQLBind(key))
            .where("at", .greaterThanOrEqual, SQLBind(since)).first()
        return (try row?.decode(column: "n", as: Int.self) ?? 0, try row?.decode(column: "earliest", as: Double?.self))
    }

    /// Records a sign-in attempt as failed until it succeeds; returns the rows' ids.
    public func recordSignInFailure(_ keys: [(scope: String, key: String)], at now: Double) async throws -> [Int] {
        try await write { db in
            let sql = db as! any SQLDatabase
            var ids: [Int] = []
            for k in keys {
                let row = try await sql.insert(into: "sign_in_failures").columns("scope", "key", "at")
                    .values(SQLBind(k.scope), SQLBind(k.key), SQLBind(now)).returning("id").first()
                if let id = try row?.decode(column: "id", as: Int.self) { ids.append(id) }
            }
            return ids
        }
    }

    public func deleteSignInFailures(ids: [Int]) async throws {
        guard !ids.isEmpty else { return }
        try await write { db in
            try await (db as! any SQLDatabase).delete(from: "sign_in_failures").where("id", .in, SQLBind.group(ids)).run()
        }
    }

    /// A successful sign-in forgets the account's failures (not the address's).
    public func clearSignInFailures(scope: String, key: String) async throws {
        try await write { db in
            try await (db as! any SQLDatabase).delete(from: "sign_in_failures").where("scope", .equal, SQLBind(scope))
                .where("key", .equal, SQLBind(key)).run()
        }
    }
}
