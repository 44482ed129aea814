import FluentKit

/// School attendance orders recorded on a pupil (seed 001 §5: no deletion for elective home education while one
/// applies): the dates, with who recorded it and when.
struct M027SchoolAttendanceOrders: AsyncMigration {
    var name: String { "M027SchoolAttendanceOrders" }

    func prepare(on db: any Database) async throws {
        try await db.schema("school_attendance_orders")
            .field("id", .int, .identifier(auto: true))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("from_date", .string, .required)
            .field("to_date", .string)
            .field("recorded_by", .string, .required)
            .field("recorded_at", .string, .required)
            .create()
    }

    func revert(on db: any Database) async throws { try await db.schema("school_attendance_orders").delete() }
}
