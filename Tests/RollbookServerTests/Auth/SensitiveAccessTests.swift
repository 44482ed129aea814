import Foundation
import NIOCore
import RollbookCore
import RollbookStore
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

// The access log of pupils' safeguarding details: who was shown a child protection plan, child in need or
// looked-after status, or a social worker, where and when; the head reads it. Everyone here is fictional.

/// A browser signed in as one of the fixture's staff.
private struct StaffBrowser {
    let f: Fixture
    let cookie: String

    func get(_ path: String) async throws -> Reply {
        let res = try await f.app.testing().sendRequest(.GET, path, headers: [HTTPHeaders.Name.cookie.description: cookie])
        return Reply(status: res.status, headers: res.headers, text: res.body.string)
    }

    static func signIn(_ f: Fixture, _ role: Role) async throws -> StaffBrowser {
        let home = try await f.app.testing().sendRequest(.GET, "/")
        let text = home.body.string
        let token = try #require(
            text.range(of: #"name="csrf" value="[^"]+""#, options: .regularExpression).map {
                String(text[$0].dropFirst(#"name="csrf" value=""#.count).dropLast())
            })
        let cookie = try #require(home.headers.first(name: .setCookie)?.split(separator: ";").first.map(String.init))
        var h = HTTPHeaders()
        h.add(name: .cookie, value: cookie)
        h.contentType = .urlEncodedForm
        let form = [("csrf", token), ("email", "\(role.rawValue)@tiny.example.org"), ("password", "correct horse")]
            .map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&")
        let ok = try await f.app.testing().sendRequest(.POST, "/sign-in", headers: h, body: ByteBuffer(string: form))
        #expect(ok.status == .seeOther)
        return StaffBrowser(f: f, cookie: try #require(ok.headers.first(name: .setCookie)?.split(separator: ";").first.map(String.init)))
    }
}

extension ServerTests {
    @Suite("Sensitive access log") struct SensitiveAccessTests {
        static let mia = "A100000000001"  // form RA (the teacher's): given a child protection plan and a social worker below
        static let zofia = "A100000000003"  // form 6A: no safeguarding details

        /// Mia gets a child protection plan and a social worker; her contacts stay.
        static func protect(_ f: Fixture) async throws {
            var records = try Interchange.readPupils(file: "pupils.csv", text: Fixture.text("pupils.csv"))
            records[0].characteristics.childProtectionPlan = true
            records[0].characteristics.socialWorkerName = "Dana Holt"
            records[0].characteristics.socialWorkerContact = "07700 900555"
            try await f.store.savePupils(schoolID: f.schoolID, [records[0]], yearGroupYear: AcademicYear(startYear: 2025))
        }

        static func staffID(_ f: Fixture, _ role: Role) async throws -> Int {
            try #require(try await f.store.staff(email: "\(role.rawValue)@tiny.example.org")?.id)
        }

        static func log(_ f: Fixture) async throws -> [SensitiveAccessEntry] {
            try await f.store.sensitiveAccess(schoolID: f.schoolID).entries
        }

        @Test(
            "each view of a pupil's safeguarding details is logged once with the viewer, what was shown, where and when; views of pupils without any, and refused views, are not",
            arguments: Backend.available)
        func viewsAreLogged(_ b: Backend) async throws {
            try await withRollbook(b, tinyMarks: true) { f in
                try await Self.protect(f)
                let office = try await StaffBrowser.signIn(f, .office)

                let page = try await office.get("/pupils/\(Self.mia)")
                #expect(page.status == .ok)
                #expect(page.text.contains("Child protection plan") && page.text.contains("Dana Holt"))
                var log = try await Self.log(f)
                #expect(log.count == 1)
                let first = try #require(log.first)
                #expect(first.staffID == (try await Self.staffID(f, .office)))
                #expect(first.staffName == "Office Person" && first.staffRole == "office" && first.staffPosition == "Office")
                #expect(first.upn == Self.mia && first.pupilName == "Mia Fielding")
                #expect(first.shown == [.childProtection, .socialWorker])
                #expect(first.route == "GET /pupils/\(Self.mia)")
                #expect(first.at == "2025-09-09T08:50:00Z")

                // A pupil with no such details: shown nothing, logged nothing.
                let plain = try await office.get("/pupils/\(Self.zofia)")
                #expect(plain.status == .ok && !plain.text.contains("Safeguarding"))
                #expect(try await Self.log(f).count == 1)

                // Refused: nothing was shown. Allowed (own form): logged.
                let teacher = try await StaffBrowser.signIn(f, .teacher)
                #expect(try await teacher.get("/pupils/\(Self.zofia)").status == .forbidden)
                #expect(try await f.call(.GET, "/api/v1/pupils/\(Self.mia)", as: .governor).status == .forbidden)
                #expect(try await Self.log(f).count == 1)
                #expect(try await teacher.get("/pupils/\(Self.mia)").status == .ok)

                // The API's pupil read shows the characteristics: logged too.
                let api = try await f.call(.GET, "/api/v1/pupils/\(Self.mia)", as: .laOfficer)
                #expect(api.status == .ok)
                #expect((api.object["characteristics"] as? [String: Any])?["child_protection"] as? Bool == true)
                #expect(try await f.call(.GET, "/api/v1/pupils/\(Self.zofia)", as: .head).status == .ok)
                log = try await Self.log(f)
                #expect(log.map(\.staffRole) == ["la_officer", "teacher", "office"])
                #expect(log.first?.route == "GET /api/v1/pupils/\(Self.mia)")

                // A list filtered by child protection says who has a plan: each pupil listed is logged with that alone.
                let listed = try await f.call(.GET, "/api/v1/pupils?characteristic=child_protection", as: .office)
                #expect(listed.array.map { $0["upn"] as? String } == [Self.mia])
                #expect(try await f.call(.GET, "/api/v1/pupils?characteristic=fsm", as: .office).status == .ok)
                let lists = try await office.get("/lists?from=2025-09-01&to=2025-09-30&characteristic=child_protection")
                #expect(lists.status == .ok && lists.text.contains("Mia Fielding"))
                _ = try await office.get("/lists?from=2025-09-01&to=2025-09-30")
                log = try await Self.log(f)
                #expect(log.count == 5)
                #expect(log.prefix(2).allSatisfy { $0.shown == [.childProtection] && $0.staffRole == "office" })
                #expect(log[0].route == "GET /lists?from=2025-09-01&to=2025-09-30&characteristic=child_protection")
                #expect(log[1].route == "GET /api/v1/pupils?characteristic=child_protection")
                // Figures by pupil for the group name them by UPN.
                let figures = try await f.call(
                    .GET, "/api/v1/statistics/pupils?from=2025-09-01&to=2025-09-30&characteristic=child_protection", as: .head)
                #expect(figures.array.map { $0["upn"] as? String } == [Self.mia])
                log = try await Self.log(f)
                #expect(log.count == 6 && log[0].staffRole == "head" && log[0].shown == [.childProtection])
            }
        }

        @Test(
            "analytics pages for the child protection group log each pupil they name; figures without names log nothing",
            arguments: Backend.available)
        func analyticsGroups(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: day("2025-09-30"), time: TimeOfDay(hour: 16, minute: 0)!), tinyMarks: true) {
                f in
                try await Self.protect(f)
                let office = try await StaffBrowser.signIn(f, .office)
                let group = "group=characteristic:child_protection"
                let lists = try await office.get("/analytics/lists?\(group)&format=json")
                #expect(lists.status == .ok)
                let named = Set(
                    (lists.object["lists"] as? [[String: Any]] ?? []).flatMap {
                        ($0["pupils"] as? [[String: Any]] ?? []).compactMap { $0["upn"] as? String }
                    })
                #expect(named == [Self.mia], "Mia (63% in September) is on a list")
                var log = try await Self.log(f)
                #expect(
                    log.count == 1 && log.first?.shown == [.childProtection]
                        && log.first?.route == "GET /analytics/lists?\(group)&format=json")
                // The overview and cohorts show figures only; another group names no one with a plan.
                #expect(try await office.get("/analytics?\(group)").status == .ok)
                #expect(try await office.get("/analytics/cohorts?\(group)").status == .ok)
                #expect(try await office.get("/analytics/lists?group=characteristic:fsm").status == .ok)
                log = try await Self.log(f)
                #expect(log.count == 1)
            }
        }

        @Test(
            "the worklist and the API's actions log a pupil shown as having a social worker (an unexplained absence to tell them of)",
            arguments: Backend.available)
        func worklist(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: 10, minute: 0)!)) { f in
                try await Self.protect(f)
                let ids = try await f.store.pupils(schoolID: f.schoolID).reduce(into: [String: Int]()) { $0[$1.upn] = $1.id! }
                _ = try await f.store.record(
                    [
                        MarkWrite(pupilID: try #require(ids[Self.mia]), mark: Mark(date: day("2025-09-09"), session: .am, code: .n)),
                        MarkWrite(pupilID: try #require(ids[Self.zofia]), mark: Mark(date: day("2025-09-09"), session: .am, code: .n)),
                    ],
                    by: Actor(name: "Teacher Person", position: "Teacher"), at: "2025-09-09T09:00:00Z")
                let lead = try await StaffBrowser.signIn(f, .attendanceLead)
                let page = try await lead.get("/worklist")
                #expect(page.status == .ok && page.text.contains("tell the social worker"))
                var log = try await Self.log(f)
                #expect(log.count == 1)
                #expect(log.first?.upn == Self.mia && log.first?.shown == [.socialWorker] && log.first?.route == "GET /worklist")
                let actions = try await f.call(.GET, "/api/v1/actions", as: .head)
                #expect(actions.array.contains { $0["kind"] as? String == "social_worker" && $0["upn"] as? String == Self.mia })
                #expect(actions.array.contains { $0["kind"] as? String == "day_one_contact" && $0["upn"] as? String == Self.zofia })
                log = try await Self.log(f)
                #expect(log.map(\.staffRole) == ["head", "attendance_lead"] && log.allSatisfy { $0.upn == Self.mia })
            }
        }

        @Test(
            "the head reads the log newest first, by pupil and by staff member, paged and as CSV; nobody else may",
            arguments: Backend.available)
        func headReadsTheLog(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                try await Self.protect(f)
                let office = try await StaffBrowser.signIn(f, .office)
                let teacher = try await StaffBrowser.signIn(f, .teacher)
                let head = try await StaffBrowser.signIn(f, .head)
                _ = try await office.get("/pupils/\(Self.mia)")
                _ = try await teacher.get("/pupils/\(Self.mia)")

                let page = try await head.get("/access-log")
                #expect(page.status == .ok)
                let t = try #require(page.text.range(of: "Teacher Person, Teacher"))
                let o = try #require(page.text.range(of: "Office Person, Office"))
                #expect(t.lowerBound < o.lowerBound, "newest first")
                #expect(page.text.contains("Views 1 to 2 of 2"))
                #expect(page.text.contains("Child protection plan, Social worker"))

                let byStaff = try await head.get("/access-log?staff=\(try await Self.staffID(f, .teacher))")
                #expect(byStaff.text.contains("Views 1 to 1 of 1") && byStaff.text.contains("Teacher Person, Teacher"))
                #expect(!byStaff.text.contains("Office Person, Office"))
                #expect(try await head.get("/access-log?upn=\(Self.zofia)").text.contains("No views recorded."))
                #expect(try await head.get("/access-log?upn=\(Self.mia.lowercased())").text.contains("Views 1 to 2 of 2"))
                #expect(try await head.get("/access-log?page=0").status == .unprocessableEntity)
                #expect(try await head.get("/access-log?staff=someone").status == .unprocessableEntity)

                let csv = try await head.get("/access-log?format=csv&upn=\(Self.mia)")
                #expect(csv.headers.contentType?.subType == "csv")
                let lines = csv.text.split(separator: "\n").map(String.init)
                #expect(lines.first == "at,staff_id,staff_name,staff_role,staff_position,upn,pupil_name,shown,route")
                #expect(lines.count == 3)
                #expect(
                    lines.dropFirst().first?.contains(
                        ",Teacher Person,teacher,Teacher,\(Self.mia),Mia Fielding,child_protection;social_worker,GET /pupils/\(Self.mia)")
                        == true)

                // 120 more: pages of 50, newest first.
                let viewer = try await Self.staffID(f, .attendanceLead)
                let pupil = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.mia)?.id)
                try await f.store.recordSensitiveAccess(
                    (1...120).map { i in
                        SensitiveAccessEntry(
                            schoolID: f.schoolID, staffID: viewer, staffName: "Lead \(i)", staffRole: "attendance_lead",
                            staffPosition: "Attendance lead", pupilID: pupil, upn: Self.mia, pupilName: "Mia Fielding",
                            shown: [.childProtection], route: "GET /pupils/\(Self.mia)", at: "2025-09-09T09:00:00Z")
                    })
                let one = try await head.get("/access-log")
                #expect(one.text.contains("Views 1 to 50 of 122") && one.text.contains("Lead 120,") && !one.text.contains("Lead 70,"))
                #expect(one.text.contains("/access-log?page=2"))
                let three = try await head.get("/access-log?page=3")
                #expect(
                    three.text.contains("Views 101 to 122 of 122") && three.text.contains("Lead 1,")
                        && three.text.contains("Office Person, Office"))

                // The head's header and the pupil page link to it; nobody else's do, and nobody else may read it.
                #expect(try await head.get("/today").text.contains("href=\"/access-log\""))
                #expect(try await head.get("/pupils/\(Self.mia)").text.contains("/access-log?upn=\(Self.mia)"))
                #expect(!(try await office.get("/today").text.contains("/access-log")))
                #expect(!(try await office.get("/pupils/\(Self.mia)").text.contains("/access-log")))
                for role in Role.allCases where role != .head {
                    let other = try await StaffBrowser.signIn(f, role)
                    #expect(try await other.get("/access-log").status == .forbidden, "\(role)")
                    #expect(try await other.get("/access-log?format=csv").status == .forbidden, "\(role)")
                }
            }
        }

        @Test("the database refuses to change or remove an entry of the log", arguments: Backend.available)
        func appendOnly(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                try await Self.protect(f)
                #expect(try await f.call(.GET, "/api/v1/pupils/\(Self.mia)", as: .office).status == .ok)
                let sql = f.app.db as! any SQLDatabase
                await #expect(throws: (any Error).self) { try await sql.raw("UPDATE sensitive_access SET staff_name = 'Nobody'").run() }
                await #expect(throws: (any Error).self) { try await sql.raw("DELETE FROM sensitive_access").run() }
                let log = try await Self.log(f)
                #expect(log.map(\.staffName) == ["Office Person"])
            }
        }
    }
}
