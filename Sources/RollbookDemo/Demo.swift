import RollbookCore

/// A demo school: a fictional English school with two real academic years (2025/26 and 2026/27) of calendar,
/// a full admission register and realistic attendance marks up to a chosen day. Pure and deterministic:
/// the same options always give the same school; no I/O, no wall clock, no system randomness.

/// SplitMix64 (Steele, Lea and Flood 2014): small, fast, and the same on every platform.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SeededGenerator {
    /// An independent stream for (seed, a, b): each pupil and year draws from its own, so one part of the
    /// school does not shift when another changes.
    static func stream(_ seed: UInt64, _ a: UInt64, _ b: UInt64 = 0) -> SeededGenerator {
        var g = SeededGenerator(seed: seed ^ (a &* 0x9E37_79B9_7F4A_7C15) ^ (b &* 0xC2B2_AE3D_27D4_EB4F))
        _ = g.next()
        return SeededGenerator(seed: g.next())
    }
    /// Uniform in [0, 1).
    @inline(__always) mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
    /// Uniform in 0..<n (0 when n <= 1).
    @inline(__always) mutating func below(_ n: Int) -> Int {
        n <= 1 ? 0 : Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(n)).high)
    }
    /// Uniform in lo...hi.
    @inline(__always) mutating func between(_ lo: Int, _ hi: Int) -> Int { hi <= lo ? lo : lo + below(hi - lo + 1) }
    @inline(__always) mutating func chance(_ p: Double) -> Bool { unit() < p }
    mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }
}

public struct DemoOptions: Sendable, Hashable {
    public enum Phase: String, Sendable, CaseIterable, Codable { case primary, secondary }
    public var phase: Phase
    /// Pupils on the register (leavers included): 420 primary and 1200 secondary unless given.
    public var pupils: Int
    /// Marks go up to and including this day (clamped to the demo's two academic years).
    public var through: LocalDate
    public var seed: UInt64

    public init(phase: Phase = .primary, pupils: Int? = nil, through: LocalDate, seed: UInt64 = 2025) {
        self.phase = phase
        self.pupils = max(0, pupils ?? (phase == .primary ? 420 : 1200))
        self.through = through
        self.seed = seed
    }
}

public struct DemoPupil: Sendable, Hashable {
    /// The admission register entry, year group as in the academic year containing the school's `through`, 2-3 contacts.
    public var record: PupilRecord
    /// Marks from 1 September 2025 (`Demo.firstDay`) to 31 August 2027, one byte per session.
    public var marks: SessionArray
    /// Minutes after the register's late time, keyed by index into `marks.bytes`, for every L and U mark.
    public var minutesLate: [Int: Int]
}

public struct DemoSchool: Sendable, Hashable {
    public var name: String
    public var calendar: [CalendarEntry]
    public var registerTimes: RegisterTimes
    public var pupils: [DemoPupil]
    /// The last day with marks (the requested day, clamped to 1 Sep 2025 ... 31 Aug 2027);
    /// pupils' year groups are those of the academic year containing it.
    public var through: LocalDate
}

public enum Demo {
    static func date(_ y: Int, _ m: Int, _ d: Int) -> LocalDate { LocalDate(year: y, month: m, day: d)! }

    /// The base of every demo pupil's marks: the first day of academic year 2025/26.
    public static let firstDay = LocalDate(year: 2025, month: 9, day: 1)!
    /// The last day the demo covers: the end of academic year 2026/27.
    public static let lastDay = LocalDate(year: 2027, month: 8, day: 31)!

    public static func schoolName(phase: DemoOptions.Phase) -> String {
        phase == .primary ? "Harbour Lane Primary School" : "Westmere Academy"
    }

    /// Register windows: primary AM 8:45, late after 8:55, closes 9:15, PM 13:00-13:15;
    /// secondary AM 8:30, late after 8:40, closes 9:10, PM 13:30-13:45.
    public static func registerTimes(phase: DemoOptions.Phase) -> RegisterTimes {
        func t(_ h: Int, _ m: Int) -> TimeOfDay { TimeOfDay(hour: h, minute: m)! }
        switch phase {
        case .primary:
            return RegisterTimes(
                am: RegisterWindow(opens: t(8, 45), lateAfter: t(8, 55), closes: t(9, 15)),
                pm: RegisterWindow(opens: t(13, 0), closes: t(13, 15)))
        case .secondary:
            return RegisterTimes(
                am: RegisterWindow(opens: t(8, 30), lateAfter: t(8, 40), closes: t(9, 10)),
                pm: RegisterWindow(opens: t(13, 30), closes: t(13, 45)))
        }
    }

    /// The school calendar for 2025/26 and 2026/27: one `term` row per half term, five INSET days a year
    /// inside term rows, the early May bank holidays, and (primary) two reception induction days each September.
    public static func calendar(phase: DemoOptions.Phase) -> [CalendarEntry] {
        var rows: [CalendarEntry] = []
        func term(_ a: LocalDate, _ b: LocalDate, _ label: String) {
            rows.append(CalendarEntry(start: a, end: b, kind: .term, label: label))
        }
        term(date(2025, 9, 3), date(2025, 10, 24), "Autumn 1 2025/26")
        term(date(2025, 11, 3), date(2025, 12, 19), "Autumn 2 2025/26")
        term(date(2026, 1, 5), date(2026, 2, 13), "Spring 1 2025/26")
        term(date(2026, 2, 23), date(2026, 3, 27), "Spring 2 2025/26")
        term(date(2026, 4, 13), date(2026, 5, 22), "Summer 1 2025/26")
        term(date(2026, 6, 1), date(2026, 7, 22), "Summer 2 2025/26")
        term(date(2026, 9, 2), date(2026, 10, 23), "Autumn 1 2026/27")
        term(date(2026, 11, 2), date(2026, 12, 18), "Autumn 2 2026/27")
        term(date(2027, 1, 4), date(2027, 2, 12), "Spring 1 2026/27")
        term(date(2027, 2, 22), date(2027, 3, 25), "Spring 2 2026/27")
        term(date(2027, 4, 12), date(2027, 5, 28), "Summer 1 2026/27")
        term(date(2027, 6, 7), date(2027, 7, 21), "Summer 2 2026/27")
        let inset = [
            date(2025, 9, 3), date(2025, 11, 3), date(2026, 1, 5), date(2026, 4, 13), date(2026, 7, 22),
            date(2026, 9, 2), date(2026, 11, 2), date(2027, 1, 4), date(2027, 4, 12), date(2027, 7, 21),
        ]
        for d in inset { rows.append(CalendarEntry(start: d, end: d, kind: .inset, label: "INSET day")) }
        for d in [date(2026, 5, 4), date(2027, 5, 3)] {
            rows.append(CalendarEntry(start: d, end: d, kind: .closure, label: "Early May bank holiday"))
        }
        if phase == .primary {
            rows.append(
                CalendarEntry(
                    start: date(2025, 9, 4), end: date(2025, 9, 5), kind: .closure, yearGroups: ["R"],
                    label: "Reception induction (home visits)"))
            rows.append(
                CalendarEntry(
                    start: date(2026, 9, 3), end: date(2026, 9, 4), kind: .closure, yearGroups: ["R"],
                    label: "Reception induction (home visits)"))
        }
        return rows.sorted { ($0.start, $0.kind == .term ? 0 : 1) < ($1.start, $1.kind == .term ? 0 : 1) }
    }

    public static func generate(_ options: DemoOptions) -> DemoSchool {
        var g = Generation(options)
        return g.run()
    }
}

// MARK: - Generation

/// Per-pupil attendance profile.
private struct Profile {
    enum Kind { case typical, persistent, severe }
    var kind: Kind
    /// Target share of possible sessions absent in a year.
    var rate: Double
    /// Share of AM sessions late.
    var lateRate: Double
    /// Share of the absence budget that is unauthorised (O) rather than illness.
    var unauthorisedShare: Double
    var holidayChance: Double
}

/// Sessions open for one year group in one academic year, as span day indices.
private struct YearPlan {
    var days: [Int32] = []
    var masks: [UInt8] = []
    var closures: [(day: Int32, mask: UInt8)] = []
    var tripDays: [Int32] = []
    /// Term rows of the year, as span day indices.
    var halfTerms: [(from: Int32, to: Int32)] = []
}

private let rawAM = AttendanceCode.presentAM.rawValue
private let rawPM = AttendanceCode.presentPM.rawValue
private let rawL = AttendanceCode.late.rawValue
private let rawU = AttendanceCode.u.rawValue
private let rawI = AttendanceCode.i.rawValue
private let rawO = AttendanceCode.o.rawValue
private let rawN = AttendanceCode.n.rawValue
private let rawClosure = AttendanceCode.closure.rawValue

private struct Generation {
    let options: DemoOptions
    let primary: Bool
    let entries: [CalendarEntry]
    let calendar: SchoolCalendar
    let times: RegisterTimes
    let through: LocalDate
    let span: DateRange
    /// marks day index = span day index + offset.
    let offset: Int
    /// Span index of the last day with marks (-1: none).
    let endIndex: Int
    let sessionsInMarks: Int
    let groups: [String]
    let entryGroupNumber: Int
    let throughYear: Int
    /// Whole-school school days (span indices).
    let schoolDays: [Int32]
    /// Weights per span day: illness onset (winter, Mondays) and single-day absence (Mondays and Fridays).
    let illnessWeight: [Float]
    let dayOffWeight: [Float]
    var plans: [Int: [String: YearPlan]] = [:]
    /// The latest two school days up to `through` (span indices, latest first).
    let lastTwo: [Int32]

    // Scratch, reused for every pupil.
    var work: [UInt8]
    var mins: [UInt8]

    init(_ options: DemoOptions) {
        self.options = options
        primary = options.phase == .primary
        entries = Demo.calendar(phase: options.phase)
        calendar = SchoolCalendar(entries: entries)
        times = Demo.registerTimes(phase: options.phase)
        through = min(max(options.through, Demo.firstDay), Demo.lastDay)
        span = calendar.span!
        offset = Demo.firstDay.days(to: span.from)
        endIndex = min(span.from.days(to: through), span.days - 1)
        sessionsInMarks = (Demo.firstDay.days(to: Demo.lastDay) + 1) * 2
        groups = primary ? ["R"] + (1...6).map(String.init) : (7...11).map(String.init)
        entryGroupNumber = primary ? 0 : 7
        throughYear = AcademicYear(containing: through).startYear

        let whole = calendar.openMask(yearGroup: nil)
        var days: [Int32] = []
        var ill = [Float](repeating: 0, count: span.days)
        var off = [Float](repeating: 0, count: span.days)
        for i in 0..<span.days {
            if whole[i] != 0 { days.append(Int32(i)) }
            let d = span.from.adding(days: i)
            let c = d.components
            let month: Float =
                switch c.month {
                case 12, 1: 1.9
                case 2: 1.6
                case 11, 3: 1.2
                case 10: 0.9
                case 9: 0.7
                default: 0.6
                }
            let onset: Float = [1.35, 1.0, 0.85, 0.9, 1.1, 0, 0][d.weekday - 1]
            let single: Float = [1.7, 1.0, 0.75, 0.9, 1.8, 0, 0][d.weekday - 1]
            ill[i] = month * onset
            off[i] = single
        }
        schoolDays = days
        illnessWeight = ill
        dayOffWeight = off
        var last: [Int32] = []
        for d in days.reversed() where Int(d) <= endIndex && last.count < 2 { last.append(d) }
        lastTwo = last
        work = [UInt8](repeating: 0, count: sessionsInMarks)
        mins = [UInt8](repeating: 0, count: sessionsInMarks)
    }

    func index(_ d: LocalDate) -> Int { span.from.days(to: d) }

    /// The group `g` was in `back` years earlier, if it is one of this school's.
    func group(_ g: String, yearsBack back: Int) -> String? {
        guard let i = groups.firstIndex(of: g), i - back >= 0 else { return nil }
        return groups[i - back]
    }

    mutating func buildPlans() {
        let whole = calendar.openMask(yearGroup: nil)
        var termDay = [Bool](repeating: false, count: span.days)
        let terms = entries.filter { $0.kind == .term }
        for t in terms { for i in index(t.start)...index(t.end) { termDay[i] = true } }
        for y in 2025...throughYear {
            let yr = AcademicYear(startYear: y).range
            let lo = max(0, index(yr.from))
            let hi = min(span.days - 1, index(yr.to))
            guard lo <= hi else { continue }
            var halves: [(from: Int32, to: Int32)] = []
            for t in terms where yr.contains(t.start) { halves.append((Int32(index(t.start)), Int32(index(t.end)))) }
            var byGroup: [String: YearPlan] = [:]
            for (gi, g) in groups.enumerated() {
                let mask = calendar.openMask(yearGroup: g)
                var p = YearPlan()
                p.halfTerms = halves
                for i in lo...hi {
                    let m = mask[i]
                    if m != 0 {
                        p.days.append(Int32(i))
                        p.masks.append(m)
                    }
                    let weekday = !span.from.adding(days: i).isWeekend
                    var closed: UInt8 = 0
                    for s in 0..<2 where m & (1 << s) == 0 {
                        if whole[i] & (1 << s) != 0 || (termDay[i] && weekday) { closed |= 1 << s }
                    }
                    if closed != 0 { p.closures.append((Int32(i), closed)) }
                }
                // Two trip days a year for each year group, from October on.
                var rng = SeededGenerator.stream(options.seed, 0x7419, UInt64(y * 100 + gi))
                let n = p.days.count
                if n > 40 {
                    for _ in 0..<2 {
                        var d = p.days[rng.between(n / 10, n - 10)]
                        while p.tripDays.contains(d) { d = p.days[rng.between(n / 10, n - 10)] }
                        p.tripDays.append(d)
                    }
                }
                byGroup[g] = p
            }
            plans[y] = byGroup
        }
    }

    mutating func run() -> DemoSchool {
        buildPlans()
        let n = options.pupils
        var pupils: [DemoPupil] = []
        pupils.reserveCapacity(n)
        let perGroup = groups.isEmpty ? 0 : n / groups.count
        let extra = groups.isEmpty ? 0 : n % groups.count
        var upnCounters: [Int: Int] = [:]
        var i = 0
        for (gi, g) in groups.enumerated() {
            let count = perGroup + (gi < extra ? 1 : 0)
            let forms = max(1, (count + 29) / 30)
            for j in 0..<count {
                let formIndex = j * forms / max(1, count)
                pupils.append(makePupil(index: i, group: g, groupNumber: gi, formIndex: formIndex, upnCounters: &upnCounters))
                i += 1
            }
        }
        let order = Dictionary(uniqueKeysWithValues: groups.enumerated().map { ($1, $0) })
        pupils.sort {
            let a = $0.record
            let b = $1.record
            return (order[a.yearGroup]!, a.form, a.legalSurname, a.legalForename, a.upn)
                < (order[b.yearGroup]!, b.form, b.legalSurname, b.legalForename, b.upn)
        }
        return DemoSchool(
            name: Demo.schoolName(phase: options.phase), calendar: entries, registerTimes: times,
            pupils: pupils, through: through)
    }

    // MARK: Pupils

    func septemberStart(_ y: Int) -> LocalDate {
        if let t = entries.filter({ $0.kind == .term && AcademicYear(containing: $0.start).startYear == y }).map(\.start).min() { return t }
        var d = Demo.date(y, 9, 3)
        while d.isWeekend { d = d.adding(days: 1) }
        return d
    }

    /// A random whole-school school day in span indices lo...hi, if any.
    func randomSchoolDay(_ lo: Int, _ hi: Int, _ rng: inout SeededGenerator) -> LocalDate? {
        guard lo <= hi else { return nil }
        let a = lowerBound(schoolDays, Int32(lo))
        let b = lowerBound(schoolDays, Int32(hi) + 1)
        guard a < b else { return nil }
        return span.from.adding(days: Int(schoolDays[rng.between(a, b - 1)]))
    }

    mutating func makePupil(
        index i: Int, group g: String, groupNumber gn: Int, formIndex: Int,
        upnCounters: inout [Int: Int]
    ) -> DemoPupil {
        var rng = SeededGenerator.stream(options.seed, UInt64(i), 1)
        let s = throughYear
        let n = gn  // years since the entry year group
        let entryYear = s - n
        let yearGroupNumber = gn + entryGroupNumber  // R = 0

        // Identity.
        let female = rng.chance(0.5)
        let forename = rng.pick(female ? Names.girls : Names.boys)
        let surname = Names.surname(rng.pick(Names.surnames), for: forename)
        var preferred = ""
        if let short = Names.shortForms[forename], rng.chance(0.35) { preferred = short }
        let bornFrom = Demo.date(s - 5 - yearGroupNumber, 9, 1)
        let dob = bornFrom.adding(days: rng.below(bornFrom.days(to: Demo.date(s - 4 - yearGroupNumber, 8, 31)) + 1))

        // Starting day: most joined in their entry September; some in a later year; a few this year, mid-year.
        // Dates are drawn over the whole year, whatever `through` is, so that a later `through` keeps the same
        // history; a joiner whose day has not come yet is, for now, on roll from September, and a leaver who has
        // not yet left is still on roll.
        let markEnd = endIndex
        let yearLo = max(0, index(AcademicYear(startYear: s).range.from))
        let yearHi = min(span.days - 1, index(AcademicYear(startYear: s).range.to))
        var start = septemberStart(entryYear)
        var joinedThisYear = false
        let u = rng.unit()
        if u < 0.035 {
            if let d = randomSchoolDay(yearLo + 10, yearHi, &rng), index(d) <= markEnd {
                start = d
                joinedThisYear = true
            }
        } else if u < 0.135, entryYear < s {
            let y = rng.between(entryYear + 1, s)
            if y >= 2025 {
                let lo = max(0, index(AcademicYear(startYear: y).range.from))
                let hi = min(span.days - 1, index(AcademicYear(startYear: y).range.to))
                if let d = randomSchoolDay(lo, hi, &rng), index(d) <= markEnd { start = d }
            } else {
                let from = Demo.date(y, 9, 10)
                var d = from.adding(days: rng.below(from.days(to: Demo.date(y + 1, 7, 15))))
                while d.isWeekend { d = d.adding(days: 1) }
                start = d
            }
        }
        // A few have left this year.
        var leaving: LocalDate?
        var ground: DeletionGround?
        if rng.chance(0.02), let d = randomSchoolDay(max(yearLo, index(start) + 1), yearHi, &rng), index(d) < markEnd {
            leaving = d
            let r = rng.unit()
            ground = r < 0.7 ? .transferred : r < 0.9 ? .movedAway : .electiveHomeEducation
        }

        // UPN: check letter, LA, establishment, year of allocation, serial.
        let upnYear = primary ? entryYear : entryYear - 7
        let k = upnCounters[upnYear, default: 0]
        upnCounters[upnYear] = k + 1
        let upn = UPNMaker.make(la: 990, establishment: (primary ? 2000 : 2400) + k / 1000, year: upnYear, serial: k % 1000)

        var c = characteristics(&rng)
        var contacts = makeContacts(surname: surname, lookedAfter: c.lookedAfter, rng: &rng)
        // About a third of this year's mid-year joiners have no contacts on record yet: the demo's contacts to chase.
        // Not in the entry year group, whose first form holds the demo's parent accounts.
        if joinedThisYear && n > 0 && Self.stableHash(forename + " " + surname + upn) % 3 == 0 { contacts = [] }
        if c.lookedAfter || c.childInNeed || c.childProtectionPlan {
            let woman = rng.chance(0.7)
            let first = rng.pick(woman ? Names.womenAdults : Names.menAdults)
            let sw = "\(first) \(Names.surname(rng.pick(Names.surnames), for: first))"
            c.socialWorkerName = sw
            c.socialWorkerContact = "\(phone(&rng)), \(email(sw, domain: "example.org", &rng))"
        }

        let forms = primary ? Names.primaryForms : Names.secondaryForms
        let formName = g + forms[formIndex % forms.count] + (formIndex >= forms.count ? String(formIndex / forms.count + 1) : "")
        let houses = primary ? Names.primaryHouses : Names.secondaryHouses
        let record = PupilRecord(
            upn: upn, legalSurname: surname, legalForename: forename, preferredForename: preferred,
            dateOfBirth: dob, sex: female ? "F" : "M", yearGroup: g, form: formName,
            house: rng.pick(houses), startingDay: start, leavingDay: leaving, deletionGround: ground,
            characteristics: c, contacts: contacts)
        let profile = self.profile(c, &rng)
        let (marks, late) = makeMarks(pupil: i, group: g, formIndex: formIndex, start: start, leaving: leaving, profile: profile)
        return DemoPupil(record: record, marks: marks, minutesLate: late)
    }

    func characteristics(_ rng: inout SeededGenerator) -> Characteristics {
        var c = Characteristics()
        c.freeSchoolMeals = rng.chance(0.25)
        c.lookedAfter = rng.chance(0.01)
        c.previouslyLookedAfter = !c.lookedAfter && rng.chance(0.006)
        c.pupilPremium = c.freeSchoolMeals || c.lookedAfter || c.previouslyLookedAfter || rng.chance(0.03)
        let sen = rng.unit()
        c.sen = sen < 0.03 ? .ehcp : sen < 0.18 ? .senSupport : .none
        var e = rng.unit() * Names.ethnicityTotal
        for (code, w) in Names.ethnicities {
            e -= w
            if e < 0 {
                c.ethnicity = code
                break
            }
        }
        if c.ethnicity.isEmpty { c.ethnicity = "WBRI" }
        c.englishAdditionalLanguage = rng.chance(Names.ealChance[c.ethnicity] ?? 0.62)
        if !c.lookedAfter {
            c.childInNeed = rng.chance(0.03)
            c.childProtectionPlan = c.childInNeed && rng.chance(0.33)
        }
        c.youngCarer = rng.chance(0.02)
        return c
    }

    func profile(_ c: Characteristics, _ rng: inout SeededGenerator) -> Profile {
        var m = 1.0
        if c.freeSchoolMeals { m *= 1.8 }
        if c.sen != .none { m *= 1.4 }
        if c.childInNeed || c.lookedAfter { m *= 1.5 }
        if c.youngCarer { m *= 1.4 }
        let severe = (primary ? 0.009 : 0.016) * m
        let persistent = (primary ? 0.12 : 0.16) * m
        let u = rng.unit()
        let v = rng.unit()
        let lateU = rng.unit()
        var late = lateU < 0.6 ? 0.004 : lateU < 0.9 ? 0.03 : 0.09
        if u < severe {
            late *= 1.5
            return Profile(kind: .severe, rate: 0.5 + 0.35 * v, lateRate: late, unauthorisedShare: 0.7, holidayChance: 0)
        } else if u < severe + persistent {
            late *= 1.5
            return Profile(
                kind: .persistent, rate: 0.1 + 0.16 * v * v, lateRate: late, unauthorisedShare: primary ? 0.3 : 0.4,
                holidayChance: primary ? 0.14 : 0.09)
        }
        let r = (primary ? 0.075 : 0.08) * v * (0.3 + 0.7 * v)
        return Profile(kind: .typical, rate: r, lateRate: late, unauthorisedShare: 0.06, holidayChance: primary ? 0.06 : 0.04)
    }

    func phone(_ rng: inout SeededGenerator) -> String {
        let n = rng.below(1000)
        return "07700 900" + (n < 10 ? "00" : n < 100 ? "0" : "") + String(n)
    }

    func email(_ name: String, domain: String, _ rng: inout SeededGenerator) -> String {
        var local = ""
        for ch in name.lowercased().unicodeScalars {
            if ("a"..."z").contains(ch) { local.unicodeScalars.append(ch) } else if ch == " " { local += "." }
        }
        if rng.chance(0.5) { local += String(rng.between(1, 99)) }
        return local + "@" + domain
    }

    /// FNV-1a: the same on every run and platform (unlike `Hasher`).
    static func stableHash(_ key: String) -> UInt64 {
        var h: UInt64 = 14_695_981_039_346_656_037
        for b in key.utf8 { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
        return h
    }

    /// A fictional address from a name, without drawing on the generator (so marks stay as they were).
    static func address(for key: String) -> String {
        let h = stableHash(key)
        let streets = [
            "Harbour Lane", "Mill Street", "Westmere Road", "Chapel Row", "Orchard Close", "Station Road", "Beacon Way", "Linden Avenue",
        ]
        let towns = ["Westmere", "Lower Brookfield", "Ashcombe"]
        return
            "\(h % 97 + 1) \(streets[Int(h / 97 % UInt64(streets.count))]), \(towns[Int(h / 997 % UInt64(towns.count))]) ZZ9 \(h % 9 + 1)XX"
    }

    func makeContacts(surname: String, lookedAfter: Bool, rng: inout SeededGenerator) -> [Contact] {
        var out: [Contact] = []
        var home = ""
        func add(_ forename: String, _ surname: String, _ rel: String, pr: Bool, lives: Bool, _ rng: inout SeededGenerator) {
            let name = "\(forename) \(Names.surname(surname, for: forename))"
            // Those the pupil lives with share the first one's address; about one parent in nine living apart has
            // given none yet (so the demo has contacts to chase).
            if lives && home.isEmpty { home = Self.address(for: name) }
            let own = Self.address(for: name + rel)
            let address = lives ? home : (pr && own.hasPrefix("7") ? "" : own)
            out.append(
                Contact(
                    priority: out.count + 1, name: name, relationship: rel, parentalResponsibility: pr,
                    livesWith: lives, phone: phone(&rng),
                    email: email(name, domain: rng.chance(0.5) ? "example.org" : "example.com", &rng), address: address))
        }
        let otherSurname = { (rng: inout SeededGenerator) in rng.chance(0.75) ? surname : rng.pick(Names.surnames) }
        if lookedAfter {
            let carers = rng.pick(Names.surnames)
            add(rng.pick(Names.womenAdults), carers, "Foster carer", pr: false, lives: true, &rng)
            if rng.chance(0.6) { add(rng.pick(Names.menAdults), carers, "Foster carer", pr: false, lives: true, &rng) }
            add(rng.pick(Names.womenAdults), surname, "Mother", pr: true, lives: false, &rng)
            return out
        }
        let mother = (rng.pick(Names.womenAdults), otherSurname(&rng))
        let father = (rng.pick(Names.menAdults), rng.chance(0.9) ? surname : rng.pick(Names.surnames))
        let u = rng.unit()
        if u < 0.58 {  // two parents at home
            if rng.chance(0.75) {
                add(mother.0, mother.1, "Mother", pr: true, lives: true, &rng)
                add(father.0, father.1, "Father", pr: true, lives: true, &rng)
            } else {
                add(father.0, father.1, "Father", pr: true, lives: true, &rng)
                add(mother.0, mother.1, "Mother", pr: true, lives: true, &rng)
            }
        } else if u < 0.80 {  // separated parents
            if rng.chance(0.85) {
                add(mother.0, mother.1, "Mother", pr: true, lives: true, &rng)
                add(father.0, father.1, "Father", pr: true, lives: false, &rng)
            } else {
                add(father.0, father.1, "Father", pr: true, lives: true, &rng)
                add(mother.0, mother.1, "Mother", pr: true, lives: false, &rng)
            }
        } else if u < 0.90 {  // parent and step-parent
            add(mother.0, mother.1, "Mother", pr: true, lives: true, &rng)
            add(rng.pick(Names.menAdults), rng.pick(Names.surnames), "Step-parent", pr: false, lives: true, &rng)
        } else if u < 0.96 {  // single parent, wider family as second contact
            add(mother.0, mother.1, "Mother", pr: true, lives: true, &rng)
            add(rng.pick(Names.grandparents), mother.1, "Grandparent", pr: false, lives: false, &rng)
        } else if u < 0.98 {  // kinship carer with a special guardianship order
            add(rng.pick(Names.grandparents), surname, "Grandparent", pr: true, lives: true, &rng)
            add(rng.pick(Names.womenAdults), otherSurname(&rng), "Aunt", pr: false, lives: false, &rng)
        } else {  // two mothers
            add(mother.0, mother.1, "Mother", pr: true, lives: true, &rng)
            add(rng.pick(Names.womenAdults), otherSurname(&rng), "Mother", pr: true, lives: true, &rng)
        }
        if rng.chance(0.45) {
            let rel = rng.pick(["Grandparent", "Grandparent", "Grandparent", "Aunt", "Uncle", "Family friend", "Childminder"])
            let first =
                rel == "Grandparent"
                ? rng.pick(Names.grandparents)
                : rel == "Uncle" ? rng.pick(Names.menAdults) : rng.pick(Names.womenAdults)
            add(
                first, rel == "Grandparent" || rel == "Aunt" || rel == "Uncle" ? otherSurname(&rng) : rng.pick(Names.surnames),
                rel, pr: false, lives: false, &rng)
        }
        return out
    }

    // MARK: Marks

    func lowerBound(_ a: [Int32], _ x: Int32) -> Int {
        var lo = 0
        var hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    mutating func makeMarks(
        pupil i: Int, group g: String, formIndex: Int, start: LocalDate, leaving: LocalDate?,
        profile: Profile
    ) -> (SessionArray, [Int: Int]) {
        var marks = SessionArray(base: Demo.firstDay, days: Demo.firstDay.days(to: Demo.lastDay) + 1)
        guard endIndex >= 0 else { return (marks, [:]) }
        let rollFrom = max(0, index(start))
        let rollTo = leaving.map { index($0) } ?? Int.max
        var firstByte = Int.max
        var lastByte = -1
        for y in 2025...throughYear {
            guard let gy = group(g, yearsBack: throughYear - y), let plan = plans[y]?[gy] else { continue }
            var rng = SeededGenerator.stream(options.seed, UInt64(i), UInt64(100 + y))
            let range = fillYear(plan, rollFrom: rollFrom, rollTo: rollTo, formIndex: formIndex, profile: profile, rng: &rng)
            if let range {
                firstByte = min(firstByte, range.lowerBound)
                lastByte = max(lastByte, range.upperBound)
            }
        }
        guard lastByte >= 0 else { return (marks, [:]) }
        // Reasons not yet given on the latest two school days.
        var rng = SeededGenerator.stream(options.seed, UInt64(i), 7)
        for (t, d) in lastTwo.enumerated() where Int(d) >= rollFrom && Int(d) <= rollTo {
            let b = (Int(d) + offset) * 2
            let unexplained = { (x: UInt8) in x == rawI || x == rawO }
            guard unexplained(work[b]) || unexplained(work[b + 1]) else { continue }
            if rng.chance(t == 0 ? 0.45 : 0.25) {
                if unexplained(work[b]) { work[b] = rawN }
                if unexplained(work[b + 1]) { work[b + 1] = rawN }
            }
        }
        let limit = min(lastByte, (endIndex + offset) * 2 + 1)
        var late: [Int: Int] = [:]
        if firstByte <= limit {
            for j in firstByte...limit where work[j] != 0 {
                let x = work[j]
                marks.set(dayOffset: j >> 1, session: j & 1, raw: x)
                if x == rawL || x == rawU { late[j] = Int(mins[j]) }
            }
        }
        for j in firstByte...lastByte { work[j] = 0 }
        return (marks, late)
    }

    /// Fills `work` for one academic year of the pupil's time on roll; returns the byte range touched.
    mutating func fillYear(
        _ plan: YearPlan, rollFrom: Int, rollTo: Int, formIndex: Int, profile: Profile,
        rng: inout SeededGenerator
    ) -> ClosedRange<Int>? {
        let lo = lowerBound(plan.days, Int32(clamping: rollFrom))
        let hi = lowerBound(plan.days, Int32(clamping: min(rollTo, Int(Int32.max - 1)) + 1))
        var touchedLo = Int.max
        var touchedHi = -1
        for c in plan.closures where Int(c.day) >= rollFrom && Int(c.day) <= rollTo {
            let b = (Int(c.day) + offset) * 2
            if c.mask & 1 != 0 { work[b] = rawClosure }
            if c.mask & 2 != 0 { work[b + 1] = rawClosure }
            touchedLo = min(touchedLo, b)
            touchedHi = max(touchedHi, b + 1)
        }
        let n = hi - lo
        guard n > 0 else { return touchedHi >= 0 ? touchedLo...touchedHi : nil }
        let f = YearFill(days: plan.days, masks: plan.masks, lo: lo, n: n, offset: offset)
        var possible = 0
        for k in lo..<hi {
            let b = (Int(plan.days[k]) + offset) * 2
            let m = plan.masks[k]
            if m & 1 != 0 {
                work[b] = rawAM
                possible += 1
            }
            if m & 2 != 0 {
                work[b + 1] = rawPM
                possible += 1
            }
        }
        touchedLo = min(touchedLo, (Int(plan.days[lo]) + offset) * 2)
        touchedHi = max(touchedHi, (Int(plan.days[hi - 1]) + offset) * 2 + 1)

        let amWindow = times.am.closes.minutes - times.am.lateAfter.minutes
        let pmWindow = times.pm.closes.minutes - times.pm.lateAfter.minutes
        var cost = 0
        // Lateness: L while the register is open, now and then U after it closed.
        for k in lo..<hi {
            let b = (Int(plan.days[k]) + offset) * 2
            let m = plan.masks[k]
            if m & 1 != 0 && rng.chance(profile.lateRate) {
                if rng.chance(0.07) {
                    work[b] = rawU
                    mins[b] = UInt8(rng.between(max(30, amWindow + 1), max(60, amWindow + 1)))
                    cost += 1
                } else {
                    let top = min(25, amWindow)
                    let u = rng.unit()
                    work[b] = rawL
                    mins[b] = UInt8(min(top, 5 + Int(Double(top - 4) * u * u)))
                }
            }
            if m & 2 != 0 && rng.chance(profile.lateRate * 0.08) {
                work[b + 1] = rawL
                mins[b + 1] = UInt8(rng.between(min(5, pmWindow), min(25, pmWindow)))
            }
        }
        let target = Int((profile.rate * Double(possible)).rounded())
        let uc = { (c: AttendanceCode) in c.rawValue }

        if profile.kind == .severe {
            // Sporadic attendance: each day absent with the profile's rate, more so on Mondays and Fridays.
            for k in lo..<hi {
                let w = Double(dayOffWeight[Int(plan.days[k])])
                guard rng.chance(min(0.97, profile.rate * (0.75 + 0.25 * w))) else { continue }
                let r = rng.unit()
                if r < profile.unauthorisedShare {
                    cost += f.absent(k, 3, rawO, &work)
                } else if r < 0.93 {
                    cost += f.absent(k, 3, rawI, &work)
                } else {
                    cost += f.absent(k, 1, uc(.m), &work)
                }  // a morning appointment
            }
        } else {
            // A week's holiday in term time, next to a half-term break.
            if rng.chance(profile.holidayChance), !plan.halfTerms.isEmpty {
                let h = rng.pick(plan.halfTerms)
                let a = lowerBound(plan.days, h.from)
                let z = lowerBound(plan.days, h.to + 1)
                let before = rng.chance(0.6)
                let from = before ? max(a, z - 5) : a
                let to = before ? z : min(z, a + 5)
                for k in max(from, lo)..<max(max(from, lo), min(to, hi)) { cost += f.absent(k, 3, uc(.g), &work) }
            }
            // Medical and dental appointments: single sessions.
            let appointments = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3][rng.below(10)]
            for _ in 0..<appointments { cost += f.absent(lo + rng.below(n), rng.chance(0.6) ? 1 : 2, uc(.m), &work) }
            // Exceptional circumstances (a funeral, say).
            if rng.chance(0.02) {
                let k = lo + rng.below(n)
                for t in 0..<rng.between(1, 2) where k + t < hi { cost += f.absent(k + t, 3, uc(.c), &work) }
            }
            // Suspensions.
            let suspension = primary ? 0.003 : (profile.kind == .persistent ? 0.08 : 0.015)
            if rng.chance(suspension) {
                let k = lo + rng.below(n)
                for t in 0..<rng.between(1, 3) where k + t < hi { cost += f.absent(k + t, 3, uc(.e), &work) }
            }
            // Illness (clustered in winter, often for several days) and unauthorised days, up to the budget.
            var guardrail = 0
            while cost < target && guardrail < 600 {
                guardrail += 1
                let remaining = target - cost
                if rng.chance(profile.unauthorisedShare) {
                    let k = f.pick(dayOffWeight, 1.8, &rng)
                    cost += f.absent(k, remaining == 1 || rng.chance(0.15) ? (rng.chance(0.5) ? 1 : 2) : 3, rawO, &work)
                } else if rng.chance(0.12) {
                    // Sent home ill after the morning.
                    cost += f.absent(lo + rng.below(n), 2, rawI, &work)
                } else {
                    let r = rng.unit()
                    var len = r < 0.45 ? 1 : r < 0.72 ? 2 : r < 0.87 ? 3 : r < 0.95 ? rng.between(4, 5) : rng.between(6, 10)
                    if profile.kind == .persistent && rng.chance(0.3) { len += rng.between(1, 4) }
                    len = min(len, (remaining + 1) / 2)
                    let k = f.pick(len == 1 ? dayOffWeight : illnessWeight, len == 1 ? 1.8 : 2.6, &rng)
                    var t = 0
                    while t < len && k + t < hi {
                        if t > 0 && plan.days[k + t] - plan.days[k + t - 1] > 3 { break }  // not across a holiday
                        cost += f.absent(k + t, 3, rawI, &work)
                        t += 1
                    }
                }
            }
        }
        // Trips: the year group (secondary: half the forms) out for the day.
        for (t, d) in plan.tripDays.enumerated() where Int(d) >= rollFrom && Int(d) <= rollTo {
            if !primary && formIndex % 2 != t % 2 { continue }
            let b = (Int(d) + offset) * 2
            if work[b] == rawAM && work[b + 1] == rawPM && rng.chance(0.95) {
                work[b] = uc(.v)
                work[b + 1] = uc(.v)
            }
        }
        // Secondary sports fixtures: an afternoon or two.
        if !primary && rng.chance(0.08) {
            for _ in 0..<rng.between(1, 3) {
                let k = lo + rng.below(n)
                let b = (Int(plan.days[k]) + offset) * 2 + 1
                if plan.masks[k] & 2 != 0 && work[b] == rawPM { work[b] = uc(.p) }
            }
        }
        return touchedLo...touchedHi
    }
}

/// The pupil's open days for one year, and how absences are written over present marks.
private struct YearFill {
    let days: [Int32]
    let masks: [UInt8]
    let lo: Int
    let n: Int
    let offset: Int

    /// A day index in lo..<lo+n, drawn with the given per-span-day weights (rejection sampling).
    func pick(_ weights: [Float], _ maxWeight: Float, _ rng: inout SeededGenerator) -> Int {
        for _ in 0..<12 {
            let k = lo + rng.below(n)
            if Float(rng.unit()) * maxWeight < weights[Int(days[k])] { return k }
        }
        return lo + rng.below(n)
    }

    /// Writes `code` over present (or late) marks in the sessions of `mask`; returns how many changed.
    @inline(__always) func absent(_ k: Int, _ mask: UInt8, _ code: UInt8, _ work: inout [UInt8]) -> Int {
        let m = masks[k] & mask
        let b = (Int(days[k]) + offset) * 2
        var c = 0
        if m & 1 != 0 && (work[b] == rawAM || work[b] == rawL) {
            work[b] = code
            c += 1
        }
        if m & 2 != 0 && (work[b + 1] == rawPM || work[b + 1] == rawL) {
            work[b + 1] = code
            c += 1
        }
        return c
    }
}

enum UPNMaker {
    static let checkLetters = Array("ABCDEFGHJKLMNPQRTUVWXYZ")

    /// A UPN in the DfE's form: check letter, LA number (3), establishment (4), year of allocation (2), serial (3).
    static func make(la: Int, establishment: Int, year: Int, serial: Int) -> String {
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        let body = pad(la % 1000, 3) + pad(establishment % 10000, 4) + pad(((year % 100) + 100) % 100, 2) + pad(serial % 1000, 3)
        return String(checkLetter(body)) + body
    }

    /// The check letter: digits weighted 2 to 13, summed, modulo 23.
    static func checkLetter(_ digits: String) -> Character {
        var sum = 0
        for (i, ch) in digits.utf8.enumerated() { sum += Int(ch - 48) * (i + 2) }
        return checkLetters[sum % 23]
    }
}

// MARK: - Names (invented combinations; no real people)

enum Names {
    static let girls = [
        "Amelia", "Olivia", "Isla", "Ava", "Freya", "Ivy", "Florence", "Willow", "Poppy", "Evie", "Sienna", "Maeve", "Grace",
        "Ella", "Lily", "Hannah", "Zara", "Aisha", "Maryam", "Fatima", "Inaya", "Amira", "Layla", "Noor", "Hafsa", "Safiya",
        "Priya", "Anika", "Diya", "Riya", "Kavya", "Simran", "Mei", "Yuki", "Chloe", "Ruby", "Niamh", "Aoife", "Zuzanna",
        "Julia", "Lena", "Maja", "Amara", "Chiamaka", "Adaeze", "Abena", "Esi", "Nia", "Imani", "Kezia", "Tia", "Alicia",
        "Sofia", "Lucia", "Elena", "Ines", "Beatriz", "Leila", "Yasmin", "Nadia", "Hana", "Aylin", "Elif", "Defne", "Mariam",
        "Sara", "Eliza", "Matilda", "Harriet", "Iris", "Maisie", "Phoebe", "Rosa", "Thea", "Nell", "Esme", "Orla", "Cerys",
        "Ffion", "Megan", "Bethan", "Skye", "Eilidh", "Ayesha", "Khadija", "Sumaya", "Ishani", "Tanvi", "Jasleen", "Harleen",
        "Xinyi", "Linh", "Anh", "Oliwia", "Alexandra", "Rosalind", "Elizabeth", "Charlotte", "Josephine", "Imogen", "Arabella",
    ]
    static let boys = [
        "Oliver", "George", "Arthur", "Noah", "Leo", "Oscar", "Theo", "Freddie", "Alfie", "Jack", "Ronan", "Henry",
        "Archie", "Thomas", "Isaac", "Joshua", "Samuel", "Reuben", "Ezra", "Muhammad", "Yusuf", "Ibrahim", "Zayn", "Ayaan",
        "Rayan", "Hamza", "Bilal", "Idris", "Omar", "Arjun", "Rohan", "Aarav", "Dev", "Kabir", "Vihaan", "Ravi", "Jun",
        "Hiro", "Wei", "Kai", "Finn", "Cian", "Oisin", "Rhys", "Dylan", "Ewan", "Callum", "Kacper", "Jakub", "Mateusz",
        "Filip", "Luca", "Mateo", "Diego", "Tiago", "Chidi", "Kwame", "Kofi", "Tobi", "Femi", "Obinna", "Emeka", "Jayden",
        "Malachi", "Tyrese", "Andre", "Nathaniel", "Elijah", "Caleb", "Jude", "Felix", "Ralph", "Stanley", "Albert", "Hugo",
        "Edward", "Louis", "Max", "Ethan", "Adam", "Luke", "Amir", "Karim", "Emre", "Deniz", "Mustafa", "Zakariya",
        "Ishaan", "Harjot", "Gurveer", "Minh", "Bao", "Antoni", "Alexander", "Benjamin", "Christopher", "Frederick",
        "Jonathan", "Matthew", "Nicholas", "Sebastian", "William",
    ]
    static let shortForms: [String: String] = [
        "Alexandra": "Alex", "Rosalind": "Roz", "Elizabeth": "Beth", "Charlotte": "Lottie", "Josephine": "Josie",
        "Arabella": "Bella", "Matilda": "Tilly", "Florence": "Flo", "Alexander": "Alex", "Benjamin": "Ben",
        "Christopher": "Chris", "Frederick": "Fred", "Jonathan": "Jon", "Matthew": "Matt", "Nicholas": "Nico",
        "Sebastian": "Seb", "William": "Will", "Nathaniel": "Nate", "Zakariya": "Zak", "Samuel": "Sam", "Joshua": "Josh",
    ]
    static let surnames = [
        "Ashworth", "Bennett", "Brennan", "Calloway", "Chowdhury", "Clarke", "Dawson", "Dlamini", "Doyle", "Eastwood",
        "Ellison", "Farrow", "Fitzgerald", "Greaves", "Hadley", "Halloran", "Hartley", "Holloway", "Hussain", "Iqbal",
        "Jankowski", "Kapoor", "Kaur", "Kowalski", "Lam", "Lindqvist", "Mahmood", "Malik", "Mensah", "Moreno", "Mwangi",
        "Nakamura", "Nguyen", "Nwosu", "O'Brien", "Oyelaran", "Patel", "Pereira", "Petrov", "Quinn", "Rahman", "Ramirez",
        "Rashid", "Reyes", "Richardson", "Rossi", "Sandhu", "Santos", "Shah", "Sharma", "Singh", "Sullivan", "Tan",
        "Thornton", "Turner", "Varga", "Walsh", "Wang", "Whitfield", "Wisniewski", "Yildiz", "Zhang", "Abbott", "Adeyemi",
        "Agarwal", "Ahmed", "Akhtar", "Asante", "Atkinson", "Banerjee", "Barker", "Begum", "Bhatt", "Boateng",
        "Bradshaw", "Carter", "Cassidy", "Chen", "Costa", "Cunningham", "Das", "Delaney", "Demir", "Edwards", "Eze",
        "Fernandes", "Fletcher", "Forde", "Gill", "Gordon", "Griffiths", "Grant", "Hale", "Harris", "Hughes",
        "Islam", "Jones", "Kaya", "Khan", "Kim", "Kumar", "Lewis", "Li", "Lopez", "Lowe", "McCarthy",
        "Mistry", "Morgan", "Murphy", "Nash", "Nolan", "Osei", "Owusu", "Parry", "Pearce", "Phillips", "Rana",
        "Reid", "Roberts", "Saunders", "Shaw", "Sheikh", "Simmons", "Stewart", "Sutton", "Tillotson", "Thompson", "Ullah",
        "Ward", "Webb", "Wilson", "Wood", "Zielinski", "Achterberg", "Bajwa", "Okonjo-Hart",
        "Pemberton", "Rosales", "Szabo", "Vukovic", "Ndlovu", "Haddad", "Karimi", "Tran", "Pham", "Lindgren", "Moyo",
    ]
    /// Real people's names a random draw could produce; the surname is then swapped for another.
    static let famous: Set<String> = [
        "Michael Jackson", "Colin Jackson", "Mark Wright", "Chris Evans", "Lee Evans", "Stuart Pearce", "Mark Hughes",
        "Amir Khan", "Imran Khan", "Isaac Hayes", "Louis Walsh", "William Wallace", "Grace Jones", "Emma Thompson",
        "Katie Price", "Jennifer Lopez", "Adam Price", "David Price", "Paul Walsh", "Kevin Phillips", "Derek Thompson",
    ]
    /// `surname`, unless it would make a famous name with `forename`.
    static func surname(_ surname: String, for forename: String) -> String {
        guard famous.contains("\(forename) \(surname)") else { return surname }
        let i = surnames.firstIndex(of: surname) ?? 0
        return surnames[(i + 1) % surnames.count]
    }
    static let womenAdults = [
        "Sarah", "Emma", "Laura", "Gemma", "Rachel", "Claire", "Kirsty", "Jodie", "Nicola", "Hayley", "Amy", "Katie",
        "Natalie", "Rebecca", "Stacey", "Shazia", "Nasreen", "Farzana", "Ruksana", "Priti", "Sunita", "Deepa", "Anjali",
        "Agnieszka", "Katarzyna", "Monika", "Ngozi", "Funmilayo", "Adwoa", "Mercy", "Chipo", "Maria", "Ana", "Lucy",
        "Jennifer", "Michelle", "Tasha", "Shanice", "Keisha", "Xiu", "Lan", "Fiona", "Roisin", "Ayse", "Samira", "Rukhsar",
        "Harpreet", "Leanne", "Charlene", "Danielle", "Zainab", "Bisi", "Thandiwe", "Ewa", "Mirela", "Oksana",
    ]
    static let menAdults = [
        "David", "James", "Mark", "Paul", "Owen", "Chris", "Lee", "Craig", "Stuart", "Gareth", "Neil", "Jamie", "Ryan",
        "Imran", "Tariq", "Asif", "Kamran", "Nadeem", "Rajesh", "Sanjay", "Vikram", "Amit", "Piotr", "Tomasz", "Marek",
        "Pawel", "Chinedu", "Kwabena", "Segun", "Emmanuel", "Joseph", "Carlos", "Jorge", "Miguel", "Ahmet", "Murat",
        "Jian", "Sean", "Declan", "Gavin", "Darren", "Kevin", "Jermaine", "Dwayne", "Rizwan", "Shahid", "Gurpreet",
        "Hung", "Andrei", "Florin", "Tunde", "Themba",
    ]
    static let grandparents = [
        "Margaret", "Patricia", "Susan", "Linda", "Janet", "Hilary", "Brenda", "Pauline", "Shirley", "Jean", "Rita",
        "Gloria", "Parveen", "Kamala", "Halina", "Blessing", "Dorothy", "Maureen", "Sandra", "Gwen", "Peter", "Michael",
        "Brian", "Keith", "Roy", "Derek", "Alan", "Trevor", "Colin", "Graham", "Mohammed", "Abdul", "Ramesh", "Jerzy",
        "Winston", "Errol", "Desmond", "Bernard", "Mahmoud", "Surinder",
    ]
    /// DfE ethnicity codes with rough weights for a mixed English town.
    static let ethnicities: [(String, Double)] = [
        ("WBRI", 62), ("WIRI", 1), ("WOTH", 6), ("WROM", 0.5), ("MWBC", 2), ("MWBA", 1), ("MWAS", 1.5), ("MOTH", 2),
        ("AIND", 3.5), ("APKN", 4.5), ("ABAN", 2), ("AOTH", 2), ("BCRB", 1.5), ("BAFR", 4), ("BOTH", 0.5),
        ("CHNE", 1), ("OOTH", 2), ("REFU", 3),
    ]
    /// Chance of English as an additional language by ethnicity (0.62 for groups not listed).
    static let ealChance: [String: Double] = ["WBRI": 0.01, "WIRI": 0.02, "MWBC": 0.05, "BCRB": 0.05]
    static let ethnicityTotal = ethnicities.reduce(0) { $0 + $1.1 }
    static let primaryForms = ["H", "L", "M", "P", "S", "W", "B", "C", "D", "F", "G", "K", "N", "R", "T"]
    static let secondaryForms = (65...90).map { String(UnicodeScalar(UInt8($0))) }
    static let primaryHouses = ["Rowan", "Hazel", "Alder", "Juniper"]
    static let secondaryHouses = ["Kestrel", "Heron", "Osprey", "Curlew"]
}
