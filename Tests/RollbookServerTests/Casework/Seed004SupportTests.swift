import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

extension ServerTests {
    /// Seed 004's file on a server: SEND and health plans reviewed each term, and bullying flags to the attendance lead,
    /// the head, the DSL and the SENCO.
    @Suite("Seed 004: SEND and health plans, barriers") struct Seed004SupportTests {
        let pages = PageTests()
        static let mia = PolicyWorkflowTests.mia

        static func seed004() throws -> Policy {
            var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path), dir.pathComponents.count > 1 {
                dir.deleteLastPathComponent()
            }
            return try PolicyFile.decode(Data(contentsOf: dir.appendingPathComponent("Policies/seed-004-trust-primary.json")))
        }

        @Test(
            "seed 004 'termly meetings to evaluate ... reasonable adjustments': a SEND or health plan recorded on the pupil page is reviewed at the end of the term, with its adjustments"
        )
        func sendHealthPlan() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-16"), time: TimeOfDay(hour: 12, minute: 0)!)) { f in
                try await PolicyWorkflowTests.setUp(f, try Self.seed004())
                let lead = try await pages.signIn(f, .attendanceLead)
                let page = try await pages.get(f, "/pupils/\(Self.mia)", cookie: lead)
                #expect(page.text.contains("SEND or health support plan (list the reasonable adjustments)"))
                let token = try #require(PageTests.csrf(page)?.token)
                let r = try await pages.post(
                    f, "/pupils/\(Self.mia)/casework", cookie: lead,
                    [
                        ("csrf", token), ("kind", "send_health_plan"), ("date", "2025-09-16"),
                        ("summary", "Adjustments: a quiet room at lunch, a time-out card, a later start on Mondays"),
                    ])
                #expect(r.status == .seeOther, "\(r.text)")
                // The test calendar's autumn term ends on Friday 24 October 2025.
                let (_, before) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-10-23"))
                #expect(!before.contains { $0.rule == "plan_reviews.send-health" })
                let (_, on) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-10-24"))
                let review = try #require(on.first { $0.rule == "plan_reviews.send-health" && $0.upn == Self.mia })
                #expect(review.kind == .planReview && review.due == day("2025-10-24") && review.reason.contains("a quiet room at lunch"))
            }
        }

        @Test(
            "seed 004 'Barriers to attendance': with seed 004's file, an absence flagged as possibly bullying-related emails the attendance lead, the head, the DSL and the SENCO, and nobody else"
        )
        func bullyingNotify() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-12"), time: TimeOfDay(hour: 12, minute: 0)!)) { f in
                try await PolicyWorkflowTests.setUp(f, try Self.seed004())
                let hash = try Bcrypt.hash("correct horse", cost: 4)
                for (name, position) in [
                    ("Dee Safe", "Designated safeguarding lead"), ("Sen Co", "SENCO"), ("Pat Pastoral", "Pastoral lead"),
                ] {
                    try await f.store.addStaff(
                        StaffRow(
                            schoolID: f.schoolID, name: name, email: "\(name.split(separator: " ")[0].lowercased())@tiny.example.org",
                            position: position, role: .office, passwordHash: hash))
                }
                _ = try await PolicyWorkflowTests.marks(
                    f, Self.mia, through: "2025-09-12", [("2025-09-11", .am, .n), ("2025-09-11", .pm, .n)])
                let office = try await pages.signIn(f, .office)
                let token = try #require(PageTests.csrf(try await pages.get(f, "/pupils/\(Self.mia)", cookie: office))?.token)
                let ok = try await pages.post(
                    f, "/pupils/\(Self.mia)/barriers", cookie: office,
                    [
                        ("csrf", token), ("category", "bullying"), ("note", "Says she is picked on at break"),
                        ("absenceDate", "2025-09-11"),
                        ("sessions", "both"),
                    ])
                #expect(ok.status == .seeOther, "\(ok.text)")
                let messages = try await OutboxRow.query(on: f.app.db).all().filter {
                    $0.template == MessageTemplate.bullyingConcern.rawValue
                }
                #expect(
                    Set(messages.map(\.recipient)) == [
                        "attendance_lead@tiny.example.org", "head@tiny.example.org", "dee@tiny.example.org", "sen@tiny.example.org",
                    ])
            }
        }
    }
}
