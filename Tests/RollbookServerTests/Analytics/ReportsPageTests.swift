import Foundation
import RollbookCore
import RollbookDemo
import RollbookStore
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

extension ServerTests {
    /// The reports people are asked to see (issue 16), on the 180-pupil demo primary marked to Tuesday 24 November
    /// 2026, the clock at Wednesday 25 November after the registers close (figures to the 25th). Every figure is
    /// checked against `rollbook report`'s per-pupil statistics for the same dates.
    @Suite("Reports pages") struct ReportsPageTests {
        static let clock = FixedClock(date: day("2026-11-25"), time: TimeOfDay(hour: 16, minute: 0)!)

        func signIn(_ f: Fixture, _ email: String) async throws -> String {
            let home = try await f.call(.GET, "/", as: nil)
            let (token, cookie) = try #require(PageTests.csrf(home))
            let ok = try await PageTests().post(
                f, "/sign-in", cookie: cookie, [("csrf", token), ("email", email), ("password", DemoAccounts.password)])
            return try #require(ok.headers.first(name: .setCookie)?.split(separator: ";").first.map(String.init))
        }

        func withDemo(_ backend: Backend, _ body: (Fixture, Int) async throws -> Void) async throws {
            try await withRollbook(backend, at: Self.clock) { f in
                let demo = try await DemoSeeder.seed(
                    store: f.store, options: DemoOptions(phase: .primary, pupils: 180, through: day("2026-11-24")),
                    bcryptCost: 4, now: "2026-11-24T17:00:00Z")
                try await body(f, demo.schoolID)
            }
        }

        func json(_ f: Fixture, _ path: String, cookie: String) async throws -> [String: Any] {
            let r = try await PageTests().get(f, path + (path.contains("?") ? "&" : "?") + "format=json", cookie: cookie)
            #expect(r.status == .ok, "\(path): \(r.status) \(r.text.prefix(300))")
            return r.object
        }

        func report(_ f: Fixture, _ school: Int, _ range: DateRange, _ filter: PupilFilter = .init()) async throws -> GroupStatistics {
            var g = GroupStatistics()
            for (_, c) in try await f.store.pupilStatistics(schoolID: school, range: range, filter: filter) { g.add(c) }
            return g
        }

        @Test(
            "seed 004 'Class and school attendance in the weekly newsletter': the week just ended, the school and every form as the report gives them, open days said, no pupil named",
            arguments: Backend.available)
        func newsletter(_ b: Backend) async throws {
            try await withDemo(b) { f, school in
                let cookie = try await signIn(f, "office@harbourlane.example.org")
                let n = try await json(f, "/analytics/newsletter", cookie: cookie)
                // Wednesday 25 November: the week just ended is 16-20 November.
                #expect(n["from"] as? String == "2026-11-16" && n["to"] as? String == "2026-11-20")
                #expect(n["open_days"] as? [String] == ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"])
                let week = DateRange(from: day("2026-11-16"), to: day("2026-11-20"))
                let whole = try await report(f, school, week)
                #expect(n["attendance"] as? String == percent(whole.sessions.attendanceRate))
                let forms = n["forms"] as? [[String: Any]] ?? []
                let pupils = try await f.store.pupils(schoolID: school)
                #expect(forms.count == Set(pupils.map(\.form)).count && !forms.isEmpty)
                var rates: [Double] = []
                for row in forms {
                    let form = row["form"] as? String ?? ""
                    let g = try await report(f, school, week, PupilFilter(form: form))
                    #expect(row["attendance"] as? String == percent(g.sessions.attendanceRate), "form \(form)")
                    #expect(row["pupils"] as? Int == g.pupils)
                    rates.append(row["attendance_rate"] as? Double ?? -1)
                }
                #expect(rates == rates.sorted(by: >), "forms ranked by attendance")
                let text = n["text"] as? String ?? ""
                let html = n["html"] as? String ?? ""
                #expect(text.contains("Whole school: \(percent(whole.sessions.attendanceRate))"))
                #expect(text.contains("The school was open 5 days."))
                for p in pupils {
                    #expect(!text.contains(p.legalSurname) && !html.contains(p.legalSurname), "\(p.upn) named")
                }
                // A chosen week still running: Monday to Wednesday 23-25 November, and said so.
                let now = try await json(f, "/analytics/newsletter?date=2026-11-24", cookie: cookie)
                #expect(now["open_days"] as? [String] == ["2026-11-23", "2026-11-24", "2026-11-25"])
                #expect((now["text"] as? String ?? "").contains("Figures to Wednesday 25 November 2026"))
                // The half term: Autumn 2 from Monday 2 November (an INSET day, the school closed).
                let half = try await json(f, "/analytics/newsletter?period=half_term", cookie: cookie)
                #expect(half["from"] as? String == "2026-11-02" && (half["closed_days"] as? [String])?.first == "2026-11-02")
                // A week not yet begun: nothing counted, said so, not an error.
                let future = try await json(f, "/analytics/newsletter?date=2027-03-10", cookie: cookie)
                #expect((future["open_days"] as? [String])?.isEmpty == true && (future["text"] as? String ?? "").contains("No school day"))
                // Bad input names the field.
                let empty = try await PageTests().get(f, "/analytics/newsletter?date=&format=json", cookie: cookie)
                #expect(empty.status == .unprocessableEntity)
                let bad = try await PageTests().get(f, "/analytics/newsletter?date=2026-13-40&format=json", cookie: cookie)
                #expect(bad.status == .badRequest || bad.status == .unprocessableEntity)
                #expect(bad.text.contains("date"))
                let period = try await PageTests().get(f, "/analytics/newsletter?period=month", cookie: cookie)
                #expect(period.status == .unprocessableEntity && period.text.contains("week or half_term"))
                // The page has the fragments to copy.
                let page = try await PageTests().get(f, "/analytics/newsletter", cookie: cookie)
                #expect(page.status == .ok && page.text.contains("<h1>Newsletter figures</h1>") && page.text.contains("newsletter-text"))
                // Analytics links to it for whole-school staff only: a teacher limited to their forms is refused it.
                #expect(try await PageTests().get(f, "/analytics", cookie: cookie).text.contains("href=\"/analytics/newsletter\""))
                let teacher = try await signIn(f, "teacher@harbourlane.example.org")
                let teachers = try await PageTests().get(f, "/analytics", cookie: teacher)
                #expect(teachers.status == .ok && !teachers.text.contains("href=\"/analytics/newsletter\""))
                #expect(teachers.text.contains("href=\"/analytics/interventions\""))
                #expect(try await PageTests().get(f, "/analytics/newsletter", cookie: teacher).status == .forbidden)
            }
        }

        @Test(
            "seeds 000 §8.5.1, 002 §7.3, 003 Reactive 13: each stage's and action's pupils before and after, how many improved; the head sees the pupils, a governor only figures",
            arguments: Backend.available)
        func interventions(_ b: Backend) async throws {
            try await withDemo(b) { f, school in
                let pupils = try await f.store.pupils(schoolID: school).sorted { $0.upn < $1.upn }
                // Two pupils of the demo teacher's form and two of others: the teacher's figures are their form's.
                let own = Set(try #require(try await f.store.staff(schoolID: school).first { $0.role == "teacher" }).formList)
                let chosen =
                    Array(pupils.filter { own.contains($0.form) }.prefix(2)) + Array(pupils.filter { !own.contains($0.form) }.prefix(2))
                try #require(chosen.count == 4)
                let actor = Actor(name: "Ada Lead", position: "Attendance lead")
                // Wednesday 7 October: before is 1 September to Sunday 4 October (5 school weeks: the year has no more
                // before it); after is the 6 school weeks from 12 October (half term 26-30 October is no school
                // week), to the 25th so far.
                for p in chosen.prefix(3) {
                    try await f.store.addCasework(
                        CaseworkRow(
                            pupilID: p.id!, kind: .stageEntered, actionKey: nil, stageID: "stage-1", happenedOn: day("2026-10-07"),
                            summary: "Entered stage 1", recordedAt: "2026-10-07T10:00:00Z", by: actor))
                }
                try await f.store.addCasework(
                    CaseworkRow(
                        pupilID: chosen[3].id!, kind: .letterSent, actionKey: nil, happenedOn: day("2026-10-07"), summary: "Letter",
                        recordedAt: "2026-10-07T10:00:00Z", by: actor))
                let before = DateRange(from: day("2026-09-01"), to: day("2026-10-04"))
                let after = DateRange(from: day("2026-10-12"), to: day("2026-11-25"))
                var improved = 0
                var measured = 0
                for p in chosen.prefix(3) {
                    let (b, _) = try await f.store.pupilStatistics(schoolID: school, pupil: p, range: before)
                    let (a, _) = try await f.store.pupilStatistics(schoolID: school, pupil: p, range: after)
                    guard let br = b.attendanceRate, let ar = a.attendanceRate else { continue }
                    measured += 1
                    if ar > br { improved += 1 }
                }
                let head = try await signIn(f, "head@harbourlane.example.org")
                let page = try await json(f, "/analytics/interventions", cookie: head)
                let stages = page["stages"] as? [[String: Any]] ?? []
                let stage = try #require(stages.first { $0["kind"] as? String == "stage:stage-1" })
                #expect(stage["entries"] as? Int == 3 && stage["measured"] as? Int == measured && stage["improved"] as? Int == improved)
                #expect(stage["still_running"] as? Int == 3, "the after window runs to 27 November")
                let actions = page["actions"] as? [[String: Any]] ?? []
                #expect(actions.map { $0["kind"] as? String } == ["letter_sent"])
                let names = try await json(f, "/analytics/interventions/pupils?kind=stage:stage-1", cookie: head)
                let lines = names["pupils"] as? [[String: Any]] ?? []
                #expect(Set(lines.compactMap { $0["upn"] as? String }) == Set(chosen.prefix(3).map(\.upn)))
                let unknown = try await PageTests().get(f, "/analytics/interventions/pupils?kind=nothing", cookie: head)
                #expect(unknown.status == .unprocessableEntity && unknown.text.contains("kind"))
                // A governor: the same figures, no names, no UPNs, no link to them.
                let governor = try await signIn(f, "governor@harbourlane.example.org")
                let g = try await PageTests().get(f, "/analytics/interventions", cookie: governor)
                #expect(g.status == .ok)
                for p in chosen {
                    #expect(!g.text.contains(p.upn) && !g.text.contains(p.legalSurname))
                }
                #expect(!g.text.contains("/analytics/interventions/pupils"))
                let gj = try await json(f, "/analytics/interventions", cookie: governor)
                #expect((gj["stages"] as? [[String: Any]])?.first?["improved"] as? Int == improved)
                let refused = try await PageTests().get(f, "/analytics/interventions/pupils?kind=stage:stage-1", cookie: governor)
                #expect(refused.status == .forbidden)
                let teacher = try await signIn(f, "teacher@harbourlane.example.org")
                let tj = try await json(f, "/analytics/interventions", cookie: teacher)
                let ts = (tj["stages"] as? [[String: Any]] ?? []).first { $0["kind"] as? String == "stage:stage-1" }
                #expect(ts?["entries"] as? Int == 2 && (tj["actions"] as? [[String: Any]])?.isEmpty == true)
            }
        }

        @Test(
            "seeds 002 §6.3 and 004 'benchmark ... against local ... data': the school, every school together, the others as School A, B by attendance, and England",
            arguments: Backend.available)
        func benchmark(_ b: Backend) async throws {
            try await withDemo(b) { f, school in
                let head = try await signIn(f, "head@harbourlane.example.org")
                let page = try await json(f, "/analytics/benchmark", cookie: head)
                let year = DateRange(from: day("2026-09-01"), to: day("2026-11-25"))
                let own = try await report(f, school, year)
                let mine = page["school"] as? [String: Any] ?? [:]
                #expect(mine["attendance"] as? String == percent(own.sessions.attendanceRate))
                #expect(mine["persistent"] as? String == percent(own.persistentAbsenceRate))
                // The test database also holds the tiny school: it is School A, and the total is both.
                let others = page["others"] as? [[String: Any]] ?? []
                let tinyID = f.schoolID
                let tiny = try await report(f, tinyID, year)
                if tiny.sessions.possible > 0 {
                    #expect(others.map { $0["label"] as? String } == ["School A"])
                    #expect(others.first?["attendance"] as? String == percent(tiny.sessions.attendanceRate))
                }
                let total = page["total"] as? [String: Any] ?? [:]
                #expect(total["pupils"] as? Int == own.pupils + tiny.pupils)
                let html = try await PageTests().get(f, "/analytics/benchmark", cookie: head)
                let names = try await f.store.schools().filter { $0.id != school }.map(\.name)
                for n in names { #expect(!html.text.contains(n), "another school named") }
                #expect(html.text.contains("England"))
            }
        }

        /// The form token on a page.
        static func token(_ r: Reply) -> String? {
            guard let range = r.text.range(of: #"name="csrf" value="[^"]+""#, options: .regularExpression) else { return nil }
            return String(r.text[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
        }

        @Test(
            "seeds 000 §10.1, 001 §9, 004 'reviewed annually': the head records who approved the policy and when; the review date follows; Today says when it is due; bad input saves nothing",
            arguments: Backend.available)
        func policyApproval(_ b: Backend) async throws {
            // The fixture's clock: Tuesday 9 September 2025.
            try await withRollbook(b) { f in
                let pages = PageTests()
                let head = try await pages.signIn(f, .head)
                let policy = try await pages.get(f, "/policy", cookie: head)
                #expect(policy.text.contains("No approval has been recorded yet") && policy.text.contains("Record an approval"))
                let csrf = try #require(Self.token(policy))
                func post(_ fields: [(String, String)], as cookie: String = head, token: String? = nil) async throws -> Reply {
                    try await pages.post(f, "/policy/approval", cookie: cookie, [("csrf", token ?? csrf)] + fields)
                }
                let good = [("approvedOn", "2024-09-01"), ("approverName", "Full governing body"), ("approverPosition", "Governors")]
                for (field, bad) in [
                    ("approvedOn", "2024-13-01"), ("approvedOn", "2025-09-10"), ("approverName", " "), ("reviewDue", "2024-08-01"),
                ] {
                    let r = try await post(good.filter { $0.0 != field } + [(field, bad)])
                    #expect(
                        r.status == .unprocessableEntity && r.text.contains("\(field):") && r.text.contains("Nothing was saved"),
                        "\(field)=\(bad)")
                }
                #expect(try await f.store.policyApprovals(schoolID: f.schoolID).isEmpty)
                // Nobody else may record it.
                let lead = try await pages.signIn(f, .attendanceLead)
                let leadToken = try #require(Self.token(try await pages.get(f, "/policy", cookie: lead)))
                #expect(try await post(good, as: lead, token: leadToken).status == .forbidden)
                // Today before any approval: no reminder.
                #expect(!(try await pages.get(f, "/today", cookie: head)).text.contains("due for review"))
                // Approved 1 September 2024 with the standard policy's 12 months: the review was due 1 September 2025.
                let ok = try await post(good)
                #expect(ok.status == .seeOther)
                let rows = try await f.store.policyApprovals(schoolID: f.schoolID)
                #expect(rows.count == 1 && rows[0].reviewDue == "2025-09-01" && rows[0].approverName == "Full governing body")
                let shown = try await pages.get(f, "/policy", cookie: head)
                #expect(shown.text.contains("Its review was due on 2025-09-01") && shown.text.contains("Full governing body"))
                #expect(try await pages.get(f, "/today", cookie: head).text.contains("The attendance policy is due for review"))
                #expect(try await pages.get(f, "/today", cookie: lead).text.contains("The attendance policy is due for review"))
                let office = try await pages.signIn(f, .office)
                #expect(!(try await pages.get(f, "/today", cookie: office)).text.contains("due for review"))
                // A later approval with its own review date: no longer due.
                #expect(
                    try await post([
                        ("approvedOn", "2025-09-08"), ("approverName", "Ann Chair"), ("approverPosition", "Chair of governors"),
                        ("reviewDue", "2026-07-01"),
                    ]).status == .seeOther)
                #expect(!(try await pages.get(f, "/today", cookie: head)).text.contains("due for review"))
                #expect(try await pages.get(f, "/policy", cookie: head).text.contains("The next review is due on 2026-07-01"))
            }
        }

        @Test(
            "seed 003 'shared with parents at the start of the year and when a child starts': the portal shows the policy in parents' words, never the staff's clauses",
            arguments: Backend.available)
        func parentSummary(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let email = "parent.summary@example.org"
                let row = try await f.store.inviteParent(
                    schoolID: f.schoolID, email: email, name: "Pat Parent", tokenHash: APIToken.hash(APIToken.generate()),
                    expiresAt: "2025-09-23T08:00:00Z", by: Actor(name: "Office Person", position: "Office"), at: "2025-09-08T08:00:00Z")
                try await f.store.activateParent(
                    id: row.id!, passwordHash: try Bcrypt.hash("summary-pass", cost: 4), at: "2025-09-08T08:05:00Z")
                let page = try await f.call(.GET, "/parent/sign-in", as: nil)
                let token = try #require(Self.token(page))
                let cookie = try #require(page.headers.first(name: .setCookie)?.split(separator: ";").first.map(String.init))
                let signedIn = try await PageTests().post(
                    f, "/parent/sign-in", cookie: cookie, [("csrf", token), ("email", email), ("password", "summary-pass")])
                let session = try #require(signedIn.headers.first(name: .setCookie)?.split(separator: ";").first.map(String.init))
                let home = try await PageTests().get(f, "/parent", cookie: session)
                #expect(home.status == .ok && home.text.contains("Attendance at our school"))
                // The fixture's register times (8:45, late after 8:55) and the standard policy's first-day contact.
                let policy = try await f.store.policy(schoolID: f.schoolID, on: day("2025-09-09"))
                #expect(home.text.contains("taken at 8:45") && home.text.contains("after 8:55"))
                #expect(home.text.contains("before \(policy.dayOne.contactBy)"))
                for c in policy.clauses { #expect(!home.text.contains(c.source)) }
                for s in policy.stages { #expect(!home.text.contains(s.name)) }
            }
        }

        @Test(
            "seed 001 §8.3 'weekly updates to all staff' and seed 004 appendix 1 'A spreadsheet is sent to the SLT': the daily job queues each report once for the roles named, figures only, the spreadsheet behind sign-in",
            arguments: Backend.available)
        func scheduledReports(_ b: Backend) async throws {
            try await withDemo(b) { f, school in
                var policy = Policy.standard(name: "With reports", effectiveFrom: day("2026-09-01"))
                policy.reports = [
                    .init(kind: .attendanceSummary, to: ["teacher", "office"], every: .week, weekday: 5),
                    .init(kind: .spreadsheet, to: ["head", "attendance_lead"], every: .week),
                ]
                _ = try await f.store.savePolicy(
                    schoolID: school, policy, document: String(decoding: PolicyFile.encode(policy), as: UTF8.self),
                    by: Actor(name: "Ada Lead", position: "Attendance lead"), at: "2026-09-01T08:00:00Z")
                let staff = try await f.store.staff(schoolID: school)
                func count(_ roles: Set<String>) -> Int { staff.filter { roles.contains($0.role) && !$0.email.isEmpty }.count }
                func run(_ date: String, _ h: Int) async throws -> Int {
                    try await ScheduledReports.run(
                        store: f.store, cache: f.app.analytics, settings: MessageSettings(publicURL: "https://rollbook.example.org"),
                        now: FixedClock(date: day(date), time: TimeOfDay(hour: h, minute: 0)!).now())
                }
                // Thursday, and Friday before the afternoon register closes: not yet.
                #expect(try await run("2026-11-19", 16) == 0)
                #expect(try await run("2026-11-20", 10) == 0)
                let queued = try await run("2026-11-20", 16)
                #expect(queued == count(["teacher", "office"]) + count(["head", "attendance_lead"]) && queued > 2)
                // Twice, or on Saturday: nothing more.
                #expect(try await run("2026-11-20", 17) == 0)
                #expect(try await run("2026-11-21", 9) == 0)
                let messages = try await f.store.outbox(schoolID: school).filter {
                    $0.template == MessageTemplate.attendanceReport.rawValue
                }
                #expect(messages.count == queued)
                let summaries = messages.filter { $0.subject.hasPrefix("Attendance summary") }
                #expect(Set(summaries.map(\.recipient)) == Set(staff.filter { ["teacher", "office"].contains($0.role) }.map(\.email)))
                let body = try #require(summaries.first?.body)
                let week = try await report(f, school, DateRange(from: day("2026-11-16"), to: day("2026-11-20")))
                #expect(body.contains("This week: \(percent(week.sessions.attendanceRate)) attendance (\(week.pupils) pupils)"))
                #expect(body.contains("Forms:") && body.contains("Year groups:"))
                for p in try await f.store.pupils(schoolID: school) { #expect(!body.contains(p.legalSurname), "\(p.upn) named") }
                let sheet = try #require(messages.first { $0.subject.hasPrefix("Attendance spreadsheet") })
                #expect(staff.first { $0.email == sheet.recipient }.map { ["head", "attendance_lead"].contains($0.role) } == true)
                let link = "/analytics/reports/spreadsheet?from=2026-11-16&to=2026-11-20"
                #expect(sheet.body.contains("https://rollbook.example.org" + link))
                // The link opens the workbook for the head; a governor may not.
                let head = try await signIn(f, "head@harbourlane.example.org")
                let xlsx = try await PageTests().get(f, link, cookie: head)
                #expect(xlsx.status == .ok && xlsx.headers.contentType?.subType.contains("spreadsheet") == true)
                let governor = try await signIn(f, "governor@harbourlane.example.org")
                #expect(try await PageTests().get(f, link, cookie: governor).status == .forbidden)
                let bad = try await PageTests().get(f, "/analytics/reports/spreadsheet?from=2026-11-20&to=2026-11-16", cookie: head)
                #expect(bad.status == .unprocessableEntity && bad.text.contains("to"))
            }
        }
    }
}
