import FluentKit

/// Individual attendance targets (seed 004: pupils with health needs "not unfairly excluded from attendance rewards,
/// e.g. by setting individualised targets"): each dated, with the reason and who set it; the latest applies.
struct M026IndividualTargets: AsyncMigration {
    var name: String { "M026IndividualTargets" }

    func prepare(on db: any Database) async throws {
        try await db.schema("individual_targets")
            .field("id", .int, .identifier(auto: true))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("target", .double, .required)
            .field("reason", .string, .required)
            .field("from_date", .string, .required)
            .field("set_by", .string, .required)
            .field("set_at", .string, .required)
            .create()
    }

    func revert(on db: any Database) async throws { try await db.schema("individual_targets").delete() }
}
