import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/pupils/:upn/arrival`: a late arrival from the late book.
struct ArrivalController {
    struct ArrivalForm: Content { var time: String }

    /// The late book: an arrival time today gives L or U by the school's close time; an existing mark is amended.
    func recordArrival(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await req.pupil(u)
        let form = try req.content.decode(ArrivalForm.self)
        guard let time = TimeOfDay(form.time) else { throw APIError.invalid("time", "'\(form.time)' is not a time in the form HH:MM") }
        let now = req.clock.now()
        let times = try await req.store.policy(schoolID: u.schoolID, on: now.date).register
        let session: Session = time < times.pm.opens ? .am : .pm
        let r = try await Registers(req: req, user: u).submit(
            date: now.date, session: session,
            body: SubmitRegisterDTO(
                form: nil, yearGroup: nil,
                marks: [
                    SubmittedMark(
                        upn: p.upn, code: nil, arrivalTime: form.time, minutesLate: nil,
                        reason: "Arrived at \(time) (late book)")
                ]))
        let mark = r.register.pupils.first { $0.upn == p.upn }
        // The family hears of a late arrival once a day, by email to the first contact who has one.
        if let code = mark?.code.flatMap(AttendanceCode.lookup), code == .late || code == .u,
            let c = try await req.store.contacts(pupilID: p.id!).first(where: { !$0.email.isEmpty })
        {
            let (subject, body) = MessageText.lateArrival(
                p, date: now.date, time: time, code: code, school: try await req.store.school(p.schoolID).name)
            try await req.store.enqueue([
                OutboxRow(
                    schoolID: p.schoolID, pupilID: p.id!, template: .lateArrival, channel: "email", recipient: c.email,
                    recipientName: c.name, contactPriority: c.priority, subject: subject, body: body,
                    dedupeKey: "late:\(p.id!):\(now.date.iso)", about: "late:\(now.date.iso)", at: now.instant)
            ])
        }
        req.session.data["flash"] =
            "Arrival at \(time) recorded: \(mark?.code ?? "?") \(mark?.meaning ?? "")\(mark?.minutesLate.map { ", \($0) minutes late" } ?? "")."
        return req.redirect(to: "/pupils/\(p.upn)")
    }
}
