import FluentKit
import Foundation
import RollbookCore
import SQLKit

/// A pupil's own attendance target, from a day, with the reason (staff text) and who set it.
public final class IndividualTargetRow: Model, @unchecked Sendable {
    public static let schema = "individual_targets"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "pupil_id") public var pupilID: Int
    /// A fraction, 0.9 for 90%.
    @Field(key: "target") public var target: Double
    @Field(key: "reason") public var reason: String
    @Field(key: "from_date") public var from: String
    @Field(key: "set_by") public var setBy: String
    @Field(key: "set_at") public var setAt: String
    public init() {}
    public init(pupilID: Int, target: Double, reason: String, from: LocalDate, by actor: Actor, at now: String) {
        self.pupilID = pupilID
        self.target = target
        self.reason = reason
        self.from = from.iso
        self.setBy = "\(actor.name), \(actor.position)"
        self.setAt = now
    }
}

extension Store {
    public func addIndividualTarget(_ row: IndividualTargetRow) async throws {
        try await write { try await row.create(on: $0) }
    }

    /// The target in force for a pupil on `day`: the latest from on or before it (the last set, on the same day).
    public func individualTarget(pupilID: Int, on day: LocalDate) async throws -> IndividualTargetRow? {
        try await IndividualTargetRow.query(on: db).filter(\.$pupilID == pupilID).filter(\.$from <= day.iso).sort(\.$from, .descending)
            .sort(\.$id, .descending).first()
    }
}

extension Store {
    /// Every individual target in force on `day` for a school's pupils, by UPN: for each pupil the latest from on or
    /// before it (the last set, on the same day).
    public func individualTargets(schoolID: Int, on day: LocalDate) async throws -> [String: Double] {
        let rows = try await sql.select()
            .column(SQLColumn("upn", table: "pupils")).column(SQLColumn("target", table: "individual_targets"))
            .from(IndividualTargetRow.schema)
            .join("pupils", on: SQLColumn("id", table: "pupils"), .equal, SQLColumn("pupil_id", table: "individual_targets"))
            .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(schoolID))
            .where(SQLColumn("from_date", table: "individual_targets"), .lessThanOrEqual, SQLBind(day.iso))
            .orderBy(SQLColumn("from_date", table: "individual_targets")).orderBy(SQLColumn("id", table: "individual_targets"))
            .all()
        var out: [String: Double] = [:]
        for r in rows { out[try r.decode(column: "upn", as: String.self)] = try r.decode(column: "target", as: Double.self) }
        return out
    }
}
