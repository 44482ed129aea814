import Foundation

// A pupil's reward chart on their own tracker (seed 003: "Personalised rewards may also be used to support individual
// attendance improvements such as individual reward charts"): a star for each school week at their target.

extension Policy.Rewards {
    /// Whether the pupil's tracker shows their reward chart; read from `rewards.reward_chart` (absent: false).
    public var showsRewardChart: Bool { rewardChart == true }
}

/// The weeks of the year so far with school for the pupil, each with a star when at target.
public struct RewardChart: Sendable, Hashable {
    public struct Week: Sendable, Hashable {
        public var weekStart: LocalDate
        public var star: Bool
    }
    /// Oldest first.
    public var weeks: [Week]
    public var stars: Int { weeks.filter(\.star).count }
    /// Stars in a row up to the latest week.
    public var streak: Int { weeks.reversed().prefix { $0.star }.count }

    /// `weeks` as the tracker takes them (oldest first); a week counts when at `target` (at school precision).
    public init(weeks: [PupilTracker.Week], target: Double) {
        let t = Rates.atSchoolPrecision(target)
        self.weeks = weeks.compactMap { w in
            w.rate.map { Week(weekStart: w.weekStart, star: Rates.atSchoolPrecision($0) >= t) }
        }
    }

    /// "You have 9 stars on your chart: 9 of your 12 school weeks this year were at your target. 3 weeks in a row!"
    public var sentence: String {
        guard !weeks.isEmpty else { return "Your chart starts with your first week in school." }
        let n = stars
        var s =
            "You have \(n) \(n == 1 ? "star" : "stars") on your chart: \(n) of your \(weeks.count) school \(weeks.count == 1 ? "week" : "weeks") this year \(n == 1 ? "was" : "were") at your target."
        if streak > 1 { s += " That is \(streak) weeks in a row. Keep going!" }
        return s
    }
}
