import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Server-rendered pages for staff: sign in, today's registers, taking a register, a pupil's page.
struct PageController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let web = routes.grouped(SessionAuthenticator(), CSRFMiddleware())
        web.get(use: home)
        web.post("sign-in", use: signIn)
        let staff = web.grouped(StaffUser.redirectMiddleware(path: "/"))
        staff.post("sign-out", use: signOut)
        staff.get("today", use: today)
        staff.get("registers", ":date", ":session", use: register)
        staff.post("registers", ":date", ":session", use: saveRegister)
        staff.get("pupils", use: pupilSearch)
        staff.get("pupils", ":upn", use: pupil)
    }

    struct Page<T: Encodable>: Encodable {
        var title: String
        var user: UserContext?
        var parent: ParentContext?
        var csrf: String
        var content: T
    }
    /// The signed-in staff member, and which of the role-specific pages the header links to.
    struct UserContext: Encodable { var name: String; var role: String; var casework: Bool; var office: Bool; var decidesLeave: Bool }
    struct ParentContext: Encodable { var name: String }

    func render<T: Encodable>(_ req: Request, _ template: String, title: String, _ content: T) async throws -> View {
        try await req.render(template, title: title, content)
    }

    // MARK: Home and sign-in

    struct HomeContent: Encodable {
        struct Account: Encodable { var email: String; var role: String; var position: String }
        var schoolName: String?
        var demo: Bool
        var demoPassword: String
        var accounts: [Account]
        var error: String?
        var next: String
    }

    func home(req: Request) async throws -> Response {
        if req.auth.has(StaffUser.self) { return req.redirect(to: "/today") }
        return try await homePage(req, error: nil).encodeResponse(for: req)
    }

    func homePage(_ req: Request, error: String?) async throws -> View {
        let school = try await req.store.schools().first
        var accounts: [HomeContent.Account] = []
        if req.application.options.demoMode, let s = school {
            accounts = try await req.store.staff(schoolID: s.id!).map { .init(email: $0.email, role: $0.staffRole.title, position: $0.position) }
        }
        let next = req.query[String.self, at: "next"].flatMap { $0.hasPrefix("/") && !$0.hasPrefix("//") ? $0 : nil } ?? "/today"
        return try await render(req, "home", title: "Sign in", HomeContent(schoolName: school?.name, demo: req.application.options.demoMode,
                                                                            demoPassword: DemoAccounts.password, accounts: accounts,
                                                                            error: error, next: next))
    }

    struct SignInForm: Content { var email: String; var password: String; var next: String? }

    func signIn(req: Request) async throws -> Response {
        let form = try req.content.decode(SignInForm.self)
        let attempt = try await SignInThrottle.begin(req, .staff, email: form.email)
        if let until = attempt.refusedUntil {
            let r = try await homePage(req, error: SignInThrottle.message(until: until)).encodeResponse(for: req)
            r.status = .tooManyRequests
            r.headers.replaceOrAdd(name: .retryAfter, value: String(max(1, Int(until.timeIntervalSince(req.clock.now().instant).rounded(.up)))))
            return r
        }
        guard let s = try await req.store.staff(email: form.email.trimmingCharacters(in: .whitespaces)),
              try await req.password.async.verify(form.password, created: s.passwordHash) else {
            let v = try await homePage(req, error: "That email and password do not match an account.")
            let r = try await v.encodeResponse(for: req)
            r.status = .unauthorized
            return r
        }
        try await SignInThrottle.succeeded(req, attempt, .staff, email: form.email)
        // A new session id on sign-in, so an id seen before sign-in is worth nothing after it.
        if let old = req.session.id { try await req.application.sessions.driver.deleteSession(old, for: req).get() }
        req.session.id = nil
        req.session.data = SessionData()
        req.session.data["staff"] = String(s.id!)
        let next = form.next.flatMap { $0.hasPrefix("/") && !$0.hasPrefix("//") ? $0 : nil } ?? "/today"
        return req.redirect(to: next)
    }

    func signOut(req: Request) async throws -> Response {
        req.auth.logout(StaffUser.self)
        req.session.destroy()
        return req.redirect(to: "/")
    }

    // MARK: Today

    struct RegisterSummary: Encodable {
        var form: String
        var pupils: Int
        var marked: Int
        var present: Int
        var late: Int
        var absent: Int
        var state: String
        var link: String
    }
    struct AbsenceLine: Encodable {
        var upn: String; var name: String; var form: String; var contact: String; var phone: String
        /// A parent has reported this absence (waiting for the office): no call needed, accept it instead.
        var reported: String?
    }
    struct TodayContent: Encodable {
        var date: String
        var weekday: String
        var session: String
        var schoolDay: Bool
        var state: String
        var registers: [RegisterSummary]
        var dayOne: [AbsenceLine]
        /// Parents' absence reports waiting for the office, and leave requests waiting for a decision.
        var reportsPending: Int
        var leavePending: Int
        struct OutLine: Encodable { var upn: String; var name: String; var form: String; var out: String; var reason: String }
        var signedOut: [OutLine]
        var present: Int
        var late: Int
        var absent: Int
        var yearToDate: String
        var todayRate: String
        var target: String?
        /// "above", "below" or nil (no target set, no figures yet), said in words beside the figure.
        var yearToDateVersusTarget: String?
        var todayVersusTarget: String?
        var overdue: Int
    }

    static let weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    func today(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        let now = req.clock.now()
        let policy = try await req.store.policy(schoolID: u.schoolID, on: now.date)
        let times = policy.register
        let session: Session = now.time < times.pm.opens ? .am : .pm
        let calendar = try await req.store.calendar(schoolID: u.schoolID)
        var content = TodayContent(date: now.date.iso, weekday: Self.weekdays[now.date.weekday - 1], session: session.rawValue,
                                   schoolDay: calendar.isSchoolDay(now.date), state: times[session].state(at: now.time).rawValue,
                                   registers: [], dayOne: [], reportsPending: 0, leavePending: 0, signedOut: [], present: 0, late: 0, absent: 0, yearToDate: "–", todayRate: "–",
                                   target: percent(policy.attendanceTarget), yearToDateVersusTarget: nil, todayVersusTarget: nil, overdue: 0)
        if u.can(.readRegisters) {
            let pupils = try await req.store.listings(schoolID: u.schoolID, filter: u.scoped(PupilFilter(onRollDuring: DateRange(from: now.date, to: now.date))))
            let marks = try await req.store.marks(pupilIDs: pupils.map(\.id), date: now.date, session: session)
            var byForm: [String: [PupilListing]] = [:]
            for p in pupils where calendar.isOpen(now.date, session, yearGroup: p.yearGroup) { byForm[p.form, default: []].append(p) }
            var absentIDs: [PupilListing] = []
            for (form, ps) in byForm.sorted(by: { formOrder($0.key, $1.key) }) {
                var s = RegisterSummary(form: form, pupils: ps.count, marked: 0, present: 0, late: 0, absent: 0, state: "",
                                        link: "/registers/\(now.date.iso)/\(session.rawValue)?form=\(form.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? form)")
                for p in ps {
                    guard let m = marks[p.id], let c = AttendanceCode.lookup(m.code) else { continue }
                    s.marked += 1
                    // Three counts that add up: on time (or on an approved activity), late (L), absent.
                    if c == .late { s.late += 1 } else if c.statisticalMeaning == .present || c.statisticalMeaning == .approvedEducationalActivity { s.present += 1 }
                    if c.isAbsence { s.absent += 1 }
                    if c == .n { absentIDs.append(p) }
                }
                let windowState = times[session].state(at: now.time)
                s.state = s.marked == s.pupils ? "taken" : (windowState == .closed ? "overdue" : (windowState == .open ? "open" : "not yet open"))
                content.present += s.present; content.late += s.late; content.absent += s.absent
                content.registers.append(s)
            }
            let byID = Dictionary(pupils.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            content.signedOut = try await req.store.signOuts(pupilIDs: Array(byID.keys), date: now.date).compactMap { s in
                guard s.backAt == nil, let p = byID[s.pupilID] else { return nil }
                return .init(upn: p.upn, name: p.displayName, form: p.form, out: s.outAt, reason: s.reason)
            }
            let contacts = try await req.store.firstContacts(pupilIDs: absentIDs.map(\.id))
            let reports = try await req.store.absenceReports(pupilIDs: absentIDs.map(\.id), covering: now.date).filter { $0.covers(now.date, session) }
            content.dayOne = absentIDs.map { p in
                let c = contacts[p.id]
                let r = reports.first { $0.pupilID == p.id }
                return AbsenceLine(upn: p.upn, name: p.displayName, form: p.form, contact: c.map { "\($0.name) (\($0.relationship))" } ?? "no contact on record",
                                   phone: c?.phone ?? "", reported: r.map { "\($0.reportedBy): \($0.category_.title.lowercased())\($0.note.isEmpty ? "" : ", \($0.note)")" })
            }
            if u.can(.amendMarks) {
                content.reportsPending = try await req.store.pendingAbsenceReports(schoolID: u.schoolID).count
            }
            if u.mayDecideLeave {
                content.leavePending = try await req.store.leaveRequests(schoolID: u.schoolID).filter { $0.0.state == "pending" }.count
            }
            content.overdue = try await req.store.overdueNoReason(schoolID: u.schoolID, asOf: now.date, limit: policy.noReason.nToOSchoolDays).filter { u.ownForms?.contains($0.0.form) ?? true }.count
        }
        // A teacher's figures are their own forms'; everyone else's the school's.
        let figures = try await req.store.groupStatistics(schoolID: u.schoolID, ranges: [DateRange(from: AcademicYear(containing: now.date).range.from, to: now.date),
                                                                                      DateRange(from: now.date, to: now.date)],
                                                          filter: u.scoped(PupilFilter()))
        let (ytd, day) = (figures[0], figures[1])
        // Registers still open today would count as absences: leave today's unmarked sessions out.
        var ytdSoFar = ytd.sessions
        ytdSoFar.possible -= day.sessions.unmarked
        ytdSoFar.unmarked -= day.sessions.unmarked
        content.yearToDate = percent(ytdSoFar.attendanceRate)
        content.todayRate = percent(day.sessions.markedOnly.attendanceRate)
        func versus(_ r: Double?) -> String? {
            guard let r else { return nil }
            let t = policy.attendanceTarget
            return r >= t ? "at or above target" : "below target"
        }
        content.yearToDateVersusTarget = versus(ytdSoFar.attendanceRate)
        content.todayVersusTarget = versus(day.sessions.markedOnly.attendanceRate)
        return try await render(req, "today", title: "Today", content)
    }

    // MARK: Registers

    struct RegisterPage: Encodable {
        var register: RegisterDTO
        var form: String
        var dateLabel: String
        var editable: Bool
        var needsReason: Bool
        /// Pupils who could be marked but have no mark yet: "mark all as present" is offered only then.
        var unmarked: Int
        var saved: String?
        var error: String?
        var codes: [CodeOption]
        var lines: [Line]
        struct Line: Encodable {
            var upn: String; var name: String; var code: String; var label: String; var tone: String; var open: Bool
            var minutesLate: Int?
            /// The controls start at the current mark: "present", "late" (with `arrival`) or an absence code in `code`.
            var choice: String
            var arrival: String
            /// An absence or activity already recorded (reported absence, leave, trip): shown as known, with its reason.
            var known: Bool
            var note: String?
            var recordedBy: String?
            var signedOut: String?
        }
    }
    struct CodeOption: Encodable { var code: String; var label: String }

    /// The absence list: every current code but present and late (the buttons beside it), # and Z (set by the calendar and the roll).
    static let codeOptions: [CodeOption] = AttendanceCode.allCases
        .filter { !$0.isLegacy && ![.closure, .z, .presentAM, .presentPM, .late].contains($0) }
        .map { CodeOption(code: $0.symbol, label: "\($0.symbol) – \($0.meaning)") }

    func registerPage(_ req: Request, date: LocalDate, session: Session, form: String, saved: String?, error: String?) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        let reg = try await Registers(req: req, user: u).load(date: date, session: session, form: form.isEmpty ? nil : form, yearGroup: nil)
        let ids = try await req.store.pupils(schoolID: u.schoolID, filter: PupilFilter(upns: reg.pupils.map(\.upn)))
        let upnByID = Dictionary(ids.map { ($0.id!, $0.upn) }, uniquingKeysWith: { a, _ in a })
        var signedOut: [String: String] = [:]
        for s in try await req.store.signOuts(pupilIDs: Array(upnByID.keys), date: date) {
            guard let upn = upnByID[s.pupilID] else { continue }
            signedOut[upn] = "Signed out at \(s.outAt): \(s.reason)" + (s.backAt.map { ", back at \($0)" } ?? ", not back yet")
        }
        var reported: [String: String] = [:]
        for r in try await req.store.absenceReports(pupilIDs: Array(upnByID.keys), covering: date) where r.covers(date, session) {
            guard let upn = upnByID[r.pupilID] else { continue }
            reported[upn] = "\(r.reportedBy) reported: \(r.category_.title.lowercased())\(r.note.isEmpty ? "" : ", \(r.note)")\(r.state == "pending" ? " (waiting for the office)" : "")"
        }
        for r in try await req.store.leaveRequests(pupilIDs: Array(upnByID.keys), schoolID: u.schoolID) where r.state == "refused" {
            guard let lr = r.leaveRequest, lr.contains(date, session), let upn = upnByID[r.pupilID] else { continue }
            reported[upn] = "Leave was refused for these days: if absent, the code is G (leave not agreed)"
        }
        let lateAfter = TimeOfDay(reg.lateAfter) ?? TimeOfDay(minutes: 0)
        let lines = reg.pupils.map { l in
            let code = l.code.flatMap(AttendanceCode.lookup)
            let choice = switch code {
            case .presentAM?, .presentPM?: "present"
            case .late?: "late"
            default: l.code ?? ""
            }
            let arrival = code == .late ? l.minutesLate.map { TimeOfDay(minutes: lateAfter.minutes + $0).padded } ?? "" : ""
            // A reason given with an absence or activity (a parent's report, a trip, an amendment) is shown as known.
            // A parent's report not yet accepted is known too, though no code is set until the office accepts it.
            let noted = l.note != nil && (code.map { $0.isAbsence || $0.statisticalMeaning == .approvedEducationalActivity } ?? false)
            let report = code.map { $0.statisticalMeaning == .present } == true ? nil : reported[l.upn]
            let known = noted || report != nil
            return RegisterPage.Line(upn: l.upn, name: l.name, code: l.code ?? "", label: code.map { $0.meaning(on: date) } ?? (l.sessionOpen ? "Not marked" : "School closed (#)"),
                                     tone: tone(code), open: l.sessionOpen, minutesLate: l.minutesLate, choice: choice, arrival: arrival,
                                     known: known, note: noted ? l.note : report, recordedBy: noted ? l.recordedBy : nil, signedOut: signedOut[l.upn])
        }
        return try await render(req, "register", title: "Register \(form) \(session.rawValue)",
                                RegisterPage(register: reg, form: form, dateLabel: "\(Self.weekdays[date.weekday - 1]) \(date.iso)",
                                             editable: u.mayTakeRegister(form: form.isEmpty ? nil : form),
                                             needsReason: reg.state == "closed", unmarked: reg.pupils.filter { $0.sessionOpen && $0.code == nil }.count,
                                             saved: saved, error: error,
                                             codes: Self.codeOptions, lines: lines))
    }

    func register(req: Request) async throws -> View {
        let (d, s) = try APIController.dateAndSession(req)
        return try await registerPage(req, date: d, session: s, form: req.query[String.self, at: "form"] ?? "", saved: nil, error: nil)
    }

    func saveRegister(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.takeRegister)
        let (d, s) = try APIController.dateAndSession(req)
        let fields = try req.content.decode([String: String].self)
        let form = fields["form"] ?? ""
        // The page starts each pupil at their current mark: sending it back unchanged is not a change.
        let current = try await Registers(req: req, user: u).load(date: d, session: s, form: form.isEmpty ? nil : form, yearGroup: nil)
        let currentCode = Dictionary(current.pupils.compactMap { l in l.code.map { (l.upn, $0) } }, uniquingKeysWith: { a, _ in a })
        let reason = fields["reason"].flatMap { $0.isEmpty ? nil : $0 }
        var marks: [SubmittedMark] = []
        // Each pupil has a present/late choice (mark_UPN) and an absence code (code_UPN); the code wins.
        var chosen: [String: String] = [:]
        for (k, v) in fields where !v.isEmpty {
            if k.hasPrefix("mark_") { chosen[String(k.dropFirst(5)), default: v] = chosen[String(k.dropFirst(5))] ?? v }
            if k.hasPrefix("code_") { chosen[String(k.dropFirst(5))] = v }
        }
        var kept = 0
        for (upn, v) in chosen.sorted(by: { $0.key < $1.key }) {
            let arrival = fields["arrival_\(upn)"].flatMap { $0.isEmpty ? nil : $0 }
            let same = switch v {
            case "present": currentCode[upn] == (s == .am ? "/" : "\\")
            case "late": arrival == nil && currentCode[upn] == "L"
            default: currentCode[upn] == v
            }
            if same { kept += 1; continue }
            if v == "late" {
                marks.append(SubmittedMark(upn: upn, code: arrival == nil ? "L" : nil, arrivalTime: arrival, minutesLate: nil, reason: reason))
            } else {
                let code = v == "present" ? (s == .am ? "/" : "\\") : v
                marks.append(SubmittedMark(upn: upn, code: code, arrivalTime: nil, minutesLate: nil, reason: reason))
            }
        }
        do {
            guard !marks.isEmpty || kept > 0 else { throw APIError.invalid("marks", "choose a mark for at least one pupil") }
            var (created, amended, unchanged) = (0, 0, kept)
            if !marks.isEmpty {
                let r = try await Registers(req: req, user: u).submit(date: d, session: s, body: SubmitRegisterDTO(form: form.isEmpty ? nil : form, yearGroup: nil, marks: marks))
                created = r.created; amended = r.amended; unchanged += r.unchanged
            }
            let msg = "Saved: \(created) new, \(amended) changed, \(unchanged) unchanged."
            return try await registerPage(req, date: d, session: s, form: form, saved: msg, error: nil).encodeResponse(for: req)
        } catch let e as APIError {
            let v = try await registerPage(req, date: d, session: s, form: form, saved: nil, error: "\(e.field.map { "\($0): " } ?? "")\(e.reason). Nothing was saved.")
            let r = try await v.encodeResponse(for: req)
            r.status = e.status
            return r
        }
    }

    // MARK: Pupils

    struct SearchContent: Encodable { var query: String; var pupils: [PupilSummaryDTO] }

    func pupilSearch(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.readPupils)
        let q = (req.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let today = req.clock.now().date
        let all = try await req.store.listings(schoolID: u.schoolID, filter: u.scoped(PupilFilter(onRollDuring: DateRange(from: today, to: today))))
        let hits = q.isEmpty ? [] : all.filter {
            $0.displayName.lowercased().contains(q) || $0.legalSurname.lowercased().contains(q) || $0.form.lowercased() == q || $0.upn.lowercased() == q
        }.prefix(100)
        let rows = hits.isEmpty ? [] : try await req.store.pupils(schoolID: u.schoolID, filter: PupilFilter(upns: hits.map(\.upn)))
        let byUPN = Dictionary(rows.map { ($0.upn, $0) }, uniquingKeysWith: { a, _ in a })
        return try await render(req, "pupils", title: "Pupils", SearchContent(query: q, pupils: hits.compactMap { byUPN[$0.upn] }.map(PupilSummaryDTO.init)))
    }

    struct PupilContent: Encodable {
        struct Figures: Encodable {
            var label: String; var possible: Int; var attendance: String; var authorised: String; var unauthorised: String
            var persistent: Bool; var severe: Bool
            /// The definition the flag uses: the school's policy, or the DfE's where the policy keeps it.
            var definition: String
        }
        struct Absence: Encodable { var date: String; var session: String; var code: String; var meaning: String; var tone: String; var minutesLate: Int? }
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
        var canRecord: Bool
        var flash: String?
        var today: String
        var reasonCodes: [CodeOption]
        struct SignOut: Encodable { var out: String; var reason: String; var outBy: String; var back: String?; var backBy: String? }
        var signOutsToday: [SignOut]
        var signedOutNow: Bool
        var year: YearView
        var timeline: [CaseworkController.Entry]
        /// What the policy proposes for this pupil today (the worklist's actions).
        var proposed: [CaseworkController.Item]
        var canCasework: Bool
        var caseworkKinds: [CaseworkController.Option]
        /// Parents' reports waiting for the office, with the codes they may become.
        var reports: [OutboxController.ReportLine]
        var reportCodes: [CodeOption]
        var leave: [ParentPortalController.LeaveLine]
        var mayDecideLeave: Bool
        /// `invite` is the button's words: an invitation, or a new link to set a password (a forgotten one).
        struct Portal: Encodable { var priority: Int; var name: String; var status: String; var canInvite: Bool; var invite: String }
        /// Each contact's parent portal account: none, invited, or active.
        var portal: [Portal]
        struct Message: Encodable { var created: String; var what: String; var to: String; var state: String; var tone: String }
        var messages: [Message]
        /// The CTF download link and the years at previous schools.
        var transfer: CTFController.PupilSection
    }

    /// The year at a glance: a calendar grid coloured by category with the code as text, the weekly trend, lateness.
    struct YearView: Encodable {
        struct Cell: Encodable { var text: String; var category: String; var summary: String }
        struct Week: Encodable { var label: String; var cells: [Cell] }
        struct WeekFigures: Encodable { var week: String; var possible: Int; var attendance: String; var yearToDate: String; var late: Int; var minutesLate: Int }
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

    func yearView(_ p: PupilRow, year: AcademicYear, now: SchoolNow, times: RegisterTimes, calendar: SchoolCalendar, codes: SessionArray,
                  marks: [MarkRow], target: Double?) -> YearView {
        let today = now.date
        let grid = PupilYearGrid(year: year, marks: codes, enrolment: p.enrolment, calendar: calendar, asOf: today)
        let weeks = grid.weeks.map { w in
            YearView.Week(label: Self.shortDate(w.weekStart), cells: w.cells.map { c in
                // Today's sessions whose register has not opened yet are still to come.
                let category = c.category == .unmarked && c.date == today && now.time < times[c.session].opens ? .future : c.category
                // Text as well as colour: the code, or a sign for sessions with none.
                let text = switch category {
                case .unmarked: "?"
                case .closed: c.symbol.isEmpty ? "–" : c.symbol
                default: c.symbol
                }
                return YearView.Cell(text: text, category: category.rawValue, summary: category == c.category ? c.summary
                                     : "\(PupilYearGrid.longDate(c.date)) \(c.session.rawValue): \(category.label)")
            })
        }
        let series = WeeklyAttendance.series(year: year, marks: codes, enrolment: p.enrolment, calendar: calendar,
                                             range: DateRange(from: year.range.from, to: min(today, year.range.to)))
        let arrivals = marks.compactMap { m -> (date: LocalDate, minutesLate: Int)? in
            guard m.code == "L" || m.code == "U", let d = LocalDate(iso: m.date) else { return nil }
            return (d, m.minutesLate ?? 0)
        }
        let late = WeeklyLateness.totals(arrivals, in: series)
        let rates = series.compactMap(\.attendanceRate)
        let floor = min(80, ((rates.min() ?? 1) * 10).rounded(.down) * 10)
        let trend = SVGChart.line(points: series.map { (label: Self.shortDate($0.weekStart), value: $0.attendanceRate.map { $0 * 100 }) },
                                  yRange: floor...100, target: target.map { $0 * 100 }, title: "Attendance each week, \(year)",
                                  id: "trend-chart", targetLabel: "School target")
        let lateness = late.contains { $0.count > 0 }
            ? SVGChart.bars(bars: late.map { (label: Self.shortDate($0.weekStart), value: Double($0.minutes)) },
                            title: "Minutes late each week, \(year)", id: "lateness-chart")
            : nil
        let figures = zip(series, late).map { w, l in
            YearView.WeekFigures(week: Self.shortDate(w.weekStart), possible: w.possible, attendance: percent(w.attendanceRate),
                                 yearToDate: percent(w.yearToDateRate), late: l.count, minutesLate: l.minutes)
        }
        return YearView(label: year.description, target: target.map { percent($0) }, weeks: weeks, legend: PupilYearGrid.legend, trend: trend, lateness: lateness, figures: figures)
    }

    func pupil(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.readPupils)
        let upn = req.parameters.get("upn") ?? ""
        guard let p = try await req.store.pupil(schoolID: u.schoolID, upn: upn) else { throw Abort(.notFound, reason: "No pupil with UPN \(upn).") }
        try u.requireRead(p)
        let today = req.clock.now().date
        let thisYear = AcademicYear(containing: today)
        let calendar = try await req.store.calendar(schoolID: u.schoolID)
        let engine = StatisticsEngine(calendar: calendar)
        var figures: [PupilContent.Figures] = []
        let policy = try await req.store.policy(schoolID: u.schoolID, on: today)
        let thresholds = policy.absenceThresholds
        for (label, year) in [("This year (\(thisYear))", thisYear), ("Last year (\(AcademicYear(startYear: thisYear.startYear - 1)))", AcademicYear(startYear: thisYear.startYear - 1))] {
            let range = DateRange(from: year.range.from, to: min(year.range.to, today))
            let (c, _) = try await req.store.pupilStatistics(schoolID: u.schoolID, pupil: p, range: range, engine: engine)
            figures.append(.init(label: label, possible: c.possible, attendance: percent(c.attendanceRate), authorised: percent(c.authorisedAbsenceRate),
                                 unauthorised: percent(c.unauthorisedAbsenceRate), persistent: thresholds.isPersistent(c), severe: thresholds.isSevere(c),
                                 definition: thresholds.isSevere(c) ? thresholds.words(thresholds.severe) : thresholds.words(thresholds.persistent)))
        }
        let marks = try await req.store.marks(pupilID: p.id!, range: thisYear.range)
        let codes = try await req.store.sessionArrays(schoolID: u.schoolID, pupilIDs: [p.id!], range: thisYear.range)[p.id!]
            ?? SessionArray(base: thisYear.range.from, days: 0)
        var absences: [PupilContent.Absence] = []
        var lateMinutes = 0, lateCount = 0
        for m in marks.reversed() {
            guard let c = AttendanceCode.lookup(m.code) else { continue }
            if c == .late || c == .u { lateMinutes += m.minutesLate ?? 0; lateCount += 1 }
            if c.isAbsence || c == .late {
                absences.append(.init(date: m.date, session: m.session, code: m.code, meaning: c.meaning(on: LocalDate(iso: m.date)!), tone: tone(c), minutesLate: m.minutesLate))
            }
        }
        let detail = try await PupilDetailDTO.load(p, store: req.store)
        try await SensitiveAccessLog.record(req, user: u, pupils: [p])
        let flash = req.session.data["flash"]
        req.session.data["flash"] = nil
        let amendments = try await req.store.amendments(pupilID: p.id!).reversed().map { a in
            PupilContent.AmendmentLine(date: a.date, session: a.session, originalCode: a.originalCode, newCode: a.newCode, reason: a.reason,
                                       byName: a.byName, byPosition: a.byPosition,
                                       when: a.amendedAt.count >= 16 ? "\(a.amendedAt.prefix(10)) \(a.amendedAt.dropFirst(11).prefix(5))" : a.amendedAt)
        }
        let signOuts = try await req.store.signOuts(pupilIDs: [p.id!], date: today)
        let pending = try await req.store.absenceReports(pupilID: p.id!).filter { $0.state == "pending" }.map { OutboxController.line($0, p) }
        let accounts = Dictionary(try await req.store.parents(schoolID: u.schoolID, emails: detail.contacts.map(\.email).filter { !$0.isEmpty })
            .map { ($0.email, $0) }, uniquingKeysWith: { a, _ in a })
        let portal = detail.contacts.map { c -> PupilContent.Portal in
            let a = accounts[c.email.lowercased()]
            let status = a?.activatedAt != nil ? "Has a parent portal account" : a != nil ? "Invited \(a!.invitedAt.prefix(10))" :
                (c.parentalResponsibility ? (c.email.isEmpty ? "No email on record" : "No account") : "No parental responsibility")
            return .init(priority: c.priority, name: c.name, status: status,
                         canInvite: u.can(.amendMarks) && c.parentalResponsibility && !c.email.isEmpty,
                         invite: a?.activatedAt == nil ? (a == nil ? "Invite" : "Invite again") : "Send a new password link")
        }
        let messages = u.can(.amendMarks) ? try await req.store.outbox(schoolID: u.schoolID, pupilID: p.id!, limit: 20).map {
            PupilContent.Message(created: String($0.createdAt.prefix(16)).replacingOccurrences(of: "T", with: " "),
                                 what: MessageTemplate(rawValue: $0.template)?.title ?? $0.template, to: "\($0.recipientName) (\($0.channel))",
                                 state: $0.state, tone: ["sent", "delivered"].contains($0.state) ? "present" : $0.state == "failed" ? "unauthorised" : "none")
        } : []
        return try await render(req, "pupil", title: p.displayName,
                                PupilContent(pupil: detail, figures: figures, absences: absences, amendments: amendments,
                                             lateMinutes: lateMinutes, lateCount: lateCount, canRecord: u.can(.amendMarks),
                                             flash: flash, today: today.iso,
                                             reasonCodes: ReasonsController.reasonCodes.map { CodeOption(code: $0.symbol, label: "\($0.symbol) – \($0.meaning)") },
                                             signOutsToday: signOuts.map { .init(out: $0.outAt, reason: $0.reason, outBy: $0.outBy, back: $0.backAt, backBy: $0.backBy) },
                                             signedOutNow: signOuts.contains { $0.backAt == nil },
                                             year: yearView(p, year: thisYear, now: req.clock.now(), times: policy.register, calendar: calendar, codes: codes,
                                                            marks: marks, target: policy.attendanceTarget),
                                             timeline: u.can(.casework) ? CaseworkController.timeline(try await req.store.casework(pupilID: p.id!)) : [],
                                             proposed: u.can(.casework) ? try await CaseworkController.items(req, schoolID: u.schoolID, upns: [p.upn]).items : [],
                                             canCasework: u.can(.casework), caseworkKinds: CaseworkController.options,
                                             reports: u.can(.amendMarks) ? pending : [], reportCodes: OutboxController.codeOptions,
                                             leave: try await req.store.leaveRequests(pupilID: p.id!).map(ParentWords.leave),
                                             mayDecideLeave: u.mayDecideLeave, portal: portal, messages: messages,
                                             transfer: try await CTFController.section(req, user: u, pupil: p)))
    }
}

/// Orders forms by year then name: R before 1, 2 before 10.
package func formOrder(_ a: String, _ b: String) -> Bool {
    func key(_ s: String) -> (Int, String) {
        let digits = s.prefix { $0.isNumber }
        if let n = Int(digits) { return (n + 10, s) }
        return (s.hasPrefix("R") ? 5 : 0, s)
    }
    return key(a) < key(b)
}

/// A category word for a code, used for colour and text together (never colour alone).
func tone(_ c: AttendanceCode?) -> String {
    guard let c else { return "none" }
    return switch c.statisticalMeaning {
    case .present: c == .late ? "late" : "present"
    case .approvedEducationalActivity: "activity"
    case .authorisedAbsence: "authorised"
    case .unauthorisedAbsence: "unauthorised"
    case .notPossible: "notpossible"
    }
}

func percent(_ r: Double?) -> String {
    guard let r else { return "–" }
    return String(format: "%.1f%%", r * 100)
}

/// The demo school's accounts share one password, shown on the sign-in page in demo mode only.
public enum DemoAccounts {
    public static let password = "rollbook-demo"
}
