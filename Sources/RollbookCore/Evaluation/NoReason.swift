// N to O: an N still without a reason after the policy's school days (at most NationalRules.noReasonSchoolDays).

extension EvalPlan {
    /// N marks more than `no_reason.n_to_o_school_days` school days old become O.
    func noReasonOverdue(_ p: PupilFacts, _ s: EvalScratch, _ out: inout [DueAction]) {
        guard overdueBefore > 0, s.count(EvalCounter.n, from: 0, through: overdueBefore - 1) > 0 else { return }
        let refs = sessions(s, from: 0, through: overdueBefore - 1, bits: EvalMark.n)
        guard let oldest = refs.first, let newest = refs.last else { return }
        let limit = policy.noReason.nToOSchoolDays
        let o = index(oldest.date)
        let dueIndex = Int(schoolDayIndex[Int(ordinal[o]) + limit])
        let age = Int(ordinal[last] - ordinal[o])
        let list = refs.map { "\(EvalWords.date($0.date)) \($0.session.rawValue)" }.joined(separator: ", ")
        let reason =
            "No reason within \(limit) school days: becomes O. \(EvalWords.count(refs.count, "session")) still coded N "
            + "more than \(limit) school days later (the oldest \(age) school days ago): \(list). "
            + "Amend each to O with the reason \"no reason provided within \(limit) school days\"."
        out.append(
            action(
                p, .nToO, rule: "no_reason", anchor: newest.date, due: date(dueIndex), reason: reason, sessions: refs,
                figures: ["sessions": Double(refs.count), "limit_school_days": Double(limit), "oldest_school_days": Double(age)],
                action: .review))
    }
}
