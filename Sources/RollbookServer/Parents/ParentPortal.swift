import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// A signed-in parent or carer. What they see is limited to their own children: the pupils whose contacts with
/// parental responsibility carry their email.
struct ParentUser: Authenticatable {
    let id: Int
    let schoolID: Int
    let name: String
    let email: String
    init(_ row: ParentAccountRow) { id = row.id!; schoolID = row.schoolID; name = row.name; email = row.email }
}

struct ParentSessionAuthenticator: AsyncRequestAuthenticator {
    func authenticate(request: Request) async throws {
        guard let id = request.session.data["parent"].flatMap(Int.init), let p = try await request.store.parent(id: id),
              p.passwordHash != nil else { return }
        request.auth.login(ParentUser(p))
    }
}

/// The parent portal: each child's attendance in plain words, reporting an absence, asking for leave; and the
/// one-time link in a message that gives a reason without signing in.
struct ParentPortalController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let web = routes.grouped(ParentSessionAuthenticator(), CSRFMiddleware())
        web.get("parent", "sign-in", use: signInPage)
        web.post("parent", "sign-in", use: signIn)
        web.get("parent", "invitation", ":token", use: invitation)
        web.post("parent", "invitation", ":token", use: acceptInvitation)
        web.get("reply", ":token", use: replyPage)
        web.post("reply", ":token", use: reply)
        let parent = web.grouped(ParentUser.redirectMiddleware(path: "/parent/sign-in"))
        parent.get("parent", use: children)
        parent.post("parent", "sign-out", use: signOut)
        parent.get("parent", "children", ":upn", use: child)
        parent.get("parent", "children", ":upn", "report", use: reportPage)
        parent.post("parent", "children", ":upn", "report", use: report)
    }

    // MARK: Signing in

    struct SignInContent: Encodable { var error: String?; var demo: Bool; var accounts: [String]; var demoPassword: String }

    func signInPage(req: Request) async throws -> Response {
        if req.auth.has(ParentUser.self) { return req.redirect(to: "/parent") }
        return try await signInView(req, error: nil).encodeResponse(for: req)
    }

    func signInView(_ req: Request, error: String?) async throws -> View {
        var accounts: [String] = []
        if req.application.options.demoMode, let s = try await req.store.schools().first {
            accounts = try await req.store.parentAccounts(schoolID: s.id!).filter { $0.passwordHash != nil }.map(\.email)
        }
        return try await req.render("parent-sign-in", title: "Parents and carers: sign in",
                                    SignInContent(error: error, demo: req.application.options.demoMode, accounts: accounts,
                                                  demoPassword: DemoAccounts.password))
    }

    struct SignInForm: Content { var email: String; var password: String }

    func signIn(req: Request) async throws -> Response {
        let form = try req.content.decode(SignInForm.self)
        let attempt = try await SignInThrottle.begin(req, .parent, email: form.email)
        if let until = attempt.refusedUntil {
            let r = try await signInView(req, error: SignInThrottle.message(until: until)).encodeResponse(for: req)
            r.status = .tooManyRequests
            r.headers.replaceOrAdd(name: .retryAfter, value: String(max(1, Int(until.timeIntervalSince(req.clock.now().instant).rounded(.up)))))
            return r
        }
        var match: ParentAccountRow?
        for p in try await req.store.parents(email: form.email.trimmingCharacters(in: .whitespaces)) {
            if let h = p.passwordHash, try await req.password.async.verify(form.password, created: h) { match = p; break }
        }
        guard let p = match else {
            let r = try await signInView(req, error: "That email and password do not match an account. If the school invited you, use the link in the invitation first.")
                .encodeResponse(for: req)
            r.status = .unauthorized
            return r
        }
        try await SignInThrottle.succeeded(req, attempt, .parent, email: form.email)
        try await startSession(req, parentID: p.id!)
        return req.redirect(to: "/parent")
    }

    func startSession(_ req: Request, parentID: Int) async throws {
        if let old = req.session.id { try await req.application.sessions.driver.deleteSession(old, for: req).get() }
        req.session.id = nil
        req.session.data = SessionData()
        req.session.data["parent"] = String(parentID)
    }

    func signOut(req: Request) async throws -> Response {
        req.auth.logout(ParentUser.self)
        req.session.destroy()
        return req.redirect(to: "/parent/sign-in")
    }

    struct InvitationContent: Encodable { var name: String; var email: String; var token: String; var error: String? }

    func invitedAccount(_ req: Request) async throws -> ParentAccountRow {
        let token = req.parameters.get("token") ?? ""
        guard let p = try await req.store.parent(inviteTokenHash: APIToken.hash(token)),
              let expires = p.inviteExpiresAt, expires >= OutboxTime.string(req.clock.now().instant) else {
            throw Abort(.gone, reason: "This invitation link has been used or has expired. Ask the school office for a new one.")
        }
        return p
    }

    func invitation(req: Request) async throws -> View {
        let p = try await invitedAccount(req)
        return try await req.render("parent-invitation", title: "Set your password",
                                    InvitationContent(name: p.name, email: p.email, token: req.parameters.get("token") ?? "", error: nil))
    }

    struct PasswordForm: Content { var password: String; var confirm: String }

    func acceptInvitation(req: Request) async throws -> Response {
        let p = try await invitedAccount(req)
        let form = try req.content.decode(PasswordForm.self)
        var error: String?
        if form.password.count < 10 { error = "Choose a password of at least 10 characters." }
        else if form.password != form.confirm { error = "The two passwords are different: type the same password twice." }
        if let error {
            let r = try await req.render("parent-invitation", title: "Set your password",
                                         InvitationContent(name: p.name, email: p.email, token: req.parameters.get("token") ?? "", error: error))
                .encodeResponse(for: req)
            r.status = .unprocessableEntity
            return r
        }
        let hash = try await req.password.async.hash(form.password)
        try await req.store.activateParent(id: p.id!, passwordHash: hash, at: req.clock.now().timestamp)
        try await startSession(req, parentID: p.id!)
        return req.redirect(to: "/parent")
    }

    // MARK: Children

    /// One of the signed-in parent's children, or 404: a child who is not theirs looks exactly like no child at all.
    static func ownChild(_ req: Request) async throws -> (ParentUser, PupilRow) {
        let u = try req.auth.require(ParentUser.self)
        let upn = req.parameters.get("upn") ?? ""
        guard let account = try await req.store.parent(id: u.id),
              let p = try await req.store.children(of: account, on: req.clock.now().date).first(where: { $0.upn == upn }) else {
            throw Abort(.notFound, reason: "There is no child with that reference on your account.")
        }
        return (u, p)
    }

    struct ChildSummary: Encodable {
        var upn: String
        var name: String
        var forename: String
        var form: String
        var sentence: String
        var band: String?
        var bandTone: String?
        var bandWords: String?
    }

    func summary(_ req: Request, _ p: PupilRow) async throws -> (ChildSummary, SessionCounts, Policy) {
        let today = req.clock.now().date
        let year = AcademicYear(containing: today)
        // Sessions not yet marked (today's registers still to take) are left out, as on Today.
        let c = try await req.store.pupilStatistics(schoolID: p.schoolID, pupil: p, range: DateRange(from: year.range.from, to: today)).0.markedOnly
        let policy = try await req.store.policy(schoolID: p.schoolID, on: today)
        let forename = p.preferredForename.isEmpty ? p.legalForename : p.preferredForename
        let target = String(format: "%g%%", (policy.attendanceTarget * 1000).rounded() / 10)
        let sentence = c.attendanceRate.map { "\(forename) has attended \(percent($0)) of sessions this year; the school's target is \(target)." }
            ?? "\(forename) has no sessions recorded yet this year; the school's target is \(target)."
        let band = AttendanceBands(bands: policy.bands).band(for: c.attendanceRate)
        let words: String? = band.map { b in
            switch b.tone {
            case "green": "This is good attendance. Thank you."
            case "amber": "This is below the school's target: every day counts. Talk to us if something is making school hard."
            default: "This is a concern: missing this much school harms learning. The school will be in touch to help."
            }
        }
        return (ChildSummary(upn: p.upn, name: p.displayName, forename: forename, form: p.form, sentence: sentence,
                             band: band?.name, bandTone: band?.tone, bandWords: words), c, policy)
    }

    struct ChildrenContent: Encodable { var name: String; var children: [ChildSummary]; var flash: String? }

    func children(req: Request) async throws -> View {
        let u = try req.auth.require(ParentUser.self)
        guard let account = try await req.store.parent(id: u.id) else { throw Abort(.unauthorized) }
        var out: [ChildSummary] = []
        for p in try await req.store.children(of: account, on: req.clock.now().date) { out.append(try await summary(req, p).0) }
        return try await req.render("parent-home", title: "Your children", ChildrenContent(name: u.name, children: out, flash: req.takeFlash()))
    }

    struct ChildContent: Encodable {
        struct Absence: Encodable { var date: String; var session: String; var what: String; var tone: String }
        struct Late: Encodable { var date: String; var session: String; var minutes: String; var what: String }
        struct Report: Encodable { var dates: String; var category: String; var note: String; var state: String; var stateTone: String }
        var child: ChildSummary
        var possible: Int
        var attended: Int
        var absences: [Absence]
        var lates: [Late]
        var lateMinutes: Int
        var reports: [Report]
        var leave: [LeaveLine]
        var flash: String?
    }
    struct LeaveLine: Encodable {
        var id: Int
        var dates: String
        var reason: String
        var state: String
        var stateTone: String
        var decision: String?
    }

    func child(req: Request) async throws -> View {
        let (_, p) = try await Self.ownChild(req)
        let (s, c, _) = try await summary(req, p)
        let today = req.clock.now().date
        let marks = try await req.store.marks(pupilID: p.id!, range: DateRange(from: AcademicYear(containing: today).range.from, to: today))
        var absences: [ChildContent.Absence] = [], lates: [ChildContent.Late] = []
        var lateMinutes = 0
        for m in marks.reversed() {
            guard let code = AttendanceCode.lookup(m.code) else { continue }
            let d = m.day
            let when = ParentWords.date(d)
            if code == .late || code == .u {
                lateMinutes += m.minutesLate ?? 0
                lates.append(.init(date: when, session: m.session, minutes: m.minutesLate.map { "\($0) minutes" } ?? "–",
                                   what: code == .late ? "Late, before the register closed" : "Late, after the register closed (counts as an unauthorised absence)"))
            } else if code.isAbsence {
                absences.append(.init(date: when, session: m.session, what: ParentWords.meaning(code, on: d), tone: tone(code)))
            }
        }
        let reports = try await req.store.absenceReports(pupilID: p.id!).map(ParentWords.report)
        let leave = try await req.store.leaveRequests(pupilID: p.id!).map(ParentWords.leave)
        return try await req.render("parent-child", title: p.displayName,
                                    ChildContent(child: s, possible: c.possible, attended: c.present + c.approvedActivity, absences: absences,
                                                 lates: lates, lateMinutes: lateMinutes, reports: reports, leave: leave, flash: req.takeFlash()))
    }

    // MARK: Reporting an absence

    struct ReportContent: Encodable {
        var child: ChildSummary?
        var pupilName: String
        var action: String
        var today: String
        var categories: [Option]
        var form: ReportForm
        var error: String?
        var errorField: String?
        /// True on the one-time link's page: the dates are fixed to that day.
        var oneDay: Bool
    }
    struct Option: Encodable { var value: String; var label: String }
    struct ReportForm: Content {
        var from: String?
        var to: String?
        var sessions: String?
        var category: String?
        var note: String?
        var expectedReturn: String?
    }
    static let categories = AbsenceCategory.allCases.map { Option(value: $0.rawValue, label: $0.title) }

    func reportPage(req: Request) async throws -> View {
        let (_, p) = try await Self.ownChild(req)
        let s = try await summary(req, p).0
        let today = req.clock.now().date.iso
        return try await req.render("parent-report", title: "Report an absence",
                                    ReportContent(child: s, pupilName: s.forename, action: "/parent/children/\(p.upn)/report", today: today,
                                                  categories: Self.categories, form: ReportForm(from: today, sessions: "both"),
                                                  error: nil, errorField: nil, oneDay: false))
    }

    /// Checks a report form; an error names the field.
    static func validate(_ f: ReportForm, today: LocalDate, fixedDay: LocalDate? = nil) throws -> (LocalDate, LocalDate, String, AbsenceCategory, String, LocalDate?) {
        let from: LocalDate
        if let fixedDay { from = fixedDay } else {
            guard let raw = f.from, !raw.isEmpty else { throw APIError.invalid("from", "give the first day of the absence") }
            from = try parseDate(raw, field: "from")
        }
        guard from >= today else { throw APIError.invalid("from", "\(ParentWords.date(from)) has passed: report today's or a later absence (for an earlier one, contact the office)") }
        var to = from
        if fixedDay == nil, let raw = f.to, !raw.isEmpty { to = try parseDate(raw, field: "to") }
        guard to >= from else { throw APIError.invalid("to", "the last day is before the first day") }
        guard from.days(to: to) <= 62 else { throw APIError.invalid("to", "report at most 62 days at a time") }
        let sessions = f.sessions ?? "both"
        guard ["am", "pm", "both"].contains(sessions) else { throw APIError.invalid("sessions", "choose morning, afternoon or both") }
        guard let category = f.category.flatMap(AbsenceCategory.init(rawValue:)) else { throw APIError.invalid("category", "choose what the absence is for") }
        let note = (f.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard note.count <= 1000 else { throw APIError.invalid("note", "keep the note under 1,000 characters") }
        if category == .other && note.isEmpty { throw APIError.invalid("note", "say in a few words what the absence is for") }
        let back = try f.expectedReturn.flatMap { $0.isEmpty ? nil : $0 }.map { try parseDate($0, field: "expected_return") }
        if let back, back <= to { throw APIError.invalid("expected_return", "the day back must be after the last day of absence") }
        return (from, to, sessions, category, note, back)
    }

    func report(req: Request) async throws -> Response {
        let (u, p) = try await Self.ownChild(req)
        let form = try req.content.decode(ReportForm.self)
        let now = req.clock.now()
        do {
            let (from, to, sessions, category, note, back) = try Self.validate(form, today: now.date)
            let row = Self.reportRow(pupilID: p.id!, by: u.name, via: "portal", from: from, to: to, sessions: sessions, category: category,
                                     note: note, back: back, at: now.timestamp)
            try await req.store.addAbsenceReport(row)
            try await Self.recordContact(req, pupilID: p.id!, report: row, at: now)
            req.session.data["flash"] = "Thank you. The office has your report of \(ParentWords.range(from, to)) and will record it."
            return req.redirect(to: "/parent/children/\(p.upn)")
        } catch let e as APIError {
            let s = try await summary(req, p).0
            let r = try await req.render("parent-report", title: "Report an absence",
                                         ReportContent(child: s, pupilName: s.forename, action: "/parent/children/\(p.upn)/report", today: now.date.iso,
                                                       categories: Self.categories, form: form, error: e.reason, errorField: e.field, oneDay: false))
                .encodeResponse(for: req)
            r.status = .unprocessableEntity
            return r
        }
    }

    static func reportRow(pupilID: Int, by: String, via: String, from: LocalDate, to: LocalDate, sessions: String, category: AbsenceCategory,
                          note: String, back: LocalDate?, at now: String) -> AbsenceReportRow {
        let row = AbsenceReportRow()
        row.pupilID = pupilID; row.reportedBy = by; row.via = via; row.from = from.iso; row.to = to.iso; row.sessions = sessions
        row.category = category.rawValue; row.note = note; row.expectedReturn = back?.iso; row.state = .pending; row.createdAt = now
        return row
    }

    /// A parent's report is contact with the family: it goes on the timeline at once (the children-missing-education
    /// rules count days without contact).
    static func recordContact(_ req: Request, pupilID: Int, report: AbsenceReportRow, at now: SchoolNow) async throws {
        let how = report.via == "link" ? "through the link in a message" : "on the parent portal"
        try await req.store.addCasework(CaseworkRow(
            pupilID: pupilID, kind: .familyContact, actionKey: nil, happenedOn: now.date,
            summary: "\(report.reportedBy) reported an absence \(how): \(report.category_.title), \(ParentWords.range(report.fromDay, report.toDay))\(report.note.isEmpty ? "" : ": \(report.note)")",
            recordedAt: now.timestamp, by: Actor(name: report.reportedBy, position: "Parent or carer")))
    }

    // MARK: The one-time link

    func link(_ req: Request) async throws -> (ReplyLinkRow, PupilRow) {
        let token = req.parameters.get("token") ?? ""
        let now = req.clock.now()
        guard let link = try await req.store.replyLink(tokenHash: APIToken.hash(token)), link.usedAt == nil,
              link.expiresAt >= OutboxTime.string(now.instant),
              let p = try await PupilRow.find(link.pupilID, on: req.db) else {
            throw Abort(.gone, reason: "This link has been used or has expired. Please phone the school office instead.")
        }
        return (link, p)
    }

    func replyView(_ req: Request, _ link: ReplyLinkRow, _ p: PupilRow, form: ReportForm, error: APIError?) async throws -> View {
        let forename = p.preferredForename.isEmpty ? p.legalForename : p.preferredForename
        let day = link.day
        return try await req.render("parent-report", title: "Why is \(forename) absent?",
                                    ReportContent(child: nil, pupilName: forename, action: "/reply/\(req.parameters.get("token") ?? "")",
                                                  today: ParentWords.date(day), categories: Self.categories, form: form,
                                                  error: error?.reason, errorField: error?.field, oneDay: true))
    }

    func replyPage(req: Request) async throws -> View {
        let (link, p) = try await link(req)
        return try await replyView(req, link, p, form: ReportForm(sessions: "both"), error: nil)
    }

    func reply(req: Request) async throws -> Response {
        let (link, p) = try await link(req)
        let form = try req.content.decode(ReportForm.self)
        let now = req.clock.now()
        let day = link.day
        do {
            let (from, to, sessions, category, note, back) = try Self.validate(form, today: min(day, now.date), fixedDay: day)
            let row = Self.reportRow(pupilID: p.id!, by: link.contactName, via: "link", from: from, to: to, sessions: sessions,
                                     category: category, note: note, back: back, at: now.timestamp)
            guard try await req.store.redeemReplyLink(id: link.id!, report: row, at: now.timestamp) else {
                throw Abort(.gone, reason: "This link has already been used.")
            }
            try await Self.recordContact(req, pupilID: p.id!, report: row, at: now)
            return try await req.render("parent-done", title: "Thank you",
                                        ["message": "Thank you. The school office has your reason for \(p.preferredForename.isEmpty ? p.legalForename : p.preferredForename)'s absence on \(ParentWords.date(day)) and will record it. This link cannot be used again."])
                .encodeResponse(for: req)
        } catch let e as APIError {
            let r = try await replyView(req, link, p, form: form, error: e).encodeResponse(for: req)
            r.status = .unprocessableEntity
            return r
        }
    }
}

/// Plain words for parents.
enum ParentWords {
    static func date(_ d: LocalDate) -> String { "\(d.weekdayName) \(d.day) \(d.monthName) \(d.year)" }

    static func range(_ from: LocalDate, _ to: LocalDate) -> String { from == to ? date(from) : "\(date(from)) to \(date(to))" }

    static func meaning(_ c: AttendanceCode, on d: LocalDate) -> String {
        switch c.statisticalMeaning {
        case .authorisedAbsence: "\(c.meaning(on: d)) (authorised)"
        case .unauthorisedAbsence: c == .n ? "No reason received yet" : "\(c.meaning(on: d)) (unauthorised)"
        default: c.meaning(on: d)
        }
    }

    static func report(_ r: AbsenceReportRow) -> ParentPortalController.ChildContent.Report {
        let state: String, toneWord: String
        switch r.state {
        case .accepted:
            state = "Recorded\(r.code.flatMap(AttendanceCode.lookup).map { c in " as \(c.meaning(on: r.fromDay).lowercased())" } ?? "")"
            toneWord = "authorised"
        case .declined: state = "Not accepted\(r.decisionNote.map { ": \($0)" } ?? "")"; toneWord = "unauthorised"
        case .pending: state = "Waiting for the office"; toneWord = "none"
        }
        let sessions = r.sessions == "am" ? " (mornings)" : r.sessions == "pm" ? " (afternoons)" : ""
        return .init(dates: range(r.fromDay, r.toDay) + sessions, category: r.category_.title, note: r.note, state: state, stateTone: toneWord)
    }

    static func leave(_ r: LeaveRequestRow) -> ParentPortalController.LeaveLine {
        let request = r.leaveRequest
        let dates = request.map { range($0.from, $0.to) } ?? ""
        let (state, toneWord): (String, String) = switch r.state {
        case .granted: ("Granted", "authorised")
        case .refused: ("Refused", "unauthorised")
        case .withdrawn: ("Withdrawn", "none")
        case .pending: ("Waiting for the headteacher's decision", "none")
        }
        var decision: String?
        if r.state == .refused { decision = r.refusalReason }
        if r.state == .granted, let g = r.leaveGrant { decision = "Granted for \(range(g.from, g.to)): \(g.code.meaning(on: g.from).lowercased())." }
        return .init(id: r.id!, dates: dates, reason: request?.reason ?? "", state: state, stateTone: toneWord, decision: decision)
    }
}

extension Request {
    /// Renders a page with the signed-in staff member or parent, and the form token.
    func render<T: Encodable>(_ template: String, title: String, _ content: T) async throws -> View {
        let u = auth.get(StaffUser.self)
        let parent = auth.get(ParentUser.self)
        return try await view.render(template, PageController.Page(
            title: title, user: u.map { .init(name: $0.name, role: $0.role.title, casework: $0.can(.casework), office: $0.can(.amendMarks),
                                              decidesLeave: $0.mayDecideLeave) },
            parent: parent.map { .init(name: $0.name) }, csrf: CSRFMiddleware.token(for: self), content: content))
    }

    /// The one-off message left by the last form, taken (so it shows once).
    func takeFlash() -> String? {
        let f = session.data["flash"]
        session.data["flash"] = nil
        return f
    }
}
