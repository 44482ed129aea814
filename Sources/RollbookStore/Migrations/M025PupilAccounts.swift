import FluentKit

/// Pupils' own accounts for their attendance tracker (seed 000 §3.2): one per pupil, invited by staff.
struct M025PupilAccounts: AsyncMigration {
    var name: String { "M025PupilAccounts" }

    func prepare(on db: any Database) async throws {
        try await db.schema("pupil_accounts")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("email", .string, .required)
            .field("password_hash", .string)
            .field("invite_token_hash", .string)
            .field("invite_expires_at", .string)
            .field("invited_at", .string, .required)
            .field("invited_by", .string, .required)
            .field("activated_at", .string)
            .unique(on: "pupil_id")
            .unique(on: "school_id", "email")
            .create()
    }

    func revert(on db: any Database) async throws { try await db.schema("pupil_accounts").delete() }
}
