import Foundation
import Logging
import RollbookCore
import RollbookStore

/// Everything Rollbook reads from the environment, read here and nowhere else; the README's "Configuration" table
/// lists each variable. An empty variable counts as unset. A bad value is a `ValidationError` naming the variable.
public struct Settings: Sendable {
    /// `ROLLBOOK_DATABASE`: an SQLite file.
    public var sqlitePath: String?
    /// `DATABASE_URL`: PostgreSQL, used when no SQLite file is given.
    public var postgresURL: String?
    /// `ROLLBOOK_LOG_LEVEL`: overrides each command's level.
    public var logLevel: Logger.Level?
    /// `ROLLBOOK_BCRYPT_COST`: for `serve` without `--bcrypt-cost`.
    public var bcryptCost: Int?
    /// `ROLLBOOK_PUBLIC_URL`, without a trailing slash.
    public var publicURL: String?
    /// The message channels, retry plan and outbox interval.
    public var messages = MessageSettings()
    /// Session lifetimes, sign-in throttling, TLS.
    public var security = SecuritySettings()
    /// `ROLLBOOK_BENCH_PYTHON`: the Python that `rollbook bench analytics` runs DuckDB with.
    public var benchPython: String?

    /// The process's environment.
    public static func fromProcess() throws -> Settings { try Settings(environment: ProcessInfo.processInfo.environment) }

    public init(environment env: [String: String]) throws {
        func value(_ k: String) -> String? { env[k].flatMap { $0.isEmpty ? nil : $0 } }
        func bad(_ k: String, _ why: String) -> ValidationError { ValidationError(field: k, reason: why) }

        sqlitePath = value("ROLLBOOK_DATABASE")
        if let url = value("DATABASE_URL") {
            guard let c = URLComponents(string: url), ["postgres", "postgresql"].contains(c.scheme?.lowercased() ?? "") else {
                throw bad("DATABASE_URL", "must be a URL of the form postgres://user:password@host:port/database")
            }
            postgresURL = url
        }
        if let l = value("ROLLBOOK_LOG_LEVEL") {
            guard let level = Logger.Level(rawValue: l.lowercased()) else {
                throw bad("ROLLBOOK_LOG_LEVEL", "'\(l)' is not one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            logLevel = level
        }
        if let c = value("ROLLBOOK_BCRYPT_COST") {
            guard let n = Int(c) else { throw bad("ROLLBOOK_BCRYPT_COST", "'\(c)' is not a whole number") }
            guard (4...31).contains(n) else { throw bad("ROLLBOOK_BCRYPT_COST", "\(n) is outside 4 to 31") }
            bcryptCost = n
        }
        if let url = value("ROLLBOOK_PUBLIC_URL") {
            guard url.hasPrefix("http://") || url.hasPrefix("https://"), URLComponents(string: url)?.host?.isEmpty == false else {
                throw bad("ROLLBOOK_PUBLIC_URL", "must be an http:// or https:// address, e.g. https://rollbook.example.org")
            }
            publicURL = url.hasSuffix("/") ? String(url.dropLast()) : url
            messages.publicURL = publicURL!
            security.https = url.lowercased().hasPrefix("https://")
        }
        benchPython = value("ROLLBOOK_BENCH_PYTHON")

        // Messages.
        if let delays = value("ROLLBOOK_MESSAGE_RETRY_DELAYS") {
            let parts = delays.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else {
                throw bad("ROLLBOOK_MESSAGE_RETRY_DELAYS", "must be seconds separated by commas, e.g. 60,300,900,3600")
            }
            messages.retryDelays = parts.map { $0! }
        }
        if let i = value("ROLLBOOK_OUTBOX_INTERVAL") {
            guard let n = Double(i), n > 0 else { throw bad("ROLLBOOK_OUTBOX_INTERVAL", "must be a number of seconds above 0") }
            messages.interval = n
        }
        if let host = value("ROLLBOOK_SMTP_HOST") {
            let security: SMTPSettings.Security
            switch (value("ROLLBOOK_SMTP_SECURITY") ?? "starttls").lowercased() {
            case "starttls": security = .startTLS
            case "tls": security = .tls
            case "none": security = .none
            default: throw bad("ROLLBOOK_SMTP_SECURITY", "must be starttls, tls or none")
            }
            let port: Int
            if let p = value("ROLLBOOK_SMTP_PORT") {
                guard let n = Int(p), (1...65535).contains(n) else { throw bad("ROLLBOOK_SMTP_PORT", "must be a port number, 1 to 65535") }
                port = n
            } else {
                port = security == .tls ? 465 : 587
            }
            guard let from = value("ROLLBOOK_SMTP_FROM"), from.contains("@") else {
                throw bad("ROLLBOOK_SMTP_FROM", "the sender's email address is required with ROLLBOOK_SMTP_HOST")
            }
            let user = value("ROLLBOOK_SMTP_USERNAME")
            let password = value("ROLLBOOK_SMTP_PASSWORD")
            guard (user == nil) == (password == nil) else {
                throw bad("ROLLBOOK_SMTP_PASSWORD", "set both the username and the password, or neither")
            }
            messages.smtp = SMTPSettings(
                host: host, port: port, security: security, username: user, password: password, from: from,
                fromName: value("ROLLBOOK_SMTP_FROM_NAME") ?? "School office", extraCAFile: value("ROLLBOOK_SMTP_CA_FILE"))
        }
        if let key = value("ROLLBOOK_NOTIFY_API_KEY") {
            let email = value("ROLLBOOK_NOTIFY_EMAIL_TEMPLATE")
            let sms = value("ROLLBOOK_NOTIFY_SMS_TEMPLATE")
            guard email != nil || sms != nil else {
                throw bad(
                    "ROLLBOOK_NOTIFY_SMS_TEMPLATE",
                    "give a Notify template id for SMS or email (ROLLBOOK_NOTIFY_EMAIL_TEMPLATE) with the API key")
            }
            messages.notify = NotifySettings(
                baseURL: value("ROLLBOOK_NOTIFY_URL") ?? "https://api.notifications.service.gov.uk", apiKey: key,
                emailTemplateID: email, smsTemplateID: sms)
        }

        // Sessions and proxies.
        func positive(_ k: String) throws -> Double? {
            guard let v = value(k) else { return nil }
            guard let n = Double(v), n > 0 else { throw bad(k, "must be a positive number") }
            return n
        }
        if let m = try positive("ROLLBOOK_SESSION_IDLE_MINUTES") { security.sessionIdle = m * 60 }
        if let h = try positive("ROLLBOOK_SESSION_HOURS") { security.sessionLifetime = h * 3600 }
        for p in (env["ROLLBOOK_TRUSTED_PROXIES"] ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) })
        where !p.isEmpty {
            guard p.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == ":" }) else {
                throw bad("ROLLBOOK_TRUSTED_PROXIES", "'\(p)' is not an IP address")
            }
            security.trustedProxies.insert(p.lowercased())
        }
    }

    /// `--database PATH`, else `ROLLBOOK_DATABASE`, else `DATABASE_URL` (PostgreSQL), else ./rollbook.sqlite.
    public func database(path: String?) -> DatabaseLocation {
        if let path, !path.isEmpty { return .sqlite(path: path) }
        if let sqlitePath { return .sqlite(path: sqlitePath) }
        if let postgresURL { return .postgres(url: postgresURL) }
        return .sqlite(path: "rollbook.sqlite")
    }

    /// Logs go to standard error, so command output on standard output stays clean: at `level`, unless
    /// `ROLLBOOK_LOG_LEVEL` says otherwise. Once per process.
    public func bootstrapLogging(_ level: Logger.Level) {
        let chosen = logLevel ?? level
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = chosen
            return h
        }
    }
}
