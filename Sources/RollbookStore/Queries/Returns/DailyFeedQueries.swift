import FluentKit
import Foundation
import RollbookCore
import SQLKit

extension Store {
    /// The daily attendance feed over `range` (docs/daily-feed.md). With `amendedSince`, the marks of days before the
    /// range whose latest amendment is after that moment are added as amendments.
    public func dailyFeed(schoolID: Int, range: DateRange, amendedSince: (text: String, instant: Date)? = nil) async throws -> DailyFeed {
        let school = try await self.school(schoolID)
        let numbers = try await ctfSchool(schoolID: schoolID)
        let calendar = try await calendar(schoolID: schoolID)
        let pupils = try await pupils(schoolID: schoolID, filter: PupilFilter(onRollDuring: range)).map(Self.feedPupil)
        let t = MarkRow.schema
        let rows = try await sql.select().column(SQLColumn("pupil_id", table: t)).column(SQLColumn("date", table: t))
            .column(SQLColumn("session", table: t)).column(SQLColumn("code", table: t)).column(SQLColumn("minutes_late", table: t))
            .from(t).join("pupils", on: SQLColumn("id", table: "pupils"), .equal, SQLColumn("pupil_id", table: t))
            .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(schoolID))
            .where(SQLColumn("date", table: t), .greaterThanOrEqual, SQLBind(range.from.iso))
            .where(SQLColumn("date", table: t), .lessThanOrEqual, SQLBind(range.to.iso)).all()
        let marks = try rows.compactMap(Self.feedMark)
        var amended: [(mark: DailyFeed.Mark, amendedAt: String)] = []
        var amendedPupils: [DailyFeed.Pupil] = []
        if let since = amendedSince {
            (amended, amendedPupils) = try await amendedMarks(schoolID: schoolID, before: range.from, since: since.instant)
        }
        return DailyFeed.build(
            school: DailyFeed.School(
                name: school.name, laNumber: numbers?.la, estabNumber: numbers?.estab, urn: try await urn(schoolID: schoolID)),
            calendar: calendar, range: range, pupils: pupils, marks: marks, amendedSince: amendedSince?.text, amended: amended,
            amendedPupils: amendedPupils)
    }

    /// The current marks of days before `before` whose latest amendment is after `since`, each with that amendment's time.
    func amendedMarks(schoolID: Int, before: LocalDate, since: Date) async throws -> (
        [(mark: DailyFeed.Mark, amendedAt: String)], [DailyFeed.Pupil]
    ) {
        // Timestamps are ISO 8601 with an offset: read from two days before (a safe string bound), then compare instants.
        let floor = ISO8601DateFormatter().string(from: since.addingTimeInterval(-2 * 86_400)).prefix(10)
        let a = AmendmentRow.schema
        let rows = try await sql.select().column(SQLColumn("pupil_id", table: a)).column(SQLColumn("date", table: a))
            .column(SQLColumn("session", table: a)).column(SQLColumn("amended_at", table: a))
            .from(a).join("pupils", on: SQLColumn("id", table: "pupils"), .equal, SQLColumn("pupil_id", table: a))
            .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(schoolID))
            .where(SQLColumn("amended_at", table: a), .greaterThanOrEqual, SQLBind(String(floor)))
            .where(SQLColumn("date", table: a), .lessThan, SQLBind(before.iso)).all()
        struct Slot: Hashable {
            var pupil: Int
            var date: String
            var session: String
        }
        let parse = ISO8601DateFormatter()
        var latest: [Slot: (Date, String)] = [:]
        for r in rows {
            let at = try r.decode(column: "amended_at", as: String.self)
            guard let instant = parse.date(from: at), instant > since else { continue }
            let slot = Slot(
                pupil: try r.decode(column: "pupil_id", as: Int.self), date: try r.decode(column: "date", as: String.self),
                session: try r.decode(column: "session", as: String.self))
            if let l = latest[slot], l.0 >= instant { continue }
            latest[slot] = (instant, at)
        }
        guard !latest.isEmpty else { return ([], []) }
        let ids = Array(Set(latest.keys.map(\.pupil))).sorted()
        guard let first = latest.keys.map(\.date).min() else { return ([], []) }
        var out: [(mark: DailyFeed.Mark, amendedAt: String)] = []
        var pupils: [DailyFeed.Pupil] = []
        for chunk in ids.chunks(of: 1000) {
            let marks = try await sql.select().columns("pupil_id", "date", "session", "code", "minutes_late").from(MarkRow.schema)
                .where("pupil_id", .in, SQLBind.group(Array(chunk))).where("date", .greaterThanOrEqual, SQLBind(first))
                .where("date", .lessThan, SQLBind(before.iso)).all()
            for r in marks {
                guard let m = try Self.feedMark(r),
                    let at = latest[Slot(pupil: m.pupil, date: m.date.iso, session: m.session.rawValue)]
                else { continue }
                out.append((m, at.1))
            }
            pupils += try await PupilRow.query(on: db).filter(\.$id ~~ Array(chunk)).all().map(Self.feedPupil)
        }
        return (out, pupils)
    }

    static func feedPupil(_ p: PupilRow) -> DailyFeed.Pupil {
        DailyFeed.Pupil(
            key: p.id!, upn: p.upn, sex: p.sex, form: p.form, sen: SENProvision(rawValue: p.sen) ?? .none, fsm: p.fsm,
            enrolment: p.enrolment)
    }

    static func feedMark(_ r: any SQLRow) throws -> DailyFeed.Mark? {
        guard let d = LocalDate(iso: try r.decode(column: "date", as: String.self)),
            let s = Session(rawValue: try r.decode(column: "session", as: String.self)),
            let c = AttendanceCode.lookup(try r.decode(column: "code", as: String.self))
        else { return nil }
        return DailyFeed.Mark(
            pupil: try r.decode(column: "pupil_id", as: Int.self), date: d, session: s, code: c,
            minutesLate: try r.decode(column: "minutes_late", as: Int?.self))
    }

    /// The school's URN (unique reference number), if set.
    public func urn(schoolID: Int) async throws -> String? {
        try await sql.select().column("urn").from(SchoolRow.schema).where("id", .equal, SQLBind(schoolID)).first()?
            .decode(column: "urn", as: String?.self)
    }

    /// Sets (or with nil clears) the school's URN: 6 digits.
    public func setURN(schoolID: Int, urn: String?) async throws {
        if let urn, urn.count != 6 || !urn.allSatisfy(\.isASCII) || !urn.allSatisfy(\.isNumber) {
            throw StoreError.invalid(ValidationError(field: "urn", reason: "'\(urn)' is not a URN: 6 digits"))
        }
        try await write { db in
            try await (db as! any SQLDatabase).update(SchoolRow.schema).set("urn", to: urn.map { SQLBind($0) } ?? SQLBind(String?.none))
                .where("id", .equal, SQLBind(schoolID)).run()
        }
    }
}
