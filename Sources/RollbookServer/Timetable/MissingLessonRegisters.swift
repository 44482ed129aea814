import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Timetabled lessons whose register was not taken: those that began at least the policy's minutes ago
/// (`school_day.not_in_lesson.after_minutes`, else 10) with no register recorded, for the Missing registers page.
struct MissingLessonRegisters {
    struct Row: Encodable {
        var date, weekday, lesson, teacher, start: String
        var link: String
    }

    /// Newest day first, then by teacher and period. A teacher sees their own lessons; office staff see everyone's.
    static func rows(req: Request, user: StaffUser, range: DateRange, now: SchoolNow) async throws -> [Row] {
        let versions = try await req.store.timetableVersions(schoolID: user.schoolID)
        guard !versions.isEmpty else { return [] }
        let history = TimetableHistory(try versions.map { try $0.timetable() })
        let calendar = try await req.store.calendar(schoolID: user.schoolID)
        let minutes =
            try await req.store.policy(schoolID: user.schoolID, on: now.date).schoolDay?.notInLesson?.minutes
            ?? SchoolDayPolicy.NotInLesson.defaultMinutes
        let taken = try await req.store.lessonRegistersTaken(schoolID: user.schoolID, range: range)
        let staff = try await req.store.staff(schoolID: user.schoolID)
        func name(_ teacher: String) -> String {
            let t = teacher.lowercased()
            return staff.first { $0.email.lowercased() == t || $0.id.map(String.init) == t }?.name ?? teacher
        }
        let everyone = user.can(.amendMarks)
        var out: [Row] = []
        var d = range.to
        while d >= range.from {
            if let day = history.day(d, calendar: calendar) {
                var rows: [Row] = []
                for l in day.lessons where d < now.date || l.start.minutes + minutes <= now.time.minutes {
                    guard !taken.contains("\(d.iso)|\(l.registerName)"), everyone || TimetabledLessons.isTeacher(l.teacher, user)
                    else { continue }
                    rows.append(
                        Row(
                            date: d.iso, weekday: d.weekdayName, lesson: l.registerName, teacher: name(l.teacher),
                            start: l.start.description, link: TimetabledLessons.path(d, l)))
                }
                out += rows.sorted { ($0.teacher, $0.start) < ($1.teacher, $1.start) }
            }
            d = d.adding(days: -1)
        }
        return out
    }
}
