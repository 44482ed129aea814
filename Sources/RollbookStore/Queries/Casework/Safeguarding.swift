import FluentKit
import Foundation
import RollbookCore
import SQLKit

/// The admission register's safeguarding flags: a Traveller family, vulnerable in other ways (with the reason).
struct M019SafeguardingFlags: AsyncMigration {
    var name: String { "M019SafeguardingFlags" }

    func prepare(on db: any Database) async throws {
        try await db.schema("pupils").field("vulnerable_reason", .string, .required, .sql(.default(""))).update()
        try await db.schema("pupils").field("traveller", .bool, .required, .sql(.default(false))).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("pupils").deleteField("traveller").update()
        try await db.schema("pupils").deleteField("vulnerable_reason").update()
    }
}

extension Store {
    /// Sets a pupil's safeguarding flags and records the change on the timeline, in one transaction.
    public func setSafeguardingFlags(pupilID: Int, traveller: Bool, vulnerableReason: String, entry: CaseworkRow) async throws {
        try await write { db in
            guard let p = try await PupilRow.find(pupilID, on: db) else { throw StoreError.notFound("pupil \(pupilID)") }
            p.traveller = traveller
            p.vulnerableReason = vulnerableReason
            try await p.save(on: db)
            try await entry.create(on: db)
        }
    }

    /// The pupils of a school with each barrier recorded on or after `from` (by category), and the absences flagged
    /// as possibly bullying-related.
    public func barriers(schoolID: Int, from: LocalDate) async throws -> [CaseworkRow] {
        try await CaseworkRow.query(on: db).join(PupilRow.self, on: \CaseworkRow.$pupilID == \PupilRow.$id)
            .filter(PupilRow.self, \.$schoolID == schoolID).filter(\.$kind == CaseworkKind.barrier.rawValue)
            .filter(\.$happenedOn >= from.iso).sort(\.$happenedOn).sort(\.$id).all()
    }
}
