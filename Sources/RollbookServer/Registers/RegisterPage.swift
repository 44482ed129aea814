import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// A form's register for one session as the page shows it: each pupil's mark, what is known of an absence, and
/// whether this user may change it.
struct RegisterPage: Encodable {
    var register: RegisterDTO
    var form: String
    var dateLabel: String
    var editable: Bool
    var needsReason: Bool
    /// Pupils who could be marked but have no mark yet: "mark all as present" is offered only then.
    var unmarked: Int
    var saved: String?
    var error: String?
    var lines: [Line]
    struct Line: Encodable {
        var upn: String
        var name: String
        var code: String
        var label: String
        var tone: String
        var open: Bool
        var minutesLate: Int?
        /// The controls start at the current mark: "present", "late" (with `arrival`) or an absence code in `code`.
        var choice: String
        /// The absence list's `<option>`s, the current code selected.
        var options: String
        var arrival: String
        /// An absence or activity already recorded (reported absence, leave, trip): shown as known, with its reason.
        var known: Bool
        var note: String?
        var recordedBy: String?
        var signedOut: String?
        /// A part-time timetable's agreed times today, in words.
        var agreed: String? = nil
    }

    /// The absence list: every current code but present and late (the buttons beside it), # and Z (set by the calendar and the roll).
    static let codeOptions: [CodeOption] = AttendanceCode.allCases
        .filter { !$0.isLegacy && ![.closure, .z, .presentAM, .presentPM, .late].contains($0) }
        .map { CodeOption($0) }
    static let codeList = CodeOption.HTMLList(codeOptions)

    /// The register of `form` (all the user's pupils when empty) for `date` and `session`, with the outcome of a save.
    static func load(
        _ req: Request, user u: StaffUser, date: LocalDate, session: Session, form: String, saved: String?,
        error: String?
    ) async throws -> RegisterPage {
        let reg = try await Registers(req: req, user: u).load(date: date, session: session, form: form.isEmpty ? nil : form, yearGroup: nil)
        let ids = try await req.store.listings(schoolID: u.schoolID, filter: PupilFilter(upns: reg.pupils.map(\.upn)))
        let upnByID = Dictionary(ids.map { ($0.id, $0.upn) }, uniquingKeysWith: { a, _ in a })
        var signedOut: [String: String] = [:]
        for s in try await req.store.signOuts(pupilIDs: Array(upnByID.keys), date: date) {
            guard let upn = upnByID[s.pupilID] else { continue }
            signedOut[upn] = "Signed out at \(s.outAt): \(s.reason)" + (s.backAt.map { ", back at \($0)" } ?? ", not back yet")
        }
        var reported: [String: String] = [:]
        for r in try await req.store.absenceReports(pupilIDs: Array(upnByID.keys), covering: date) where r.covers(date, session) {
            guard let upn = upnByID[r.pupilID] else { continue }
            reported[upn] =
                "\(r.reportedBy) reported: \(r.absenceCategory.title.lowercased())\(r.note.isEmpty ? "" : ", \(r.note)")\(r.state == .pending ? " (waiting for the office)" : "")"
        }
        for r in try await req.store.leaveRequests(pupilIDs: Array(upnByID.keys), schoolID: u.schoolID) where r.state == .refused {
            guard let lr = r.leaveRequest, lr.contains(date, session), let upn = upnByID[r.pupilID] else { continue }
            reported[upn] = "Leave was refused for these days: if absent, the code is G (leave not agreed)"
        }
        let lateAfter = TimeOfDay(reg.lateAfter) ?? TimeOfDay(minutes: 0)
        let lines = reg.pupils.map { l in
            let code = l.code.flatMap(AttendanceCode.lookup)
            let choice =
                switch code {
                case .presentAM?, .presentPM?: "present"
                case .late?: "late"
                default: l.code ?? l.planned ?? ""
                }
            // Minutes late count from an agreed late start where there is one.
            let late = l.agreedStart.flatMap { TimeOfDay($0) }.map { max($0, lateAfter) } ?? lateAfter
            let arrival = code == .late ? l.minutesLate.map { TimeOfDay(minutes: late.minutes + $0).padded } ?? "" : ""
            // A reason given with an absence or activity (a parent's report, a trip, an amendment) is shown as known.
            // A parent's report not yet accepted is known too, though no code is set until the office accepts it.
            let noted = l.note != nil && (code.map { $0.isAbsence || $0.statisticalMeaning == .approvedEducationalActivity } ?? false)
            let report = code.map { $0.statisticalMeaning == .present } == true ? nil : reported[l.upn]
            // A recurring pattern (alternative provision, dual registration) is known too, before anything is recorded.
            let planned = l.code == nil ? l.plannedNote.map { "Recurring \(l.planned ?? ""): \($0)" } : nil
            let known = noted || report != nil || planned != nil
            return RegisterPage.Line(
                upn: l.upn, name: l.name, code: l.code ?? "",
                label: code.map { $0.meaning(on: date) } ?? (l.sessionOpen ? "Not marked" : "School closed (#)"),
                tone: tone(code), open: l.sessionOpen, minutesLate: l.minutesLate, choice: choice,
                options: codeList.html(selected: choice), arrival: arrival,
                known: known, note: noted ? l.note : report ?? planned, recordedBy: noted ? l.recordedBy : nil, signedOut: signedOut[l.upn],
                agreed: l.agreedStart == nil && l.agreedFinish == nil
                    ? nil
                    : AgreedDay(start: l.agreedStart.flatMap { TimeOfDay($0) }, finish: l.agreedFinish.flatMap { TimeOfDay($0) }).words)
        }
        return RegisterPage(
            register: reg, form: form, dateLabel: "\(date.weekdayName) \(date.iso)",
            editable: u.mayTakeRegister(form: form.isEmpty ? nil : form),
            needsReason: reg.state == "closed", unmarked: reg.pupils.filter { $0.sessionOpen && $0.code == nil && $0.planned == nil }.count,
            saved: saved, error: error,
            lines: lines)
    }
}
