import FluentKit
import FluentSQL
import Foundation
import RollbookCore
import SQLKit

/// Serialises write transactions within one process: SQLite allows one writer, and two deferred
/// transactions upgrading to write at once would fail rather than wait.
actor WriteGate {
    static let shared = WriteGate()
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }
    func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }
}

/// Which pupils a query covers.
public struct PupilFilter: Sendable, Hashable {
    public var yearGroup: String?
    public var form: String?
    public var house: String?
    /// A name from `Characteristics.filterNames`.
    public var characteristic: String?
    /// On roll at some time in this range (nil: everyone ever on roll).
    public var onRollDuring: DateRange?
    public var upns: [String]?
    /// Only pupils in these forms (a teacher's own); nil for every form.
    public var forms: [String]?
    public init(
        yearGroup: String? = nil, form: String? = nil, house: String? = nil, characteristic: String? = nil,
        onRollDuring: DateRange? = nil, upns: [String]? = nil
    ) {
        self.yearGroup = yearGroup
        self.form = form
        self.house = house
        self.characteristic = characteristic
        self.onRollDuring = onRollDuring
        self.upns = upns
    }
}

/// A pupil as the statistics see them.
public struct RollEntry: Sendable, Hashable {
    public let id: Int
    public let upn: String
    public let enrolment: Enrolment
    public init(_ p: PupilRow) {
        id = p.id!
        upn = p.upn
        enrolment = p.enrolment
    }
    public init(id: Int, upn: String, enrolment: Enrolment) {
        self.id = id
        self.upn = upn
        self.enrolment = enrolment
    }
}

extension Array {
    /// The array in consecutive pieces of at most `size` elements (for statements with a bounded number of binds).
    func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

/// A pupil as lists show them. `yearGroup` is the year group recorded on the admission register.
public struct PupilListing: Sendable, Hashable {
    public var entry: RollEntry
    public var displayName: String
    public var legalSurname: String
    public var form: String
    public var house: String
    public var id: Int { entry.id }
    public var upn: String { entry.upn }
    public var enrolment: Enrolment { entry.enrolment }
    public var yearGroup: String { entry.enrolment.yearGroup }
    public init(entry: RollEntry, displayName: String, legalSurname: String, form: String, house: String) {
        self.entry = entry
        self.displayName = displayName
        self.legalSurname = legalSurname
        self.form = form
        self.house = house
    }
    public init(_ p: PupilRow) {
        self.init(entry: RollEntry(p), displayName: p.displayName, legalSurname: p.legalSurname, form: p.form, house: p.house)
    }
}

/// A pupil's current mark on one session, as registers show it.
public struct SessionMark: Sendable, Hashable {
    public var pupilID: Int
    public var code: String
    public var minutesLate: Int?
    public var recordedBy: String
    /// The reason given with the current code, if any.
    public var note: String?
}

/// One mark to write to a register.
public struct MarkWrite: Sendable, Hashable {
    public var pupilID: Int
    public var mark: Mark
    /// Required when the write changes an existing mark.
    public var reason: String?
    public init(pupilID: Int, mark: Mark, reason: String? = nil) {
        self.pupilID = pupilID
        self.mark = mark
        self.reason = reason
    }
}

/// One lesson mark to write (lesson registers: not statutory, kept apart from AM/PM).
public struct LessonMarkWrite: Sendable, Hashable {
    public var pupilID: Int
    public var date: LocalDate
    public var lesson: String
    public var code: AttendanceCode
    public var minutesLate: Int?
    public var reason: String?
    public init(pupilID: Int, date: LocalDate, lesson: String, code: AttendanceCode, minutesLate: Int? = nil, reason: String? = nil) {
        self.pupilID = pupilID
        self.date = date
        self.lesson = lesson
        self.code = code
        self.minutesLate = minutesLate
        self.reason = reason
    }
}

public struct WriteSummary: Sendable, Codable, Equatable {
    public var created = 0
    public var amended = 0
    public var unchanged = 0
    public init() {}
}

public enum StoreError: Error, Sendable, CustomStringConvertible {
    case notFound(String)
    case invalid(ValidationError)
    public var description: String {
        switch self {
        case .notFound(let s): s
        case .invalid(let e): e.description
        }
    }
}

/// All reads and writes of Rollbook's data. One code path for SQLite and PostgreSQL.
public struct Store: Sendable {
    public let db: any Database
    public init(db: any Database) { self.db = db }
    var sql: any SQLDatabase { db as! any SQLDatabase }

    /// Runs `body` in a transaction, one writer at a time.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        await WriteGate.shared.acquire()
        do {
            let r = try await db.transaction { try await body($0) }
            await WriteGate.shared.release()
            return r
        } catch {
            await WriteGate.shared.release()
            throw error
        }
    }

    // MARK: Schools and staff

    public func schools() async throws -> [SchoolRow] { try await SchoolRow.query(on: db).sort(\.$id).all() }
    public func school(_ id: Int) async throws -> SchoolRow {
        guard let s = try await SchoolRow.find(id, on: db) else { throw StoreError.notFound("no school \(id)") }
        return s
    }
    public func createSchool(name: String, times: RegisterTimes) async throws -> SchoolRow {
        let s = SchoolRow(name: name, times: times)
        try await write { try await s.create(on: $0) }
        return s
    }

    public func updateSchool(_ id: Int, name: String?, times: RegisterTimes?, attendanceTarget: Double? = nil) async throws {
        try await write { db in
            guard let s = try await SchoolRow.find(id, on: db) else { throw StoreError.notFound("no school \(id)") }
            if let name { s.name = name }
            if let times { s.registerTimes = times }
            if let attendanceTarget { s.attendanceTarget = attendanceTarget }
            try await s.update(on: db)
        }
    }

    public func staff(email: String) async throws -> StaffRow? {
        try await StaffRow.query(on: db).filter(\.$email == email.lowercased()).first()
    }
    public func staff(id: Int) async throws -> StaffRow? { try await StaffRow.find(id, on: db) }
    public func staff(schoolID: Int) async throws -> [StaffRow] {
        try await StaffRow.query(on: db).filter(\.$schoolID == schoolID).sort(\.$id).all()
    }
    public func addStaff(_ s: StaffRow) async throws { try await write { try await s.create(on: $0) } }

    public func addToken(staffID: Int, tokenHash: String, createdAt: String) async throws {
        try await write { try await APITokenRow(staffID: staffID, tokenHash: tokenHash, createdAt: createdAt).create(on: $0) }
    }
    public func staff(tokenHash: String) async throws -> StaffRow? {
        guard let t = try await APITokenRow.query(on: db).filter(\.$tokenHash == tokenHash).first() else { return nil }
        return try await StaffRow.find(t.staffID, on: db)
    }

    // MARK: Calendar

    public func calendarEntries(schoolID: Int) async throws -> [CalendarEntry] {
        try await CalendarEntryRow.query(on: db).filter(\.$schoolID == schoolID).sort(\.$start).all().compactMap(\.entry)
    }
    public func calendar(schoolID: Int) async throws -> SchoolCalendar {
        SchoolCalendar(entries: try await calendarEntries(schoolID: schoolID))
    }
    /// Replaces the school's calendar in one transaction.
    public func replaceCalendar(schoolID: Int, entries: [CalendarEntry]) async throws {
        try await write { db in
            try await CalendarEntryRow.query(on: db).filter(\.$schoolID == schoolID).delete()
            for e in entries { try await CalendarEntryRow(schoolID: schoolID, entry: e).create(on: db) }
        }
    }

    // MARK: Admission register

    /// The pupils a filter selects, by UPN. Nil when the filter can match no one.
    func pupilSelect(schoolID: Int, filter: PupilFilter) -> SQLSelectBuilder? {
        var q = sql.select().from(PupilRow.schema).where("school_id", .equal, SQLBind(schoolID))
        if let y = filter.yearGroup { q = q.where("year_group", .equal, SQLBind(y)) }
        if let f = filter.form { q = q.where("form", .equal, SQLBind(f)) }
        if let fs = filter.forms {
            // No forms (a teacher with none yet): nobody; PostgreSQL refuses `IN ()`.
            guard !fs.isEmpty else { return nil }
            q = q.where("form", .in, SQLBind.group(fs))
        }
        if let h = filter.house { q = q.where("house", .equal, SQLBind(h)) }
        if let u = filter.upns {
            guard !u.isEmpty else { return nil }
            q = q.where("upn", .in, SQLBind.group(u))
        }
        if let r = filter.onRollDuring {
            q = q.where("starting_day", .lessThanOrEqual, SQLBind(r.to.iso)).where(group: {
                $0.where("leaving_day", .is, SQLLiteral.null).orWhere("leaving_day", .greaterThanOrEqual, SQLBind(r.from.iso))
            })
        }
        return q.orderBy("upn")
    }

    public func pupils(schoolID: Int, filter: PupilFilter = .init()) async throws -> [PupilRow] {
        guard let q = pupilSelect(schoolID: schoolID, filter: filter) else { return [] }
        let rows = try await q.column("*").all().map { try $0.decode(fluentModel: PupilRow.self) }
        guard let c = filter.characteristic else { return rows }
        return rows.filter { $0.characteristics.has(c) == true }
    }

    /// Just what statistics need of each pupil: id, UPN and enrolment, read without building whole pupil records.
    public func roll(schoolID: Int, filter: PupilFilter = .init()) async throws -> [RollEntry] {
        try await listings(schoolID: schoolID, filter: filter).map(\.entry)
    }

    /// Pupils as whole-school pages list them: names, groups and enrolment, without whole pupil records
    /// (decoding a model is most of the time of a 1,200-pupil page).
    public func listings(schoolID: Int, filter: PupilFilter = .init()) async throws -> [PupilListing] {
        if filter.characteristic != nil { return try await pupils(schoolID: schoolID, filter: filter).map(PupilListing.init) }
        guard let q = pupilSelect(schoolID: schoolID, filter: filter) else { return [] }
        return try await q.columns(
            "id", "upn", "legal_surname", "legal_forename", "preferred_forename", "form", "house",
            "starting_day", "leaving_day", "year_group", "year_group_year"
        ).rows().map { r in
            let start = try r.string("starting_day")
            let forename = try r.string("preferred_forename")
            let surname = try r.string("legal_surname")
            return PupilListing(
                entry: RollEntry(
                    id: try r.int("id"), upn: try r.string("upn"),
                    enrolment: Enrolment(
                        startingDay: LocalDate(iso: start)!,
                        leavingDay: try r.optionalString("leaving_day").flatMap { LocalDate(iso: $0) },
                        yearGroup: try r.string("year_group"),
                        yearGroupYear: AcademicYear(startYear: try r.int("year_group_year")))),
                displayName: "\(forename.isEmpty ? try r.string("legal_forename") : forename) \(surname)",
                legalSurname: surname, form: try r.string("form"),
                house: try r.string("house"))
        }
    }

    public func pupil(schoolID: Int, upn: String) async throws -> PupilRow? {
        try await PupilRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$upn == upn).first()
    }

    public func contacts(pupilID: Int) async throws -> [Contact] {
        try await ContactRow.query(on: db).filter(\.$pupilID == pupilID).sort(\.$priority).all().map(\.contact)
    }
    /// First contacts of many pupils at once (for the day-1 list).
    public func firstContacts(pupilIDs: [Int]) async throws -> [Int: Contact] {
        guard !pupilIDs.isEmpty else { return [:] }
        var out: [Int: Contact] = [:]
        for c in try await ContactRow.query(on: db).filter(\.$pupilID ~~ pupilIDs).sort(\.$priority).all() where out[c.pupilID] == nil {
            out[c.pupilID] = c.contact
        }
        return out
    }

    /// Admits new pupils and updates existing ones (matched by UPN) in one transaction, with their contacts
    /// when the record carries any. Returns (admitted, updated).
    @discardableResult
    public func savePupils(schoolID: Int, _ records: [PupilRecord], yearGroupYear: AcademicYear) async throws -> (Int, Int) {
        for r in records { do { try r.validate() } catch { throw StoreError.invalid(error) } }
        return try await write { db in
            let existing = try await PupilRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$upn ~~ records.map(\.upn)).all()
            let byUPN = Dictionary(existing.map { ($0.upn, $0) }, uniquingKeysWith: { a, _ in a })
            var admitted = 0
            var updated = 0
            var contactsReplaced: [Int] = []
            for r in records {
                let row: PupilRow
                if let e = byUPN[r.upn] {
                    // Register details an import does not carry are kept.
                    var r = r
                    let old = e.record()
                    r.lastSchool = r.lastSchool ?? old.lastSchool
                    r.firstExpectedDay = r.firstExpectedDay ?? old.firstExpectedDay
                    r.temporaryAddress = r.temporaryAddress ?? old.temporaryAddress
                    if r.characteristics.youthOffendingWorkerName.isEmpty && r.characteristics.youthOffendingWorkerContact.isEmpty {
                        r.characteristics.youthOffendingWorkerName = old.characteristics.youthOffendingWorkerName
                        r.characteristics.youthOffendingWorkerContact = old.characteristics.youthOffendingWorkerContact
                    }
                    e.apply(r)
                    e.yearGroupYear = yearGroupYear.startYear
                    try await e.update(on: db)
                    row = e
                    updated += 1
                } else {
                    row = PupilRow(schoolID: schoolID, record: r, yearGroupYear: yearGroupYear)
                    try await row.create(on: db)
                    admitted += 1
                }
                if !r.contacts.isEmpty {
                    try await ContactRow.query(on: db).filter(\.$pupilID == row.id!).delete()
                    for c in r.contacts { try await ContactRow(pupilID: row.id!, contact: c).create(on: db) }
                    contactsReplaced.append(row.id!)
                }
            }
            try await Self.recordContactChanges(pupilIDs: contactsReplaced, at: nil, on: db)
            try await Self.rollChanged(schoolID: schoolID, on: db)
            return (admitted, updated)
        }
    }

    /// Deletes a pupil from the roll on a ground that needs no enquiries confirmation (`AdmissionRules.checkDeletion`;
    /// the 10- and 20-day grounds are refused here). The pupil and every mark stay: nothing is hard-deleted.
    public func deleteFromRoll(schoolID: Int, upn: String, ground: DeletionGround, leavingDay: LocalDate) async throws -> PupilRow {
        try await deleteFromRoll(
            schoolID: schoolID, upn: upn, ground: ground, leavingDay: leavingDay, enquiries: nil, today: leavingDay,
            by: Actor(name: "Rollbook", position: "Rollbook"), at: "")
    }

    /// Marks a school's roll as changed (pupils admitted, updated or deleted): in-memory rolls are rebuilt.
    static func rollChanged(schoolID: Int, on db: any Database) async throws {
        try await (db as! any SQLDatabase).raw("UPDATE schools SET roll_version = roll_version + 1 WHERE id = \(bind: schoolID)").run()
    }

    /// A school's versions: `data` rises with every write of session marks, `roll` with every change to its pupils.
    public func versions(schoolID: Int) async throws -> (data: Int, roll: Int) {
        guard
            let r = try await sql.select().column("data_version").column("roll_version").from(SchoolRow.schema)
                .where("id", .equal, SQLBind(schoolID)).first()
        else { throw StoreError.notFound("no school \(schoolID)") }
        return (try r.decode(column: "data_version", as: Int.self), try r.decode(column: "roll_version", as: Int.self))
    }

    // MARK: Attendance register

    public func marks(pupilID: Int, range: DateRange? = nil) async throws -> [MarkRow] {
        var q = MarkRow.query(on: db).filter(\.$pupilID == pupilID)
        if let r = range { q = q.filter(\.$date >= r.from.iso).filter(\.$date <= r.to.iso) }
        return try await q.sort(\.$date).sort(\.$session).all()
    }

    /// Current marks for a set of pupils on one session, by pupil id. Read with SQLKit: a whole school's
    /// session is read on every Today page, and model decoding would be most of its time.
    public func marks(pupilIDs: [Int], date: LocalDate, session: Session) async throws -> [Int: SessionMark] {
        guard !pupilIDs.isEmpty else { return [:] }
        var out: [Int: SessionMark] = [:]
        for chunk in pupilIDs.chunks(of: 1000) {
            let rows = try await sql.select().columns("pupil_id", "code", "minutes_late", "recorded_by", "note").from(MarkRow.schema)
                .where("pupil_id", .in, SQLBind.group(Array(chunk))).where("date", .equal, SQLBind(date.iso))
                .where("session", .equal, SQLBind(session.rawValue)).rows()
            for r in rows {
                let m = SessionMark(
                    pupilID: try r.int("pupil_id"), code: try r.string("code"),
                    minutesLate: try r.optionalInt("minutes_late"),
                    recordedBy: try r.string("recorded_by"), note: try r.optionalString("note"))
                out[m.pupilID] = m
            }
        }
        return out
    }

    /// Pupils signed out on a day, in the order they left.
    public func signOuts(pupilIDs: [Int], date: LocalDate) async throws -> [SignOutRow] {
        guard !pupilIDs.isEmpty else { return [] }
        return try await SignOutRow.query(on: db).filter(\.$pupilID ~~ pupilIDs).filter(\.$date == date.iso).sort(\.$outAt).sort(\.$id)
            .all()
    }

    /// Signs a pupil out; refused while they are still out from an earlier signing out that day.
    public func signOut(_ row: SignOutRow) async throws {
        try await write { db in
            let open = try await SignOutRow.query(on: db).filter(\.$pupilID == row.pupilID).filter(\.$date == row.date)
                .filter(\.$backAt == nil).count()
            guard open == 0 else {
                throw StoreError.invalid(ValidationError(field: "time", reason: "the pupil is already signed out; sign them back in first"))
            }
            try await row.create(on: db)
        }
    }

    /// Signs a pupil back in: closes their open signing out of that day, which must have started by `time`.
    public func signBackIn(pupilID: Int, date: LocalDate, time: TimeOfDay, by actor: Actor) async throws {
        try await write { db in
            guard
                let row = try await SignOutRow.query(on: db).filter(\.$pupilID == pupilID).filter(\.$date == date.iso)
                    .filter(\.$backAt == nil).first()
            else {
                throw StoreError.invalid(ValidationError(field: "time", reason: "the pupil is not signed out today"))
            }
            guard let out = TimeOfDay(row.outAt), out <= time else {
                throw StoreError.invalid(ValidationError(field: "time", reason: "\(time) is before they signed out at \(row.outAt)"))
            }
            row.backAt = time.description
            row.backBy = "\(actor.name), \(actor.position)"
            try await row.update(on: db)
        }
    }

    /// Amendments, oldest first (the order they were made).
    public func amendments(pupilID: Int, date: LocalDate? = nil, session: Session? = nil) async throws -> [AmendmentRow] {
        var q = AmendmentRow.query(on: db).filter(\.$pupilID == pupilID)
        if let d = date { q = q.filter(\.$date == d.iso) }
        if let s = session { q = q.filter(\.$session == s.rawValue) }
        return try await q.sort(\.$id).all()
    }

    /// Writes marks in one transaction. A first entry creates the mark; a change appends an amendment
    /// (original, new, reason, when, name and position) and then updates the current mark; an unchanged mark is left alone.
    /// Every change needs a reason: if one lacks it, nothing is written.
    /// `taken`: the writes are a register's submission (reported to webhooks as `register.taken`).
    public func record(_ writes: [MarkWrite], by actor: Actor, at now: String, taken: TakenRegister? = nil) async throws -> WriteSummary {
        let entries = writes.map(Entry.init)
        return try await write { db in try await Self.record(entries, in: .sessions, by: actor, at: now, taken: taken, on: db) }
    }

    /// Writes lesson marks, with the same rules as session marks; amendments name the slot `lesson:NAME`.
    public func recordLessonMarks(_ writes: [LessonMarkWrite], by actor: Actor, at now: String) async throws -> WriteSummary {
        let entries = writes.map {
            Entry(pupilID: $0.pupilID, date: $0.date, slot: $0.lesson, code: $0.code, minutesLate: $0.minutesLate, reason: $0.reason)
        }
        return try await write { db in try await Self.record(entries, in: .lessons, by: actor, at: now, on: db) }
    }

    /// A mark to write in either register.
    struct Entry {
        var pupilID: Int, date: LocalDate, slot: String, code: AttendanceCode, minutesLate: Int?, reason: String?
        init(pupilID: Int, date: LocalDate, slot: String, code: AttendanceCode, minutesLate: Int?, reason: String?) {
            self.pupilID = pupilID
            self.date = date
            self.slot = slot
            self.code = code
            self.minutesLate = minutesLate
            self.reason = reason
        }
        init(_ w: MarkWrite) {
            self.init(
                pupilID: w.pupilID, date: w.mark.date, slot: w.mark.session.rawValue, code: w.mark.code,
                minutesLate: w.mark.minutesLate, reason: w.reason)
        }
        /// Kept on the mark: the reason given with it, if any.
        var note: String? {
            guard let r = reason?.trimmingCharacters(in: .whitespacesAndNewlines), !r.isEmpty else { return nil }
            return r
        }
    }

    /// The two registers: AM/PM sessions (`marks`) and lessons (`lesson_marks`).
    enum Register {
        case sessions, lessons
        var table: String { self == .sessions ? MarkRow.schema : LessonMarkRow.schema }
        var slotColumn: String { self == .sessions ? "session" : "lesson" }
        func auditSlot(_ slot: String) -> String { self == .sessions ? slot : "lesson:\(slot)" }
    }

    struct CurrentMark {
        var id: Int
        var code: String
        var minutesLate: Int?
    }

    static func record(
        _ entries: [Entry], in register: Register, by actor: Actor, at now: String, taken: TakenRegister? = nil,
        on db: any Database
    ) async throws -> WriteSummary {
        var summary = WriteSummary()
        guard !entries.isEmpty else { return summary }
        let sql = db as! any SQLDatabase
        // Load the current marks the writes touch, in chunks by pupil.
        var existing: [String: CurrentMark] = [:]
        func key(_ p: Int, _ d: String, _ s: String) -> String { "\(p)|\(d)|\(s)" }
        let dates = entries.map(\.date)
        let from = dates.min()!.iso
        let to = dates.max()!.iso
        let pupilIDs = Array(Set(entries.map(\.pupilID)))
        for chunk in pupilIDs.chunks(of: 500) {
            let rows = try await sql.select().column("id").column("pupil_id").column("date").column(SQLIdentifier(register.slotColumn))
                .column("code").column("minutes_late").from(register.table)
                .where("pupil_id", .in, SQLBind.group(Array(chunk))).where("date", .greaterThanOrEqual, SQLBind(from))
                .where("date", .lessThanOrEqual, SQLBind(to)).all()
            for r in rows {
                existing[
                    key(
                        try r.decode(column: "pupil_id", as: Int.self), try r.decode(column: "date", as: String.self),
                        try r.decode(column: register.slotColumn, as: String.self))] =
                    CurrentMark(
                        id: try r.decode(column: "id", as: Int.self), code: try r.decode(column: "code", as: String.self),
                        minutesLate: try r.decode(column: "minutes_late", as: Int?.self))
            }
        }
        var inserts: [Entry] = []
        var changes: [(CurrentMark, Entry)] = []
        for (i, e) in entries.enumerated() {
            let current = existing[key(e.pupilID, e.date.iso, e.slot)]
            // Session or lesson, the rule is the same: compare code and minutes late.
            let old = current.flatMap { c in
                AttendanceCode.lookup(c.code).map { Mark(date: e.date, session: .am, code: $0, minutesLate: c.minutesLate) }
            }
            switch RegisterRules.change(from: old, to: Mark(date: e.date, session: .am, code: e.code, minutesLate: e.minutesLate)) {
            case .firstEntry: inserts.append(e)
            case .unchanged: summary.unchanged += 1
            case .amendment:
                guard let reason = e.reason?.trimmingCharacters(in: .whitespacesAndNewlines), !reason.isEmpty else {
                    throw StoreError.invalid(
                        ValidationError(
                            field: "marks[\(i)].reason",
                            reason: "changing \(current!.code) to \(e.code.symbol) on \(e.date) \(e.slot) needs a reason"))
                }
                var e2 = e
                e2.reason = reason
                changes.append((current!, e2))
            }
        }
        // New marks, in batches.
        for chunk in inserts.chunks(of: 500) {
            var q = sql.insert(into: register.table).columns(
                "pupil_id", "date", register.slotColumn, "code", "minutes_late", "recorded_by", "recorded_at", "note")
            for e in chunk {
                q = q.values(
                    SQLBind(e.pupilID), SQLBind(e.date.iso), SQLBind(e.slot), SQLBind(e.code.symbol),
                    SQLBind(e.minutesLate), SQLBind(actor.name), SQLBind(now), SQLBind(e.note))
            }
            try await q.run()
        }
        summary.created = inserts.count
        // Amendments first, then the current mark.
        for chunk in changes.chunks(of: 500) {
            var q = sql.insert(into: AmendmentRow.schema).columns(
                "pupil_id", "date", "session", "original_code", "new_code",
                "original_minutes_late", "new_minutes_late", "reason", "amended_at", "by_name", "by_position")
            for (c, e) in chunk {
                q = q.values(
                    SQLBind(e.pupilID), SQLBind(e.date.iso), SQLBind(register.auditSlot(e.slot)), SQLBind(c.code), SQLBind(e.code.symbol),
                    SQLBind(c.minutesLate), SQLBind(e.minutesLate), SQLBind(e.reason!), SQLBind(now),
                    SQLBind(actor.name), SQLBind(actor.position))
            }
            try await q.run()
        }
        for (c, e) in changes {
            try await sql.update(register.table)
                .set("code", to: SQLBind(e.code.symbol)).set("minutes_late", to: SQLBind(e.minutesLate))
                .set("recorded_by", to: SQLBind(actor.name)).set("recorded_at", to: SQLBind(now)).set("note", to: SQLBind(e.note))
                .where("id", .equal, SQLBind(c.id)).run()
        }
        summary.amended = changes.count
        try await recordMarkChanges(
            created: inserts, amended: changes.map { ($0.0.code, $0.1) }, register: register, by: actor, at: now, on: db)
        if register == .sessions {
            try await SessionCodes.apply(
                (inserts + changes.map(\.1)).map { ($0.pupilID, $0.date, Session(rawValue: $0.slot)!, $0.code) }, on: sql)
            let written = inserts + changes.map(\.1)
            if !written.isEmpty || taken != nil {
                let previous = Dictionary(
                    changes.map { (key($0.1.pupilID, $0.1.date.iso, $0.1.slot), $0.0.code) }, uniquingKeysWith: { a, _ in a })
                try await queueMarkEvents(
                    written: written, register: entries, taken: taken, previous: previous, by: actor, at: now, on: sql)
            }
        }
        return summary
    }

    /// A group's lesson marks for one lesson on one day.
    public func lessonMarks(pupilIDs: [Int], date: LocalDate, lesson: String) async throws -> [Int: LessonMarkRow] {
        guard !pupilIDs.isEmpty else { return [:] }
        let rows = try await LessonMarkRow.query(on: db).filter(\.$pupilID ~~ pupilIDs).filter(\.$date == date.iso).filter(
            \.$lesson == lesson
        ).all()
        return Dictionary(rows.map { ($0.pupilID, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Marks of many pupils over a range as compact session arrays (one byte a session from `range.from`),
    /// read from the per-year arrays that every write keeps current.
    public func sessionArrays(schoolID: Int, pupilIDs: [Int]? = nil, range: DateRange) async throws -> [Int: SessionArray] {
        var out: [Int: SessionArray] = [:]
        let years = AcademicYear(containing: range.from).startYear...AcademicYear(containing: range.to).startYear
        let t = SessionCodes.table
        var q = sql.select().column(SQLColumn("pupil_id", table: t)).column(SQLColumn("academic_year", table: t))
            .column(SQLColumn("codes", table: t))
            .from(t)
            .join("pupils", on: SQLColumn("id", table: "pupils"), .equal, SQLColumn("pupil_id", table: t))
            .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(schoolID))
            .where(SQLColumn("academic_year", table: t), .greaterThanOrEqual, SQLBind(years.lowerBound))
            .where(SQLColumn("academic_year", table: t), .lessThanOrEqual, SQLBind(years.upperBound))
        if let ids = pupilIDs {
            guard !ids.isEmpty else { return [:] }
            q = q.where(SQLColumn("pupil_id", table: t), .in, SQLBind.group(ids))
        }
        let days = range.days
        for row in try await q.rows() {
            guard let pid = try? row.int("pupil_id"), let year = try? row.int("academic_year"), let codes = try? row.data("codes")
            else { continue }
            let yearStart = AcademicYear(startYear: year).range.from
            // Day offsets of this year's array that fall inside the range.
            let first = max(0, yearStart.days(to: range.from))
            let last = min(codes.count / 2 - 1, yearStart.days(to: range.to))
            guard first <= last else { continue }
            let shift = range.from.days(to: yearStart)  // range day = array day + shift
            codes.withUnsafeBytes { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                out[pid, default: SessionArray(base: range.from, days: days)].copy(from: bytes, days: first...last, shift: shift)
            }
        }
        return out
    }

    // MARK: Statistics

    /// Each pupil's session counts over `range` from the one statistics engine.
    public func pupilStatistics(schoolID: Int, range: DateRange, filter: PupilFilter = .init()) async throws -> [(RollEntry, SessionCounts)]
    {
        let (engine, pupils) = try await pupilArrays(schoolID: schoolID, range: range, filter: filter)
        return pupils.map { p, codes in (p, engine.counts(codes, enrolment: p.enrolment, range: range)) }
    }

    /// The pupils on roll in `range` with their session arrays over it, and the engine to count them.
    func pupilArrays(schoolID: Int, range: DateRange, filter: PupilFilter) async throws -> (StatisticsEngine, [(RollEntry, SessionArray)]) {
        var f = filter
        f.onRollDuring = f.onRollDuring.flatMap { $0.clamped(to: range) } ?? range
        let pupils = try await roll(schoolID: schoolID, filter: f)
        let engine = StatisticsEngine(calendar: try await calendar(schoolID: schoolID))
        let all =
            filter.yearGroup == nil && filter.form == nil && filter.house == nil && filter.characteristic == nil && filter.upns == nil
            && filter.forms == nil
        let arrays = try await sessionArrays(schoolID: schoolID, pupilIDs: all ? nil : pupils.map(\.id), range: range)
        let empty = SessionArray(base: range.from, days: 0)
        return (engine, pupils.map { p in (p, arrays[p.id] ?? empty) })
    }

    /// One pupil's counts over `range`, with their session array (for code totals).
    public func pupilStatistics(schoolID: Int, pupil: PupilRow, range: DateRange, engine: StatisticsEngine? = nil) async throws -> (
        SessionCounts, SessionArray
    ) {
        let engine = if let engine { engine } else { StatisticsEngine(calendar: try await calendar(schoolID: schoolID)) }
        let a =
            try await sessionArrays(schoolID: schoolID, pupilIDs: [pupil.id!], range: range)[pupil.id!]
            ?? SessionArray(base: range.from, days: 0)
        return (engine.counts(a, enrolment: pupil.enrolment, range: range), a)
    }

    public func groupStatistics(schoolID: Int, range: DateRange, filter: PupilFilter = .init()) async throws -> GroupStatistics {
        try await groupStatistics(schoolID: schoolID, ranges: [range], filter: filter)[0]
    }

    /// Figures for several ranges from one read of the roll and the session arrays (e.g. today and the year to date).
    public func groupStatistics(schoolID: Int, ranges: [DateRange], filter: PupilFilter = .init()) async throws -> [GroupStatistics] {
        guard let from = ranges.map(\.from).min(), let to = ranges.map(\.to).max() else { return [] }
        let union = DateRange(from: from, to: to)
        var out = Array(repeating: GroupStatistics(), count: ranges.count)
        let (engine, pupils) = try await pupilArrays(schoolID: schoolID, range: union, filter: filter)
        for (p, codes) in pupils {
            for (i, r) in ranges.enumerated() { out[i].add(engine.counts(codes, enrolment: p.enrolment, range: r)) }
        }
        return out
    }

    /// N marks that have waited more than `limit` school days for a reason.
    public func overdueNoReason(schoolID: Int, asOf: LocalDate, limit: Int = RegisterRules.noReasonLimitSchoolDays) async throws -> [(
        PupilRow, Mark
    )] {
        let calendar = try await calendar(schoolID: schoolID)
        let rows = try await MarkRow.query(on: db).join(PupilRow.self, on: \MarkRow.$pupilID == \PupilRow.$id)
            .filter(PupilRow.self, \.$schoolID == schoolID).filter(\.$code == "N").filter(\.$date <= asOf.iso)
            .sort(\.$date).all()
        var out: [(PupilRow, Mark)] = []
        for r in rows {
            guard let d = LocalDate(iso: r.date), let s = Session(rawValue: r.session) else { continue }
            let m = Mark(date: d, session: s, code: .n)
            if !RegisterRules.overdueNoReason([m], calendar: calendar, asOf: asOf, limit: limit).isEmpty {
                out.append((try r.joined(PupilRow.self), m))
            }
        }
        return out
    }
}

extension Store {
    /// The school a single-school command works on: the first, created with Rollbook's defaults if there is none.
    public func defaultSchool() async throws -> SchoolRow {
        if let s = try await schools().first { return s }
        return try await createSchool(name: "Rollbook school", times: .standard)
    }

    /// Imports marks (first entries, or amendments with reason `import`) in one transaction.
    /// An unknown UPN fails the whole file with its line number.
    public func importMarks(schoolID: Int, file: String, rows: [Interchange.MarkRow], at now: String) async throws -> WriteSummary {
        let pupils = try await self.pupils(schoolID: schoolID)
        let ids = Dictionary(pupils.map { ($0.upn, $0.id!) }, uniquingKeysWith: { a, _ in a })
        var writes: [MarkWrite] = []
        for r in rows {
            guard let id = ids[r.upn] else {
                throw ImportError(file: file, line: r.line, column: "upn", reason: "no pupil with UPN \(r.upn) on the admission register")
            }
            writes.append(MarkWrite(pupilID: id, mark: r.mark, reason: "import"))
        }
        return try await record(writes, by: Actor(name: "import", position: "Rollbook import"), at: now)
    }
}

extension Store {
    /// Empties a PostgreSQL database (benchmarks and tests only): drops and recreates the public schema.
    public func dropAllTables() async throws {
        try await sql.raw("DROP SCHEMA public CASCADE").run()
        try await sql.raw("CREATE SCHEMA public").run()
    }
}
