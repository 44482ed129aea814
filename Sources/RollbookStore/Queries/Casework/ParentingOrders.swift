import FluentKit
import Foundation
import RollbookCore
import SQLKit

/// A parenting order as stored (`parenting_orders`); its casework entry puts it on the pupil's timeline.
public final class ParentingOrderRow: Model, @unchecked Sendable {
    public static let schema = "parenting_orders"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "pupil_id") public var pupilID: Int
    @Field(key: "casework_id") public var caseworkID: Int
    @Field(key: "made_on") public var madeOn: String
    @Field(key: "months") public var months: Int
    @Field(key: "court") public var court: String
    @Field(key: "parent") public var parent: String
    @Field(key: "officer_name") public var officerName: String
    @Field(key: "officer_organisation") public var officerOrganisation: String
    @Field(key: "requirements") public var requirements: String
    @Field(key: "review_dates") public var reviewDates: String
    public init() {}

    public var record: ParentingOrderRecord? {
        guard let made = LocalDate(iso: madeOn) else { return nil }
        return ParentingOrderRecord(
            id: id ?? 0, madeOn: made, months: months, court: court, parent: parent, officerName: officerName,
            officerOrganisation: officerOrganisation, requirements: requirements,
            reviewDates: reviewDates.split(separator: ",").compactMap { LocalDate(iso: $0) })
    }
}

extension Store {
    /// Records a parenting order and its casework entry in one transaction; the record with its id.
    public func recordParentingOrder(_ o: ParentingOrderRecord, pupilID: Int, entry: CaseworkRow) async throws -> ParentingOrderRecord {
        try await write { db in
            try await entry.create(on: db)
            let row = ParentingOrderRow()
            row.pupilID = pupilID
            row.caseworkID = entry.id!
            row.madeOn = o.madeOn.iso
            row.months = o.months
            row.court = o.court
            row.parent = o.parent
            row.officerName = o.officerName
            row.officerOrganisation = o.officerOrganisation
            row.requirements = o.requirements
            row.reviewDates = o.reviewDates.map(\.iso).joined(separator: ",")
            try await row.create(on: db)
            var out = o
            out.id = row.id!
            return out
        }
    }

    /// The parenting orders of a school's pupils (or of some), by pupil id, oldest first.
    public func parentingOrders(schoolID: Int, pupilIDs: [Int]? = nil) async throws -> [Int: [ParentingOrderRecord]] {
        if let ids = pupilIDs, ids.isEmpty { return [:] }
        var q = ParentingOrderRow.query(on: db).join(PupilRow.self, on: \ParentingOrderRow.$pupilID == \PupilRow.$id)
            .filter(PupilRow.self, \.$schoolID == schoolID)
        if let ids = pupilIDs { q = q.filter(\.$pupilID ~~ ids) }
        var out: [Int: [ParentingOrderRecord]] = [:]
        for r in try await q.sort(\.$madeOn).sort(\.$id).all() {
            if let o = r.record { out[r.pupilID, default: []].append(o) }
        }
        return out
    }
}
