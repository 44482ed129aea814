import FluentKit

/// Timetable versions (issue 17): each in force from its date until the next, so past days keep the timetable they had.
/// The version is stored whole, as the JSON of `RollbookCore.Timetable`. A lesson register taken is recorded with who
/// took it and whether as cover for the timetabled teacher.
struct M032Timetables: AsyncMigration {
    var name: String { "M032Timetables" }

    func prepare(on db: any Database) async throws {
        try await db.schema("timetables")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("effective_from", .string, .required)
            .field("document", .string, .required)
            .field("filename", .string, .required)
            .field("imported_by", .string, .required)
            .field("imported_at", .string, .required)
            .unique(on: "school_id", "effective_from")
            .create()
        try await db.schema("lesson_registers")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("date", .string, .required)
            .field("lesson", .string, .required)
            .field("teacher", .string, .required)
            .field("taken_by", .string, .required)
            .field("cover", .bool, .required)
            .field("taken_at", .string, .required)
            .unique(on: "school_id", "date", "lesson")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("lesson_registers").delete()
        try await db.schema("timetables").delete()
    }
}
