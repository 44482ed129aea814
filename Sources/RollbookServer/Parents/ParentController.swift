import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/parent`: the parent portal. Signing in (with an invitation's link the first time), each child's attendance in
/// plain words, and reporting an absence.
struct ParentController {
    struct SignInContent: Encodable {
        var error: String?
        var demo: Bool
        var accounts: [String]
        var demoPassword: String
    }

    func signInPage(req: Request) async throws -> Response {
        if req.auth.has(ParentUser.self) { return req.redirect(to: "/parent") }
        return try await signInView(req, error: nil).encodeResponse(for: req)
    }

    func signInView(_ req: Request, error: String?) async throws -> View {
        var accounts: [String] = []
        if req.application.options.demoMode, let s = try await req.store.schools().first {
            accounts = try await req.store.parentAccounts(schoolID: s.id!).filter { $0.passwordHash != nil }.map(\.email)
        }
        return try await req.render(
            "Parents/parent-sign-in", title: "Parents and carers: sign in",
            SignInContent(
                error: error, demo: req.application.options.demoMode, accounts: accounts,
                demoPassword: DemoAccounts.password))
    }

    struct SignInForm: Content {
        var email: String
        var password: String
    }

    func signIn(req: Request) async throws -> Response {
        let form = try req.content.decode(SignInForm.self)
        let attempt = try await SignInThrottle.begin(req, .parent, email: form.email)
        if let until = attempt.refusedUntil {
            let r = try await signInView(req, error: SignInThrottle.message(until: until)).encodeResponse(for: req)
            r.status = .tooManyRequests
            r.headers.replaceOrAdd(
                name: .retryAfter, value: String(max(1, Int(until.timeIntervalSince(req.clock.now().instant).rounded(.up)))))
            return r
        }
        var match: ParentAccountRow?
        for p in try await req.store.parents(email: form.email.trimmingCharacters(in: .whitespaces)) {
            if let h = p.passwordHash, try await req.password.async.verify(form.password, created: h) {
                match = p
                break
            }
        }
        guard let p = match else {
            let r = try await signInView(
                req,
                error: "That email and password do not match an account. If the school invited you, use the link in the invitation first."
            )
            .encodeResponse(for: req)
            r.status = .unauthorized
            return r
        }
        try await SignInThrottle.succeeded(req, attempt, .parent, email: form.email)
        try await startSession(req, parentID: p.id!)
        return req.redirect(to: "/parent")
    }

    func startSession(_ req: Request, parentID: Int) async throws {
        try await req.startSession("parent", id: parentID)
    }

    func signOut(req: Request) async throws -> Response {
        req.auth.logout(ParentUser.self)
        req.session.destroy()
        return req.redirect(to: "/parent/sign-in")
    }

    struct InvitationContent: Encodable {
        var name: String
        var email: String
        var token: String
        var error: String?
    }

    func invitedAccount(_ req: Request) async throws -> ParentAccountRow {
        let token = req.parameters.get("token") ?? ""
        guard let p = try await req.store.parent(inviteTokenHash: APIToken.hash(token)),
            let expires = p.inviteExpiresAt, expires >= OutboxTime.string(req.clock.now().instant)
        else {
            throw Abort(.gone, reason: "This invitation link has been used or has expired. Ask the school office for a new one.")
        }
        return p
    }

    func invitation(req: Request) async throws -> View {
        let p = try await invitedAccount(req)
        return try await req.render(
            "Parents/parent-invitation", title: "Set your password",
            InvitationContent(name: p.name, email: p.email, token: req.parameters.get("token") ?? "", error: nil))
    }

    struct PasswordForm: Content {
        var password: String
        var confirm: String
    }

    func acceptInvitation(req: Request) async throws -> Response {
        let p = try await invitedAccount(req)
        let form = try req.content.decode(PasswordForm.self)
        var error: String?
        if form.password.count < 10 {
            error = "Choose a password of at least 10 characters."
        } else if form.password != form.confirm {
            error = "The two passwords are different: type the same password twice."
        }
        if let error {
            let r = try await req.render(
                "Parents/parent-invitation", title: "Set your password",
                InvitationContent(name: p.name, email: p.email, token: req.parameters.get("token") ?? "", error: error)
            )
            .encodeResponse(for: req)
            r.status = .unprocessableEntity
            return r
        }
        let hash = try await req.password.async.hash(form.password)
        try await req.store.activateParent(id: p.id!, passwordHash: hash, at: req.clock.now().timestamp)
        try await startSession(req, parentID: p.id!)
        return req.redirect(to: "/parent")
    }

    struct ChildrenContent: Encodable {
        var name: String
        var children: [ChildSummary]
        var flash: String?
        /// The school's attendance policy in parents' words (seed 003: shared with parents), never staff text.
        var policySummary: [String] = []
    }

    func children(req: Request) async throws -> View {
        let u = try req.auth.require(ParentUser.self)
        guard let account = try await req.store.parent(id: u.id) else { throw Abort(.unauthorized) }
        var out: [ChildSummary] = []
        for p in try await req.store.children(of: account, on: req.clock.now().date) { out.append(try await ChildSummary.load(req, p).0) }
        return try await req.render(
            "Parents/parent-home", title: "Your children",
            ChildrenContent(
                name: u.name, children: out, flash: req.takeFlash(),
                policySummary: ParentSummary.paragraphs(try await req.store.policy(schoolID: u.schoolID, on: req.clock.now().date))))
    }

    struct ChildContent: Encodable {
        struct Absence: Encodable {
            var date: String
            var session: String
            var what: String
            var tone: String
        }
        struct Late: Encodable {
            var date: String
            var session: String
            var minutes: String
            var what: String
        }
        var child: ChildSummary
        var possible: Int
        var attended: Int
        var absences: [Absence]
        var lates: [Late]
        var lateMinutes: Int
        var reports: [ParentWords.Report]
        var leave: [ParentWords.LeaveLine]
        /// Absences the school has asked for evidence of, still waiting for it.
        var evidence: [ParentEvidenceController.Asked]
        var maxDocuments: Int
        var flash: String?
    }

    func child(req: Request) async throws -> View {
        let (_, p) = try await req.ownChild()
        let (s, c, _) = try await ChildSummary.load(req, p)
        let today = req.clock.now().date
        let marks = try await req.store.marks(pupilID: p.id!, range: DateRange(from: AcademicYear(containing: today).range.from, to: today))
        var absences: [ChildContent.Absence] = []
        var lates: [ChildContent.Late] = []
        var lateMinutes = 0
        for m in marks.reversed() {
            guard let code = AttendanceCode.lookup(m.code) else { continue }
            let d = m.day
            let when = ParentWords.date(d)
            if code == .late || code == .u {
                lateMinutes += m.minutesLate ?? 0
                lates.append(
                    .init(
                        date: when, session: m.session, minutes: m.minutesLate.map { "\($0) minutes" } ?? "–",
                        what: code == .late
                            ? "Late, before the register closed" : "Late, after the register closed (counts as an unauthorised absence)"))
            } else if code.isAbsence {
                absences.append(.init(date: when, session: m.session, what: ParentWords.meaning(code, on: d), tone: tone(code)))
            }
        }
        let reports = try await req.store.absenceReports(pupilID: p.id!).map(ParentWords.report)
        let leave = try await req.store.leaveRequests(pupilID: p.id!).map(ParentWords.leave)
        return try await req.render(
            "Parents/parent-child", title: p.displayName,
            ChildContent(
                child: s, possible: c.possible, attended: c.present + c.approvedActivity, absences: absences,
                lates: lates, lateMinutes: lateMinutes, reports: reports, leave: leave,
                evidence: try await ParentEvidenceController.asked(req.store, pupilID: p.id!), maxDocuments: Uploads.maxDocuments,
                flash: req.takeFlash()))
    }

    func reportPage(req: Request) async throws -> View {
        let (_, p) = try await req.ownChild()
        let s = try await ChildSummary.load(req, p).0
        let today = req.clock.now().date.iso
        return try await req.render(
            "Parents/parent-report", title: "Report an absence",
            AbsenceReporting.FormPage(
                child: s, pupilName: s.forename, action: "/parent/children/\(p.upn)/report", today: today,
                categories: AbsenceReporting.categories, form: AbsenceReporting.Form(from: today, sessions: "both"),
                error: nil, errorField: nil, oneDay: false, maxDocuments: Uploads.maxDocuments))
    }

    func report(req: Request) async throws -> Response {
        let (u, p) = try await req.ownChild()
        let form = try req.content.decode(AbsenceReporting.Form.self)
        let now = req.clock.now()
        do {
            let (from, to, sessions, category, note, back) = try AbsenceReporting.validate(form, today: now.date)
            let docs = try Uploads.documents(form.documents, photoOrPDF: true)
            let row = AbsenceReporting.reportRow(
                pupilID: p.id!, by: u.name, via: "portal", from: from, to: to, sessions: sessions, category: category,
                note: note, back: back, at: now.timestamp)
            try await req.store.addAbsenceReport(row)
            try await AbsenceReporting.recordContact(req, pupilID: p.id!, report: row, at: now)
            if !docs.isEmpty { try await AbsenceReporting.recordEvidence(req, pupil: p, report: row, documents: docs, at: now) }
            req.session.data["flash"] = "Thank you. The office has your report of \(ParentWords.range(from, to)) and will record it."
            return req.redirect(to: "/parent/children/\(p.upn)")
        } catch let e as APIError {
            let s = try await ChildSummary.load(req, p).0
            let r = try await req.render(
                "Parents/parent-report", title: "Report an absence",
                AbsenceReporting.FormPage(
                    child: s, pupilName: s.forename, action: "/parent/children/\(p.upn)/report", today: now.date.iso,
                    categories: AbsenceReporting.categories, form: form.shown, error: e.reason, errorField: e.field, oneDay: false,
                    maxDocuments: Uploads.maxDocuments)
            )
            .encodeResponse(for: req)
            r.status = .unprocessableEntity
            return r
        }
    }
}
