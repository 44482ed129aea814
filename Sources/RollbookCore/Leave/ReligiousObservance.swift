// Religious observance (R) through the leave flow: a day "exclusively set apart for religious observance by the
// religious body" (reg 10 and seeds 000 §6.1.5, 001 App. R, 004 'Religious observance'), with the school's limit per
// event (seed 001: one day), its notice (seed 004: two weeks) and the religious body's advice kept on the decision
// (seed 000: the school may seek it).

extension Policy {
    /// The school's rules for religious observance asked for as leave (all optional; absent: none beyond leave's own).
    public struct ReligiousObservance: Sendable, Hashable, Codable {
        /// Authorised for at most this many school days per religious event (one request is one event); nil: no limit.
        public var maxDaysPerEvent: Int?
        /// Requests for R must arrive this many calendar days before the day (instead of `leave.notice_days`).
        public var noticeDays: Int?
        /// The school may seek the religious body's advice on whether the day is set apart: the decision asks for it.
        public var seekAdvice: Bool?
        public init(maxDaysPerEvent: Int? = nil, noticeDays: Int? = nil, seekAdvice: Bool? = nil) {
            self.maxDaysPerEvent = maxDaysPerEvent
            self.noticeDays = noticeDays
            self.seekAdvice = seekAdvice
        }
    }
}

extension LeaveCheck {
    static let religiousMaxRule = "leave.religious_observance.max_days_per_event"
    static let religiousNoticeRule = "leave.religious_observance.notice_days"
    static let religiousAdviceRule = "leave.religious_observance.seek_advice"

    /// The notice a request needs and the setting that asks for it: R's own where the policy sets it.
    static func notice(for request: LeaveRequest, policy: Policy) -> (days: Int, rule: String) {
        if request.code == "R", let d = policy.leave.religiousObservance?.noticeDays { return (d, religiousNoticeRule) }
        return (policy.leave.noticeDays, "leave.notice_days")
    }

    /// The school days (days with a session open for the pupil) among `sessions`.
    static func schoolDays(_ sessions: [LeaveSession]) -> Int { Set(sessions.map(\.date)).count }

    /// The findings on an R request: the limit per event (with the figures) and the religious body's advice.
    static func religiousFindings(request: LeaveRequest, sessions: [LeaveSession], policy: Policy) -> [LeaveFinding] {
        guard request.code == "R", let rules = policy.leave.religiousObservance else { return [] }
        var out: [LeaveFinding] = []
        if let max = rules.maxDaysPerEvent {
            let days = schoolDays(sessions)
            let figures = ["school_days": Double(days), "max_days_per_event": Double(max)]
            let words =
                "The request covers \(EvalWords.count(days, "school day")); the policy authorises religious observance for at most "
                + "\(EvalWords.count(max, "school day")) per religious event"
            if days > max {
                out.append(
                    LeaveFinding(
                        rule: religiousMaxRule, verdict: .refuse,
                        message: words + ": grant only the day set apart, or refuse.", source: EvalPlan.source(religiousMaxRule, policy),
                        figures: figures,
                        parent: "The school authorises absence for religious observance for at most \(EvalWords.count(max, "day")) "
                            + "for each religious event, and this request covers \(EvalWords.count(days, "school day"))."))
            } else {
                out.append(
                    LeaveFinding(
                        rule: religiousMaxRule, verdict: .ok, message: words + ".", source: EvalPlan.source(religiousMaxRule, policy),
                        figures: figures))
            }
        }
        if rules.seekAdvice == true {
            out.append(
                LeaveFinding(
                    rule: religiousAdviceRule, verdict: .caution,
                    message: "Only a day exclusively set apart for religious observance by the family's religious body is authorised: "
                        + "where in doubt, seek the religious body's advice and record it with the decision.",
                    source: EvalPlan.source(religiousAdviceRule, policy)))
        }
        return out
    }

    /// The limit per event on a grant of R: an error naming the setting, with the figures.
    public static func checkReligious(grant: LeaveGrant, policy: Policy, calendar: SchoolCalendar, enrolment: Enrolment)
        throws(ValidationError)
    {
        guard grant.code == .r, let max = policy.leave.religiousObservance?.maxDaysPerEvent else { return }
        let days = schoolDays(grant.sessions(calendar: calendar, enrolment: enrolment))
        if days > max {
            throw ValidationError(
                field: religiousMaxRule,
                reason: "R for \(EvalWords.count(days, "school day")) is more than the \(EvalWords.count(max, "school day")) per religious "
                    + "event the policy authorises (\(EvalPlan.source(religiousMaxRule, policy)))")
        }
    }
}
