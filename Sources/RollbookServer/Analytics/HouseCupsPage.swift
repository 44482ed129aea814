import Foundation
import RollbookCore
import Vapor

/// `/analytics/house-cups`: houses ranked by attendance over the week, half term, term or year, one cup per key stage
/// when the policy's `rewards.house_cups.by_key_stage` says (seed 003: "KS1 and KS2 House Attendance Cups will be
/// awarded each week"), else one for the whole school. `?format=json` gives the same figures.
extension AnalyticsController {
    struct HouseCupsContent: Content {
        var header: Header
        var byKeyStage: Bool
        var rule: String
        struct Cup: Content {
            var title: String
            /// `KS1`, `EYFS`...; nil for the whole school.
            var keyStage: String?
            /// The houses ranked first (several when tied).
            var winners: [String]
            var winnerWords: String
            var houses: [RewardsContent.League]
        }
        var cups: [Cup]
    }

    func houseCups(req: Request) async throws -> Response {
        let s = try await scope(req)
        let byKeyStage = s.policy.rewards?.houseCups?.byKeyStage == true
        let cups = s.roll.houseCups(s.range, byKeyStage: byKeyStage, filter: s.filter).map { cup in
            let winners = cup.winners
            return HouseCupsContent.Cup(
                title: cup.keyStage?.label ?? "Whole school", keyStage: cup.keyStage?.rawValue, winners: winners,
                winnerWords: winners.isEmpty
                    ? "No house had a session to attend."
                    : winners.count == 1
                        ? "The cup goes to \(winners[0])."
                        : "Shared by \(winners.dropLast().joined(separator: ", ")) and \(winners.last!) (the same attendance).",
                houses: cup.rows.map {
                    .init(
                        rank: $0.rank.map(String.init) ?? "–", group: $0.group.value, attendance: percent($0.attendanceRate),
                        pupils: $0.statistics.pupils, attendanceRate: $0.attendanceRate)
                })
        }
        return try await respond(
            req, "Analytics/analytics-house-cups", title: "House cups",
            HouseCupsContent(
                header: header(s, page: "/analytics/house-cups"), byKeyStage: byKeyStage,
                rule: byKeyStage
                    ? "One cup for each key stage: the houses ranked by the attendance of their pupils in that key stage."
                    : "One cup for the whole school: the houses ranked by the attendance of all their pupils.",
                cups: cups))
    }
}
