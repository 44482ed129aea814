import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `POST /pupils/:upn/pupil-account`: staff invite a pupil to their own attendance tracker, at the pupil's (school)
/// email address: a one-time link, valid 14 days, to set a password.
struct PupilInvitationsController {
    struct Form: Content {
        var email: String?
    }

    func invite(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await req.pupil(u)
        let email = try Self.email(try req.content.decode(Form.self).email)
        if try await req.store.pupilAccounts(email: email).contains(where: { $0.schoolID == u.schoolID && $0.pupilID != p.id! }) {
            throw APIError.invalid("email", "another pupil's tracker account already uses \(email)")
        }
        let now = req.clock.now()
        let token = APIToken.generate()
        let account = try await req.store.invitePupil(
            schoolID: u.schoolID, pupilID: p.id!, email: email, tokenHash: APIToken.hash(token),
            expiresAt: OutboxTime.string(now.instant.addingTimeInterval(14 * 24 * 3600)), by: u.actor, at: now.timestamp)
        let link = "\(req.application.options.messages.publicURL)/pupil/invitation/\(token)"
        let school = try await req.store.school(u.schoolID).name
        let forename = p.preferredForename.isEmpty ? p.legalForename : p.preferredForename
        try await req.store.enqueue([
            OutboxRow(
                schoolID: u.schoolID, pupilID: p.id!, template: .pupilInvitation, channel: "email", recipient: email,
                recipientName: forename, contactPriority: nil, subject: "Your attendance tracker at \(school)",
                body: Self.body(forename: forename, school: school, link: link), dedupeKey: nil,
                about: "pupil-invitation:\(account.id!)", at: now.instant)
        ])
        var flash = "Invitation to the attendance tracker queued for \(forename) (\(email))."
        if req.application.options.demoMode { flash += " Demo: the link is \(link)" }
        req.session.data["flash"] = flash
        return req.redirect(to: "/pupils/\(p.upn)")
    }

    /// A plausible email address, lower-cased: something@domain.tld with no spaces.
    static func email(_ raw: String?) throws -> String {
        let e = (raw ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        guard !e.isEmpty else { throw APIError.invalid("email", "give the pupil's email address (their school email)") }
        let parts = e.split(separator: "@", omittingEmptySubsequences: false)
        guard e.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix("."), !e.contains(where: \.isWhitespace)
        else { throw APIError.invalid("email", "'\(e)' is not an email address") }
        return e
    }

    static func body(forename: String, school: String, link: String) -> String {
        """
        Hello \(forename),

        \(school) has made you an attendance tracker. It shows how often you have been in school each week, and your target.

        Choose your password with this link (it works once and stops working in 14 days):
        \(link)

        \(school)
        """
    }
}

/// On the pupil's page: whether the pupil has a tracker account, and the form to invite them.
struct PupilTrackerAccount: Encodable {
    var status: String
    var email: String
    var canInvite: Bool
    var invite: String
    /// The pupil's individual attendance target in force, in words, and whether this user may set one.
    var target: String?
    var canSetTarget: Bool

    static func load(_ store: Store, user u: StaffUser, pupil p: PupilRow, today: LocalDate) async throws -> PupilTrackerAccount {
        let a = try await store.pupilAccount(pupilID: p.id!)
        let status =
            a?.activatedAt != nil
            ? "Has a tracker account (\(a!.email))"
            : a.map { "Invited \($0.invitedAt.prefix(10)) (\($0.email))" } ?? "No tracker account"
        let t = try await store.individualTarget(pupilID: p.id!, on: today)
        return PupilTrackerAccount(
            status: status, email: a?.email ?? "", canInvite: u.can(.amendMarks),
            invite: a == nil ? "Invite" : a?.activatedAt == nil ? "Invite again" : "Send a new password link",
            target: t.map { "\(IndividualTargetsController.words($0.target)) from \($0.from), set by \($0.setBy)" },
            canSetTarget: u.can(.casework))
    }
}
