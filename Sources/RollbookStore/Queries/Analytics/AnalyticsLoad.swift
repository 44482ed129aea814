import FluentKit
import Foundation
import RollbookCore
import SQLKit

// Reading a school's year into the analytics engine's compact form (`AnalyticsRoll`), and what changed since.

extension Characteristics {
    /// The pupils table's columns for the characteristics cohorts and rules read.
    static let columns = [
        "sen", "fsm", "pupil_premium", "eal", "looked_after", "previously_looked_after", "child_in_need", "child_protection",
        "young_carer", "vulnerable_reason", "traveller",
    ]

    /// From a row that selected `columns`.
    init(row r: Row) throws {
        self.init()
        sen = SENProvision(rawValue: try r.string("sen")) ?? .none
        freeSchoolMeals = try r.bool("fsm")
        pupilPremium = try r.bool("pupil_premium")
        englishAdditionalLanguage = try r.bool("eal")
        lookedAfter = try r.bool("looked_after")
        previouslyLookedAfter = try r.bool("previously_looked_after")
        childInNeed = try r.bool("child_in_need")
        childProtectionPlan = try r.bool("child_protection")
        youngCarer = try r.bool("young_carer")
        vulnerableReason = try r.string("vulnerable_reason")
        traveller = try r.bool("traveller")
    }
}

extension Store {
    /// The pupils on roll at some time in `year`, as analytics sees them (with the barriers recorded in `year`), with
    /// their database ids (UPN order).
    public func analyticsPupils(schoolID: Int, year: AcademicYear) async throws -> [(id: Int, pupil: AnalyticsPupil)] {
        let rows = try await sql.select()
            .columns(
                [
                    "id", "upn", "legal_surname", "legal_forename", "preferred_forename", "starting_day", "leaving_day", "year_group",
                    "year_group_year", "form", "house", "sex", "ethnicity",
                ] + Characteristics.columns
            )
            .from(PupilRow.schema).where("school_id", .equal, SQLBind(schoolID))
            .where("starting_day", .lessThanOrEqual, SQLBind(year.range.to.iso))
            .where(group: {
                $0.where("leaving_day", .is, SQLLiteral.null).orWhere("leaving_day", .greaterThanOrEqual, SQLBind(year.range.from.iso))
            })
            .orderBy("upn").rows()
        let barriers = try await barrierKinds(schoolID: schoolID, range: year.range)
        return try rows.compactMap { r in
            guard let start = LocalDate(iso: try r.string("starting_day")) else { return nil }
            var c = try Characteristics(row: r)
            c.ethnicity = try r.string("ethnicity")
            let preferred = try r.string("preferred_forename")
            let forename = preferred.isEmpty ? try r.string("legal_forename") : preferred
            let enrolment = Enrolment(
                startingDay: start, leavingDay: try r.optionalString("leaving_day").flatMap { LocalDate(iso: $0) },
                yearGroup: try r.string("year_group"),
                yearGroupYear: AcademicYear(startYear: try r.int("year_group_year")))
            let id = try r.int("id")
            return (
                id,
                AnalyticsPupil(
                    id: try r.string("upn"),
                    name: "\(try r.string("legal_surname")), \(forename)",
                    enrolment: enrolment, form: try r.string("form"),
                    house: try r.string("house"), sex: try r.string("sex"),
                    characteristics: c, barriers: barriers[id].map(Array.init) ?? [])
            )
        }
    }

    /// Minutes late of a school's marks over `range` (L and U), by pupil id: read through the partial index `marks_late`.
    public func lateness(schoolID: Int, range: DateRange, pupilIDs: [Int]? = nil) async throws -> [Int: [(
        date: LocalDate, session: Session, minutes: Int
    )]] {
        var q = sql.select().column(SQLColumn("pupil_id", table: "marks")).column(SQLColumn("date", table: "marks"))
            .column(SQLColumn("session", table: "marks")).column(SQLColumn("minutes_late", table: "marks"))
            .from(MarkRow.schema).join(PupilRow.schema, on: SQLColumn("pupil_id", table: "marks"), .equal, SQLColumn("id", table: "pupils"))
            .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(schoolID))
            .where(SQLColumn("date", table: "marks"), .greaterThanOrEqual, SQLBind(range.from.iso))
            .where(SQLColumn("date", table: "marks"), .lessThanOrEqual, SQLBind(range.to.iso))
            .where(SQLColumn("minutes_late", table: "marks"), .isNot, SQLLiteral.null)
        if let ids = pupilIDs {
            guard !ids.isEmpty else { return [:] }
            q = q.where(SQLColumn("pupil_id", table: "marks"), .in, SQLBind.group(ids))
        }
        var out: [Int: [(date: LocalDate, session: Session, minutes: Int)]] = [:]
        for r in try await q.rows() {
            guard let d = LocalDate(iso: try r.string("date")),
                let s = Session(rawValue: try r.string("session")),
                let m = try r.optionalInt("minutes_late")
            else { continue }
            out[try r.int("pupil_id"), default: []].append((d, s, m))
        }
        return out
    }

    /// The year's session arrays stamped by writes after school version `version`, by pupil id.
    public func sessionArrays(schoolID: Int, year: AcademicYear, changedAfter version: Int) async throws -> [Int: SessionArray] {
        let t = SessionCodes.table
        let rows = try await sql.select().column(SQLColumn("pupil_id", table: t)).column(SQLColumn("codes", table: t)).from(t)
            .join(PupilRow.schema, on: SQLColumn("id", table: "pupils"), .equal, SQLColumn("pupil_id", table: t))
            .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(schoolID))
            .where(SQLColumn("academic_year", table: t), .equal, SQLBind(year.startYear))
            .where(SQLColumn("version", table: t), .greaterThan, SQLBind(version)).rows()
        var out: [Int: SessionArray] = [:]
        for r in rows {
            let codes = try r.data("codes")
            var a = SessionArray(covering: year.range)
            codes.withUnsafeBytes { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                a.copy(from: bytes, days: 0...(min(codes.count, a.bytes.count) / 2 - 1), shift: 0)
            }
            out[try r.int("pupil_id")] = a
        }
        return out
    }

    /// A school's academic year as an analytics roll, the database id of each of its pupils (by roll index), and the
    /// versions it was read at.
    public func analyticsRoll(schoolID: Int, year: AcademicYear) async throws -> (
        roll: AnalyticsRoll, ids: [Int], versions: (data: Int, roll: Int)
    ) {
        let versions = try await versions(schoolID: schoolID)
        let calendar = try await calendar(schoolID: schoolID)
        let pupils = try await analyticsPupils(schoolID: schoolID, year: year)
        let arrays = try await sessionArrays(schoolID: schoolID, range: year.range)
        let late = try await lateness(schoolID: schoolID, range: year.range)
        var roll = AnalyticsRoll(calendar: calendar, year: year)
        roll.reserveCapacity(pupils.count)
        for (id, p) in pupils {
            roll.append(p, marks: arrays[id] ?? SessionArray(covering: year.range), lateness: late[id] ?? [])
        }
        return (roll, pupils.map(\.id), versions)
    }

    /// Pupils with this UPN in any school (a UPN follows a child from school to school).
    public func pupils(upn: String) async throws -> [PupilRow] {
        try await PupilRow.query(on: db).filter(\.$upn == upn).sort(\.$id).all()
    }

    /// The pupil and, in any school of the deployment, the pupils sharing a contact with parental responsibility
    /// (the same email, or the same phone number), each with what links them; the pupil first.
    public func family(of pupil: PupilRow) async throws -> [(PupilRow, String)] {
        let own = try await ContactRow.query(on: db).filter(\.$pupilID == pupil.id!).filter(\.$parentalResponsibility == true).all()
        let emails = Set(own.map { $0.email.lowercased() }.filter { !$0.isEmpty })
        let phones = Set(own.map { $0.phone.filter(\.isNumber) }.filter { $0.count >= 6 })
        var links: [Int: String] = [:]
        if !emails.isEmpty || !phones.isEmpty {
            // Emails compare without case; phone numbers as written (digits compared below).
            let ids = try await sql.select().column("id").from(ContactRow.schema)
                .where("parental_responsibility", .equal, SQLLiteral.boolean(true))
                .where(group: { g in
                    var g = g
                    if !emails.isEmpty { g = g.orWhere(SQLFunction("lower", args: SQLColumn("email")), .in, SQLBind.group(Array(emails))) }
                    if !phones.isEmpty { g = g.orWhere("phone", .in, SQLBind.group(own.map(\.phone).filter { !$0.isEmpty })) }
                    return g
                }).all().map { try $0.decode(column: "id", as: Int.self) }
            let candidates = ids.isEmpty ? [] : try await ContactRow.query(on: db).filter(\.$id ~~ ids).all()
            for c in candidates where c.pupilID != pupil.id! {
                if emails.contains(c.email.lowercased()) {
                    links[c.pupilID] = "\(c.name) (\(c.email))"
                } else if phones.contains(c.phone.filter(\.isNumber)) {
                    links[c.pupilID] = links[c.pupilID] ?? "\(c.name) (\(c.phone))"
                }
            }
        }
        let others =
            links.isEmpty ? [] : try await PupilRow.query(on: db).filter(\.$id ~~ Array(links.keys)).sort(\.$schoolID).sort(\.$upn).all()
        return [(pupil, "this pupil")] + others.map { ($0, links[$0.id!] ?? "") }
    }
}
