import Foundation

/// One pupil's mark in a lesson register: a code, and for L or U the arrival time or the minutes after the lesson began.
public struct LessonMark: Sendable, Hashable, Codable {
    public var code: AttendanceCode
    public var minutesLate: Int?
    public var arrival: TimeOfDay?
    public init(code: AttendanceCode, minutesLate: Int? = nil, arrival: TimeOfDay? = nil) {
        self.code = code
        self.minutesLate = minutesLate
        self.arrival = arrival
    }
}

/// Marks taken in a registration period become the statutory AM/PM marks (policy `school_day.registration`), so
/// teachers do not take the register twice.
public enum RegistrationMarks {
    /// What the statutory register does with a registration lesson's mark. `amend` goes through the audited
    /// amendment path with its reason; `keep` leaves a known reason recorded before the register in place.
    public enum Outcome: Sendable, Hashable {
        case firstEntry(Mark)
        case unchanged
        case amend(Mark, reason: String)
        case keep(reason: String)
    }

    /// The statutory mark for `lesson`, taken in `period` standing for `session`: present becomes `/` or `\`; L and U
    /// are decided again from the arrival time (given, or the period's start plus the minutes late) against the
    /// session's register times, as at the AM/PM register; any other code is kept.
    public static func sessionMark(
        from lesson: LessonMark, period: TimetablePeriod, session: Session, date: LocalDate, register: RegisterTimes
    ) -> Mark {
        switch lesson.code {
        case .presentAM, .presentPM:
            return Mark(date: date, session: session, code: session == .am ? .presentAM : .presentPM)
        case .late, .u:
            let at = lesson.arrival ?? TimeOfDay(minutes: min(1439, period.start.minutes + (lesson.minutesLate ?? 0)))
            let a = register.arrival(at: at, session: session)
            return Mark(date: date, session: session, code: a.code, minutesLate: a.minutesLate)
        default:
            return Mark(date: date, session: session, code: lesson.code)
        }
    }

    /// What writing a registration lesson's mark does to the pupil's current statutory mark. An N from the lesson
    /// never replaces a reason already recorded (a parent's report, a trip, a sign-out coded by the office).
    public static func outcome(
        lesson: LessonMark, lessonName: String, period: TimetablePeriod, session: Session, date: LocalDate,
        register: RegisterTimes, existing: Mark?
    ) -> Outcome {
        let new = sessionMark(from: lesson, period: period, session: session, date: date, register: register)
        switch RegisterRules.change(from: existing, to: new) {
        case .firstEntry: return .firstEntry(new)
        case .unchanged: return .unchanged
        case .amendment:
            let old = existing!.code
            if new.code == .n && old != .n && !old.isAttendanceOnSite {
                return .keep(reason: "\(old.symbol) (\(old.meaning)) was recorded before the register and stands")
            }
            return .amend(new, reason: "from the registration lesson \(lessonName)")
        }
    }
}

extension AttendanceCode {
    /// Present on the school site: `/`, `\`, L, or U (arrived after the register closed, but here).
    public var isAttendanceOnSite: Bool { self == .presentAM || self == .presentPM || self == .late || self == .u }
}
