// Patterns (seed 004: "patterns in uses of certain codes, particular days of poor attendance, historic trends"):
// code usage by school week, absence by weekday and session, illness by month, minutes late, repeated Monday or
// Friday absence, and absence spells by length. All over sessions the statistics engine counts (open for the pupil's
// year group while on roll).

public struct CodeCount: Sendable, Hashable {
    public var code: AttendanceCode
    public var sessions: Int
    public init(code: AttendanceCode, sessions: Int) {
        self.code = code
        self.sessions = sessions
    }
}

/// Codes used in one school week.
public struct WeekCodeUsage: Sendable, Hashable {
    public var weekStart: LocalDate
    /// The days counted (the week within the range).
    public var range: DateRange
    /// Codes in code order, only those used.
    public var codes: [CodeCount]
    /// Open sessions with no mark yet.
    public var unmarked: Int
}

/// Absence on one weekday and session (Monday AM, Monday PM, ...).
public struct SlotAbsence: Sendable, Hashable {
    /// ISO weekday, 1 = Monday.
    public var weekday: Int
    public var session: Session
    public var possible: Int
    /// Authorised and unauthorised absence.
    public var absent: Int
    public var absenceRate: Double? { possible > 0 ? Double(absent) / Double(possible) : nil }
}

/// Illness (I) in one calendar month.
public struct MonthIllness: Sendable, Hashable {
    public var year: Int
    public var month: Int
    public var possible: Int
    public var illness: Int
    public var illnessRate: Double? { possible > 0 ? Double(illness) / Double(possible) : nil }
}

/// Late arrivals by minutes late: L (before the register closed) and U (after it closed).
public struct LatenessBucket: Sendable, Hashable {
    public var label: String
    public var minMinutes: Int
    /// Nil for the open-ended last bucket.
    public var maxMinutes: Int?
    public var late: Int
    public var afterClose: Int
}

public struct LatenessDistribution: Sendable, Hashable {
    /// 1-5, 6-10, 11-15, 16-30, 31-60 and over 60 minutes.
    public var buckets: [LatenessBucket]
    /// L and U marks with no minutes recorded.
    public var lateWithoutMinutes: Int
    public var afterCloseWithoutMinutes: Int
    public var lateMinutes: Int
    public var afterCloseMinutes: Int
    public var late: Int { buckets.reduce(lateWithoutMinutes) { $0 + $1.late } }
    public var afterClose: Int { buckets.reduce(afterCloseWithoutMinutes) { $0 + $1.afterClose } }

    /// The bucket bounds, lower and upper minutes (upper nil: no bound).
    public static let bounds: [(Int, Int?)] = [(1, 5), (6, 10), (11, 15), (16, 30), (31, 60), (61, nil)]
    static func bucket(_ minutes: Int) -> Int {
        minutes <= 5 ? 0 : minutes <= 10 ? 1 : minutes <= 15 ? 2 : minutes <= 30 ? 3 : minutes <= 60 ? 4 : 5
    }
}

/// How repeated absence on particular weekdays is found.
///
/// A pupil is flagged for a weekday when they were absent (at least one session of absence) on at least `minAbsent`
/// of the last `lastN` such weekdays in the range on which they had a possible session: "absent 6 of the last 8
/// Mondays". Separately, when `shareThreshold` is set, a pupil with at least `minAbsenceSessions` sessions of
/// absence is flagged when at least that share of them fell on the weekdays together (Mondays and Fridays hold about
/// 40% of a normal week's sessions).
public struct WeekdayPatternRule: Sendable, Hashable {
    /// ISO weekdays looked at (1 = Monday, 5 = Friday).
    public var weekdays: [Int]
    public var lastN: Int
    public var minAbsent: Int
    public var shareThreshold: Double?
    public var minAbsenceSessions: Int
    public init(weekdays: [Int] = [1, 5], lastN: Int = 8, minAbsent: Int = 3, shareThreshold: Double? = 0.6, minAbsenceSessions: Int = 6) {
        self.weekdays = weekdays
        self.lastN = max(1, lastN)
        self.minAbsent = max(1, minAbsent)
        self.shareThreshold = shareThreshold
        self.minAbsenceSessions = minAbsenceSessions
    }
    public static let standard = WeekdayPatternRule()
}

public struct WeekdayPatternFinding: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// Absent on `absentDays` of the last `ofDays` of this weekday.
        case lastWeekdays(weekday: Int, absentDays: Int, ofDays: Int)
        /// `sessions` of `totalAbsence` absence sessions on the rule's weekdays, against `expectedShare` of possible sessions.
        case share(sessions: Int, totalAbsence: Int, expectedShare: Double)
    }
    public var pupil: Int
    public var id: String
    public var kind: Kind
    /// The finding in words, e.g. "absent 6 of the last 8 Mondays".
    public var words: String
}

/// Absence spells: runs of consecutive open sessions with an absence mark (closed sessions and holidays in between
/// are skipped; any other mark ends the spell; a spell is cut at the range's ends).
public struct SpellBucket: Sendable, Hashable {
    public var label: String
    public var minSessions: Int
    public var maxSessions: Int?
    public var spells: Int
    public var sessions: Int

    /// 1 session, 2 sessions (a day), 3-4, 5-10, 11 or more.
    public static let bounds: [(String, Int, Int?)] = [
        ("1 session", 1, 1), ("2 sessions (one day)", 2, 2), ("3-4 sessions", 3, 4),
        ("5-10 sessions", 5, 10), ("11 or more sessions", 11, nil),
    ]
    static func bucket(_ n: Int) -> Int { n <= 1 ? 0 : n == 2 ? 1 : n <= 4 ? 2 : n <= 10 ? 3 : 4 }
}

public struct AbsencePatterns: Sendable, Hashable {
    public var range: DateRange?
    /// Every code used in the range, in code order.
    public var codeTotals: [CodeCount]
    public var weeks: [WeekCodeUsage]
    /// Monday AM, Monday PM, ... Friday PM (other weekdays only if they had school sessions).
    public var slots: [SlotAbsence]
    public var illnessByMonth: [MonthIllness]
    public var lateness: LatenessDistribution
    public var weekdayPatterns: [WeekdayPatternFinding]
    public var spells: [SpellBucket]
}

/// Per-byte flags for the pattern scans.
enum PatternBits {
    static let possible: UInt8 = 1, absent: UInt8 = 2, attended: UInt8 = 4, illness: UInt8 = 8, late: UInt8 = 16, u: UInt8 = 32,
        unauthorised: UInt8 = 64
    static let table: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 256)
        t[0] = possible
        for c in AttendanceCode.allCases {
            var f: UInt8 = 0
            switch c.statisticalMeaning {
            case .present, .approvedEducationalActivity: f = possible | attended
            case .authorisedAbsence: f = possible | absent
            case .unauthorisedAbsence: f = possible | absent | unauthorised
            case .notPossible: f = 0
            }
            if c == .i { f |= illness }
            if c == .late { f |= late }
            if c == .u { f |= u }
            t[Int(c.rawValue)] = f
        }
        return t
    }()
}

extension AnalyticsRoll {
    /// Code usage, absence by weekday and session, illness by month, lateness, weekday patterns and spells over `range`.
    public func patterns(_ range: DateRange, filter: AnalyticsFilter? = nil, weekdayRule: WeekdayPatternRule = .standard) -> AbsencePatterns
    {
        let include = selection(filter)
        let days = dayRange(range)
        let clamped = clamp(range)
        let firstWeek = days.isEmpty ? 0 : Int(weekOfDay[days.lowerBound])
        let weekCount = days.isEmpty ? 0 : Int(weekOfDay[days.upperBound - 1]) - firstWeek + 1
        var codeHist = [Int](repeating: 0, count: weekCount * 256)
        var slotPossible = [Int](repeating: 0, count: 14)
        var slotAbsent = [Int](repeating: 0, count: 14)
        var monthPossible = [Int](repeating: 0, count: 12)
        var monthIll = [Int](repeating: 0, count: 12)
        var lateB = [Int](repeating: 0, count: 6)
        var uB = [Int](repeating: 0, count: 6)
        var lateNone = 0
        var uNone = 0
        var lateMinutes = 0
        var uMinutes = 0
        var spellCount = [Int](repeating: 0, count: 5)
        var spellSessions = [Int](repeating: 0, count: 5)
        var findings: [WeekdayPatternFinding] = []
        let bits = PatternBits.table
        let hasMinutes = hasMinutesLate
        let stride = self.stride
        // Per school day of the range: week (relative), slot cell base, month index (September = 0).
        let dayWeek = days.map { Int(weekOfDay[$0]) - firstWeek }
        let dayCell = days.map { (Int(weekdayOfDay[$0]) - 1) * 2 }
        let dayMonth = days.map { (Int(monthOfDay[$0]) + 3) % 12 }

        for p in pupils.indices where include[p] {
            let row = p * stride
            var run = 0
            for (i, d) in days.enumerated() {
                for s in 0..<2 {
                    let k = row + d * 2 + s
                    let b = sessionBytes[k]
                    if b == Self.notCounted { continue }
                    codeHist[dayWeek[i] * 256 + Int(b)] += 1
                    let f = bits[Int(b)]
                    if f & PatternBits.possible != 0 {
                        slotPossible[dayCell[i] + s] += 1
                        monthPossible[dayMonth[i]] += 1
                    }
                    if f & PatternBits.absent != 0 {
                        slotAbsent[dayCell[i] + s] += 1
                        run += 1
                    } else if run > 0 {
                        let j = SpellBucket.bucket(run)
                        spellCount[j] += 1
                        spellSessions[j] += run
                        run = 0
                    }
                    if f & PatternBits.illness != 0 { monthIll[dayMonth[i]] += 1 }
                    if f & (PatternBits.late | PatternBits.u) != 0 {
                        let m = hasMinutes ? Int(minutesLate[k]) : 0
                        let isLate = f & PatternBits.late != 0
                        if m == 0 {
                            if isLate { lateNone += 1 } else { uNone += 1 }
                        } else {
                            let j = LatenessDistribution.bucket(m)
                            if isLate {
                                lateB[j] += 1
                                lateMinutes += m
                            } else {
                                uB[j] += 1
                                uMinutes += m
                            }
                        }
                    }
                }
            }
            if run > 0 {
                let j = SpellBucket.bucket(run)
                spellCount[j] += 1
                spellSessions[j] += run
            }
            findings.append(contentsOf: weekdayFindings(pupil: p, days: days, rule: weekdayRule))
        }

        var totals = [Int](repeating: 0, count: 256)
        var weeks: [WeekCodeUsage] = []
        for w in 0..<weekCount {
            let monday = weekStarts[firstWeek + w]
            var codes: [CodeCount] = []
            for b in 1..<256 {
                let n = codeHist[w * 256 + b]
                totals[b] += n
                if n > 0, let c = AttendanceCode(rawValue: UInt8(b)) { codes.append(CodeCount(code: c, sessions: n)) }
            }
            weeks.append(
                WeekCodeUsage(
                    weekStart: monday, range: DateRange(from: monday, to: monday.adding(days: 6)).clamped(to: clamped!)!,
                    codes: codes, unmarked: codeHist[w * 256]))
        }
        let codeTotals = (1..<256).compactMap { b in
            totals[b] > 0 ? AttendanceCode(rawValue: UInt8(b)).map { CodeCount(code: $0, sessions: totals[b]) } : nil
        }
        var slots: [SlotAbsence] = []
        let weekdaysWithSchool = Set(days.map { Int(weekdayOfDay[$0]) })
        for wd in 1...7 where wd <= 5 || weekdaysWithSchool.contains(wd) {
            for s in Session.allCases {
                let c = (wd - 1) * 2 + s.index
                slots.append(SlotAbsence(weekday: wd, session: s, possible: slotPossible[c], absent: slotAbsent[c]))
            }
        }
        var months: [MonthIllness] = []
        let monthsInRange = Set(dayMonth)
        for m in 0..<12 where monthsInRange.contains(m) {
            let month = (m + 8) % 12 + 1
            months.append(
                MonthIllness(
                    year: month >= 9 ? year.startYear : year.startYear + 1, month: month,
                    possible: monthPossible[m], illness: monthIll[m]))
        }
        let buckets = LatenessDistribution.bounds.enumerated().map { j, b in
            LatenessBucket(
                label: b.1.map { "\(b.0)-\($0) minutes" } ?? "over \(b.0 - 1) minutes", minMinutes: b.0, maxMinutes: b.1,
                late: lateB[j], afterClose: uB[j])
        }
        let spells = SpellBucket.bounds.enumerated().map { j, b in
            SpellBucket(label: b.0, minSessions: b.1, maxSessions: b.2, spells: spellCount[j], sessions: spellSessions[j])
        }
        return AbsencePatterns(
            range: clamped, codeTotals: codeTotals, weeks: weeks, slots: slots, illnessByMonth: months,
            lateness: LatenessDistribution(
                buckets: buckets, lateWithoutMinutes: lateNone, afterCloseWithoutMinutes: uNone,
                lateMinutes: lateMinutes, afterCloseMinutes: uMinutes),
            weekdayPatterns: findings, spells: spells)
    }

    /// Pupils with repeated absence on the rule's weekdays in `range`, in roll order.
    public func weekdayPatterns(_ range: DateRange, filter: AnalyticsFilter? = nil, rule: WeekdayPatternRule = .standard)
        -> [WeekdayPatternFinding]
    {
        let include = selection(filter)
        let days = dayRange(range)
        return pupils.indices.filter { include[$0] }.flatMap { weekdayFindings(pupil: $0, days: days, rule: rule) }
    }

    /// Of the last `lastN` days that are `weekday` within `days` on which the pupil had a possible session, how many
    /// had at least one session of absence, and how many such days there were.
    public func weekdayAbsence(pupil p: Int, weekday: Int, lastN: Int, days: Range<Int>) -> (absent: Int, of: Int) {
        let bits = PatternBits.table
        var absent = 0
        var of = 0
        var d = days.upperBound - 1
        let row = p * stride
        while d >= days.lowerBound && of < lastN {
            if Int(weekdayOfDay[d]) == weekday {
                let f = bits[Int(sessionBytes[row + d * 2])] | bits[Int(sessionBytes[row + d * 2 + 1])]
                if f & PatternBits.possible != 0 {
                    of += 1
                    if f & PatternBits.absent != 0 { absent += 1 }
                }
            }
            d -= 1
        }
        return (absent, of)
    }

    func weekdayFindings(pupil p: Int, days: Range<Int>, rule: WeekdayPatternRule) -> [WeekdayPatternFinding] {
        var out: [WeekdayPatternFinding] = []
        for wd in rule.weekdays {
            let (absent, of) = weekdayAbsence(pupil: p, weekday: wd, lastN: rule.lastN, days: days)
            if absent >= rule.minAbsent {
                out.append(
                    WeekdayPatternFinding(
                        pupil: p, id: pupils[p].id, kind: .lastWeekdays(weekday: wd, absentDays: absent, ofDays: of),
                        words: Self.weekdayWords(absent: absent, of: of, weekday: wd)))
            }
        }
        if let share = rule.shareThreshold {
            let bits = PatternBits.table
            var onDays = 0
            var total = 0
            var possibleOn = 0
            var possible = 0
            let row = p * stride
            let target = Set(rule.weekdays)
            for d in days {
                let on = target.contains(Int(weekdayOfDay[d]))
                for s in 0..<2 {
                    let f = bits[Int(sessionBytes[row + d * 2 + s])]
                    if f & PatternBits.possible != 0 {
                        possible += 1
                        if on { possibleOn += 1 }
                    }
                    if f & PatternBits.absent != 0 {
                        total += 1
                        if on { onDays += 1 }
                    }
                }
            }
            if total >= rule.minAbsenceSessions && Double(onDays) >= share * Double(total) {
                let expected = possible > 0 ? Double(possibleOn) / Double(possible) : 0
                let names = Self.pluralWeekdays(rule.weekdays)
                let words =
                    "\(AnalyticsText.percent(Double(onDays) / Double(total))) of absences (\(onDays) of \(AnalyticsText.count(total, "session"))) "
                    + "on \(names), against \(AnalyticsText.percent(expected)) of possible sessions"
                out.append(
                    WeekdayPatternFinding(
                        pupil: p, id: pupils[p].id,
                        kind: .share(sessions: onDays, totalAbsence: total, expectedShare: expected), words: words))
            }
        }
        return out
    }

    static let weekdayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    /// "absent 6 of the last 8 Mondays"; "absent on the only Monday"; "absent 2 of the last 2 Fridays".
    static func weekdayWords(absent: Int, of: Int, weekday: Int) -> String {
        let name = weekdayNames[weekday - 1]
        return of == 1 ? "absent on the only \(name)" : "absent \(absent) of the last \(of) \(name)s"
    }

    /// "Mondays and Fridays", "Mondays, Thursdays and Fridays".
    static func pluralWeekdays(_ wds: [Int]) -> String {
        let names = wds.map { weekdayNames[$0 - 1] + "s" }
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " and " + names.last!
    }
}
