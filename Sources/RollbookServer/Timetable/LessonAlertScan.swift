import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Raises the "in school, not in lesson" alerts of a school's day (`school_day.not_in_lesson`): one read of the day's
/// marks and signing out, `NotInLessonScan`, and the new alerts stored, each raised once.
public enum LessonAlertScan {
    /// Scans `now.date` as at `now.time`; returns how many alerts are new. Nothing when the policy has no
    /// `not_in_lesson` or the day has no timetable.
    @discardableResult
    public static func run(store: Store, schoolID: Int, now: SchoolNow) async throws -> Int {
        let policy = try await store.policy(schoolID: schoolID, on: now.date)
        guard let rule = policy.schoolDay?.notInLesson,
            let day = try await store.timetable(schoolID: schoolID, on: now.date)?.day(
                now.date, calendar: try await store.calendar(schoolID: schoolID))
        else { return 0 }
        let at = DayRecord.registrationTimes(day: day, registration: policy.schoolDay?.registration, register: policy.register)
        let marks = try await store.schoolDayMarks(
            schoolID: schoolID, date: now.date, amAt: at.am, pmAt: at.pm, register: policy.register)
        let result = NotInLessonScan.scan(day: day, record: marks.record, now: now.time, policy: rule)
        guard !result.alerts.isEmpty else { return 0 }
        let ids = Dictionary(marks.upns.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        let raise = result.alerts.compactMap { a in
            ids[a.upn].map { LessonAlertRaise(pupilID: $0, date: a.date, lesson: a.lesson, words: a.words) }
        }
        return try await store.raiseLessonAlerts(schoolID: schoolID, raise, at: now.timestamp)
    }
}
