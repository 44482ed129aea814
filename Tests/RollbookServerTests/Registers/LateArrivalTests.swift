import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

extension ServerTests {
    @Suite("Late arrivals") struct LateArrivalTests {
        let pages = PageTests()

        /// Seed 000's detention and seed 003's text to the priority-1 contact, with the late book asking why.
        static func policy() -> Policy {
            var p = Policy.standard(name: "Late arrivals", effectiveFrom: day("2025-09-01"))
            p.lateArrival = Policy.LateArrival(
                codes: ["L", "U"], sanction: "Late to learning detention", notify: [.sms, .email], recipients: .first,
                reasons: ["Overslept", "Transport or traffic"], reasonRequired: true)
            return p
        }

        static func setUp(_ f: Fixture, _ policy: Policy) async throws -> Int {
            let lead = Actor(name: "Lee Lead", position: "Attendance lead")
            _ = try await f.store.savePolicy(
                schoolID: f.schoolID, policy, document: String(decoding: PolicyFile.encode(policy), as: UTF8.self), by: lead, at: "t")
            let zofia = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000003")).id!
            for c in [
                Contact(
                    priority: 1, name: "Kasia Nowak", relationship: "Mother", parentalResponsibility: true, livesWith: true,
                    phone: "07700 900101", email: "kasia@example.org"),
                Contact(
                    priority: 2, name: "Piotr Nowak", relationship: "Father", parentalResponsibility: true, livesWith: true,
                    phone: "07700 900102", email: "piotr@example.org"),
            ] {
                try await ContactRow(pupilID: zofia, contact: c).create(on: f.app.db)
            }
            return zofia
        }

        @Test(
            "seed 000 §5.4.2 'late to learning detention' and seed 003 'each parent/carer (priority 1) ... notified by text': the late book records the reason and sanction and tells the first contact once a day"
        )
        func lateBook() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: 10, minute: 0)!)) { f in
                let zofia = try await Self.setUp(f, Self.policy())
                let office = try await pages.signIn(f, .office)
                let token = try #require(PageTests.csrf(try await pages.get(f, "/pupils/A100000000003", cookie: office))?.token)
                // The policy asks for a reason: none, or one not on its list, is refused and changes nothing.
                let none = try await pages.post(f, "/pupils/A100000000003/arrival", cookie: office, [("csrf", token), ("time", "09:20")])
                #expect(none.status == .unprocessableEntity && none.text.contains("reason"), "\(none.text)")
                let odd = try await pages.post(
                    f, "/pupils/A100000000003/arrival", cookie: office, [("csrf", token), ("time", "09:20"), ("reason", "Aliens")])
                #expect(odd.status == .unprocessableEntity && odd.text.contains("is not one of the policy"), "\(odd.text)")
                #expect(try await f.store.marks(pupilIDs: [zofia], date: day("2025-09-09"), session: .am)[zofia] == nil)

                let ok = try await pages.post(
                    f, "/pupils/A100000000003/arrival", cookie: office, [("csrf", token), ("time", "09:20"), ("reason", "Overslept")])
                #expect(ok.status == .seeOther, "\(ok.text)")
                let entry = try #require(try await f.store.casework(pupilID: zofia).first { $0.caseworkKind == .lateArrival })
                #expect(
                    entry.summary == "Late to the AM register: U, arrived at 9:20, 40 minutes late. Sanction: Late to learning detention.")
                #expect(entry.outcome == "Overslept" && entry.happenedOn == "2025-09-09")
                let messages = try await OutboxRow.query(on: f.app.db).all().filter { $0.pupilID == zofia }
                #expect(Set(messages.map { "\($0.channel) \($0.recipient)" }) == ["sms 07700 900101", "email kasia@example.org"])
                #expect(messages.allSatisfy { $0.template == MessageTemplate.lateArrival.rawValue })
                let sms = try #require(messages.first { $0.channel == "sms" })
                #expect(
                    sms.body.contains("Zofia arrived at 9:20 today") && !sms.body.contains("Sanction") && !sms.body.contains("Overslept"))

                // The page shows the reason; a second late mark the same day (a lesson) adds a timeline entry, no message.
                let page = try await pages.get(f, "/pupils/A100000000003", cookie: office)
                #expect(page.text.contains("Overslept") && page.text.contains("Late to learning detention"))
                let lesson = try await f.call(
                    .POST, "/api/v1/lessons/2025-09-09/P3", as: .office,
                    json: #"{"marks": [{"upn": "A100000000003", "code": "L", "minutes_late": 5}]}"#)
                #expect(lesson.status == .ok, "\(lesson.text)")
                let entries = try await f.store.casework(pupilID: zofia).filter { $0.caseworkKind == .lateArrival }
                #expect(
                    entries.map(\.summary).contains("Late to the P3 register: L, 5 minutes late. Sanction: Late to learning detention."))
                #expect(try await OutboxRow.query(on: f.app.db).all().filter { $0.pupilID == zofia }.count == 2)
            }
        }

        @Test("an L written on the register page or by the API follows the same policy; an amendment to an earlier day sends nothing")
        func registerAndAPI() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: 9, minute: 5)!)) { f in
                var policy = Self.policy()
                policy.lateArrival?.recipients = .parents
                policy.lateArrival?.notify = [.email]
                let zofia = try await Self.setUp(f, policy)
                let r = try await f.call(
                    .POST, "/api/v1/registers/2025-09-09/AM", as: .office,
                    json:
                        #"{"form": "6A", "marks": [{"upn": "A100000000003", "arrival_time": "09:02", "late_reason": "Transport or traffic"}]}"#
                )
                #expect(r.status == .ok, "\(r.text)")
                let messages = try await OutboxRow.query(on: f.app.db).all().filter { $0.pupilID == zofia }
                #expect(Set(messages.map(\.recipient)) == ["kasia@example.org", "piotr@example.org"])
                #expect(
                    try await f.store.casework(pupilID: zofia).first { $0.caseworkKind == .lateArrival }?.outcome == "Transport or traffic")
                // A late reason with a code that is not late is refused, naming the field.
                let bad = try await f.call(
                    .POST, "/api/v1/registers/2025-09-09/PM", as: .office,
                    json: #"{"form": "6A", "marks": [{"upn": "A100000000003", "code": "/", "late_reason": "Overslept"}]}"#)
                #expect(bad.status == .unprocessableEntity && bad.text.contains("marks[0].late_reason"), "\(bad.text)")
                // Yesterday's register amended to L: no timeline entry, no message.
                let before = try await f.store.casework(pupilID: zofia).count
                let past = try await f.call(
                    .POST, "/api/v1/registers/2025-09-08/AM", as: .office,
                    json:
                        #"{"form": "6A", "marks": [{"upn": "A100000000003", "code": "L", "minutes_late": 3, "reason": "late book found"}]}"#
                )
                #expect(past.status == .ok, "\(past.text)")
                #expect(try await f.store.casework(pupilID: zofia).count == before)
                #expect(try await OutboxRow.query(on: f.app.db).all().filter { $0.pupilID == zofia }.count == 2)
            }
        }
    }
}
