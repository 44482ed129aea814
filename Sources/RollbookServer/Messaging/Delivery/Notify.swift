import AsyncHTTPClient
import Foundation
import JWTKit
import NIOCore
import NIOHTTP1

/// GOV.UK Notify (or an API compatible with its v2 API).
public struct NotifySettings: Sendable {
    public var baseURL: String
    /// `{key_name}-{service_id}-{secret_key}`, both ids 36-character UUIDs, as Notify's API integration page gives it.
    public var apiKey: String
    /// The email template: its subject is `((subject))`, its body `((body))`; `((name))` is the recipient's name.
    /// Nil when email does not go through Notify.
    public var emailTemplateID: String?
    /// The text message template: `((body))`, with `((name))`. Nil when SMS is not sent.
    public var smsTemplateID: String?
    /// Seconds for each request.
    public var timeout: Double

    public init(
        baseURL: String = "https://api.notifications.service.gov.uk", apiKey: String, emailTemplateID: String? = nil,
        smsTemplateID: String? = nil, timeout: Double = 30
    ) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.emailTemplateID = emailTemplateID
        self.smsTemplateID = smsTemplateID
        self.timeout = timeout
    }
}

/// A Notify setting that cannot work. The API key itself is never repeated in the message.
public enum NotifyConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case apiKey(String)
    case baseURL(String)
    case templateID(String)

    public var description: String {
        switch self {
        case .apiKey(let why): "Notify API key: \(why)"
        case .baseURL(let why): "Notify base URL: \(why)"
        case .templateID(let why): "Notify template id: \(why)"
        }
    }
}

/// The parts of a Notify API key: `{key_name}-{service_id}-{secret_key}`.
struct NotifyAPIKey: Sendable, Equatable {
    var name: String
    var serviceID: String
    var secret: String

    init(parsing key: String) throws(NotifyConfigurationError) {
        let key = key.trimmingCharacters(in: .whitespacesAndNewlines)
        let shape = "expected {key_name}-{service_id}-{secret_key}, each id a 36-character UUID"
        // name, "-", 36, "-", 36
        guard key.count >= 75 else {
            throw .apiKey("too short (\(key.count) characters); \(shape)")
        }
        let secret = String(key.suffix(36))
        let rest = key.dropLast(37)
        let serviceID = String(rest.suffix(36))
        let name = rest.dropLast(37)
        guard key.dropLast(36).hasSuffix("-"), rest.dropLast(36).hasSuffix("-"), !name.isEmpty else {
            throw .apiKey("the parts are not separated by hyphens where expected; \(shape)")
        }
        guard UUID(uuidString: serviceID) != nil else { throw .apiKey("the service id is not a UUID; \(shape)") }
        guard UUID(uuidString: secret) != nil else { throw .apiKey("the secret key is not a UUID; \(shape)") }
        self.name = String(name)
        self.serviceID = serviceID
        self.secret = secret
    }
}

/// The bearer token Notify wants on every request: an HS256 JWT with `iss` (the service id) and `iat` (now, in whole
/// seconds: Notify refuses a fractional `iat`), signed with the key's secret by jwt-kit.
enum NotifyJWT {
    struct Claims: JWTPayload {
        var iss: IssuerClaim
        var iat: IssuedAtClaim

        /// Notify checks `iat` itself (within 30 seconds of its clock); there is nothing to verify on this side.
        func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    static func token(serviceID: String, secret: String, issuedAt: Date) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let seconds = Date(timeIntervalSince1970: issuedAt.timeIntervalSince1970.rounded(.down))
        return try await keys.sign(Claims(iss: IssuerClaim(value: serviceID), iat: IssuedAtClaim(value: seconds)))
    }
}

/// Sends email and text messages through Notify's v2 API with the templates configured, the outbox's subject and body
/// as personalisation. 2xx is sent; 400, 403 and other 4xx are permanent; 429, 5xx and transport failures temporary.
public struct NotifyTransport: MessageTransport {
    public let settings: NotifySettings
    let key: NotifyAPIKey
    let client: HTTPClient
    let now: @Sendable () -> Date
    private let base: String

    public init(settings: NotifySettings, client: HTTPClient, now: @escaping @Sendable () -> Date = { Date() })
        throws(NotifyConfigurationError)
    {
        key = try NotifyAPIKey(parsing: settings.apiKey)
        var base = settings.baseURL.trimmingCharacters(in: .whitespaces)
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw .baseURL("\(settings.baseURL) is not an http(s) URL")
        }
        for (channel, id) in [("email", settings.emailTemplateID), ("sms", settings.smsTemplateID)] {
            if let id, UUID(uuidString: id) == nil { throw .templateID("the \(channel) template id \(id) is not a UUID") }
        }
        self.settings = settings
        self.base = base
        self.client = client
        self.now = now
    }

    public func send(_ m: OutgoingMessage) async throws -> DeliveryOutcome {
        let path: String
        let body: Data
        switch m.channel {
        case .email:
            guard let template = settings.emailTemplateID else { throw DeliveryError.permanent("no Notify email template is configured") }
            path = "/v2/notifications/email"
            body = try Self.emailBody(m, templateID: template)
        case .sms:
            guard let template = settings.smsTemplateID else { throw DeliveryError.permanent("no Notify SMS template is configured") }
            path = "/v2/notifications/sms"
            body = try Self.smsBody(m, templateID: template)
        }
        let (status, data) = try await perform(.POST, path, body: body)
        guard (200..<300).contains(status.code) else { throw Self.failure(status, data) }
        let id = data.flatMap { try? JSONDecoder().decode(Created.self, from: $0) }?.id
        return .sent(providerID: id)
    }

    /// What became of a notification Notify accepted: `delivered`; `failed` with Notify's status for a permanent,
    /// temporary or technical failure (Notify has stopped trying); otherwise `pending`.
    public func status(providerID: String) async throws -> DeliveryStatus {
        guard UUID(uuidString: providerID) != nil else { throw DeliveryError.permanent("\(providerID) is not a Notify notification id") }
        let (status, data) = try await perform(.GET, "/v2/notifications/\(providerID)", body: nil)
        guard status == .ok, let data else { throw Self.failure(status, data) }
        guard let state = (try? JSONDecoder().decode(NotificationState.self, from: data))?.status else {
            throw DeliveryError.temporary("Notify's answer for \(providerID) has no status")
        }
        return Self.deliveryStatus(state)
    }

    static func deliveryStatus(_ state: String) -> DeliveryStatus {
        switch state {
        case "delivered": .delivered
        case "permanent-failure", "temporary-failure", "technical-failure": .failed(state)
        default: .pending
        }
    }

    // MARK: Requests

    private struct Created: Decodable { var id: String }
    private struct NotificationState: Decodable { var status: String }
    private struct Failure: Decodable {
        struct Item: Decodable {
            var error: String?
            var message: String?
        }
        var errors: [Item]?
    }

    private struct EmailRequest: Encodable {
        var emailAddress: String
        var templateID: String
        var personalisation: [String: String]
        var reference: String
        enum CodingKeys: String, CodingKey {
            case emailAddress = "email_address"
            case templateID = "template_id"
            case personalisation, reference
        }
    }
    private struct SMSRequest: Encodable {
        var phoneNumber: String
        var templateID: String
        var personalisation: [String: String]
        var reference: String
        enum CodingKeys: String, CodingKey {
            case phoneNumber = "phone_number"
            case templateID = "template_id"
            case personalisation, reference
        }
    }

    static func reference(_ m: OutgoingMessage) -> String { "rollbook-\(m.id)" }

    static func emailBody(_ m: OutgoingMessage, templateID: String) throws -> Data {
        try encode(
            EmailRequest(
                emailAddress: m.recipient, templateID: templateID,
                personalisation: ["subject": m.subject, "body": m.body, "name": m.recipientName],
                reference: reference(m)))
    }

    static func smsBody(_ m: OutgoingMessage, templateID: String) throws -> Data {
        try encode(
            SMSRequest(
                phoneNumber: m.recipient, templateID: templateID,
                personalisation: ["body": m.body, "name": m.recipientName], reference: reference(m)))
    }

    private static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return try encoder.encode(value) } catch { throw DeliveryError.permanent("could not encode the request: \(error)") }
    }

    /// The request with a fresh token; the status and the body (nil if it could not be read). Transport failures
    /// are temporary.
    private func perform(_ method: HTTPMethod, _ path: String, body: Data?) async throws -> (HTTPResponseStatus, Data?) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        let token: String
        do {
            token = try await NotifyJWT.token(serviceID: key.serviceID, secret: key.secret, issuedAt: now())
        } catch {
            throw DeliveryError.permanent("could not sign the Notify token: \(error)")
        }
        request.headers.add(name: "Authorization", value: "Bearer " + token)
        request.headers.add(name: "User-Agent", value: "rollbook")
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        let deadline = NIODeadline.now() + .milliseconds(Int64(max(settings.timeout, 0.1) * 1000))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: deadline)
        } catch {
            throw DeliveryError.temporary("Notify \(method.rawValue) \(path): \(error)")
        }
        do {
            let buffer = try await response.body.collect(upTo: 1 << 20)
            return (response.status, Data(buffer.readableBytesView))
        } catch {
            // A 2xx whose body was lost is still a message sent; anything else is the failure its status says.
            return (response.status, nil)
        }
    }

    /// A non-2xx answer as a delivery error, with Notify's own messages.
    static func failure(_ status: HTTPResponseStatus, _ data: Data?) -> DeliveryError {
        let items = data.flatMap { try? JSONDecoder().decode(Failure.self, from: $0) }?.errors ?? []
        let detail = items.map { [$0.error, $0.message].compactMap { $0 }.joined(separator: ": ") }.filter { !$0.isEmpty }
        let what = "Notify \(status.code)" + (detail.isEmpty ? " \(status.reasonPhrase)" : ": " + detail.joined(separator: "; "))
        switch status.code {
        case 429, 500..<600: return .temporary(what)
        case 400..<500: return .permanent(what)
        default: return .temporary(what)
        }
    }
}
