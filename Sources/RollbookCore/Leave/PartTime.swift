// Temporary part-time timetables (C2): seed 000 §6.1.1 "a temporary time-limited part-time timetable (between 2-4
// weeks)"; DfE Working together to improve school attendance (2024): temporary, reviewed, the LA told. The grant says
// which weekly sessions the pupil is not expected to attend; only those are coded C2.

extension Policy {
    /// The school's limits on part-time timetables.
    public struct PartTime: Sendable, Hashable, Codable {
        /// A C2 grant may span at most this many school weeks (weeks with a session open for the pupil).
        public var maxSchoolWeeks: Int
        public init(maxSchoolWeeks: Int) { self.maxSchoolWeeks = maxSchoolWeeks }
    }
}

extension LeaveGrant {
    /// The weekly sessions a part-time timetable may leave out, Monday morning to Friday afternoon: `mon_am` ... `fri_pm`.
    public static let weeklySessions: [String] = ["mon", "tue", "wed", "thu", "fri"].flatMap { ["\($0)_am", "\($0)_pm"] }

    /// "mon_am" for a session on a Monday morning; nil at a weekend.
    static func weeklyKey(_ s: LeaveSession) -> String? {
        let w = s.date.weekday
        guard w <= 5 else { return nil }
        return "\(["mon", "tue", "wed", "thu", "fri"][w - 1])_\(s.session == .am ? "am" : "pm")"
    }

    /// "Monday afternoon".
    public static func weeklyWords(_ key: String) -> String {
        let days = ["mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday"]
        let parts = key.split(separator: "_")
        guard parts.count == 2, let d = days[String(parts[0])] else { return key }
        return "\(d) \(parts[1] == "am" ? "morning" : "afternoon")"
    }

    /// The sessions the grant codes: for C2 with a structured timetable only the open sessions the pupil is not
    /// expected to attend; otherwise every open session granted.
    public func codedSessions(calendar: SchoolCalendar, enrolment: Enrolment) -> [LeaveSession] {
        let all = sessions(calendar: calendar, enrolment: enrolment)
        guard code == .c2, let off = notExpected, !off.isEmpty else { return all }
        let set = Set(off)
        return all.filter { Self.weeklyKey($0).map(set.contains) ?? false }
    }

    /// Checks a C2 grant's structured timetable; the error names `not_expected`.
    func validatePartTime() throws(ValidationError) {
        guard code == .c2 else { return }
        guard let off = notExpected, !off.isEmpty else {
            throw ValidationError(field: "not_expected", reason: "C2 needs the sessions each week the pupil is not expected to attend")
        }
        for (i, k) in off.enumerated() where !Self.weeklySessions.contains(k) {
            throw ValidationError(field: "not_expected[\(i)]", reason: "'\(k)' is not a weekly session (mon_am to fri_pm)")
        }
        if Set(off).count == Self.weeklySessions.count {
            throw ValidationError(
                field: "not_expected", reason: "a part-time timetable has the pupil in school for some sessions; this leaves out all ten")
        }
    }
}

extension LeaveCheck {
    static let partTimeRule = "part_time.max_school_weeks"

    /// The school weeks (Monday to Sunday) with a session among `sessions`.
    static func schoolWeeks(_ sessions: [LeaveSession]) -> Int { Set(sessions.map(\.date.weekStart)).count }

    /// The policy's limit on a C2 grant's length: an error naming `part_time.max_school_weeks`, with the figures.
    public static func checkPartTime(grant: LeaveGrant, policy: Policy, calendar: SchoolCalendar, enrolment: Enrolment)
        throws(ValidationError)
    {
        guard grant.code == .c2, let max = policy.partTime?.maxSchoolWeeks else { return }
        let weeks = schoolWeeks(grant.sessions(calendar: calendar, enrolment: enrolment))
        if weeks > max {
            throw ValidationError(
                field: partTimeRule,
                reason: "the part-time timetable spans \(EvalWords.count(weeks, "school week")); the policy allows at most "
                    + "\(EvalWords.count(max, "school week")) (\(EvalPlan.source(partTimeRule, policy))): review it and grant a new one")
        }
    }
}
