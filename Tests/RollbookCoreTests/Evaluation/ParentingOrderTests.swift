import Foundation
import Testing

@testable import RollbookCore

// Parenting orders (Evaluation/ParentingOrders.swift): recorded from the court's order, never proposed; the evaluation
// proposes each review on its date while the order lasts.

private func day(_ s: String) -> LocalDate { EvalTest.day(s) }

@Suite("Parenting orders: record and reviews")
struct ParentingOrderTests {
    static let upn = "X000000000001"

    static let order = ParentingOrderRecord(
        id: 7, madeOn: day("2025-10-06"), months: 3, court: "Northfield Magistrates' Court", parent: "Dana Example",
        officerName: "Robin Officer", officerOrganisation: "Northfield Education Welfare Service",
        requirements: "Attend a parenting programme weekly for 3 months; make sure the child attends every school day",
        reviewDates: [day("2025-12-01"), day("2025-11-03")])

    static func run(_ asOf: String, _ orders: [ParentingOrderRecord], done: Set<String> = []) throws -> [DueAction] {
        let policy = try SeedScenario.policy("000")
        let b = EvalTest.Book(yearGroup: "5", through: asOf)
        var cw = Casework(done: done)
        cw.parentingOrders = orders
        return EvalTest.run(policy, asOf, [b.facts(upn, dateOfBirth: "2016-01-15")], casework: [upn: cw])
    }

    @Test(
        "seed 000 §6.5.6 'All parenting orders will specify a responsible officer': the record needs the officer, and its dates must fit the order"
    )
    func checked() throws {
        let today = day("2025-10-10")
        let ok = try Self.order.checked(today: today)
        #expect(ok.reviewDates == [day("2025-11-03"), day("2025-12-01")], "sorted")
        #expect(ok.lastDay == day("2026-01-05"), "3 months from 6 October: to 5 January")
        func field(_ edit: (inout ParentingOrderRecord) -> Void) -> String? {
            var o = Self.order
            edit(&o)
            do {
                _ = try o.checked(today: today)
                return nil
            } catch { return error.field }
        }
        #expect(field { $0.officerName = "  " } == "officer_name")
        #expect(field { $0.officerOrganisation = "" } == "officer_organisation")
        #expect(field { $0.requirements = "" } == "requirements")
        #expect(field { $0.months = 13 } == "months")
        #expect(field { $0.months = 0 } == "months")
        #expect(field { $0.madeOn = day("2025-10-11") } == "made_on", "an order the court has not made yet")
        #expect(field { $0.reviewDates = [day("2026-01-06")] } == "review_dates", "after the order's last day")
        #expect(field { $0.reviewDates = [day("2025-10-06")] } == "review_dates", "on the day it was made")
        // 31 January plus one month: the order runs to the day before 28 February.
        var jan = Self.order
        jan.madeOn = day("2026-01-31")
        jan.months = 1
        #expect(jan.lastDay == day("2026-02-27"))
    }

    @Test(
        "seed 000 §6.5.6 parenting orders: each review is proposed on its date with the responsible officer, until done; never a new order")
    func reviews() throws {
        #expect(try Self.run("2025-10-31", [Self.order]).filter { $0.kind == .parentingOrderReview }.isEmpty)
        let first = try #require(try Self.run("2025-11-03", [Self.order]).first { $0.kind == .parentingOrderReview })
        #expect(first.due == day("2025-11-03") && first.action == .review && first.rule == "parenting_orders.review_dates")
        #expect(first.reason.contains("Review 1 of 2") && first.reason.contains("Robin Officer, Northfield Education Welfare Service"))
        #expect(first.reason.contains("Northfield Magistrates' Court") && first.reason.contains("Dana Example"))
        #expect(first.key == "parenting_order_review|\(Self.upn)|parenting_orders.review_dates|2025-10-06|7|2025-11-03")
        #expect(first.source.contains("responsible officer"))
        // Overdue until done; once done, nothing until the next date.
        #expect(try Self.run("2025-11-20", [Self.order]).filter { $0.kind == .parentingOrderReview }.map(\.key) == [first.key])
        #expect(try Self.run("2025-11-20", [Self.order], done: [first.key]).filter { $0.kind == .parentingOrderReview }.isEmpty)
        let second = try #require(try Self.run("2025-12-01", [Self.order], done: [first.key]).first { $0.kind == .parentingOrderReview })
        #expect(second.due == day("2025-12-01") && second.reason.contains("Review 2 of 2"))
        // After the order's last day nothing is proposed.
        #expect(try Self.run("2026-01-06", [Self.order]).filter { $0.kind == .parentingOrderReview }.isEmpty)
        // No rule ever proposes a parenting order itself.
        #expect(!Policy.ActionKind.allCases.map(\.rawValue).contains { $0.contains("parenting") })
    }
}
