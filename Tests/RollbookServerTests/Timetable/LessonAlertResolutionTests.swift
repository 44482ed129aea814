import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

extension ServerTests {
    @Suite("In school, not in lesson: resolved from Today, on the timeline, counted by the truancy ladder")
    struct LessonAlertResolutionTests {
        typealias T = TimetableServerTests

        /// A policy with the alert (the office told) and a truancy ladder whose first rung is one day of truancy a year.
        static func policy() -> Policy {
            var policy = Policy.standard(name: "Alert and ladder", effectiveFrom: day("2025-09-01"))
            policy.schoolDay = SchoolDayPolicy(notInLesson: .init(afterMinutes: 10, notify: ["office"]))
            policy.truancy = Policy.Truancy(
                ladder: [
                    .init(
                        id: "first", name: "First truancy: letter of warning", atLeast: 1, per: .year, action: .letter,
                        letter: "truancy-warning")
                ], notify: [])
            return policy
        }

        /// Mia and Zofia present in P1, both marked N in P3 at 11:05; alerts raised by 11:15.
        static func twoAlerts(_ f: Fixture) async throws -> (mia: Int, zofia: Int, alerts: [LessonAlertRow]) {
            let policy = policy()
            _ = try await f.store.savePolicy(
                schoolID: f.schoolID, policy, document: String(decoding: PolicyFile.encode(policy), as: UTF8.self),
                by: Actor(name: "Head Person", position: "Head"), at: "2025-09-01T08:00:00Z")
            #expect(try await T.upload(f, "effective_from=2025-09-08&cycle_start=2025-09-08&cycle_days=5", T.csv()).status == .created)
            let both = #"{"marks":[{"upn":"A100000000001","code":"/"},{"upn":"A100000000003","code":"/"}]}"#
            #expect(try await f.call(.POST, T.p1, as: .teacher, json: both).status == .ok)
            let absent = #"{"marks":[{"upn":"A100000000001","code":"N"},{"upn":"A100000000003","code":"N"}]}"#
            #expect(try await f.call(.POST, "/api/v1/lessons/2025-09-10/P3%206x%2FMa1", as: .teacher, json: absent).status == .ok)
            let at = FixedClock(date: day("2025-09-10"), time: TimeOfDay(hour: 11, minute: 15)!).now()
            // P3's register taken after 11:10 (the clock is later) raises them at once, without Today's scan.
            #expect(try await f.store.lessonAlerts(schoolID: f.schoolID, date: day("2025-09-10")).count == 2)
            #expect(try await LessonAlertScan.run(store: f.store, schoolID: f.schoolID, now: at) == 0)
            let pupils = try await f.store.pupils(schoolID: f.schoolID)
            let mia = try #require(pupils.first { $0.upn == T.mia }?.id)
            let zofia = try #require(pupils.first { $0.upn == T.zofia }?.id)
            let alerts = try await f.store.lessonAlerts(schoolID: f.schoolID, date: day("2025-09-10"), open: true)
            #expect(Set(alerts.map(\.pupilID)) == [mia, zofia])
            return (mia, zofia, alerts)
        }

        @Test(
            "seed 000 §4.5: through the full daily evaluation, an alert resolved as truancy reaches the policy's truancy ladder and one resolved as a register error does not, though both pupils were marked N in the lesson",
            arguments: Backend.available)
        func ladder(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: day("2025-09-10"), time: TimeOfDay(hour: 12, minute: 30)!)) { f in
                let (mia, zofia, alerts) = try await Self.twoAlerts(f)
                let miaAlert = try #require(alerts.first { $0.pupilID == mia }?.id)
                let zofiaAlert = try #require(alerts.first { $0.pupilID == zofia }?.id)
                // Before either is resolved, neither N counts: the alert decides.
                let (_, before) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-10"))
                #expect(!before.contains { $0.kind == .truancy })
                let truancy = try await f.call(
                    .POST, "/api/v1/lesson-alerts/\(miaAlert)/resolution", as: .office, json: #"{"resolution":"truancy"}"#)
                #expect(truancy.status == .ok, "\(truancy.text)")
                let error = try await f.call(
                    .POST, "/api/v1/lesson-alerts/\(zofiaAlert)/resolution", as: .attendanceLead, json: #"{"resolution":"register_error"}"#)
                #expect(error.status == .ok, "\(error.text)")
                let (_, actions) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-10"))
                let rung = try #require(actions.first { $0.upn == T.mia && $0.kind == .truancy }, "\(actions.map(\.rule))")
                #expect(rung.rule == "truancy.first" && rung.action == .letter)
                #expect(!actions.contains { $0.upn == T.zofia && $0.kind == .truancy })
                // Each resolution is on the pupil's timeline: what, by whom; the ladder counts the alert once, not the entry too.
                let miaLine = try await f.store.casework(pupilID: mia).filter { $0.caseworkKind == .lessonAlertResolved }
                #expect(miaLine.count == 1 && miaLine.first?.outcome == "truancy" && miaLine.first?.happenedOn == "2025-09-10")
                #expect(miaLine.first?.summary.contains("P3 6x/Ma1") == true && miaLine.first?.byPosition == "Office")
                let zofiaLine = try await f.store.casework(pupilID: zofia).filter { $0.caseworkKind == .lessonAlertResolved }
                #expect(zofiaLine.map(\.outcome) == ["register_error"])
                #expect(Casework(timeline: try await f.store.casework(pupilID: mia).reversed()).truancies.isEmpty)
            }
        }

        @Test(
            "the Today form resolves an alert for the office (not a teacher), naming a missing choice and changing nothing; the pupil page shows the alert open, then resolved, and the timeline entry",
            arguments: Backend.available)
        func todayForm(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: day("2025-09-10"), time: TimeOfDay(hour: 11, minute: 20)!)) { f in
                let (mia, _, alerts) = try await Self.twoAlerts(f)
                let id = try #require(alerts.first { $0.pupilID == mia }?.id)
                let pages = PageTests()
                let cookie = try await pages.signIn(f, .office)
                let today = try await pages.get(f, "/today", cookie: cookie)
                #expect(today.text.contains(#"action="/lesson-alerts/\#(id)/resolution""#), "\(today.text)")
                let token = try #require(PageTests.csrf(today)?.token)
                let pupil = try await pages.get(f, "/pupils/\(T.mia)", cookie: cookie)
                #expect(pupil.text.contains("In school, not in lesson") && pupil.text.contains("<strong>Open</strong>"), "\(pupil.text)")
                let missing = try await pages.post(f, "/lesson-alerts/\(id)/resolution", cookie: cookie, [("csrf", token)])
                #expect(
                    missing.status == .unprocessableEntity && missing.text.contains("choose truancy, a known reason or a register error"),
                    "\(missing.text)")
                #expect(try await f.store.lessonAlert(schoolID: f.schoolID, id: id)?.resolvedAt == nil)
                let teacher = try await pages.signIn(f, .teacher)
                let teacherToken = try #require(PageTests.csrf(try await pages.get(f, "/lessons", cookie: teacher))?.token)
                let refused = try await pages.post(
                    f, "/lesson-alerts/\(id)/resolution", cookie: teacher, [("csrf", teacherToken), ("resolution", "truancy")])
                #expect(refused.status == .forbidden)
                let ok = try await pages.post(
                    f, "/lesson-alerts/\(id)/resolution", cookie: cookie,
                    [("csrf", token), ("resolution", "truancy"), ("note", "found behind the sports hall")])
                #expect(ok.status == .seeOther && ok.headers.first(name: .location) == "/today", "\(ok.text)")
                let after = try await pages.get(f, "/today", cookie: cookie)
                #expect(after.text.contains("not in P3 6x/Ma1: resolved as truancy"), "\(after.text)")
                #expect(!after.text.contains(#"action="/lesson-alerts/\#(id)/resolution""#))
                // The attendance lead sees the casework timeline.
                let page = try await pages.get(f, "/pupils/\(T.mia)", cookie: try await pages.signIn(f, .attendanceLead))
                #expect(page.text.contains("Resolved as truancy by") && page.text.contains("found behind the sports hall"), "\(page.text)")
                #expect(page.text.contains("Not in P3 6x/Ma1 while in school: resolved as truancy"))
            }
        }
    }
}
