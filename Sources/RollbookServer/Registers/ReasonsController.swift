import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// The office's daily jobs on a pupil: a parent's reported reason for absence, a late arrival from the late book,
/// and signing out and back in during the day.
struct ReasonsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.grouped(SessionAuthenticator(), CSRFMiddleware(), StaffUser.redirectMiddleware(path: "/"))
        staff.post("pupils", ":upn", "reason", use: recordReason)
        staff.post("pupils", ":upn", "arrival", use: recordArrival)
        staff.post("pupils", ":upn", "sign-out", use: signOut)
        staff.post("pupils", ":upn", "sign-in", use: signBackIn)
    }

    /// Codes a parent's report can lead to. Leave (C, C1, J1, S, C2) needs the head's decision and suspension (E) the school's, so neither is set here.
    static let reasonCodes: [AttendanceCode] = [.i, .m, .r, .t, .g, .o]

    struct ReasonForm: Content {
        var code: String
        var from: String
        var to: String?
        var sessions: String?
        var note: String?
    }

    func pupil(_ req: Request, _ u: StaffUser) async throws -> PupilRow {
        let upn = req.parameters.get("upn") ?? ""
        guard let p = try await req.store.pupil(schoolID: u.schoolID, upn: upn) else { throw Abort(.notFound, reason: "No pupil with UPN \(upn).") }
        return p
    }

    /// Sets the code on every open session from `from` to `to` (or just `from`) in one transaction; a changed mark
    /// is an amendment whose reason quotes the report.
    func recordReason(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await pupil(req, u)
        let form = try req.content.decode(ReasonForm.self)
        let from = try parseDate(form.from, field: "from")
        let to = try form.to.flatMap { $0.isEmpty ? nil : $0 }.map { try parseDate($0, field: "to") } ?? from
        guard from <= to else { throw APIError.invalid("to", "\(to) is before \(from)") }
        guard from.days(to: to) <= 62 else { throw APIError.invalid("to", "a report covers at most 62 days") }
        let code: AttendanceCode
        do { code = try AttendanceCode.parse(form.code, on: from) } catch { throw APIError.invalid("code", error.description) }
        guard Self.reasonCodes.contains(code) else { throw APIError.invalid("code", "\(code.symbol) is not set from a parent's report") }
        let sessions: [Session] = switch form.sessions ?? "both" {
        case "am": [.am]
        case "pm": [.pm]
        case "both": [.am, .pm]
        default: throw APIError.invalid("sessions", "must be am, pm or both")
        }
        let note = (form.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let calendar = try await req.store.calendar(schoolID: u.schoolID)
        let writes = Self.writes(pupil: p, calendar: calendar, from: from, to: to, sessions: sessions, code: code,
                                 reason: "Reported by parent\(note.isEmpty ? "" : ": \(note)")")
        guard !writes.isEmpty else { throw APIError.invalid("from", "the school is not open for \(p.displayName) on those days") }
        let now = req.clock.now()
        let s = try await req.store.record(writes, by: u.actor, at: now.timestamp)
        // A parent's report is contact with the family (children-missing-education rules count days without it).
        try await req.store.addCasework(CaseworkRow(pupilID: p.id!, kind: .familyContact, actionKey: nil, happenedOn: now.date,
                                                    summary: "Parent reported \(code.symbol) (\(code.meaning)) from \(from) to \(to)\(note.isEmpty ? "" : ": \(note)")",
                                                    recordedAt: now.timestamp, by: u.actor))
        req.session.data["flash"] = "\(code.symbol) (\(code.meaning)) recorded for \(writes.count) sessions: \(s.created) new, \(s.amended) changed."
        return req.redirect(to: "/pupils/\(p.upn)")
    }

    /// The marks for a reason over some days: every session the school is open for the pupil while on roll.
    static func writes(pupil p: PupilRow, calendar: SchoolCalendar, from: LocalDate, to: LocalDate, sessions: [Session], code: AttendanceCode,
                       reason: String) -> [MarkWrite] {
        var out: [MarkWrite] = []
        var d = from
        while d <= to {
            let year = p.enrolment.yearGroup(in: AcademicYear(containing: d))
            for s in sessions where p.enrolment.isOnRoll(d) && calendar.isOpen(d, s, yearGroup: year) {
                out.append(MarkWrite(pupilID: p.id!, mark: Mark(date: d, session: s, code: code), reason: reason))
            }
            d = d.adding(days: 1)
        }
        return out
    }

    /// Leaves out writes for sessions the pupil attended (present, late, or on an approved activity): a reason for an
    /// absence, or leave, never overwrites attendance already recorded.
    static func skippingAttendance(_ writes: [MarkWrite], store: Store) async throws -> [MarkWrite] {
        guard let first = writes.map(\.mark.date).min(), let last = writes.map(\.mark.date).max() else { return writes }
        var attended = Set<String>()
        for id in Set(writes.map(\.pupilID)) {
            for m in try await store.marks(pupilID: id, range: DateRange(from: first, to: last)) {
                guard let c = AttendanceCode.lookup(m.code), !c.isAbsence, c.statisticalMeaning != .notPossible else { continue }
                attended.insert("\(id)|\(m.date)|\(m.session)")
            }
        }
        return writes.filter { !attended.contains("\($0.pupilID)|\($0.mark.date.iso)|\($0.mark.session.rawValue)") }
    }

    struct ArrivalForm: Content { var time: String }

    /// The late book: an arrival time today gives L or U by the school's close time; an existing mark is amended.
    func recordArrival(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await pupil(req, u)
        let form = try req.content.decode(ArrivalForm.self)
        guard let time = TimeOfDay(form.time) else { throw APIError.invalid("time", "'\(form.time)' is not a time in the form HH:MM") }
        let now = req.clock.now()
        let times = try await req.store.policy(schoolID: u.schoolID, on: now.date).register
        let session: Session = time < times.pm.opens ? .am : .pm
        let r = try await Registers(req: req, user: u).submit(date: now.date, session: session, body: SubmitRegisterDTO(
            form: nil, yearGroup: nil, marks: [SubmittedMark(upn: p.upn, code: nil, arrivalTime: form.time, minutesLate: nil,
                                                             reason: "Arrived at \(time) (late book)")]))
        let mark = r.register.pupils.first { $0.upn == p.upn }
        // The family hears of a late arrival once a day, by email to the first contact who has one.
        if let code = mark?.code.flatMap(AttendanceCode.lookup), code == .late || code == .u,
           let c = try await req.store.contacts(pupilID: p.id!).first(where: { !$0.email.isEmpty }) {
            let (subject, body) = MessageText.lateArrival(p, date: now.date, time: time, code: code, school: try await req.store.school(p.schoolID).name)
            try await req.store.enqueue([OutboxRow(schoolID: p.schoolID, pupilID: p.id!, template: .lateArrival, channel: "email", recipient: c.email,
                                                   recipientName: c.name, contactPriority: c.priority, subject: subject, body: body,
                                                   dedupeKey: "late:\(p.id!):\(now.date.iso)", about: "late:\(now.date.iso)", at: now.instant)])
        }
        req.session.data["flash"] = "Arrival at \(time) recorded: \(mark?.code ?? "?") \(mark?.meaning ?? "")\(mark?.minutesLate.map { ", \($0) minutes late" } ?? "")."
        return req.redirect(to: "/pupils/\(p.upn)")
    }

    struct SignOutForm: Content { var time: String; var reason: String? }

    func time(_ raw: String) throws -> TimeOfDay {
        guard let t = TimeOfDay(raw) else { throw APIError.invalid("time", "'\(raw)' is not a time in the form HH:MM") }
        return t
    }

    /// Signs a pupil out today with a reason; the marks stay as they are (the pupil was present at registration).
    func signOut(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await pupil(req, u)
        let form = try req.content.decode(SignOutForm.self)
        let t = try time(form.time)
        let reason = (form.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw APIError.invalid("reason", "say why the pupil is leaving, e.g. 'dentist, collected by mum'") }
        try await req.store.signOut(SignOutRow(pupilID: p.id!, date: req.clock.now().date, outAt: t, reason: reason, by: u.actor))
        req.session.data["flash"] = "Signed out at \(t): \(reason)."
        return req.redirect(to: "/pupils/\(p.upn)")
    }

    func signBackIn(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await pupil(req, u)
        let t = try time(try req.content.decode(SignOutForm.self).time)
        try await req.store.signBackIn(pupilID: p.id!, date: req.clock.now().date, time: t, by: u.actor)
        req.session.data["flash"] = "Signed back in at \(t)."
        return req.redirect(to: "/pupils/\(p.upn)")
    }
}
