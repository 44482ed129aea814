// The projected-attendance floor (seed 004 'Performances': the head "will not authorise any absences which would mean
// that a pupil's attendance would fall below 96 percent"): the pupil's attendance at the end of the academic year if
// the leave is granted and every other remaining session is attended.

/// The figures behind `leave.refuse_below_projected_attendance`.
///
/// - `attended`, `possible`: the pupil's marked sessions this academic year to today (present + approved educational
///   activity, and possible), as the statistics engine counts them; today's unmarked sessions are left out.
/// - `remaining`: the sessions after today to 31 August the school is open for the pupil's year group while on roll.
/// - `leave`: the sessions of the leave among `remaining` (leave after this academic year does not count).
/// - projected = (attended + remaining − leave) / (possible + remaining): every remaining session attended but the leave.
public struct LeaveProjection: Sendable, Hashable, Codable {
    public var attended: Int
    public var possible: Int
    public var remaining: Int
    public var leave: Int
    public var floor: Double

    public init(attended: Int, possible: Int, remaining: Int, leave: Int, floor: Double) {
        self.attended = attended
        self.possible = possible
        self.remaining = remaining
        self.leave = leave
        self.floor = floor
    }

    /// Attendance so far this year; nil before any possible session.
    public var now: Double? { possible > 0 ? Double(attended) / Double(possible) : nil }
    /// Attendance at the end of the year with the leave; nil when the year has no possible session at all.
    public var projected: Double? {
        let p = possible + remaining
        return p > 0 ? Double(attended + remaining - leave) / Double(p) : nil
    }
    /// Below the floor, compared without rounding noise: exactly at the floor is allowed.
    public var below: Bool {
        let p = possible + remaining
        return p > 0 && Double(attended + remaining - leave) < floor * Double(p) - 1e-9
    }

    /// The figures as a finding and a decision record carry them (fractions to 4 places, counts as counts).
    public var figures: [String: Double] {
        var f: [String: Double] = [
            "attended_sessions": Double(attended), "possible_sessions": Double(possible), "remaining_sessions": Double(remaining),
            "leave_sessions": Double(leave), "floor": floor,
        ]
        if let n = now { f["attendance_now"] = EvalWords.round4(n) }
        if let p = projected { f["projected_attendance"] = EvalWords.round4(p) }
        return f
    }

    /// "attendance now 97.0%; projected to 31 August with the leave 95.8%; the floor 96%".
    public var words: String {
        let n = now.map { EvalWords.percent($0) } ?? "no possible sessions yet"
        let p = projected.map { EvalWords.percent($0) } ?? "no possible sessions"
        return "attendance now \(n); projected to the end of the year with the leave \(p); the floor \(EvalWords.threshold(floor))"
    }

    /// The projection for `leaveSessions` (the request's or the grant's open sessions) on `asOf`; `soFar` is the
    /// pupil's academic year to `asOf`, marked sessions only (`LeaveCheck.yearToDate`).
    public static func project(
        leaveSessions: [LeaveSession], soFar: SessionCounts, floor: Double, calendar: SchoolCalendar, enrolment: Enrolment,
        asOf: LocalDate
    ) -> LeaveProjection {
        let yearEnd = AcademicYear(containing: asOf).range.to
        let rest = LeaveSpan(first: LeaveSession(date: asOf.adding(days: 1), session: .am), last: LeaveSession(date: yearEnd, session: .pm))
        let remaining = rest.openSessions(calendar: calendar, enrolment: enrolment).count
        let leave = leaveSessions.filter { rest.contains($0) }.count
        return LeaveProjection(
            attended: soFar.present + soFar.approvedActivity, possible: soFar.possible, remaining: remaining, leave: leave, floor: floor)
    }
}

extension LeaveCheck {
    static let floorRule = "leave.refuse_below_projected_attendance"

    /// The floor's finding on a request: below the floor refuses when the floor applies to every leave or to the
    /// code the request names; when the policy limits it to other codes (`leave.projected_attendance_codes`) it is a
    /// caution (a grant with one of them is refused). Nil when the policy has no floor.
    static func floorFinding(
        request: LeaveRequest, sessions: [LeaveSession], policy: Policy, calendar: SchoolCalendar, enrolment: Enrolment,
        asOf: LocalDate, soFar: SessionCounts
    ) -> LeaveFinding? {
        guard let floor = policy.leave.refuseBelowProjectedAttendance else { return nil }
        let p = LeaveProjection.project(
            leaveSessions: sessions, soFar: soFar, floor: floor, calendar: calendar, enrolment: enrolment, asOf: asOf)
        let codes = policy.leave.projectedAttendanceCodes
        let which = codes.map { " as \(list($0))" } ?? ""
        let figures = "With \(EvalWords.count(p.leave, "session")) of leave: \(p.words)"
        let verdict: LeaveFinding.Verdict
        let message: String
        if !p.below {
            verdict = .ok
            message = figures + ": not below the floor."
        } else if codes == nil || request.code.map({ codes!.contains($0) }) == true {
            verdict = .refuse
            message = figures + ": the leave would take the pupil's attendance below the floor."
        } else {
            verdict = .caution
            message = figures + ": granted\(which), the leave is refused; another code is the head's decision."
        }
        let parent =
            p.below
            ? "The school does not authorise absence that would take a pupil's attendance below \(EvalWords.threshold(floor)) "
                + "over the school year. With this leave, your child's attendance would be \(p.projected.map { EvalWords.percent($0) } ?? "")."
            : nil
        return LeaveFinding(
            rule: floorRule, verdict: verdict, message: message, source: EvalPlan.source(floorRule, policy), figures: p.figures,
            parent: parent)
    }

    /// The floor's check on a grant: the projection with the sessions granted, and an error naming the setting when
    /// the grant's code is one the floor applies to and it takes attendance below the floor.
    public static func checkFloor(
        grant: LeaveGrant, policy: Policy, calendar: SchoolCalendar, enrolment: Enrolment, asOf: LocalDate, soFar: SessionCounts
    ) throws(ValidationError) -> LeaveProjection? {
        guard let floor = policy.leave.refuseBelowProjectedAttendance else { return nil }
        let p = LeaveProjection.project(
            leaveSessions: grant.sessions(calendar: calendar, enrolment: enrolment), soFar: soFar, floor: floor,
            calendar: calendar, enrolment: enrolment, asOf: asOf)
        let applies = policy.leave.projectedAttendanceCodes.map { $0.contains(grant.code.symbol) } ?? true
        if applies && p.below {
            throw ValidationError(
                field: floorRule,
                reason:
                    "\(grant.code.symbol) for \(EvalWords.count(p.leave, "session")) is not authorised: \(p.words) (\(EvalPlan.source(floorRule, policy)))"
            )
        }
        return p
    }
}
