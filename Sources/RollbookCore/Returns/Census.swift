// The school census's attendance figures per pupil and census term (RULES.md: autumn 1 Aug to 31 Dec, spring 1 Jan
// to Easter Sunday, summer Easter Monday to 31 Jul). Counts come from StatisticsEngine, so they agree with
// `rollbook report` over the same dates.

/// A pupil on the admission register with their marks: what the LA returns and the census read.
public struct ReturnPupil: Sendable, Hashable {
    public var record: PupilRecord
    /// The academic year `record.yearGroup` is for.
    public var yearGroupYear: AcademicYear
    /// Marks covering at least the dates asked about (sessions outside the array read as unmarked).
    public var marks: SessionArray

    public init(record: PupilRecord, yearGroupYear: AcademicYear, marks: SessionArray) {
        self.record = record
        self.yearGroupYear = yearGroupYear
        self.marks = marks
    }

    public var enrolment: Enrolment {
        Enrolment(startingDay: record.startingDay, leavingDay: record.leavingDay, yearGroup: record.yearGroup, yearGroupYear: yearGroupYear)
    }
    /// The year group in the academic year containing `d`.
    public func yearGroup(on d: LocalDate) -> String { enrolment.yearGroup(in: AcademicYear(containing: d)) }
}

/// One census term: its season and the academic year it belongs to.
public struct CensusTerm: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Season: String, Sendable, Hashable, Codable, CaseIterable { case autumn, spring, summer }
    public var season: Season
    public var academicYear: AcademicYear

    public init(_ season: Season, _ academicYear: AcademicYear) {
        self.season = season
        self.academicYear = academicYear
    }

    /// The census term a date falls in: 1 August starts the autumn term of the academic year beginning that September.
    public init(containing d: LocalDate) {
        let c = d.components
        if c.month >= 8 {
            self.init(.autumn, AcademicYear(startYear: c.year))
        } else if d <= LocalDate.easterSunday(year: c.year) {
            self.init(.spring, AcademicYear(startYear: c.year - 1))
        } else {
            self.init(.summer, AcademicYear(startYear: c.year - 1))
        }
    }

    /// Autumn: 1 August to 31 December; spring: 1 January to Easter Sunday; summer: Easter Monday to 31 July.
    public var range: DateRange {
        let y = academicYear.startYear
        let easter = LocalDate.easterSunday(year: y + 1)
        switch season {
        case .autumn: return DateRange(from: LocalDate(year: y, month: 8, day: 1)!, to: LocalDate(year: y, month: 12, day: 31)!)
        case .spring: return DateRange(from: LocalDate(year: y + 1, month: 1, day: 1)!, to: easter)
        case .summer: return DateRange(from: easter.adding(days: 1), to: LocalDate(year: y + 1, month: 7, day: 31)!)
        }
    }

    /// "autumn-2025" for an autumn census in 2025/26 (the calendar year of its first day), as URLs and files name it.
    public var id: String { "\(season.rawValue)-\(range.from.year)" }
    /// "Autumn 2025"
    public var description: String { "\(season.rawValue.capitalized) \(range.from.year)" }

    /// Reads `id`: "autumn-2025", "spring-2026", "summer-2026".
    public init?(id: String) {
        let parts = id.split(separator: "-")
        guard parts.count == 2, let s = Season(rawValue: String(parts[0])), let year = Int(parts[1]), year > 1900, year < 3000 else {
            return nil
        }
        self.init(s, AcademicYear(startYear: s == .autumn ? year : year - 1))
    }

    /// The three census terms of an academic year, in order.
    public static func terms(of year: AcademicYear) -> [CensusTerm] { Season.allCases.map { CensusTerm($0, year) } }
}

/// One pupil's census figures for one census term.
public struct CensusLine: Sendable, Hashable {
    public var upn: String
    public var name: String
    /// The year group during the census term (on its last counted day).
    public var yearGroup: String
    public var counts: SessionCounts
    /// Sessions of each absence code (authorised and unauthorised), the census's "by reason".
    public var byReason: [AttendanceCode: Int]
}

public enum Census {
    /// The codes the census counts absence by: every code whose sessions are authorised or unauthorised absence,
    /// in the order of the code set (2024 codes; legacy codes only when `including` has them).
    public static func reasonCodes(including lines: [CensusLine] = []) -> [AttendanceCode] {
        let used = Set(lines.flatMap { $0.byReason.keys })
        return AttendanceCode.allCases.filter { $0.isAbsence && (!$0.isLegacy || used.contains($0)) }
    }

    /// The dates counted: the census term up to and including `through` (nil when the term has not begun by then).
    public static func range(_ term: CensusTerm, through: LocalDate) -> DateRange? {
        let r = term.range
        guard r.from <= through else { return nil }
        return DateRange(from: r.from, to: min(r.to, through))
    }

    /// Figures for each pupil on roll at some time in the census term (up to `through`), sorted by UPN.
    /// Possible, present, authorised and unauthorised sessions are `StatisticsEngine.counts`; the reasons are
    /// `StatisticsEngine.codeTotals` restricted to absence codes, so they add up to authorised plus unauthorised.
    public static func lines(_ pupils: [ReturnPupil], calendar: SchoolCalendar, term: CensusTerm, through: LocalDate) -> [CensusLine] {
        guard let r = range(term, through: through) else { return [] }
        let engine = StatisticsEngine(calendar: calendar)
        return pupils.compactMap { p -> CensusLine? in
            let e = p.enrolment
            guard let onRoll = r.clamped(to: e.onRoll) else { return nil }
            let codes = engine.codeTotals(p.marks, enrolment: e, range: r).filter { $0.key.isAbsence }
            return CensusLine(
                upn: p.record.upn, name: p.record.displayName, yearGroup: p.yearGroup(on: onRoll.to),
                counts: engine.counts(p.marks, enrolment: e, range: r), byReason: codes)
        }.sorted { $0.upn < $1.upn }
    }
}
