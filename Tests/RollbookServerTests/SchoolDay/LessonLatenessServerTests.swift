import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

/// Issue 17: lesson lates (L on a lesson register) reach the daily evaluation when the policy counts them.
extension ServerTests {
    @Suite("Lesson lateness in the evaluation") struct LessonLatenessServerTests {
        static let zofia = "A100000000003"

        static func policy(includingLessons: Bool) -> Policy {
            var p = Policy.standard(name: "Late to learning", effectiveFrom: day("2025-09-01"))
            p.lateness = [
                Policy.LatenessRule(
                    id: "late-3", name: "Three late arrivals in a week", codes: ["L"], per: .week, atLeast: 3, action: .letter,
                    letter: "lateness-warning")
            ]
            p.latenessIncludesLessons = includingLessons ? true : nil
            return p
        }

        @Test(
            "seed 000 §5.4.4 'late for a lesson ... late to learning detention': lessons marked L through the API count towards the lateness rung when the policy says so",
            arguments: Backend.available)
        func lessonLatesReachTheRung(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: 15, minute: 0)!)) { f in
                _ = try await LateArrivalTests.setUp(f, Self.policy(includingLessons: false))
                // Late to registration once, then to two lessons.
                let am = try await f.call(
                    .POST, "/api/v1/registers/2025-09-09/AM", as: .office,
                    json: #"{"form": "6A", "marks": [{"upn": "A100000000003", "code": "L", "minutes_late": 5}]}"#)
                #expect(am.status == .ok, "\(am.text)")
                for lesson in ["P3", "P5"] {
                    let r = try await f.call(
                        .POST, "/api/v1/lessons/2025-09-09/\(lesson)", as: .office,
                        json: #"{"marks": [{"upn": "A100000000003", "code": "L", "minutes_late": 4}]}"#)
                    #expect(r.status == .ok, "\(r.text)")
                }
                // Without the setting: one late arrival, no rung.
                var actions = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-09")).actions
                #expect(actions.filter { $0.kind == .lateness }.isEmpty)
                // With it, saved as a new version: three, the rung's letter, the lesson lates said.
                let lead = Actor(name: "Lee Lead", position: "Attendance lead")
                var counting = Self.policy(includingLessons: true)
                counting.effectiveFrom = day("2025-09-09")
                _ = try await f.store.savePolicy(
                    schoolID: f.schoolID, counting, document: String(decoding: PolicyFile.encode(counting), as: UTF8.self), by: lead,
                    at: "t2")
                actions = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-09")).actions
                let a = try #require(actions.first { $0.kind == .lateness && $0.upn == Self.zofia })
                #expect(a.rule == "lateness.late-3" && a.figures["count"] == 3 && a.figures["lesson_lates"] == 2, "\(a.reason)")
            }
        }
    }
}
