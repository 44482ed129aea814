import FluentKit

/// Evacuation roll calls (issue 17, seed 004): the pupils on site when one began, kept whole as JSON, and every tick
/// from every phone; closing records who, when and who was still unaccounted for.
struct M034RollCalls: AsyncMigration {
    var name: String { "M034RollCalls" }

    func prepare(on db: any Database) async throws {
        try await db.schema("roll_calls")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("date", .string, .required)
            .field("started_at", .string, .required)
            .field("started_by", .string, .required)
            .field("grouping", .string, .required)
            .field("pupils", .string, .required)
            .field("closed_at", .string)
            .field("closed_by", .string)
            .field("closing", .string)
            .create()
        try await db.schema("roll_call_ticks")
            .field("id", .int, .identifier(auto: true))
            .field("roll_call_id", .int, .required, .references("roll_calls", "id"))
            .field("upn", .string, .required)
            .field("accounted", .bool, .required)
            .field("device", .string, .required)
            .field("at", .int, .required)
            .field("by", .string, .required)
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("roll_call_ticks").delete()
        try await db.schema("roll_calls").delete()
    }
}
