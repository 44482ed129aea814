import FluentKit
import Foundation
import RollbookCore
import SQLKit

/// What the 2024 regulations ask the admission register to hold beyond M001: each contact's address, the school last
/// attended, the day first expected, a temporary address (seed 004), and a youth offending team worker.
struct M013AdmissionRegisterFields: AsyncMigration {
    var name: String { "M013AdmissionRegisterFields" }

    func prepare(on db: any Database) async throws {
        try await db.schema("contacts").field("address", .string, .required, .sql(.default(""))).update()
        for f in ["yot_worker_name", "yot_worker_contact", "last_school_name", "last_school_address"] {
            try await db.schema("pupils").field(FieldKey(stringLiteral: f), .string, .required, .sql(.default(""))).update()
        }
        for f in ["first_expected_day", "temporary_address", "temporary_address_from", "temporary_address_to"] {
            try await db.schema("pupils").field(FieldKey(stringLiteral: f), .string).update()
        }
    }

    func revert(on db: any Database) async throws {
        for f in [
            "temporary_address_to", "temporary_address_from", "temporary_address", "first_expected_day",
            "last_school_address", "last_school_name", "yot_worker_contact", "yot_worker_name",
        ] {
            try await db.schema("pupils").deleteField(FieldKey(stringLiteral: f)).update()
        }
        try await db.schema("contacts").deleteField("address").update()
    }
}

/// The confirmation, kept with a deletion on the 10- or 20-day ground, that the school's and the LA's enquiries are
/// complete (seed 000 §6.3.3, seed 002 §5.1).
struct M014DeletionEnquiries: AsyncMigration {
    var name: String { "M014DeletionEnquiries" }

    func prepare(on db: any Database) async throws {
        try await db.schema("deletion_enquiries")
            .field("id", .int, .identifier(auto: true))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("ground", .string, .required)
            .field("school_completed_on", .string, .required)
            .field("la_completed_on", .string, .required)
            .field("la_confirmed_by", .string, .required)
            .field("note", .string, .required)
            .field("recorded_at", .string, .required)
            .field("by_name", .string, .required)
            .field("by_position", .string, .required)
            .create()
        try await (db as! any SQLDatabase).create(index: "deletion_enquiries_pupil").on("deletion_enquiries").column("pupil_id").run()
    }

    func revert(on db: any Database) async throws { try await db.schema("deletion_enquiries").delete() }
}

/// When and how the LA was told of each new pupil and each deletion: one row per pupil and event.
struct M015LANotices: AsyncMigration {
    var name: String { "M015LANotices" }

    func prepare(on db: any Database) async throws {
        try await db.schema("la_notices")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("event", .string, .required)
            .field("method", .string, .required)
            .field("told_on", .string, .required)
            .field("detail", .string, .required)
            .field("outbox_id", .int, .references("outbox", "id"))
            .field("recorded_at", .string, .required)
            .field("by_name", .string, .required)
            .field("by_position", .string, .required)
            .unique(on: "pupil_id", "event")
            .create()
        try await (db as! any SQLDatabase).create(index: "la_notices_school").on("la_notices").column("school_id").run()
    }

    func revert(on db: any Database) async throws { try await db.schema("la_notices").delete() }
}

public final class DeletionEnquiriesRow: Model, @unchecked Sendable {
    public static let schema = "deletion_enquiries"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "pupil_id") public var pupilID: Int
    @Field(key: "ground") public var ground: String
    @Field(key: "school_completed_on") public var schoolCompletedOn: String
    @Field(key: "la_completed_on") public var laCompletedOn: String
    @Field(key: "la_confirmed_by") public var laConfirmedBy: String
    @Field(key: "note") public var note: String
    @Field(key: "recorded_at") public var recordedAt: String
    @Field(key: "by_name") public var byName: String
    @Field(key: "by_position") public var byPosition: String
    public init() {}

    public var confirmation: EnquiriesConfirmation? {
        guard let s = LocalDate(iso: schoolCompletedOn), let l = LocalDate(iso: laCompletedOn) else { return nil }
        return EnquiriesConfirmation(schoolCompletedOn: s, laCompletedOn: l, laConfirmedBy: laConfirmedBy, note: note)
    }
}

public final class LANoticeRow: Model, @unchecked Sendable {
    public static let schema = "la_notices"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    @Field(key: "pupil_id") public var pupilID: Int
    /// An `LANoticeEvent`.
    @Field(key: "event") public var event: String
    /// An `LANoticeMethod`.
    @Field(key: "method") public var method: String
    @Field(key: "told_on") public var toldOn: String
    @Field(key: "detail") public var detail: String
    @OptionalField(key: "outbox_id") public var outboxID: Int?
    @Field(key: "recorded_at") public var recordedAt: String
    @Field(key: "by_name") public var byName: String
    @Field(key: "by_position") public var byPosition: String
    public init() {}

    public var notice: LANotice? {
        guard let e = LANoticeEvent(rawValue: event), let m = LANoticeMethod(rawValue: method), let d = LocalDate(iso: toldOn) else {
            return nil
        }
        return LANotice(event: e, method: m, on: d, by: byName, detail: detail)
    }
}

/// A deletion that could not be made: the pupil has already left, or the rule refused it.
public enum DeletionRefused: Error, Sendable {
    case alreadyDeleted(String)
}

extension Store {
    /// Deletes a pupil from the roll after checking the deletion rules (`AdmissionRules.checkDeletion`), keeping the
    /// enquiries confirmation with it. Nothing changes when a rule refuses. The pupil and every mark stay.
    public func deleteFromRoll(
        schoolID: Int, upn: String, ground: DeletionGround, leavingDay: LocalDate, enquiries: EnquiriesConfirmation?,
        today: LocalDate, by actor: Actor, at now: String
    ) async throws -> PupilRow {
        try await write { db in
            guard let p = try await PupilRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$upn == upn).first() else {
                throw StoreError.notFound("no pupil with UPN \(upn)")
            }
            guard p.leavingDay == nil else { throw DeletionRefused.alreadyDeleted("\(upn) has already been deleted from the roll") }
            do {
                try AdmissionRules.checkDeletion(
                    ground: ground, leavingDay: leavingDay, startingDay: LocalDate(iso: p.startingDay)!,
                    enquiries: enquiries, today: today)
            } catch let e as ValidationError { throw StoreError.invalid(e) }
            p.leavingDay = leavingDay.iso
            p.deletionGround = ground.rawValue
            try await p.update(on: db)
            if let e = enquiries, ground.needsEnquiries {
                let r = DeletionEnquiriesRow()
                r.pupilID = p.id!
                r.ground = ground.rawValue
                r.schoolCompletedOn = e.schoolCompletedOn.iso
                r.laCompletedOn = e.laCompletedOn.iso
                r.laConfirmedBy = e.laConfirmedBy
                r.note = e.note
                r.recordedAt = now
                r.byName = actor.name
                r.byPosition = actor.position
                try await r.create(on: db)
            }
            try await Self.rollChanged(schoolID: schoolID, on: db)
            return p
        }
    }

    public func deletionEnquiries(pupilID: Int) async throws -> DeletionEnquiriesRow? {
        try await DeletionEnquiriesRow.query(on: db).filter(\.$pupilID == pupilID).sort(\.$id, .descending).first()
    }

    /// Updates the admission register's details of one pupil (not the roll: no admission, no deletion), and replaces
    /// their contacts when `contacts` is given. The record is validated first; nothing changes when it fails.
    public func updateRegisterDetails(
        schoolID: Int, upn: String, _ change: @escaping @Sendable (inout PupilRecord) -> Void,
        contacts: [Contact]? = nil
    ) async throws -> PupilRow {
        try await write { db in
            guard let p = try await PupilRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$upn == upn).first() else {
                throw StoreError.notFound("no pupil with UPN \(upn)")
            }
            var r = p.record(contacts: contacts ?? [])
            change(&r)
            do { try r.validate() } catch let e as ValidationError { throw StoreError.invalid(e) }
            p.apply(r)
            try await p.update(on: db)
            if let contacts {
                try await ContactRow.query(on: db).filter(\.$pupilID == p.id!).delete()
                for c in contacts { try await ContactRow(pupilID: p.id!, contact: c).create(on: db) }
                try await Self.recordContactChanges(pupilIDs: [p.id!], at: nil, on: db)
            }
            return p
        }
    }

    /// Every contact of a school's pupils (addresses included), by pupil id, in priority order.
    public func registerContacts(schoolID: Int) async throws -> [Int: [Contact]] {
        let rows = try await ContactRow.query(on: db).join(PupilRow.self, on: \ContactRow.$pupilID == \PupilRow.$id)
            .filter(PupilRow.self, \.$schoolID == schoolID).sort(\.$pupilID).sort(\.$priority).all()
        return Dictionary(grouping: rows, by: \.pupilID).mapValues { $0.map(\.contact) }
    }

    // MARK: Telling the LA

    /// The notices given for a school's pupils, by pupil id and event.
    public func laNotices(schoolID: Int) async throws -> [Int: [LANoticeEvent: LANoticeRow]] {
        var out: [Int: [LANoticeEvent: LANoticeRow]] = [:]
        for r in try await LANoticeRow.query(on: db).filter(\.$schoolID == schoolID).all() {
            if let e = LANoticeEvent(rawValue: r.event) { out[r.pupilID, default: [:]][e] = r }
        }
        return out
    }

    /// Records that the LA was told; queues `message` in the same transaction when given (the outbox way). Returns
    /// nil when the LA had already been told of this event for this pupil (nothing changes).
    @discardableResult
    public func recordLANotice(
        schoolID: Int, pupilID: Int, event: LANoticeEvent, method: LANoticeMethod, on day: LocalDate, detail: String,
        message: OutboxRow?, by actor: Actor, at now: String
    ) async throws -> LANoticeRow? {
        try await write { db in
            if try await LANoticeRow.query(on: db).filter(\.$pupilID == pupilID).filter(\.$event == event.rawValue).count() > 0 {
                return nil
            }
            var outboxID: Int?
            if let m = message {
                try await m.create(on: db)
                outboxID = m.id
            }
            let r = LANoticeRow()
            r.schoolID = schoolID
            r.pupilID = pupilID
            r.event = event.rawValue
            r.method = method.rawValue
            r.toldOn = day.iso
            r.detail = detail
            r.outboxID = outboxID
            r.recordedAt = now
            r.byName = actor.name
            r.byPosition = actor.position
            try await r.create(on: db)
            return r
        }
    }
}

extension Store {
    /// Replaces the contacts of each pupil in a contacts file, in one transaction: all or nothing. A UPN not on the
    /// school's admission register fails the file with the line it first appears on. Returns (pupils, contacts).
    public func importContacts(schoolID: Int, file: String, _ rows: [Interchange.ContactsRow]) async throws -> (pupils: Int, contacts: Int)
    {
        try await write { db in
            let sql = db as! any SQLDatabase
            var ids: [String: Int] = [:]
            for r in try await sql.select().column("id").column("upn").from(PupilRow.schema).where("school_id", .equal, SQLBind(schoolID))
                .all()
            {
                ids[try r.decode(column: "upn", as: String.self)] = try r.decode(column: "id", as: Int.self)
            }
            if let missing = rows.filter({ ids[$0.upn] == nil }).min(by: { $0.line < $1.line }) {
                throw ImportError(
                    file: file, line: missing.line, column: "upn", reason: "no pupil with UPN \(missing.upn) on the admission register")
            }
            let pupilIDs = rows.map { ids[$0.upn]! }
            // In slices, to stay under both databases' limits on bound values.
            for chunk in pupilIDs.chunks(of: 500) { try await ContactRow.query(on: db).filter(\.$pupilID ~~ Array(chunk)).delete() }
            let new = zip(rows, pupilIDs).flatMap { r, id in r.contacts.map { ContactRow(pupilID: id, contact: $0) } }
            for chunk in new.chunks(of: 500) { try await Array(chunk).create(on: db) }
            try await Self.recordContactChanges(pupilIDs: pupilIDs, at: nil, on: db)
            return (rows.count, new.count)
        }
    }
}
