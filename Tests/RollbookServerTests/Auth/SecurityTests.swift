import Foundation
import RollbookCore
import RollbookStore
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

extension ServerTests {
    @Suite("Sessions, sign-in throttling and security headers") struct SecurityTests {
        let pages = PageTests()

        /// `port`: send through a real server on loopback, so the client has an address.
        func signInAttempt(_ f: Fixture, email: String, password: String, headers extra: [(String, String)] = [], port: Int? = nil)
            async throws -> Reply
        {
            let tester = try port.map { try f.app.testing(method: .running(hostname: "127.0.0.1", port: $0)) } ?? f.app.testing()
            let first = try await tester.sendRequest(.GET, "/")
            let home = Reply(status: first.status, headers: first.headers, text: first.body.string)
            let (token, cookie) = try #require(PageTests.csrf(home))
            var h = HTTPHeaders()
            h.add(name: .cookie, value: cookie)
            for (k, v) in extra { h.add(name: k, value: v) }
            h.contentType = .urlEncodedForm
            let body = PageTests.form([("csrf", token), ("email", email), ("password", password)])
            let res = try await tester.sendRequest(.POST, "/sign-in", headers: h, body: ByteBuffer(string: body))
            return Reply(status: res.status, headers: res.headers, text: res.body.string)
        }

        func count(_ f: Fixture, _ table: String) async throws -> Int {
            let sql = f.app.db as! any SQLDatabase
            return try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table).first()!.decode(
                column: "n", as: Int.self)
        }

        @Test(
            "five failed sign-ins lock the account for 15 minutes, even with the right password; other accounts still sign in",
            arguments: Backend.available)
        func accountThrottle(_ backend: Backend) async throws {
            try await withRollbook(backend) { f in
                for _ in 1...5 {
                    #expect(try await signInAttempt(f, email: "office@tiny.example.org", password: "wrong").status == .unauthorized)
                }
                let locked = try await signInAttempt(f, email: "Office@tiny.example.org ", password: "correct horse")
                #expect(locked.status == .tooManyRequests)
                let until = SchoolNow.at(FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: 8, minute: 50)!).now().instant + 900)
                    .time
                #expect(locked.text.contains("Too many failed sign-ins. Try again after \(until.padded)."))
                #expect(locked.headers.first(name: .retryAfter) == "900")
                #expect(locked.headers.first(name: .setCookie).map { !$0.contains("staff") } ?? true)
                // The lock is the account's: the head signs in from the same address.
                #expect(try await signInAttempt(f, email: "head@tiny.example.org", password: "correct horse").status == .seeOther)
                // A success clears the account's failures: four failures, a success, four more do not lock it.
                for _ in 1...4 { _ = try await signInAttempt(f, email: "teacher@tiny.example.org", password: "wrong") }
                #expect(try await signInAttempt(f, email: "teacher@tiny.example.org", password: "correct horse").status == .seeOther)
                for _ in 1...4 { _ = try await signInAttempt(f, email: "teacher@tiny.example.org", password: "wrong") }
                #expect(try await signInAttempt(f, email: "teacher@tiny.example.org", password: "correct horse").status == .seeOther)
            }
        }

        @Test("twenty failed sign-ins from one address refuse it for any account; another address is not affected")
        func addressThrottle() async throws {
            try await withRollbook(.sqlite) { (f: Fixture) async throws -> Void in
                // Behind a proxy on the same host, the client is the last forwarded address.
                let port = Int.random(in: 20000...40000)
                let spray: [(String, String)] = [("X-Forwarded-For", "203.0.113.7")]
                for i in 1...20 {
                    #expect(
                        try await signInAttempt(f, email: "nobody\(i)@example.org", password: "x", headers: spray, port: port).status
                            == .unauthorized)
                }
                #expect(
                    try await signInAttempt(f, email: "head@tiny.example.org", password: "correct horse", headers: spray, port: port).status
                        == .tooManyRequests)
                // A client cannot escape by forging entries: the proxy appends the real address last.
                #expect(
                    try await signInAttempt(
                        f, email: "head@tiny.example.org", password: "correct horse",
                        headers: [("X-Forwarded-For", "198.51.100.9, 203.0.113.7")], port: port
                    ).status == .tooManyRequests)
                // (This client follows the redirect, without the cookie: the signed-in session is in the database.)
                let other = try await signInAttempt(
                    f, email: "head@tiny.example.org", password: "correct horse",
                    headers: [("X-Forwarded-For", "198.51.100.2")], port: port)
                #expect(other.status == .ok && !other.text.contains("Too many") && !other.text.contains("do not match"))
                let staff = try await (f.app.db as! any SQLDatabase).select().column("data").from("web_sessions").all()
                    .map { try $0.decode(column: "data", as: String.self) }.filter { $0.contains("staff") }
                #expect(staff.count == 1)
            }
        }

        @Test(
            "sessions live in the database under a hash of their id, end when idle or too old, and end at sign-out",
            arguments: Backend.available)
        func sessions(_ backend: Backend) async throws {
            try await withRollbook(backend) { f in
                let sql = f.app.db as! any SQLDatabase
                let cookie = try await pages.signIn(f, .office)
                let id = String(cookie.split(separator: "=", maxSplits: 1)[1])
                #expect(id.count >= 43)
                let hashes = try await sql.select().column("id_hash").from("web_sessions").all().map {
                    try $0.decode(column: "id_hash", as: String.self)
                }
                #expect(!hashes.contains(id))
                #expect(hashes.contains(DatabaseSessions.hash(SessionID(string: id))))
                #expect(try await pages.get(f, "/today", cookie: cookie).status == .ok)

                // Unused for longer than the idle limit (an hour): signed out.
                let now = FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: 8, minute: 50)!).now().instant.timeIntervalSince1970
                try await sql.update("web_sessions").set("seen_at", to: SQLBind(now - 3601)).run()
                let idle = try await pages.get(f, "/today", cookie: cookie)
                #expect(idle.status == .seeOther)
                #expect(idle.headers.first(name: .location)?.hasPrefix("/?next=") == true || idle.headers.first(name: .location) == "/")

                // Busy but signed in more than 12 hours ago: signed out.
                let again = try await pages.signIn(f, .office)
                #expect(try await pages.get(f, "/today", cookie: again).status == .ok)
                try await sql.update("web_sessions").set("created_at", to: SQLBind(now - 12 * 3600 - 1)).run()
                #expect(try await pages.get(f, "/today", cookie: again).status == .seeOther)

                // Sign-out removes the session row.
                let third = try await pages.signIn(f, .head)
                let before = try await count(f, "web_sessions")
                let home = try await pages.get(f, "/today", cookie: third)
                let token = try #require(
                    home.text.range(of: #"name="csrf" value="([^"]+)""#, options: .regularExpression).map {
                        String(home.text[$0]).replacingOccurrences(of: #"name="csrf" value=""#, with: "").dropLast()
                    })
                _ = try await pages.post(f, "/sign-out", cookie: third, [("csrf", String(token))])
                #expect(try await count(f, "web_sessions") == before - 1)
                #expect(try await pages.get(f, "/today", cookie: third).status == .seeOther)
            }
        }

        @Test("headers: a CSP without inline script, frame denial, no caching of pages; HSTS and Secure cookies only over TLS")
        func headers() async throws {
            try await withRollbook(.sqlite) { f in
                let home = try await f.call(.GET, "/", as: nil)
                let csp = try #require(home.headers.first(name: "Content-Security-Policy"))
                #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"))
                #expect(home.headers.first(name: "X-Frame-Options") == "DENY")
                #expect(home.headers.first(name: .cacheControl) == "no-store")
                #expect(home.headers.first(name: "Strict-Transport-Security") == nil)
                let cookie = try #require(home.headers.first(name: .setCookie))
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"))
                // No page carries an inline script or style attribute the CSP would block.
                #expect(!home.text.contains("<script>") && !home.text.contains(" style=\""))
            }
            var tls = SecuritySettings()
            tls.https = true
            try await withRollbook(.sqlite, security: tls) { f in
                let home = try await f.call(.GET, "/", as: nil)
                #expect(home.headers.first(name: "Strict-Transport-Security") == "max-age=31536000; includeSubDomains")
                #expect(try #require(home.headers.first(name: .setCookie)).contains("Secure"))
            }
        }

        @Test("settings from the environment: errors name the variable")
        func environment() throws {
            let s = try Settings(environment: [
                "ROLLBOOK_SESSION_IDLE_MINUTES": "20", "ROLLBOOK_SESSION_HOURS": "8",
                "ROLLBOOK_PUBLIC_URL": "https://rollbook.example.org",
            ]).security
            #expect(s.sessionIdle == 1200 && s.sessionLifetime == 8 * 3600 && s.https)
            #expect(
                try Settings(environment: ["ROLLBOOK_TRUSTED_PROXIES": "10.0.0.5, 10.0.0.6"]).security.trustedProxies == [
                    "10.0.0.5", "10.0.0.6",
                ])
            #expect(throws: RollbookCore.ValidationError.self) { try Settings(environment: ["ROLLBOOK_TRUSTED_PROXIES": "lb.example.org"]) }
            #expect(try Settings(environment: [:]).security.https == false)
            #expect(throws: RollbookCore.ValidationError.self) { try Settings(environment: ["ROLLBOOK_SESSION_HOURS": "-1"]) }
            do {
                _ = try Settings(environment: ["ROLLBOOK_SESSION_IDLE_MINUTES": "soon"])
            } catch let e as RollbookCore.ValidationError {
                #expect(e.field == "ROLLBOOK_SESSION_IDLE_MINUTES")
            }
        }
    }
}
