extension EvalPlan {
    /// The national penalty-notice test for one pupil of compulsory school age: 10 (the policy's threshold) or more
    /// sessions of G, N, O or U, each on a day of compulsory school age, in the rolling window of school weeks.
    /// Sessions a notice has dealt with do not count again. One home for the test: the threshold rule and any stage
    /// whose step is a legal one read it.
    struct PenaltyTest {
        let plan: EvalPlan
        let casework: Casework

        /// One episode: the first school day on which the threshold was reached (and has stayed reached since), and
        /// the window that reached it on that day.
        struct Episode {
            /// Day index of `due`: the first school day on which the count reached the threshold.
            var due: Int
            /// The first day the cited window counts from (its first school week's Monday, or the day after a notice).
            var from: Int
            var countAtDue: Int
            var countNow: Int
            /// The notice after which sessions count.
            var after: LocalDate?
            /// The threshold was already met on the first day whose window the evaluation reads (the episode began
            /// earlier, last school year): `due` is the day it is known to have been reached by.
            var reachedEarlier: Bool
        }

        /// The episode counting only sessions after `after` (a notice's date), nil when the threshold is not met today.
        func episode(_ scratch: EvalScratch, after: LocalDate?) -> Episode? {
            let pn = plan.policy.penaltyNotice
            guard let starts = plan.windowStart[pn.windowSchoolWeeks] else { return nil }
            let cut = after.map { plan.index($0) + 1 } ?? 0
            func from(_ i: Int) -> Int? {
                let w = Int(starts[i])
                return w >= 0 ? max(w, cut) : nil
            }
            func count(_ i: Int) -> Int? { from(i).map { scratch.count(EvalCounter.gnou, from: $0, through: i) } }
            guard let now = count(plan.last), now >= pn.thresholdSessions else { return nil }
            var first = plan.last
            var reachedEarlier = false
            while first > 0 {
                guard let c = count(first - 1) else {
                    reachedEarlier = true
                    break
                }
                guard c >= pn.thresholdSessions else { break }
                first -= 1
            }
            // The count rises only on a school day; the episode starts on another day only where it reaches back
            // past the days scanned, and then the first school day in it is the first day it is known to be met.
            var due = first
            while due < plan.last && !plan.isSchoolDay(due) { due += 1 }
            guard let f = from(due), let c = count(due) else { return nil }
            return Episode(due: due, from: f, countAtDue: c, countNow: now, after: after, reachedEarlier: reachedEarlier)
        }

        /// G, N, O and U sessions (of compulsory school age) in the window ending today, after `after`.
        func countNow(_ scratch: EvalScratch, after: LocalDate?) -> Int {
            guard let w = plan.windowStart[plan.policy.penaltyNotice.windowSchoolWeeks]?[plan.last], w >= 0 else { return 0 }
            return scratch.count(EvalCounter.gnou, from: max(Int(w), after.map { plan.index($0) + 1 } ?? 0), through: plan.last)
        }

        /// The latest notice of any kind on or before the evaluation date: sessions before it count for nobody.
        var latestNotice: LocalDate? { casework.notices.filter { $0.issued <= plan.asOf }.map(\.issued).max() }
        /// The latest Notice to Improve, or penalty notice to this parent: the sessions it dealt with do not count again
        /// for this parent (another parent's notice for the same sessions is theirs to receive).
        func latestNotice(for parent: String) -> LocalDate? {
            casework.notices.filter { $0.issued <= plan.asOf && ($0.kind == .noticeToImprove || $0.parent == parent) }.map(\.issued).max()
        }
    }
}
