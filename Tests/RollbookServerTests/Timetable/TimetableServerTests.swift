import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

/// Issue 17: the timetable imported from CSV in versions by date, "My lessons" and the lesson register, with cover.
extension ServerTests {
    @Suite("Timetable and lesson registers") struct TimetableServerTests {
        static let mia = "A100000000001"
        static let daniel = "A100000000002"
        static let zofia = "A100000000003"

        /// A one-week cycle: P1 9:00-10:00 and P3 11:00-12:00 every day; set 6x/Ma1 (Mia and Zofia) taught by `p1` in
        /// P1 and by `p3` in P3.
        static func csv(p1: String = "teacher@tiny.example.org", p3: String = "teacher@tiny.example.org") -> String {
            var rows = ["record,cycle_day,period,start,end,group,kind,teacher,room,upn"]
            for d in 1...5 {
                rows += ["period,\(d),P1,09:00,10:00,,,,,", "period,\(d),P3,11:00,12:00,,,,,"]
                rows += ["lesson,\(d),P1,,,6x/Ma1,,\(p1),M1,", "lesson,\(d),P3,,,6x/Ma1,,\(p3),M2,"]
            }
            rows += ["member,,,,,6x/Ma1,set,,,\(mia)", "member,,,,,6x/Ma1,set,,,\(zofia)"]
            return rows.joined(separator: "\n") + "\n"
        }

        static func upload(_ f: Fixture, _ query: String, _ csv: String, as role: Role = .head) async throws -> Reply {
            var h = HTTPHeaders()
            h.add(name: .authorization, value: "Bearer \(f.token(role))")
            h.contentType = HTTPMediaType(type: "text", subType: "csv")
            let res = try await f.app.testing().sendRequest(.POST, "/api/v1/timetable?\(query)", headers: h, body: ByteBuffer(string: csv))
            return Reply(status: res.status, headers: res.headers, text: res.body.string)
        }

        static let p1 = "/api/v1/lessons/2025-09-10/P1%206x%2FMa1"

        @Test(
            "a timetable version applies from its date and earlier days keep theirs; cycle days count school days, so a closure does not move the cycle on; a bad file names line and column and changes nothing",
            arguments: Backend.available)
        func versions(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: day("2025-09-10"), time: TimeOfDay(hour: 10, minute: 30)!)) { f in
                let first = try await Self.upload(f, "effective_from=2025-09-08&cycle_start=2025-09-08&cycle_days=5", Self.csv())
                #expect(first.status == .created, "\(first.text)")
                #expect(first.object["lessons"] as? Int == 10 && first.object["groups"] as? Int == 1)
                let second = try await Self.upload(
                    f, "effective_from=2025-09-15&cycle_start=2025-09-08&cycle_days=5", Self.csv(p3: "head@tiny.example.org"))
                #expect(second.status == .created, "\(second.text)")

                // Wednesday 10 September is day 3 under the first version; Monday 15th is day 5 under the second, as
                // Friday 12th was closed.
                let wednesday = try await f.call(.GET, "/api/v1/timetable?date=2025-09-10", as: .teacher).object
                #expect(wednesday["cycle_day"] as? Int == 3 && wednesday["effective_from"] as? String == "2025-09-08")
                let lessons = wednesday["lessons"] as? [[String: Any]] ?? []
                #expect(lessons.map { $0["register"] as? String } == ["P1 6x/Ma1", "P3 6x/Ma1"])
                #expect(lessons.last?["teacher"] as? String == "teacher@tiny.example.org")
                #expect(lessons.first?["pupils"] as? [String] == [Self.mia, Self.zofia])
                let monday = try await f.call(.GET, "/api/v1/timetable?date=2025-09-15", as: .teacher).object
                #expect(monday["cycle_day"] as? Int == 5 && monday["effective_from"] as? String == "2025-09-15")
                #expect((monday["lessons"] as? [[String: Any]])?.last?["teacher"] as? String == "head@tiny.example.org")
                let closed = try await f.call(.GET, "/api/v1/timetable?date=2025-09-12", as: .teacher).object
                #expect(closed["cycle_day"] == nil && (closed["lessons"] as? [Any])?.isEmpty == true)

                // Every error at once, each naming line and column; nothing saved.
                let bad = Self.csv().replacingOccurrences(of: "period,2,P3,11:00,12:00", with: "period,2,P3,11:00,10:30")
                    .replacingOccurrences(of: "lesson,4,P1,,,6x/Ma1", with: "lesson,4,P1,,,7y/Ma9")
                let refused = try await Self.upload(f, "effective_from=2025-09-15&cycle_start=2025-09-08&cycle_days=5", bad)
                #expect(refused.status == .unprocessableEntity)
                #expect(refused.errorField == "end" && refused.errorReason.contains(" errors: "), "\(refused.text)")
                #expect(refused.errorReason.contains("column end") && refused.errorReason.contains("column group"), "\(refused.text)")
                let after = try await f.call(.GET, "/api/v1/timetable?date=2025-09-15", as: .teacher).object
                #expect((after["lessons"] as? [[String: Any]])?.last?["teacher"] as? String == "head@tiny.example.org")
                #expect(try await f.store.timetableVersions(schoolID: f.schoolID).count == 2)
                // A cycle that does not start on a school day, and a cycle of 7 days, are refused naming the field.
                let saturday = try await Self.upload(f, "effective_from=2025-09-15&cycle_start=2025-09-13&cycle_days=5", Self.csv())
                #expect(saturday.status == .unprocessableEntity && saturday.errorField == "cycle_start")
                let seven = try await Self.upload(f, "effective_from=2025-09-15&cycle_start=2025-09-08&cycle_days=7", Self.csv())
                #expect(seven.status == .unprocessableEntity && seven.errorField == "cycle_days")
                // Importing is for the attendance lead and the head.
                #expect(try await Self.upload(f, "effective_from=2025-09-15", Self.csv(), as: .teacher).status == .forbidden)
                #expect(try await Self.upload(f, "effective_from=2025-09-15", Self.csv(), as: .office).status == .forbidden)
            }
        }

        @Test(
            "a timetabled lesson's register: its teacher marks the set's pupils from any form, a pupil outside the set is refused, another teacher's taking is recorded as cover",
            arguments: Backend.available)
        func lessonRegister(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: day("2025-09-10"), time: TimeOfDay(hour: 9, minute: 10)!)) { f in
                #expect(
                    try await Self.upload(f, "effective_from=2025-09-08&cycle_start=2025-09-08&cycle_days=5", Self.csv()).status
                        == .created)
                // The teacher's own form is RA (Mia); Zofia is in 6A but in the set, so the set's teacher marks her.
                let ok = try await f.call(
                    .POST, Self.p1, as: .teacher,
                    json: #"{"marks":[{"upn":"A100000000001","code":"/"},{"upn":"A100000000003","code":"N"}]}"#)
                #expect(ok.status == .ok, "\(ok.text)")
                #expect(ok.object["created"] as? Int == 2)
                let outside = try await f.call(.POST, Self.p1, as: .teacher, json: #"{"marks":[{"upn":"A100000000002","code":"/"}]}"#)
                #expect(outside.status == .unprocessableEntity && outside.errorField == "marks[0].upn", "\(outside.text)")
                let taken = try #require(try await f.store.lessonRegisters(schoolID: f.schoolID, date: day("2025-09-10"))["P1 6x/Ma1"])
                let teacherName = try await Self.staffName(f, "teacher")
                #expect(!taken.cover && taken.takenBy.hasPrefix(teacherName))
                // The office takes P3 for the absent teacher: cover.
                let p3 = try await f.call(
                    .POST, "/api/v1/lessons/2025-09-10/P3%206x%2FMa1", as: .office, json: #"{"marks":[{"upn":"A100000000003","code":"/"}]}"#
                )
                #expect(p3.status == .ok, "\(p3.text)")
                let cover = try #require(try await f.store.lessonRegisters(schoolID: f.schoolID, date: day("2025-09-10"))["P3 6x/Ma1"])
                #expect(cover.cover && cover.teacher == "teacher@tiny.example.org")
                // A lesson name not on the timetable keeps the old free-form behaviour: the teacher's own forms only.
                let free = try await f.call(
                    .POST, "/api/v1/lessons/2025-09-10/Choir", as: .teacher, json: #"{"marks":[{"upn":"A100000000003","code":"/"}]}"#)
                #expect(free.status == .forbidden)
            }
        }

        static func staffName(_ f: Fixture, _ role: String) async throws -> String {
            try #require(try await f.store.staff(schoolID: f.schoolID).first { $0.role == role }).name
        }

        @Test(
            "My lessons lists the teacher's periods with each register's state; the lesson page takes the register with one tap per pupil and shows the AM mark"
        )
        func pages() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-10"), time: TimeOfDay(hour: 11, minute: 5)!)) { f in
                #expect(
                    try await Self.upload(f, "effective_from=2025-09-08&cycle_start=2025-09-08&cycle_days=5", Self.csv()).status
                        == .created)
                let am = try await f.call(
                    .POST, "/api/v1/registers/2025-09-10/AM", as: .office, json: #"{"marks":[{"upn":"A100000000003","code":"/"}]}"#)
                #expect(am.status == .ok, "\(am.text)")
                let pages = PageTests()
                let cookie = try await pages.signIn(f, .teacher)
                let mine = try await pages.get(f, "/lessons", cookie: cookie)
                #expect(mine.status == .ok && mine.text.contains("<h1>My lessons"))
                // P1 (9:00) has started and was not taken; P3 (11:00) has just started.
                #expect(mine.text.contains("/lessons/2025-09-10/P1%206x%2FMa1") && mine.text.contains("Not taken"))
                let page = try await pages.get(f, "/lessons/2025-09-10/P3%206x%2FMa1", cookie: cookie)
                #expect(page.status == .ok && page.text.contains("Nowak") && page.text.contains("AM /"), "\(page.text)")
                let csrf = try #require(pageToken(page))
                let saved = try await pages.post(
                    f, "/lessons/2025-09-10/P3%206x%2FMa1", cookie: cookie,
                    [("csrf", csrf), ("mark_\(Self.mia)", "present"), ("mark_\(Self.zofia)", "late")])
                #expect(saved.status == .seeOther || saved.status == .found, "\(saved.status) \(saved.text)")
                let marks = try await f.store.lessonMarks(
                    pupilIDs: try await f.store.pupils(schoolID: f.schoolID).compactMap(\.id), date: day("2025-09-10"), lesson: "P3 6x/Ma1")
                #expect(Set(marks.values.map(\.code)) == ["/", "L"])
                #expect(marks.values.first { $0.code == "L" }?.minutesLate == 5)
                let after = try await pages.get(f, "/lessons", cookie: cookie)
                #expect(after.text.contains("Taken"))
                // A lesson not on the timetable is not found; a bad choice is refused naming the field.
                #expect(try await pages.get(f, "/lessons/2025-09-10/P9%206x%2FMa1", cookie: cookie).status == .notFound)
                let bad = try await pages.post(
                    f, "/lessons/2025-09-10/P3%206x%2FMa1", cookie: cookie, [("csrf", csrf), ("mark_\(Self.mia)", "asleep")])
                #expect(bad.status == .unprocessableEntity && bad.text.contains("mark_\(Self.mia)"))
                // The timetable page, for the head.
                let head = try await pages.signIn(f, .head)
                let tt = try await pages.get(f, "/timetable", cookie: head)
                #expect(tt.status == .ok && tt.text.contains("Today is day 3 of the one-week cycle"))
            }
        }
    }
}
