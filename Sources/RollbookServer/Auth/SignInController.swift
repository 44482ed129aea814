import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Staff sign in and out: `/` (the sign-in page, or Today when signed in), `/sign-in`, `/sign-out`.
struct SignInController {
    struct HomeContent: Encodable {
        struct Account: Encodable {
            var email: String
            var role: String
            var position: String
        }
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
            accounts = try await req.store.staff(schoolID: s.id!).map {
                .init(email: $0.email, role: $0.staffRole.title, position: $0.position)
            }
        }
        let next = req.query[String.self, at: "next"].flatMap { $0.hasPrefix("/") && !$0.hasPrefix("//") ? $0 : nil } ?? "/today"
        return try await req.render(
            "Auth/home", title: "Sign in",
            HomeContent(
                schoolName: school?.name, demo: req.application.options.demoMode,
                demoPassword: DemoAccounts.password, accounts: accounts,
                error: error, next: next))
    }

    struct SignInForm: Content {
        var email: String
        var password: String
        var next: String?
    }

    func signIn(req: Request) async throws -> Response {
        let form = try req.content.decode(SignInForm.self)
        let attempt = try await SignInThrottle.begin(req, .staff, email: form.email)
        if let until = attempt.refusedUntil {
            let r = try await homePage(req, error: SignInThrottle.message(until: until)).encodeResponse(for: req)
            r.status = .tooManyRequests
            r.headers.replaceOrAdd(
                name: .retryAfter, value: String(max(1, Int(until.timeIntervalSince(req.clock.now().instant).rounded(.up)))))
            return r
        }
        guard let s = try await req.store.staff(email: form.email.trimmingCharacters(in: .whitespaces)),
            try await req.password.async.verify(form.password, created: s.passwordHash)
        else {
            let v = try await homePage(req, error: "That email and password do not match an account.")
            let r = try await v.encodeResponse(for: req)
            r.status = .unauthorized
            return r
        }
        try await SignInThrottle.succeeded(req, attempt, .staff, email: form.email)
        try await req.startSession("staff", id: s.id!)
        let next = form.next.flatMap { $0.hasPrefix("/") && !$0.hasPrefix("//") ? $0 : nil } ?? "/today"
        return req.redirect(to: next)
    }

    func signOut(req: Request) async throws -> Response {
        req.auth.logout(StaffUser.self)
        req.session.destroy()
        return req.redirect(to: "/")
    }
}

/// The demo school's accounts share one password, shown on the sign-in page in demo mode only.
public enum DemoAccounts {
    public static let password = "rollbook-demo"
}
