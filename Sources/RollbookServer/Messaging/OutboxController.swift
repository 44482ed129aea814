import Fluent
import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/outbox`: every message the school has sent or will send, and how it went.
struct OutboxController {
    struct OutboxContent: Encodable {
        struct Line: Encodable {
            var id: Int
            var created: String
            var template: String
            var channel: String
            var recipient: String
            var recipientName: String
            var subject: String
            var state: String
            var stateTone: String
            var attempts: Int
            var lastError: String?
            var upn: String?
            var pupil: String?
        }
        var lines: [Line]
        var counts: [Count]
        var state: String?
        var configured: String
        struct Count: Encodable {
            var state: String
            var n: Int
            var link: String
        }
    }

    func outbox(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let state = req.query[String.self, at: "state"].flatMap(OutboxState.init(rawValue:))
        let rows = try await req.store.outbox(schoolID: u.schoolID, state: state)
        let ids = Array(Set(rows.compactMap(\.pupilID)))
        let pupils =
            ids.isEmpty
            ? [:]
            : Dictionary(
                try await PupilRow.query(on: req.db).filter(\.$id ~~ ids).all().map { ($0.id!, $0) },
                uniquingKeysWith: { a, _ in a })
        let counts = try await req.store.outboxCounts(schoolID: u.schoolID)
        let t = req.application.transports
        var channels: [String] = []
        if let s = req.application.options.messages.smtp {
            channels.append("email through SMTP (\(s.host):\(s.port))")
        } else if t.email != nil {
            channels.append("email through GOV.UK Notify")
        }
        if t.sms != nil { channels.append("SMS through GOV.UK Notify") }
        let configured =
            channels.isEmpty
            ? "No channel is configured: messages wait here until one is (see the README, 'Messages')."
            : "Sending " + channels.joined(separator: " and ") + "."
        return try await req.render(
            "Messaging/outbox", title: "Outbox",
            OutboxContent(
                lines: rows.map { m in
                    let p = m.pupilID.flatMap { pupils[$0] }
                    return .init(
                        id: m.id!, created: String(m.createdAt.prefix(16)).replacingOccurrences(of: "T", with: " "),
                        template: MessageTemplate(rawValue: m.template)?.title ?? m.template, channel: m.channel == "sms" ? "SMS" : "Email",
                        recipient: m.recipient, recipientName: m.recipientName, subject: m.subject, state: m.state,
                        stateTone: [.sent, .delivered].contains(m.status) ? "present" : m.status == .failed ? "unauthorised" : "none",
                        attempts: m.attempts, lastError: m.lastError, upn: p?.upn, pupil: p?.displayName)
                },
                counts: OutboxState.allCases.map { .init(state: $0.rawValue, n: counts[$0] ?? 0, link: "/outbox?state=\($0.rawValue)") },
                state: state?.rawValue, configured: configured))
    }
}
