import FluentKit
import SQLKit

/// The change feed (issue 18): one row per change to a mark, pupil, contact list or casework entry, written in the
/// transaction that made the change. `xid` is the writing PostgreSQL transaction's id (0 on SQLite).
struct M042ChangeFeed: AsyncMigration {
    var name: String { "M042ChangeFeed" }

    func prepare(on db: any Database) async throws {
        try await db.schema("changes")
            .field("id", .int, .identifier(auto: true))
            .field("xid", .int, .required)
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("kind", .string, .required)
            .field("operation", .string, .required)
            .field("upn", .string, .required)
            .field("entity_key", .string, .required)
            .field("value", .string, .required)
            .field("committed_at", .string, .required)
            .create()
        try await (db as! any SQLDatabase).create(index: "changes_feed").on("changes").column("school_id").column("xid").column("id")
            .run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("changes").delete()
    }
}
