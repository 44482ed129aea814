import Crypto
import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Sessions, sign-in throttling and the transport-level settings (read from the environment by `Settings`).
public struct SecuritySettings: Sendable, Equatable {
    /// A session unused this long (seconds) ends.
    public var sessionIdle: Double = 60 * 60
    /// A session ends this long (seconds) after sign-in, however busy.
    public var sessionLifetime: Double = 12 * 3600
    /// Served to browsers over TLS (`ROLLBOOK_PUBLIC_URL` is https): Secure cookies and HSTS.
    public var https = false
    /// Failed sign-ins allowed per account, and per client address, within `throttleWindow` seconds.
    public var perAccount = 5
    public var perAddress = 20
    public var throttleWindow: Double = 15 * 60
    /// Proxies (load balancers) whose `X-Forwarded-For` is believed, besides this machine.
    public var trustedProxies: Set<String> = []

    public init() {}
}

/// Web sessions kept in the database: shared by every instance, ended after `sessionIdle` without use or
/// `sessionLifetime` after sign-in. Only a hash of the id is stored.
struct DatabaseSessions: SessionDriver {
    struct Seen: StorageKey { typealias Value = (hash: String, data: String, seenAt: Double) }
    /// A session used again within this many seconds, unchanged, is not written back.
    static let touchEvery: Double = 60

    let settings: SecuritySettings

    static func hash(_ id: SessionID) -> String { SHA256.hash(data: Data(id.string.utf8)).map { String(format: "%02x", $0) }.joined() }
    static func now(_ req: Request) -> Double { req.clock.now().instant.timeIntervalSince1970 }
    static func encode(_ data: SessionData) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys  // the same data, the same text: an unchanged session is not written back
        return String(decoding: try e.encode(data), as: UTF8.self)
    }

    func createSession(_ data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        request.eventLoop.makeFutureWithTask {
            let id = SessionID(
                string: Data([UInt8].random(count: 32)).base64EncodedString()
                    .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
                        of: "=", with: ""))
            try await request.store.createWebSession(idHash: Self.hash(id), data: try Self.encode(data), at: Self.now(request))
            return id
        }
    }

    func readSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<SessionData?> {
        request.eventLoop.makeFutureWithTask {
            let hash = Self.hash(sessionID)
            guard let s = try await request.store.webSession(idHash: hash) else { return nil }
            let now = Self.now(request)
            if now - s.seenAt > settings.sessionIdle || now - s.createdAt > settings.sessionLifetime {
                try await request.store.deleteWebSession(idHash: hash)
                return nil
            }
            request.storage[Seen.self] = (hash, s.data, s.seenAt)
            return try JSONDecoder().decode(SessionData.self, from: Data(s.data.utf8))
        }
    }

    func updateSession(_ sessionID: SessionID, to data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        request.eventLoop.makeFutureWithTask {
            let text = try Self.encode(data)
            let now = Self.now(request)
            if let seen = request.storage[Seen.self], seen.hash == Self.hash(sessionID), seen.data == text,
                now - seen.seenAt < Self.touchEvery
            {
                return sessionID
            }
            try await request.store.updateWebSession(idHash: Self.hash(sessionID), data: text, at: now)
            return sessionID
        }
    }

    func deleteSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<Void> {
        request.eventLoop.makeFutureWithTask { try await request.store.deleteWebSession(idHash: Self.hash(sessionID)) }
    }
}

/// Failed sign-ins are counted per account and per client address in the database; past the limit, sign-in is
/// refused (429) without checking the password until the window has passed.
enum SignInThrottle {
    enum Portal: String { case staff, parent, pupil }

    /// The client's address: the peer; behind proxies on this machine or in `ROLLBOOK_TRUSTED_PROXIES`, the nearest
    /// address in `X-Forwarded-For` that is not one of them (nearer entries cannot be forged by the client).
    static func address(_ req: Request) -> String {
        let trusted = req.application.options.security.trustedProxies.union(["127.0.0.1", "::1"])
        let peer = req.remoteAddress?.ipAddress ?? "unknown"
        guard trusted.contains(peer.lowercased()) else { return peer }
        let chain = req.headers[.xForwardedFor].flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        return chain.reversed().first { !trusted.contains($0.lowercased()) } ?? peer
    }

    static func account(_ portal: Portal, _ email: String) -> String {
        "\(portal.rawValue):\(email.trimmingCharacters(in: .whitespaces).lowercased())"
    }

    /// One sign-in attempt, counted as a failure from before the password is checked, so attempts sent all at once
    /// are all counted.
    struct Attempt {
        var ids: [Int]
        /// When sign-in may next be tried, if this attempt is refused without checking the password.
        var refusedUntil: Date?
    }

    static func begin(_ req: Request, _ portal: Portal, email: String) async throws -> Attempt {
        let s = req.application.options.security
        let now = DatabaseSessions.now(req)
        let keys = [("account", account(portal, email), s.perAccount), ("address", address(req), s.perAddress)]
        let ids = try await req.store.recordSignInFailure(keys.map { ($0.0, $0.1) }, at: now)
        for (scope, key, limit) in keys {
            let f = try await req.store.signInFailures(scope: scope, key: key, since: now - s.throttleWindow)
            // This attempt is one of them: refused when `limit` failures came before it.
            if f.count > limit, let earliest = f.earliest {
                // A refused attempt is not counted, so an attack does not keep the lock on for ever.
                try await req.store.deleteSignInFailures(ids: ids)
                return Attempt(ids: [], refusedUntil: Date(timeIntervalSince1970: earliest + s.throttleWindow))
            }
        }
        return Attempt(ids: ids, refusedUntil: nil)
    }

    /// A success forgets this attempt and the account's failures (not the address's).
    static func succeeded(_ req: Request, _ attempt: Attempt, _ portal: Portal, email: String) async throws {
        try await req.store.deleteSignInFailures(ids: attempt.ids)
        try await req.store.clearSignInFailures(scope: "account", key: account(portal, email))
    }

    /// "Too many failed sign-ins. Try again after 09:42."
    static func message(until: Date) -> String {
        "Too many failed sign-ins. Try again after \(SchoolNow.at(until).time.padded)."
    }
}

/// Security headers on every response: a CSP without inline script or style, frame denial, no sniffing, no caching
/// of pages with pupils' data, and HSTS when served over TLS.
struct SecurityHeadersMiddleware: AsyncMiddleware {
    let https: Bool

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let r = try await next.respond(to: request)
        r.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        r.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        r.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        r.headers.replaceOrAdd(name: "Cross-Origin-Opener-Policy", value: "same-origin")
        r.headers.replaceOrAdd(
            name: "Content-Security-Policy",
            value: "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                + "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
        // Static files carry an ETag and may be cached; everything else may hold personal data.
        if !r.headers.contains(name: .eTag), !r.headers.contains(name: .cacheControl) {
            r.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        if https { r.headers.replaceOrAdd(name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains") }
        return r
    }
}
