import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// One message as the outbox holds it, ready to send.
public struct OutgoingMessage: Sendable, Equatable {
    public enum Channel: String, Sendable, CaseIterable { case email, sms }
    /// The outbox row id: the Notify `reference` (`rollbook-<id>`) and part of the email's Message-ID.
    public var id: Int
    public var channel: Channel
    /// An email address, or a phone number for SMS.
    public var recipient: String
    public var recipientName: String
    public var subject: String
    /// Plain text; may contain non-ASCII ("£160", "Zoë").
    public var body: String
    /// The outbox template key, e.g. "day_one_absence", "leave_decision".
    public var template: String
    /// For letters: an HTML part sent by email beside the plain text (SMTP only; Notify sends the text).
    public var html: String?

    public init(
        id: Int, channel: Channel, recipient: String, recipientName: String, subject: String, body: String,
        template: String, html: String? = nil
    ) {
        self.id = id
        self.channel = channel
        self.recipient = recipient
        self.recipientName = recipientName
        self.subject = subject
        self.body = body
        self.template = template
        self.html = html
    }
}

public enum DeliveryOutcome: Sendable, Equatable {
    /// Accepted by the provider; `providerID` is the provider's id for it when it gives one (Notify's notification id,
    /// or the SMTP server's final reply, e.g. "2.0.0 Ok: queued as 4F3C21A0B").
    case sent(providerID: String?)
}

/// Why a message was not delivered.
/// `temporary`: try again later (connection refused, timeout, SMTP 4xx, HTTP 429/5xx).
/// `permanent`: never retry (SMTP 5xx, HTTP 400/403, a malformed message or recipient).
public enum DeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    case temporary(String)
    case permanent(String)

    public var description: String {
        switch self {
        case .temporary(let why): "temporary failure: \(why)"
        case .permanent(let why): "permanent failure: \(why)"
        }
    }
    public var isPermanent: Bool { if case .permanent = self { true } else { false } }
}

/// Delivers one message. Implementations throw `DeliveryError` only.
public protocol MessageTransport: Sendable {
    func send(_ m: OutgoingMessage) async throws -> DeliveryOutcome
}

/// What a provider says became of a message it accepted (GOV.UK Notify only; SMTP has no such check).
public enum DeliveryStatus: Sendable, Equatable {
    case pending
    case delivered
    case failed(String)
}

/// The transports for each channel, as configured. A channel without one cannot be sent.
public struct Transports: Sendable {
    public var email: (any MessageTransport)?
    public var sms: (any MessageTransport)?
    /// The Notify transport when Notify is configured, for status checks of what it accepted.
    public var notify: NotifyTransport?

    public init(email: (any MessageTransport)? = nil, sms: (any MessageTransport)? = nil, notify: NotifyTransport? = nil) {
        self.email = email
        self.sms = sms
        self.notify = notify
    }

    public func transport(for channel: OutgoingMessage.Channel) -> (any MessageTransport)? {
        switch channel {
        case .email: email
        case .sms: sms
        }
    }
}

/// Builds the transports from what is configured: email over SMTP when SMTP is set (else through Notify when Notify
/// has an email template), SMS through Notify when it has an SMS template. Throws when a Notify setting cannot work
/// (`NotifyConfigurationError`: a malformed API key, base URL or template id) or TLS cannot be set up
/// for SMTP, so a bad configuration is found at start-up rather than at the first send.
public func makeTransports(
    smtp: SMTPSettings?, notify: NotifySettings?, httpClient: HTTPClient,
    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
) throws -> Transports {
    let notifyTransport = try notify.map { settings throws in try NotifyTransport(settings: settings, client: httpClient) }
    let smtpTransport = try smtp.map { settings throws in try SMTPTransport(settings: settings, eventLoopGroup: eventLoopGroup) }
    let notifyEmail = notify?.emailTemplateID == nil ? nil : notifyTransport
    let notifySMS = notify?.smsTemplateID == nil ? nil : notifyTransport
    return Transports(email: smtpTransport ?? notifyEmail, sms: notifySMS, notify: notifyTransport)
}
