/// One row of a school's calendar: the `calendar.csv` format.
public struct CalendarEntry: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Weekdays from start to end inclusive are open, AM and PM (one row per half term).
        case term
        /// Planned closure, whole day, recorded as #.
        case closure
        case closureAM = "closure_am"
        case closurePM = "closure_pm"
        /// An INSET (training) day: a whole-day planned closure, recorded as #.
        case inset
    }
    public var start: LocalDate
    public var end: LocalDate
    public var kind: Kind
    /// Empty for the whole school, else the year groups closed (e.g. ["R", "1"]).
    public var yearGroups: [String]
    public var label: String

    public init(start: LocalDate, end: LocalDate, kind: Kind, yearGroups: [String] = [], label: String = "") {
        self.start = start
        self.end = end
        self.kind = kind
        self.yearGroups = yearGroups
        self.label = label
    }

    /// Bit 0 closes AM, bit 1 closes PM.
    var closedMask: UInt8 {
        switch kind {
        case .term: 0
        case .closure, .inset: 3
        case .closureAM: 1
        case .closurePM: 2
        }
    }
}

public enum YearGroup {
    /// Year groups of the English system: nursery, reception, years 1 to 14.
    public static let all: [String] = ["N1", "N2", "R"] + (1...14).map(String.init)
    public static func isValid(_ s: String) -> Bool { all.contains(s) }
    /// The year group one year on (nil past the last).
    public static func next(_ s: String) -> String? {
        guard let i = all.firstIndex(of: s), i + 1 < all.count else { return nil }
        return all[i + 1]
    }
    public static func previous(_ s: String) -> String? {
        guard let i = all.firstIndex(of: s), i > 0 else { return nil }
        return all[i - 1]
    }
}

/// An academic year: 1 September to 31 August.
public struct AcademicYear: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public let startYear: Int
    public init(startYear: Int) { self.startYear = startYear }
    public init(containing d: LocalDate) {
        let c = d.components
        startYear = c.month >= 9 ? c.year : c.year - 1
    }
    public var range: DateRange {
        DateRange(from: LocalDate(year: startYear, month: 9, day: 1)!, to: LocalDate(year: startYear + 1, month: 8, day: 31)!)
    }
    /// "2025/26"
    public var description: String {
        let next = (startYear + 1) % 100
        return "\(startYear)/\(next < 10 ? "0" : "")\(next)"
    }
    public static func < (a: AcademicYear, b: AcademicYear) -> Bool { a.startYear < b.startYear }
}

/// A term and its half terms, derived from the calendar's `term` rows.
public struct Term: Sendable, Hashable, Codable {
    public enum Season: String, Sendable, Codable { case autumn, spring, summer }
    public var academicYear: Int
    public var season: Season
    /// Each half term's dates, in order.
    public var halfTerms: [DateRange]
    public var range: DateRange { DateRange(from: halfTerms.first!.from, to: halfTerms.last!.to) }
    public var name: String { "\(season.rawValue.capitalized) \(AcademicYear(startYear: academicYear))" }
}

/// When the school is open, per session and per year group.
public struct SchoolCalendar: Sendable {
    public let entries: [CalendarEntry]
    /// First term day to last term day; nil when there are no terms.
    public let span: DateRange?
    /// Per day from span.from: bit 0 AM open, bit 1 PM open, for the whole school.
    private let wholeSchool: [UInt8]
    /// Same, for year groups with closures of their own.
    private let byYearGroup: [String: [UInt8]]

    public init(entries: [CalendarEntry]) {
        self.entries = entries
        let terms = entries.filter { $0.kind == .term }
        guard let first = terms.map(\.start).min(), let last = terms.map(\.end).max(), first <= last else {
            span = nil
            wholeSchool = []
            byYearGroup = [:]
            return
        }
        let span = DateRange(from: first, to: last)
        self.span = span
        var base = [UInt8](repeating: 0, count: span.days)
        for t in terms {
            var d = t.start
            while d <= t.end {
                if !d.isWeekend { base[span.from.days(to: d)] = 3 }
                d = d.adding(days: 1)
            }
        }
        func apply(_ e: CalendarEntry, to mask: inout [UInt8]) {
            guard let r = DateRange(from: e.start, to: e.end).clamped(to: span) else { return }
            for i in span.from.days(to: r.from)...span.from.days(to: r.to) { mask[i] &= ~e.closedMask }
        }
        let closures = entries.filter { $0.kind != .term }
        for e in closures where e.yearGroups.isEmpty { apply(e, to: &base) }
        var groups: [String: [UInt8]] = [:]
        for e in closures {
            for g in e.yearGroups {
                var m = groups[g] ?? base
                apply(e, to: &m)
                groups[g] = m
            }
        }
        wholeSchool = base
        byYearGroup = groups
    }

    /// Open masks per day from `span.from` for a year group (nil = whole school).
    public func openMask(yearGroup: String?) -> [UInt8] {
        if let g = yearGroup, let m = byYearGroup[g] { return m }
        return wholeSchool
    }

    private func mask(_ d: LocalDate, _ yearGroup: String?) -> UInt8 {
        guard let span, span.contains(d) else { return 0 }
        return openMask(yearGroup: yearGroup)[span.from.days(to: d)]
    }

    /// Whether the session is open for the year group (nil: for the whole school).
    public func isOpen(_ d: LocalDate, _ s: Session, yearGroup: String? = nil) -> Bool {
        mask(d, yearGroup) & (s == .am ? 1 : 2) != 0
    }
    /// A day with at least one session open for the whole school.
    public func isSchoolDay(_ d: LocalDate) -> Bool { mask(d, nil) != 0 }

    /// Whether a closure (rather than a weekend or holiday) shuts this session: what the register records as #.
    public func isPlannedClosure(_ d: LocalDate, _ s: Session, yearGroup: String?) -> Bool {
        guard !isOpen(d, s, yearGroup: yearGroup) else { return false }
        return isOpen(d, s, yearGroup: nil) || (inTerm(d) && !d.isWeekend)
    }

    private func inTerm(_ d: LocalDate) -> Bool {
        entries.contains { $0.kind == .term && d >= $0.start && d <= $0.end }
    }

    public func openSessions(in range: DateRange, yearGroup: String? = nil) -> Int {
        guard let span, let r = range.clamped(to: span) else { return 0 }
        let m = openMask(yearGroup: yearGroup)
        var n = 0
        for i in span.from.days(to: r.from)...span.from.days(to: r.to) { n += Int(m[i] & 1) + Int(m[i] >> 1 & 1) }
        return n
    }

    /// School days strictly after `d` up to and including `asOf`.
    public func schoolDays(after d: LocalDate, through asOf: LocalDate) -> Int {
        guard let span, asOf > d else { return 0 }
        guard let r = DateRange(from: d.adding(days: 1), to: asOf).clamped(to: span) else { return 0 }
        var n = 0
        for i in span.from.days(to: r.from)...span.from.days(to: r.to) where wholeSchool[i] != 0 { n += 1 }
        return n
    }

    /// School weeks (Monday to Sunday with at least one open session), the one containing `d` first if it is one,
    /// going back until `count` are found or the calendar runs out. Holiday weeks are skipped; terms and years may be crossed.
    public func schoolWeeks(endingWith d: LocalDate, count: Int) -> [DateRange] {
        guard let span else { return [] }
        var weeks: [DateRange] = []
        var monday = d.weekStart
        while weeks.count < count && monday.adding(days: 6) >= span.from {
            let w = DateRange(from: monday, to: monday.adding(days: 6))
            if openSessions(in: w) > 0 { weeks.append(w) }
            monday = monday.adding(days: -7)
        }
        return weeks
    }

    /// The terms, each with its half terms, in date order. Each `term` row is a half term;
    /// rows are grouped into autumn (from August), spring (up to Easter Sunday) and summer.
    public var terms: [Term] {
        let rows = entries.filter { $0.kind == .term }.sorted { $0.start < $1.start }
        var out: [Term] = []
        for r in rows {
            let c = r.start.components
            // A term that starts in August belongs to the school year about to begin.
            let year = c.month >= 8 ? c.year : c.year - 1
            let season: Term.Season =
                c.month >= 8
                ? .autumn
                : (r.start <= LocalDate.easterSunday(year: c.year) ? .spring : .summer)
            let half = DateRange(from: r.start, to: r.end)
            if let last = out.last, last.academicYear == year, last.season == season {
                out[out.count - 1].halfTerms.append(half)
            } else {
                out.append(Term(academicYear: year, season: season, halfTerms: [half]))
            }
        }
        return out
    }

    public func term(containing d: LocalDate) -> Term? { terms.first { $0.range.contains(d) } }

    /// The half term containing `d`, or the most recent one before it.
    public func halfTerm(containing d: LocalDate) -> DateRange? {
        terms.flatMap(\.halfTerms).last { $0.from <= d }
    }

    /// The nearest school day on or before `d`.
    public func latestSchoolDay(onOrBefore d: LocalDate) -> LocalDate? {
        guard let span else { return nil }
        var x = min(d, span.to)
        while x >= span.from {
            if isSchoolDay(x) { return x }
            x = x.adding(days: -1)
        }
        return nil
    }
}

/// Compulsory school age (Education Act 1996 s8 and the prescribed days order).
public enum CompulsorySchoolAge {
    /// The first prescribed day (`NationalRules.prescribedDays`: 31 March, 31 August, 31 December) on or after the
    /// fifth birthday.
    public static func starts(dateOfBirth dob: LocalDate) -> LocalDate {
        let fifth = birthday(dob, age: 5)
        let year = fifth.components.year
        let days = NationalRules.prescribedDays.compactMap { LocalDate(year: year, month: $0.month, day: $0.day) }
        // 31 December is prescribed, so some day of the same year always follows the birthday.
        return days.filter { $0 >= fifth }.min() ?? LocalDate(
            year: year + 1, month: NationalRules.prescribedDays[0].month,
            day: NationalRules.prescribedDays[0].day)!
    }

    /// The last Friday in June of the school year (1 September to 31 August) in which the pupil turns 16.
    public static func ends(dateOfBirth dob: LocalDate) -> LocalDate {
        let sixteenth = birthday(dob, age: 16)
        let june30 = LocalDate(year: AcademicYear(containing: sixteenth).startYear + 1, month: 6, day: 30)!
        return june30.adding(days: -((june30.weekday - 5 + 7) % 7))
    }

    public static func isOfCompulsorySchoolAge(dateOfBirth dob: LocalDate, on d: LocalDate) -> Bool {
        d >= starts(dateOfBirth: dob) && d <= ends(dateOfBirth: dob)
    }

    /// The legal steps open to a school or LA only while the child is of compulsory school age (Education Act 1996
    /// ss 437-447; Education (Penalty Notices) (England) Regulations 2007 as amended 2024).
    public static let legalSteps =
        "Notice to Improve, penalty notice, prosecution (s444), education supervision order, school attendance order"

    /// Why legal steps are not available on `d`, in words for staff; nil when the child is of compulsory school age.
    public static func legalStepsUnavailable(dateOfBirth dob: LocalDate, on d: LocalDate) -> String? {
        let from = starts(dateOfBirth: dob)
        let to = ends(dateOfBirth: dob)
        let why: String
        if d < from {
            why =
                "not yet of compulsory school age on \(d.longDate) (born \(dob.longDate); it starts on \(from.longDate), "
                + "the prescribed day after the fifth birthday)"
        } else if d > to {
            why =
                "no longer of compulsory school age on \(d.longDate) (born \(dob.longDate); it ended on \(to.longDate), "
                + "the last Friday in June of the school year in which the pupil turned 16)"
        } else {
            return nil
        }
        return "The pupil is \(why): legal steps (\(legalSteps)) are not available."
    }

    /// Age in whole years on a date.
    public static func age(dateOfBirth dob: LocalDate, on d: LocalDate) -> Int {
        let a = dob.components
        let b = d.components
        var years = b.year - a.year
        if (b.month, b.day) < (a.month, a.day) { years -= 1 }
        return years
    }

    /// The birthday at `age`; someone born on 29 February comes of age on 1 March in common years.
    static func birthday(_ dob: LocalDate, age: Int) -> LocalDate {
        let c = dob.components
        return LocalDate(year: c.year + age, month: c.month, day: c.day)
            ?? LocalDate(year: c.year + age, month: 3, day: 1)!
    }
}
