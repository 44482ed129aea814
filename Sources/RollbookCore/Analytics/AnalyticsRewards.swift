import Foundation

// Rewards beyond 100%: improving attendance (seeds 000 §3.2 "Rewarding ... good or improving attendance", 004 "termly
// raffle for ... those with improved attendance"), from the policy's `rewards.improving`.

extension Policy {
    /// Rewards settings; absent: 100% lists and league tables only.
    public struct Rewards: Sendable, Hashable, Codable {
        /// When a pupil's attendance counts as improving; absent: no improving list.
        public var improving: Improving?
        /// The "at or above" list (seed 004's raffle: "96%"), a fraction; absent: the policy's `attendance_target`.
        public var atLeast: Double? = nil
        /// Judge a pupil with an individual target against it in the "at or above" list (seed 004); absent: false.
        public var individualTargets: Bool? = nil
        /// Postcards to parents through the outbox (seed 004); absent: none.
        public var postcards: Postcards? = nil
        /// House cups (seed 003: "KS1 and KS2 House Attendance Cups"); absent: one whole-school table.
        public var houseCups: HouseCups? = nil
        /// A reward chart on the pupil's own tracker (seed 003: "individual reward charts"); absent: false.
        public var rewardChart: Bool? = nil
        public init(
            improving: Improving? = nil, atLeast: Double? = nil, individualTargets: Bool? = nil, postcards: Postcards? = nil,
            houseCups: HouseCups? = nil, rewardChart: Bool? = nil
        ) {
            self.improving = improving
            self.atLeast = atLeast
            self.individualTargets = individualTargets
            self.postcards = postcards
            self.houseCups = houseCups
            self.rewardChart = rewardChart
        }

        /// Whether the rewards page lists pupils at or above a target.
        public var listsAtTarget: Bool { atLeast != nil || individualTargets == true }

        public struct Improving: Sendable, Hashable, Codable {
            public enum Compare: String, Sendable, Hashable, Codable {
                /// This half term against the half term before it.
                case previousHalfTerm = "previous_half_term"
                /// This term against the term before it.
                case previousTerm = "previous_term"
            }
            public var compareWith: Compare
            /// The rise in percentage points (2 for 93% -> 95%) that counts as improving.
            public var byPoints: Double
            public init(compareWith: Compare, byPoints: Double) {
                self.compareWith = compareWith
                self.byPoints = byPoints
            }
        }

        func validate() throws(ValidationError) {
            if let i = improving, !(i.byPoints > 0 && i.byPoints <= 50) {
                throw ValidationError(
                    field: "rewards.improving.by_points", reason: "must be more than 0 and at most 50 percentage points, e.g. 2")
            }
            try validateMore()
        }
    }
}

/// A pupil whose attendance rose by at least the policy's points from one period to the next.
public struct ImprovingPupil: Sendable, Hashable {
    public var now: PupilFigures
    public var before: SessionCounts
    /// Percentage points gained, at school precision (one decimal).
    public var points: Double
}

extension AnalyticsRoll {
    /// The half term or term before the one `current` starts in (for comparing one with the last).
    public func previousPeriod(_ compare: Policy.Rewards.Improving.Compare, before current: DateRange) -> DateRange? {
        let r: DateRange?
        switch compare {
        case .previousHalfTerm: r = calendar.halfTerm(containing: current.from.adding(days: -1))
        case .previousTerm: r = calendar.terms.last { $0.range.to < current.from }?.range
        }
        guard let r, r.to < current.from else { return nil }
        return clamp(r)
    }

    /// Pupils with possible sessions in both ranges whose attendance over `now` is at least `byPoints` percentage points
    /// above `before` (rates at school precision), the biggest rise first, then by name.
    public func improving(now: DateRange, before: DateRange, byPoints: Double, filter: AnalyticsFilter? = nil) -> [ImprovingPupil] {
        let a = pupilCounts(now, filter: filter)
        let b = pupilCounts(before, filter: filter)
        let need = Int((byPoints * 10).rounded())
        var out: [(Int, Int)] = []
        for p in pupils.indices {
            guard let x = a[p], let y = b[p], let rx = x.attendanceRate, let ry = y.attendanceRate else { continue }
            // Tenths of a percent, as schools read rates.
            let gain = Int((rx * 1000).rounded()) - Int((ry * 1000).rounded())
            if gain >= need { out.append((p, gain)) }
        }
        return out.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : byName($0.0, $1.0) }.map { p, gain in
            ImprovingPupil(now: figures(p, a[p]!), before: b[p]!, points: Double(gain) / 10)
        }
    }
}
