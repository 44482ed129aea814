import FluentKit

/// "In school, not in lesson" alerts (issue 17): raised once per pupil, day and first lesson missed, resolved once as
/// truancy, a known reason or a register error, with who resolved it and a note.
struct M033LessonAlerts: AsyncMigration {
    var name: String { "M033LessonAlerts" }

    func prepare(on db: any Database) async throws {
        try await db.schema("lesson_alerts")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("date", .string, .required)
            .field("lesson", .string, .required)
            .field("words", .string, .required)
            .field("raised_at", .string, .required)
            .field("resolved_at", .string)
            .field("resolution", .string)
            .field("resolved_by", .string)
            .field("note", .string)
            .unique(on: "pupil_id", "date", "lesson")
            .create()
    }

    func revert(on db: any Database) async throws { try await db.schema("lesson_alerts").delete() }
}
