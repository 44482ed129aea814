import FluentKit
import Foundation
import RollbookCore

/// The end-of-day collection book (seed 003): one row per pupil and day once anything is recorded: who collected the
/// child and when, and for a child not collected by the final time, when social services were contacted and by whom.
public final class CollectionRow: Model, @unchecked Sendable {
    public static let schema = "collections"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    @Field(key: "pupil_id") public var pupilID: Int
    @Field(key: "date") public var date: String
    /// School-local `HH:MM`.
    @OptionalField(key: "collected_at") public var collectedAt: String?
    /// Who took the child ("Mum", "Grandad, Ray").
    @OptionalField(key: "collected_by") public var collectedBy: String?
    /// The member of staff who recorded it: "Name, position".
    @OptionalField(key: "recorded_by") public var recordedBy: String?
    @OptionalField(key: "social_services_at") public var socialServicesAt: String?
    @OptionalField(key: "social_services_by") public var socialServicesBy: String?
    @OptionalField(key: "social_services_note") public var socialServicesNote: String?
    public init() {}
}

extension Store {
    /// The collection book for `date`, by pupil id.
    public func collections(schoolID: Int, date: LocalDate) async throws -> [Int: CollectionRow] {
        let rows = try await CollectionRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$date == date.iso).all()
        return Dictionary(rows.map { ($0.pupilID, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Changes (or starts) a pupil's row for the day.
    public func updateCollection(schoolID: Int, pupilID: Int, date: LocalDate, _ change: @escaping @Sendable (CollectionRow) -> Void)
        async throws
    {
        try await write { db in
            let row =
                try await CollectionRow.query(on: db).filter(\.$pupilID == pupilID).filter(\.$date == date.iso).first()
                ?? {
                    let r = CollectionRow()
                    r.schoolID = schoolID
                    r.pupilID = pupilID
                    r.date = date.iso
                    return r
                }()
            change(row)
            try await row.save(on: db)
        }
    }
}
