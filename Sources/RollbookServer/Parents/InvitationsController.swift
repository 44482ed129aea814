import Fluent
import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/pupils/:upn/contacts/:priority/invite`: inviting a contact to the parent portal.
struct InvitationsController {
    /// Invites a contact with parental responsibility to the portal: a one-time link by email, valid 14 days.
    func invite(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let upn = req.parameters.get("upn") ?? ""
        guard let p = try await req.store.pupil(schoolID: u.schoolID, upn: upn) else {
            throw Abort(.notFound, reason: "No pupil with UPN \(upn).")
        }
        let priority = req.parameters.get("priority", as: Int.self)
        guard let c = try await req.store.contacts(pupilID: p.id!).first(where: { $0.priority == priority }) else {
            throw APIError.invalid("priority", "no contact with that priority")
        }
        guard c.parentalResponsibility else {
            throw APIError.invalid("priority", "\(c.name) does not have parental responsibility: only those who do get an account")
        }
        guard !c.email.isEmpty else { throw APIError.invalid("priority", "\(c.name) has no email address on the admission register") }
        let now = req.clock.now()
        let token = APIToken.generate()
        let account = try await req.store.inviteParent(
            schoolID: u.schoolID, email: c.email, name: c.name, tokenHash: APIToken.hash(token),
            expiresAt: OutboxTime.string(now.instant.addingTimeInterval(14 * 24 * 3600)),
            by: u.actor, at: now.timestamp)
        let link = "\(req.application.options.messages.publicURL)/parent/invitation/\(token)"
        let school = try await req.store.school(u.schoolID).name
        let (subject, body) = MessageText.invitation(name: c.name, school: school, link: link)
        try await req.store.enqueue([
            OutboxRow(
                schoolID: u.schoolID, pupilID: p.id!, template: .portalInvitation, channel: "email", recipient: c.email,
                recipientName: c.name, contactPriority: c.priority, subject: subject, body: body, dedupeKey: nil,
                about: "invitation:\(account.id!)", at: now.instant)
        ])
        var flash = "Invitation to the parent portal queued for \(c.name) (\(c.email))."
        if req.application.options.demoMode { flash += " Demo: the link is \(link)" }
        req.session.data["flash"] = flash
        return req.redirect(to: "/pupils/\(p.upn)")
    }
}
