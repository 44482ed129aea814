import FluentKit

/// Parenting orders made by a court (seed 000 §6.5.6): one row per order, beside its casework entry.
struct M030ParentingOrders: AsyncMigration {
    var name: String { "M030ParentingOrders" }

    func prepare(on db: any Database) async throws {
        try await db.schema("parenting_orders")
            .field("id", .int, .identifier(auto: true))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("casework_id", .int, .required, .references("casework", "id"))
            .field("made_on", .string, .required)
            .field("months", .int, .required)
            .field("court", .string, .required)
            .field("parent", .string, .required)
            .field("officer_name", .string, .required)
            .field("officer_organisation", .string, .required)
            .field("requirements", .string, .required)
            // ISO dates, comma-separated, in order.
            .field("review_dates", .string, .required)
            .create()
    }

    func revert(on db: any Database) async throws { try await db.schema("parenting_orders").delete() }
}
