// What a school returns to its local authority (RULES.md, Pupil Registration Regulations 2024 and seed 004):
//
// - New pupils: the LA is told of every new pupil within 5 days of their starting day, except the normal intake at
//   the start of the year. The regulation counts days, not school days: the deadline is the 5th day after the
//   starting day, holidays included (the earlier reading, so a return is never late by this count). A pupil is
//   overdue only while the LA has not been told (`LANotice`) and the deadline has passed.
// - Deletions from the roll, each with its leaving day and its reg 9 ground.
// - Continuous unauthorised absence of 10 or more school days (the LA's children-missing-education check; reg 9's
//   deletion ground is 20 of the same days).
// - Illness of more than 15 school days (seed 004: "inform the LA if a pupil is likely to be away from the school for
//   more than 15 school days" because of their health: a continuous spell, so a 16th consecutive day of illness).
// - Persistent absence (10% or more of possible sessions) over the year to the end of each completed half term.
//
// Continuous days are counted as the worklist counts them (`EvaluationEngine.absenceRuns`): a school day counts for a
// pupil when it has at least one possible session for them (open for their year group, on roll, and not marked D, X, Q,
// Y1-Y7, Z or #) and every such session is G, N or O (unauthorised: U, an arrival after the register closed, breaks a
// run, as reg 9's "G/N/O throughout") or I (illness). Days with no possible session for the pupil (weekends, holidays,
// closures, dual registration) neither count nor break a run; a day with an attendance, another absence code or an
// unmarked possible session breaks it, except that sessions not yet marked on the last day scanned are left out.
// Runs are counted within the dates scanned (the academic year to date).

/// Rules and returns to the local authority, over the admission register, the calendar and the marks.
public enum LAReturns {
    /// New pupils are returned within this many days of their starting day.
    public static let newPupilDays = NationalRules.newPupilNoticeDays
    /// Continuous school days of unauthorised absence that the LA is told of.
    public static let continuousUnauthorisedSchoolDays = 10
    /// Illness over this many continuous school days is returned (seed 004).
    public static let illnessOverSchoolDays = NationalRules.illnessSchoolDays

    // MARK: New pupils

    public struct NewPupil: Sendable, Hashable {
        public var upn: String
        public var name: String
        public var dateOfBirth: LocalDate
        public var yearGroup: String
        public var startingDay: LocalDate
        /// The last day to tell the LA: the 5th day after the starting day.
        public var deadline: LocalDate
        /// When and how the LA was told, if it has been.
        public var told: LANotice?
        /// Not yet told and the deadline has passed as of the day asked about.
        public var overdue: Bool
    }

    /// The deadline for telling the LA of a new pupil.
    public static func newPupilDeadline(startingDay: LocalDate) -> LocalDate { startingDay.adding(days: newPupilDays) }

    /// The school's entry year groups in `year`: the lowest year group on roll (reception too when that is a nursery
    /// year), and year 12 when the school has both 11 and 12 (a sixth form's own intake).
    public static func entryYearGroups(_ pupils: [ReturnPupil], year: AcademicYear) -> Set<String> {
        let groups = Set(pupils.filter { $0.enrolment.onRoll.clamped(to: year.range) != nil }.map { $0.enrolment.yearGroup(in: year) })
        guard let lowest = YearGroup.all.first(where: groups.contains) else { return [] }
        var out: Set<String> = [lowest]
        if lowest.hasPrefix("N") { out.insert("R") }
        if groups.contains("11") && groups.contains("12") { out.insert("12") }
        return out
    }

    /// The first day of `year` with a session open for `yearGroup`.
    public static func firstOpenDay(_ year: AcademicYear, yearGroup: String, calendar: SchoolCalendar) -> LocalDate? {
        guard let span = calendar.span, let r = year.range.clamped(to: span) else { return nil }
        var d = r.from
        while d <= r.to {
            if calendar.isOpen(d, .am, yearGroup: yearGroup) || calendar.isOpen(d, .pm, yearGroup: yearGroup) { return d }
            d = d.adding(days: 1)
        }
        return nil
    }

    /// The normal intake at the start of the year: a starting day from 1 August up to and including the first day
    /// open for the pupil's year group in the academic year that begins then, in one of the entry year groups. A pupil
    /// starting later (a staggered start included), or in another year group, is a new pupil to return.
    public static func isNormalIntake(_ p: ReturnPupil, calendar: SchoolCalendar, entryYearGroups: Set<String>) -> Bool {
        let s = p.record.startingDay
        let year = AcademicYear(startYear: s.month >= 8 ? s.year : s.year - 1)
        let group = p.enrolment.yearGroup(in: year)
        guard entryYearGroups.contains(group), let first = firstOpenDay(year, yearGroup: group, calendar: calendar) else { return false }
        return s <= first
    }

    /// Pupils whose starting day is in `range`, leaving out the normal intake, by starting day then UPN.
    /// `entryYearGroups` nil: found from the roll for each starting day's academic year.
    /// `told`: the notices already given, by UPN; a pupil told is never overdue.
    public static func newPupils(
        _ pupils: [ReturnPupil], calendar: SchoolCalendar, range: DateRange, asOf: LocalDate,
        entryYearGroups: Set<String>? = nil, told: [String: LANotice] = [:]
    ) -> [NewPupil] {
        var entry: [AcademicYear: Set<String>] = [:]
        var out: [NewPupil] = []
        for p in pupils where range.contains(p.record.startingDay) {
            let s = p.record.startingDay
            let year = AcademicYear(startYear: s.month >= 8 ? s.year : s.year - 1)
            let groups =
                entryYearGroups ?? entry[year]
                ?? {
                    let g = Self.entryYearGroups(pupils, year: year)
                    entry[year] = g
                    return g
                }()
            if isNormalIntake(p, calendar: calendar, entryYearGroups: groups) { continue }
            let deadline = newPupilDeadline(startingDay: s)
            let notice = told[p.record.upn]
            out.append(
                NewPupil(
                    upn: p.record.upn, name: p.record.displayName, dateOfBirth: p.record.dateOfBirth,
                    yearGroup: p.yearGroup(on: s), startingDay: s, deadline: deadline, told: notice,
                    overdue: notice == nil && asOf > deadline))
        }
        return out.sorted { ($0.startingDay, $0.upn) < ($1.startingDay, $1.upn) }
    }

    // MARK: Deletions

    public struct Deletion: Sendable, Hashable {
        public var upn: String
        public var name: String
        public var dateOfBirth: LocalDate
        public var yearGroup: String
        public var startingDay: LocalDate
        public var leavingDay: LocalDate
        /// Nil when a leaving day was recorded without a ground (shown as such: the LA still needs it).
        public var ground: DeletionGround?
        /// When and how the LA was told, if it has been.
        public var told: LANotice?
    }

    /// Pupils whose leaving day is in `range`, by leaving day then UPN. `told`: notices already given, by UPN.
    public static func deletions(_ pupils: [ReturnPupil], range: DateRange, told: [String: LANotice] = [:]) -> [Deletion] {
        pupils.compactMap { p -> Deletion? in
            guard let l = p.record.leavingDay, range.contains(l) else { return nil }
            return Deletion(
                upn: p.record.upn, name: p.record.displayName, dateOfBirth: p.record.dateOfBirth, yearGroup: p.yearGroup(on: l),
                startingDay: p.record.startingDay, leavingDay: l, ground: p.record.deletionGround, told: told[p.record.upn])
        }.sorted { ($0.leavingDay, $0.upn) < ($1.leavingDay, $1.upn) }
    }

    // MARK: Continuous absence

    /// What a run of school days is made of.
    public enum SpellKind: String, Sendable, Hashable, Codable {
        /// Every possible session G, N or O.
        case unauthorised
        /// Every possible session I.
        case illness
    }

    /// A run of consecutive school days (as counted for the pupil) of one kind of absence.
    public struct Spell: Sendable, Hashable {
        public var first: LocalDate
        public var last: LocalDate
        public var schoolDays: Int
        /// The run reaches the last day scanned (it may go on).
        public var ongoing: Bool
    }

    /// How a day reads for a pupil: no possible session, a day of the kind, or a day that breaks a run.
    enum DayRead { case none, counts, breaks }

    static func read(_ p: ReturnPupil, _ d: LocalDate, kind: SpellKind, calendar: SchoolCalendar, lastScanned: LocalDate) -> DayRead {
        let group = p.yearGroup(on: d)
        var considered = false
        var all = true
        for s in Session.allCases where calendar.isOpen(d, s, yearGroup: group) {
            guard let c = p.marks[d, s] else {
                if d == lastScanned { continue }
                return .breaks
            }
            guard c.isPossibleSession else { continue }
            considered = true
            switch kind {
            case .unauthorised: if !(c == .g || c == .n || c == .o) { all = false }
            case .illness: if c != .i { all = false }
            }
        }
        return considered ? (all ? .counts : .breaks) : .none
    }

    /// Every run of `kind` within `range` (clamped to the pupil's time on roll and to `asOf`), in order.
    public static func spells(_ p: ReturnPupil, kind: SpellKind, calendar: SchoolCalendar, range: DateRange, asOf: LocalDate) -> [Spell] {
        guard range.from <= asOf, let r = DateRange(from: range.from, to: min(range.to, asOf)).clamped(to: p.enrolment.onRoll) else {
            return []
        }
        var out: [Spell] = []
        var current: Spell?
        var d = r.from
        while d <= r.to {
            switch read(p, d, kind: kind, calendar: calendar, lastScanned: r.to) {
            case .none: break
            case .counts:
                if current == nil { current = Spell(first: d, last: d, schoolDays: 0, ongoing: false) }
                current!.last = d
                current!.schoolDays += 1
            case .breaks:
                if let c = current {
                    out.append(c)
                    current = nil
                }
            }
            d = d.adding(days: 1)
        }
        if var c = current {
            c.ongoing = true
            out.append(c)
        }
        return out
    }

    /// A pupil with a run of absence the LA is told of.
    public struct SpellReturn: Sendable, Hashable {
        public var upn: String
        public var name: String
        public var yearGroup: String
        public var spell: Spell
        /// School days of the kind in the dates scanned, in or out of runs.
        public var totalSchoolDays: Int
        /// Sessions coded I (illness) or G, N, O (unauthorised) in the dates scanned.
        public var totalSessions: Int
    }

    /// Runs of at least `minimumSchoolDays` of `kind`, scanned over `scan` up to `asOf`, that overlap `period`.
    public static func spellReturns(
        _ pupils: [ReturnPupil], kind: SpellKind, minimumSchoolDays: Int, calendar: SchoolCalendar,
        scan: DateRange, period: DateRange, asOf: LocalDate
    ) -> [SpellReturn] {
        var out: [SpellReturn] = []
        let engine = StatisticsEngine(calendar: calendar)
        for p in pupils {
            let all = spells(p, kind: kind, calendar: calendar, range: scan, asOf: asOf)
            let long = all.filter { $0.schoolDays >= minimumSchoolDays && $0.last >= period.from && $0.first <= period.to }
            guard !long.isEmpty else { continue }
            let codes: Set<AttendanceCode> = kind == .illness ? [.i] : [.g, .n, .o]
            let sessions = engine.codeTotals(p.marks, enrolment: p.enrolment, range: DateRange(from: scan.from, to: min(scan.to, asOf)))
                .filter { codes.contains($0.key) }.values.reduce(0, +)
            let days = all.map(\.schoolDays).reduce(0, +)
            for s in long {
                out.append(
                    SpellReturn(
                        upn: p.record.upn, name: p.record.displayName, yearGroup: p.yearGroup(on: s.last), spell: s,
                        totalSchoolDays: days, totalSessions: sessions))
            }
        }
        return out.sorted { ($0.spell.first, $0.upn) < ($1.spell.first, $1.upn) }
    }

    /// Pupils absent without authorisation (G, N or O throughout) for 10 or more continuous school days.
    public static func continuousUnauthorised(
        _ pupils: [ReturnPupil], calendar: SchoolCalendar, scan: DateRange, period: DateRange,
        asOf: LocalDate
    ) -> [SpellReturn] {
        spellReturns(
            pupils, kind: .unauthorised, minimumSchoolDays: continuousUnauthorisedSchoolDays, calendar: calendar,
            scan: scan, period: period, asOf: asOf)
    }

    /// Pupils off sick (I throughout) for more than 15 continuous school days.
    public static func longIllness(
        _ pupils: [ReturnPupil], calendar: SchoolCalendar, scan: DateRange, period: DateRange,
        asOf: LocalDate
    ) -> [SpellReturn] {
        spellReturns(
            pupils, kind: .illness, minimumSchoolDays: illnessOverSchoolDays + 1, calendar: calendar,
            scan: scan, period: period, asOf: asOf)
    }

    // MARK: Persistent absence, half-termly

    /// The half terms of `year` that have ended by `through`, in order.
    public static func completedHalfTerms(calendar: SchoolCalendar, year: AcademicYear, through: LocalDate) -> [DateRange] {
        calendar.terms.filter { $0.academicYear == year.startYear }.flatMap(\.halfTerms).filter { $0.to <= through }
    }

    public struct PersistentAbsentee: Sendable, Hashable {
        public var upn: String
        public var name: String
        public var yearGroup: String
        /// From the first day of the academic year to the end of the half term.
        public var counts: SessionCounts
    }

    /// Pupils at 10% absence or more over the academic year up to `to` (the end of a half term), by absence rate
    /// (highest first) then UPN. Counts are `StatisticsEngine.counts`, as `rollbook report` over the same dates.
    public static func persistentAbsence(_ pupils: [ReturnPupil], calendar: SchoolCalendar, to: LocalDate) -> [PersistentAbsentee] {
        let engine = StatisticsEngine(calendar: calendar)
        let range = DateRange(from: AcademicYear(containing: to).range.from, to: to)
        return pupils.compactMap { p -> PersistentAbsentee? in
            let c = engine.counts(p.marks, enrolment: p.enrolment, range: range)
            guard c.isPersistentAbsence, let onRoll = range.clamped(to: p.enrolment.onRoll) else { return nil }
            return PersistentAbsentee(upn: p.record.upn, name: p.record.displayName, yearGroup: p.yearGroup(on: onRoll.to), counts: c)
        }.sorted { ($0.counts.absenceRate ?? 0, $1.upn) > ($1.counts.absenceRate ?? 0, $0.upn) }
    }
}
