import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/pupils/:upn/evidence` (the office, attendance lead or head ask the family for evidence of an absence by hand, or record evidence received) and
/// `/evidence/:id` (a document the family sent).
struct EvidenceController {
    struct Form: Content {
        /// `request` or `received`.
        var action: String
        var from: String
        var to: String?
        /// `am`, `pm` or `both`.
        var sessions: String?
        var note: String?
    }

    func record(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await req.pupil(u)
        let form = try req.content.decode(Form.self)
        guard form.action == "request" || form.action == "received" else {
            throw APIError.invalid("action", "ask for evidence (request) or record evidence received (received)")
        }
        let now = req.clock.now()
        let (from, to) = try Reasons.days(from: form.from, to: form.to)
        guard to <= now.date else { throw APIError.invalid("to", "\(to) is in the future: evidence is for absences that have happened") }
        let which = try Reasons.sessions(form.sessions)
        // Only sessions marked as an absence: evidence is of the reason for one.
        let marks = try await req.store.marks(pupilID: p.id!, range: DateRange(from: from, to: to))
        let absent: [(LocalDate, Session)] = marks.compactMap { m in
            guard let code = AttendanceCode.lookup(m.code), code.isAbsence, let s = Session(rawValue: m.session),
                which.contains(s)
            else { return nil }
            return (m.day, s)
        }
        guard !absent.isEmpty else {
            throw APIError.invalid("from", "no absence is marked for \(p.displayName) from \(from) to \(to) (\(form.sessions ?? "both"))")
        }
        let note = (form.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let words = ParentWords.sessions(absent.map { (date: $0.0, session: $0.1) })
        if form.action == "request" {
            guard try await req.store.policy(schoolID: u.schoolID, on: now.date).evidence?.byHand == true else {
                throw APIError.invalid(
                    "action", "the school's policy does not ask for evidence by hand (evidence.by_hand), so no deadline would follow")
            }
            let entry = CaseworkRow(
                pupilID: p.id!, kind: .evidenceRequested, actionKey: nil, happenedOn: now.date,
                summary: "Evidence asked for by hand for \(words)\(note.isEmpty ? "" : ": \(note)")", outcome: "evidence.by_hand",
                sessions: absent, recordedAt: now.timestamp, by: u.actor)
            try await req.store.addCasework(entry)
            let school = try await req.store.school(p.schoolID).name
            let (subject, body) = MessageText.evidenceRequest(p, sessions: words, school: school)
            let n = try await Outbox.toParents(
                store: req.store, pupil: p, template: .letter, subject: subject, body: body, caseworkID: entry.id,
                about: "casework:\(entry.id!)", dedupe: "evidence:\(entry.id!)", at: now.instant)
            req.session.data["flash"] =
                "Evidence asked for (\(words))."
                + (n > 0
                    ? " Emailed to \(n) parent\(n == 1 ? "" : "s")." : " No parent has an email address: tell them by phone or letter.")
        } else {
            try await req.store.addCasework(
                CaseworkRow(
                    pupilID: p.id!, kind: .evidenceReceived, actionKey: nil, happenedOn: now.date,
                    summary: "Evidence received for \(words)\(note.isEmpty ? "" : ": \(note)")", sessions: absent,
                    recordedAt: now.timestamp, by: u.actor))
            req.session.data["flash"] = "Evidence received recorded for \(words)."
        }
        return req.redirect(to: "/pupils/\(p.upn)")
    }

    func document(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        guard let id = req.parameters.get("id", as: Int.self), let d = try await req.store.evidenceDocument(id: id),
            let entry = try await CaseworkRow.find(d.caseworkID, on: req.db),
            let p = try await PupilRow.find(entry.pupilID, on: req.db), p.schoolID == u.schoolID
        else { throw Abort(.notFound, reason: "No such document.") }
        return Uploads.download(filename: d.filename, data: d.data)
    }
}
