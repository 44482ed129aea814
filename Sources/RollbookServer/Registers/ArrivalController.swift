import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/pupils/:upn/arrival`: a late arrival from the late book.
struct ArrivalController {
    struct ArrivalForm: Content {
        var time: String
        /// The pupil's reason, one of the policy's `late_arrival.reasons`.
        var reason: String?
    }

    /// A late arrival as written: the register (AM or PM) and its mark.
    struct Recorded {
        var time: TimeOfDay
        var session: Session
        var code: String
        var meaning: String
        var minutesLate: Int?
        var reason: String?
    }

    /// The late book: an arrival time today gives L or U by the school's close time (or present by a part-time
    /// timetable's agreed start); an existing mark is amended. The
    /// policy's late-arrival follow-up (timeline entry, sanction, the family told) runs as for any late mark.
    func recordArrival(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await req.pupil(u)
        let form = try req.content.decode(ArrivalForm.self)
        guard let time = TimeOfDay(form.time) else { throw APIError.invalid("time", "'\(form.time)' is not a time in the form HH:MM") }
        let r = try await Self.record(req, u, p, at: time, reason: form.reason, via: "late book")
        req.session.data["flash"] =
            "Arrival at \(time) recorded: \(r.code) \(r.meaning)\(r.minutesLate.map { ", \($0) minutes late" } ?? "")\(r.reason.map { ", reason: \($0)" } ?? "")."
        return req.redirect(to: "/pupils/\(p.upn)")
    }

    /// Writes an arrival at `time` today through the audited register write: the late book and reception sign-in
    /// (`via` names which, in the mark's reason; `note` adds what the pupil said).
    static func record(
        _ req: Request, _ u: StaffUser, _ p: PupilRow, at time: TimeOfDay, reason given: String?, note: String? = nil, via: String
    ) async throws -> Recorded {
        let now = req.clock.now()
        let policy = try await req.store.policy(schoolID: u.schoolID, on: now.date)
        let reason = given?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        let session: Session = time < policy.register.pm.opens ? .am : .pm
        let agreed = try await req.store.agreedDays(pupilIDs: [p.id!], on: now.date)[p.id!]
        let late = policy.register.arrival(at: time, session: session, agreedStart: agreed?.start).code
        if reason == nil && policy.arrivals.reasonRequired && (late == .late || late == .u) {
            throw APIError.invalid("reason", "ask the pupil why they are late and choose the reason (the school's policy asks for one)")
        }
        if let reason, late != .late && late != .u {
            throw APIError.invalid(
                "reason", "an arrival at \(time) is not late (\(late.symbol)), so it takes no reason for lateness: \(reason)")
        }
        let said = note?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty.map { ": \($0)" } ?? ""
        let r = try await Registers(req: req, user: u).submit(
            date: now.date, session: session,
            body: SubmitRegisterDTO(
                form: nil, yearGroup: nil,
                marks: [
                    SubmittedMark(
                        upn: p.upn, code: nil, arrivalTime: time.description, minutesLate: nil,
                        reason: "Arrived at \(time) (\(via)\(agreed?.start.map { "; agreed start \($0)" } ?? ""))\(said)",
                        lateReason: reason)
                ]))
        let mark = r.register.pupils.first { $0.upn == p.upn }
        return Recorded(
            time: time, session: session, code: mark?.code ?? "?", meaning: mark?.meaning ?? "", minutesLate: mark?.minutesLate,
            reason: reason)
    }
}
