import FluentKit

/// Permissions on the admission register (issue 17: walking home alone, a sibling or a one-off collector, lunchtime
/// leave), who collected a pupil signed out and the check's answer, and the lunchtime leave register.
struct M035PupilPermissions: AsyncMigration {
    var name: String { "M035PupilPermissions" }

    func prepare(on db: any Database) async throws {
        try await db.schema("pupil_permissions")
            .field("id", .int, .identifier(auto: true))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("kind", .string, .required)
            .field("form", .string, .required)
            .field("details", .string, .required)
            .field("valid_from", .string, .required)
            .field("valid_to", .string)
            .field("recorded_by", .string, .required)
            .field("recorded_at", .string, .required)
            .field("withdrawn", .string)
            .field("withdrawn_by", .string)
            .create()
        try await db.schema("sign_outs").field("collector", .string).update()
        try await db.schema("sign_outs").field("check_decision", .string).update()
        try await db.schema("sign_outs").field("check_reason", .string).update()
        try await db.schema("lunchtime_outs")
            .field("id", .int, .identifier(auto: true))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("date", .string, .required)
            .field("out_at", .string, .required)
            .field("out_by", .string, .required)
            .field("back_at", .string)
            .field("back_by", .string)
            .field("flags", .string, .required)
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("lunchtime_outs").delete()
        for f in ["check_reason", "check_decision", "collector"] { try await db.schema("sign_outs").deleteField(.string(f)).update() }
        try await db.schema("pupil_permissions").delete()
    }
}
