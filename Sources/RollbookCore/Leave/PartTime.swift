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

extension LeaveFollowUp {
    static let partTimeReviewRule = "part_time.review_date"
    /// The statutory basis of the review, unless the policy cites a clause for `part_time.review_date`.
    static let partTimeReviewSource =
        "DfE Working together to improve school attendance (2024): a part-time timetable is temporary, has a time limit "
        + "and is regularly reviewed with the pupil and parents; the LA is told."

    /// `part_time_review` on a standing C2 grant's review date (and after, until done).
    static func partTimeReview(
        _ d: LeaveDecisionFacts, policy: Policy, calendar: SchoolCalendar, asOf: LocalDate, pupil: PupilFacts, label: String
    )
        -> DueAction?
    {
        guard let g = d.grant, g.code == .c2, let review = g.reviewDate, review <= asOf else { return nil }
        let coded = g.codedSessions(calendar: calendar, enrolment: pupil.enrolment)
        let weeks = LeaveCheck.schoolWeeks(g.sessions(calendar: calendar, enrolment: pupil.enrolment))
        let off = g.notExpected.map { ", not expected on \($0.map(LeaveGrant.weeklyWords).joined(separator: ", "))" } ?? ""
        let reason =
            "The part-time timetable (C2) from \(g.span.words)\(off) (\(EvalWords.count(coded.count, "session")) coded C2 over "
            + "\(EvalWords.count(weeks, "school week"))) is due for review on \(EvalWords.date(review)). Review it with the pupil and "
            + "the family: end it, change it or continue it with a new grant, and tell the LA of the outcome."
        let rule = partTimeReviewRule
        let source = policy.clauses.first { $0.setting == rule }?.source ?? partTimeReviewSource
        return DueAction(
            upn: pupil.upn, kind: .partTimeReview, rule: rule, due: review, reason: reason, sessions: [],
            figures: ["sessions": Double(coded.count), "school_weeks": Double(weeks)], source: source, action: .partTimeTimetable,
            contacts: contactLines(pupil.contacts), proposedStage: nil,
            key: "\(DueAction.Kind.partTimeReview.rawValue)|\(pupil.upn)|\(rule)|\(g.from.iso)|\(review.iso)", policy: label)
    }
}

extension LeaveFollowUp {
    static let partTimeInformRule = "part_time.inform_la"
    static let partTimeInformSource =
        "DfE Working together to improve school attendance (2024): schools tell the LA of every pupil on a part-time "
        + "timetable, when it starts and when it ends."

    /// `inform_la` when a standing C2 grant starts (due its first day) and when it has ended (due the day after).
    /// Completing it sends `PartTimeLANotice`'s message to the policy's `local_authority.email` through the outbox.
    static func partTimeInformLA(_ d: LeaveDecisionFacts, policy: Policy, asOf: LocalDate, pupil: PupilFacts, label: String)
        -> [DueAction]
    {
        guard let g = d.grant, g.code == .c2 else { return [] }
        let source = policy.clauses.first { $0.setting == partTimeInformRule }?.source ?? partTimeInformSource
        let off = g.notExpected.map { "; not expected on \($0.map(LeaveGrant.weeklyWords).joined(separator: ", "))" } ?? ""
        var out: [DueAction] = []
        for (edge, due) in [("start", g.from), ("end", g.to.adding(days: 1))] where due <= asOf {
            let reason =
                edge == "start"
                ? "A part-time timetable (C2) starts on \(EvalWords.date(g.from)), from \(g.span.words)\(off)"
                    + (g.reviewDate.map { ", review on \(EvalWords.date($0))" } ?? "") + ". Tell the LA it has started."
                : "The part-time timetable (C2) from \(g.span.words) ended on \(EvalWords.date(g.to)). Tell the LA it has ended."
            out.append(
                DueAction(
                    upn: pupil.upn, kind: .informLA, rule: partTimeInformRule, due: due, reason: reason, sessions: [],
                    figures: [:], source: source, action: .informLA, contacts: [], proposedStage: nil,
                    key: "\(DueAction.Kind.informLA.rawValue)|\(pupil.upn)|\(partTimeInformRule)|\(g.from.iso)|\(edge)", policy: label))
        }
        return out
    }
}
