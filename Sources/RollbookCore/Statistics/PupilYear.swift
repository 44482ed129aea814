import Foundation

// A pupil's year at a glance: a calendar grid of every school week, a weekly attendance series and weekly lateness.
// Figures come from StatisticsEngine, so they agree with every other page and export.

/// What a session shows on a pupil's year calendar.
public enum SessionState: Sendable, Hashable {
    /// A mark on a session open for the pupil while on roll.
    case marked(AttendanceCode)
    /// Closed for the pupil's year group (holiday, INSET, planned closure, AM- or PM-only closure).
    case closed
    case notOnRoll
    /// Open and on roll, on or before "as of", with no mark.
    case notYetMarked
    /// After "as of", with no mark.
    case future
}

/// A session's category: the CSS class and the legend word on the pages (colour always comes with text).
public enum SessionCategory: String, Sendable, Hashable, CaseIterable, Codable {
    case present, late, activity, authorised, unauthorised, notpossible, closed, notonroll, unmarked, future

    /// The category of a mark, by its statistical meaning; L is late.
    public init(code: AttendanceCode) {
        switch code.statisticalMeaning {
        case .present: self = code == .late ? .late : .present
        case .approvedEducationalActivity: self = .activity
        case .authorisedAbsence: self = .authorised
        case .unauthorisedAbsence: self = .unauthorised
        case .notPossible: self = .notpossible
        }
    }

    public init(state: SessionState) {
        switch state {
        case .marked(let c): self.init(code: c)
        case .closed: self = .closed
        case .notOnRoll: self = .notonroll
        case .notYetMarked: self = .unmarked
        case .future: self = .future
        }
    }

    /// Plain English for the legend.
    public var label: String {
        switch self {
        case .present: "Present"
        case .late: "Late (arrived before the register closed)"
        case .activity: "Approved educational activity"
        case .authorised: "Authorised absence"
        case .unauthorised: "Unauthorised absence"
        case .notpossible: "Not a possible session (e.g. dual registered, unable to attend)"
        case .closed: "School closed"
        case .notonroll: "Not on roll"
        case .unmarked: "Not yet marked"
        case .future: "Still to come"
        }
    }
}

/// A pupil's academic year as rows of school weeks, Monday to Friday, AM and PM.
public struct PupilYearGrid: Sendable, Hashable {
    public struct Cell: Sendable, Hashable {
        public var date: LocalDate
        public var session: Session
        public var state: SessionState
        /// Whether a closed session is a planned closure (what the register records as #) rather than a holiday.
        public var isPlannedClosure: Bool

        public var category: SessionCategory { SessionCategory(state: state) }
        /// Short visible text: the code's symbol, # for a planned closure, else empty.
        public var symbol: String {
            switch state {
            case .marked(let c): c.symbol
            case .closed: isPlannedClosure ? "#" : ""
            default: ""
            }
        }
        /// A full description, e.g. "Monday 8 September 2025 AM: I – Illness", for a title or screen reader.
        public var summary: String {
            let what =
                switch state {
                case .marked(let c): "\(c.symbol) – \(c.meaning(on: date))"
                case .closed: isPlannedClosure ? "# – \(SessionCategory.closed.label)" : SessionCategory.closed.label
                default: category.label
                }
            return "\(PupilYearGrid.longDate(date)) \(session.rawValue): \(what)"
        }
    }

    public struct Week: Sendable, Hashable {
        /// The Monday.
        public var weekStart: LocalDate
        /// Ten cells: Monday AM, Monday PM, Tuesday AM, ... Friday PM.
        public var cells: [Cell]
        /// The cell for an ISO weekday (1 = Monday ... 5 = Friday) and session.
        public func cell(weekday: Int, _ session: Session) -> Cell? {
            let i = (weekday - 1) * 2 + session.index
            return cells.indices.contains(i) ? cells[i] : nil
        }
    }

    public let year: AcademicYear
    public let asOf: LocalDate
    /// The school weeks of the year, in order; holiday weeks are left out.
    public let weeks: [Week]

    public struct LegendEntry: Sendable, Hashable, Codable {
        public var category: SessionCategory
        public var label: String
    }
    /// Every category in legend order, each with its plain-English label.
    public static let legend: [LegendEntry] = SessionCategory.allCases.map { LegendEntry(category: $0, label: $0.label) }

    public init(year: AcademicYear, marks: SessionArray, enrolment: Enrolment, calendar: SchoolCalendar, asOf: LocalDate) {
        self.year = year
        self.asOf = asOf
        weeks = Self.schoolWeeks(year: year, calendar: calendar).map { monday in
            var cells: [Cell] = []
            cells.reserveCapacity(10)
            for i in 0..<5 {
                let d = monday.adding(days: i)
                let group = enrolment.yearGroup(in: AcademicYear(containing: d))
                for s in Session.allCases {
                    let state: SessionState
                    var planned = false
                    if !enrolment.isOnRoll(d) {
                        state = .notOnRoll
                    } else if !calendar.isOpen(d, s, yearGroup: group) {
                        state = .closed
                        planned = calendar.isPlannedClosure(d, s, yearGroup: group)
                    } else if let c = marks[d, s] {
                        state = .marked(c)
                    } else {
                        state = d > asOf ? .future : .notYetMarked
                    }
                    cells.append(Cell(date: d, session: s, state: state, isPlannedClosure: planned))
                }
            }
            return Week(weekStart: monday, cells: cells)
        }
    }

    /// Mondays of the school weeks of `year`: weeks with a session open for the whole school on a day of the year
    /// (and of `range`, when given). Holiday weeks and weeks closed throughout are left out.
    public static func schoolWeeks(year: AcademicYear, calendar: SchoolCalendar, range: DateRange? = nil) -> [LocalDate] {
        guard let span = calendar.span, var r = year.range.clamped(to: span) else { return [] }
        if let range {
            guard let c = r.clamped(to: range) else { return [] }
            r = c
        }
        var out: [LocalDate] = []
        var monday = r.from.weekStart
        while monday <= r.to {
            if let days = DateRange(from: monday, to: monday.adding(days: 6)).clamped(to: r), calendar.openSessions(in: days) > 0 {
                out.append(monday)
            }
            monday = monday.adding(days: 7)
        }
        return out
    }

    private static let weekdayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    private static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December",
    ]
    /// "Monday 8 September 2025"
    public static func longDate(_ d: LocalDate) -> String {
        let c = d.components
        return "\(weekdayNames[d.weekday - 1]) \(c.day) \(monthNames[c.month - 1]) \(c.year)"
    }
}

/// One school week of a pupil's attendance, counted by StatisticsEngine.
public struct WeeklyAttendance: Sendable, Hashable {
    /// The Monday.
    public var weekStart: LocalDate
    /// The days counted: the week within the requested range and the academic year.
    public var range: DateRange
    public var counts: SessionCounts
    /// From the first day of the academic year to the end of `range`.
    public var yearToDate: SessionCounts

    public var possible: Int { counts.possible }
    /// Present (L included) plus approved educational activity.
    public var attended: Int { counts.present + counts.approvedActivity }
    public var authorised: Int { counts.authorised }
    public var unauthorised: Int { counts.unauthorised }
    /// Nil when there are no possible sessions (not on roll, or closed for the pupil's year group).
    public var attendanceRate: Double? { counts.attendanceRate }
    public var yearToDateRate: Double? { yearToDate.attendanceRate }

    /// Each school week of `year` (see `PupilYearGrid.schoolWeeks`) that has an open session within `range`.
    /// Weeks the whole school is closed throughout are left out; a week open for the school but not for this pupil
    /// is kept with possible 0 and a nil rate, so a trend line shows a gap there.
    public static func series(
        year: AcademicYear, marks: SessionArray, enrolment: Enrolment, calendar: SchoolCalendar,
        range: DateRange
    ) -> [WeeklyAttendance] {
        guard let r = range.clamped(to: year.range) else { return [] }
        let engine = StatisticsEngine(calendar: calendar)
        var ytd =
            r.from > year.range.from
            ? engine.counts(marks, enrolment: enrolment, range: DateRange(from: year.range.from, to: r.from.adding(days: -1)))
            : SessionCounts()
        return PupilYearGrid.schoolWeeks(year: year, calendar: calendar, range: r).map { monday in
            let days = DateRange(from: monday, to: monday.adding(days: 6)).clamped(to: r)!
            let c = engine.counts(marks, enrolment: enrolment, range: days)
            ytd += c
            return WeeklyAttendance(weekStart: monday, range: days, counts: c, yearToDate: ytd)
        }
    }
}

/// Late arrivals (L and U) in one week of a weekly series.
public struct WeeklyLateness: Sendable, Hashable {
    public var weekStart: LocalDate
    public var count: Int
    public var minutes: Int

    public init(weekStart: LocalDate, count: Int, minutes: Int) {
        self.weekStart = weekStart
        self.count = count
        self.minutes = minutes
    }

    /// Totals per week of `weeks`, in the same order; arrivals outside every week's range are left out.
    public static func totals(_ arrivals: [(date: LocalDate, minutesLate: Int)], in weeks: [WeeklyAttendance]) -> [WeeklyLateness] {
        var index: [LocalDate: Int] = [:]
        var out = weeks.enumerated().map { i, w in
            index[w.weekStart] = i
            return WeeklyLateness(weekStart: w.weekStart, count: 0, minutes: 0)
        }
        for a in arrivals {
            guard let i = index[a.date.weekStart], weeks[i].range.contains(a.date) else { continue }
            out[i].count += 1
            out[i].minutes += a.minutesLate
        }
        return out
    }
}
