import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// A day's timetabled lessons for a signed-in member of staff, and taking one's register.
struct TimetabledLessons {
    let req: Request
    let user: StaffUser

    /// The day's timetable from the version in force; nil when none is, or the school is closed.
    func day(_ date: LocalDate) async throws -> DayTimetable? {
        guard let t = try await req.store.timetable(schoolID: user.schoolID, on: date) else { return nil }
        return t.day(date, calendar: try await req.store.calendar(schoolID: user.schoolID))
    }

    /// Whether the timetable's teacher (a staff id or an email) is this user.
    func teaches(_ lesson: DayTimetable.Lesson) -> Bool { Self.isTeacher(lesson.teacher, user) }

    static func isTeacher(_ teacher: String, _ u: StaffUser) -> Bool {
        let t = teacher.lowercased()
        return t == u.email.lowercased() || t == String(u.id)
    }

    /// The register's name in a URL path: `P3 9x/Ma1` as `P3%209x%2FMa1`.
    static func path(_ date: LocalDate, _ lesson: DayTimetable.Lesson) -> String {
        "/lessons/\(date.iso)/\(lesson.registerName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
    }

    /// Takes a timetabled lesson's register: its pupils only, by its teacher or as cover; recorded with who took it;
    /// in a registration period its marks are also the AM or PM marks.
    func submit(date: LocalDate, lesson: DayTimetable.Lesson, body: SubmitLessonDTO) async throws -> SubmitLessonResultDTO {
        let result = try await Registers(req: req, user: user).submitLesson(
            date: date, lesson: lesson.registerName, body: body, group: Set(lesson.pupils))
        try await req.store.recordLessonRegister(
            schoolID: user.schoolID, date: date, lesson: lesson.registerName, teacher: lesson.teacher, cover: !teaches(lesson),
            by: user.actor, at: req.clock.now().timestamp)
        try await recordSessionMarks(date: date, lesson: lesson, body: body)
        // The alerts for this lesson fall due the policy's minutes after it begins: a register taken sooner (the usual
        // case) leaves the whole-school scan to Today; one taken later raises them at once.
        let now = req.clock.now()
        if date == now.date,
            let rule = try await req.store.policy(schoolID: user.schoolID, on: date).schoolDay?.notInLesson,
            now.time.minutes >= lesson.start.minutes + rule.minutes
        {
            try await LessonAlertScan.run(store: req.store, schoolID: user.schoolID, now: now)
        }
        return result
    }
}
