import FluentKit

/// The guided import's column mappings (issue 18): for each school and kind of file, which of the other system's
/// columns fills each of Rollbook's, saved so the next file from the same system is mapped already.
struct M043ImportMappings: AsyncMigration {
    var name: String { "M043ImportMappings" }

    func prepare(on db: any Database) async throws {
        try await db.schema("import_mappings")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("kind", .string, .required)
            .field("columns", .string, .required)
            .field("saved_by", .string, .required)
            .field("saved_at", .string, .required)
            .unique(on: "school_id", "kind")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("import_mappings").delete()
    }
}
