import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/pupils/:upn/truancy`: a pupil who left the site without permission is recorded as a truancy of its own, and the
/// people the policy's `truancy.notify` names are told at once (seed 004: the headteacher, and the parents).
struct TruancyController {
    struct Form: Content {
        var date: String
        /// `am` or `pm`.
        var session: String
        var note: String?
    }

    func record(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await req.pupil(u)
        let form = try req.content.decode(Form.self)
        let now = req.clock.now()
        let date = try parseDate(form.date, field: "date")
        guard date <= now.date else { throw APIError.invalid("date", "\(date) is in the future: record what has happened") }
        guard p.enrolment.isOnRoll(date) else { throw APIError.invalid("date", "\(p.displayName) is not on roll on \(date)") }
        let session: Session =
            switch form.session.lowercased() {
            case "am": .am
            case "pm": .pm
            default: throw APIError.invalid("session", "choose am or pm")
            }
        let note = (form.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard note.count <= 1000 else { throw APIError.invalid("note", "keep the note under 1,000 characters") }
        let entry = CaseworkRow(
            pupilID: p.id!, kind: .truancy, actionKey: nil, happenedOn: date,
            summary: "Left the site without permission (\(session.rawValue))\(note.isEmpty ? "" : ": \(note)")",
            outcome: TruancyRecord.Kind.leftSite.rawValue, sessions: [(date, session)], recordedAt: now.timestamp, by: u.actor)
        try await req.store.addCasework(entry)
        let policy = try await req.store.policy(schoolID: u.schoolID, on: date)
        var told: [String] = []
        let school = try await req.store.school(p.schoolID).name
        if policy.truancyNotifies(.head) {
            let heads = try await req.store.staff(schoolID: u.schoolID).filter { $0.role == Role.head.rawValue && !$0.email.isEmpty }
            let rows = heads.map { h in
                OutboxRow(
                    schoolID: p.schoolID, pupilID: p.id!, caseworkID: entry.id, template: .truancyNotice, channel: "email",
                    recipient: h.email, recipientName: h.name,
                    subject: "Truancy: \(p.displayName) left the site without permission",
                    body:
                        "\(p.displayName) (\(p.form)) left the site without permission on \(ParentWords.date(date)), \(session == .am ? "morning" : "afternoon"). Recorded by \(u.name), \(u.position)\(note.isEmpty ? "" : ": \(note)").\n\n\(school)",
                    dedupeKey: "truancy:\(entry.id!):head:\(h.id!)", about: "casework:\(entry.id!)", at: now.instant)
            }
            if try await req.store.enqueue(rows).count > 0 { told.append("the head") }
        }
        if policy.truancyNotifies(.parents) {
            let (subject, body) = MessageText.truancy(p, date: date, session: session, school: school)
            let n = try await Outbox.toParents(
                store: req.store, pupil: p, template: .truancyNotice, subject: subject, body: body, caseworkID: entry.id,
                about: "casework:\(entry.id!)", dedupe: "truancy:\(entry.id!):parent", at: now.instant)
            if n > 0 { told.append("\(n) parent\(n == 1 ? "" : "s")") }
        }
        req.session.data["flash"] =
            "Truancy recorded for \(p.displayName)." + (told.isEmpty ? "" : " Emailed to \(told.joined(separator: " and ")).")
        return req.redirect(to: "/pupils/\(p.upn)")
    }
}
