import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Analytics pages: the school overview against target and national figures, cohorts, patterns, seed 003's lists,
/// rewards and early warning. Every figure comes from the in-memory analytics roll (`AnalyticsCache`); `?format=json`
/// gives the page's figures as JSON (the same values the page prints), and the lists also come as CSV.
struct AnalyticsController {
    // MARK: What every page shares

    /// The roll, the range asked for and the pupils this user may see.
    struct Scope {
        var roll: AnalyticsRoll
        var range: DateRange
        var through: LocalDate
        var period: String
        var filter: AnalyticsFilter?
        var group: String?
        var policy: Policy
        var user: StaffUser
    }

    func scope(_ req: Request) async throws -> Scope {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.readStatistics)
        let now = req.clock.now()
        let policy = try await req.store.policy(schoolID: u.schoolID, on: now.date)
        let through = figuresThrough(now, policy: policy)
        let year = AcademicYear(containing: through)
        let roll = try await req.application.analytics.roll(req.store, schoolID: u.schoolID, year: year)
        let period = req.query[String.self, at: "period"] ?? "year"
        var range: DateRange
        switch period {
        case "year": range = DateRange(from: year.range.from, to: through)
        case "day": range = DateRange(from: now.date, to: now.date)
        case "week", "half_term", "term":
            guard let p = CadencePeriod(rawValue: period), let r = roll.periodRange(p, containing: through, through: through) else {
                throw APIError.invalid("period", "no \(period.replacingOccurrences(of: "_", with: " ")) contains \(through)")
            }
            range = r
        case "custom":
            let from = try parseDate(req.query[String.self, at: "from"] ?? "", field: "from")
            let to = try parseDate(req.query[String.self, at: "to"] ?? "", field: "to")
            guard from <= to else { throw APIError.invalid("to", "\(to) is before \(from)") }
            guard AcademicYear(containing: from) == year, AcademicYear(containing: to) == year else {
                throw APIError.invalid("from", "a custom range lies within the academic year \(year)")
            }
            range = DateRange(from: from, to: to)
        default:
            throw APIError.invalid("period", "must be week, half_term, term, year or custom")
        }
        var filters: [AnalyticsFilter] = []
        if let own = u.ownForms { filters.append(.anyOf(own.map { .form($0) })) }
        let group = req.query[String.self, at: "group"].flatMap { $0.isEmpty ? nil : $0 }
        if let group {
            let parts = group.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let d = AnalyticsGroup.Dimension(rawValue: parts[0]) else {
                throw APIError.invalid(
                    "group", "'\(group)' is not DIMENSION:VALUE, e.g. form:7A, year_group:9, characteristic:fsm or barrier:transport")
            }
            filters.append(.group(AnalyticsGroup(d, parts[1])))
        }
        let filter: AnalyticsFilter? = filters.isEmpty ? nil : filters.count == 1 ? filters[0] : .allOf(filters)
        return Scope(roll: roll, range: range, through: through, period: period, filter: filter, group: group, policy: policy, user: u)
    }

    struct Header: Content {
        var from: String
        var to: String
        var through: String
        var period: String
        var group: String?
        var periods: [Link]
        struct Link: Content {
            var label: String
            var href: String
            var current: Bool
        }
        var tabs: [Link]
    }

    func header(_ s: Scope, page: String) -> Header {
        func query(_ period: String) -> String {
            var q = "period=\(period)"
            if period == "custom" { q += "&from=\(s.range.from.iso)&to=\(s.range.to.iso)" }
            if let g = s.group { q += "&group=\(g.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? g)" }
            return q
        }
        let choices: [(String, String)] =
            (page == "/analytics/lists" ? [("Today", "day")] : [])
            + [("This week", "week"), ("This half term", "half_term"), ("This term", "term"), ("Year to date", "year")]
        let periods =
            choices
            .map { Header.Link(label: $0.0, href: "\(page)?\(query($0.1))", current: s.period == $0.1) }
        // Lists and early warning are lists of pupils: not offered to roles that see no names.
        let names = s.user.can(.readPupils)
        let tabs = [
            ("Overview", "/analytics"), ("Cohorts", "/analytics/cohorts"), ("Patterns", "/analytics/patterns"),
            ("Lists", "/analytics/lists"), ("Rewards", "/analytics/rewards"), ("Early warning", "/analytics/early-warning"),
        ]
        .filter { names || !["/analytics/lists", "/analytics/early-warning"].contains($0.1) }
        .map { Header.Link(label: $0.0, href: "\($0.1)?\(query(s.period))", current: page == $0.1) }
        return Header(
            from: s.range.from.iso, to: s.range.to.iso, through: s.through.iso, period: s.period, group: s.group,
            periods: periods, tabs: tabs)
    }

    /// The page, or its figures as JSON with `?format=json`.
    func respond<T: Content>(_ req: Request, _ template: String, title: String, _ content: T) async throws -> Response {
        if req.query[String.self, at: "format"] == "json" { return try await content.encodeResponse(for: req) }
        return try await req.render(template, title: title, content).encodeResponse(for: req)
    }

    /// Figures of a group of pupils, as numbers (for JSON and tests) and as the page prints them.
    struct Figures: Content {
        var pupils: Int
        var possible: Int
        var present: Int
        var approvedActivity: Int
        var authorised: Int
        var unauthorised: Int
        var unmarked: Int
        var attendanceRate: Double?
        var absenceRate: Double?
        var persistentAbsence: Int
        var persistentAbsenceRate: Double?
        var severeAbsence: Int
        var severeAbsenceRate: Double?
        var attendance: String
        var absence: String
        var authorisedAbsence: String
        var unauthorisedAbsence: String
        var persistent: String
        var severe: String

        init(_ g: GroupStatistics) {
            let c = g.sessions
            pupils = g.pupils
            possible = c.possible
            present = c.present
            approvedActivity = c.approvedActivity
            authorised = c.authorised
            unauthorised = c.unauthorised
            unmarked = c.unmarked
            attendanceRate = c.attendanceRate
            absenceRate = c.absenceRate
            persistentAbsence = g.persistentAbsence
            persistentAbsenceRate = g.persistentAbsenceRate
            severeAbsence = g.severeAbsence
            severeAbsenceRate = g.severeAbsenceRate
            attendance = percent(c.attendanceRate)
            absence = percent(c.absenceRate)
            authorisedAbsence = percent(c.authorisedAbsenceRate)
            unauthorisedAbsence = percent(c.unauthorisedAbsenceRate)
            persistent = "\(g.persistentAbsence) (\(percent(g.persistentAbsenceRate)))"
            severe = "\(g.severeAbsence) (\(percent(g.severeAbsenceRate)))"
        }
    }

    // MARK: Overview

    struct OverviewContent: Content {
        var header: Header
        var figures: Figures
        var target: String
        var versusTarget: String?
        struct National: Content {
            var label: String
            var school: String
            var england: String
        }
        var national: [National]
        var nationalYear: String
        struct Week: Content {
            var week: String
            var possible: Int
            var attendance: String
            var yearToDate: String
            var attendanceRate: Double?
        }
        var weeks: [Week]
        var chart: String
        /// False for a teacher limited to their own forms: the whole-school reports are not theirs.
        var wholeSchool: Bool
    }

    func overview(req: Request) async throws -> Response {
        let s = try await scope(req)
        let o = s.roll.overview(s.range, filter: s.filter, trend: true)
        let secondary = s.roll.pupils.contains { Int($0.yearGroup).map { $0 >= 7 } ?? false }
        let n = NationalFigures.england2023To24
        let phaseAbsence = secondary ? n.secondaryAbsence : n.primaryAbsence
        let national: [OverviewContent.National] = [
            .init(
                label: "Absence (\(secondary ? "secondary" : "primary") schools)", school: percent(o.absenceRate),
                england: percent(phaseAbsence)),
            .init(label: "Authorised absence", school: percent(o.authorisedAbsenceRate), england: percent(n.authorisedAbsence)),
            .init(label: "Persistent absence (pupils)", school: percent(o.persistentAbsenceRate), england: percent(n.persistentAbsence)),
        ]
        let weeks = o.weeks.map {
            OverviewContent.Week(
                week: $0.weekStart.iso, possible: $0.counts.possible, attendance: percent($0.attendanceRate),
                yearToDate: percent($0.yearToDateRate), attendanceRate: $0.attendanceRate)
        }
        let rates = o.weeks.compactMap(\.attendanceRate)
        let low = min(rates.min() ?? 0.9, s.policy.attendanceTarget) * 100
        let chart = SVGChart.line(
            points: o.weeks.map {
                (label: "\($0.weekStart.day) \($0.weekStart.monthName.prefix(3))", value: $0.attendanceRate.map { $0 * 100 })
            },
            yRange: max(0, (low - 2).rounded(.down))...100, target: s.policy.attendanceTarget * 100,
            title: "Attendance by week",
            description: "Attendance each school week against the target of \(percent(s.policy.attendanceTarget)).",
            id: "overview-trend")
        let content = OverviewContent(
            header: header(s, page: "/analytics"), figures: Figures(o.statistics), target: percent(s.policy.attendanceTarget),
            versusTarget: o.attendanceRate.map { $0 >= s.policy.attendanceTarget ? "at or above the target" : "below the target" },
            national: national, nationalYear: n.academicYear, weeks: weeks, chart: chart, wholeSchool: s.user.ownForms == nil)
        return try await respond(req, "Analytics/analytics", title: "Analytics", content)
    }

    // MARK: Cohorts

    struct CohortsContent: Content {
        struct Row: Content {
            var dimension: String
            var group: String
            var key: String
            var members: Figures
            var rest: Figures
            var selected: Int
            var small: Bool
        }
        struct Section: Content {
            var title: String
            var rows: [Row]
        }
        var header: Header
        var school: Figures
        var sections: [Section]
    }

    func cohorts(req: Request) async throws -> Response {
        let s = try await scope(req)
        let report = s.roll.fullYearReport(s.range, filter: s.filter)
        var sections: [CohortsContent.Section] = []
        for d in AnalyticsGroup.Dimension.allCases {
            let rows = report.cohorts.filter { $0.group.dimension == d }.map {
                CohortsContent.Row(
                    dimension: d.rawValue, group: $0.group.label, key: "\(d.rawValue):\($0.group.value)",
                    members: Figures($0.members), rest: Figures($0.rest), selected: $0.membersSelected, small: $0.members.pupils < 10)
            }
            if !rows.isEmpty { sections.append(.init(title: Self.dimensionTitle(d), rows: rows)) }
        }
        if req.query[String.self, at: "format"] == "csv" { return Self.cohortsCSV(sections, s) }
        return try await respond(
            req, "Analytics/analytics-cohorts", title: "Cohorts",
            CohortsContent(header: header(s, page: "/analytics/cohorts"), school: Figures(report.overview.statistics), sections: sections))
    }

    static func dimensionTitle(_ d: AnalyticsGroup.Dimension) -> String {
        switch d.rawValue {
        case "year_group": "Year groups"
        case "form": "Forms"
        case "house": "Houses"
        case "sex": "Sex"
        case "ethnicity": "Ethnicity"
        case "barrier": "Barriers to attendance"
        default: "Characteristics"
        }
    }

    // MARK: Patterns

    struct PatternsContent: Content {
        var header: Header
        struct Code: Content {
            var code: String
            var meaning: String
            var sessions: Int
        }
        var codes: [Code]
        struct Week: Content {
            var week: String
            var codes: String
            var unmarked: Int
        }
        var weeks: [Week]
        struct Slot: Content {
            var slot: String
            var possible: Int
            var absent: Int
            var rate: String
        }
        var slots: [Slot]
        var slotChart: String
        struct Month: Content {
            var month: String
            var illness: Int
            var rate: String
        }
        var illness: [Month]
        struct Bucket: Content {
            var label: String
            var late: Int
            var afterClose: Int
        }
        var lateness: [Bucket]
        var latenessChart: String
        struct LateReason: Content {
            var reason: String
            var arrivals: Int
        }
        /// Late arrivals by the reason the pupil gave (the late book asks: seeds 000 and 003), most given first.
        var lateReasons: [LateReason]
        struct Spell: Content {
            var label: String
            var spells: Int
        }
        var spells: [Spell]
        struct Finding: Content {
            var upn: String
            var name: String
            var words: String
        }
        /// Pupils with repeated Monday or Friday absence (names only for staff who may see pupils).
        var weekday: [Finding]
        var showsPupils: Bool
    }

    func patterns(req: Request) async throws -> Response {
        let s = try await scope(req)
        let p = s.roll.patterns(s.range, filter: s.filter)
        let days = ["", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        let slots = p.slots.map {
            PatternsContent.Slot(
                slot: "\(days[$0.weekday]) \($0.session.rawValue)", possible: $0.possible, absent: $0.absent,
                rate: percent($0.absenceRate))
        }
        let months = [
            "", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
        ]
        let showsPupils = s.user.can(.readPupils)
        // Only the pupils the page counts: the filter, and a form tutor's own forms.
        let selected = s.roll.selection(s.filter)
        let counted = Dictionary(s.roll.pupils.indices.map { (s.roll.pupils[$0].id, selected[$0]) }, uniquingKeysWith: { a, _ in a })
        var reasons: [String: Int] = [:]
        for r in try await req.store.lateArrivalReasons(schoolID: s.user.schoolID, range: s.range) where counted[r.upn] == true {
            reasons[r.reason ?? "Not given", default: 0] += 1
        }
        let content = PatternsContent(
            header: header(s, page: "/analytics/patterns"),
            codes: p.codeTotals.map { .init(code: $0.code.symbol, meaning: $0.code.meaning(on: s.range.to), sessions: $0.sessions) },
            weeks: p.weeks.map { w in
                .init(
                    week: w.weekStart.iso,
                    codes: w.codes.filter { $0.code.isAbsence || $0.code == .late }
                        .map { "\($0.code.symbol) \($0.sessions)" }.joined(separator: ", "), unmarked: w.unmarked)
            },
            slots: slots,
            slotChart: SVGChart.bars(
                bars: p.slots.map { (label: "\(days[$0.weekday].prefix(3)) \($0.session.rawValue)", value: ($0.absenceRate ?? 0) * 100) },
                title: "Absence by weekday and session", id: "slot-chart", unit: "%"),
            illness: p.illnessByMonth.map {
                .init(month: "\(months[$0.month]) \($0.year)", illness: $0.illness, rate: percent($0.illnessRate))
            },
            lateness: p.lateness.buckets.map { .init(label: $0.label, late: $0.late, afterClose: $0.afterClose) },
            latenessChart: SVGChart.bars(
                bars: p.lateness.buckets.map { (label: $0.label, value: Double($0.late + $0.afterClose)) },
                title: "Late arrivals by minutes late", id: "lateness-chart", unit: ""),
            lateReasons: reasons.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { .init(reason: $0.key, arrivals: $0.value) },
            spells: p.spells.map { .init(label: $0.label, spells: $0.spells) },
            weekday: showsPupils ? p.weekdayPatterns.map { .init(upn: $0.id, name: s.roll.pupils[$0.pupil].name, words: $0.words) } : [],
            showsPupils: showsPupils)
        return try await respond(req, "Analytics/analytics-patterns", title: "Patterns", content)
    }

    // MARK: Lists (seed 003's cadence)

    struct PupilLine: Content {
        var upn: String
        var name: String
        var possible: Int
        var attended: Int
        var attendance: String
        var sessionsLost: Int
        /// Today's marks or lateness, on the daily lists.
        var note: String?
        init(_ f: PupilFigures) { self.init(id: f.id, name: f.name, counts: f.counts) }
        init(id: String, name: String, counts c: SessionCounts) {
            upn = id
            self.name = name
            possible = c.possible
            attended = c.present + c.approvedActivity
            attendance = percent(c.attendanceRate)
            sessionsLost = c.absent
        }
    }
    struct ListsContent: Content {
        var header: Header
        struct List: Content {
            var id: String
            var title: String
            var pupils: [PupilLine]
        }
        var lists: [List]
        var basis: String
    }

    func lists(req: Request) async throws -> Response {
        let s = try await scope(req)
        try s.user.require(.readPupils)
        if s.period == "day" { return try await dailyLists(req, s) }
        let period = CadencePeriod(rawValue: s.period) ?? .year
        guard let c = s.roll.cadence(period, asOf: s.through, filter: s.filter) else {
            throw APIError.invalid("period", "no \(period.rawValue.replacingOccurrences(of: "_", with: " ")) contains \(s.through)")
        }
        var lists: [ListsContent.List] = [
            .init(id: "full", title: "100% attendance this \(Self.periodWords(period))", pupils: c.fullAttendance.map(PupilLine.init))
        ]
        for t in c.below {
            lists.append(
                .init(id: "below-\(Int(t.below * 100))", title: "Below \(Int(t.below * 100))%", pupils: t.pupils.map(PupilLine.init)))
        }
        for t in c.pupilPremiumOrSENDBelow {
            lists.append(
                .init(
                    id: "pp-send-below-\(Int(t.below * 100))", title: "Pupil premium or SEND below \(Int(t.below * 100))%",
                    pupils: t.pupils.map(PupilLine.init)))
        }
        let content = ListsContent(
            header: header(s, page: "/analytics/lists"), lists: lists,
            basis: c.basis == .period ? "over the \(Self.periodWords(period))" : "over the year to date")
        try await SensitiveAccessLog.group(req, user: s.user, group: s.group, upns: lists.flatMap { $0.pupils.map(\.upn) })
        if req.query[String.self, at: "format"] == "xlsx" {
            // The CSV's columns as a workbook, with the counts as numbers.
            return try Spreadsheet(
                name: "Lists", header: ["list", "upn", "name", "possible_sessions", "attended_sessions", "attendance", "sessions_lost"],
                rows: lists.flatMap { l in
                    l.pupils.map { p in
                        [
                            .text(l.id), .text(p.upn), .text(p.name), .integer(p.possible),
                            .integer(p.attended), .text(p.attendance), .integer(p.sessionsLost),
                        ]
                    }
                }
            )
            .response(format: "xlsx", name: "lists-\(s.period)-\(s.through.iso)")
        }
        if req.query[String.self, at: "format"] == "csv" {
            var csv = "list,upn,name,possible_sessions,attended_sessions,attendance,sessions_lost\n"
            for l in lists {
                for p in l.pupils {
                    csv +=
                        [l.id, p.upn, p.name, String(p.possible), String(p.attended), p.attendance, String(p.sessionsLost)].map(csvField)
                        .joined(separator: ",") + "\n"
                }
            }
            let r = Response(status: .ok, body: .init(string: csv))
            r.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
            r.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"lists-\(s.period)-\(s.through.iso).csv\"")
            return r
        }
        return try await respond(req, "Analytics/analytics-lists", title: "Lists", content)
    }

    /// Seed 003's daily check: who is absent today with the sessions they have lost this year, and who was late.
    func dailyLists(_ req: Request, _ s: Scope) async throws -> Response {
        let d = s.roll.daily(s.range.from, filter: s.filter)
        func line(_ id: String, _ name: String, _ ytd: SessionCounts, today: String) -> PupilLine {
            var l = PupilLine(id: id, name: name, counts: ytd)
            l.note = today
            return l
        }
        let absent = d.absent.map {
            line($0.id, $0.name, $0.yearToDate, today: [$0.am, $0.pm].map { $0?.symbol ?? "–" }.joined(separator: " "))
        }
        let late = d.late.map { l in
            line(
                l.id, l.name, s.roll.counts(pupil: l.pupil, range: DateRange(from: s.roll.year.range.from, to: s.range.from)),
                today: "\(l.minutesToday) min; \(l.lateYearToDate) late this year")
        }
        let content = ListsContent(
            header: header(s, page: "/analytics/lists"),
            lists: [
                .init(id: "absent-today", title: "Absent today (\(s.range.from.iso)), with the year so far", pupils: absent),
                .init(id: "late-today", title: "Late today, with the year so far", pupils: late),
            ], basis: "today, with each pupil's figures for the year so far")
        try await SensitiveAccessLog.group(req, user: s.user, group: s.group, upns: (absent + late).map(\.upn))
        return try await respond(req, "Analytics/analytics-lists", title: "Lists", content)
    }

    static func periodWords(_ p: CadencePeriod) -> String {
        switch p {
        case .week: "week"
        case .halfTerm: "half term"
        case .term: "term"
        case .year: "year"
        }
    }

    // MARK: Rewards

    struct RewardsContent: Content {
        var header: Header
        struct Full: Content {
            var title: String
            var count: Int
            var pupils: [PupilLine]
        }
        var full: [Full]
        struct League: Content {
            var rank: String
            var group: String
            var attendance: String
            var pupils: Int
            var attendanceRate: Double?
        }
        var forms: [League]
        var houses: [League]
        var week: String
        var showsPupils: Bool
        /// Improving attendance, as the policy's `rewards.improving` defines it; nil without it.
        var improving: RewardsImproving?
        /// Pupils at or above the policy's `rewards.at_least` or their own target; nil without either setting.
        var atTarget: RewardsAtTarget?
    }

    func rewards(req: Request) async throws -> Response {
        let s = try await scope(req)
        let showsPupils = s.user.can(.readPupils)
        var full: [RewardsContent.Full] = []
        for p in CadencePeriod.allCases {
            guard let r = s.roll.periodRange(p, containing: s.through, through: s.through) else { continue }
            let pupils = s.roll.fullAttendance(r, filter: s.filter)
            full.append(
                .init(
                    title: "100% this \(Self.periodWords(p)) (\(ParentWords.range(r.from, r.to)))", count: pupils.count,
                    pupils: showsPupils ? pupils.map(PupilLine.init) : []))
        }
        let tables = s.roll.weeklyLeagueTables(containing: s.through, through: s.through)
        func league(_ rows: [LeagueRow]) -> [RewardsContent.League] {
            rows.map {
                .init(
                    rank: $0.rank.map(String.init) ?? "–", group: $0.group.label, attendance: percent($0.attendanceRate),
                    pupils: $0.statistics.pupils, attendanceRate: $0.attendanceRate)
            }
        }
        try await SensitiveAccessLog.group(req, user: s.user, group: s.group, upns: full.flatMap { $0.pupils.map(\.upn) })
        return try await respond(
            req, "Analytics/analytics-rewards", title: "Rewards",
            RewardsContent(
                header: header(s, page: "/analytics/rewards"), full: full, forms: league(tables?.forms ?? []),
                houses: league(tables?.houses ?? []),
                week: tables.map { ParentWords.range($0.range.from, $0.range.to) } ?? "–", showsPupils: showsPupils,
                improving: RewardsImproving.load(s, showsPupils: showsPupils),
                atTarget: try await RewardsAtTarget.load(req, s, showsPupils: showsPupils)))
    }

    // MARK: Early warning

    struct WarningContent: Content {
        var header: Header
        struct Line: Content {
            var upn: String
            var name: String
            var soFar: String
            var projected: String
            var probability: String
            var probabilityValue: Double?
            var reasons: [String]
        }
        var lines: [Line]
        var projectedTo: String
        struct BackTest: Content {
            var standingAt: String
            var projectedTo: String
            var pupils: Int
            var meanAbsoluteError: String
            var naiveMeanAbsoluteError: String
            var brier: String
            var naiveBrier: String
            var persistentAtEnd: Int
            var flagged: Int
            var recall: String
            var precision: String
        }
        var backTest: BackTest?
        var method: String
    }

    func earlyWarning(req: Request) async throws -> Response {
        let s = try await scope(req)
        try s.user.require(.readPupils)
        let end = s.roll.schoolDays.last ?? s.roll.year.range.to
        let projections = s.roll.earlyWarning(asOf: s.through, to: end, filter: s.filter)
            .filter { ($0.persistentProbability ?? 0) >= 0.25 }
            .sorted { ($0.persistentProbability ?? 0, $1.name) > ($1.persistentProbability ?? 0, $0.name) }
        let lines = projections.prefix(200).map { p in
            WarningContent.Line(
                upn: p.id, name: p.name, soFar: percent(p.soFar.markedOnly.attendanceRate), projected: percent(p.projectedAttendance),
                probability: p.persistentProbability.map { String(format: "%.0f%%", $0 * 100) } ?? "–",
                probabilityValue: p.persistentProbability, reasons: p.reasons)
        }
        // How far to trust it: stand at the middle of the marked part of the year and project to the last marked day.
        var backTest: WarningContent.BackTest?
        let marked = s.roll.schoolDays.filter { $0 <= s.through }
        if marked.count >= 30 {
            let b = s.roll.backTest(standingAt: marked[marked.count / 2], projectTo: s.through, filter: s.filter)
            func pts(_ x: Double) -> String { String(format: "%.1f points", x * 100) }
            backTest = .init(
                standingAt: b.standingAt.iso, projectedTo: b.projectedTo.iso, pupils: b.pupils, meanAbsoluteError: pts(b.meanAbsoluteError),
                naiveMeanAbsoluteError: pts(b.naiveMeanAbsoluteError), brier: String(format: "%.3f", b.brierScore),
                naiveBrier: String(format: "%.3f", b.naiveBrierScore), persistentAtEnd: b.persistentAtEnd, flagged: b.flagged,
                recall: percent(b.recall), precision: percent(b.precision))
        }
        try await SensitiveAccessLog.group(req, user: s.user, group: s.group, upns: lines.map(\.upn))
        return try await respond(
            req, "Analytics/analytics-warning", title: "Early warning",
            WarningContent(
                header: header(s, page: "/analytics/early-warning"), lines: Array(lines), projectedTo: end.iso, backTest: backTest,
                method:
                    "Each pupil's absence from here on is estimated from their sessions this year, the last 6 school weeks counting most and read against the whole school's recent weeks (so a winter illness wave everyone shared is not taken for the pupil's own trend), pulled towards the school's rate for pupils with few sessions. Projected attendance applies it to the sessions still to come; the probability is the chance the rest of the year brings the pupil to 10% absence or more."
            ))
    }

    // MARK: Every school in the deployment (a trust or a local authority)

    /// The deployment's schools are the LA's (or the trust's): its officer sees each and the total.
    static func requireAcrossSchools(_ u: StaffUser) throws {
        guard u.role == .laOfficer else {
            throw APIError(.forbidden, field: nil, reason: "figures across schools are for the local authority's (or trust's) officer")
        }
    }

    struct SchoolsContent: Content {
        struct Row: Content {
            var school: String
            var schoolID: Int
            var from: String
            var to: String
            var figures: Figures
        }
        var rows: [Row]
        var total: Figures
        var through: String
    }

    func schools(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireAcrossSchools(u)
        let now = req.clock.now()
        var rows: [SchoolsContent.Row] = []
        var total = GroupStatistics()
        var through = now.date
        for school in try await req.store.schools() {
            let policy = try await req.store.policy(schoolID: school.id!, on: now.date)
            let t = figuresThrough(now, policy: policy)
            through = t
            let year = AcademicYear(containing: t)
            let roll = try await req.application.analytics.roll(req.store, schoolID: school.id!, year: year)
            let g = roll.overview(DateRange(from: year.range.from, to: t), trend: false).statistics
            total.sessions += g.sessions
            total.pupils += g.pupils
            total.persistentAbsence += g.persistentAbsence
            total.severeAbsence += g.severeAbsence
            rows.append(.init(school: school.name, schoolID: school.id!, from: year.range.from.iso, to: t.iso, figures: Figures(g)))
        }
        return try await respond(
            req, "Analytics/analytics-schools", title: "Schools", SchoolsContent(rows: rows, total: Figures(total), through: through.iso))
    }

    // MARK: A family's children across schools

    struct FamilyContent: Content {
        struct Child: Content {
            var upn: String
            var name: String
            var school: String
            var yearGroup: String
            var form: String
            var attendance: String
            var persistent: Bool
            var linkedBy: String
        }
        var children: [Child]
        var pupil: String
    }

    /// The pupil and every pupil in any school of the deployment who shares a contact with parental responsibility
    /// (the same email or phone number): siblings the LA officer should see together.
    func family(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireAcrossSchools(u)
        let upn = req.parameters.get("upn") ?? ""
        var found = try await req.store.pupil(schoolID: u.schoolID, upn: upn)
        if found == nil { found = try await req.store.pupils(upn: upn).first }
        guard let p = found else { throw Abort(.notFound, reason: "No pupil with UPN \(upn).") }
        let now = req.clock.now()
        let schools = Dictionary(try await req.store.schools().map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
        var children: [FamilyContent.Child] = []
        for (sibling, link) in try await req.store.family(of: p) {
            let policy = try await req.store.policy(schoolID: sibling.schoolID, on: now.date)
            let t = figuresThrough(now, policy: policy)
            let (c, _) = try await req.store.pupilStatistics(
                schoolID: sibling.schoolID, pupil: sibling,
                range: DateRange(from: AcademicYear(containing: t).range.from, to: t))
            children.append(
                .init(
                    upn: sibling.upn, name: sibling.displayName, school: schools[sibling.schoolID] ?? "?", yearGroup: sibling.yearGroup,
                    form: sibling.form, attendance: percent(c.attendanceRate), persistent: c.isPersistentAbsence, linkedBy: link))
        }
        return try await respond(
            req, "Analytics/analytics-family", title: "Family: \(p.displayName)", FamilyContent(children: children, pupil: p.displayName))
    }
}
