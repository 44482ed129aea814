import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/pupils/:upn/contact-attempts`: the office records a call to one of the pupil's contacts, reached or not. When every
/// contact has failed on an unexplained absence the worklist offers the policy's next steps (`day_one.all_contacts_failed`).
struct ContactAttemptController {
    struct Form: Content {
        var priority: Int
        /// `reached` or `failed`.
        var outcome: String
        var note: String?
    }

    func record(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await req.pupil(u)
        let form = try req.content.decode(Form.self)
        guard let c = try await req.store.contacts(pupilID: p.id!).first(where: { $0.priority == form.priority }) else {
            throw APIError.invalid("priority", "\(p.displayName) has no contact with priority \(form.priority)")
        }
        let note = (form.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard note.count <= 500 else { throw APIError.invalid("note", "keep the note under 500 characters") }
        let now = req.clock.now()
        let entry: CaseworkRow
        switch form.outcome {
        case "reached":
            entry = CaseworkRow(
                pupilID: p.id!, kind: .familyContact, actionKey: nil, happenedOn: now.date,
                summary: "Reached \(c.name) (\(c.relationship))\(note.isEmpty ? "" : ": \(note)")", parent: c.name,
                recordedAt: now.timestamp,
                by: u.actor)
        case "failed":
            entry = CaseworkRow(
                pupilID: p.id!, kind: .contactFailed, actionKey: nil, happenedOn: now.date,
                summary: "Could not reach \(c.name) (\(c.relationship)) on \(c.phone)\(note.isEmpty ? "" : ": \(note)")", parent: c.name,
                figure: Double(c.priority), recordedAt: now.timestamp, by: u.actor)
        default:
            throw APIError.invalid("outcome", "'\(form.outcome)' must be reached or failed")
        }
        try await req.store.addCasework(entry)
        req.session.data["flash"] =
            form.outcome == "reached" ? "Contact with \(c.name) recorded." : "Recorded: \(c.name) could not be reached."
        return req.redirect(to: "/pupils/\(p.upn)#contacts")
    }
}
