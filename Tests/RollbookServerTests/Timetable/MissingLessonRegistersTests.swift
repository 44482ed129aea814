import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

extension ServerTests {
    @Suite("Missing registers: lesson registers not taken") struct MissingLessonRegistersTests {
        typealias T = TimetableServerTests

        @Test(
            "a timetabled lesson not taken shows on Missing registers with its teacher once the policy's minutes have passed since it began; taking it removes it; a teacher sees only their own"
        )
        func lessonsNotTaken() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-10"), time: TimeOfDay(hour: 11, minute: 14)!)) { f in
                try await saveSchoolDay(f, SchoolDayPolicy(notInLesson: .init(afterMinutes: 15, notify: ["office"])))
                let csv = T.csv(p3: "head@tiny.example.org")
                #expect(try await T.upload(f, "effective_from=2025-09-08&cycle_start=2025-09-08&cycle_days=5", csv).status == .created)
                let pages = PageTests()
                let office = try await pages.signIn(f, .office)
                let p1 = "/lessons/2025-09-10/P1%206x%2FMa1"
                let p3 = "/lessons/2025-09-10/P3%206x%2FMa1"
                let page = try await pages.get(f, "/registers/missing?weeks=1", cookie: office)
                #expect(page.status == .ok && page.text.contains("Lesson registers not taken"))
                // P1 began at 9:00; P3 at 11:00, only 14 minutes ago (the policy says 15).
                #expect(page.text.contains(p1) && !page.text.contains(p3))
                // Earlier school days this week, not the closed Friday of last week... nor days before the timetable.
                #expect(page.text.contains("/lessons/2025-09-09/P3%206x%2FMa1") && page.text.contains("/lessons/2025-09-08/P1%206x%2FMa1"))
                #expect(!page.text.contains("/lessons/2025-09-05/"))
                let teacherName = try await T.staffName(f, "teacher")
                #expect(page.text.contains(teacherName))
                let taken = try await f.call(
                    .POST, "/api/v1/" + p1.dropFirst(), as: .teacher, json: #"{"marks":[{"upn":"A100000000001","code":"/"}]}"#)
                #expect(taken.status == .ok, "\(taken.text)")
                let after = try await pages.get(f, "/registers/missing?weeks=1", cookie: office)
                #expect(!after.text.contains(p1) && after.text.contains("/lessons/2025-09-09/P1%206x%2FMa1"))
                // The teacher sees their P1 lessons, not the head's P3.
                let teacher = try await pages.signIn(f, .teacher)
                let own = try await pages.get(f, "/registers/missing?weeks=1", cookie: teacher)
                #expect(own.text.contains("/lessons/2025-09-09/P1%206x%2FMa1") && !own.text.contains("/lessons/2025-09-09/P3%206x%2FMa1"))
            }
        }
    }
}
