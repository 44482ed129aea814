import Foundation
import RollbookCore
import Vapor

/// The rewards page's "at or above target" list (seed 004's raffle: "100%, 96% and those with improved attendance"),
/// over the period chosen: with `rewards.individual_targets`, a pupil with their own target in force today (seed 004:
/// health needs "not unfairly excluded from attendance rewards, e.g. by setting individualised targets") is judged
/// against it.
struct RewardsAtTarget: Content {
    struct Line: Content {
        var upn: String
        var name: String
        var attendance: String
        var target: String
        /// True when the target is the pupil's own.
        var own: Bool
    }
    var title: String
    var rule: String
    var count: Int
    /// How many of them reached their own target.
    var ownTargets: Int
    var pupils: [Line]

    static func load(_ req: Request, _ s: AnalyticsController.Scope, showsPupils: Bool) async throws -> RewardsAtTarget? {
        guard let rewards = s.policy.rewards, rewards.listsAtTarget else { return nil }
        let target = rewards.atLeast ?? s.policy.attendanceTarget
        let own =
            rewards.individualTargets == true
            ? try await req.store.individualTargets(schoolID: s.user.schoolID, on: req.clock.now().date) : [:]
        let list = s.roll.atTarget(s.range, target: target, own: own, filter: s.filter)
        let words = IndividualTargetsController.words(target)
        return RewardsAtTarget(
            title: "At or above target (\(ParentWords.range(s.range.from, s.range.to)))",
            rule: rewards.individualTargets == true
                ? "Attendance of \(words) or more; a pupil with their own target is judged against it instead."
                : "Attendance of \(words) or more.",
            count: list.count, ownTargets: list.filter(\.own).count,
            pupils: showsPupils
                ? list.map {
                    Line(
                        upn: $0.now.id, name: $0.now.name, attendance: percent($0.now.attendanceRate),
                        target: IndividualTargetsController.words($0.target), own: $0.own)
                } : [])
    }
}
