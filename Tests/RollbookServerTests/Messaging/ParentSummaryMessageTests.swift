import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

extension ServerTests {
    /// The daily job that sends the policy's summary to parents (seed 003), with an injected clock.
    @Suite("Policy summary to parents") struct ParentSummaryMessageTests {
        @Test(
            "seed 003 'shared with parents at the start of the year and when a child starts': the first school day's run emails each parent with parental responsibility, a pupil admitted later is sent it on the starting day, once a year, in parents' words only"
        )
        func sends() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-03"), time: TimeOfDay(hour: 10, minute: 0)!)) { f in
                var policy = Policy.standard(name: "Summary", effectiveFrom: day("2025-09-01"))
                policy.clauses = [.init("send_parent_summary", "STAFF ONLY: agreed at the governors' meeting")]
                try await PolicyWorkflowTests.setUp(f, policy)
                func run(_ date: String) async throws -> Int {
                    try await ParentSummaryMessages.run(
                        store: f.store, now: FixedClock(date: day(date), time: TimeOfDay(hour: 10, minute: 0)!).now())
                }
                func summaries() async throws -> [OutboxRow] {
                    try await f.store.outbox(schoolID: f.schoolID).filter { $0.template == MessageTemplate.policySummary.rawValue }
                }
                // Without the setting nothing is sent.
                #expect(try await run("2025-09-03") == 0)

                policy.name = "Summary sent"
                policy.effectiveFrom = day("2025-09-02")
                policy.sendParentSummary = .init(startOfYear: true, onAdmission: true)
                _ = try await f.store.savePolicy(
                    schoolID: f.schoolID, policy, document: String(decoding: PolicyFile.encode(policy), as: UTF8.self),
                    by: PolicyWorkflowTests.lead, at: "t")
                // Tuesday 2 September is before the first school day (3 September).
                #expect(try await run("2025-09-02") == 0)
                // The first school day: Mia's parents (the only pupil with contacts); a second run that day, or the next
                // day's, sends nothing more.
                #expect(try await run("2025-09-03") == 2)
                #expect(try await run("2025-09-03") == 0)
                #expect(try await run("2025-09-04") == 0)
                let first = try await summaries()
                #expect(Set(first.map(\.recipient)) == ["rosa@example.org", "tom@example.org"])
                let body = try #require(first.first?.body)
                #expect(body.hasPrefix("As the new school year begins, here is how attendance works at Tiny Test School."))
                for para in ParentSummary.paragraphs(policy) { #expect(body.contains(para)) }
                #expect(!body.contains("STAFF ONLY"))

                // A pupil admitted on Wednesday 10 September: their parent is sent it that day.
                var pupils = try Interchange.readPupils(
                    file: "pupils.csv",
                    text: """
                        upn,legal_surname,legal_forename,preferred_forename,date_of_birth,sex,year_group,form,house,starting_day,leaving_day,sen,fsm,pupil_premium,eal,looked_after,child_in_need,child_protection,young_carer
                        A100000000009,Example,Kit,,2016-05-05,M,4,4A,Oak,2025-09-10,,,N,N,N,N,N,N,N

                        """)
                pupils[0].contacts = [
                    Contact(
                        priority: 1, name: "Kim Example", relationship: "Mother", parentalResponsibility: true, livesWith: true,
                        phone: "07700 900109", email: "kim@example.org")
                ]
                try await f.store.savePupils(schoolID: f.schoolID, pupils, yearGroupYear: AcademicYear(startYear: 2025))
                #expect(try await run("2025-09-09") == 0)
                #expect(try await run("2025-09-10") == 1)
                let kit = try #require(try await summaries().first { $0.recipient == "kim@example.org" })
                #expect(kit.body.hasPrefix("Welcome to Tiny Test School. Here is how attendance works for Kit Example."))
                #expect(try await summaries().count == 3)
            }
        }
    }
}
