import Foundation
import RollbookCore
import RollbookDemo
import RollbookStore
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

extension ServerTests {
    /// The analytics pages read the in-memory roll; `rollbook report` reads the session arrays through the statistics
    /// engine per pupil. Every figure a page prints must be the one the report gives for the same range and group.
    @Suite("Analytics pages") struct AnalyticsPageTests {
        /// A 180-pupil demo primary marked to Tuesday 24 November 2026, in the test database beside the tiny school;
        /// the clock reads Wednesday 25 November after the registers close, so ranges run to the 25th.
        static let clock = FixedClock(date: day("2026-11-25"), time: TimeOfDay(hour: 16, minute: 0)!)

        func withDemo(_ backend: Backend, _ body: (Fixture, Int, String) async throws -> Void) async throws {
            try await withRollbook(backend, at: Self.clock) { f in
                let demo = try await DemoSeeder.seed(
                    store: f.store, options: DemoOptions(phase: .primary, pupils: 180, through: day("2026-11-24")),
                    bcryptCost: 4, now: "2026-11-24T17:00:00Z")
                let home = try await f.call(.GET, "/", as: nil)
                let (token, cookie) = try #require(PageTests.csrf(home))
                let ok = try await PageTests().post(
                    f, "/sign-in", cookie: cookie,
                    [
                        ("csrf", token), ("email", "head@harbourlane.example.org"),
                        ("password", DemoAccounts.password),
                    ])
                let session = try #require(ok.headers.first(name: .setCookie)?.split(separator: ";").first.map(String.init))
                try await body(f, demo.schoolID, session)
            }
        }

        func json(_ f: Fixture, _ path: String, cookie: String) async throws -> [String: Any] {
            let r = try await PageTests().get(f, path + (path.contains("?") ? "&" : "?") + "format=json", cookie: cookie)
            #expect(r.status == .ok, "\(path): \(r.status) \(r.text.prefix(300))")
            return r.object
        }

        /// The report's figures for a range and filter: the per-pupil counts `rollbook report` prints, summed.
        func report(_ f: Fixture, schoolID: Int, _ range: DateRange, _ filter: PupilFilter = .init()) async throws -> GroupStatistics {
            var g = GroupStatistics()
            for (_, c) in try await f.store.pupilStatistics(schoolID: schoolID, range: range, filter: filter) { g.add(c) }
            return g
        }

        func expectSame(_ page: [String: Any]?, _ g: GroupStatistics, _ what: String) {
            let page = page ?? [:]
            #expect(page["possible"] as? Int == g.sessions.possible, "\(what): possible")
            #expect(page["present"] as? Int == g.sessions.present, "\(what): present")
            #expect(page["approved_activity"] as? Int == g.sessions.approvedActivity, "\(what): approved activity")
            #expect(page["authorised"] as? Int == g.sessions.authorised, "\(what): authorised")
            #expect(page["unauthorised"] as? Int == g.sessions.unauthorised, "\(what): unauthorised")
            #expect(page["pupils"] as? Int == g.pupils, "\(what): pupils")
            #expect(page["persistent_absence"] as? Int == g.persistentAbsence, "\(what): persistent absence")
            #expect(page["severe_absence"] as? Int == g.severeAbsence, "\(what): severe absence")
            #expect(page["attendance"] as? String == percent(g.sessions.attendanceRate), "\(what): attendance as printed")
        }

        @Test(
            "the overview's figures equal the report's, for the year, each period and a form; the weekly trend adds up",
            arguments: Backend.available)
        func overviewAgreesWithReport(_ b: Backend) async throws {
            try await withDemo(b) { f, school, cookie in
                let o = try await json(f, "/analytics", cookie: cookie)
                let header = o["header"] as? [String: Any] ?? [:]
                #expect(header["from"] as? String == "2026-09-01" && header["to"] as? String == "2026-11-25")
                let year = DateRange(from: day("2026-09-01"), to: day("2026-11-25"))
                let whole = try await report(f, schoolID: school, year)
                #expect(
                    whole.sessions.possible > 10_000 && whole.persistentAbsence > 0,
                    "the demo should have a year of marks and some persistent absence")
                expectSame(o["figures"] as? [String: Any], whole, "year to date")
                // The trend's weeks add up to the same possible sessions.
                let weeks = o["weeks"] as? [[String: Any]] ?? []
                #expect(weeks.compactMap { $0["possible"] as? Int }.reduce(0, +) == whole.sessions.possible)
                for period in ["week", "half_term", "term"] {
                    let p = try await json(f, "/analytics?period=\(period)", cookie: cookie)
                    let h = p["header"] as? [String: Any] ?? [:]
                    let r = DateRange(from: day(h["from"] as? String ?? ""), to: day(h["to"] as? String ?? ""))
                    expectSame(p["figures"] as? [String: Any], try await report(f, schoolID: school, r), period)
                }
                let form = try #require(try await f.store.pupils(schoolID: school).first?.form)
                let one = try await json(f, "/analytics?group=form:\(form)", cookie: cookie)
                expectSame(
                    one["figures"] as? [String: Any], try await report(f, schoolID: school, year, PupilFilter(form: form)), "form \(form)")
                let custom = try await json(f, "/analytics?period=custom&from=2026-10-05&to=2026-10-16", cookie: cookie)
                expectSame(
                    custom["figures"] as? [String: Any],
                    try await report(f, schoolID: school, DateRange(from: day("2026-10-05"), to: day("2026-10-16"))), "custom range")
            }
        }

        @Test(
            "every cohort row equals the report for that group, and the rest of the school is the school minus the group",
            arguments: Backend.available)
        func cohortsAgreeWithReport(_ b: Backend) async throws {
            try await withDemo(b) { f, school, cookie in
                let c = try await json(f, "/analytics/cohorts", cookie: cookie)
                let year = DateRange(from: day("2026-09-01"), to: day("2026-11-25"))
                let whole = try await report(f, schoolID: school, year)
                let rows = (c["sections"] as? [[String: Any]] ?? []).flatMap { $0["rows"] as? [[String: Any]] ?? [] }
                var checked = 0
                for row in rows {
                    let key = row["key"] as? String ?? ""
                    let parts = key.split(separator: ":", maxSplits: 1).map(String.init)
                    let filter: PupilFilter? =
                        switch parts.first {
                        case "form": PupilFilter(form: parts[1])
                        case "year_group": PupilFilter(yearGroup: parts[1])
                        case "house": PupilFilter(house: parts[1])
                        case "characteristic": PupilFilter(characteristic: parts[1])
                        default: nil
                        }
                    guard let filter else { continue }
                    let g = try await report(f, schoolID: school, year, filter)
                    expectSame(row["members"] as? [String: Any], g, key)
                    let rest = row["rest"] as? [String: Any] ?? [:]
                    #expect(rest["possible"] as? Int == whole.sessions.possible - g.sessions.possible, "\(key): the rest")
                    #expect(rest["persistent_absence"] as? Int == whole.persistentAbsence - g.persistentAbsence, "\(key): the rest's PA")
                    checked += 1
                }
                #expect(checked >= 10, "forms, year groups, houses and characteristics should all be compared (\(checked))")
            }
        }

        @Test(
            "a register saved after the roll was read shows at once, copied in without rebuilding; a change to the roll rebuilds it",
            arguments: Backend.available)
        func cacheKeptCurrent(_ b: Backend) async throws {
            try await withDemo(b) { f, school, cookie in
                let before = try await json(f, "/analytics?period=week", cookie: cookie)
                let cache = f.app.analytics
                #expect(await cache.builds == 1)
                // The office marks Wednesday's AM register for one form: everyone absent with illness.
                let form = try #require(try await f.store.pupils(schoolID: school).first?.form)
                let pupils = try await f.store.pupils(schoolID: school, filter: PupilFilter(form: form)).filter {
                    $0.enrolment.isOnRoll(day("2026-11-25"))
                }
                let marks = pupils.map {
                    MarkWrite(pupilID: $0.id!, mark: Mark(date: day("2026-11-25"), session: .am, code: .i), reason: "test")
                }
                _ = try await f.store.record(marks, by: Actor(name: "Test", position: "Office"), at: "2026-11-25T09:00:00Z")
                let after = try await json(f, "/analytics?period=week", cookie: cookie)
                let was = (before["figures"] as? [String: Any])?["authorised"] as? Int ?? -1
                let now = (after["figures"] as? [String: Any])?["authorised"] as? Int ?? -1
                #expect(now == was + pupils.count, "the week's authorised absence should rise by the \(pupils.count) marks just written")
                let week = try await f.store.pupilStatistics(
                    schoolID: school, range: DateRange(from: day("2026-11-23"), to: day("2026-11-25")))
                #expect(now == week.map(\.1.authorised).reduce(0, +))
                let (builds, refreshes) = (await cache.builds, await cache.refreshes)
                #expect(builds == 1 && refreshes >= 1, "the marks were copied in, not the roll rebuilt")
                // A pupil leaves the roll: the roll is built again.
                _ = try await f.store.deleteFromRoll(
                    schoolID: school, upn: pupils[0].upn, ground: .transferred, leavingDay: day("2026-11-25"))
                _ = try await json(f, "/analytics", cookie: cookie)
                #expect(await cache.builds == 2)
            }
        }

        @Test("a governor sees the figures but no pupil's name; lists and early warning are refused", arguments: Backend.available)
        func governorSeesNoNames(_ b: Backend) async throws {
            try await withDemo(b) { f, school, _ in
                let home = try await f.call(.GET, "/", as: nil)
                let (token, cookie) = try #require(PageTests.csrf(home))
                let ok = try await PageTests().post(
                    f, "/sign-in", cookie: cookie,
                    [
                        ("csrf", token), ("email", "governor@harbourlane.example.org"),
                        ("password", DemoAccounts.password),
                    ])
                let session = try #require(ok.headers.first(name: .setCookie)?.split(separator: ";").first.map(String.init))
                let patterns = try await json(f, "/analytics/patterns", cookie: session)
                #expect((patterns["weekday"] as? [Any])?.isEmpty == true && patterns["shows_pupils"] as? Bool == false)
                let rewards = try await json(f, "/analytics/rewards", cookie: session)
                for r in rewards["full"] as? [[String: Any]] ?? [] { #expect((r["pupils"] as? [Any])?.isEmpty == true) }
                for path in ["/analytics/lists", "/analytics/early-warning"] {
                    let r = try await PageTests().get(f, path, cookie: session)
                    #expect(r.status == .forbidden, "\(path) for a governor: \(r.status)")
                }
            }
        }
    }
}

extension ServerTests.AnalyticsPageTests {
    @Test(
        "the LA officer sees every school of the deployment and the total, and a family's children across schools; others may not",
        arguments: Backend.available)
    func acrossSchools(_ b: Backend) async throws {
        try await withDemo(b) { f, demo, headCookie in
            // A parent of a tiny-school pupil is also a parent of a demo pupil.
            let demoPupil = try #require(try await f.store.pupils(schoolID: demo).first)
            let parent = try #require(
                try await f.store.contacts(pupilID: demoPupil.id!).first { $0.parentalResponsibility && !$0.email.isEmpty })
            let tinyPupil = try #require(try await f.store.pupils(schoolID: f.schoolID).first)
            var record = tinyPupil.record(contacts: [
                Contact(
                    priority: 1, name: parent.name, relationship: "Mother", parentalResponsibility: true,
                    livesWith: true, phone: "", email: parent.email.uppercased())
            ])
            record.contacts[0].email = parent.email.uppercased()
            _ = try await f.store.savePupils(schoolID: f.schoolID, [record], yearGroupYear: AcademicYear(startYear: 2025))

            let home = try await f.call(.GET, "/", as: nil)
            let (token, cookie) = try #require(ServerTests.PageTests.csrf(home))
            let ok = try await ServerTests.PageTests().post(
                f, "/sign-in", cookie: cookie,
                [
                    ("csrf", token), ("email", "la@harbourlane.example.org"),
                    ("password", DemoAccounts.password),
                ])
            let la = try #require(ok.headers.first(name: .setCookie)?.split(separator: ";").first.map(String.init))
            let schools = try await json(f, "/analytics/schools", cookie: la)
            let rows = schools["rows"] as? [[String: Any]] ?? []
            #expect(rows.count == 2)
            var sum = 0
            for r in rows {
                let id = r["school_id"] as? Int ?? -1
                let fig = r["figures"] as? [String: Any] ?? [:]
                let range = DateRange(from: day(r["from"] as? String ?? ""), to: day(r["to"] as? String ?? ""))
                expectSame(fig, try await report(f, schoolID: id, range), "school \(id)")
                sum += fig["possible"] as? Int ?? 0
            }
            #expect((schools["total"] as? [String: Any])?["possible"] as? Int == sum)

            let family = try await json(f, "/analytics/family/\(demoPupil.upn)", cookie: la)
            let children = (family["children"] as? [[String: Any]] ?? []).compactMap { $0["upn"] as? String }
            #expect(
                children.first == demoPupil.upn && children.contains(tinyPupil.upn),
                "the demo pupil, and the tiny school's pupil who shares a parent: \(children)")

            for path in ["/analytics/schools", "/analytics/family/\(demoPupil.upn)"] {
                let r = try await ServerTests.PageTests().get(f, path, cookie: headCookie)
                #expect(r.status == .forbidden, "\(path) for a head: \(r.status)")
            }
            let page = try await ServerTests.PageTests().get(f, "/analytics/schools", cookie: la)
            #expect(page.status == .ok && page.text.contains("All schools") && page.text.contains("Tiny Test School"))
        }
    }
}
