import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// A pupil's page (`/pupils/:upn`): details, figures, the year at a glance, marks, casework, reports, leave, portal, messages, transfer.
struct PupilPage: Encodable {
    struct Figures: Encodable {
        var label: String
        var possible: Int
        var attendance: String
        var authorised: String
        var unauthorised: String
        var persistent: Bool
        var severe: Bool
        /// The definition the flag uses: the school's policy, or the DfE's where the policy keeps it.
        var definition: String
    }
    struct Absence: Encodable {
        var date: String
        var session: String
        var code: String
        var meaning: String
        var tone: String
        var minutesLate: Int?
    }
    var pupil: PupilDetailDTO
    var figures: [Figures]
    var absences: [Absence]
    struct AmendmentLine: Encodable {
        var date, session, originalCode, newCode, reason, byName, byPosition: String
        /// When, as the school's local date and time (the record keeps the full timestamp).
        var when: String
    }
    var amendments: [AmendmentLine]
    var lateMinutes: Int
    var lateCount: Int
    /// Late arrivals this year as the late book and registers recorded them, newest first, with the pupil's reason.
    struct LateArrival: Encodable {
        var date, summary: String
        var reason: String?
    }
    var lateArrivals: [LateArrival]
    /// The late book's reasons (the policy's `late_arrival.reasons`) and whether one is required.
    var lateReasons: [String]
    var lateReasonRequired: Bool
    /// The policy lets staff ask for evidence of any absence (`evidence.by_hand`).
    var evidenceByHand: Bool
    var canRecord: Bool
    var flash: String?
    var today: String
    var reasonCodes: [CodeOption]
    struct SignOut: Encodable {
        var out: String
        var reason: String
        var outBy: String
        var back: String?
        var backBy: String?
        var collector: String? = nil
        /// The sign-out check's warning, recorded with it.
        var warning: String? = nil
    }
    var signOutsToday: [SignOut]
    var signedOutNow: Bool
    /// Today's agreed late start or early finish on a part-time timetable, in words; leaving from the finish needs no reason.
    var agreedToday: String? = nil
    var agreedFinishToday: String? = nil
    /// The pupil's card number for reception sign-in (office, attendance lead, head).
    var cardNumber: String? = nil
    /// For a Traveller pupil under `traveller.base_school_months`: the last attendance here and when the base school lapses.
    var baseSchool: String? = nil
    /// School attendance orders recorded on the pupil, in words.
    var attendanceOrders: String? = nil
    var year: YearView
    var timeline: [Timeline.Entry]
    /// What the policy proposes for this pupil today (the worklist's actions).
    var proposed: [Worklist.Item]
    var canCasework: Bool
    var caseworkKinds: [Timeline.Option]
    /// The barriers to attendance staff may record.
    var barriers: [Timeline.Option] = Barrier.allCases.map { Timeline.Option(value: $0.rawValue, label: $0.title) }
    var planKinds: [Timeline.Option]
    /// Parents' reports waiting for the office, with the codes they may become.
    var reports: [AbsenceReportLine]
    var reportCodes: [CodeOption]
    var leave: [ParentWords.LeaveLine]
    var mayDecideLeave: Bool
    /// `invite` is the button's words: an invitation, or a new link to set a password (a forgotten one).
    struct Portal: Encodable {
        var priority: Int
        var name: String
        var status: String
        var canInvite: Bool
        var invite: String
    }
    /// Each contact's parent portal account: none, invited, or active.
    var portal: [Portal]
    struct Message: Encodable {
        var created: String
        var what: String
        var to: String
        var state: String
        var tone: String
    }
    var messages: [Message]
    /// The CTF download link and the years at previous schools.
    var transfer: Transfer
    /// The pupil's own attendance tracker account (seed 000 §3.2): its state, and whether this user may invite.
    var tracker: PupilTrackerAccount
    /// "In school, not in lesson" alerts of the last 28 days, open and resolved (issue 17).
    var lessonAlerts: [LessonAlertsController.PupilLine] = []
    /// Permissions on the admission register (walking home, collection, lunchtime leave), for the office, lead and head.
    var permissions: [PermissionsController.PermissionDTO]? = nil
    /// Who may be named as the collector when signing out: the contacts, and walking alone.
    var collectorChoices: [String] = []
    /// The policy checks who collects (`school_day.collection`): the collector is asked for.
    var collectionChecked: Bool = false

    /// Whether this user may download the pupil's CTF, and the years at earlier schools that CTFs brought.
    struct Transfer: Encodable {
        struct Year: Encodable {
            var year: String
            var school: String
            var dates: String
            var possible: Int
            var attended: Int
            var authorised: Int
            var unauthorised: Int
            var attendance: String
        }
        var canExport: Bool
        var years: [Year]
        /// From the CTF the pupil was admitted with (shown to those who may download a CTF): the home address, the
        /// school history, and the elements kept unread to send on.
        var fromCTF = false
        var address: String? = nil
        var schools: [String] = []
        var kept: String? = nil

        static func load(_ store: Store, user u: StaffUser, pupil p: PupilRow) async throws -> Transfer {
            let years = try await store.transferredYears(pupilID: p.id!).map { y in
                Year(
                    year: y.year.description, school: "\(y.school.name) (\(y.school.la)/\(y.school.estab))",
                    dates: "\(y.startDate) to \(y.endDate)", possible: y.sessionsPossible, attended: y.sessionsAttended,
                    authorised: y.sessionsAuthorised, unauthorised: y.sessionsUnauthorised,
                    attendance: percent(y.sessionsPossible > 0 ? Double(y.sessionsAttended) / Double(y.sessionsPossible) : nil))
            }
            var t = Transfer(canExport: u.mayExportCTF, years: years)
            if u.mayExportCTF, let r = try await store.ctfRecord(pupilID: p.id!) {
                t.fromCTF = true
                t.address = r.address.map(CTFPupilRecord.addressText)
                t.schools = r.schools.map { s in
                    let numbers = s.la.flatMap { la in s.estab.map { " (\(la)/\($0))" } } ?? ""
                    let dates = [s.entry.map { "from \($0)" }, s.leaving.map { "to \($0)" }].compactMap { $0 }.joined(separator: " ")
                    return "\(s.name)\(numbers)\(dates.isEmpty ? "" : ", " + dates)"
                }
                t.kept = r.carriedNames.isEmpty ? nil : r.carriedNames.joined(separator: ", ")
            }
            return t
        }
    }

    /// Everything the page shows of pupil `p` for staff member `u`, read from the store and worked out by Core.
    static func load(_ req: Request, user u: StaffUser, pupil p: PupilRow, flash: String?) async throws -> PupilPage {
        let today = req.clock.now().date
        let thisYear = AcademicYear(containing: today)
        let calendar = try await req.store.calendar(schoolID: u.schoolID)
        let engine = StatisticsEngine(calendar: calendar)
        var figures: [Figures] = []
        let policy = try await req.store.policy(schoolID: u.schoolID, on: today)
        let thresholds = policy.absenceThresholds
        for (label, year) in [
            ("This year (\(thisYear))", thisYear),
            ("Last year (\(AcademicYear(startYear: thisYear.startYear - 1)))", AcademicYear(startYear: thisYear.startYear - 1)),
        ] {
            let range = DateRange(from: year.range.from, to: min(year.range.to, today))
            let (c, _) = try await req.store.pupilStatistics(schoolID: u.schoolID, pupil: p, range: range, engine: engine)
            figures.append(
                .init(
                    label: label, possible: c.possible, attendance: percent(c.attendanceRate), authorised: percent(c.authorisedAbsenceRate),
                    unauthorised: percent(c.unauthorisedAbsenceRate), persistent: thresholds.isPersistent(c),
                    severe: thresholds.isSevere(c),
                    definition: thresholds.isSevere(c) ? thresholds.words(thresholds.severe) : thresholds.words(thresholds.persistent)))
        }
        let marks = try await req.store.marks(pupilID: p.id!, range: thisYear.range)
        let codes =
            try await req.store.sessionArrays(schoolID: u.schoolID, pupilIDs: [p.id!], range: thisYear.range)[p.id!]
            ?? SessionArray(base: thisYear.range.from, days: 0)
        var absences: [Absence] = []
        var lateMinutes = 0
        var lateCount = 0
        for m in marks.reversed() {
            guard let c = AttendanceCode.lookup(m.code) else { continue }
            if c == .late || c == .u {
                lateMinutes += m.minutesLate ?? 0
                lateCount += 1
            }
            if c.isAbsence || c == .late {
                absences.append(
                    .init(
                        date: m.date, session: m.session, code: m.code, meaning: c.meaning(on: m.day), tone: tone(c),
                        minutesLate: m.minutesLate))
            }
        }
        let detail = try await PupilDetailDTO.load(p, store: req.store)
        let amendments = try await req.store.amendments(pupilID: p.id!).reversed().map { a in
            AmendmentLine(
                date: a.date, session: a.session, originalCode: a.originalCode, newCode: a.newCode, reason: a.reason,
                byName: a.byName, byPosition: a.byPosition,
                when: a.amendedAt.count >= 16 ? "\(a.amendedAt.prefix(10)) \(a.amendedAt.dropFirst(11).prefix(5))" : a.amendedAt)
        }
        let signOuts = try await req.store.signOuts(pupilIDs: [p.id!], date: today)
        let pending = try await req.store.absenceReports(pupilID: p.id!).filter { $0.state == .pending }.map { AbsenceReportLine($0, p) }
        let accounts = Dictionary(
            try await req.store.parents(schoolID: u.schoolID, emails: detail.contacts.map(\.email).filter { !$0.isEmpty })
                .map { ($0.email, $0) }, uniquingKeysWith: { a, _ in a })
        let portal = detail.contacts.map { c -> Portal in
            let a = accounts[c.email.lowercased()]
            let status =
                a?.activatedAt != nil
                ? "Has a parent portal account"
                : a != nil
                    ? "Invited \(a!.invitedAt.prefix(10))"
                    : (c.parentalResponsibility ? (c.email.isEmpty ? "No email on record" : "No account") : "No parental responsibility")
            return .init(
                priority: c.priority, name: c.name, status: status,
                canInvite: u.can(.amendMarks) && c.parentalResponsibility && !c.email.isEmpty,
                invite: a?.activatedAt == nil ? (a == nil ? "Invite" : "Invite again") : "Send a new password link")
        }
        let messages =
            u.can(.amendMarks)
            ? try await req.store.outbox(schoolID: u.schoolID, pupilID: p.id!, limit: 20).map {
                Message(
                    created: String($0.createdAt.prefix(16)).replacingOccurrences(of: "T", with: " "),
                    what: MessageTemplate(rawValue: $0.template)?.title ?? $0.template, to: "\($0.recipientName) (\($0.channel))",
                    state: $0.state,
                    tone: [.sent, .delivered].contains($0.status) ? "present" : $0.status == .failed ? "unauthorised" : "none")
            } : []
        let caseworkRows = try await req.store.casework(pupilID: p.id!)
        let yearStart = AcademicYear(containing: today).range.from
        let agreed = try await req.store.agreedDays(pupilIDs: [p.id!], on: today)[p.id!]
        var page = PupilPage(
            pupil: detail, figures: figures, absences: absences, amendments: amendments,
            lateMinutes: lateMinutes, lateCount: lateCount,
            lateArrivals: caseworkRows.filter { $0.caseworkKind == .lateArrival && $0.happenedOn >= yearStart.iso }.map {
                .init(date: $0.happenedOn, summary: $0.summary, reason: $0.outcome)
            },
            lateReasons: policy.arrivals.reasons, lateReasonRequired: policy.arrivals.reasonRequired,
            evidenceByHand: policy.evidence?.byHand == true, canRecord: u.can(.amendMarks),
            flash: flash, today: today.iso,
            reasonCodes: Reasons.codeOptions,
            signOutsToday: signOuts.map {
                .init(
                    out: $0.outAt, reason: $0.reason, outBy: $0.outBy, back: $0.backAt, backBy: $0.backBy, collector: $0.collector,
                    warning: $0.checkDecision == SignOutCheck.Decision.warn.rawValue ? $0.checkReason : nil)
            },
            signedOutNow: signOuts.contains { $0.backAt == nil },
            year: yearView(
                p, year: thisYear, now: req.clock.now(), times: policy.register, calendar: calendar, codes: codes,
                marks: marks, target: policy.attendanceTarget),
            timeline: u.can(.casework)
                ? Timeline.entries(
                    caseworkRows,
                    documents: try await req.store.evidenceDocuments(
                        caseworkIDs: caseworkRows.filter { $0.caseworkKind == .evidenceReceived }.compactMap(\.id))) : [],
            proposed: u.can(.casework) ? try await Worklist.items(req, schoolID: u.schoolID, upns: [p.upn]).items : [],
            canCasework: u.can(.casework), caseworkKinds: Timeline.options, planKinds: Timeline.planOptions,
            reports: u.can(.amendMarks) ? pending : [], reportCodes: Reasons.codeOptions,
            leave: try await req.store.leaveRequests(pupilID: p.id!).map(ParentWords.leave),
            mayDecideLeave: u.mayDecideLeave, portal: portal, messages: messages,
            transfer: try await Transfer.load(req.store, user: u, pupil: p),
            tracker: try await PupilTrackerAccount.load(req.store, user: u, pupil: p, today: today))
        page.lessonAlerts = try await LessonAlertsController.forPupil(req, pupilID: p.id!, today: today)
        if u.can(.amendMarks) {
            page.permissions = try await PermissionsController.list(req, u, p)
            page.collectorChoices = detail.contacts.map(\.name) + [SignOutCollection.walkingAlone]
            page.collectionChecked = policy.schoolDay?.collection != nil
        }
        page.agreedToday = agreed.map { "Part-time timetable today: \($0.words)." }
        page.agreedFinishToday = agreed?.finish?.padded
        if u.can(.amendMarks) { page.cardNumber = try await req.store.cardNumber(pupilID: p.id!) ?? "" }
        let orders = try await req.store.schoolAttendanceOrders(pupilID: p.id!).map {
            "from \($0.from.iso)\($0.to.map { " to \($0.iso) (revoked)" } ?? ", not revoked")"
        }
        page.attendanceOrders = orders.isEmpty ? nil : orders.joined(separator: "; ")
        if detail.characteristics.traveller == true, let months = policy.traveller?.baseSchoolMonths {
            let last = try await req.store.lastAttended(pupilIDs: [p.id!])[p.id!]
            let lapses = TravellerBaseSchool.lapsesOn(lastAttended: last, startingDay: p.enrolment.startingDay, months: months)
            let attended = last.map { "Last attended here on \(ParentWords.date($0))" } ?? "Has not attended here yet"
            page.baseSchool =
                lapses > today
                ? "\(attended): this is the base school, the place kept open while travelling, until "
                    + "\(ParentWords.date(lapses.adding(days: -1))) (\(months) month\(months == 1 ? "" : "s"))."
                : "\(attended): the \(months) month\(months == 1 ? "" : "s") as base school ended on \(ParentWords.date(lapses.adding(days: -1))); review the place."
        }
        return page
    }

    static func yearView(
        _ p: PupilRow, year: AcademicYear, now: SchoolNow, times: RegisterTimes, calendar: SchoolCalendar, codes: SessionArray,
        marks: [MarkRow], target: Double?
    ) -> YearView {
        let today = now.date
        let grid = PupilYearGrid(year: year, marks: codes, enrolment: p.enrolment, calendar: calendar, asOf: today)
        let weeks = grid.weeks.map { w in
            YearView.Week(
                label: shortDate(w.weekStart),
                cells: w.cells.map { c in
                    // Today's sessions whose register has not opened yet are still to come.
                    let category = c.category == .unmarked && c.date == today && now.time < times[c.session].opens ? .future : c.category
                    // Text as well as colour: the code, or a sign for sessions with none.
                    let text =
                        switch category {
                        case .unmarked: "?"
                        case .closed: c.symbol.isEmpty ? "–" : c.symbol
                        default: c.symbol
                        }
                    return YearView.Cell(
                        text: text, category: category.rawValue,
                        summary: category == c.category
                            ? c.summary
                            : "\(PupilYearGrid.longDate(c.date)) \(c.session.rawValue): \(category.label)")
                })
        }
        let series = WeeklyAttendance.series(
            year: year, marks: codes, enrolment: p.enrolment, calendar: calendar,
            range: DateRange(from: year.range.from, to: min(today, year.range.to)))
        let arrivals = marks.compactMap { m -> (date: LocalDate, minutesLate: Int)? in
            guard m.code == "L" || m.code == "U" else { return nil }
            return (m.day, m.minutesLate ?? 0)
        }
        let late = WeeklyLateness.totals(arrivals, in: series)
        let rates = series.compactMap(\.attendanceRate)
        let floor = min(80, ((rates.min() ?? 1) * 10).rounded(.down) * 10)
        let trend = SVGChart.line(
            points: series.map { (label: shortDate($0.weekStart), value: $0.attendanceRate.map { $0 * 100 }) },
            yRange: floor...100, target: target.map { $0 * 100 }, title: "Attendance each week, \(year)",
            id: "trend-chart", targetLabel: "School target")
        let lateness =
            late.contains { $0.count > 0 }
            ? SVGChart.bars(
                bars: late.map { (label: shortDate($0.weekStart), value: Double($0.minutes)) },
                title: "Minutes late each week, \(year)", id: "lateness-chart")
            : nil
        let figures = zip(series, late).map { w, l in
            YearView.WeekFigures(
                week: shortDate(w.weekStart), possible: w.possible, attendance: percent(w.attendanceRate),
                yearToDate: percent(w.yearToDateRate), late: l.count, minutesLate: l.minutes)
        }
        return YearView(
            label: year.description, target: target.map { percent($0) }, weeks: weeks, legend: PupilYearGrid.legend, trend: trend,
            lateness: lateness, figures: figures)
    }

    /// The year at a glance: a calendar grid coloured by category with the code as text, the weekly trend, lateness.
    struct YearView: Encodable {
        struct Cell: Encodable {
            var text: String
            var category: String
            var summary: String
        }
        struct Week: Encodable {
            var label: String
            var cells: [Cell]
        }
        struct WeekFigures: Encodable {
            var week: String
            var possible: Int
            var attendance: String
            var yearToDate: String
            var late: Int
            var minutesLate: Int
        }
        var label: String
        var target: String?
        var weeks: [Week]
        var legend: [PupilYearGrid.LegendEntry]
        var trend: String
        var lateness: String?
        var figures: [WeekFigures]
    }

    static let shortMonths = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static func shortDate(_ d: LocalDate) -> String { "\(d.day) \(shortMonths[d.month - 1])" }
}
