import FluentKit

/// A pupil's card number on the admission register (issue 17, reception sign-in): at most one a pupil, unique in a
/// school, so a scanned card finds exactly one pupil.
struct M037PupilCards: AsyncMigration {
    var name: String { "M037PupilCards" }

    func prepare(on db: any Database) async throws {
        try await db.schema("pupil_cards")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("card_number", .string, .required)
            .field("set_by", .string, .required)
            .field("set_at", .string, .required)
            .unique(on: "pupil_id")
            .unique(on: "school_id", "card_number")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("pupil_cards").delete()
    }
}
