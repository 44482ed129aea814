import FluentKit
import Foundation
import RollbookCore

/// A permission on the admission register (`PupilPermission`): who may collect or walk, lunchtime leave. The kind's
/// own details (the collector's name, the sibling, the senior leader who accepted it) are kept as JSON.
public final class PupilPermissionRow: Model, @unchecked Sendable {
    public static let schema = "pupil_permissions"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "pupil_id") public var pupilID: Int
    @Field(key: "kind") public var kind: String
    @Field(key: "form") public var form: String
    @Field(key: "details") public var details: String
    @Field(key: "valid_from") public var validFrom: String
    @OptionalField(key: "valid_to") public var validTo: String?
    /// "Name, position".
    @Field(key: "recorded_by") public var recordedBy: String
    @Field(key: "recorded_at") public var recordedAt: String
    @OptionalField(key: "withdrawn") public var withdrawn: String?
    @OptionalField(key: "withdrawn_by") public var withdrawnBy: String?
    public init() {}

    struct Details: Codable {
        var collectorName: String?
        var siblingUPN: String?
        var approvedBy: String?
    }

    public init(pupilID: Int, permission p: PupilPermission) {
        self.pupilID = pupilID
        kind = p.kind.rawValue
        form = p.form.rawValue
        let d = Details(collectorName: p.collectorName, siblingUPN: p.siblingUPN, approvedBy: p.approvedBy)
        details = String(decoding: (try? JSONEncoder().encode(d)) ?? Data("{}".utf8), as: UTF8.self)
        validFrom = p.validFrom.iso
        validTo = p.validTo?.iso
        recordedBy = p.recordedBy
        recordedAt = p.recordedAt
        withdrawn = p.withdrawn?.iso
    }

    /// The permission; nil for a row whose kind or dates this version does not know.
    public var permission: PupilPermission? {
        guard let k = PupilPermission.Kind(rawValue: kind), let f = PupilPermission.Form(rawValue: form),
            let from = LocalDate(iso: validFrom)
        else { return nil }
        let d = (try? JSONDecoder().decode(Details.self, from: Data(details.utf8))) ?? Details()
        return PupilPermission(
            kind: k, form: f, validFrom: from, validTo: validTo.flatMap { LocalDate(iso: $0) }, collectorName: d.collectorName,
            siblingUPN: d.siblingUPN, approvedBy: d.approvedBy, recordedBy: recordedBy, recordedAt: recordedAt,
            withdrawn: withdrawn.flatMap { LocalDate(iso: $0) })
    }
}

/// A pupil out of school at lunchtime under their lunchtime leave permission, and back; `flags` are
/// `LunchtimeRegister.Flag.Kind` raw values recorded when signed out and back (`;`-separated).
public final class LunchtimeOutRow: Model, @unchecked Sendable {
    public static let schema = "lunchtime_outs"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "pupil_id") public var pupilID: Int
    @Field(key: "date") public var date: String
    @Field(key: "out_at") public var outAt: String
    @Field(key: "out_by") public var outBy: String
    @OptionalField(key: "back_at") public var backAt: String?
    @OptionalField(key: "back_by") public var backBy: String?
    @Field(key: "flags") public var flags: String
    public init() {}

    public var flagList: [String] { flags.split(separator: ";").map(String.init) }
}

/// A permission withdrawn already: it is not withdrawn twice.
public struct PermissionWithdrawn: Error, Sendable {
    public var on: String
    public var by: String
}

extension Store {
    /// A pupil's permissions, oldest first.
    public func permissions(pupilID: Int) async throws -> [PupilPermissionRow] {
        try await PupilPermissionRow.query(on: db).filter(\.$pupilID == pupilID).sort(\.$validFrom).sort(\.$id).all()
    }

    /// The permissions of a kind not withdrawn, for every pupil of a school, by pupil id.
    public func permissions(schoolID: Int, kind: PupilPermission.Kind) async throws -> [Int: [PupilPermission]] {
        let rows = try await PupilPermissionRow.query(on: db).join(PupilRow.self, on: \PupilPermissionRow.$pupilID == \PupilRow.$id)
            .filter(PupilRow.self, \.$schoolID == schoolID).filter(\.$kind == kind.rawValue).filter(\.$withdrawn == nil).all()
        var out: [Int: [PupilPermission]] = [:]
        for r in rows { if let p = r.permission { out[r.pupilID, default: []].append(p) } }
        return out
    }

    /// Pupils by id, by surname then forename.
    public func pupilRows(ids: [Int]) async throws -> [PupilRow] {
        guard !ids.isEmpty else { return [] }
        return try await PupilRow.query(on: db).filter(\.$id ~~ ids).sort(\.$legalSurname).sort(\.$legalForename).all()
    }

    /// Adds one contact to a pupil's list (the demo's grandmother).
    public func addContact(pupilID: Int, _ c: Contact) async throws {
        try await write { db in
            try await ContactRow(pupilID: pupilID, contact: c).create(on: db)
            try await Self.recordContactChanges(pupilIDs: [pupilID], at: nil, on: db)
        }
    }

    public func addPermission(_ row: PupilPermissionRow) async throws {
        try await write { db in try await row.create(on: db) }
    }

    /// Withdraws a pupil's permission from `date`; nil when the pupil has no such permission.
    public func withdrawPermission(pupilID: Int, id: Int, on date: LocalDate, by actor: Actor) async throws -> PupilPermissionRow? {
        try await write { db in
            guard let row = try await PupilPermissionRow.query(on: db).filter(\.$pupilID == pupilID).filter(\.$id == id).first() else {
                return nil
            }
            if let on = row.withdrawn { throw PermissionWithdrawn(on: on, by: row.withdrawnBy ?? "") }
            row.withdrawn = date.iso
            row.withdrawnBy = "\(actor.name), \(actor.position)"
            try await row.update(on: db)
            return row
        }
    }

    /// The lunchtime leave register of a day, by pupil id (the latest going out of each).
    public func lunchtimeOuts(pupilIDs: [Int], date: LocalDate) async throws -> [Int: LunchtimeOutRow] {
        guard !pupilIDs.isEmpty else { return [:] }
        var out: [Int: LunchtimeOutRow] = [:]
        for r in try await LunchtimeOutRow.query(on: db).filter(\.$pupilID ~~ pupilIDs).filter(\.$date == date.iso).sort(\.$id).all() {
            out[r.pupilID] = r
        }
        return out
    }

    /// Records a pupil going out at lunchtime; refused while they are out already.
    public func lunchtimeOut(pupilID: Int, date: LocalDate, at time: TimeOfDay, flags: [String], by actor: Actor) async throws {
        try await write { db in
            let open = try await LunchtimeOutRow.query(on: db).filter(\.$pupilID == pupilID).filter(\.$date == date.iso)
                .filter(\.$backAt == nil).count()
            guard open == 0 else {
                throw StoreError.invalid(ValidationError(field: "time", reason: "the pupil is out at lunch already; sign them back first"))
            }
            let row = LunchtimeOutRow()
            row.pupilID = pupilID
            row.date = date.iso
            row.outAt = time.description
            row.outBy = "\(actor.name), \(actor.position)"
            row.flags = flags.joined(separator: ";")
            try await row.create(on: db)
        }
    }

    /// Records a pupil back from lunch, adding `flags` (a late return) to what was recorded when they went out.
    public func lunchtimeBack(
        pupilID: Int, date: LocalDate, at time: TimeOfDay, flags: (LunchtimeOutRow) -> [String], by actor: Actor
    ) async throws {
        let row = try await LunchtimeOutRow.query(on: db).filter(\.$pupilID == pupilID).filter(\.$date == date.iso)
            .filter(\.$backAt == nil).first()
        guard let row else { throw StoreError.invalid(ValidationError(field: "time", reason: "the pupil is not out at lunch today")) }
        guard let out = TimeOfDay(row.outAt), out <= time else {
            throw StoreError.invalid(ValidationError(field: "time", reason: "\(time) is before they went out at \(row.outAt)"))
        }
        let added = flags(row)
        try await write { db in
            guard let r = try await LunchtimeOutRow.find(row.id, on: db), r.backAt == nil else {
                throw StoreError.invalid(ValidationError(field: "time", reason: "the pupil was signed back already"))
            }
            r.backAt = time.description
            r.backBy = "\(actor.name), \(actor.position)"
            r.flags = (r.flagList + added).joined(separator: ";")
            try await r.update(on: db)
        }
    }
}
