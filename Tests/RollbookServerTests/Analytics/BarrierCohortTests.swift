import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

extension ServerTests {
    /// Barriers to attendance as an analytics cohort: the cohorts page, its JSON and CSV, and the group filter.
    @Suite("Barriers in analytics") struct BarrierCohortTests {
        let pages = PageTests()

        @Test(
            "seed 004 'Barriers to attendance': a barrier recorded on the pupil page becomes a cohort on the analytics page, JSON and CSV, and a filter"
        )
        func barrierCohort() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-12"), time: TimeOfDay(hour: 12, minute: 0)!)) { f in
                try await PolicyWorkflowTests.setUp(f, Policy.standard(name: "Barriers", effectiveFrom: day("2025-09-01")))
                let mia = PolicyWorkflowTests.mia
                // Mia absent without a reason on Thursday 11 September (2 sessions).
                _ = try await PolicyWorkflowTests.marks(f, mia, through: "2025-09-12", [("2025-09-11", .am, .n), ("2025-09-11", .pm, .n)])
                let lead = try await pages.signIn(f, .attendanceLead)
                func cohorts() async throws -> [[String: Any]] {
                    let r = try await pages.get(f, "/analytics/cohorts?format=json", cookie: lead)
                    #expect(r.status == .ok, "\(r.text.prefix(300))")
                    return (r.object["sections"] as? [[String: Any]] ?? []).flatMap { $0["rows"] as? [[String: Any]] ?? [] }
                }
                // The roll is read (and held in memory) before any barrier exists.
                #expect(try await cohorts().allSatisfy { $0["dimension"] as? String != "barrier" })

                let token = try #require(PageTests.csrf(try await pages.get(f, "/pupils/\(mia)", cookie: lead))?.token)
                let ok = try await pages.post(
                    f, "/pupils/\(mia)/barriers", cookie: lead, [("csrf", token), ("category", "transport"), ("note", "The bus was cut")])
                #expect(ok.status == .seeOther, "\(ok.text)")

                let rows = try await cohorts()
                let row = try #require(rows.first { $0["key"] as? String == "barrier:transport" })
                #expect(row["group"] as? String == "Barrier: Transport")
                let members = row["members"] as? [String: Any] ?? [:]
                let rest = row["rest"] as? [String: Any] ?? [:]
                #expect(members["pupils"] as? Int == 1 && members["unauthorised"] as? Int == 2)
                #expect(rest["unauthorised"] as? Int == 0, "Mia's absence counts for the barrier's pupils, not the rest")
                #expect((members["persistent_absence"] as? Int) == 1, "2 of Mia's sessions so far were missed: at least 10%")
                #expect(!rows.contains { $0["key"] as? String == "barrier:health" })

                let page = try await pages.get(f, "/analytics/cohorts", cookie: lead)
                #expect(page.text.contains("Barriers to attendance") && page.text.contains("Barrier: Transport"))
                let csv = try await pages.get(f, "/analytics/cohorts?format=csv", cookie: lead)
                #expect(csv.status == .ok && csv.headers.contentType?.subType == "csv")
                let line = try #require(csv.text.split(separator: "\n").first { $0.hasPrefix("barrier,") })
                #expect(line.hasPrefix("barrier,Barrier: Transport,barrier:transport,1,"))

                let only = try await pages.get(f, "/analytics?group=barrier:transport&format=json", cookie: lead)
                #expect((only.object["figures"] as? [String: Any])?["pupils"] as? Int == 1)
                let bad = try await pages.get(f, "/analytics?group=barriers&format=json", cookie: lead)
                #expect(bad.status == .unprocessableEntity && bad.text.contains("barrier:transport"))
            }
        }
    }
}
