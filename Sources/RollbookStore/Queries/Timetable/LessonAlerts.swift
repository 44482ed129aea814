import FluentKit
import FluentSQL
import Foundation
import RollbookCore

/// An "in school, not in lesson" alert: raised once, resolved once.
public final class LessonAlertRow: Model, @unchecked Sendable {
    public static let schema = "lesson_alerts"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    @Field(key: "pupil_id") public var pupilID: Int
    @Field(key: "date") public var date: String
    /// The first lesson missed, by register name: `P3 9x/Ma1`.
    @Field(key: "lesson") public var lesson: String
    /// The staff text when it was raised.
    @Field(key: "words") public var words: String
    @Field(key: "raised_at") public var raisedAt: String
    @OptionalField(key: "resolved_at") public var resolvedAt: String?
    /// `NotInLessonResolution`'s raw value.
    @OptionalField(key: "resolution") public var resolution: String?
    @OptionalField(key: "resolved_by") public var resolvedBy: String?
    @OptionalField(key: "note") public var note: String?
    public init() {}
}

/// One alert to raise.
public struct LessonAlertRaise: Sendable, Hashable {
    public var pupilID: Int
    public var date: LocalDate
    public var lesson: String
    public var words: String
    public init(pupilID: Int, date: LocalDate, lesson: String, words: String) {
        self.pupilID = pupilID
        self.date = date
        self.lesson = lesson
        self.words = words
    }
}

/// What the not-in-lesson scan reads for one school day.
public struct SchoolDayMarks: Sendable {
    /// Pupils on the school's roll: id and UPN.
    public var upns: [Int: String]
    public var record: DayRecord
}

extension Store {
    /// Raises the alerts not raised before (for the same pupil, day and lesson); returns how many are new.
    @discardableResult
    public func raiseLessonAlerts(schoolID: Int, _ alerts: [LessonAlertRaise], at now: String) async throws -> Int {
        // Each load of Today scans again and finds its alerts raised: only new ones take the writer.
        guard try await !Self.unraised(alerts, schoolID: schoolID, on: db).isEmpty else { return 0 }
        return try await write { db in
            let new = try await Self.unraised(alerts, schoolID: schoolID, on: db)
            for a in new {
                let row = LessonAlertRow()
                row.schoolID = schoolID
                row.pupilID = a.pupilID
                row.date = a.date.iso
                row.lesson = a.lesson
                row.words = a.words
                row.raisedAt = now
                try await row.create(on: db)
            }
            return new.count
        }
    }

    /// The alerts of `alerts` not yet stored, each once. Three columns through SQLKit: decoding whole rows through the
    /// model cost more than the rest of a scan.
    private static func unraised(_ alerts: [LessonAlertRaise], schoolID: Int, on db: any Database) async throws -> [LessonAlertRaise] {
        guard !alerts.isEmpty, let sql = db as? any SQLDatabase else { return alerts }
        let existing = try await sql.select().columns("pupil_id", "date", "lesson").from(LessonAlertRow.schema)
            .where("school_id", .equal, SQLBind(schoolID)).where("date", .in, SQLBind.group(Array(Set(alerts.map(\.date.iso)))))
            .where("pupil_id", .in, SQLBind.group(Array(Set(alerts.map(\.pupilID))))).all()
        var seen = Set<String>()
        for r in existing {
            seen.insert(
                "\(try r.decode(column: "pupil_id", as: Int.self))|\(try r.decode(column: "date", as: String.self))|\(try r.decode(column: "lesson", as: String.self))"
            )
        }
        return alerts.filter { seen.insert("\($0.pupilID)|\($0.date.iso)|\($0.lesson)").inserted }
    }

    /// A school's alerts of one day, oldest first; `open` only: not yet resolved.
    public func lessonAlerts(schoolID: Int, date: LocalDate, pupilID: Int? = nil, open: Bool = false) async throws -> [LessonAlertRow] {
        var q = LessonAlertRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$date == date.iso)
        if let pupilID { q = q.filter(\.$pupilID == pupilID) }
        if open { q = q.filter(\.$resolvedAt == nil) }
        return try await q.sort(\.$raisedAt).sort(\.$id).all()
    }

    /// Resolves an open alert once; nil when there is no such alert of the school, or it is already resolved.
    public func resolveLessonAlert(
        schoolID: Int, id: Int, _ resolution: NotInLessonResolution, note: String?, by actor: Actor, at now: String
    ) async throws -> LessonAlertRow? {
        try await write { db in
            guard let row = try await LessonAlertRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$id == id).first(),
                row.resolvedAt == nil, let day = LocalDate(iso: row.date)
            else { return nil }
            row.resolvedAt = now
            row.resolution = resolution.rawValue
            row.resolvedBy = "\(actor.name), \(actor.position)"
            row.note = note
            try await row.save(on: db)
            // The pupil's timeline says what was decided, by whom and when, in the same transaction.
            try await CaseworkRow(
                pupilID: row.pupilID, kind: .lessonAlertResolved, actionKey: nil, happenedOn: day,
                summary: "Not in \(row.lesson) while in school: resolved as \(resolution.title)\(note.map { ": \($0)" } ?? "")",
                outcome: resolution.rawValue, recordedAt: now, by: actor
            ).create(on: db)
            return row
        }
    }

    /// The day's statutory marks, lesson marks and signing out of a school's pupils on roll: one read per table.
    /// A late arrival (L or U with minutes late) is on site from `register`'s late-after time plus its minutes; a child
    /// collected at the end of the day has left. `roll` (id to UPN), when the caller has read it, saves reading it again.
    public func schoolDayMarks(
        schoolID: Int, date: LocalDate, amAt: TimeOfDay, pmAt: TimeOfDay, register: RegisterTimes, roll: [Int: String]? = nil
    ) async throws -> SchoolDayMarks {
        var upns: [Int: String] = roll ?? [:]
        if roll == nil {
            let pupils = try await sql.select().column("id").column("upn").from("pupils").where("school_id", .equal, SQLBind(schoolID))
                .where("starting_day", .lessThanOrEqual, SQLBind(date.iso)).all()
            for r in pupils { upns[try r.decode(column: "id", as: Int.self)] = try r.decode(column: "upn", as: String.self) }
        }
        func rows(_ table: String, _ slot: String) async throws -> [(upn: String, slot: String, code: AttendanceCode)] {
            try await sql.select().column(SQLColumn("pupil_id", table: table)).column(SQLColumn(slot, table: table))
                .column(SQLColumn("code", table: table)).from(table)
                .join("pupils", on: SQLColumn("id", table: "pupils"), .equal, SQLColumn("pupil_id", table: table))
                .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(schoolID))
                .where(SQLColumn("date", table: table), .equal, SQLBind(date.iso)).all()
                .compactMap { r in
                    guard let upn = upns[try r.decode(column: "pupil_id", as: Int.self)],
                        let code = AttendanceCode.lookup(try r.decode(column: "code", as: String.self))
                    else { return nil }
                    return (upn, try r.decode(column: slot, as: String.self), code)
                }
        }
        var sessions: [String: DayRecord.SessionMarks] = [:]
        var movements: [Movement] = []
        let marks = try await sql.select().column(SQLColumn("pupil_id", table: MarkRow.schema))
            .column(SQLColumn("session", table: MarkRow.schema)).column(SQLColumn("code", table: MarkRow.schema))
            .column(SQLColumn("minutes_late", table: MarkRow.schema)).from(MarkRow.schema)
            .join("pupils", on: SQLColumn("id", table: "pupils"), .equal, SQLColumn("pupil_id", table: MarkRow.schema))
            .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(schoolID))
            .where(SQLColumn("date", table: MarkRow.schema), .equal, SQLBind(date.iso)).all()
        for r in marks {
            guard let upn = upns[try r.decode(column: "pupil_id", as: Int.self)],
                let code = AttendanceCode.lookup(try r.decode(column: "code", as: String.self)),
                let session = Session(rawValue: try r.decode(column: "session", as: String.self))
            else { continue }
            if session == .am {
                sessions[upn, default: .init()].am = code
            } else {
                sessions[upn, default: .init()].pm = code
            }
            // A late arrival is on site from when they signed in, whatever a lesson before it said.
            if code == .late || code == .u, let late = try r.decode(column: "minutes_late", as: Int?.self) {
                movements.append(Movement(upn: upn, kind: .signedIn, at: TimeOfDay(minutes: register[session].lateAfter.minutes + late)))
            }
        }
        var lessons: [String: [String: AttendanceCode]] = [:]
        for m in try await rows(LessonMarkRow.schema, "lesson") { lessons[m.slot, default: [:]][m.upn] = m.code }
        let c = CollectionRow.schema
        let collected = try await sql.select().column(SQLColumn("pupil_id", table: c)).column(SQLColumn("collected_at", table: c)).from(c)
            .where(SQLColumn("school_id", table: c), .equal, SQLBind(schoolID))
            .where(SQLColumn("date", table: c), .equal, SQLBind(date.iso)).all()
        for r in collected {
            guard let upn = upns[try r.decode(column: "pupil_id", as: Int.self)],
                let at = try r.decode(column: "collected_at", as: String?.self).flatMap(TimeOfDay.init)
            else { continue }
            movements.append(Movement(upn: upn, kind: .signedOut, at: at))
        }
        let t = SignOutRow.schema
        let outs = try await sql.select().column(SQLColumn("pupil_id", table: t)).column(SQLColumn("out_at", table: t))
            .column(SQLColumn("back_at", table: t)).from(t)
            .join("pupils", on: SQLColumn("id", table: "pupils"), .equal, SQLColumn("pupil_id", table: t))
            .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(schoolID))
            .where(SQLColumn("date", table: t), .equal, SQLBind(date.iso)).all()
        for r in outs {
            guard let upn = upns[try r.decode(column: "pupil_id", as: Int.self)] else { continue }
            if let out = TimeOfDay(try r.decode(column: "out_at", as: String.self)) {
                movements.append(Movement(upn: upn, kind: .signedOut, at: out))
            }
            if let back = try r.decode(column: "back_at", as: String?.self).flatMap(TimeOfDay.init) {
                movements.append(Movement(upn: upn, kind: .returned, at: back))
            }
        }
        return SchoolDayMarks(
            upns: upns, record: DayRecord(sessionMarks: sessions, lessonMarks: lessons, movements: movements, amAt: amAt, pmAt: pmAt))
    }
}

extension Store {
    /// One alert of a school, by id.
    public func lessonAlert(schoolID: Int, id: Int) async throws -> LessonAlertRow? {
        try await LessonAlertRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$id == id).first()
    }
}

extension Store {
    /// Lessons missed as truancy, by pupil id, for schools with `school_day.not_in_lesson`: each alert resolved as
    /// truancy since `range.from`, once (later lessons of the same spell are part of it, not counted again).
    public func alertTruancies(schoolID: Int, pupilIDs: [Int]?, range: DateRange) async throws -> [Int: [TruancyRecord]] {
        if let ids = pupilIDs, ids.isEmpty { return [:] }
        var q = LessonAlertRow.query(on: db).filter(\.$schoolID == schoolID)
            .filter(\.$resolution == NotInLessonResolution.truancy.rawValue).filter(\.$date >= range.from.iso)
        if let ids = pupilIDs { q = q.filter(\.$pupilID ~~ ids) }
        var out: [Int: [TruancyRecord]] = [:]
        for a in try await q.sort(\.$date).sort(\.$id).all() {
            guard let d = LocalDate(iso: a.date) else { continue }
            out[a.pupilID, default: []].append(TruancyRecord(date: d, kind: .missedLesson, lesson: a.lesson))
        }
        return out
    }
}

extension Store {
    /// A pupil's alerts from `since` on, newest first: the open ones and those resolved lately.
    public func lessonAlerts(pupilID: Int, since: LocalDate) async throws -> [LessonAlertRow] {
        try await LessonAlertRow.query(on: db).filter(\.$pupilID == pupilID).filter(\.$date >= since.iso)
            .sort(\.$date, .descending).sort(\.$id, .descending).all()
    }
}
