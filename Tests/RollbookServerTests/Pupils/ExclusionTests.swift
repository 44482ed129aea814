import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

/// Suspensions and permanent exclusions as staff record them: E marks through the audited write, and the worklist's
/// notice of the first five days and alternative provision from the sixth.
extension ServerTests {
    @Suite("Exclusions: recorded with their days, coded E, followed up") struct ExclusionTests {
        static let zofia = PolicyWorkflowTests.zofia

        static func setUp(_ f: Fixture) async throws -> Int {
            var policy = Policy.standard(name: "Exclusions", effectiveFrom: day("2025-09-01"))
            policy.exclusions = Policy.Exclusions(alternativeProvisionFromSchoolDay: 6)
            try await PolicyWorkflowTests.setUp(f, policy)
            return try await PolicyWorkflowTests.marks(f, zofia, through: "2025-09-12", [])
        }

        static func eMarks(_ f: Fixture, _ id: Int) async throws -> [String] {
            try await f.store.marks(pupilID: id).filter { $0.code == "E" }.map { "\($0.date) \($0.session)" }
        }

        @Test(
            "seed 001 App. I code E 'Alternative provision will be arranged ... from the sixth consecutive day' and §4.2 'not present in a public place ... during the first five days': a suspension recorded by API is coded E, the notice is due on day 1 and alternative provision on day 6"
        )
        func suspension() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-15"), time: TimeOfDay(hour: 9, minute: 30)!)) { f in
                let id = try await Self.setUp(f)
                let path = "/api/v1/pupils/\(Self.zofia)/exclusions"
                let r = try await f.call(
                    .POST, path, as: .attendanceLead,
                    json: #"{"kind":"suspension","first_day":"2025-09-15","school_days":8,"reason":"Assault on a member of staff"}"#)
                #expect(r.status == .created, "\(r.text)")
                #expect(r.object["sessions_coded"] as? Int == 16 && r.object["first_day"] as? String == "2025-09-15")
                let e = try await Self.eMarks(f, id)
                #expect(e.count == 16 && e.first == "2025-09-15 AM" && e.last == "2025-09-24 PM")
                let entry = try #require(try await f.store.casework(pupilID: id).first { $0.caseworkKind == .exclusion })
                #expect(
                    entry.exclusion == ExclusionRecord(kind: .suspension, firstDay: day("2025-09-15"), schoolDays: 8, reason: entry.summary)
                )

                let (_, monday) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-15"))
                let notice = try #require(monday.first { $0.upn == Self.zofia && $0.kind == .exclusionNotice })
                #expect(notice.due == day("2025-09-15") && notice.letter == "exclusion-public-places" && notice.sessions.count == 10)
                #expect(!monday.contains { $0.upn == Self.zofia && $0.kind == .alternativeProvision })
                let (_, friday) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-19"))
                #expect(!friday.contains { $0.upn == Self.zofia && $0.kind == .alternativeProvision })
                // Day 6 is Monday 22 September.
                let (_, day6) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-22"))
                let provision = try #require(day6.first { $0.upn == Self.zofia && $0.kind == .alternativeProvision })
                #expect(provision.due == day("2025-09-22") && provision.action == .alternativeProvision)
                #expect(provision.sessions.map { "\($0.date) \($0.session.rawValue)" }.first == "2025-09-22 AM")
                // The penalty test is not fed by exclusion: E is authorised.
                #expect(!day6.contains { $0.upn == Self.zofia && $0.kind == .penaltyThreshold })
            }
        }

        @Test("a suspension recorded after it began amends the absences already marked, with the exclusion as the reason")
        func amendsMarked() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-12"), time: TimeOfDay(hour: 15, minute: 0)!)) { f in
                let id = try await Self.setUp(f)
                // Marked N on the 11th and 12th (AM present on the 11th: excluded at lunchtime).
                _ = try await f.store.record(
                    [
                        MarkWrite(pupilID: id, mark: Mark(date: day("2025-09-11"), session: .pm, code: .n), reason: "not in"),
                        MarkWrite(pupilID: id, mark: Mark(date: day("2025-09-12"), session: .am, code: .n), reason: "not in"),
                        MarkWrite(pupilID: id, mark: Mark(date: day("2025-09-12"), session: .pm, code: .n), reason: "not in"),
                    ], by: PolicyWorkflowTests.lead, at: "2025-09-12T14:00:00Z")
                let r = try await f.call(
                    .POST, "/api/v1/pupils/\(Self.zofia)/exclusions", as: .head,
                    json: #"{"kind":"suspension","first_day":"2025-09-11","school_days":2,"reason":"Persistent disruption"}"#)
                #expect(r.status == .created, "\(r.text)")
                #expect(try await Self.eMarks(f, id) == ["2025-09-11 PM", "2025-09-12 AM", "2025-09-12 PM"])
                let amendments = try await f.store.amendments(pupilID: id, date: day("2025-09-12"), session: .am)
                #expect(amendments.last?.newCode == "E" && amendments.last?.reason.contains("Suspended for 2 school days") == true)
                // The census counts the suspension, and its E sessions among the absence codes.
                let cookie = try await PageTests().signIn(f, .head)
                let census = try await PageTests().get(f, "/census?format=json", cookie: cookie)
                #expect(census.status == .ok && census.object["suspensions"] as? Int == 1, "\(census.text)")
                let line = try #require((census.object["lines"] as? [[String: Any]])?.first { $0["upn"] as? String == Self.zofia })
                let codes = census.object["reasons"] as? [String] ?? []
                let column = try #require(codes.firstIndex(of: "E"))
                #expect(line["suspensions"] as? Int == 1 && ((line["reasons"] as? [Int])?[column] ?? 0) >= 1)
                // Two days: the LA need not be told. A permanent exclusion later in the term must be.
                let lead = try await PageTests().signIn(f, .attendanceLead)
                var returns = try await PageTests().get(f, "/la-returns?format=json", cookie: lead)
                var lines = returns.object["exclusions"] as? [[String: Any]] ?? []
                #expect(lines.count == 1 && lines.first?["must_notify"] as? Bool == false, "\(returns.text.prefix(400))")
                _ = try await f.call(
                    .POST, "/api/v1/pupils/\(Self.zofia)/exclusions", as: .head,
                    json: #"{"kind":"suspension","first_day":"2025-09-12","school_days":4,"reason":"Again"}"#)
                returns = try await PageTests().get(f, "/la-returns?format=json", cookie: lead)
                lines = returns.object["exclusions"] as? [[String: Any]] ?? []
                #expect(lines.map { $0["term_suspension_school_days"] as? Int } == [2, 6])
                #expect(lines.map { $0["must_notify"] as? Bool } == [false, true])
            }
        }

        @Test("bad input names the field and writes nothing: kind, days, the 45-day limit, a permanent exclusion with days")
        func refused() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-15"), time: TimeOfDay(hour: 9, minute: 30)!)) { f in
                let id = try await Self.setUp(f)
                let path = "/api/v1/pupils/\(Self.zofia)/exclusions"
                let cases: [(String, String)] = [
                    (#"{"kind":"fixed","first_day":"2025-09-15","school_days":2,"reason":"x"}"#, "kind"),
                    (#"{"kind":"suspension","first_day":"2025-09-15","reason":"x"}"#, "school_days"),
                    (#"{"kind":"suspension","first_day":"2025-09-15","school_days":46,"reason":"x"}"#, "school_days"),
                    (#"{"kind":"permanent","first_day":"2025-09-15","school_days":3,"reason":"x"}"#, "school_days"),
                    (#"{"kind":"suspension","first_day":"2025-09-31","school_days":2,"reason":"x"}"#, "first_day"),
                    (#"{"kind":"suspension","first_day":"2025-09-15","school_days":2,"reason":"  "}"#, "reason"),
                ]
                for (json, field) in cases {
                    let r = try await f.call(.POST, path, as: .head, json: json)
                    #expect(r.status == .unprocessableEntity && r.errorField == field, "\(json): \(r.text)")
                }
                // 40 days earlier in the year: 6 more would pass 45.
                let first = try await f.call(
                    .POST, path, as: .head, json: #"{"kind":"suspension","first_day":"2025-09-15","school_days":4,"reason":"x"}"#)
                #expect(first.status == .created)
                let over = try await f.call(
                    .POST, path, as: .head, json: #"{"kind":"suspension","first_day":"2025-10-01","school_days":42,"reason":"x"}"#)
                #expect(over.status == .unprocessableEntity && over.errorReason.contains("4 school days of suspension this school year"))
                #expect(try await Self.eMarks(f, id).count == 8)
                #expect(try await f.store.casework(pupilID: id).filter { $0.caseworkKind == .exclusion }.count == 1)
                let teacher = try await f.call(
                    .POST, path, as: .teacher, json: #"{"kind":"suspension","first_day":"2025-09-15","school_days":1,"reason":"x"}"#)
                #expect(teacher.status == .forbidden)
            }
        }
    }
}
