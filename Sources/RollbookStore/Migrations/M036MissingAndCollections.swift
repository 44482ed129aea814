import FluentKit

/// A pupil missing from the site (seed 004) and the end-of-day collection book (seed 003), issue 17.
struct M036MissingAndCollections: AsyncMigration {
    var name: String { "M036MissingAndCollections" }

    func prepare(on db: any Database) async throws {
        try await db.schema("missing_incidents")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("date", .string, .required)
            .field("started_at", .string, .required)
            .field("started_by", .string, .required)
            .field("steps", .string, .required)
            .field("contacts_exhausted", .bool, .required)
            .field("found_at", .string)
            .field("report", .string)
            .field("outcome", .string)
            .field("closed_by", .string)
            .create()
        try await db.schema("collections")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("date", .string, .required)
            .field("collected_at", .string)
            .field("collected_by", .string)
            .field("recorded_by", .string)
            .field("social_services_at", .string)
            .field("social_services_by", .string)
            .field("social_services_note", .string)
            .unique(on: "pupil_id", "date")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("collections").delete()
        try await db.schema("missing_incidents").delete()
    }
}
