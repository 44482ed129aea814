/// A pupil's marks as one byte per session (AM, PM per day) from `base`; 0 is no mark.
/// The compact form the statistics engine scans.
public struct SessionArray: Sendable, Hashable {
    public let base: LocalDate
    public private(set) var bytes: [UInt8]

    public init(base: LocalDate, days: Int) {
        self.base = base
        bytes = [UInt8](repeating: 0, count: max(0, days) * 2)
    }
    public init(covering range: DateRange) { self.init(base: range.from, days: range.days) }

    private func index(_ d: LocalDate, _ s: Session) -> Int? {
        let i = base.days(to: d) * 2 + s.index
        return i >= 0 && i < bytes.count ? i : nil
    }
    public subscript(_ d: LocalDate, _ s: Session) -> AttendanceCode? {
        get { index(d, s).flatMap { AttendanceCode(rawValue: bytes[$0]) } }
        set { if let i = index(d, s) { bytes[i] = newValue?.rawValue ?? 0 } }
    }
    /// Copies days `days` of another array (two bytes a day) to day `day + shift` of this one.
    public mutating func copy(from source: UnsafeBufferPointer<UInt8>, days: ClosedRange<Int>, shift: Int) {
        bytes.withUnsafeMutableBufferPointer { dest in
            for d in days {
                let to = (d + shift) * 2
                guard to >= 0, to + 1 < dest.count, d * 2 + 1 < source.count else { continue }
                dest[to] = source[d * 2]
                dest[to + 1] = source[d * 2 + 1]
            }
        }
    }

    public mutating func set(dayOffset: Int, session: Int, raw: UInt8) {
        let i = dayOffset * 2 + session
        if i >= 0 && i < bytes.count { bytes[i] = raw }
    }
}

/// When a pupil is on roll, and in which year group (the year group held for `yearGroupYear`;
/// other academic years shift it by one a year).
public struct Enrolment: Sendable, Hashable {
    public var startingDay: LocalDate
    public var leavingDay: LocalDate?
    public var yearGroup: String
    public var yearGroupYear: AcademicYear

    public init(startingDay: LocalDate, leavingDay: LocalDate?, yearGroup: String, yearGroupYear: AcademicYear) {
        self.startingDay = startingDay
        self.leavingDay = leavingDay
        self.yearGroup = yearGroup
        self.yearGroupYear = yearGroupYear
    }
    public var onRoll: DateRange { DateRange(from: startingDay, to: leavingDay ?? LocalDate(dayNumber: Int32.max / 2)) }
    public func isOnRoll(_ d: LocalDate) -> Bool { onRoll.contains(d) }

    public func yearGroup(in year: AcademicYear) -> String {
        var g = yearGroup
        var shift = year.startYear - yearGroupYear.startYear
        while shift > 0, let n = YearGroup.next(g) {
            g = n
            shift -= 1
        }
        while shift < 0, let p = YearGroup.previous(g) {
            g = p
            shift += 1
        }
        return g
    }
}

/// Session counts for a pupil or a group, with the DfE's rates.
public struct SessionCounts: Sendable, Hashable, Codable {
    public var possible = 0
    public var present = 0
    public var approvedActivity = 0
    public var authorised = 0
    public var unauthorised = 0
    /// Possible sessions with no mark yet (a register not taken): possible, but in no other count.
    public var unmarked = 0

    public init() {}
    public init(possible: Int, present: Int, approvedActivity: Int, authorised: Int, unauthorised: Int, unmarked: Int = 0) {
        self.possible = possible
        self.present = present
        self.approvedActivity = approvedActivity
        self.authorised = authorised
        self.unauthorised = unauthorised
        self.unmarked = unmarked
    }

    public var absent: Int { authorised + unauthorised }
    /// The same counts with unmarked sessions left out: figures "so far" while registers are still open.
    public var markedOnly: SessionCounts {
        var c = self
        c.possible -= unmarked
        c.unmarked = 0
        return c
    }
    private func rate(_ n: Int) -> Double? { possible > 0 ? Double(n) / Double(possible) : nil }
    /// (present + approved educational activity) / possible.
    public var attendanceRate: Double? { rate(present + approvedActivity) }
    public var absenceRate: Double? { rate(absent) }
    public var authorisedAbsenceRate: Double? { rate(authorised) }
    public var unauthorisedAbsenceRate: Double? { rate(unauthorised) }
    /// Persistent absence by the DfE's definition: overall absence of at least 10% of possible sessions.
    public var isPersistentAbsence: Bool { AbsenceThresholds.national.isPersistent(self) }
    /// Severe absence by the DfE's definition: overall absence of at least 50% of possible sessions.
    public var isSevereAbsence: Bool { AbsenceThresholds.national.isSevere(self) }

    public static func + (a: SessionCounts, b: SessionCounts) -> SessionCounts {
        SessionCounts(
            possible: a.possible + b.possible, present: a.present + b.present,
            approvedActivity: a.approvedActivity + b.approvedActivity, authorised: a.authorised + b.authorised,
            unauthorised: a.unauthorised + b.unauthorised, unmarked: a.unmarked + b.unmarked)
    }
    public static func += (a: inout SessionCounts, b: SessionCounts) { a = a + b }
}

/// Figures for a group of pupils: summed sessions, and how many pupils are persistently or severely absent.
public struct GroupStatistics: Sendable, Hashable, Codable {
    public var sessions = SessionCounts()
    /// Pupils with at least one possible session in the range.
    public var pupils = 0
    public var persistentAbsence = 0
    public var severeAbsence = 0
    public init() {}
    public var persistentAbsenceRate: Double? { pupils > 0 ? Double(persistentAbsence) / Double(pupils) : nil }
    public var severeAbsenceRate: Double? { pupils > 0 ? Double(severeAbsence) / Double(pupils) : nil }

    public mutating func add(_ c: SessionCounts) {
        sessions += c
        guard c.possible > 0 else { return }
        pupils += 1
        if c.isPersistentAbsence { persistentAbsence += 1 }
        if c.isSevereAbsence { severeAbsence += 1 }
    }
}

/// The one statistics engine: every figure in the API, pages, CLI and exports comes from here.
public struct StatisticsEngine: Sendable {
    public let calendar: SchoolCalendar
    public init(calendar: SchoolCalendar) { self.calendar = calendar }

    /// A code's statistical category as a number: 1 present, 2 approved activity, 3 authorised, 4 unauthorised,
    /// 5 not a possible session (0 is an open session with no mark). The engine's table and the analytics exports
    /// (`bench analytics`' codes.csv) use these numbers.
    public static func category(_ c: AttendanceCode) -> UInt8 {
        switch c.statisticalMeaning {
        case .present: 1
        case .approvedEducationalActivity: 2
        case .authorisedAbsence: 3
        case .unauthorisedAbsence: 4
        case .notPossible: 5
        }
    }

    private static let categoryTable: [UInt8] = {
        var t = [UInt8](repeating: 5, count: 256)
        t[0] = 0
        for c in AttendanceCode.allCases { t[Int(c.rawValue)] = category(c) }
        return t
    }()

    /// Counts for one pupil over `range`: only sessions open for the pupil's year group while on roll count,
    /// and marks that are not possible sessions (D, X, Q, Y1-Y7, Z, #) are taken out.
    public func counts(_ marks: SessionArray, enrolment: Enrolment, range: DateRange) -> SessionCounts {
        var out = SessionCounts()
        guard let span = calendar.span, let r0 = range.clamped(to: span), let r = r0.clamped(to: enrolment.onRoll) else { return out }
        var tally = (0, 0, 0, 0, 0, 0)
        let table = Self.categoryTable
        // Split by academic year, since the year group (and so its closures) moves on each September.
        var from = r.from
        while from <= r.to {
            let year = AcademicYear(containing: from)
            let to = min(r.to, year.range.to)
            let mask = calendar.openMask(yearGroup: enrolment.yearGroup(in: year))
            let m0 = span.from.days(to: from)
            let m1 = span.from.days(to: to)
            let offset = marks.base.days(to: span.from)  // marks day index = mask index + offset
            marks.bytes.withUnsafeBufferPointer { bytes in
                mask.withUnsafeBufferPointer { open in
                    for i in m0...m1 {
                        let o = open[i]
                        if o == 0 { continue }
                        let j = (i + offset) * 2
                        for s in 0..<2 where o & (1 << s) != 0 {
                            let k = j + s
                            let cat = k >= 0 && k < bytes.count ? table[Int(bytes[k])] : 0
                            switch cat {
                            case 0: tally.0 += 1
                            case 1: tally.1 += 1
                            case 2: tally.2 += 1
                            case 3: tally.3 += 1
                            case 4: tally.4 += 1
                            default: tally.5 += 1
                            }
                        }
                    }
                }
            }
            from = to.adding(days: 1)
        }
        out.unmarked = tally.0
        out.present = tally.1
        out.approvedActivity = tally.2
        out.authorised = tally.3
        out.unauthorised = tally.4
        out.possible = tally.0 + tally.1 + tally.2 + tally.3 + tally.4
        return out
    }

    /// Counts for each code over `range`, on the sessions that `counts` considers.
    public func codeTotals(_ marks: SessionArray, enrolment: Enrolment, range: DateRange) -> [AttendanceCode: Int] {
        var out: [AttendanceCode: Int] = [:]
        guard let span = calendar.span, let r0 = range.clamped(to: span), let r = r0.clamped(to: enrolment.onRoll) else { return out }
        var d = r.from
        while d <= r.to {
            let g = enrolment.yearGroup(in: AcademicYear(containing: d))
            for s in Session.allCases where calendar.isOpen(d, s, yearGroup: g) {
                if let c = marks[d, s] { out[c, default: 0] += 1 }
            }
            d = d.adding(days: 1)
        }
        return out
    }
}

/// Attendance bands a school reports by (e.g. seed 002's RAG bands), highest first.
public struct AttendanceBands: Sendable, Hashable, Codable {
    public struct Band: Sendable, Hashable, Codable {
        /// Words shown with the colour, never colour alone.
        public var name: String
        /// Lowest attendance rate (0...1) in the band.
        public var from: Double
        /// A colour word for the pages: green, amber, red.
        public var tone: String
        public init(name: String, from: Double, tone: String) {
            self.name = name
            self.from = from
            self.tone = tone
        }
    }
    public var bands: [Band]
    public init(bands: [Band]) { self.bands = bands.sorted { $0.from > $1.from } }

    /// The band of an attendance rate; nil when there is no rate (no possible sessions).
    public func band(for rate: Double?) -> Band? {
        guard let rate else { return nil }
        let r = Rates.atSchoolPrecision(rate)
        return bands.first { r >= $0.from } ?? bands.last
    }

    /// Seed 002's bands: 96-100 green, 94-95.9 upper amber, 90-93.9 lower amber, below 90 red.
    public static let standard = AttendanceBands(bands: [
        Band(name: "96% or more", from: 0.96, tone: "green"),
        Band(name: "94% to 95.9%", from: 0.94, tone: "amber"),
        Band(name: "90% to 93.9%", from: 0.90, tone: "amber"),
        Band(name: "below 90%", from: 0, tone: "red"),
    ])
}

/// How rates are compared and written: at the precision schools read, one decimal of a percent.
public enum Rates {
    /// 0.95962 -> 0.96, so 95.96% is in the 96% band and is not below 96% (bands and stage thresholds compare so).
    @inline(__always)
    public static func atSchoolPrecision(_ r: Double) -> Double { (r * 1000).rounded() / 1000 }
    /// "96.2%" (one decimal).
    public static func percent(_ r: Double) -> String {
        let t = Int((r * 1000).rounded())
        return "\(t / 10).\(abs(t % 10))%"
    }
}

/// Where persistent and severe absence begin, as fractions of a pupil's possible sessions. National statistics (reports,
/// the census, analytics "compared with England") use the DfE's; a school's own lists, bands and stages use its policy's
/// `persistent_absence` and `severe_absence`, labelled with the definition.
public struct AbsenceThresholds: Sendable, Hashable {
    public var persistent: Double
    public var severe: Double
    public init(persistent: Double, severe: Double) {
        self.persistent = persistent
        self.severe = severe
    }
    /// The DfE's definitions: 10% and 50%.
    public static let national = AbsenceThresholds(persistent: NationalRules.persistentAbsence, severe: NationalRules.severeAbsence)

    /// Whether `absent` of `possible` sessions is at or above `threshold`: the one comparison behind every persistent
    /// and severe absence count, the analytics kernels' included. A rate from a division is the correctly rounded
    /// quotient, so 3 of 30 compares equal to 0.1, as it should (0.1 * 30 would not).
    @inline(__always)
    public static func reaches(_ threshold: Double, absent: Int, possible: Int) -> Bool {
        possible > 0 && Double(absent) / Double(possible) >= threshold
    }
    public func isPersistent(_ c: SessionCounts) -> Bool { Self.reaches(persistent, absent: c.absent, possible: c.possible) }
    public func isSevere(_ c: SessionCounts) -> Bool { Self.reaches(severe, absent: c.absent, possible: c.possible) }
    public func isPersistent(absent: Int, possible: Int) -> Bool { Self.reaches(persistent, absent: absent, possible: possible) }
    public func isSevere(absent: Int, possible: Int) -> Bool { Self.reaches(severe, absent: absent, possible: possible) }

    /// "10%", "12.5%".
    public static func figure(_ threshold: Double) -> String {
        let t = Int((threshold * 1000).rounded())
        return t % 10 == 0 ? "\(t / 10)%" : "\(t / 10).\(t % 10)%"
    }
    /// "10% or more (the DfE's definition)" or "12% or more (the school's policy)".
    public func words(_ threshold: Double) -> String {
        "\(Self.figure(threshold)) or more (\(self == .national ? "the DfE's definition" : "the school's policy"))"
    }
}
