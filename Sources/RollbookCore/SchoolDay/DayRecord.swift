import Foundation

/// A pupil leaving or arriving during the day: signing out, returning, or signing in late at reception.
public struct Movement: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case signedOut = "signed_out"
        case returned
        case signedIn = "signed_in"
    }
    public var upn: String
    public var kind: Kind
    public var at: TimeOfDay
    public init(upn: String, kind: Kind, at: TimeOfDay) {
        self.upn = upn
        self.kind = kind
        self.at = at
    }
}

/// What the registers and the signing-out book hold for one day: what the school-day views are computed from.
public struct DayRecord: Sendable, Hashable {
    public struct SessionMarks: Sendable, Hashable {
        public var am: AttendanceCode?
        public var pm: AttendanceCode?
        public init(am: AttendanceCode? = nil, pm: AttendanceCode? = nil) {
            self.am = am
            self.pm = pm
        }
    }
    /// The statutory marks by UPN.
    public var sessionMarks: [String: SessionMarks]
    /// Lesson marks by lesson register name (`DayTimetable.Lesson.registerName`), then UPN.
    public var lessonMarks: [String: [String: AttendanceCode]]
    public var movements: [Movement]
    /// When the AM and PM marks count as seen: the registration period's start, or the register's opening.
    public var amAt: TimeOfDay
    public var pmAt: TimeOfDay

    public init(
        sessionMarks: [String: SessionMarks], lessonMarks: [String: [String: AttendanceCode]] = [:], movements: [Movement] = [],
        amAt: TimeOfDay, pmAt: TimeOfDay
    ) {
        self.sessionMarks = sessionMarks
        self.lessonMarks = lessonMarks
        self.movements = movements
        self.amAt = amAt
        self.pmAt = pmAt
    }

    /// When the AM and PM marks are taken: the registration periods' starts where the policy names them and the day has
    /// them, else when the register opens.
    public static func registrationTimes(
        day: DayTimetable?, registration: SchoolDayPolicy.Registration?, register: RegisterTimes
    ) -> (am: TimeOfDay, pm: TimeOfDay) {
        let am = registration?.am.flatMap { day?.period($0)?.start } ?? register.am.opens
        let pm = registration?.pm.flatMap { day?.period($0)?.start } ?? register.pm.opens
        return (am, pm)
    }

    /// One observation of a pupil, in time order.
    struct Event {
        enum What {
            case session(Session, AttendanceCode)
            /// A lesson mark (nil: left unmarked in a register that was taken); `lesson` indexes the day's lessons.
            case lesson(Int, AttendanceCode?)
            case movement(Movement.Kind)
        }
        var at: TimeOfDay
        /// Movements first, then session marks, then lessons at the same minute.
        var rank: UInt8
        var upn: String
        var what: What
    }

    /// Every observation at or before `now`, in time order. Lessons count once they have started; a lesson whose
    /// register has no mark at all is left out (it is a register not taken, not an absence) and returned apart.
    func events(day: DayTimetable?, now: TimeOfDay) -> (events: [Event], notTaken: [Int]) {
        var out: [Event] = []
        out.reserveCapacity(sessionMarks.count * 2 + movements.count)
        for m in movements where m.at <= now { out.append(Event(at: m.at, rank: 0, upn: m.upn, what: .movement(m.kind))) }
        for (upn, s) in sessionMarks {
            if let c = s.am, amAt <= now { out.append(Event(at: amAt, rank: 1, upn: upn, what: .session(.am, c))) }
            if let c = s.pm, pmAt <= now { out.append(Event(at: pmAt, rank: 1, upn: upn, what: .session(.pm, c))) }
        }
        var notTaken: [Int] = []
        if let day {
            for (i, l) in day.lessons.enumerated() where l.start <= now {
                guard let marks = lessonMarks[l.registerName], !marks.isEmpty else {
                    notTaken.append(i)
                    continue
                }
                for upn in l.pupils { out.append(Event(at: l.start, rank: 2, upn: upn, what: .lesson(i, marks[upn]))) }
            }
        }
        out.sort { ($0.at, $0.rank) < ($1.at, $1.rank) }
        return (out, notTaken)
    }
}
