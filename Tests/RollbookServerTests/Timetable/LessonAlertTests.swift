import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

extension ServerTests {
    @Suite("In school, not in lesson: alerts stored") struct LessonAlertTests {
        typealias T = TimetableServerTests

        static func at(_ h: Int, _ m: Int) -> SchoolNow { FixedClock(date: day("2025-09-10"), time: TimeOfDay(hour: h, minute: m)!).now() }

        @Test(
            "seed 000 §4.5: present in P1 and N in P3: the alert is raised only once 10 minutes have passed since P3 began, raised once however often the day is scanned, and resolved once",
            arguments: Backend.available)
        func raisedOnceAfterMinutes(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: day("2025-09-10"), time: TimeOfDay(hour: 11, minute: 5)!)) { f in
                try await saveSchoolDay(f, SchoolDayPolicy(notInLesson: .init(afterMinutes: 10, notify: ["office"])))
                #expect(
                    try await T.upload(f, "effective_from=2025-09-08&cycle_start=2025-09-08&cycle_days=5", T.csv()).status == .created)
                let p1 = try await f.call(
                    .POST, T.p1, as: .teacher, json: #"{"marks":[{"upn":"A100000000001","code":"/"},{"upn":"A100000000003","code":"/"}]}"#)
                #expect(p1.status == .ok, "\(p1.text)")
                // At 11:05 the teacher marks Mia N in P3 and Zofia present: five minutes in, no alert yet.
                let p3 = try await f.call(
                    .POST, "/api/v1/lessons/2025-09-10/P3%206x%2FMa1", as: .teacher,
                    json: #"{"marks":[{"upn":"A100000000001","code":"N"},{"upn":"A100000000003","code":"/"}]}"#)
                #expect(p3.status == .ok, "\(p3.text)")
                #expect(try await f.store.lessonAlerts(schoolID: f.schoolID, date: day("2025-09-10")).isEmpty)
                #expect(try await LessonAlertScan.run(store: f.store, schoolID: f.schoolID, now: Self.at(11, 9)) == 0)
                #expect(try await LessonAlertScan.run(store: f.store, schoolID: f.schoolID, now: Self.at(11, 10)) == 1)
                #expect(try await LessonAlertScan.run(store: f.store, schoolID: f.schoolID, now: Self.at(11, 40)) == 0)
                let alerts = try await f.store.lessonAlerts(schoolID: f.schoolID, date: day("2025-09-10"), open: true)
                let mia = try #require(try await f.store.pupils(schoolID: f.schoolID).first { $0.upn == T.mia }?.id)
                #expect(alerts.map(\.pupilID) == [mia] && alerts.first?.lesson == "P3 6x/Ma1")
                #expect(alerts.first?.words.contains("last seen present in P1 6x/Ma1") == true, "\(alerts.first?.words ?? "")")
                // Resolved once: a second resolution finds nothing open.
                let id = try #require(alerts.first?.id)
                let by = Actor(name: "Office Person", position: "Office")
                let done = try await f.store.resolveLessonAlert(
                    schoolID: f.schoolID, id: id, .truancy, note: "found in the library", by: by, at: "t")
                #expect(done?.resolution == "truancy")
                let truancies = try await f.store.alertTruancies(
                    schoolID: f.schoolID, pupilIDs: nil, range: DateRange(from: day("2025-09-01"), to: day("2025-09-30")))
                #expect(truancies[mia]?.map(\.lesson) == ["P3 6x/Ma1"] && truancies.count == 1)
                #expect(
                    try await f.store.resolveLessonAlert(schoolID: f.schoolID, id: id, .registerError, note: nil, by: by, at: "t2") == nil)
                #expect(try await f.store.lessonAlerts(schoolID: f.schoolID, date: day("2025-09-10"), open: true).isEmpty)
                // Resolved alerts are not raised again.
                #expect(try await LessonAlertScan.run(store: f.store, schoolID: f.schoolID, now: Self.at(11, 50)) == 0)
            }
        }

        @Test(
            "the open alert shows on Today for the roles the policy names, not others; the API resolves it once, naming a bad resolution",
            arguments: Backend.available)
        func todayAndResolution(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: day("2025-09-10"), time: TimeOfDay(hour: 11, minute: 20)!)) { f in
                try await saveSchoolDay(f, SchoolDayPolicy(notInLesson: .init(notify: ["office"])))
                #expect(
                    try await T.upload(f, "effective_from=2025-09-08&cycle_start=2025-09-08&cycle_days=5", T.csv()).status == .created)
                _ = try await f.call(.POST, T.p1, as: .teacher, json: #"{"marks":[{"upn":"A100000000001","code":"/"}]}"#)
                // P3's register taken by the office, as cover, after the teacher's P1.
                let p3 = try await f.call(
                    .POST, "/api/v1/lessons/2025-09-10/P3%206x%2FMa1", as: .office, json: #"{"marks":[{"upn":"A100000000001","code":"O"}]}"#
                )
                #expect(p3.status == .ok, "\(p3.text)")
                let pages = PageTests()
                let office = try await pages.get(f, "/today", cookie: try await pages.signIn(f, .office))
                #expect(office.text.contains("In school, not in lesson") && office.text.contains("marked O in P3 6x/Ma1"), "\(office.text)")
                let teacher = try await pages.get(f, "/today", cookie: try await pages.signIn(f, .teacher))
                #expect(teacher.status == .ok && !teacher.text.contains("In school, not in lesson"))
                let id = try #require(try await f.store.lessonAlerts(schoolID: f.schoolID, date: day("2025-09-10")).first?.id)
                let path = "/api/v1/lesson-alerts/\(id)/resolution"
                #expect(try await f.call(.POST, path, as: .teacher, json: #"{"resolution":"truancy"}"#).status == .forbidden)
                let bad = try await f.call(.POST, path, as: .office, json: #"{"resolution":"asleep"}"#)
                #expect(bad.status == .unprocessableEntity && bad.errorField == "resolution", "\(bad.text)")
                #expect(
                    try await f.call(.POST, "/api/v1/lesson-alerts/999999/resolution", as: .office, json: #"{"resolution":"truancy"}"#)
                        .status == .notFound)
                let ok = try await f.call(.POST, path, as: .office, json: #"{"resolution":"known_reason","note":"at the nurse"}"#)
                #expect(
                    ok.status == .ok && ok.object["resolution"] as? String == "known_reason" && ok.object["upn"] as? String == T.mia,
                    "\(ok.text)")
                #expect(try await f.call(.POST, path, as: .office, json: #"{"resolution":"truancy"}"#).status == .conflict)
                // Resolved as a known reason: not a truancy for the ladder.
                #expect(
                    try await f.store.alertTruancies(
                        schoolID: f.schoolID, pupilIDs: nil, range: DateRange(from: day("2025-09-01"), to: day("2025-09-30"))
                    ).isEmpty)
                let after = try await pages.get(f, "/today", cookie: try await pages.signIn(f, .office))
                #expect(!after.text.contains("In school, not in lesson"))
            }
        }

        @Test("a pupil signed out before the lesson, or without the policy setting, raises no alert", arguments: Backend.available)
        func signedOutOrNoPolicy(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: day("2025-09-10"), time: TimeOfDay(hour: 11, minute: 30)!)) { f in
                #expect(
                    try await T.upload(f, "effective_from=2025-09-08&cycle_start=2025-09-08&cycle_days=5", T.csv()).status == .created)
                _ = try await f.call(.POST, T.p1, as: .teacher, json: #"{"marks":[{"upn":"A100000000001","code":"/"}]}"#)
                _ = try await f.call(
                    .POST, "/api/v1/lessons/2025-09-10/P3%206x%2FMa1", as: .teacher,
                    json: #"{"marks":[{"upn":"A100000000001","code":"N"}]}"#)
                #expect(try await LessonAlertScan.run(store: f.store, schoolID: f.schoolID, now: Self.at(11, 30)) == 0)
                try await saveSchoolDay(f, SchoolDayPolicy(notInLesson: .init(notify: ["office"])))
                let mia = try #require(try await f.store.pupils(schoolID: f.schoolID).first { $0.upn == T.mia }?.id)
                try await f.store.signOut(
                    SignOutRow(
                        pupilID: mia, date: day("2025-09-10"), outAt: TimeOfDay(hour: 10, minute: 30)!, reason: "dentist",
                        by: Actor(name: "O", position: "Office")))
                #expect(try await LessonAlertScan.run(store: f.store, schoolID: f.schoolID, now: Self.at(11, 30)) == 0)
            }
        }
    }
}
