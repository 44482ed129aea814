import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/pupils/:upn/sign-out` and `/pupils/:upn/sign-in`: signing a pupil out during the day and back in.
struct PupilSignOutController {
    struct SignOutForm: Content {
        var time: String
        var reason: String?
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
        try await req.store.signOut(SignOutRow(pupilID: p.id!, date: today, outAt: t, reason: reason, by: u.actor))
        req.session.data["flash"] = "Signed out at \(t): \(reason)."
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
