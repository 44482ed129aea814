import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/pupils/:upn/sign-out` and `/pupils/:upn/sign-in`: signing a pupil out during the day and back in.
struct PupilSignOutController {
    struct SignOutForm: Content {
        var time: String
        var reason: String?
        /// Who takes the pupil: a contact's name, a named person under a one-off permission, or `walking alone`.
        var collector: String?
        /// The collector's age, if asked or seen on photo ID.
        var age: String?
        /// `on` when photo ID was seen.
        var photoid: String?
        /// An older sibling's UPN, when a sibling takes the pupil.
        var sibling: String?
    }

    func time(_ raw: String) throws -> TimeOfDay {
        guard let t = TimeOfDay(raw) else { throw APIError.invalid("time", "'\(raw)' is not a time in the form HH:MM") }
        return t
    }

    /// Signs a pupil out today with a reason, which a part-time timetable's agreed early finish gives; the marks stay as
    /// they are (the pupil was present at registration).
    func signOut(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await req.pupil(u)
        let form = try req.content.decode(SignOutForm.self)
        let t = try time(form.time)
        var reason = (form.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let today = req.clock.now().date
        // Leaving at a part-time timetable's agreed early finish is the timetable, not a reason to give.
        if reason.isEmpty, let finish = try await req.store.agreedDays(pupilIDs: [p.id!], on: today)[p.id!]?.finish, t >= finish {
            reason = "Agreed early finish at \(finish) (part-time timetable)"
        }
        guard !reason.isEmpty else { throw APIError.invalid("reason", "say why the pupil is leaving, e.g. 'dentist, collected by mum'") }
        let row = SignOutRow(pupilID: p.id!, date: today, outAt: t, reason: reason, by: u.actor)
        let check = try await SignOutCollection.check(req, u, pupil: p, form: form, at: t)
        row.collector = check.collector
        row.checkDecision = check.result?.decision.rawValue
        row.checkReason = check.result?.reason
        try await req.store.signOut(row)
        let warning = check.result.flatMap { $0.decision == .warn ? " Warning recorded: \($0.reason)" : nil } ?? ""
        req.session.data["flash"] = "Signed out at \(t): \(reason).\(warning)"
        return req.redirect(to: "/pupils/\(p.upn)")
    }

    func signBackIn(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await req.pupil(u)
        let t = try time(try req.content.decode(SignOutForm.self).time)
        try await req.store.signBackIn(pupilID: p.id!, date: req.clock.now().date, time: t, by: u.actor)
        req.session.data["flash"] = "Signed back in at \(t)."
        return req.redirect(to: "/pupils/\(p.upn)")
    }
}
