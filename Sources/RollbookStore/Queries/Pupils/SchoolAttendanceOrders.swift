import FluentKit
import Foundation
import RollbookCore

/// A school attendance order recorded on a pupil.
public final class SchoolAttendanceOrderRow: Model, @unchecked Sendable {
    public static let schema = "school_attendance_orders"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "pupil_id") public var pupilID: Int
    @Field(key: "from_date") public var from: String
    @OptionalField(key: "to_date") public var to: String?
    @Field(key: "recorded_by") public var recordedBy: String
    @Field(key: "recorded_at") public var recordedAt: String
    public init() {}
    public init(pupilID: Int, order: SchoolAttendanceOrder, by: Actor, at: String) {
        self.pupilID = pupilID
        from = order.from.iso
        to = order.to?.iso
        recordedBy = "\(by.name), \(by.position)"
        recordedAt = at
    }
    public var order: SchoolAttendanceOrder? {
        LocalDate(iso: from).map { SchoolAttendanceOrder(from: $0, to: to.flatMap { LocalDate(iso: $0) }) }
    }
}

extension Store {
    /// Records an order and its casework entry together.
    public func addSchoolAttendanceOrder(_ row: SchoolAttendanceOrderRow, entry: CaseworkRow) async throws {
        try await write { db in
            try await row.create(on: db)
            try await entry.create(on: db)
        }
    }

    public func schoolAttendanceOrders(pupilID: Int) async throws -> [SchoolAttendanceOrder] {
        try await SchoolAttendanceOrderRow.query(on: db).filter(\.$pupilID == pupilID).sort(\.$from).all().compactMap(\.order)
    }
}
