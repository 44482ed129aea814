import Foundation
import Testing

@testable import RollbookCore

// Seed 004's SEND and health plans: a plan review every term, the term the plan starts in included, until it ends.

private func day(_ s: String) -> LocalDate { EvalTest.day(s) }

@Suite("Plan reviews: SEND and health plans each term")
struct SENDHealthPlanTests {
    static let upn = "X000000000002"
    static let rule = "plan_reviews.send-health"

    static func reviews(_ policy: Policy, _ asOf: String, ended: String? = nil, done: Set<String> = []) -> [DueAction] {
        let b = EvalTest.Book(yearGroup: "5", through: asOf)
        let plan = PlanState(
            kind: "send_health_plan", started: day("2025-09-15"), ended: ended.map(day), note: "Quiet room at lunch; a time-out card")
        return EvalTest.run(policy, asOf, [b.facts(upn)], casework: [upn: Casework(done: done, plans: [plan])]).filter {
            $0.rule == rule
        }
    }

    @Test(
        "seed 004 'Holding termly meetings to evaluate any implemented reasonable adjustments': a review at the end of each term, the first term included, with the adjustments, until the plan ends"
    )
    func termly() throws {
        let policy = try SeedScenario.policy("004")
        let r = try #require(policy.planReviews?.first { $0.id == "send-health" })
        #expect(r.plan == "send_health_plan" && r.every == Policy.PeriodLength(count: 1, unit: .term) && r.action == .meeting)
        // The autumn term ends on Friday 19 December 2025 (two half terms); nothing before it.
        #expect(Self.reviews(policy, "2025-12-18").isEmpty)
        let autumn = try #require(Self.reviews(policy, "2025-12-19").first)
        #expect(autumn.kind == .planReview && autumn.due == day("2025-12-19") && autumn.action == .meeting)
        #expect(autumn.reason.contains("review 1 is due 19 December 2025") && autumn.reason.contains("Quiet room at lunch"))
        #expect(autumn.source.contains("termly meetings"))
        // The spring term ends on 27 March 2026: the second review, with its own key.
        let spring = try #require(Self.reviews(policy, "2026-03-27", done: [autumn.key]).first)
        #expect(spring.due == day("2026-03-27") && spring.key != autumn.key)
        // Once the plan has ended ("attending school as normal"), no more reviews.
        #expect(Self.reviews(policy, "2026-03-27", ended: "2026-01-10").isEmpty)
    }

    @Test("count_current_period: without it the first termly review is the next term's end; with a month it is refused")
    func currentPeriod() throws {
        var policy = try SeedScenario.policy("004")
        let i = try #require(policy.planReviews?.firstIndex { $0.id == "send-health" })
        policy.planReviews![i].countCurrentPeriod = nil
        #expect(Self.reviews(policy, "2025-12-19").isEmpty)
        #expect(Self.reviews(policy, "2026-03-27").first?.due == day("2026-03-27"))
        policy.planReviews![i].countCurrentPeriod = true
        policy.planReviews![i].every = Policy.PeriodLength(count: 1, unit: .month)
        #expect(
            throws: ValidationError(
                field: "plan_reviews[\(i)].count_current_period", reason: "applies only to reviews every term or half term")
        ) {
            try policy.validate()
        }
    }

    @Test("seed 004 'the attendance lead will work with the headteacher and ... the DSL and SENCO': bullying flags go to them")
    func bullyingNotify() throws {
        let policy = try SeedScenario.policy("004")
        #expect(
            policy.barriers?.bullyingNotify == ["attendance_lead", "head", "position:Designated Safeguarding Lead", "position:SENCO"])
        #expect(policy.clauses.contains { $0.setting == "barriers.bullying_notify" && $0.source.contains("DSL and SENCO") })
    }
}
