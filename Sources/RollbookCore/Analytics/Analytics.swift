// Analytics over one school's academic year, from compact session arrays.
//
// `AnalyticsRoll` holds, for one school and one academic year, every pupil's marks as one byte a session in one
// contiguous array with a fixed stride (the school's sessions that year), already reduced to what the statistics
// engine counts: a session that is not open for the pupil's year group, or when the pupil is off roll, holds the
// sentinel `AnalyticsRoll.notCounted`. Every report is then a straight scan of bytes through a lookup table, with no
// calendar or enrolment checks in the inner loop, and agrees exactly with `StatisticsEngine.counts` per pupil.
//
// The report functions live in extensions: overview, cohorts and the penalty scan here (the full-year school report),
// patterns in AnalyticsPatterns.swift, seed 003's cadence lists and rewards in AnalyticsCadence.swift, early warning
// and its back-test in AnalyticsWarning.swift.

/// A pupil as the analytics roll sees them: identity for lists, enrolment, groups and characteristics.
public struct AnalyticsPupil: Sendable, Hashable {
    /// The UPN (or any stable id the caller prefers).
    public var id: String
    /// The name lists show and sort by.
    public var name: String
    public var enrolment: Enrolment
    public var form: String
    public var house: String
    /// "M" or "F" as on the admission register.
    public var sex: String
    public var characteristics: Characteristics
    /// Barriers to attendance recorded for the pupil (seed 004), each once, in `Barrier.allCases` order.
    public var barriers: [Barrier]
    /// The year group in the roll's academic year (set by the roll from `enrolment`).
    public internal(set) var yearGroup: String

    public init(
        id: String, name: String, enrolment: Enrolment, form: String = "", house: String = "", sex: String = "",
        characteristics: Characteristics = .init(), barriers: [Barrier] = []
    ) {
        self.id = id
        self.name = name
        self.enrolment = enrolment
        self.form = form
        self.house = house
        self.sex = sex
        self.characteristics = characteristics
        self.barriers = Barrier.allCases.filter(barriers.contains)
        yearGroup = enrolment.yearGroup
    }

    /// From an admission register entry whose year group is the one held for `yearGroupYear`.
    public init(record: PupilRecord, yearGroupYear: AcademicYear) {
        self.init(
            id: record.upn,
            name: "\(record.legalSurname), \(record.preferredForename.isEmpty ? record.legalForename : record.preferredForename)",
            enrolment: Enrolment(
                startingDay: record.startingDay, leavingDay: record.leavingDay, yearGroup: record.yearGroup,
                yearGroupYear: yearGroupYear),
            form: record.form, house: record.house, sex: record.sex, characteristics: record.characteristics)
    }
}

/// A group of pupils a report can split by or filter to: a year group, form, house, sex, ethnicity, characteristic or
/// barrier to attendance.
public struct AnalyticsGroup: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Dimension: String, Sendable, Hashable, CaseIterable, Codable {
        case yearGroup = "year_group"
        case form, house, sex, ethnicity, characteristic, barrier
        var order: Int { Self.allCases.firstIndex(of: self)! }
    }
    public var dimension: Dimension
    /// The year group, form, house, sex or ethnicity code; for a characteristic, one of `Characteristics.filterNames`;
    /// for a barrier, a `Barrier` raw value.
    public var value: String

    public init(_ dimension: Dimension, _ value: String) {
        self.dimension = dimension
        self.value = value
    }

    public static func yearGroup(_ g: String) -> AnalyticsGroup { .init(.yearGroup, g) }
    public static func form(_ f: String) -> AnalyticsGroup { .init(.form, f) }
    public static func house(_ h: String) -> AnalyticsGroup { .init(.house, h) }
    public static func sex(_ s: String) -> AnalyticsGroup { .init(.sex, s) }
    public static func ethnicity(_ e: String) -> AnalyticsGroup { .init(.ethnicity, e) }
    public static func characteristic(_ name: String) -> AnalyticsGroup { .init(.characteristic, name) }
    public static func barrier(_ b: Barrier) -> AnalyticsGroup { .init(.barrier, b.rawValue) }

    /// Words for a page: "Year 7", "Form 7A", "House Kestrel", "Female", "Ethnicity WBRI", "Free school meals".
    public var label: String {
        switch dimension {
        case .yearGroup: value == "R" ? "Reception" : value.hasPrefix("N") ? "Nursery \(value.dropFirst())" : "Year \(value)"
        case .form: "Form \(value)"
        case .house: "House \(value)"
        case .sex: value == "F" ? "Female" : value == "M" ? "Male" : "Sex \(value)"
        case .ethnicity: "Ethnicity \(value)"
        case .characteristic: Self.characteristicLabels[value] ?? value
        case .barrier: "Barrier: " + (Barrier(rawValue: value)?.title ?? value)
        }
    }
    public var description: String { "\(dimension.rawValue)=\(value)" }

    static let characteristicLabels: [String: String] = [
        "sen_support": "SEN support", "ehcp": "EHC plan", "sen": "SEN (support or EHC plan)", "fsm": "Free school meals",
        "pupil_premium": "Pupil premium", "eal": "English as an additional language", "looked_after": "Looked after",
        "previously_looked_after": "Previously looked after", "child_in_need": "Child in need",
        "child_protection": "Child protection plan", "young_carer": "Young carer",
    ]

    /// Dimension order, then year groups in school order, characteristics in `Characteristics.filterNames` order,
    /// anything else in natural order (7B before 10A).
    public static func < (a: AnalyticsGroup, b: AnalyticsGroup) -> Bool {
        if a.dimension != b.dimension { return a.dimension.order < b.dimension.order }
        switch a.dimension {
        case .yearGroup:
            let i = YearGroup.all.firstIndex(of: a.value) ?? Int.max
            let j = YearGroup.all.firstIndex(of: b.value) ?? Int.max
            return i != j ? i < j : a.value < b.value
        case .characteristic:
            let i = Characteristics.filterNames.firstIndex(of: a.value) ?? Int.max
            let j = Characteristics.filterNames.firstIndex(of: b.value) ?? Int.max
            return i != j ? i < j : a.value < b.value
        case .barrier:
            let i = Barrier.allCases.firstIndex { $0.rawValue == a.value } ?? Int.max
            let j = Barrier.allCases.firstIndex { $0.rawValue == b.value } ?? Int.max
            return i != j ? i < j : a.value < b.value
        default:
            return AnalyticsText.naturalLess(a.value, b.value)
        }
    }
}

/// Which pupils a report covers. Combine with `.allOf`, `.anyOf` and `.not`.
public indirect enum AnalyticsFilter: Sendable, Hashable {
    case group(AnalyticsGroup)
    /// Pupils by index in the roll.
    case pupils(Set<Int>)
    case allOf([AnalyticsFilter])
    case anyOf([AnalyticsFilter])
    case not(AnalyticsFilter)

    public static func yearGroup(_ g: String) -> AnalyticsFilter { .group(.yearGroup(g)) }
    public static func form(_ f: String) -> AnalyticsFilter { .group(.form(f)) }
    public static func house(_ h: String) -> AnalyticsFilter { .group(.house(h)) }
    public static func sex(_ s: String) -> AnalyticsFilter { .group(.sex(s)) }
    public static func ethnicity(_ e: String) -> AnalyticsFilter { .group(.ethnicity(e)) }
    /// One of `Characteristics.filterNames`; an unknown name matches no pupil.
    public static func characteristic(_ name: String) -> AnalyticsFilter { .group(.characteristic(name)) }
    /// Pupil premium or SEN (support or EHC plan): seed 003's "PP and SEND".
    public static let pupilPremiumOrSEND: AnalyticsFilter = .anyOf([.characteristic("pupil_premium"), .characteristic("sen")])
    /// Pupils with this barrier to attendance recorded.
    public static func barrier(_ b: Barrier) -> AnalyticsFilter { .group(.barrier(b)) }
}

/// National absence figures to compare a school with (configurable: a deployment may load newer ones).
public struct NationalFigures: Sendable, Hashable, Codable {
    public var academicYear: String
    /// Overall absence rate, all state-funded schools.
    public var overallAbsence: Double
    public var primaryAbsence: Double
    public var secondaryAbsence: Double
    public var specialAbsence: Double
    public var authorisedAbsence: Double
    public var illnessAbsence: Double
    /// Share of pupils persistently absent (about).
    public var persistentAbsence: Double

    public init(
        academicYear: String, overallAbsence: Double, primaryAbsence: Double, secondaryAbsence: Double, specialAbsence: Double,
        authorisedAbsence: Double, illnessAbsence: Double, persistentAbsence: Double
    ) {
        self.academicYear = academicYear
        self.overallAbsence = overallAbsence
        self.primaryAbsence = primaryAbsence
        self.secondaryAbsence = secondaryAbsence
        self.specialAbsence = specialAbsence
        self.authorisedAbsence = authorisedAbsence
        self.illnessAbsence = illnessAbsence
        self.persistentAbsence = persistentAbsence
    }

    /// State-funded schools in England, 2023/24 (RULES.md): absence 7.1% (primary 5.5%, secondary 8.9%, special 13.0%),
    /// authorised 4.7%, illness 3.5%, persistent absence about 20%.
    public static let england2023To24 = NationalFigures(
        academicYear: "2023/24", overallAbsence: 0.071, primaryAbsence: 0.055,
        secondaryAbsence: 0.089, specialAbsence: 0.130, authorisedAbsence: 0.047,
        illnessAbsence: 0.035, persistentAbsence: 0.20)
}

/// Every pupil's sessions for one school and one academic year, laid out for scanning.
public struct AnalyticsRoll: Sendable {
    /// A session that is not counted for the pupil: closed for their year group, or they were not on roll.
    public static let notCounted: UInt8 = 0xFF
    /// A byte that is no attendance code (kept from the source array, counted as not a possible session).
    public static let unknownCode: UInt8 = 0xFE

    public let calendar: SchoolCalendar
    public let year: AcademicYear
    /// The school days of the year (a session open for the whole school), in order. Session slot `k` of every
    /// pupil's row is day `k / 2`, AM when `k` is even.
    public let schoolDays: [LocalDate]
    /// Bytes per pupil: two per school day.
    public var stride: Int { schoolDays.count * 2 }
    /// Mondays of the school weeks of the year (weeks with a school day), in order.
    public let weekStarts: [LocalDate]
    /// For each school day, its index in `weekStarts`.
    let weekOfDay: [Int32]
    /// For each week, the index of its first school day; one more entry holding `schoolDays.count`.
    let weekFirstDay: [Int32]
    /// For each calendar day of the year (from 1 September) and one past the end: the number of school days before it.
    let schoolDaysBefore: [Int32]
    /// ISO weekday (1...7) and month (1...12) of each school day.
    let weekdayOfDay: [UInt8]
    let monthOfDay: [UInt8]

    public private(set) var pupils: [AnalyticsPupil] = []
    /// All pupils' rows, `stride` bytes each: an attendance code's raw value, 0 for an open session with no mark,
    /// `notCounted` or `unknownCode`.
    public private(set) var sessionBytes: [UInt8] = []
    /// Minutes late per session (saturating at 255), parallel to `sessionBytes`; empty until a pupil has some.
    public private(set) var minutesLate: [UInt8] = []
    /// Whether `minutesLate` is kept (from the first pupil with minutes late).
    public private(set) var hasMinutesLate = false

    /// Groups seen on the roll, in first-seen order; `members` lists each pupil's group indices.
    public private(set) var groups: [AnalyticsGroup] = []
    var groupIndex: [AnalyticsGroup: Int32] = [:]
    var memberStart: [Int32] = [0]
    var members: [Int32] = []
    /// Per year group: 1 where the session slot is open for it.
    var openSlots: [String: [UInt8]] = [:]

    /// An empty roll for `year` of `calendar`; add pupils with `append`.
    public init(calendar: SchoolCalendar, year: AcademicYear) {
        self.calendar = calendar
        self.year = year
        let yr = year.range
        var days: [LocalDate] = []
        var before = [Int32](repeating: 0, count: yr.days + 1)
        if let span = calendar.span, let r = yr.clamped(to: span) {
            let whole = calendar.openMask(yearGroup: nil)
            var i = span.from.days(to: r.from)
            var d = r.from
            while d <= r.to {
                if whole[i] != 0 { days.append(d) }
                d = d.adding(days: 1)
                i += 1
            }
        }
        var k = 0
        for i in 0..<yr.days {
            before[i] = Int32(k)
            if k < days.count && days[k] == yr.from.adding(days: i) { k += 1 }
        }
        before[yr.days] = Int32(days.count)
        var weeks: [LocalDate] = []
        var weekOf: [Int32] = []
        var first: [Int32] = []
        for (i, d) in days.enumerated() {
            if weeks.last != d.weekStart {
                weeks.append(d.weekStart)
                first.append(Int32(i))
            }
            weekOf.append(Int32(weeks.count - 1))
        }
        first.append(Int32(days.count))
        schoolDays = days
        schoolDaysBefore = before
        weekStarts = weeks
        weekOfDay = weekOf
        weekFirstDay = first
        weekdayOfDay = days.map { UInt8($0.weekday) }
        monthOfDay = days.map { UInt8($0.month) }
    }

    /// A roll built from a list of pupils and their marks in one go.
    public init(
        calendar: SchoolCalendar, year: AcademicYear, pupils: [(pupil: AnalyticsPupil, marks: SessionArray, minutesLate: [Int: Int])]
    ) {
        self.init(calendar: calendar, year: year)
        reserveCapacity(pupils.count)
        for p in pupils { append(p.pupil, marks: p.marks, minutesLate: p.minutesLate) }
    }

    public var count: Int { pupils.count }

    public mutating func reserveCapacity(_ pupils: Int) {
        self.pupils.reserveCapacity(pupils)
        sessionBytes.reserveCapacity(pupils * stride)
        memberStart.reserveCapacity(pupils + 1)
    }

    /// Adds a pupil: their marks are copied for the school's sessions, with sessions closed for their year group or
    /// while off roll replaced by `notCounted`. `minutesLate` is keyed by index into `marks.bytes`.
    public mutating func append(_ pupil: AnalyticsPupil, marks: SessionArray, minutesLate: [Int: Int] = [:]) {
        var late: [(slot: Int, minutes: Int)] = []
        let shift = marks.base.days(to: year.range.from)  // marks day = year day + shift
        for (index, minutes) in minutesLate where minutes > 0 {
            let yearDay = index / 2 - shift
            guard yearDay >= 0 && yearDay < schoolDaysBefore.count - 1 else { continue }
            let d = Int(schoolDaysBefore[yearDay])
            guard d < schoolDays.count, schoolDays[d] == year.range.from.adding(days: yearDay) else { continue }
            late.append((d * 2 + index % 2, minutes))
        }
        append(pupil, marks: marks, late: late)
    }

    /// Adds a pupil with minutes late given per session.
    public mutating func append(_ pupil: AnalyticsPupil, marks: SessionArray, lateness: [(date: LocalDate, session: Session, minutes: Int)])
    {
        var late: [(slot: Int, minutes: Int)] = []
        for l in lateness where l.minutes > 0 {
            guard let d = dayIndex(l.date) else { continue }
            late.append((d * 2 + l.session.index, l.minutes))
        }
        append(pupil, marks: marks, late: late)
    }

    mutating func append(_ pupil: AnalyticsPupil, marks: SessionArray, late: [(slot: Int, minutes: Int)]) {
        var p = pupil
        p.yearGroup = pupil.enrolment.yearGroup(in: year)
        let row = sessionBytes.count
        sessionBytes.append(contentsOf: repeatElement(Self.notCounted, count: stride))
        if hasMinutesLate { minutesLate.append(contentsOf: repeatElement(0, count: stride)) }
        fill(row: row, p, marks: marks, late: late)
        for g in Self.groups(of: p) {
            let id: Int32
            if let i = groupIndex[g] {
                id = i
            } else {
                id = Int32(groups.count)
                groups.append(g)
                groupIndex[g] = id
            }
            members.append(id)
        }
        memberStart.append(Int32(members.count))
        pupils.append(p)
    }

    /// Replaces pupil `i`'s marks and minutes late (after writes to the register); their enrolment and groups stay.
    public mutating func replace(pupil i: Int, marks: SessionArray, lateness: [(date: LocalDate, session: Session, minutes: Int)]) {
        guard i >= 0 && i < pupils.count else { return }
        var late: [(slot: Int, minutes: Int)] = []
        for l in lateness where l.minutes > 0 {
            guard let d = dayIndex(l.date) else { continue }
            late.append((d * 2 + l.session.index, l.minutes))
        }
        let row = i * stride
        let end = row + stride
        sessionBytes.replaceSubrange(row..<end, with: repeatElement(Self.notCounted, count: stride))
        if hasMinutesLate { minutesLate.replaceSubrange(row..<end, with: repeatElement(0, count: stride)) }
        fill(row: row, pupils[i], marks: marks, late: late)
    }

    /// Writes a pupil's row (already `notCounted`, minutes 0): their marks on the sessions open for their year group
    /// while on roll, and minutes late.
    private mutating func fill(row: Int, _ p: AnalyticsPupil, marks: SessionArray, late: [(slot: Int, minutes: Int)]) {
        let open = slots(for: p.yearGroup)
        let n = stride
        // School days on roll: [lo, hi).
        let roll = p.enrolment.onRoll
        let lo =
            roll.from <= year.range.from ? 0 : Int(schoolDaysBefore[min(year.range.from.days(to: roll.from), schoolDaysBefore.count - 1)])
        let hi =
            roll.to >= year.range.to
            ? schoolDays.count
            : roll.to < year.range.from ? 0 : Int(schoolDaysBefore[year.range.from.days(to: roll.to) + 1])
        let valid = Self.validCode
        if lo < hi {
            sessionBytes.withUnsafeMutableBufferPointer { out in
                marks.bytes.withUnsafeBufferPointer { src in
                    for d in lo..<hi {
                        let j = marks.base.days(to: schoolDays[d]) * 2
                        for s in 0..<2 where open[d * 2 + s] != 0 {
                            let k = j + s
                            let b = k >= 0 && k < src.count ? src[k] : 0
                            out[row + d * 2 + s] = valid[Int(b)] ? b : Self.unknownCode
                        }
                    }
                }
            }
        }
        if !late.isEmpty && !hasMinutesLate {
            minutesLate = [UInt8](repeating: 0, count: sessionBytes.count)
            hasMinutesLate = true
        }
        if hasMinutesLate {
            for l in late where l.slot >= 0 && l.slot < n && sessionBytes[row + l.slot] != Self.notCounted {
                minutesLate[row + l.slot] = UInt8(clamping: l.minutes)
            }
        }
    }

    /// The groups a pupil belongs to (characteristics only when they have them).
    static func groups(of p: AnalyticsPupil) -> [AnalyticsGroup] {
        var out: [AnalyticsGroup] = [.yearGroup(p.yearGroup)]
        if !p.form.isEmpty { out.append(.form(p.form)) }
        if !p.house.isEmpty { out.append(.house(p.house)) }
        if !p.sex.isEmpty { out.append(.sex(p.sex)) }
        if !p.characteristics.ethnicity.isEmpty { out.append(.ethnicity(p.characteristics.ethnicity)) }
        for name in Characteristics.filterNames where p.characteristics.has(name) == true { out.append(.characteristic(name)) }
        for b in p.barriers { out.append(.barrier(b)) }
        return out
    }

    private mutating func slots(for yearGroup: String) -> [UInt8] {
        if let s = openSlots[yearGroup] { return s }
        var s = [UInt8](repeating: 0, count: stride)
        if let span = calendar.span {
            let mask = calendar.openMask(yearGroup: yearGroup)
            for (d, day) in schoolDays.enumerated() {
                let m = mask[span.from.days(to: day)]
                s[d * 2] = m & 1
                s[d * 2 + 1] = (m >> 1) & 1
            }
        }
        openSlots[yearGroup] = s
        return s
    }

    static let validCode: [Bool] = {
        var t = [Bool](repeating: false, count: 256)
        t[0] = true
        t[Int(notCounted)] = true
        for c in AttendanceCode.allCases { t[Int(c.rawValue)] = true }
        return t
    }()

    // MARK: Dates and slots

    /// The index in `schoolDays` of a date, if it is a school day of the year.
    public func dayIndex(_ d: LocalDate) -> Int? {
        let i = year.range.from.days(to: d)
        guard i >= 0 && i < schoolDaysBefore.count - 1 else { return nil }
        let k = Int(schoolDaysBefore[i])
        return k < schoolDays.count && schoolDays[k] == d ? k : nil
    }

    /// School days of the range (clamped to the year) as indices into `schoolDays`.
    public func dayRange(_ range: DateRange) -> Range<Int> {
        guard let r = range.clamped(to: year.range) else { return 0..<0 }
        let a = Int(schoolDaysBefore[year.range.from.days(to: r.from)])
        let b = Int(schoolDaysBefore[year.range.from.days(to: r.to) + 1])
        return a..<max(a, b)
    }

    /// The range clamped to the academic year (nil when they do not meet).
    public func clamp(_ range: DateRange) -> DateRange? { range.clamped(to: year.range) }

    /// The pupil's code on a session (nil when unmarked or not counted for them).
    public func code(pupil: Int, _ d: LocalDate, _ s: Session) -> AttendanceCode? {
        guard let i = dayIndex(d) else { return nil }
        return AttendanceCode(rawValue: sessionBytes[pupil * stride + i * 2 + s.index])
    }

    /// The index in `weekStarts` of the week containing `d` (nil when it has no school day).
    public func weekIndex(containing d: LocalDate) -> Int? {
        let m = d.weekStart
        var lo = 0
        var hi = weekStarts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if weekStarts[mid] < m { lo = mid + 1 } else { hi = mid }
        }
        return lo < weekStarts.count && weekStarts[lo] == m ? lo : nil
    }

    /// Which pupils `filter` selects (all when nil).
    public func selection(_ filter: AnalyticsFilter?) -> [Bool] {
        guard let filter else { return [Bool](repeating: true, count: pupils.count) }
        return pupils.indices.map { matches($0, filter) }
    }

    public func matches(_ p: Int, _ filter: AnalyticsFilter) -> Bool {
        switch filter {
        case .group(let g): isMember(p, g)
        case .pupils(let s): s.contains(p)
        case .allOf(let fs): fs.allSatisfy { matches(p, $0) }
        case .anyOf(let fs): fs.contains { matches(p, $0) }
        case .not(let f): !matches(p, f)
        }
    }

    public func isMember(_ p: Int, _ g: AnalyticsGroup) -> Bool {
        let x = pupils[p]
        switch g.dimension {
        case .yearGroup: return x.yearGroup == g.value
        case .form: return x.form == g.value
        case .house: return x.house == g.value
        case .sex: return x.sex == g.value
        case .ethnicity: return x.characteristics.ethnicity == g.value
        case .characteristic: return x.characteristics.has(g.value) == true
        case .barrier: return x.barriers.contains { $0.rawValue == g.value }
        }
    }

    // MARK: Packed counts

    /// Five 12-bit lanes in one word: unmarked, present, approved activity, authorised, unauthorised. One pupil's
    /// year is at most 732 sessions, so a lane never carries into the next.
    enum Lane {
        static let unmarked: UInt64 = 0, present: UInt64 = 12, activity: UInt64 = 24, authorised: UInt64 = 36, unauthorised: UInt64 = 48
        static let mask: UInt64 = 0xFFF
    }

    /// Each byte's packed count: 1 in its category's lane (0 for not possible or not counted).
    static let packedTable: [UInt64] = {
        var t = [UInt64](repeating: 0, count: 256)
        t[0] = 1 << Lane.unmarked
        for c in AttendanceCode.allCases {
            t[Int(c.rawValue)] =
                switch c.statisticalMeaning {
                case .present: 1 << Lane.present
                case .approvedEducationalActivity: 1 << Lane.activity
                case .authorisedAbsence: 1 << Lane.authorised
                case .unauthorisedAbsence: 1 << Lane.unauthorised
                case .notPossible: 0
                }
        }
        return t
    }()

    /// The same for a day's two bytes read as one little-endian UInt16 (AM the low byte): one lookup a day.
    /// 512 KB, of which a school touches a few lines (most days are "/" and "\\").
    static let pairTable: [UInt64] = {
        let t = packedTable
        var p = [UInt64](repeating: 0, count: 65536)
        for a in 0..<256 { for b in 0..<256 { p[a | b << 8] = t[a] &+ t[b] } }
        return p
    }()

    @inline(__always) static func unpack(_ x: UInt64) -> SessionCounts {
        let u = Int(x >> Lane.unmarked & Lane.mask)
        let pr = Int(x >> Lane.present & Lane.mask)
        let ac = Int(x >> Lane.activity & Lane.mask)
        let au = Int(x >> Lane.authorised & Lane.mask)
        let un = Int(x >> Lane.unauthorised & Lane.mask)
        return SessionCounts(
            possible: u + pr + ac + au + un, present: pr, approvedActivity: ac, authorised: au, unauthorised: un, unmarked: u)
    }

    /// One pupil's counts over school days `days` (indices into `schoolDays`).
    func packedCounts(pupil p: Int, days: Range<Int>) -> UInt64 {
        guard !days.isEmpty else { return 0 }
        return Self.packedTable.withUnsafeBufferPointer { t in
            sessionBytes.withUnsafeBufferPointer { all in
                var acc: UInt64 = 0
                let row = p * stride
                for k in (row + days.lowerBound * 2)..<(row + days.upperBound * 2) { acc &+= t[Int(all[k])] }
                return acc
            }
        }
    }

    /// One pupil's counts over `range`: the same as `StatisticsEngine.counts` on their marks and enrolment.
    public func counts(pupil: Int, range: DateRange) -> SessionCounts {
        Self.unpack(packedCounts(pupil: pupil, days: dayRange(range)))
    }

    /// Every pupil's counts over `range` (nil for pupils the filter leaves out).
    public func pupilCounts(_ range: DateRange, filter: AnalyticsFilter? = nil) -> [SessionCounts?] {
        let r = scan(range, selection(filter), trend: false, penalty: nil, groups: false)
        return pupils.indices.map { r.included[$0] ? Self.unpack(r.pupilPacked[$0]) : nil }
    }

    // MARK: Baseline

    /// A plain sum of every byte: the floor any scan of the same bytes is measured against.
    public static func memoryScanBaseline(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBufferPointer { b in
            var s0: UInt64 = 0
            var s1: UInt64 = 0
            var s2: UInt64 = 0
            var s3: UInt64 = 0
            var i = 0
            let n = b.count
            while i + 4 <= n {
                s0 &+= UInt64(b[i])
                s1 &+= UInt64(b[i + 1])
                s2 &+= UInt64(b[i + 2])
                s3 &+= UInt64(b[i + 3])
                i += 4
            }
            while i < n {
                s0 &+= UInt64(b[i])
                i += 1
            }
            return s0 &+ s1 &+ s2 &+ s3
        }
    }

    /// `memoryScanBaseline` over this roll's bytes.
    public func memoryScanBaseline() -> UInt64 { Self.memoryScanBaseline(sessionBytes) }
}

// MARK: - The full-year school report: overview, cohorts, penalty scan

/// One school week of a trend line.
public struct AnalyticsWeek: Sendable, Hashable {
    /// The Monday.
    public var weekStart: LocalDate
    /// The days of the week counted (within the range).
    public var range: DateRange
    public var counts: SessionCounts
    /// From the first day of the academic year to the end of `range`.
    public var yearToDate: SessionCounts
    public var attendanceRate: Double? { counts.attendanceRate }
    public var yearToDateRate: Double? { yearToDate.attendanceRate }
}

/// School figures over a range: what `StatisticsEngine.counts` gives summed over the pupils, with persistent and
/// severe absence counted per pupil (a pupil counts only with at least one possible session).
public struct AnalyticsOverview: Sendable, Hashable {
    /// The range asked for, clamped to the academic year.
    public var range: DateRange?
    public var statistics: GroupStatistics
    /// Pupils the filter selected (on roll in the year or not).
    public var pupilsSelected: Int
    /// Each school week overlapping the range.
    public var weeks: [AnalyticsWeek]

    public var sessions: SessionCounts { statistics.sessions }
    public var attendanceRate: Double? { sessions.attendanceRate }
    public var absenceRate: Double? { sessions.absenceRate }
    public var authorisedAbsenceRate: Double? { sessions.authorisedAbsenceRate }
    public var unauthorisedAbsenceRate: Double? { sessions.unauthorisedAbsenceRate }
    /// Pupils with at least one possible session.
    public var pupils: Int { statistics.pupils }
    public var persistentAbsence: Int { statistics.persistentAbsence }
    public var severeAbsence: Int { statistics.severeAbsence }
    public var persistentAbsenceRate: Double? { statistics.persistentAbsenceRate }
    public var severeAbsenceRate: Double? { statistics.severeAbsenceRate }
}

/// A group against the rest of the selected pupils.
public struct CohortComparison: Sendable, Hashable {
    public var group: AnalyticsGroup
    public var members: GroupStatistics
    public var rest: GroupStatistics
    /// Selected pupils in the group and not, whether or not they had a possible session (so small cohorts show as small).
    public var membersSelected: Int
    public var restSelected: Int
}

/// The penalty-notice threshold: `thresholdSessions` of G, N, O or U within `windowSchoolWeeks` consecutive school weeks.
public struct PenaltyRule: Sendable, Hashable, Codable {
    public var thresholdSessions: Int
    public var windowSchoolWeeks: Int
    public init(
        thresholdSessions: Int = NationalRules.penaltyThresholdSessions, windowSchoolWeeks: Int = NationalRules.penaltyWindowSchoolWeeks
    ) {
        self.thresholdSessions = thresholdSessions
        self.windowSchoolWeeks = max(1, windowSchoolWeeks)
    }
    public init(_ policy: Policy.PenaltyNotice) {
        self.init(thresholdSessions: policy.thresholdSessions, windowSchoolWeeks: policy.windowSchoolWeeks)
    }
    /// The national framework: 10 sessions in 10 school weeks.
    public static let national = PenaltyRule()
}

/// A pupil who reached the penalty-notice threshold within the range.
public struct PenaltyFinding: Sendable, Hashable {
    public var pupil: Int
    public var id: String
    /// The most G, N, O, U sessions in any window of the rule's school weeks (within the range).
    public var maximumSessions: Int
    /// The window that held them (the first such, if several): first Monday to last Sunday, clamped to the range.
    public var maximumWindow: DateRange
    /// The Monday of the school week in which a window first reached the threshold.
    public var firstReachedWeek: LocalDate
    /// G, N, O and U sessions in the whole range.
    public var sessionsInRange: Int
}

public struct FullYearReport: Sendable, Hashable {
    public var overview: AnalyticsOverview
    public var cohorts: [CohortComparison]
    public var penalty: [PenaltyFinding]
}

/// A pupil who reached the penalty threshold in pass 1: the best window's sum and last week, and the first week it
/// was reached (indices into the in-range weeks).
struct PenaltyHit {
    var pupil: Int32
    var best: Int32
    var bestEnd: Int32
    var first: Int32
}

/// What one pass over the bytes gives.
struct ScanResult {
    var range: DateRange?
    var included: [Bool]
    var selected = 0
    var total = GroupStatistics()
    var pupilPacked: [UInt64]
    var weeks: [AnalyticsWeek] = []
    var groupStats: [GroupStatistics] = []
    var groupSelected: [Int] = []
    var penalty: [PenaltyFinding] = []
}

extension AnalyticsRoll {
    /// School figures over `range` for the selected pupils, with the weekly trend.
    public func overview(_ range: DateRange, filter: AnalyticsFilter? = nil, trend: Bool = true) -> AnalyticsOverview {
        let r = scan(range, selection(filter), trend: trend, penalty: nil, groups: false)
        return AnalyticsOverview(range: r.range, statistics: r.total, pupilsSelected: r.selected, weeks: r.weeks)
    }

    /// Every group on the roll (year groups, forms, houses, sexes, ethnicities, characteristics), each with the rest of
    /// the selected pupils, in `AnalyticsGroup` order. Groups with no selected member are left out.
    public func cohorts(_ range: DateRange, filter: AnalyticsFilter? = nil) -> [CohortComparison] {
        let r = scan(range, selection(filter), trend: false, penalty: nil, groups: true)
        return cohortRows(r)
    }

    /// Pupils who reached the threshold in a window of consecutive school weeks within the range, in roll order.
    /// Only sessions in the range count (the roll holds one academic year: a window reaching into the previous year
    /// is the daily evaluation's business).
    public func penaltyScan(_ range: DateRange, filter: AnalyticsFilter? = nil, rule: PenaltyRule = .national) -> [PenaltyFinding] {
        scan(range, selection(filter), trend: false, penalty: rule, groups: false).penalty
    }

    /// Overview (with trend), every cohort split and the penalty scan, from one pass over the bytes.
    public func fullYearReport(_ range: DateRange? = nil, filter: AnalyticsFilter? = nil, rule: PenaltyRule = .national) -> FullYearReport {
        let r = scan(range ?? year.range, selection(filter), trend: true, penalty: rule, groups: true)
        return FullYearReport(
            overview: AnalyticsOverview(range: r.range, statistics: r.total, pupilsSelected: r.selected, weeks: r.weeks),
            cohorts: cohortRows(r), penalty: r.penalty)
    }

    func cohortRows(_ r: ScanResult) -> [CohortComparison] {
        var out: [CohortComparison] = []
        for (g, group) in groups.enumerated() where r.groupSelected[g] > 0 {
            let m = r.groupStats[g]
            var rest = GroupStatistics()
            rest.sessions = SessionCounts(
                possible: r.total.sessions.possible - m.sessions.possible,
                present: r.total.sessions.present - m.sessions.present,
                approvedActivity: r.total.sessions.approvedActivity - m.sessions.approvedActivity,
                authorised: r.total.sessions.authorised - m.sessions.authorised,
                unauthorised: r.total.sessions.unauthorised - m.sessions.unauthorised,
                unmarked: r.total.sessions.unmarked - m.sessions.unmarked)
            rest.pupils = r.total.pupils - m.pupils
            rest.persistentAbsence = r.total.persistentAbsence - m.persistentAbsence
            rest.severeAbsence = r.total.severeAbsence - m.severeAbsence
            out.append(
                CohortComparison(
                    group: group, members: m, rest: rest, membersSelected: r.groupSelected[g],
                    restSelected: r.selected - r.groupSelected[g]))
        }
        return out.sorted { $0.group < $1.group }
    }

    /// The one kernel. Pass 1 reads each selected pupil's row once, school week by school week (segments), through the
    /// packed lookup table: the pupil's range total, their G/N/O/U count per week in range (for the penalty window),
    /// and per-segment sums across pupils (the trend). Pass 2 reads only those small results: the school totals,
    /// persistent and severe absence, each of the pupil's groups, and the penalty window for pupils with enough
    /// unauthorised sessions in the range to reach it at all.
    func scan(_ range: DateRange, _ include: [Bool], trend: Bool, penalty: PenaltyRule?, groups wantGroups: Bool) -> ScanResult {
        let n = pupils.count
        var result = ScanResult(range: clamp(range), included: include, pupilPacked: [])
        let days = dayRange(range)
        // Segments: [from, to) in slots, each within one school week; only those in range count towards totals.
        var segFrom: [Int] = []
        var segTo: [Int] = []
        var segWeek: [Int] = []
        var segIn: [Bool] = []
        if trend || penalty != nil {
            var d = trend ? 0 : days.lowerBound
            while d < days.upperBound {
                let w = Int(weekOfDay[d])
                var e = min(Int(weekFirstDay[w + 1]), days.upperBound)
                if d < days.lowerBound { e = min(e, days.lowerBound) }
                segFrom.append(d * 2)
                segTo.append(e * 2)
                segWeek.append(w)
                segIn.append(d >= days.lowerBound)
                d = e
            }
        } else if !days.isEmpty {
            segFrom.append(days.lowerBound * 2)
            segTo.append(days.upperBound * 2)
            segWeek.append(-1)
            segIn.append(true)
        }
        let segCount = segFrom.count
        var inRangeSeg: [Int] = []
        for s in 0..<segCount where segIn[s] { inRangeSeg.append(s) }
        let inWeeks = inRangeSeg.count

        // Pass 1.
        var pupilPacked = [UInt64](repeating: 0, count: n)
        var hits: [PenaltyHit] = []
        var segWide = [Int](repeating: 0, count: segCount * 5)
        Self.pairTable.withUnsafeBufferPointer { table in
            sessionBytes.withUnsafeBufferPointer { all in
                include.withUnsafeBufferPointer { inc in
                    segFrom.withUnsafeBufferPointer { sf in
                        segTo.withUnsafeBufferPointer { st in
                            segIn.withUnsafeBufferPointer { si in
                                pupilPacked.withUnsafeMutableBufferPointer { out in
                                    segWide.withUnsafeMutableBufferPointer { wide in
                                        guard let t = table.baseAddress, let rows = all.baseAddress else { return }
                                        Self.readRows(
                                            pairs: t, rows: UnsafeRawPointer(rows), stride: stride, include: inc.baseAddress!, count: n,
                                            segFrom: sf.baseAddress, segTo: st.baseAddress, segIn: si.baseAddress, segments: segCount,
                                            trend: trend, penalty: penalty, weeksInRange: inWeeks, hits: &hits,
                                            segmentTotals: wide.baseAddress, out: out.baseAddress!)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        // Pass 2.
        let groupCount = wantGroups ? groups.count : 0
        var tot = (possible: 0, present: 0, activity: 0, authorised: 0, unauthorised: 0, unmarked: 0, pupils: 0, pa: 0, sa: 0)
        var selected = 0
        var findings: [PenaltyFinding] = []
        let national = AbsenceThresholds.national
        for p in 0..<n where include[p] {
            selected += 1
            let total = pupilPacked[p]
            let unmarked = Int(total >> Lane.unmarked & Lane.mask)
            let present = Int(total >> Lane.present & Lane.mask)
            let activity = Int(total >> Lane.activity & Lane.mask)
            let authorised = Int(total >> Lane.authorised & Lane.mask)
            let unauthorised = Int(total >> Lane.unauthorised & Lane.mask)
            let possible = unmarked + present + activity + authorised + unauthorised
            let absent = authorised + unauthorised
            let counted = possible > 0 ? 1 : 0
            let pa = national.isPersistent(absent: absent, possible: possible) ? 1 : 0
            let sa = national.isSevere(absent: absent, possible: possible) ? 1 : 0
            tot.possible += possible
            tot.present += present
            tot.activity += activity
            tot.authorised += authorised
            tot.unauthorised += unauthorised
            tot.unmarked += unmarked
            tot.pupils += counted
            tot.pa += pa
            tot.sa += sa
        }
        let window = penalty?.windowSchoolWeeks ?? 1
        for h in hits {
            let p = Int(h.pupil)
            let startSeg = inRangeSeg[max(0, Int(h.bestEnd) - window + 1)]
            let endSeg = inRangeSeg[Int(h.bestEnd)]
            let from = schoolDays[segFrom[startSeg] / 2].weekStart
            let to = schoolDays[(segTo[endSeg] - 1) / 2].weekStart.adding(days: 6)
            let w = DateRange(from: from, to: to)
            findings.append(
                PenaltyFinding(
                    pupil: p, id: pupils[p].id, maximumSessions: Int(h.best), maximumWindow: w.clamped(to: result.range ?? year.range) ?? w,
                    firstReachedWeek: schoolDays[segFrom[inRangeSeg[Int(h.first)]] / 2].weekStart,
                    sessionsInRange: Int(pupilPacked[p] >> Lane.unauthorised & Lane.mask)))
        }
        var groupAcc = [Int](repeating: 0, count: groupCount * 9)
        if wantGroups && n > 0 {
            pupilPacked.withUnsafeBufferPointer { pp in
                include.withUnsafeBufferPointer { inc in
                    memberStart.withUnsafeBufferPointer { ms in
                        members.withUnsafeBufferPointer { mem in
                            groupAcc.withUnsafeMutableBufferPointer { acc in
                                Self.addToGroups(
                                    pupilPacked: pp.baseAddress!, include: inc.baseAddress!, count: n, memberStart: ms.baseAddress!,
                                    members: mem.baseAddress, groups: groupCount, into: acc.baseAddress)
                            }
                        }
                    }
                }
            }
        }

        result.pupilPacked = pupilPacked
        result.selected = selected
        result.total.sessions = SessionCounts(
            possible: tot.possible, present: tot.present, approvedActivity: tot.activity,
            authorised: tot.authorised, unauthorised: tot.unauthorised, unmarked: tot.unmarked)
        result.total.pupils = tot.pupils
        result.total.persistentAbsence = tot.pa
        result.total.severeAbsence = tot.sa
        result.penalty = findings
        if wantGroups {
            result.groupStats = (0..<groupCount).map { g in
                let b = g * 9
                var x = GroupStatistics()
                x.sessions = SessionCounts(
                    possible: groupAcc[b] + groupAcc[b + 1] + groupAcc[b + 2] + groupAcc[b + 3] + groupAcc[b + 4],
                    present: groupAcc[b], approvedActivity: groupAcc[b + 1], authorised: groupAcc[b + 2],
                    unauthorised: groupAcc[b + 3], unmarked: groupAcc[b + 4])
                x.pupils = groupAcc[b + 6]
                x.persistentAbsence = groupAcc[b + 7]
                x.severeAbsence = groupAcc[b + 8]
                return x
            }
            result.groupSelected = (0..<groupCount).map { groupAcc[$0 * 9 + 5] }
        }
        if trend, let r = result.range {
            var ytd = SessionCounts()
            for s in 0..<segCount {
                let c = SessionCounts(
                    possible: segWide[s * 5] + segWide[s * 5 + 1] + segWide[s * 5 + 2] + segWide[s * 5 + 3] + segWide[s * 5 + 4],
                    present: segWide[s * 5 + 1], approvedActivity: segWide[s * 5 + 2], authorised: segWide[s * 5 + 3],
                    unauthorised: segWide[s * 5 + 4], unmarked: segWide[s * 5])
                ytd += c
                guard segIn[s] else { continue }
                let monday = weekStarts[segWeek[s]]
                let days = DateRange(from: monday, to: monday.adding(days: 6)).clamped(to: r)!
                result.weeks.append(AnalyticsWeek(weekStart: monday, range: days, counts: c, yearToDate: ytd))
            }
        }
        return result
    }

    /// Pass 2's group sums: for each selected pupil, their counts added to each of their groups. Per group three words
    /// of 21-bit lanes take the adds (present | activity | authorised; unauthorised | unmarked | selected;
    /// counted | persistent | severe), emptied into `into` (nine counts a group, in that order) every 2,048 pupils:
    /// a pupil adds at most 732 to a lane, so 2,048 pupils stay below 2^21.
    static func addToGroups(
        pupilPacked: UnsafePointer<UInt64>, include: UnsafePointer<Bool>, count n: Int, memberStart: UnsafePointer<Int32>,
        members: UnsafePointer<Int32>?, groups: Int, into acc: UnsafeMutablePointer<Int>?
    ) {
        guard groups > 0, let members, let acc else { return }
        let packed = UnsafeMutablePointer<UInt64>.allocate(capacity: groups * 3)
        packed.initialize(repeating: 0, count: groups * 3)
        defer { packed.deallocate() }
        func empty() {
            for g in 0..<groups {
                for w in 0..<3 {
                    let x = packed[g * 3 + w]
                    acc[g * 9 + w * 3] += Int(x & 0x1F_FFFF)
                    acc[g * 9 + w * 3 + 1] += Int(x >> 21 & 0x1F_FFFF)
                    acc[g * 9 + w * 3 + 2] += Int(x >> 42 & 0x1F_FFFF)
                    packed[g * 3 + w] = 0
                }
            }
        }
        var since = 0
        let national = AbsenceThresholds.national
        for p in 0..<n where include[p] {
            let total = pupilPacked[p]
            let unmarked = total >> Lane.unmarked & Lane.mask
            let present = total >> Lane.present & Lane.mask
            let activity = total >> Lane.activity & Lane.mask
            let authorised = total >> Lane.authorised & Lane.mask
            let unauthorised = total >> Lane.unauthorised & Lane.mask
            let possible = unmarked + present + activity + authorised + unauthorised
            let absent = authorised + unauthorised
            let counted: UInt64 = possible > 0 ? 1 : 0
            let pa: UInt64 = national.isPersistent(absent: Int(absent), possible: Int(possible)) ? 1 : 0
            let sa: UInt64 = national.isSevere(absent: Int(absent), possible: Int(possible)) ? 1 : 0
            let w0 = present | activity << 21 | authorised << 42
            let w1 = unauthorised | unmarked << 21 | 1 << 42
            let w2 = counted | pa << 21 | sa << 42
            for m in Int(memberStart[p])..<Int(memberStart[p + 1]) {
                let b = Int(members[m]) * 3
                packed[b] &+= w0
                packed[b + 1] &+= w1
                packed[b + 2] &+= w2
            }
            since += 1
            if since == 2048 {
                empty()
                since = 0
            }
        }
        empty()
    }

    /// Pass 1 of `scan`, over raw pointers so that everything in the loop stays in registers, a day (two bytes, one
    /// lookup in `pairTable`) at a time: segments start and end on day boundaries. For each selected pupil:
    /// their packed total over the in-range segments into `out`; with a `penalty` rule, their G/N/O/U count per
    /// in-range segment (school week), slid over in windows of the rule's weeks when the range holds enough to reach
    /// the threshold at all, a hit recorded for each pupil who reaches it; and, with `trend`, every segment's packed sum into
    /// `segmentTotals` (five counts a segment: unmarked, present, activity, authorised, unauthorised), through a packed
    /// word per segment emptied every 400 pupils (400 pupils of at most 10 sessions stay below a lane's 4,096).
    static func readRows(
        pairs table: UnsafePointer<UInt64>, rows: UnsafeRawPointer, stride: Int, include: UnsafePointer<Bool>, count n: Int,
        segFrom: UnsafePointer<Int>?, segTo: UnsafePointer<Int>?, segIn: UnsafePointer<Bool>?, segments: Int,
        trend: Bool, penalty: PenaltyRule?, weeksInRange: Int, hits: inout [PenaltyHit],
        segmentTotals: UnsafeMutablePointer<Int>?, out: UnsafeMutablePointer<UInt64>
    ) {
        guard segments > 0, let sf = segFrom, let st = segTo, let si = segIn else { return }
        let wk = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, weeksInRange))
        defer { wk.deallocate() }
        let window = penalty?.windowSchoolWeeks ?? 1
        let threshold = penalty?.thresholdSessions ?? Int.max
        let packed = UnsafeMutablePointer<UInt64>.allocate(capacity: segments)
        packed.initialize(repeating: 0, count: segments)
        defer { packed.deallocate() }
        func empty() {
            guard let wide = segmentTotals else { return }
            for s in 0..<segments {
                let x = packed[s]
                wide[s * 5] += Int(x >> Lane.unmarked & Lane.mask)
                wide[s * 5 + 1] += Int(x >> Lane.present & Lane.mask)
                wide[s * 5 + 2] += Int(x >> Lane.activity & Lane.mask)
                wide[s * 5 + 3] += Int(x >> Lane.authorised & Lane.mask)
                wide[s * 5 + 4] += Int(x >> Lane.unauthorised & Lane.mask)
                packed[s] = 0
            }
        }
        var sinceEmpty = 0
        for p in 0..<n where include[p] {
            let row = rows + p * stride
            var total: UInt64 = 0
            if penalty != nil {
                var w = 0
                for s in 0..<segments {
                    var acc: UInt64 = 0
                    var k = sf[s]
                    let e = st[s]
                    while k < e {
                        acc &+= table[Int(row.loadUnaligned(fromByteOffset: k, as: UInt16.self))]
                        k += 2
                    }
                    if trend { packed[s] &+= acc }
                    if si[s] {
                        total &+= acc
                        wk[w] = Int32(truncatingIfNeeded: acc >> Lane.unauthorised)
                        w += 1
                    }
                }
                if Int(total >> Lane.unauthorised & Lane.mask) >= threshold {
                    // Slide the window over the pupil's in-range school weeks.
                    var sum: Int32 = 0
                    var best: Int32 = -1
                    var bestEnd: Int32 = 0
                    var first: Int32 = -1
                    for i in 0..<w {
                        sum += wk[i]
                        if i >= window { sum -= wk[i - window] }
                        if sum > best {
                            best = sum
                            bestEnd = Int32(i)
                        }
                        if first < 0 && Int(sum) >= threshold { first = Int32(i) }
                    }
                    if first >= 0 { hits.append(PenaltyHit(pupil: Int32(p), best: best, bestEnd: bestEnd, first: first)) }
                }
            } else {
                for s in 0..<segments {
                    var acc: UInt64 = 0
                    var k = sf[s]
                    let e = st[s]
                    while k < e {
                        acc &+= table[Int(row.loadUnaligned(fromByteOffset: k, as: UInt16.self))]
                        k += 2
                    }
                    if trend { packed[s] &+= acc }
                    if si[s] { total &+= acc }
                }
            }
            out[p] = total
            if trend {
                sinceEmpty += 1
                if sinceEmpty == 400 {
                    empty()
                    sinceEmpty = 0
                }
            }
        }
        if trend { empty() }
    }
}

// MARK: - Small helpers shared by the analytics files

enum AnalyticsText {
    /// Natural order: digit runs compare as numbers ("7B" < "10A"), then plain text. No allocation: it reads the
    /// strings' UTF-8 in place (a league table sorts thousands of forms).
    static func naturalLess(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        let order = a.withUTF8 { x in b.withUTF8 { y in naturalOrder(x, y) } }
        return order != 0 ? order < 0 : a < b
    }

    /// -1, 0 or 1.
    private static func naturalOrder(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Int {
        @inline(__always) func digit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        var i = 0
        var j = 0
        while i < x.count && j < y.count {
            if digit(x[i]) && digit(y[j]) {
                var p = i
                var q = j
                while p < x.count && x[p] == 48 { p += 1 }  // leading zeros
                while q < y.count && y[q] == 48 { q += 1 }
                var pe = p
                var qe = q
                while pe < x.count && digit(x[pe]) { pe += 1 }
                while qe < y.count && digit(y[qe]) { qe += 1 }
                if pe - p != qe - q { return pe - p < qe - q ? -1 : 1 }
                for k in 0..<(pe - p) where x[p + k] != y[q + k] { return x[p + k] < y[q + k] ? -1 : 1 }
                i = pe
                j = qe
            } else {
                if x[i] != y[j] { return x[i] < y[j] ? -1 : 1 }
                i += 1
                j += 1
            }
        }
        let rx = x.count - i
        let ry = y.count - j
        return rx == ry ? 0 : rx < ry ? -1 : 1
    }

    /// "96.2%" (one decimal).
    static func percent(_ r: Double) -> String { Rates.percent(r) }

    /// "1 session", "3 sessions".
    static func count(_ n: Int, _ noun: String) -> String { EvalWords.count(n, noun) }
}
