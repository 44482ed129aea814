import Foundation
import RollbookCore
import RollbookServer
import RollbookStore
import Testing

@Suite("Settings from the environment")
struct SettingsTests {
    /// The variable a bad environment is refused for.
    func refused(_ env: [String: String]) -> String? {
        do {
            _ = try Settings(environment: env)
            return nil
        } catch let e as RollbookCore.ValidationError {
            #expect(!e.reason.isEmpty)
            return e.field
        } catch {
            Issue.record("not a ValidationError: \(error)")
            return nil
        }
    }

    @Test("an unset or empty environment gives the defaults")
    func defaults() throws {
        for env in [[:], ["ROLLBOOK_PUBLIC_URL": "", "ROLLBOOK_BCRYPT_COST": "", "DATABASE_URL": ""]] {
            let s = try Settings(environment: env)
            #expect(s.database(path: nil) == .sqlite(path: "rollbook.sqlite"))
            #expect(s.bcryptCost == nil && s.logLevel == nil && s.publicURL == nil)
            #expect(s.messages.publicURL == MessageSettings().publicURL && s.messages.smtp == nil && s.messages.notify == nil)
            #expect(s.security == SecuritySettings())
        }
    }

    @Test("the database: --database, else ROLLBOOK_DATABASE, else DATABASE_URL")
    func database() throws {
        let pg = "postgres://rollbook:secret@db:5432/rollbook"
        let both = try Settings(environment: ["ROLLBOOK_DATABASE": "school.sqlite", "DATABASE_URL": pg])
        #expect(both.database(path: "given.sqlite") == .sqlite(path: "given.sqlite"))
        #expect(both.database(path: nil) == .sqlite(path: "school.sqlite"))
        #expect(try Settings(environment: ["DATABASE_URL": pg]).database(path: nil) == .postgres(url: pg))
    }

    @Test("ROLLBOOK_PUBLIC_URL is read once, for message links and for HTTPS")
    func publicURL() throws {
        let s = try Settings(environment: ["ROLLBOOK_PUBLIC_URL": "https://rollbook.example.org/"])
        #expect(s.publicURL == "https://rollbook.example.org")
        #expect(s.messages.publicURL == "https://rollbook.example.org")
        #expect(s.security.https)
        #expect(try Settings(environment: ["ROLLBOOK_PUBLIC_URL": "http://127.0.0.1:8080"]).security.https == false)
    }

    @Test("values are read: levels, costs, channels, delays")
    func values() throws {
        let s = try Settings(environment: [
            "ROLLBOOK_LOG_LEVEL": "debug", "ROLLBOOK_BCRYPT_COST": "4", "ROLLBOOK_OUTBOX_INTERVAL": "0.5",
            "ROLLBOOK_MESSAGE_RETRY_DELAYS": "1, 2", "ROLLBOOK_SMTP_HOST": "mail.example.org", "ROLLBOOK_SMTP_SECURITY": "tls",
            "ROLLBOOK_SMTP_FROM": "office@example.org", "ROLLBOOK_BENCH_PYTHON": "/usr/bin/python3",
        ])
        #expect(s.logLevel == .debug && s.bcryptCost == 4 && s.benchPython == "/usr/bin/python3")
        #expect(s.messages.interval == 0.5 && s.messages.retryDelays == [1, 2])
        #expect(s.messages.smtp?.port == 465 && s.messages.smtp?.from == "office@example.org")
    }

    @Test("a bad value is an error naming the variable")
    func badValues() {
        let cases: [(String, String)] = [
            ("ROLLBOOK_SMTP_PORT", "70000"),
            ("ROLLBOOK_SMTP_PORT", "smtp"),
            ("ROLLBOOK_PUBLIC_URL", "rollbook.example.org"),
            ("ROLLBOOK_PUBLIC_URL", "https://"),
            ("DATABASE_URL", "mysql://db/rollbook"),
            ("ROLLBOOK_BCRYPT_COST", "twelve"),
            ("ROLLBOOK_BCRYPT_COST", "40"),
            ("ROLLBOOK_LOG_LEVEL", "loud"),
            ("ROLLBOOK_OUTBOX_INTERVAL", "0"),
            ("ROLLBOOK_MESSAGE_RETRY_DELAYS", "1,soon"),
            ("ROLLBOOK_SMTP_SECURITY", "ssl"),
            ("ROLLBOOK_SESSION_HOURS", "-1"),
            ("ROLLBOOK_TRUSTED_PROXIES", "lb.example.org"),
        ]
        for (name, value) in cases {
            var env = [name: value]
            if name.hasPrefix("ROLLBOOK_SMTP_") {
                env.merge(["ROLLBOOK_SMTP_HOST": "mail.example.org", "ROLLBOOK_SMTP_FROM": "office@example.org"]) { a, _ in a }
            }
            #expect(refused(env) == name, "\(name)=\(value)")
        }
        #expect(refused(["ROLLBOOK_SMTP_HOST": "mail.example.org"]) == "ROLLBOOK_SMTP_FROM")
        #expect(refused(["ROLLBOOK_NOTIFY_API_KEY": "key"]) == "ROLLBOOK_NOTIFY_SMS_TEMPLATE")
    }
}
