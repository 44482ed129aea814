/// When a session's register opens, from when an arrival is late, and when it closes.
/// An arrival after `lateAfter` up to and including `closes` is L; after `closes` it is U.
public struct RegisterWindow: Sendable, Hashable, Codable {
    public var opens: TimeOfDay
    public var lateAfter: TimeOfDay
    public var closes: TimeOfDay
    public init(opens: TimeOfDay, lateAfter: TimeOfDay? = nil, closes: TimeOfDay) {
        self.opens = opens
        self.lateAfter = lateAfter ?? opens
        self.closes = closes
    }

    public enum State: String, Sendable, Codable {
        case notYetOpen = "not_yet_open"
        case open, closed
    }
    public func state(at t: TimeOfDay) -> State { t < opens ? .notYetOpen : (t <= closes ? .open : .closed) }

    /// Validates the order opens <= lateAfter <= closes.
    public func validate(field: String) throws(ValidationError) {
        guard opens <= lateAfter else {
            throw ValidationError(field: field, reason: "late_after (\(lateAfter)) is before the register opens (\(opens))")
        }
        guard lateAfter <= closes else {
            throw ValidationError(field: field, reason: "closes (\(closes)) is before late_after (\(lateAfter))")
        }
    }
}

/// A school's register windows for AM and PM.
public struct RegisterTimes: Sendable, Hashable, Codable {
    public var am: RegisterWindow
    public var pm: RegisterWindow
    public init(am: RegisterWindow, pm: RegisterWindow) {
        self.am = am
        self.pm = pm
    }
    public subscript(_ s: Session) -> RegisterWindow { s == .am ? am : pm }

    /// Rollbook's default when a school has set nothing: AM 8:40-9:10, PM 13:00-13:30 (open no longer than 30 minutes).
    public static let standard = RegisterTimes(
        am: RegisterWindow(opens: TimeOfDay(hour: 8, minute: 40)!, closes: TimeOfDay(hour: 9, minute: 10)!),
        pm: RegisterWindow(opens: TimeOfDay(hour: 13, minute: 0)!, closes: TimeOfDay(hour: 13, minute: 30)!))

    /// The mark an arrival at `time` earns: present, L while the register is open, U once it has closed;
    /// with the minutes after `lateAfter` for L and U.
    public func arrival(at time: TimeOfDay, session: Session) -> (code: AttendanceCode, minutesLate: Int?) {
        let w = self[session]
        if time <= w.lateAfter { return (session == .am ? .presentAM : .presentPM, nil) }
        let minutes = time.minutes - w.lateAfter.minutes
        return (time <= w.closes ? .late : .u, minutes)
    }
}

/// A field-named validation failure: what the API, import and CLI report to the user.
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var reason: String
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }
    public var description: String { "\(field): \(reason)" }
}

/// One session's current mark for a pupil.
public struct Mark: Sendable, Hashable, Codable {
    public var date: LocalDate
    public var session: Session
    public var code: AttendanceCode
    public var minutesLate: Int?
    public init(date: LocalDate, session: Session, code: AttendanceCode, minutesLate: Int? = nil) {
        self.date = date
        self.session = session
        self.code = code
        self.minutesLate = minutesLate
    }
}

/// Who changes a register: kept with every amendment (regulation 10: name and position).
public struct Actor: Sendable, Hashable, Codable {
    public var name: String
    public var position: String
    public init(name: String, position: String) {
        self.name = name
        self.position = position
    }
}

/// A change to a mark after its first entry. Append-only: never edited, never removed.
public struct Amendment: Sendable, Hashable, Codable {
    public var date: LocalDate
    public var session: Session
    public var originalCode: AttendanceCode
    public var newCode: AttendanceCode
    public var originalMinutesLate: Int?
    public var newMinutesLate: Int?
    public var reason: String
    /// When the amendment was made (ISO 8601 date-time, school-local).
    public var amendedAt: String
    public var by: Actor
}

public enum RegisterRules {
    /// What writing `new` over `existing` requires: nothing when it is the first entry or unchanged,
    /// otherwise an amendment, which needs a reason.
    public enum Change: Equatable, Sendable { case firstEntry, unchanged, amendment }

    public static func change(from existing: Mark?, to new: Mark) -> Change {
        guard let existing else { return .firstEntry }
        return existing.code == new.code && existing.minutesLate == new.minutesLate ? .unchanged : .amendment
    }

    /// The default number of school days within which an N must be replaced.
    public static let noReasonLimitSchoolDays = NationalRules.noReasonSchoolDays

    /// The N to O rule, the one home of it: an N is overdue once more than `limit` school days have passed after its
    /// day. The evaluation's fast scan and `overdueNoReason` both ask it.
    @inline(__always)
    public static func isNoReasonOverdue(schoolDaysSince: Int, limit: Int = noReasonLimitSchoolDays) -> Bool {
        schoolDaysSince > limit
    }

    /// N marks that have waited more than `limit` school days for a reason on `asOf`.
    public static func overdueNoReason(
        _ marks: [Mark], calendar: SchoolCalendar, asOf: LocalDate,
        limit: Int = noReasonLimitSchoolDays
    ) -> [Mark] {
        marks.filter {
            $0.code == .n && isNoReasonOverdue(schoolDaysSince: calendar.schoolDays(after: $0.date, through: asOf), limit: limit)
        }
    }
}
