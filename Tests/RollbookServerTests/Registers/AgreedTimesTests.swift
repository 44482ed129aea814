import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

extension ServerTests {
    @Suite("Part-time timetables: agreed times") struct AgreedTimesServerTests {
        let pages = PageTests()
        static let zofia = "A100000000003"
        static let danny = "A100000000002"

        /// A pending leave request for Zofia, Tuesday 9 to Tuesday 30 September 2025.
        static func request(_ f: Fixture) async throws -> (requestID: Int, pupilID: Int) {
            let pupilID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: zofia)).id!
            let row = LeaveRequestRow()
            row.pupilID = pupilID
            row.requestedBy = "Kasia Nowak"
            row.state = .pending
            row.request = LeaveRequestRow.json(
                LeaveRequest(
                    from: day("2025-09-09"), to: day("2025-09-30"), requestedOn: day("2025-09-08"), reason: "A phased return"))
            row.createdAt = "2025-09-08T09:00:00Z"
            try await f.store.addLeaveRequest(row, documents: [])
            return (row.id!, pupilID)
        }

        @Test(
            "seed 004 'Temporary late starts or early finishes': the head agrees a late start and early finish on the C2 grant; arriving by the start is present in the late book and the register API, leaving at the finish needs no reason"
        )
        func agreedTimes() async throws {
            // Tuesday 9 September 2025 at 10:05: AM late after 8:55, closed at 9:15.
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: 10, minute: 5)!)) { f in
                let (id, zofiaID) = try await Self.request(f)
                let head = try await pages.signIn(f, .head)
                let page = try await pages.get(f, "/leave/\(id)", cookie: head)
                #expect(page.text.contains(#"name="agreedStart[tue]" type="time""#))
                let token = try #require(PageTests.csrf(page)?.token)
                let fields = [
                    ("csrf", token), ("code", "C2"), ("from", "2025-09-09"), ("to", "2025-09-30"), ("reviewDate", "2025-09-23"),
                    ("timetable", "Tuesdays 10:00 to 12:00 while recovering"), ("agreedStart[tue]", "10:00"),
                    ("agreedFinish[tue]", "12:00"), ("agreedStart[wed]", ""),
                ]
                // A 12:00 finish leaves out Tuesday afternoon, so it must be among the sessions not expected.
                let bad = try await pages.post(f, "/leave/\(id)/grant", cookie: head, fields + [("notExpected[]", "fri_pm")])
                #expect(bad.status == .unprocessableEntity && bad.text.contains("agreed_finish.tue: a finish at 12:00"), "\(bad.text)")
                #expect(try await f.store.leaveRequest(id: id)?.state == .pending)
                let odd = try await pages.post(f, "/leave/\(id)/grant", cookie: head, fields + [("agreedFinish[thu]", "noon")])
                #expect(
                    odd.status == .unprocessableEntity && odd.text.contains("agreed_finish.thu: &#39;noon&#39; is not a time"),
                    "\(odd.text)")
                let ok = try await pages.post(f, "/leave/\(id)/grant", cookie: head, fields + [("notExpected[]", "tue_pm")])
                #expect(ok.status == .seeOther, "\(ok.status) \(ok.text)")
                let grant = try #require(try await f.store.leaveRequest(id: id)?.leaveGrant)
                #expect(grant.agreedStart == ["tue": TimeOfDay("10:00")!] && grant.agreedFinish == ["tue": TimeOfDay("12:00")!])
                let letter = try #require(try await f.store.casework(pupilID: zofiaID).first { $0.caseworkKind == .leaveDecision })
                #expect(letter.document?.contains("Agreed times: Tuesday: agreed start 10:00, agreed finish 12:00.") == true)

                // The late book: 9:58 is before the agreed start, so present, with no reason for lateness.
                let office = try await pages.signIn(f, .office)
                let pupilPage = try await pages.get(f, "/pupils/\(Self.zofia)", cookie: office)
                #expect(pupilPage.text.contains("Part-time timetable today: agreed start 10:00, agreed finish 12:00."))
                let officeToken = try #require(PageTests.csrf(pupilPage)?.token)
                let arrived = try await pages.post(
                    f, "/pupils/\(Self.zofia)/arrival", cookie: office, [("csrf", officeToken), ("time", "09:58")])
                #expect(arrived.status == .seeOther, "\(arrived.text)")
                let mark = try await f.store.marks(pupilIDs: [zofiaID], date: day("2025-09-09"), session: .am)[zofiaID]
                #expect(mark?.code == "/" && mark?.minutesLate == nil)

                // The register API: the line carries the agreed times; 10:12 is 12 minutes late from the agreed start,
                // while Danny, with no agreement, is U at 9:58.
                let reg = try await f.call(.GET, "/api/v1/registers/2025-09-09/AM", as: .office)
                let line = ((reg.object["pupils"] as? [[String: Any]]) ?? []).first { $0["upn"] as? String == Self.zofia }
                #expect(line?["agreed_start"] as? String == "10:00" && line?["agreed_finish"] as? String == "12:00", "\(reg.text)")
                let r = try await f.call(
                    .POST, "/api/v1/registers/2025-09-09/AM", as: .office,
                    json: """
                        {"marks": [{"upn": "\(Self.zofia)", "arrival_time": "10:12", "reason": "Arrival time corrected"},
                                   {"upn": "\(Self.danny)", "arrival_time": "9:58"}]}
                        """)
                #expect(r.status == .ok, "\(r.text)")
                let lines = (r.object["register"] as? [String: Any])?["pupils"] as? [[String: Any]] ?? []
                let byUPN = Dictionary(uniqueKeysWithValues: lines.map { ($0["upn"] as! String, $0) })
                #expect(byUPN[Self.zofia]?["code"] as? String == "L" && byUPN[Self.zofia]?["minutes_late"] as? Int == 12)
                #expect(byUPN[Self.danny]?["code"] as? String == "U" && byUPN[Self.danny]?["agreed_start"] == nil)
                // The change went through the audited amendment path.
                #expect(try await f.store.amendments(pupilID: zofiaID).contains { $0.originalCode == "/" && $0.newCode == "L" })

                // Leaving before the agreed finish still needs a reason; at it, none.
                let early = try await pages.post(
                    f, "/pupils/\(Self.zofia)/sign-out", cookie: office, [("csrf", officeToken), ("time", "11:30")])
                #expect(early.status == .unprocessableEntity && early.text.contains("say why the pupil is leaving"), "\(early.text)")
                let out = try await pages.post(
                    f, "/pupils/\(Self.zofia)/sign-out", cookie: office, [("csrf", officeToken), ("time", "12:00")])
                #expect(out.status == .seeOther, "\(out.text)")
                let signOuts = try await f.store.signOuts(pupilIDs: [zofiaID], date: day("2025-09-09"))
                #expect(signOuts.map(\.reason) == ["Agreed early finish at 12:00 (part-time timetable)"])
            }
        }
    }
}
