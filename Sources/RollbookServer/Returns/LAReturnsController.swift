import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/la-returns`: the returns a school makes to its local authority (`LAReturns`), as a page, JSON (`?format=json`), CSV
/// and XLSX. The head and the attendance lead see their school; the LA officer sees every school of the deployment,
/// with a school column.
struct LAReturnsController {
    /// That the LA was told: the day, how (`outbox` or `by_hand`), by whom and where or how.
    struct Told: Content {
        var on: String
        var method: String
        var by: String
        var detail: String
        init(_ n: LANotice) {
            on = n.on.iso
            method = n.method.rawValue
            by = n.by
            detail = n.detail
        }
    }
    struct NewPupilLine: Content {
        var school: String
        var upn: String
        var name: String
        var dateOfBirth: String
        var yearGroup: String
        var startingDay: String
        var deadline: String
        /// Not yet told and past the deadline.
        var overdue: Bool
        var told: Told?
        var isTold: Bool
    }
    struct DeletionLine: Content {
        var school: String
        var upn: String
        var name: String
        var dateOfBirth: String
        var yearGroup: String
        var startingDay: String
        var leavingDay: String
        var ground: String
        var groundMeaning: String
        var told: Told?
        var isTold: Bool
    }
    struct SpellLine: Content {
        var school: String
        var upn: String
        var name: String
        var yearGroup: String
        var first: String
        var last: String
        var schoolDays: Int
        var ongoing: Bool
        var totalSchoolDays: Int
        var totalSessions: Int
    }
    struct AbsenceLine: Content {
        var school: String
        var upn: String
        var name: String
        var yearGroup: String
        var possible: Int
        var authorised: Int
        var unauthorised: Int
        var absenceRate: Double?
        var absence: String
    }
    struct PersistentList: Content {
        /// The half term the list runs to (its dates), nil when none has ended yet this year.
        var halfTermFrom: String?
        var halfTermTo: String?
        /// The first day counted: the academic year's first day.
        var yearFrom: String?
        var lines: [AbsenceLine]
    }
    struct ExclusionLine: Content {
        var school: String
        var upn: String
        var name: String
        var yearGroup: String
        /// `suspension` or `permanent`.
        var kind: String
        var firstDay: String
        var schoolDays: Int?
        /// The pupil's school days of suspension in the term, this one included.
        var termSuspensionSchoolDays: Int
        /// A permanent exclusion, or suspensions past 5 school days in the term.
        var mustNotify: Bool
    }
    struct PartTimeLine: Content {
        var school: String
        var upn: String
        var name: String
        var yearGroup: String
        var from: String
        var to: String
        var reviewDate: String?
        /// The weekly sessions not expected, in words.
        var notExpected: String
        var timetable: String
    }
    struct Download: Content {
        var id: String
        var title: String
        var csv: String
        var xlsx: String
    }

    struct ReturnsContent: Content {
        var through: String
        var from: String
        var to: String
        var halfTerm: Int?
        var periods: [ReturnPages.Link]
        var acrossSchools: Bool
        var newPupils: [NewPupilLine]
        var deletions: [DeletionLine]
        var unauthorisedAbsence: [SpellLine]
        var illness: [SpellLine]
        var persistentAbsence: PersistentList
        var exclusions: [ExclusionLine]
        var partTime: [PartTimeLine]
        var downloads: [Download]
        var workbook: String
        /// Schools left out of a half term's returns (their calendar has no such half term yet).
        var notes: [String]
        /// The LA's address in the policy, for notices sent through the outbox; nil: tell it by hand.
        var laEmail: String?
        /// The user may record that the LA was told (the school's head and attendance lead).
        var canTell: Bool
        /// This page, to come back to after telling the LA.
        var here: String
    }

    static let returnIDs = ["new_pupils", "deletions", "unauthorised_absence", "illness", "persistent_absence", "exclusions", "part_time"]
    static let returnTitles = [
        "New pupils (not the normal intake)", "Deletions from the roll", "Unauthorised absence, 10 or more continuous school days",
        "Illness, more than 15 continuous school days", "Persistent absence (10% or more) to the end of the half term",
        "Suspensions and permanent exclusions", "Part-time timetables",
    ]

    func returns(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try ReturnPages.require(u, ReturnPages.returnRoles, "LA returns are for the head, the attendance lead and the LA officer")
        let format = try ReturnPages.format(req)
        let chosenReturn = req.query[String.self, at: "return"].flatMap { $0.isEmpty ? nil : $0 }
        if let r = chosenReturn, !Self.returnIDs.contains(r) {
            throw APIError.invalid("return", "'\(r)' must be one of \(Self.returnIDs.joined(separator: ", "))")
        }
        if format == "csv" && chosenReturn == nil {
            throw APIError.invalid("return", "a CSV holds one return: choose one of \(Self.returnIDs.joined(separator: ", "))")
        }
        var halfTerm: Int?
        if let h = req.query[String.self, at: "half_term"], !h.isEmpty {
            guard let n = Int(h), n >= 1 else {
                throw APIError.invalid("half_term", "'\(h)' must be a half term's number in the year, from 1")
            }
            halfTerm = n
        }
        let now = req.clock.now()
        let schools = try await ReturnPages.schools(req, u)
        var content = ReturnsContent(
            through: "", from: "", to: "", halfTerm: halfTerm, periods: [], acrossSchools: u.role == .laOfficer,
            newPupils: [], deletions: [], unauthorisedAbsence: [], illness: [],
            persistentAbsence: .init(halfTermFrom: nil, halfTermTo: nil, yearFrom: nil, lines: []), exclusions: [], partTime: [],
            downloads: [],
            workbook: "",
            notes: [], laEmail: nil, canTell: LANotices.roles.contains(u.role),
            here: "/la-returns" + (halfTerm.map { "?half_term=\($0)" } ?? ""))
        for school in schools {
            let sid = school.id!
            let policy = try await req.store.policy(schoolID: sid, on: now.date)
            let through = figuresThrough(now, policy: policy)
            let year = AcademicYear(containing: through)
            let calendar = try await req.store.calendar(schoolID: sid)
            let halves = calendar.terms.filter { $0.academicYear == year.startYear }.flatMap(\.halfTerms)
            let yearToDate = DateRange(from: year.range.from, to: through)
            var period = yearToDate
            if let n = halfTerm {
                // Across schools, one whose calendar lacks the half term is left out and named; alone, it is an error.
                guard n <= halves.count, halves[n - 1].from <= through else {
                    let why =
                        n <= halves.count
                        ? "half term \(n) of \(year) has not begun" : "\(school.name) has \(halves.count) half terms in \(year), not \(n)"
                    if schools.count == 1 { throw APIError.invalid("half_term", why) }
                    content.notes.append("\(school.name) is left out: \(why).")
                    continue
                }
                period = DateRange(from: halves[n - 1].from, to: min(halves[n - 1].to, through))
            }
            if content.through.isEmpty || school.id == u.schoolID {
                content.through = through.iso
                content.from = period.from.iso
                content.to = period.to.iso
                content.periods =
                    [ReturnPages.Link(label: "Year to date", href: "/la-returns", current: halfTerm == nil)]
                    + halves.enumerated().filter { $0.element.from <= through }.map { i, h in
                        ReturnPages.Link(
                            label: "Half term \(i + 1) (\(h.from.iso) to \(h.to.iso))", href: "/la-returns?half_term=\(i + 1)",
                            current: halfTerm == i + 1)
                    }
            }
            let pupils = try await ReturnPages.roll(req, schoolID: sid, range: year.range)
            let name = school.name
            if school.id == u.schoolID { content.laEmail = policy.localAuthority?.email }
            // What the LA has been told, by UPN.
            let upns = Dictionary(try await req.store.listings(schoolID: sid).map { ($0.id, $0.upn) }, uniquingKeysWith: { a, _ in a })
            var toldNew: [String: LANotice] = [:]
            var toldDeleted: [String: LANotice] = [:]
            for (pupilID, byEvent) in try await req.store.laNotices(schoolID: sid) {
                guard let upn = upns[pupilID] else { continue }
                toldNew[upn] = byEvent[.newPupil]?.notice
                toldDeleted[upn] = byEvent[.deletion]?.notice
            }
            // Overdue as of today, whether or not today's registers have closed.
            for p in LAReturns.newPupils(pupils, calendar: calendar, range: period, asOf: now.date, told: toldNew) {
                content.newPupils.append(
                    .init(
                        school: name, upn: p.upn, name: p.name, dateOfBirth: p.dateOfBirth.iso, yearGroup: p.yearGroup,
                        startingDay: p.startingDay.iso, deadline: p.deadline.iso, overdue: p.overdue, told: p.told.map(Told.init),
                        isTold: p.told != nil))
            }
            for d in LAReturns.deletions(pupils, range: period, told: toldDeleted) {
                content.deletions.append(
                    .init(
                        school: name, upn: d.upn, name: d.name, dateOfBirth: d.dateOfBirth.iso, yearGroup: d.yearGroup,
                        startingDay: d.startingDay.iso, leavingDay: d.leavingDay.iso,
                        ground: d.ground?.rawValue ?? "", groundMeaning: d.ground?.explanation ?? "No ground recorded",
                        told: d.told.map(Told.init), isTold: d.told != nil))
            }
            func spell(_ s: LAReturns.SpellReturn) -> SpellLine {
                SpellLine(
                    school: name, upn: s.upn, name: s.name, yearGroup: s.yearGroup, first: s.spell.first.iso, last: s.spell.last.iso,
                    schoolDays: s.spell.schoolDays, ongoing: s.spell.ongoing, totalSchoolDays: s.totalSchoolDays,
                    totalSessions: s.totalSessions)
            }
            content.unauthorisedAbsence += LAReturns.continuousUnauthorised(
                pupils, calendar: calendar, scan: yearToDate, period: period, asOf: through
            ).map(spell)
            content.illness += LAReturns.longIllness(pupils, calendar: calendar, scan: yearToDate, period: period, asOf: through).map(spell)
            let records = try await req.store.exclusions(schoolID: sid, startingIn: period)
            content.exclusions += LAReturns.exclusions(pupils, records: records, calendar: calendar, period: period).map { x in
                ExclusionLine(
                    school: name, upn: x.upn, name: x.name, yearGroup: x.yearGroup, kind: x.exclusion.kind.rawValue,
                    firstDay: x.exclusion.firstDay.iso, schoolDays: x.exclusion.schoolDays,
                    termSuspensionSchoolDays: x.termSuspensionSchoolDays, mustNotify: x.mustNotify)
            }
            var decisions: [String: [LeaveDecisionFacts]] = [:]
            for r in try await req.store.leaveRequests(pupilIDs: nil, schoolID: sid) {
                guard let d = r.decision, let upn = upns[r.pupilID] else { continue }
                decisions[upn, default: []].append(d)
            }
            // Year to date: those agreed to start later are listed too.
            content.partTime += LAReturns.partTimeTimetables(pupils, decisions: decisions, period: period, later: halfTerm == nil).map {
                t in
                PartTimeLine(
                    school: name, upn: t.upn, name: t.name, yearGroup: t.yearGroup, from: t.grant.from.iso, to: t.grant.to.iso,
                    reviewDate: t.grant.reviewDate?.iso, notExpected: t.notExpected, timetable: t.grant.timetable ?? "")
            }
            // The chosen half term if it has ended, else the latest that has.
            let completed = LAReturns.completedHalfTerms(calendar: calendar, year: year, through: through)
            let chosen = halfTerm.flatMap { n in completed.first { $0 == halves[n - 1] } } ?? completed.last
            if let h = chosen {
                if content.persistentAbsence.halfTermTo == nil || school.id == u.schoolID {
                    content.persistentAbsence.halfTermFrom = h.from.iso
                    content.persistentAbsence.halfTermTo = h.to.iso
                    content.persistentAbsence.yearFrom = year.range.from.iso
                }
                content.persistentAbsence.lines += LAReturns.persistentAbsence(pupils, calendar: calendar, to: h.to).map { a in
                    AbsenceLine(
                        school: name, upn: a.upn, name: a.name, yearGroup: a.yearGroup, possible: a.counts.possible,
                        authorised: a.counts.authorised, unauthorised: a.counts.unauthorised, absenceRate: a.counts.absenceRate,
                        absence: percent(a.counts.absenceRate))
                }
            }
        }
        if content.notes.count == schools.count, let n = halfTerm {
            throw APIError.invalid("half_term", "no school has a half term \(n) that has begun")
        }
        let query = halfTerm.map { "half_term=\($0)&" } ?? ""
        content.downloads = zip(Self.returnIDs, Self.returnTitles).map { id, title in
            Download(
                id: id, title: title, csv: "/la-returns?\(query)return=\(id)&format=csv",
                xlsx: "/la-returns?\(query)return=\(id)&format=xlsx")
        }
        content.workbook = "/la-returns?\(query)format=xlsx"
        switch format {
        case "json": return try await content.encodeResponse(for: req)
        case "csv", "xlsx":
            let all = Self.sheets(content)
            let sheets = chosenReturn.map { id in all.filter { $0.0 == id } } ?? all
            let book = Spreadsheet(sheets: sheets.map(\.1))
            return try book.response(
                format: format, name: "la-returns-\(chosenReturn?.replacingOccurrences(of: "_", with: "-") ?? "all")-\(content.to)")
        default:
            return try await req.render("Returns/la-returns", title: "LA returns", content).encodeResponse(for: req)
        }
    }

    /// Each return as a sheet: a header row and one row per pupil (a spell per row for the continuous absences).
    static func sheets(_ c: ReturnsContent) -> [(String, Spreadsheet.Sheet)] {
        typealias Cell = Spreadsheet.Cell
        let school = c.acrossSchools ? ["school"] : []
        func s(_ v: String) -> [Cell] { c.acrossSchools ? [.text(v)] : [] }
        return [
            (
                "new_pupils",
                .init(
                    name: "New pupils",
                    header: school + [
                        "upn", "name", "date_of_birth", "year_group", "starting_day", "deadline", "overdue",
                        "told_on", "told_how",
                    ],
                    rows: c.newPupils.map {
                        s($0.school) + [
                            .text($0.upn), .text($0.name), .text($0.dateOfBirth), .text($0.yearGroup),
                            .text($0.startingDay), .text($0.deadline), .text($0.overdue ? "yes" : "no"),
                            .text($0.told?.on ?? ""), .text($0.told?.method ?? ""),
                        ]
                    })
            ),
            (
                "deletions",
                .init(
                    name: "Deletions",
                    header: school + [
                        "upn", "name", "date_of_birth", "year_group", "starting_day", "leaving_day", "ground", "ground_meaning",
                        "told_on", "told_how",
                    ],
                    rows: c.deletions.map {
                        s($0.school) + [
                            .text($0.upn), .text($0.name), .text($0.dateOfBirth), .text($0.yearGroup),
                            .text($0.startingDay), .text($0.leavingDay), .text($0.ground), .text($0.groundMeaning),
                            .text($0.told?.on ?? ""), .text($0.told?.method ?? ""),
                        ]
                    })
            ),
            (
                "unauthorised_absence",
                .init(
                    name: "Unauthorised 10+ days", header: spellHeader(school),
                    rows: c.unauthorisedAbsence.map { spellRow(s($0.school), $0) })
            ),
            (
                "illness",
                .init(name: "Illness over 15 days", header: spellHeader(school), rows: c.illness.map { spellRow(s($0.school), $0) })
            ),
            (
                "persistent_absence",
                .init(
                    name: "Persistent absence",
                    header: school + [
                        "upn", "name", "year_group", "from", "to", "possible_sessions", "authorised_absence_sessions",
                        "unauthorised_absence_sessions", "absence_rate",
                    ],
                    rows: c.persistentAbsence.lines.map {
                        s($0.school) + [
                            .text($0.upn), .text($0.name), .text($0.yearGroup), .text(c.persistentAbsence.yearFrom ?? ""),
                            .text(c.persistentAbsence.halfTermTo ?? ""), .integer($0.possible), .integer($0.authorised),
                            .integer($0.unauthorised), .rate($0.absenceRate.map { ($0 * 10000).rounded() / 10000 }),
                        ]
                    })
            ),
            (
                "exclusions",
                .init(
                    name: "Exclusions",
                    header: school + [
                        "upn", "name", "year_group", "kind", "first_day", "school_days", "term_suspension_school_days", "must_notify",
                    ],
                    rows: c.exclusions.map {
                        s($0.school) + [
                            .text($0.upn), .text($0.name), .text($0.yearGroup), .text($0.kind), .text($0.firstDay),
                            $0.schoolDays.map { .integer($0) } ?? .text(""), .integer($0.termSuspensionSchoolDays),
                            .text($0.mustNotify ? "yes" : "no"),
                        ]
                    })
            ),
            (
                "part_time",
                .init(
                    name: "Part-time timetables",
                    header: school + ["upn", "name", "year_group", "from", "to", "review_date", "sessions_not_expected", "timetable"],
                    rows: c.partTime.map {
                        s($0.school) + [
                            .text($0.upn), .text($0.name), .text($0.yearGroup), .text($0.from), .text($0.to), .text($0.reviewDate ?? ""),
                            .text($0.notExpected), .text($0.timetable),
                        ]
                    })
            ),
        ]
    }

    static func spellHeader(_ school: [String]) -> [String] {
        school + [
            "upn", "name", "year_group", "first_day", "last_day", "school_days", "ongoing", "school_days_this_year", "sessions_this_year",
        ]
    }

    static func spellRow(_ school: [Spreadsheet.Cell], _ l: SpellLine) -> [Spreadsheet.Cell] {
        school + [
            .text(l.upn), .text(l.name), .text(l.yearGroup), .text(l.first), .text(l.last), .integer(l.schoolDays),
            .text(l.ongoing ? "yes" : "no"), .integer(l.totalSchoolDays), .integer(l.totalSessions),
        ]
    }
}
