import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import RollbookCore
import RollbookStore
import Vapor

/// `/api/v1/webhooks`: the attendance lead or head subscribes a URL to events. Each delivery is a JSON POST signed
/// with the subscription's secret: `X-Rollbook-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
struct WebhooksController {
    struct CreateDTO: Content {
        var url: String?
        var events: [String]?
    }
    struct CreatedDTO: Content {
        var id: Int
        var url: String
        var events: [String]
        var secret: String
    }
    struct WebhookDTO: Content {
        var id: Int
        var url: String
        var events: [String]
        var active: Bool
        var createdBy: String
        var createdAt: String
    }
    struct DeliveryDTO: Content {
        var id: Int
        var event: String
        var state: String
        var attempts: Int
        var nextAttemptAt: String
        var lastStatus: Int?
        var lastError: String?
        var createdAt: String
        var payload: String
    }

    func user(_ req: Request) throws -> StaffUser {
        let u = try req.auth.require(StaffUser.self)
        guard u.can(.managePolicy) else {
            throw APIError(.forbidden, field: nil, reason: "only the attendance lead or the head manage webhooks")
        }
        return u
    }

    /// An https address, or http only to this machine (a local relay).
    static func checkURL(_ text: String?) throws -> String {
        guard let text, !text.isEmpty else { throw APIError.invalid("url", "is required") }
        guard text.count <= 2000, let u = URL(string: text), let scheme = u.scheme?.lowercased(), let host = u.host, !host.isEmpty,
            u.user == nil, u.password == nil
        else { throw APIError.invalid("url", "'\(text.prefix(100))' is not an absolute http(s) address") }
        let local = ["127.0.0.1", "localhost", "::1"].contains(host.lowercased())
        guard scheme == "https" || (scheme == "http" && local) else {
            throw APIError.invalid("url", "must be an https:// address (http:// only to this machine)")
        }
        if scheme == "https", Self.isInternal(host) {
            throw APIError.invalid("url", "\(host) is a private, loopback or link-local address: give the receiver's public name")
        }
        return text
    }

    /// An IP literal in a private, loopback, link-local or unspecified range. (A name is not resolved here.)
    static func isInternal(_ host: String) -> Bool {
        let h = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        let parts = h.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        if parts.count == 4, parts.allSatisfy({ $0 != nil && (0...255).contains($0!) }) {
            let (a, b) = (parts[0]!, parts[1]!)
            return a == 0 || a == 10 || a == 127 || (a == 169 && b == 254) || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168)
                || (a == 100 && (64...127).contains(b))
        }
        guard h.contains(":") else { return false }
        return h == "::1" || h == "::" || h.hasPrefix("fc") || h.hasPrefix("fd") || h.hasPrefix("fe8") || h.hasPrefix("fe9")
            || h.hasPrefix("fea") || h.hasPrefix("feb") || h.hasPrefix("::ffff:")
    }

    static func checkEvents(_ names: [String]?) throws -> [WebhookEvent] {
        guard let names, !names.isEmpty else {
            throw APIError.invalid("events", "list at least one of \(WebhookEvent.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var out: [WebhookEvent] = []
        for (i, n) in names.enumerated() {
            guard let e = WebhookEvent(rawValue: n) else {
                throw APIError.invalid(
                    "events[\(i)]", "'\(n.prefix(50))' is not one of \(WebhookEvent.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !out.contains(e) { out.append(e) }
        }
        return out
    }

    func list(req: Request) async throws -> [WebhookDTO] {
        let u = try user(req)
        return try await req.store.webhooks(schoolID: u.schoolID).map {
            WebhookDTO(
                id: $0.id, url: $0.url, events: $0.events.map(\.rawValue), active: $0.active, createdBy: $0.createdBy,
                createdAt: $0.createdAt)
        }
    }

    func create(req: Request) async throws -> Response {
        let u = try user(req)
        let body = try req.content.decode(CreateDTO.self)
        let url = try Self.checkURL(body.url)
        let events = try Self.checkEvents(body.events)
        let secret = Data([UInt8].random(count: 32)).base64EncodedString()
        let id = try await req.store.createWebhook(
            schoolID: u.schoolID, url: url, events: events, secret: secret, by: u.name,
            at: req.clock.now().timestamp)
        let r = try await CreatedDTO(id: id, url: url, events: events.map(\.rawValue), secret: secret).encodeResponse(for: req)
        r.status = .created
        return r
    }

    func id(_ req: Request) throws -> Int {
        guard let s = req.parameters.get("id"), let id = Int(s) else { throw APIError.invalid("id", "must be a webhook's number") }
        return id
    }

    func remove(req: Request) async throws -> HTTPStatus {
        let u = try user(req)
        guard try await req.store.deactivateWebhook(schoolID: u.schoolID, id: try id(req)) else {
            throw APIError(.notFound, field: "id", reason: "no webhook \(try id(req)) at this school")
        }
        return .noContent
    }

    func deliveries(req: Request) async throws -> [DeliveryDTO] {
        let u = try user(req)
        let id = try id(req)
        // A deleted webhook is gone from the API; its deliveries stay in the database as the record.
        guard let hook = try await req.store.webhooks(schoolID: u.schoolID).first(where: { $0.id == id }) else {
            throw APIError(.notFound, field: "id", reason: "no webhook \(id) at this school")
        }
        guard hook.active else { throw APIError(.notFound, field: "id", reason: "webhook \(id) was deleted") }
        return try await req.store.webhookDeliveries(schoolID: u.schoolID, webhookID: id).map {
            DeliveryDTO(
                id: $0.id, event: $0.event, state: $0.state.rawValue, attempts: $0.attempts, nextAttemptAt: $0.nextAttemptAt,
                lastStatus: $0.lastStatus, lastError: $0.lastError, createdAt: $0.createdAt, payload: $0.payload)
        }
    }
}

/// Sends due webhook deliveries: each claimed by one instance, signed, retried after the message retry delays.
enum WebhookSender {
    /// Its own client: a receiver's redirect is not followed (it could point inside the network).
    static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    static func signature(secret: String, timestamp: Int, body: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    static func runPass(app: Application) async {
        let now = app.options.clock.now().instant
        let delays = app.options.messages.retryDelays
        do {
            for d in try await app.store.claimDueDeliveries(now: now) {
                var request = HTTPClientRequest(url: d.url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "User-Agent", value: "rollbook-webhooks")
                request.headers.add(name: "X-Rollbook-Event", value: d.event)
                request.headers.add(name: "X-Rollbook-Delivery", value: String(d.id))
                request.headers.add(
                    name: "X-Rollbook-Signature",
                    value: signature(secret: d.secret, timestamp: Int(now.timeIntervalSince1970), body: d.payload))
                request.body = .bytes(ByteBuffer(string: d.payload))
                var status: Int?
                var error: String?
                do {
                    let response: HTTPClientResponse = try await client.execute(
                        request, deadline: NIODeadline.now() + TimeAmount.seconds(10))
                    let code = Int(response.status.code)
                    status = code
                    _ = try? await response.body.collect(upTo: 64 * 1024)
                    if !(200..<300).contains(code) { error = "HTTP \(code) \(response.status.reasonPhrase)" }
                } catch let e {
                    error = String(String(describing: e).prefix(500))
                }
                let retryAt = error == nil || d.attempts >= delays.count ? nil : now.addingTimeInterval(delays[d.attempts])
                try await app.store.finishDelivery(
                    id: d.id, delivered: error == nil, status: status, error: error, retryAt: retryAt, at: now)
                if let error { app.logger.warning("Webhook delivery \(d.id) to \(d.url): \(error)") }
            }
        } catch {
            app.logger.error("Webhook pass failed: \(error)")
        }
    }
}
