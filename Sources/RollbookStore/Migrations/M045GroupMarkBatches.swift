import FluentKit
import SQLKit

/// A record of each group marking (issue 18: a trip, a fixture, study leave, an enforced closure written for many
/// pupils at once): the code, the reason given once, the range, who chose it and what it wrote. The marks themselves
/// go through the audited write like any other.
struct M045GroupMarkBatches: AsyncMigration {
    var name: String { "M045GroupMarkBatches" }

    func prepare(on db: any Database) async throws {
        try await db.schema("group_mark_batches")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("code", .string, .required)
            .field("reason", .string, .required)
            .field("first_day", .string, .required)
            .field("last_day", .string, .required)
            .field("sessions", .string, .required)
            .field("scope", .string, .required)
            .field("pupils", .int, .required)
            .field("written", .int, .required)
            .field("amended", .int, .required)
            .field("kept", .int, .required)
            .field("created_by", .string, .required)
            .field("created_at", .string, .required)
            .create()
        try await (db as! any SQLDatabase).create(index: "group_mark_batches_school").on("group_mark_batches").column("school_id").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("group_mark_batches").delete()
    }
}
