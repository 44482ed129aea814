import FluentKit
import SQLKit

/// A pupil's recurring pattern (issue 18: alternative provision every Tuesday afternoon, dual registration on set
/// days), which the register starts from. Ending one sets its last day and who ended it; no row is removed.
struct M046RecurringPatterns: AsyncMigration {
    var name: String { "M046RecurringPatterns" }

    func prepare(on db: any Database) async throws {
        try await db.schema("recurring_patterns")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("weekdays", .string, .required)
            .field("sessions", .string, .required)
            .field("code", .string, .required)
            .field("first_day", .string, .required)
            .field("last_day", .string)
            .field("note", .string, .required)
            .field("created_by", .string, .required)
            .field("created_at", .string, .required)
            .field("ended_by", .string)
            .field("ended_at", .string)
            .create()
        // Every register load looks up its pupils' patterns.
        try await (db as! any SQLDatabase).create(index: "recurring_patterns_pupil").on("recurring_patterns").column("pupil_id").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("recurring_patterns").delete()
    }
}
