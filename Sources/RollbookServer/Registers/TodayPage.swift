import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// What Today shows a staff member: their registers (a teacher's own forms), who is absent without a reason, what
/// waits for the office and the head, and the attendance figures against the school's target.
struct TodayPage: Encodable {
    struct RegisterSummary: Encodable {
        var form: String
        var pupils: Int
        var marked: Int
        var present: Int
        var late: Int
        var absent: Int
        var state: String
        var link: String
    }
    struct AbsenceLine: Encodable {
        var upn: String
        var name: String
        var form: String
        var contact: String
        var phone: String
        /// A parent has reported this absence (waiting for the office): no call needed, accept it instead.
        var reported: String?
    }
    var date: String
    var weekday: String
    var session: String
    var schoolDay: Bool
    var state: String
    var registers: [RegisterSummary]
    var dayOne: [AbsenceLine]
    /// Parents' absence reports waiting for the office, and leave requests waiting for a decision.
    var reportsPending: Int
    var leavePending: Int
    struct OutLine: Encodable {
        var upn: String
        var name: String
        var form: String
        var out: String
        var reason: String
    }
    var signedOut: [OutLine]
    var present: Int
    var late: Int
    var absent: Int
    var yearToDate: String
    var todayRate: String
    var target: String?
    /// "above", "below" or nil (no target set, no figures yet), said in words beside the figure.
    var yearToDateVersusTarget: String?
    var todayVersusTarget: String?
    var overdue: Int
    /// For the attendance lead and head: the policy's review is due (PolicyApprovalController.reminder).
    var policyReview: String? = nil
    /// "In school, not in lesson" alerts still open, for the staff the policy names.
    var lessonAlerts: [LessonAlertsController.Line] = []
    /// Pupils missing from the site now, for the office and leaders (seed 004).
    var missingIncidents: [MissingIncidentController.TodayLine] = []
    /// Children not collected at the policy's final time, social services not yet contacted (seed 003).
    var socialServicesDue = 0
    /// The pupils a member of staff may report missing from the site (their own form's for a teacher).
    var missingPupils: [Timeline.Option] = []
    /// Whether this user may resolve them (the office, attendance lead and head), and the choices.
    var mayResolveAlerts = false
    var alertChoices = LessonAlertsController.choices
    /// What the last form on Today did.
    var flash: String? = nil
}

extension TodayPage {
    /// Read from the store and worked out by Core, as now on the school's clock.
    /// The page; `pupils` are the listings of `u.scoped` pupils on roll today, read once by the caller.
    static func load(_ req: Request, user u: StaffUser, pupils: [PupilListing]) async throws -> TodayPage {
        let now = req.clock.now()
        let policy = try await req.store.policy(schoolID: u.schoolID, on: now.date)
        let times = policy.register
        let session: Session = now.time < times.pm.opens ? .am : .pm
        let calendar = try await req.store.calendar(schoolID: u.schoolID)
        var content = TodayPage(
            date: now.date.iso, weekday: now.date.weekdayName, session: session.rawValue,
            schoolDay: calendar.isSchoolDay(now.date), state: times[session].state(at: now.time).rawValue,
            registers: [], dayOne: [], reportsPending: 0, leavePending: 0, signedOut: [], present: 0, late: 0, absent: 0, yearToDate: "–",
            todayRate: "–",
            target: percent(policy.attendanceTarget), yearToDateVersusTarget: nil, todayVersusTarget: nil, overdue: 0)
        if u.can(.readRegisters) {
            let marks = try await req.store.marks(pupilIDs: pupils.map(\.id), date: now.date, session: session)
            var byForm: [String: [PupilListing]] = [:]
            for p in pupils where calendar.isOpen(now.date, session, yearGroup: p.yearGroup) { byForm[p.form, default: []].append(p) }
            var absentIDs: [PupilListing] = []
            for (form, ps) in byForm.sorted(by: { formOrder($0.key, $1.key) }) {
                var s = RegisterSummary(
                    form: form, pupils: ps.count, marked: 0, present: 0, late: 0, absent: 0, state: "",
                    link:
                        "/registers/\(now.date.iso)/\(session.rawValue)?form=\(form.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? form)"
                )
                for p in ps {
                    guard let m = marks[p.id], let c = AttendanceCode.lookup(m.code) else { continue }
                    s.marked += 1
                    // Three counts that add up: on time (or on an approved activity), late (L), absent.
                    if c == .late {
                        s.late += 1
                    } else if c.statisticalMeaning == .present || c.statisticalMeaning == .approvedEducationalActivity {
                        s.present += 1
                    }
                    if c.isAbsence { s.absent += 1 }
                    if c == .n { absentIDs.append(p) }
                }
                let windowState = times[session].state(at: now.time)
                s.state =
                    s.marked == s.pupils ? "taken" : (windowState == .closed ? "overdue" : (windowState == .open ? "open" : "not yet open"))
                content.present += s.present
                content.late += s.late
                content.absent += s.absent
                content.registers.append(s)
            }
            let byID = Dictionary(pupils.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            content.signedOut = try await req.store.signOuts(pupilIDs: Array(byID.keys), date: now.date).compactMap { s in
                guard s.backAt == nil, let p = byID[s.pupilID] else { return nil }
                return .init(upn: p.upn, name: p.displayName, form: p.form, out: s.outAt, reason: s.reason)
            }
            let contacts = try await req.store.firstContacts(pupilIDs: absentIDs.map(\.id))
            let reports = try await req.store.absenceReports(pupilIDs: absentIDs.map(\.id), covering: now.date).filter {
                $0.covers(now.date, session)
            }
            content.dayOne = absentIDs.map { p in
                let c = contacts[p.id]
                let r = reports.first { $0.pupilID == p.id }
                return AbsenceLine(
                    upn: p.upn, name: p.displayName, form: p.form,
                    contact: c.map { "\($0.name) (\($0.relationship))" } ?? "no contact on record",
                    phone: c?.phone ?? "",
                    reported: r.map { "\($0.reportedBy): \($0.absenceCategory.title.lowercased())\($0.note.isEmpty ? "" : ", \($0.note)")" }
                )
            }
            if u.can(.amendMarks) {
                content.reportsPending = try await req.store.pendingAbsenceReports(schoolID: u.schoolID).count
            }
            if u.mayDecideLeave {
                content.leavePending = try await req.store.leaveRequests(schoolID: u.schoolID).filter { $0.0.state == .pending }.count
            }
            content.overdue = try await req.store.overdueNoReason(
                schoolID: u.schoolID, asOf: now.date, limit: policy.noReason.nToOSchoolDays
            ).filter { u.ownForms?.contains($0.0.form) ?? true }.count
        }
        // A teacher's figures are their own forms'; everyone else's the school's.
        let figures = try await req.store.groupStatistics(
            schoolID: u.schoolID,
            ranges: [
                DateRange(from: AcademicYear(containing: now.date).range.from, to: now.date),
                DateRange(from: now.date, to: now.date),
            ],
            filter: u.scoped(PupilFilter()))
        let (ytd, day) = (figures[0], figures[1])
        // Registers still open today would count as absences: leave today's unmarked sessions out.
        var ytdSoFar = ytd.sessions
        ytdSoFar.possible -= day.sessions.unmarked
        ytdSoFar.unmarked -= day.sessions.unmarked
        content.yearToDate = percent(ytdSoFar.attendanceRate)
        content.todayRate = percent(day.sessions.markedOnly.attendanceRate)
        func versus(_ r: Double?) -> String? {
            guard let r else { return nil }
            let t = policy.attendanceTarget
            return r >= t ? "at or above target" : "below target"
        }
        content.yearToDateVersusTarget = versus(ytdSoFar.attendanceRate)
        content.todayVersusTarget = versus(day.sessions.markedOnly.attendanceRate)
        if u.can(.managePolicy) {
            content.policyReview = try await PolicyApprovalController.reminder(req.store, schoolID: u.schoolID, today: now.date)
        }
        return content
    }
}
