import Foundation

/// "In school, not in lesson": a pupil seen present (at registration, a late sign-in or an earlier lesson) and then
/// absent (N, O, or left unmarked in a register that was taken) from a lesson that began at least the policy's minutes
/// ago, and not signed out. One alert per pupil and spell: later lessons missed are added to it.
public struct NotInLessonAlert: Sendable, Hashable, Codable {
    public var upn: String
    public var date: LocalDate
    /// The first lesson missed: its register name, period, group, teacher and room.
    public var lesson: String
    public var period: String
    public var group: String
    public var teacher: String
    public var room: String
    /// When the missed lesson began.
    public var since: TimeOfDay
    /// The lesson's mark: N, O, or nil when left unmarked.
    public var mark: AttendanceCode?
    /// Where the pupil was last seen present, in words, and when.
    public var lastSeen: String
    public var lastSeenAt: TimeOfDay
    /// Later lessons missed in the same spell.
    public var laterLessons: [String]
    /// The roles alerted (policy `school_day.not_in_lesson.notify`).
    public var notify: [String]

    /// The alert's stable identity: resolving it records it, and it is not raised again.
    public var key: String { "not-in-lesson:\(date.iso):\(upn):\(period)" }

    /// The staff text: who, which lesson, since when, last seen where.
    public var words: String {
        let missed = laterLessons.isEmpty ? "" : " and since then \(laterLessons.joined(separator: ", "))"
        let how = mark.map { "marked \($0.symbol)" } ?? "not marked"
        return "\(upn) \(how) in \(lesson) (\(teacher)\(room.isEmpty ? "" : ", \(room)")) since \(since)\(missed); "
            + "last seen \(lastSeen) at \(lastSeenAt)."
    }
}

/// How an alert was resolved. A truancy feeds the policy's truancy ladder as a `missed_lesson` record.
public enum NotInLessonResolution: String, Sendable, Hashable, Codable, CaseIterable {
    case truancy
    case knownReason = "known_reason"
    case registerError = "register_error"

    /// In words, for staff: `resolved as truancy`.
    public var title: String {
        switch self {
        case .truancy: "truancy"
        case .knownReason: "a known reason"
        case .registerError: "a register error"
        }
    }

    /// The truancy record a resolution adds to the pupil's casework, if any: in the session the lesson began in.
    public func truancyRecord(for alert: NotInLessonAlert, pmFrom: TimeOfDay) -> TruancyRecord? {
        guard self == .truancy else { return nil }
        return TruancyRecord(date: alert.date, session: alert.since < pmFrom ? .am : .pm, kind: .missedLesson, lesson: alert.lesson)
    }
}

public enum NotInLessonScan {
    public struct Result: Sendable, Hashable {
        public var alerts: [NotInLessonAlert]
        /// Lessons begun at least the policy's minutes ago with no mark at all: registers not taken.
        public var registersNotTaken: [DayTimetable.Lesson]
    }

    /// The alerts on `day` at `now`. Linear in the marks, lessons' pupils and movements (one sort of the day's events).
    public static func scan(
        day: DayTimetable, record: DayRecord, now: TimeOfDay, policy: SchoolDayPolicy.NotInLesson
    ) -> Result {
        let minutes = policy.minutes
        let (events, notTaken) = record.events(day: day, now: now)
        enum State {
            case present(at: TimeOfDay, lesson: Int?)
            case missing(alert: Int)
        }
        var state: [String: State] = [:]
        state.reserveCapacity(record.sessionMarks.count)
        var alerts: [NotInLessonAlert] = []
        for e in events {
            switch e.what {
            case .movement(let k):
                state[e.upn] = k == .signedOut ? nil : .present(at: e.at, lesson: nil)
            case .session(_, let c):
                if c.isAttendanceOnSite {
                    state[e.upn] = .present(at: e.at, lesson: nil)
                } else if case .missing = state[e.upn] {
                    continue  // still missing: later lessons join the alert
                } else {
                    state[e.upn] = nil
                }
            case .lesson(let i, let c):
                if let c, c.isAttendanceOnSite {
                    state[e.upn] = .present(at: e.at, lesson: i)
                    continue
                }
                guard c == nil || c == .n || c == .o else {
                    state[e.upn] = nil  // a known reason in the lesson (M, a trip...): not on the site
                    continue
                }
                let l = day.lessons[i]
                guard l.start.minutes + minutes <= now.minutes else { continue }
                switch state[e.upn] {
                case .present(let at, let seenIn):
                    let seen = seenIn.map { "present in \(day.lessons[$0].registerName)" } ?? "present at registration or signing in"
                    alerts.append(
                        NotInLessonAlert(
                            upn: e.upn, date: day.date, lesson: l.registerName, period: l.period, group: l.group, teacher: l.teacher,
                            room: l.room, since: l.start, mark: c, lastSeen: seen, lastSeenAt: at, laterLessons: [],
                            notify: policy.notify))
                    state[e.upn] = .missing(alert: alerts.count - 1)
                case .missing(let a):
                    alerts[a].laterLessons.append(l.registerName)
                case nil:
                    break
                }
            }
        }
        let due = notTaken.map { day.lessons[$0] }.filter { $0.start.minutes + minutes <= now.minutes }
        return Result(alerts: alerts, registersNotTaken: due)
    }
}
