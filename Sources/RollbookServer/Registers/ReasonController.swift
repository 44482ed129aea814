import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/pupils/:upn/reason`: a parent's reason for absence, given to the office.
struct ReasonController {
    struct ReasonForm: Content {
        var code: String
        var from: String
        var to: String?
        var sessions: String?
        var note: String?
    }

    /// Sets the code on every open session from `from` to `to` (or just `from`) in one transaction; a changed mark
    /// is an amendment whose reason quotes the report.
    func recordReason(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await req.pupil(u)
        let form = try req.content.decode(ReasonForm.self)
        let (from, to) = try Reasons.days(from: form.from, to: form.to)
        let code: AttendanceCode
        do { code = try AttendanceCode.parse(form.code, on: from) } catch { throw APIError.invalid("code", error.description) }
        guard Reasons.reasonCodes.contains(code) else { throw APIError.invalid("code", "\(code.symbol) is not set from a parent's report") }
        let sessions = try Reasons.sessions(form.sessions)
        let note = (form.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let calendar = try await req.store.calendar(schoolID: u.schoolID)
        let writes = Reasons.writes(
            pupil: p, calendar: calendar, from: from, to: to, sessions: sessions, code: code,
            reason: "Reported by parent\(note.isEmpty ? "" : ": \(note)")")
        guard !writes.isEmpty else { throw APIError.invalid("from", "the school is not open for \(p.displayName) on those days") }
        let now = req.clock.now()
        let s = try await req.store.record(writes, by: u.actor, at: now.timestamp)
        // A parent's report is contact with the family (children-missing-education rules count days without it).
        try await req.store.addCasework(
            CaseworkRow(
                pupilID: p.id!, kind: .familyContact, actionKey: nil, happenedOn: now.date,
                summary: "Parent reported \(code.symbol) (\(code.meaning)) from \(from) to \(to)\(note.isEmpty ? "" : ": \(note)")",
                recordedAt: now.timestamp, by: u.actor))
        req.session.data["flash"] =
            "\(code.symbol) (\(code.meaning)) recorded for \(writes.count) sessions: \(s.created) new, \(s.amended) changed."
        return req.redirect(to: "/pupils/\(p.upn)")
    }
}
