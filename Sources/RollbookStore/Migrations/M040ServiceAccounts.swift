import FluentKit

/// Service accounts (issue 18): a collector (the DfE's agent, the LA, the trust) holding a token that reads one
/// thing, its scope. Created and revoked by the head; the token is stored only as its SHA-256 hash.
struct M040ServiceAccounts: AsyncMigration {
    var name: String { "M040ServiceAccounts" }

    func prepare(on db: any Database) async throws {
        try await db.schema(ServiceAccountRow.schema)
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("name", .string, .required)
            .field("scope", .string, .required)
            .field("token_hash", .string, .required)
            .field("created_by", .string, .required)
            .field("created_at", .string, .required)
            .field("revoked_by", .string)
            .field("revoked_at", .string)
            .unique(on: "token_hash")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(ServiceAccountRow.schema).delete()
    }
}
