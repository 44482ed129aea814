import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/reply/:token`: the one-time link in a message, giving a reason for a day's absence without signing in.
struct ReplyController {
    func link(_ req: Request) async throws -> (ReplyLinkRow, PupilRow) {
        let token = req.parameters.get("token") ?? ""
        let now = req.clock.now()
        guard let link = try await req.store.replyLink(tokenHash: APIToken.hash(token)), link.usedAt == nil,
            link.expiresAt >= OutboxTime.string(now.instant),
            let p = try await PupilRow.find(link.pupilID, on: req.db)
        else {
            throw Abort(.gone, reason: "This link has been used or has expired. Please phone the school office instead.")
        }
        return (link, p)
    }

    func replyView(_ req: Request, _ link: ReplyLinkRow, _ p: PupilRow, form: AbsenceReporting.Form, error: APIError?) async throws -> View
    {
        let forename = p.preferredForename.isEmpty ? p.legalForename : p.preferredForename
        let day = link.day
        return try await req.render(
            "Parents/parent-report", title: "Why is \(forename) absent?",
            AbsenceReporting.FormPage(
                child: nil, pupilName: forename, action: "/reply/\(req.parameters.get("token") ?? "")",
                today: ParentWords.date(day), categories: AbsenceReporting.categories, form: form,
                error: error?.reason, errorField: error?.field, oneDay: true))
    }

    func replyPage(req: Request) async throws -> View {
        let (link, p) = try await link(req)
        return try await replyView(req, link, p, form: AbsenceReporting.Form(sessions: "both"), error: nil)
    }

    func reply(req: Request) async throws -> Response {
        let (link, p) = try await link(req)
        let form = try req.content.decode(AbsenceReporting.Form.self)
        let now = req.clock.now()
        let day = link.day
        do {
            let (from, to, sessions, category, note, back) = try AbsenceReporting.validate(form, today: min(day, now.date), fixedDay: day)
            let row = AbsenceReporting.reportRow(
                pupilID: p.id!, by: link.contactName, via: "link", from: from, to: to, sessions: sessions,
                category: category, note: note, back: back, at: now.timestamp)
            guard try await req.store.redeemReplyLink(id: link.id!, report: row, at: now.timestamp) else {
                throw Abort(.gone, reason: "This link has already been used.")
            }
            try await AbsenceReporting.recordContact(req, pupilID: p.id!, report: row, at: now)
            return try await req.render(
                "Parents/parent-done", title: "Thank you",
                [
                    "message":
                        "Thank you. The school office has your reason for \(p.preferredForename.isEmpty ? p.legalForename : p.preferredForename)'s absence on \(ParentWords.date(day)) and will record it. This link cannot be used again."
                ]
            )
            .encodeResponse(for: req)
        } catch let e as APIError {
            let r = try await replyView(req, link, p, form: form, error: e).encodeResponse(for: req)
            r.status = .unprocessableEntity
            return r
        }
    }
}
