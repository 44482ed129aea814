import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

extension ServerTests {
    @Suite("Traveller base school") struct TravellerBaseSchoolServerTests {
        let pages = PageTests()

        @Test(
            "seed 002 §4.4.7 'must have attended in the last 18 months': the store finds the last attendance here, the worklist proposes the review once it lapses, and the pupil page shows the status by the Traveller flag"
        )
        func lapsed() async throws {
            // 20 November 2025, with the tiny example's marks (to 19 September) and a 1-month base-school period.
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-11-20"), time: TimeOfDay(hour: 10, minute: 0)!), tinyMarks: true)
            {
                f in
                var policy = Policy.standard(name: "Travellers", effectiveFrom: day("2025-09-01"))
                policy.traveller = .init(baseSchoolMonths: 1)
                _ = try await f.store.savePolicy(
                    schoolID: f.schoolID, policy, document: String(decoding: PolicyFile.encode(policy), as: UTF8.self),
                    by: Actor(name: "Lee Lead", position: "Attendance lead"), at: "t")
                let zofia = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000003"))
                // The last present or approved-activity mark, worked out from the marks themselves.
                let attended = Set(TravellerBaseSchool.attendedCodes.map(\.symbol))
                let expected = try #require(
                    try await f.store.marks(pupilID: zofia.id!).filter { attended.contains($0.code) }.map(\.date).max())
                #expect(try await f.store.lastAttended(pupilIDs: [zofia.id!])[zofia.id!]?.iso == expected)
                // Not flagged: no review.
                #expect(
                    try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-11-20")).actions.filter {
                        $0.kind == .travellerBaseSchool
                    }.isEmpty)
                zofia.traveller = true
                try await zofia.save(on: f.app.db)
                let actions = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-11-20")).actions.filter {
                    $0.kind == .travellerBaseSchool
                }
                #expect(actions.map(\.upn) == ["A100000000003"])
                #expect(expected == "2025-09-19")
                #expect(actions.first?.reason.contains("last attended here on 19 September 2025") == true, "\(actions.first?.reason ?? "")")
                let lead = try await pages.signIn(f, .attendanceLead)
                let page = try await pages.get(f, "/pupils/A100000000003", cookie: lead)
                #expect(page.text.contains("From a Traveller family. Last attended here on "), "\(page.text.count)")
                #expect(page.text.contains("19 September 2025: the 1 month as base school ended on"))
                #expect(page.text.contains("Traveller base school review"))
            }
        }
    }
}
