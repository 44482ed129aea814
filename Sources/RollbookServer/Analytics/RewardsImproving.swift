import Foundation
import RollbookCore
import Vapor

/// The rewards page's improving attendance (seeds 000 §3.2, 004): pupils whose attendance this half term (or term)
/// rose by the policy's points over the one before.
struct RewardsImproving: Content {
    struct Line: Content {
        var upn: String
        var name: String
        var before: String
        var now: String
        var points: String
    }
    var title: String
    var rule: String
    var count: Int
    var pupils: [Line]

    static func load(_ s: AnalyticsController.Scope, showsPupils: Bool) -> RewardsImproving? {
        guard let rule = s.policy.rewards?.improving else { return nil }
        let unit = rule.compareWith == .previousTerm ? "term" : "half term"
        guard
            let now = s.roll.periodRange(rule.compareWith == .previousTerm ? .term : .halfTerm, containing: s.through, through: s.through),
            let before = s.roll.previousPeriod(rule.compareWith, before: now)
        else {
            return RewardsImproving(
                title: "Improving attendance", rule: "There is no \(unit) before this one to compare with.", count: 0, pupils: [])
        }
        let list = s.roll.improving(now: now, before: before, byPoints: rule.byPoints, filter: s.filter)
        return RewardsImproving(
            title: "Improving attendance this \(unit) (\(ParentWords.range(now.from, now.to)))",
            rule:
                "Attendance up by \(String(format: "%g", rule.byPoints)) percentage points or more on the \(unit) before (\(ParentWords.range(before.from, before.to))).",
            count: list.count,
            pupils: showsPupils
                ? list.map {
                    Line(
                        upn: $0.now.id, name: $0.now.name, before: percent($0.before.attendanceRate), now: percent($0.now.attendanceRate),
                        points: String(format: "+%.1f", $0.points))
                } : [])
    }
}
