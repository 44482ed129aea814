import FluentKit
import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

extension ServerTests {
    @Suite("Rewards: improving attendance") struct RewardsImprovingTests {
        @Test(
            "seeds 000 §3.2 'Rewarding ... good or improving attendance' and 004 'those with improved attendance': a pupil up by the policy's points on the half term before is listed, one who fell is not",
            arguments: Backend.available)
        func improvingHalfTerm(_ b: Backend) async throws {
            try await withRollbook(b, at: saturdayAfterTinyTerm, tinyMarks: true) { f in
                // Two half terms: 3-12 and 15-19 September.
                let csv = """
                    start,end,kind,year_groups
                    2025-09-03,2025-09-12,term,
                    2025-09-15,2025-09-19,term,
                    2025-09-03,2025-09-04,closure,R
                    2025-09-12,2025-09-12,closure,
                    2025-09-17,2025-09-17,closure_pm,

                    """
                try await f.store.replaceCalendar(
                    schoolID: f.schoolID, entries: try Interchange.readCalendar(file: "calendar.csv", text: csv))
                var policy = Policy.standard(name: "Tiny Test School policy", effectiveFrom: day("2025-09-01"))
                policy.rewards = .init(improving: .init(compareWith: .previousHalfTerm, byPoints: 2))
                _ = try await f.store.savePolicy(
                    schoolID: f.schoolID, policy, document: String(decoding: PolicyFile.encode(policy), as: UTF8.self),
                    by: Actor(name: "Head Person", position: "Head"), at: "2025-09-01T08:00:00Z")
                let office = try await staffSession(f, .office)
                let page = try await formSend(f, .GET, "/analytics/rewards?format=json", cookie: office.cookie)
                #expect(page.status == .ok)
                let improving = try #require(page.object["improving"] as? [String: Any], "\(page.text)")
                let pupils = try #require(improving["pupils"] as? [[String: Any]])
                // Zofia: 3 of 6 (50.0%) in the first half term, 9 of 9 in the second. Mia fell (70.0% to 55.6%).
                #expect(pupils.map { $0["name"] as? String } == ["Nowak, Zofia"])
                #expect(pupils.first?["before"] as? String == "50.0%" && pupils.first?["now"] as? String == "100.0%")
                #expect(pupils.first?["points"] as? String == "+50.0")
                #expect((improving["rule"] as? String)?.contains("up by 2 percentage points") == true)
                let html = try await formSend(f, .GET, "/analytics/rewards", cookie: office.cookie)
                #expect(html.text.contains("Improving attendance this half term"))

                // Without the setting, no list; a bad setting is refused naming it.
                var bad = policy
                bad.rewards = .init(improving: .init(compareWith: .previousTerm, byPoints: 0))
                var field: String?
                do { try bad.validate() } catch let e as ValidationError { field = e.field } catch {}
                #expect(field == "rewards.improving.by_points")
            }
        }
    }
}
