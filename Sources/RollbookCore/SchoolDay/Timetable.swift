import Foundation

/// One period of one cycle day: e.g. P1 on day 3 from 8:30 to 9:30.
public struct TimetablePeriod: Sendable, Hashable, Codable {
    /// 1 ... the cycle's length (5 for a one-week cycle, 10 for two weeks).
    public var cycleDay: Int
    /// The period's name on the timetable, e.g. `P1`, `REG`, `LUNCH`.
    public var id: String
    public var start: TimeOfDay
    public var end: TimeOfDay
    public init(cycleDay: Int, id: String, start: TimeOfDay, end: TimeOfDay) {
        self.cycleDay = cycleDay
        self.id = id
        self.start = start
        self.end = end
    }
}

/// A class (a whole form or primary class) or a set (pupils grouped for a subject), with its pupils.
public struct TeachingGroup: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case `class`, set
    }
    /// The group's name, unique in the timetable, e.g. `9A` or `9x/Ma1`.
    public var id: String
    public var kind: Kind
    /// UPNs, in the order the file gave them.
    public var pupils: [String]
    public init(id: String, kind: Kind, pupils: [String]) {
        self.id = id
        self.kind = kind
        self.pupils = pupils
    }
}

/// A lesson: a group taught by a teacher in a room in one period of one cycle day.
public struct TimetabledLesson: Sendable, Hashable, Codable {
    public var cycleDay: Int
    public var period: String
    public var group: String
    /// The teacher's staff id or email.
    public var teacher: String
    public var room: String
    public init(cycleDay: Int, period: String, group: String, teacher: String, room: String) {
        self.cycleDay = cycleDay
        self.period = period
        self.group = group
        self.teacher = teacher
        self.room = room
    }
}

/// A version of the school's timetable, in force from `effectiveFrom` until the next version.
public struct Timetable: Sendable, Hashable, Codable {
    public var effectiveFrom: LocalDate
    /// Day 1 of the cycle: a school day on or before `effectiveFrom`.
    public var cycleStart: LocalDate
    /// 5 (one week) or 10 (two weeks).
    public var cycleDays: Int
    public var periods: [TimetablePeriod]
    public var groups: [TeachingGroup]
    public var lessons: [TimetabledLesson]

    public init(
        effectiveFrom: LocalDate, cycleStart: LocalDate, cycleDays: Int, periods: [TimetablePeriod], groups: [TeachingGroup],
        lessons: [TimetabledLesson]
    ) {
        self.effectiveFrom = effectiveFrom
        self.cycleStart = cycleStart
        self.cycleDays = cycleDays
        self.periods = periods
        self.groups = groups
        self.lessons = lessons
    }

    /// The cycle day (1 ... `cycleDays`) of `date`: school days counted from `cycleStart`, so holidays and closures do
    /// not move the cycle on. Nil before the cycle starts or on a day the school is closed.
    public func cycleDay(of date: LocalDate, calendar: SchoolCalendar) -> Int? {
        guard date >= cycleStart, calendar.isSchoolDay(date), cycleDays > 0 else { return nil }
        let startOffset = calendar.isSchoolDay(cycleStart) ? 0 : -1
        let n = calendar.schoolDays(after: cycleStart, through: date) + startOffset
        guard n >= 0 else { return nil }
        return n % cycleDays + 1
    }

    /// The teachers of each group: everyone who teaches it a lesson in the cycle.
    public func teachers(of group: String) -> [String] {
        var out: [String] = []
        for l in lessons where l.group == group && !out.contains(l.teacher) { out.append(l.teacher) }
        return out
    }

    /// The day's timetable for `date`, its lessons in period order; nil when the school is closed.
    public func day(_ date: LocalDate, calendar: SchoolCalendar) -> DayTimetable? {
        guard let cd = cycleDay(of: date, calendar: calendar) else { return nil }
        let periods = periods.filter { $0.cycleDay == cd }.sorted { ($0.start, $0.id) < ($1.start, $1.id) }
        let groups = Dictionary(groups.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [DayTimetable.Lesson] = []
        for p in periods {
            for l in lessons where l.cycleDay == cd && l.period == p.id {
                out.append(
                    .init(
                        period: p.id, start: p.start, end: p.end, group: l.group, teacher: l.teacher, room: l.room,
                        pupils: groups[l.group]?.pupils ?? []))
            }
        }
        return DayTimetable(date: date, cycleDay: cd, periods: periods, lessons: out)
    }
}

/// One school day's periods and lessons, resolved from the version in force.
public struct DayTimetable: Sendable, Hashable {
    public struct Lesson: Sendable, Hashable {
        public var period: String
        public var start: TimeOfDay
        public var end: TimeOfDay
        public var group: String
        public var teacher: String
        public var room: String
        public var pupils: [String]
        public init(
            period: String, start: TimeOfDay, end: TimeOfDay, group: String, teacher: String, room: String, pupils: [String]
        ) {
            self.period = period
            self.start = start
            self.end = end
            self.group = group
            self.teacher = teacher
            self.room = room
            self.pupils = pupils
        }
        /// The lesson's register name, as lesson marks are stored: `P3 9x/Ma1`.
        public var registerName: String { "\(period) \(group)" }
    }
    public var date: LocalDate
    public var cycleDay: Int
    public var periods: [TimetablePeriod]
    public var lessons: [Lesson]

    /// A teacher's lessons of the day ("My lessons"), in period order.
    public func lessons(teacher: String) -> [Lesson] { lessons.filter { $0.teacher == teacher } }
    public func period(_ id: String) -> TimetablePeriod? { periods.first { $0.id == id } }
}

/// Every version of the timetable: history keeps the timetable of its day.
public struct TimetableHistory: Sendable, Hashable {
    /// Versions by `effectiveFrom`, oldest first.
    public private(set) var versions: [Timetable]
    public init(_ versions: [Timetable]) { self.versions = versions.sorted { $0.effectiveFrom < $1.effectiveFrom } }

    /// The version in force on `date`: the latest that took effect on or before it.
    public func timetable(on date: LocalDate) -> Timetable? { versions.last { $0.effectiveFrom <= date } }

    /// The day's timetable from the version in force on it.
    public func day(_ date: LocalDate, calendar: SchoolCalendar) -> DayTimetable? {
        timetable(on: date)?.day(date, calendar: calendar)
    }
}
