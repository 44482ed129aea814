import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/pupil`: a pupil's own attendance tracker (seed 000 §3.2). Signing in (with the invitation's link the first time)
/// and the tracker: the year so far, the last school weeks and the target, in plain words. Nothing else: no other
/// pupil, no codes, no staff text, no contacts, no casework.
struct PupilPortalController {
    struct SignInContent: Encodable {
        var error: String?
        var demo: Bool
        var accounts: [String]
        var demoPassword: String
    }

    func signInPage(req: Request) async throws -> Response {
        if req.auth.has(PupilUser.self) { return req.redirect(to: "/pupil") }
        return try await signInView(req, error: nil).encodeResponse(for: req)
    }

    func signInView(_ req: Request, error: String?) async throws -> View {
        var accounts: [String] = []
        if req.application.options.demoMode, let s = try await req.store.schools().first {
            accounts = try await req.store.pupilAccounts(schoolID: s.id!).filter { $0.passwordHash != nil }.map(\.email)
        }
        return try await req.render(
            "PupilPortal/pupil-sign-in", title: "Pupils: sign in",
            SignInContent(error: error, demo: req.application.options.demoMode, accounts: accounts, demoPassword: DemoAccounts.password))
    }

    struct SignInForm: Content {
        var email: String
        var password: String
    }

    func signIn(req: Request) async throws -> Response {
        let form = try req.content.decode(SignInForm.self)
        let attempt = try await SignInThrottle.begin(req, .pupil, email: form.email)
        if let until = attempt.refusedUntil {
            let r = try await signInView(req, error: SignInThrottle.message(until: until)).encodeResponse(for: req)
            r.status = .tooManyRequests
            r.headers.replaceOrAdd(
                name: .retryAfter, value: String(max(1, Int(until.timeIntervalSince(req.clock.now().instant).rounded(.up)))))
            return r
        }
        var match: PupilAccountRow?
        for a in try await req.store.pupilAccounts(email: form.email.trimmingCharacters(in: .whitespaces)) {
            if let h = a.passwordHash, try await req.password.async.verify(form.password, created: h) {
                match = a
                break
            }
        }
        guard let a = match else {
            let r = try await signInView(
                req, error: "That email and password do not match. If your school sent you a link, use it first to choose a password."
            )
            .encodeResponse(for: req)
            r.status = .unauthorized
            return r
        }
        try await SignInThrottle.succeeded(req, attempt, .pupil, email: form.email)
        try await startSession(req, accountID: a.id!)
        return req.redirect(to: "/pupil")
    }

    /// A new session holding only the pupil: signing in as a pupil ends any staff or parent session in this browser.
    func startSession(_ req: Request, accountID: Int) async throws {
        try await req.startSession("pupil", id: accountID)
    }

    func signOut(req: Request) async throws -> Response {
        req.auth.logout(PupilUser.self)
        req.session.destroy()
        return req.redirect(to: "/pupil/sign-in")
    }

    /// No name: whoever holds the link sees only the email it was sent to.
    struct InvitationContent: Encodable {
        var email: String
        var token: String
        var error: String?
    }

    func invitedAccount(_ req: Request) async throws -> PupilAccountRow {
        let token = req.parameters.get("token") ?? ""
        guard let a = try await req.store.pupilAccount(inviteTokenHash: APIToken.hash(token)),
            let expires = a.inviteExpiresAt, expires >= OutboxTime.string(req.clock.now().instant)
        else {
            throw Abort(.gone, reason: "This link has been used or has run out. Ask your form tutor or the school office for a new one.")
        }
        return a
    }

    func invitation(req: Request) async throws -> View {
        let a = try await invitedAccount(req)
        return try await req.render(
            "PupilPortal/pupil-invitation", title: "Choose your password",
            InvitationContent(email: a.email, token: req.parameters.get("token") ?? "", error: nil))
    }

    struct PasswordForm: Content {
        var password: String
        var confirm: String
    }

    func acceptInvitation(req: Request) async throws -> Response {
        let a = try await invitedAccount(req)
        let form = try req.content.decode(PasswordForm.self)
        var error: String?
        if form.password.count < 10 {
            error = "Choose a password of at least 10 letters, numbers or spaces."
        } else if form.password != form.confirm {
            error = "The two passwords are different: type the same password twice."
        }
        if let error {
            let r = try await req.render(
                "PupilPortal/pupil-invitation", title: "Choose your password",
                InvitationContent(email: a.email, token: req.parameters.get("token") ?? "", error: error)
            )
            .encodeResponse(for: req)
            r.status = .unprocessableEntity
            return r
        }
        let hash = try await req.password.async.hash(form.password)
        try await req.store.activatePupilAccount(id: a.id!, passwordHash: hash, at: req.clock.now().timestamp)
        try await startSession(req, accountID: a.id!)
        return req.redirect(to: "/pupil")
    }

    struct TrackerContent: Encodable {
        struct Week: Encodable {
            var label: String
            var sentence: String
            var state: String
            var percent: Int?
        }
        var forename: String
        var headline: String
        var target: String
        var onTarget: Bool
        var thisWeek: String
        var trend: String?
        var weeks: [Week]
        /// The reward chart, where the policy's `rewards.reward_chart` says (seed 003).
        struct Chart: Encodable {
            var sentence: String
            var stars: [Star]
            struct Star: Encodable {
                var label: String
                var star: Bool
            }
        }
        var chart: Chart?
    }

    func tracker(req: Request) async throws -> View {
        let u = try req.auth.require(PupilUser.self)
        guard let p = try await req.store.pupil(accountPupilID: u.pupilID) else { throw Abort(.unauthorized) }
        let t = try await Self.tracker(req, p)
        var chart: TrackerContent.Chart? = nil
        if try await req.store.policy(schoolID: p.schoolID, on: req.clock.now().date).rewards?.showsRewardChart == true {
            let c = t.chart
            chart = .init(
                sentence: c.sentence,
                stars: c.weeks.map {
                    .init(
                        label: "Week of \($0.weekStart.day) \($0.weekStart.monthName): \($0.star ? "at your target" : "not yet")",
                        star: $0.star)
                })
        }
        return try await req.render(
            "PupilPortal/pupil-tracker", title: "My attendance",
            TrackerContent(
                forename: Self.forename(p), headline: t.headline, target: t.target, onTarget: t.onTarget, thisWeek: t.thisWeek,
                trend: t.trend,
                weeks: t.weeks.map {
                    .init(
                        label: "Week of \($0.weekStart.day) \($0.weekStart.monthName)", sentence: $0.sentence, state: $0.state,
                        percent: $0.percent)
                }, chart: chart))
    }

    /// The pupil's tracker today: the school weeks of the year so far (registers not yet taken left out), against the
    /// pupil's individual target when one is set, else the policy's.
    static func tracker(_ req: Request, _ p: PupilRow) async throws -> PupilTracker {
        let today = req.clock.now().date
        let year = AcademicYear(containing: today)
        let calendar = try await req.store.calendar(schoolID: p.schoolID)
        let codes =
            try await req.store.sessionArrays(schoolID: p.schoolID, pupilIDs: [p.id!], range: year.range)[p.id!]
            ?? SessionArray(base: year.range.from, days: 0)
        let series = WeeklyAttendance.series(
            year: year, marks: codes, enrolment: p.enrolment, calendar: calendar,
            range: DateRange(from: year.range.from, to: min(today, year.range.to)))
        let weeks = series.map { w in
            let c = w.counts.markedOnly
            return PupilTracker.Week(weekStart: w.weekStart, attended: c.present + c.approvedActivity, possible: c.possible)
        }
        let (target, individual) = try await targetFor(req, p, on: today)
        return PupilTracker(
            attended: weeks.map(\.attended).reduce(0, +), possible: weeks.map(\.possible).reduce(0, +), weeks: weeks, target: target,
            individual: individual)
    }

    /// The target the pupil is judged against, and whether it is their own.
    static func targetFor(_ req: Request, _ p: PupilRow, on day: LocalDate) async throws -> (Double, Bool) {
        if let own = try await req.store.individualTarget(pupilID: p.id!, on: day) { return (own.target, true) }
        return (try await req.store.policy(schoolID: p.schoolID, on: day).attendanceTarget, false)
    }

    static func forename(_ p: PupilRow) -> String { p.preferredForename.isEmpty ? p.legalForename : p.preferredForename }
}
