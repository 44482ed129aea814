import FluentKit
import SQLKit

/// The daily attendance feed (issue 18): the school's URN, which the DfE's daily collection names it by, and an
/// index to find amendments made since a moment (`amended_since`).
struct M041DailyFeed: AsyncMigration {
    var name: String { "M041DailyFeed" }

    func prepare(on db: any Database) async throws {
        try await db.schema("schools").field("urn", .string).update()
        try await (db as! any SQLDatabase).create(index: "amendments_amended_at").on("amendments").column("amended_at").run()
    }

    func revert(on db: any Database) async throws {
        try await (db as! any SQLDatabase).drop(index: "amendments_amended_at").run()
        try await db.schema("schools").deleteField("urn").update()
    }
}
