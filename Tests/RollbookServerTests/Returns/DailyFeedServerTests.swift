import Crypto
import Foundation
import RollbookCore
import RollbookDemo
import RollbookStore
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

extension ServerTests {
    /// The daily attendance feed (`GET /api/v1/feeds/daily`, docs/daily-feed.md) and the head's service accounts whose
    /// tokens read it and nothing else (issue 18). Everyone here is fictional.
    @Suite("Daily attendance feed") struct DailyFeedServerTests {
        /// Friday 19 September 2025 after school: the tiny example's last term day.
        static let clock = FixedClock(date: day("2025-09-19"), time: TimeOfDay(hour: 16, minute: 0)!)
        static let office = Actor(name: "Office Person", position: "Office")

        /// Each UPN's counts from the feed's codes, by the statistics engine's own categories.
        static func counts(_ records: [[String: Any]]) -> [String: SessionCounts] {
            var out: [String: SessionCounts] = [:]
            for r in records {
                let upn = r["upn"] as? String ?? ""
                var c = out[upn] ?? SessionCounts()
                switch (r["code"] as? String).flatMap(AttendanceCode.lookup).map(StatisticsEngine.category) ?? 0 {
                case 0: c.unmarked += 1
                case 1: c.present += 1
                case 2: c.approvedActivity += 1
                case 3: c.authorised += 1
                case 4: c.unauthorised += 1
                default:
                    out[upn] = c
                    continue
                }
                c.possible += 1
                out[upn] = c
            }
            return out
        }

        /// A service account of the fixture's school made through the API by the head; its token.
        static func serviceToken(_ f: Fixture, name: String = "Local authority attendance team") async throws -> String {
            let made = try await f.call(.POST, "/api/v1/service-accounts", as: .head, json: #"{"name": "\#(name)", "scope": "daily-feed"}"#)
            try #require(made.status == .created, "\(made.status) \(made.text)")
            return try #require(made.object["token"] as? String)
        }

        @Test(
            "the feed over the demo's last school day and week agrees with rollbook report for every pupil (possible, present, authorised, unauthorised)",
            arguments: Backend.available)
        func demoAgreesWithReport(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: day("2026-11-25"), time: TimeOfDay(hour: 16, minute: 0)!)) { f in
                let demo = try await DemoSeeder.seed(
                    store: f.store, options: DemoOptions(phase: .primary, pupils: 180, through: day("2026-11-24")), bcryptCost: 4,
                    now: "2026-11-24T17:00:00Z")
                let token = try await createServiceToken(
                    store: f.store, schoolID: demo.schoolID, name: "The trust's data team", scope: "daily-feed", by: "test",
                    now: "2026-11-24T17:00:00Z"
                ).token
                for (query, range) in [
                    ("date=2026-11-24", DateRange(from: day("2026-11-24"), to: day("2026-11-24"))),
                    ("from=2026-11-16&to=2026-11-24", DateRange(from: day("2026-11-16"), to: day("2026-11-24"))),
                ] {
                    let res = try await f.call(.GET, "/api/v1/feeds/daily?\(query)", as: nil, token: token)
                    try #require(res.status == .ok, "\(query): \(res.status) \(res.text.prefix(300))")
                    let records = res.object["records"] as? [[String: Any]] ?? []
                    let feed = Self.counts(records)
                    let report = try await f.store.pupilStatistics(schoolID: demo.schoolID, range: range)
                    #expect(report.filter { $0.1.possible > 0 }.count > 150, "\(query): \(report.count) pupils in the report")
                    #expect(Set(feed.keys).isSubset(of: Set(report.map(\.0.upn))), "\(query): a UPN the report does not have")
                    for (p, c) in report {
                        #expect(
                            feed[p.upn] ?? SessionCounts() == c, "\(query) \(p.upn): feed \(feed[p.upn] ?? SessionCounts()), report \(c)")
                    }
                    // The school's numbers are on the feed.
                    let school = res.object["school"] as? [String: Any] ?? [:]
                    #expect(school["la_number"] as? String == "990" && school["estab_number"] as? String == "2001")
                }
            }
        }

        @Test(
            "a day with a register not taken says complete: false, counting the registers missing; a full day says true",
            arguments: Backend.available)
        func completeness(_ b: Backend) async throws {
            try await withRollbook(b, at: Self.clock) { f in
                let pupils = try await f.store.pupils(schoolID: f.schoolID)
                let mia = try #require(pupils.first { $0.upn == "A100000000001" })
                let zofia = try #require(pupils.first { $0.upn == "A100000000003" })
                // Thursday 18 September: both forms' mornings taken, no afternoon register (RA and 6A).
                _ = try await f.store.record(
                    [
                        MarkWrite(pupilID: mia.id!, mark: Mark(date: day("2025-09-18"), session: .am, code: .presentAM)),
                        MarkWrite(pupilID: zofia.id!, mark: Mark(date: day("2025-09-18"), session: .am, code: .late, minutesLate: 7)),
                        MarkWrite(pupilID: mia.id!, mark: Mark(date: day("2025-09-16"), session: .am, code: .presentAM)),
                        MarkWrite(pupilID: mia.id!, mark: Mark(date: day("2025-09-16"), session: .pm, code: .presentPM)),
                        MarkWrite(pupilID: zofia.id!, mark: Mark(date: day("2025-09-16"), session: .am, code: .i)),
                        MarkWrite(pupilID: zofia.id!, mark: Mark(date: day("2025-09-16"), session: .pm, code: .i)),
                    ], by: Self.office, at: "2025-09-18T09:00:00Z")
                let res = try await f.call(.GET, "/api/v1/feeds/daily?from=2025-09-16&to=2025-09-18", as: .office)
                #expect(res.status == .ok)
                let days = res.object["days"] as? [[String: Any]] ?? []
                #expect(days.map { $0["date"] as? String ?? "" } == ["2025-09-16", "2025-09-17", "2025-09-18"])
                let thursday = try #require(days.last)
                #expect(thursday["complete"] as? Bool == false)
                #expect(thursday["registers"] as? Int == 4 && thursday["missing_registers"] as? Int == 2)
                #expect(thursday["unmarked_sessions"] as? Int == 2)
                #expect(days.first?["complete"] as? Bool == true)
                #expect(res.object["complete"] as? Bool == false)
                // The late mark keeps its minutes; the characteristics come with it.
                let late = (res.object["records"] as? [[String: Any]] ?? []).first {
                    $0["upn"] as? String == "A100000000003" && $0["date"] as? String == "2025-09-18" && $0["session"] as? String == "AM"
                }
                #expect(late?["code"] as? String == "L" && late?["minutes_late"] as? Int == 7 && late?["year_group"] as? String == "6")
                #expect(late?["sex"] as? String == "F" && late?["fsm"] as? Bool == false && late?["sen"] as? String == "N")
                // In CSV, each mark row carries its day's completeness.
                let csv = try await f.call(.GET, "/api/v1/feeds/daily?date=2025-09-18&format=csv", as: .office)
                #expect(csv.headers.contentType?.subType == "csv")
                let rows = csv.text.split(separator: "\n").map(String.init)
                #expect(rows.first == DailyFeed.csvColumns.joined(separator: ","))
                #expect(rows.count == 5 && rows.dropFirst().allSatisfy { $0.hasSuffix(",false,2,") })
                #expect(rows.contains { $0.hasPrefix("mark,,,,A100000000003,2025-09-18,PM,,,6,F,N,false") })
            }
        }

        @Test("the same day twice gives the same bytes (CSV and JSON); a new mark changes them", arguments: Backend.available)
        func idempotent(_ b: Backend) async throws {
            try await withRollbook(b, at: Self.clock, tinyMarks: true) { f in
                try await f.store.setCTFNumbers(schoolID: f.schoolID, la: "990", estab: "2000")
                for format in ["csv", "json"] {
                    let path = "/api/v1/feeds/daily?from=2025-09-08&to=2025-09-19&format=\(format)"
                    let one = try await f.call(.GET, path, as: .head)
                    let two = try await f.call(.GET, path, as: .head)
                    #expect(one.status == .ok && !one.text.isEmpty && one.text == two.text, "\(format)")
                }
                let accept = try await f.call(.GET, "/api/v1/feeds/daily?date=2025-09-15", as: .head, headers: ["Accept": "text/csv"])
                #expect(accept.text.hasPrefix("record_type,"))
                let before = try await f.call(.GET, "/api/v1/feeds/daily?date=2025-09-15", as: .head)
                let zofia = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000003"))
                _ = try await f.store.record(
                    [
                        MarkWrite(
                            pupilID: zofia.id!, mark: Mark(date: day("2025-09-15"), session: .am, code: .m), reason: "Dentist letter seen")
                    ],
                    by: Self.office, at: "2025-09-19T12:00:00Z")
                let after = try await f.call(.GET, "/api/v1/feeds/daily?date=2025-09-15", as: .head)
                #expect(after.text != before.text && after.text.contains(#""code": "M""#))
            }
        }

        @Test(
            "amended_since adds the marks of earlier days amended after it, flagged with when; not those amended before",
            arguments: Backend.available)
        func amendedSince(_ b: Backend) async throws {
            try await withRollbook(b, at: Self.clock, tinyMarks: true) { f in
                let zofia = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000003"))
                // Thursday evening: Monday's morning mark becomes M (audited, with the reason) through the amendment path.
                _ = try await f.store.record(
                    [
                        MarkWrite(
                            pupilID: zofia.id!, mark: Mark(date: day("2025-09-15"), session: .am, code: .m), reason: "Dentist letter seen")
                    ],
                    by: Self.office, at: "2025-09-18T17:30:00Z")
                #expect(try await f.store.amendments(pupilID: zofia.id!, date: day("2025-09-15"), session: .am).count == 1)
                let after = try await f.call(
                    .GET, "/api/v1/feeds/daily?date=2025-09-19&amended_since=2025-09-18T17:00:00Z", as: nil,
                    token: try await Self.serviceToken(f))
                #expect(after.status == .ok, "\(after.text.prefix(300))")
                let amendments = after.object["amendments"] as? [[String: Any]] ?? []
                #expect(amendments.count == 1)
                #expect(amendments.first?["upn"] as? String == "A100000000003" && amendments.first?["date"] as? String == "2025-09-15")
                #expect(amendments.first?["session"] as? String == "AM" && amendments.first?["code"] as? String == "M")
                #expect(amendments.first?["amended_at"] as? String == "2025-09-18T17:30:00Z")
                #expect(after.object["amended_since"] as? String == "2025-09-18T17:00:00Z")
                let csv = try await f.call(
                    .GET, "/api/v1/feeds/daily?date=2025-09-19&amended_since=2025-09-18T17:00:00Z&format=csv", as: .head)
                #expect(csv.text.contains("\namendment,,,,A100000000003,2025-09-15,AM,M,,6,F,N,false,,,2025-09-18T17:30:00Z\n"))
                // A collector that last ran after the change (an offset of its own) gets nothing more.
                let later = try await f.call(
                    .GET, "/api/v1/feeds/daily?date=2025-09-19&amended_since=2025-09-18T18:45:00%2B01:00", as: .head)
                #expect(later.status == .ok && (later.object["amendments"] as? [Any])?.isEmpty == true)
            }
        }

        @Test(
            "bad parameters are 422 naming the parameter; a teacher and a governor may not read the whole school's feed",
            arguments: Backend.available)
        func refusals(_ b: Backend) async throws {
            try await withRollbook(b, at: Self.clock) { f in
                for (query, field) in [
                    ("format=xml", "format"), ("date=19-09-2025", "date"), ("from=2025-09-08", "to"), ("to=2025-09-08", "from"),
                    ("from=2025-09-10&to=2025-09-08", "to"), ("date=2025-09-10&from=2025-09-08&to=2025-09-10", "date"),
                    ("from=2025-01-01&to=2025-12-31", "to"), ("amended_since=yesterday", "amended_since"),
                ] {
                    let r = try await f.call(.GET, "/api/v1/feeds/daily?\(query)", as: .head)
                    #expect(r.status == .unprocessableEntity && r.errorField == field, "\(query): \(r.status) \(r.text)")
                }
                for role in [Role.teacher, .governor] {
                    #expect(try await f.call(.GET, "/api/v1/feeds/daily?date=2025-09-15", as: role).status == .forbidden)
                }
                for role in [Role.office, .attendanceLead, .head, .laOfficer] {
                    #expect(try await f.call(.GET, "/api/v1/feeds/daily?date=2025-09-15", as: role).status == .ok)
                }
                // With no date: the last school day before today (Thursday 18th).
                let yesterday = try await f.call(.GET, "/api/v1/feeds/daily", as: .head)
                #expect(yesterday.object["from"] as? String == "2025-09-18" && yesterday.object["to"] as? String == "2025-09-18")
            }
        }

        @Test(
            "a service account's token reads the feed and nothing else (403 on pupils, registers, the token routes); revoked, 401",
            arguments: Backend.available)
        func serviceAccountScope(_ b: Backend) async throws {
            try await withRollbook(b, at: Self.clock, tinyMarks: true) { f in
                let token = try await Self.serviceToken(f)
                #expect(try await f.call(.GET, "/api/v1/feeds/daily?date=2025-09-15", as: nil, token: token).status == .ok)
                for (method, path) in [
                    (HTTPMethod.GET, "/api/v1/pupils"), (.GET, "/api/v1/pupils/A100000000001"),
                    (.GET, "/api/v1/pupils/A100000000001/marks"),
                    (.GET, "/api/v1/registers/2025-09-15/AM"), (.POST, "/api/v1/registers/2025-09-15/AM"), (.GET, "/api/v1/school"),
                    (.GET, "/api/v1/statistics"), (.GET, "/api/v1/actions"), (.GET, "/api/v1/service-accounts"),
                    (.POST, "/api/v1/service-accounts"), (.POST, "/api/v1/service-accounts/1/revocation"),
                ] {
                    let r = try await f.call(method, path, as: nil, token: token, json: method == .POST ? "{}" : nil)
                    #expect(
                        r.status == .forbidden && r.errorReason.contains("reads only GET /api/v1/feeds/daily"),
                        "\(method) \(path): \(r.status)")
                }
                // Stored as a hash, never the token; listed without it.
                let rows = try await f.store.serviceAccounts(schoolID: f.schoolID)
                #expect(rows.count == 1 && rows[0].tokenHash == APIToken.hash(token) && rows[0].tokenHash != token)
                let list = try await f.call(.GET, "/api/v1/service-accounts", as: .head)
                #expect(list.array.count == 1 && list.array[0]["token"] == nil && !list.text.contains(token))
                #expect(list.array[0]["reads"] as? String == "GET /api/v1/feeds/daily")
                // Only the head manages them; bad input changes nothing.
                for role in [Role.office, .attendanceLead, .laOfficer] {
                    #expect(try await f.call(.GET, "/api/v1/service-accounts", as: role).status == .forbidden)
                    #expect(try await f.call(.POST, "/api/v1/service-accounts", as: role, json: #"{"name": "X"}"#).status == .forbidden)
                }
                let blank = try await f.call(.POST, "/api/v1/service-accounts", as: .head, json: #"{"name": "  "}"#)
                #expect(blank.status == .unprocessableEntity && blank.errorField == "name")
                let scope = try await f.call(.POST, "/api/v1/service-accounts", as: .head, json: #"{"name": "Trust", "scope": "pupils"}"#)
                #expect(scope.status == .unprocessableEntity && scope.errorField == "scope")
                #expect(try await f.store.serviceAccounts(schoolID: f.schoolID).count == 1)
                // Revoked: the token is unknown from then on.
                let revoked = try await f.call(.POST, "/api/v1/service-accounts/\(rows[0].id!)/revocation", as: .head)
                #expect(revoked.status == .ok && revoked.object["revoked_at"] as? String == "2025-09-19T16:00:00Z")
                #expect(try await f.call(.GET, "/api/v1/feeds/daily?date=2025-09-15", as: nil, token: token).status == .unauthorized)
                #expect(try await f.call(.GET, "/api/v1/pupils", as: nil, token: token).status == .unauthorized)
                #expect(try await f.call(.POST, "/api/v1/service-accounts/999/revocation", as: .head).status == .notFound)
            }
        }

        @Test(
            "the head's page creates an account and shows its token once; revoking it from the page stops it", arguments: Backend.available)
        func page(_ b: Backend) async throws {
            try await withRollbook(b, at: Self.clock, tinyMarks: true) { f in
                let head = try await staffSession(f, .head)
                let empty = try await formSend(f, .GET, "/settings/service-accounts", cookie: head.cookie)
                #expect(
                    empty.status == .ok && empty.text.contains("<h1>Service accounts</h1>")
                        && empty.text.contains("No service accounts yet"))
                let made = try await formSend(
                    f, .POST, "/settings/service-accounts", cookie: head.cookie,
                    form: [("csrf", head.csrf), ("name", "Trust data team"), ("scope", "daily-feed")])
                #expect(made.status == .ok)
                let token = try #require(firstCapture(#"id="token-value" readonly value="(rb_[^"]+)""#, in: made.text))
                #expect(try await f.call(.GET, "/api/v1/feeds/daily?date=2025-09-15", as: nil, token: token).status == .ok)
                let again = try await formSend(f, .GET, "/settings/service-accounts", cookie: head.cookie)
                #expect(again.text.contains("Trust data team") && !again.text.contains(token))
                let bad = try await formSend(
                    f, .POST, "/settings/service-accounts", cookie: head.cookie,
                    form: [("csrf", head.csrf), ("name", ""), ("scope", "daily-feed")])
                #expect(bad.status == .unprocessableEntity && bad.text.contains("name: is empty"))
                let id = try #require(try await f.store.serviceAccounts(schoolID: f.schoolID).first?.id)
                let revoke = try await formSend(
                    f, .POST, "/settings/service-accounts/\(id)/revoke", cookie: head.cookie, form: [("csrf", head.csrf)])
                #expect(revoke.status == .seeOther)
                #expect(try await f.call(.GET, "/api/v1/feeds/daily?date=2025-09-15", as: nil, token: token).status == .unauthorized)
                let urn = try await formSend(
                    f, .POST, "/settings/service-accounts/urn", cookie: head.cookie, form: [("csrf", head.csrf), ("urn", "12345")])
                let unset = try await f.store.urn(schoolID: f.schoolID)
                #expect(urn.status == .unprocessableEntity && unset == nil)
                _ = try await formSend(
                    f, .POST, "/settings/service-accounts/urn", cookie: head.cookie, form: [("csrf", head.csrf), ("urn", "123456")])
                let feed = try await f.call(.GET, "/api/v1/feeds/daily?date=2025-09-15", as: .head)
                #expect((feed.object["school"] as? [String: Any])?["urn"] as? String == "123456")
                let office = try await staffSession(f, .office)
                #expect(try await formSend(f, .GET, "/settings/service-accounts", cookie: office.cookie).status == .forbidden)
            }
        }
    }
}
