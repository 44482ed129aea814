import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

extension ServerTests {
    /// Parenting orders recorded through the API and the pupil page, and their reviews on the worklist.
    @Suite("Parenting orders") struct ParentingOrderServerTests {
        let pages = PageTests()
        static let mia = PolicyWorkflowTests.mia

        static func body(officer: String = "Robin Officer", parent: String = "Rosa Fielding", reviews: String = #"["2025-10-20"]"#)
            -> String
        {
            #"{"made_on":"2025-09-15","months":3,"court":"Northfield Magistrates' Court","parent":"\#(parent)","officer_name":"\#(officer)","officer_organisation":"Northfield Education Welfare Service","requirements":"A parenting programme for 3 months","review_dates":\#(reviews)}"#
        }

        @Test(
            "seed 000 §6.5.6 'All parenting orders will specify a responsible officer': an order is recorded with its officer, on the timeline, its review proposed on the worklist; a bad field writes nothing"
        )
        func recordAndReview() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-16"), time: TimeOfDay(hour: 9, minute: 30)!)) { f in
                try await PolicyWorkflowTests.setUp(f, Policy.standard(name: "Orders", effectiveFrom: day("2025-09-01")))
                let path = "/api/v1/pupils/\(Self.mia)/parenting-orders"
                let id = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.mia)).id!
                for (json, field) in [
                    (Self.body(officer: " "), "officer_name"), (Self.body(parent: "Someone Else"), "parent"),
                    (Self.body(reviews: #"["2026-01-20"]"#), "review_dates"), (Self.body(reviews: #"["soon"]"#), "review_dates"),
                ] {
                    let bad = try await f.call(.POST, path, as: .attendanceLead, json: json)
                    #expect(bad.status == .unprocessableEntity && bad.text.contains(field), "\(bad.text)")
                }
                #expect(try await f.store.casework(pupilID: id).filter { $0.caseworkKind == .parentingOrder }.isEmpty)
                #expect(try await f.store.parentingOrders(schoolID: f.schoolID).isEmpty)
                let office = try await f.call(.POST, path, as: .office, json: Self.body())
                #expect(office.status == .forbidden)

                let r = try await f.call(.POST, path, as: .attendanceLead, json: Self.body())
                #expect(r.status == .created, "\(r.text)")
                #expect(r.object["last_day"] as? String == "2025-12-14" && r.object["officer_name"] as? String == "Robin Officer")
                let entry = try #require(try await f.store.casework(pupilID: id).first { $0.caseworkKind == .parentingOrder })
                #expect(entry.summary.contains("responsible officer Robin Officer, Northfield Education Welfare Service"))
                #expect(entry.parent == "Rosa Fielding")

                // Nothing before the review date; on it, the review with the officer.
                let (_, before) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-10-17"))
                #expect(!before.contains { $0.kind == .parentingOrderReview })
                let (_, on) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-10-20"))
                let review = try #require(on.first { $0.kind == .parentingOrderReview && $0.upn == Self.mia })
                #expect(review.due == day("2025-10-20") && review.reason.contains("Robin Officer"))

                // The pupil page offers the form, and it records an order too (months as typed, dates in one field).
                let cookie = try await pages.signIn(f, .attendanceLead)
                let page = try await pages.get(f, "/pupils/\(Self.mia)", cookie: cookie)
                #expect(page.text.contains("parenting-order-form") && page.text.contains("Responsible officer named on the order"))
                let token = try #require(PageTests.csrf(page)?.token)
                let form = try await pages.post(
                    f, "/pupils/\(Self.mia)/parenting-orders", cookie: cookie,
                    [
                        ("csrf", token), ("madeOn", "2025-09-16"), ("months", "6"), ("court", "Northfield Family Court"),
                        ("parent", "Rosa Fielding"), ("officerName", "Sam Officer"), ("officerOrganisation", "Youth Offending Team"),
                        ("requirements", "Weekly meetings"), ("reviewDates", "2025-11-03, 2025-12-01"),
                    ])
                #expect(form.status == .seeOther, "\(form.text)")
                #expect(
                    try await f.store.parentingOrders(schoolID: f.schoolID)[id]?.last?.reviewDates == [
                        day("2025-11-03"), day("2025-12-01"),
                    ])
            }
        }
    }
}
