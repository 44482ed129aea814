import Foundation
import Testing

@testable import RollbookCore

@Suite("Rewards settings")
struct RewardsPolicyTests {
    @Test("seed 004 'termly raffle ... those with improved attendance': this term against the last, up 2 points; other seeds have none")
    func seed004Improving() throws {
        let p = try SeedPolicyTests.seed(4)
        #expect(p.rewards?.improving == .init(compareWith: .previousTerm, byPoints: 2))
        #expect(try SeedPolicyTests.seed(1).rewards == nil)
    }

    @Test("by_points must be above 0 and at most 50, named in the error")
    func byPointsValidated() throws {
        var p = try SeedPolicyTests.seed(4)
        for bad in [0, -1, 51.0] {
            p.rewards = .init(improving: .init(compareWith: .previousHalfTerm, byPoints: bad))
            var field: String?
            do { try p.validate() } catch { field = error.field }
            #expect(field == "rewards.improving.by_points", "\(bad)")
        }
        p.rewards = .init(improving: .init(compareWith: .previousHalfTerm, byPoints: 0.5))
        #expect(throws: Never.self) { try p.validate() }
    }
}
