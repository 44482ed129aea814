import Foundation

/// A pupil's own attendance tracker (seed 000 §3.2 "Personal Attendance Tracker"): the year so far, the last few
/// school weeks and the target, in short sentences a 12-year-old can read. No codes and nothing written for staff:
/// only counts of sessions ("times": each morning and each afternoon).
public struct PupilTracker: Sendable, Hashable {
    /// One school week's counts.
    public struct Week: Sendable, Hashable {
        public var weekStart: LocalDate
        public var attended: Int
        public var possible: Int
        public init(weekStart: LocalDate, attended: Int, possible: Int) {
            self.weekStart = weekStart
            self.attended = attended
            self.possible = possible
        }
        public var rate: Double? { possible > 0 ? Double(attended) / Double(possible) : nil }
    }

    /// A week as the pupil reads it.
    public struct WeekLine: Sendable, Hashable {
        public var weekStart: LocalDate
        public var sentence: String
        /// "met", "missed" or "none" (no school that week for the pupil).
        public var state: String
        /// 0-100 for a bar; nil without possible sessions.
        public var percent: Int?
    }

    /// The year so far: "You have been in school 150 out of 160 times this year."
    public var headline: String
    /// The target and how the year compares with it.
    public var target: String
    /// This week (the latest week with school).
    public var thisWeek: String
    /// How the latest weeks compare with the weeks before them; nil with too few weeks.
    public var trend: String?
    /// The weeks shown, the latest first.
    public var weeks: [WeekLine]
    /// True when the year so far meets the target.
    public var onTarget: Bool
    /// Every school week of the year so far with a star when at the target (seed 003 "individual reward charts").
    public var chart: RewardChart

    /// How many school weeks the tracker shows.
    public static let weeksShown = 8

    /// `weeks` oldest first (the school weeks of the year so far); `target` a fraction; `individual` when the target is
    /// the pupil's own (set by staff) rather than the school's.
    public init(attended: Int, possible: Int, weeks: [Week], target: Double, individual: Bool) {
        let targetText = PupilTracker.percentWords(target)
        let whose = individual ? "Your own target" : "The school's target"
        if possible == 0 {
            headline = "There is nothing to count yet this year."
            self.target = "\(whose) is to be in school \(targetText) of the time."
            onTarget = true
        } else {
            headline = "You have been in school \(attended) out of \(possible) times this year."
            let rate = Rates.atSchoolPrecision(Double(attended) / Double(possible))
            let now = PupilTracker.percentWords(Double(attended) / Double(possible))
            onTarget = rate >= Rates.atSchoolPrecision(target)
            if onTarget {
                self.target = "\(whose) is \(targetText). You are at \(now), so you are meeting it. Well done!"
            } else {
                // The sessions in a row needed to reach the target: (a + n) / (p + n) >= t.
                let needed = PupilTracker.sessionsToReach(target, attended: attended, possible: possible)
                let days =
                    needed.map { n in
                        n <= 0 ? "" : " Coming in every morning and afternoon for \(PupilTracker.daysWords(n)) would get you there."
                    } ?? ""
                self.target = "\(whose) is \(targetText). You are at \(now), which is below it.\(days)"
            }
        }
        let withSchool = weeks.filter { $0.possible > 0 }
        if let last = withSchool.last {
            thisWeek =
                last.attended == last.possible
                ? "Your latest week: you were in school every time (\(last.attended) out of \(last.possible)). Brilliant!"
                : "Your latest week: you were in school \(last.attended) out of \(last.possible) times."
        } else {
            thisWeek = "There has been no school for you yet this year."
        }
        trend = PupilTracker.trendWords(withSchool)
        chart = RewardChart(weeks: weeks, target: target)
        self.weeks = weeks.suffix(PupilTracker.weeksShown).reversed().map { w in
            guard let r = w.rate else {
                return WeekLine(weekStart: w.weekStart, sentence: "No school for you this week.", state: "none", percent: nil)
            }
            let met = Rates.atSchoolPrecision(r) >= Rates.atSchoolPrecision(target)
            return WeekLine(
                weekStart: w.weekStart, sentence: "In school \(w.attended) out of \(w.possible) times.", state: met ? "met" : "missed",
                percent: Int((r * 100).rounded()))
        }
    }

    /// The fewest further sessions, all attended, that bring the rate to the target; nil when it cannot be reached.
    static func sessionsToReach(_ target: Double, attended: Int, possible: Int) -> Int? {
        guard target < 1 else { return nil }
        // (a + n) / (p + n) >= t  <=>  n >= (t p - a) / (1 - t)
        let n = (target * Double(possible) - Double(attended)) / (1 - target)
        // A hair under a whole number is that number (0.4 / 0.04 is not exactly 10 in binary).
        return Int((n - 1e-9).rounded(.up))
    }

    /// Two sessions a day: "3 days", "half a day", "about 2 weeks" (5 school days a week).
    static func daysWords(_ sessions: Int) -> String {
        let days = (sessions + 1) / 2
        if sessions == 1 { return "half a day" }
        if days < 10 { return days == 1 ? "1 day" : "\(days) days" }
        let weeks = (days + 4) / 5
        return "about \(weeks) weeks"
    }

    /// The last 3 weeks with school against the 3 before them; nil with fewer than 6.
    static func trendWords(_ weeks: [Week]) -> String? {
        guard weeks.count >= 6 else { return nil }
        func rate(_ ws: ArraySlice<Week>) -> Double {
            Double(ws.map(\.attended).reduce(0, +)) / Double(max(1, ws.map(\.possible).reduce(0, +)))
        }
        let recent = rate(weeks.suffix(3))
        let before = rate(weeks.dropLast(3).suffix(3))
        let diff = Rates.atSchoolPrecision(recent) - Rates.atSchoolPrecision(before)
        if diff > 0.0001 { return "Your last 3 weeks were better than the 3 weeks before them. Keep it up!" }
        if diff < -0.0001 { return "Your last 3 weeks were not as good as the 3 weeks before them. Every day counts." }
        return recent >= 1 ? "You have been in every time for 6 weeks. Amazing!" : "Your last 3 weeks were the same as the 3 before them."
    }

    /// "96%" or "95.5%": whole numbers without a decimal.
    static func percentWords(_ r: Double) -> String {
        let t = Int((r * 1000).rounded())
        return t % 10 == 0 ? "\(t / 10)%" : "\(t / 10).\(t % 10)%"
    }
}
