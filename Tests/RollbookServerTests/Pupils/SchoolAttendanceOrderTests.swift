import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

extension ServerTests {
    @Suite("School attendance orders") struct SchoolAttendanceOrderTests {
        let pages = PageTests()

        @Test(
            "seed 001 §5 home education 'not while a School Attendance Order applies': the lead records an order on the pupil page; deleting on the elective home education ground is then refused (422 naming ground), and allowed once the order was revoked"
        )
        func refusedWhileAnOrderApplies() async throws {
            try await withRollbook(.sqlite, tinyMarks: true) { f in
                let lead = try await pages.signIn(f, .attendanceLead)
                let mia = "A100000000001"
                let zofia = "A100000000003"
                let token = try #require(PageTests.csrf(try await pages.get(f, "/pupils/\(mia)", cookie: lead))?.token)
                let bad = try await pages.post(
                    f, "/pupils/\(mia)/school-attendance-order", cookie: lead,
                    [("csrf", token), ("from", "2025-09-05"), ("to", "2025-09-01")])
                #expect(bad.status == .unprocessableEntity && bad.text.contains("before the order starts"), "\(bad.text)")
                let open = try await pages.post(
                    f, "/pupils/\(mia)/school-attendance-order", cookie: lead, [("csrf", token), ("from", "2025-09-05")])
                #expect(open.status == .seeOther, "\(open.text)")
                let revoked = try await pages.post(
                    f, "/pupils/\(zofia)/school-attendance-order", cookie: lead,
                    [("csrf", token), ("from", "2025-09-01"), ("to", "2025-09-10")])
                #expect(revoked.status == .seeOther, "\(revoked.text)")
                let page = try await pages.get(f, "/pupils/\(mia)", cookie: lead)
                #expect(page.text.contains("School attendance orders: from 2025-09-05, not revoked."))
                let miaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: mia)).id!
                #expect(try await f.store.casework(pupilID: miaID).contains { $0.summary.hasPrefix("School attendance order recorded") })

                let refused = try await f.call(
                    .POST, "/api/v1/pupils/\(mia)/deletion", as: .head,
                    json: #"{"ground": "elective_home_education", "leaving_day": "2025-09-16"}"#)
                #expect(refused.status == .unprocessableEntity && refused.errorField == "ground", "\(refused.text)")
                #expect(refused.errorReason.contains("school attendance order applies"))
                #expect(try await f.store.pupil(schoolID: f.schoolID, upn: mia)?.leavingDay == nil)
                // Another ground is not affected by the order.
                let moved = try await f.call(
                    .POST, "/api/v1/pupils/\(mia)/deletion", as: .head,
                    json: #"{"ground": "transferred_to_another_school", "leaving_day": "2025-09-16"}"#)
                #expect(moved.status == .ok, "\(moved.text)")
                // Zofia's order was revoked on 10 September: the deletion on the 16th goes ahead, once the parents'
                // written confirmation is given (reg 9(1)(c)); the confirmation and the meeting go on her timeline and
                // the LA is told through the outbox, as the LA return records it.
                var policy = Policy.standard()
                policy.localAuthority = .init(name: "Westmere Council", email: "ehe@westmere.example.org")
                _ = try await f.store.savePolicy(
                    schoolID: f.schoolID, policy, document: String(decoding: PolicyFile.encode(policy), as: UTF8.self),
                    by: Actor(name: "Test", position: "Test"), at: "2025-09-08T15:00:00Z")
                let path = "/api/v1/pupils/\(zofia)/deletion"
                let unconfirmed = try await f.call(
                    .POST, path, as: .head, json: #"{"ground": "elective_home_education", "leaving_day": "2025-09-16"}"#)
                #expect(
                    unconfirmed.status == .unprocessableEntity && unconfirmed.errorField == "parent_confirmed_on", "\(unconfirmed.text)")
                let future = try await f.call(
                    .POST, path, as: .head,
                    json: #"{"ground": "elective_home_education", "leaving_day": "2025-09-16", "parent_confirmed_on": "2025-09-12"}"#)
                #expect(future.status == .unprocessableEntity && future.errorField == "parent_confirmed_on", "\(future.text)")
                #expect(try await f.store.pupil(schoolID: f.schoolID, upn: zofia)?.leavingDay == nil)
                #expect(try await f.store.outbox(schoolID: f.schoolID).allSatisfy { $0.recipient != "ehe@westmere.example.org" })
                let allowed = try await f.call(
                    .POST, path, as: .head,
                    json:
                        #"{"ground": "elective_home_education", "leaving_day": "2025-09-16", "parent_confirmed_on": "2025-09-08", "meeting_on": "2025-09-05"}"#
                )
                #expect(allowed.status == .ok, "\(allowed.text)")
                let zofiaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: zofia)).id!
                let timeline = try await f.store.casework(pupilID: zofiaID)
                #expect(
                    timeline.contains {
                        $0.caseworkKind == .meeting && $0.happenedOn == "2025-09-05" && $0.summary.contains("home education")
                    })
                #expect(timeline.contains { $0.happenedOn == "2025-09-08" && $0.summary.contains("confirmed in writing") })
                let la = try await f.store.outbox(schoolID: f.schoolID).filter { $0.recipient == "ehe@westmere.example.org" }
                #expect(la.count == 1 && la[0].template == MessageTemplate.laNotice.rawValue && la[0].body.contains("2025-09-08"))
                #expect(try await f.store.laNotices(schoolID: f.schoolID)[zofiaID]?[.deletion]?.method == "outbox")
            }
        }
    }
}
