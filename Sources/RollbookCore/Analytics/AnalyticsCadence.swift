// Seed 003's monitoring cadence (data checked each day, week, half term, term and year) and rewards (100% attendance,
// form and house league tables). Every figure is the statistics engine's: unmarked open sessions count as possible
// sessions not attended, as in `rollbook report`, so lists for a period still being registered should end at the
// last day whose registers are taken.

/// A pupil with their figures over a range.
public struct PupilFigures: Sendable, Hashable {
    public var pupil: Int
    public var id: String
    public var name: String
    public var counts: SessionCounts
    public var attendanceRate: Double? { counts.attendanceRate }
    /// Sessions of absence (authorised and unauthorised).
    public var sessionsLost: Int { counts.absent }
}

/// Pupils whose attendance is below a line, lowest first.
public struct ThresholdList: Sendable, Hashable {
    /// The line as a fraction (0.9 for "below 90%").
    public var below: Double
    public var pupils: [PupilFigures]
}

public struct DailyAbsence: Sendable, Hashable {
    public var pupil: Int
    public var id: String
    public var name: String
    /// The day's marks (nil: not marked, or not a session for the pupil).
    public var am: AttendanceCode?
    public var pm: AttendanceCode?
    /// Sessions of absence today.
    public var sessionsToday: Int
    /// The year so far, to the end of the day.
    public var yearToDate: SessionCounts
    public var sessionsLostYearToDate: Int { yearToDate.absent }
}

public struct DailyLate: Sendable, Hashable {
    public var pupil: Int
    public var id: String
    public var name: String
    public var am: AttendanceCode?
    public var pm: AttendanceCode?
    /// Minutes late today (0 when not recorded).
    public var minutesToday: Int
    /// L and U sessions this year, to the end of the day.
    public var lateYearToDate: Int
    /// U sessions this year (each a session lost as unauthorised absence).
    public var afterCloseYearToDate: Int
    public var minutesYearToDate: Int
    public var sessionsLostYearToDate: Int
}

/// Each day: who is absent (with sessions lost this year), who is late, and the codes used (health-protection trends).
public struct DailyCadence: Sendable, Hashable {
    public var date: LocalDate
    public var absent: [DailyAbsence]
    public var late: [DailyLate]
    public var codesToday: [CodeCount]
    public var today: GroupStatistics
    public var yearToDate: GroupStatistics
}

public enum CadencePeriod: String, Sendable, Hashable, CaseIterable, Codable {
    case week
    case halfTerm = "half_term"
    case term, year
}

/// Whether threshold lists are over the period itself or the year to date.
public enum CadenceBasis: String, Sendable, Hashable, Codable {
    case period
    case yearToDate = "year_to_date"
}

/// A pupil's lateness: L (late before the register closed) and U (after it closed).
public struct PupilLateness: Sendable, Hashable {
    public var pupil: Int
    public var id: String
    public var name: String
    public var late: Int
    public var afterClose: Int
    public var minutes: Int
    public var lateYearToDate: Int
    public var afterCloseYearToDate: Int
    public var sessionsLostYearToDate: Int
}

/// The weekly, half-termly, termly or annual lists of seed 003.
public struct PeriodCadence: Sendable, Hashable {
    public var period: CadencePeriod
    /// The period, within the academic year, up to the day asked for.
    public var range: DateRange
    public var yearToDate: DateRange
    /// What the threshold and band lists are over.
    public var basis: CadenceBasis
    public var school: GroupStatistics
    public var schoolYearToDate: GroupStatistics
    /// 100% attendance over the period (with at least one possible session).
    public var fullAttendance: [PupilFigures]
    /// Below 90%, 80% and 50%.
    public var below: [ThresholdList]
    /// Pupil premium or SEND pupils below 95%, 90% and 80%.
    public var pupilPremiumOrSENDBelow: [ThresholdList]
    /// 96% and above; 91% up to 96%.
    public var atOrAbove96: [PupilFigures]
    public var from91To96: [PupilFigures]
    /// Pupils late (L or U) in the period.
    public var punctuality: [PupilLateness]
}

/// One row of a league table.
public struct LeagueRow: Sendable, Hashable {
    /// 1 for the best; equal rates share a rank (1, 2, 2, 4). Nil with no possible session.
    public var rank: Int?
    public var group: AnalyticsGroup
    public var statistics: GroupStatistics
    public var attendanceRate: Double? { statistics.sessions.attendanceRate }
}

extension AnalyticsRoll {
    // MARK: Periods

    /// The week (Monday to Sunday), half term, term or academic year containing `d`, within the roll's year and up to
    /// `through` (default `d`). A half term or term is the one containing `d`, or the latest before it in a holiday.
    public func periodRange(_ period: CadencePeriod, containing d: LocalDate, through: LocalDate? = nil) -> DateRange? {
        let r: DateRange?
        switch period {
        case .week: r = DateRange(from: d.weekStart, to: d.weekStart.adding(days: 6))
        case .halfTerm: r = calendar.halfTerm(containing: d)
        case .term: r = (calendar.term(containing: d) ?? calendar.terms.last { $0.range.from <= d })?.range
        case .year: r = year.range
        }
        guard let r, let c = clamp(r) else { return nil }
        let end = min(c.to, through ?? d)
        return end >= c.from ? DateRange(from: c.from, to: end) : nil
    }

    /// The academic year from 1 September to `d` (within the year).
    public func yearToDate(_ d: LocalDate) -> DateRange? { clamp(DateRange(from: year.range.from, to: d)) }

    // MARK: Lists

    func figures(_ p: Int, _ counts: SessionCounts) -> PupilFigures {
        PupilFigures(pupil: p, id: pupils[p].id, name: pupils[p].name, counts: counts)
    }

    /// By name, then id.
    func byName(_ a: Int, _ b: Int) -> Bool {
        let x = pupils[a]
        let y = pupils[b]
        return x.name != y.name ? x.name < y.name : x.id < y.id
    }

    /// Pupils with 100% attendance over `range` (and at least one possible session), by name.
    public func fullAttendance(_ range: DateRange, filter: AnalyticsFilter? = nil) -> [PupilFigures] {
        let counts = pupilCounts(range, filter: filter)
        return pupils.indices.filter { p in
            guard let c = counts[p] else { return false }
            return c.possible > 0 && c.present + c.approvedActivity == c.possible
        }.sorted(by: byName).map { figures($0, counts[$0]!) }
    }

    /// 100% attendance over the week, half term, term or year containing `d`, up to `through` (default `d`).
    public func fullAttendance(
        _ period: CadencePeriod, containing d: LocalDate, through: LocalDate? = nil,
        filter: AnalyticsFilter? = nil
    ) -> (range: DateRange, pupils: [PupilFigures])? {
        guard let r = periodRange(period, containing: d, through: through) else { return nil }
        return (r, fullAttendance(r, filter: filter))
    }

    /// Pupils (with a possible session) whose attendance is below each line, lowest rate first, then by name.
    /// Lines are compared exactly, to a tenth of a percent: below 90% means attended * 1000 < 900 * possible.
    public func belowThresholds(_ range: DateRange, _ lines: [Double], filter: AnalyticsFilter? = nil) -> [ThresholdList] {
        thresholdLists(pupilCounts(range, filter: filter), lines)
    }

    func thresholdLists(_ counts: [SessionCounts?], _ lines: [Double]) -> [ThresholdList] {
        lines.map { line in
            let t = Int((line * 1000).rounded())
            let ps = pupils.indices.filter { p in
                guard let c = counts[p], c.possible > 0 else { return false }
                return (c.present + c.approvedActivity) * 1000 < t * c.possible
            }
            return ThresholdList(
                below: line,
                pupils: ps.sorted { a, b in
                    let x = counts[a]!
                    let y = counts[b]!
                    let l = (x.present + x.approvedActivity) * y.possible
                    let r = (y.present + y.approvedActivity) * x.possible
                    return l != r ? l < r : byName(a, b)
                }.map { figures($0, counts[$0]!) })
        }
    }

    /// L, U and minutes late for a pupil over school days `days`.
    func lateness(pupil p: Int, days: Range<Int>) -> (late: Int, u: Int, minutes: Int) {
        var late = 0
        var u = 0
        var minutes = 0
        let row = p * stride
        let lateRaw = AttendanceCode.late.rawValue
        let uRaw = AttendanceCode.u.rawValue
        for k in (row + days.lowerBound * 2)..<(row + days.upperBound * 2) {
            let b = sessionBytes[k]
            if b == lateRaw || b == uRaw {
                if b == lateRaw { late += 1 } else { u += 1 }
                if hasMinutesLate { minutes += Int(minutesLate[k]) }
            }
        }
        return (late, u, minutes)
    }

    // MARK: Cadence

    /// Each day's checks: pupils absent on `date` with sessions lost this year, pupils late, the codes used.
    public func daily(_ date: LocalDate, filter: AnalyticsFilter? = nil) -> DailyCadence {
        let include = selection(filter)
        let today = DateRange(from: date, to: date)
        let ytdRange = yearToDate(date) ?? today
        let ytdDays = dayRange(ytdRange)
        var absent: [DailyAbsence] = []
        var late: [DailyLate] = []
        var todayStats = GroupStatistics()
        var ytdStats = GroupStatistics()
        var codes = [Int](repeating: 0, count: 256)
        let d = dayIndex(date)
        for p in pupils.indices where include[p] {
            let ytd = counts(pupil: p, range: ytdRange)
            ytdStats.add(ytd)
            guard let d else { continue }
            let c = Self.unpack(packedCounts(pupil: p, days: d..<(d + 1)))
            todayStats.add(c)
            let row = p * stride + d * 2
            let am = AttendanceCode(rawValue: sessionBytes[row])
            let pm = AttendanceCode(rawValue: sessionBytes[row + 1])
            for b in [sessionBytes[row], sessionBytes[row + 1]] where b != Self.notCounted { codes[Int(b)] += 1 }
            if c.absent > 0 {
                absent.append(
                    DailyAbsence(
                        pupil: p, id: pupils[p].id, name: pupils[p].name, am: am, pm: pm,
                        sessionsToday: c.absent, yearToDate: ytd))
            }
            let t = lateness(pupil: p, days: d..<(d + 1))
            if t.late + t.u > 0 {
                let y = lateness(pupil: p, days: ytdDays)
                late.append(
                    DailyLate(
                        pupil: p, id: pupils[p].id, name: pupils[p].name, am: am, pm: pm, minutesToday: t.minutes,
                        lateYearToDate: y.late + y.u, afterCloseYearToDate: y.u, minutesYearToDate: y.minutes,
                        sessionsLostYearToDate: ytd.absent))
            }
        }
        let order = { (a: Int, b: Int) in self.byName(a, b) }
        absent.sort { order($0.pupil, $1.pupil) }
        late.sort { order($0.pupil, $1.pupil) }
        let used = (1..<256).compactMap { b in
            codes[b] > 0 ? AttendanceCode(rawValue: UInt8(b)).map { CodeCount(code: $0, sessions: codes[b]) } : nil
        }
        return DailyCadence(date: date, absent: absent, late: late, codesToday: used, today: todayStats, yearToDate: ytdStats)
    }

    /// The weekly, half-termly, termly or annual lists for the period containing `date`, up to `date`.
    /// Threshold and band lists are over the year to date for the week (seed 003: "below 90%, 80% and 50% YTD") and
    /// over the period itself otherwise, unless `basis` says.
    public func cadence(_ period: CadencePeriod, asOf date: LocalDate, basis: CadenceBasis? = nil, filter: AnalyticsFilter? = nil)
        -> PeriodCadence?
    {
        guard let range = periodRange(period, containing: date), let ytd = yearToDate(date) else { return nil }
        let basis = basis ?? (period == .week ? .yearToDate : .period)
        let include = selection(filter)
        let periodCounts = pupilCounts(range, filter: filter)
        let ytdCounts = pupilCounts(ytd, filter: filter)
        let listCounts = basis == .period ? periodCounts : ytdCounts
        var school = GroupStatistics()
        var schoolYTD = GroupStatistics()
        for p in pupils.indices where include[p] {
            school.add(periodCounts[p]!)
            schoolYTD.add(ytdCounts[p]!)
        }
        let full = pupils.indices.filter { p in
            guard let c = periodCounts[p] else { return false }
            return c.possible > 0 && c.present + c.approvedActivity == c.possible
        }.sorted(by: byName).map { figures($0, periodCounts[$0]!) }
        let ppSend = pupils.indices.map { include[$0] && matches($0, .pupilPremiumOrSEND) }
        let ppSendCounts = pupils.indices.map { ppSend[$0] ? listCounts[$0] : nil }
        func band(_ lo: Int, _ hi: Int?) -> [PupilFigures] {
            pupils.indices.filter { p in
                guard let c = listCounts[p], c.possible > 0 else { return false }
                let a = (c.present + c.approvedActivity) * 1000
                return a >= lo * c.possible && (hi.map { a < $0 * c.possible } ?? true)
            }.sorted(by: byName).map { figures($0, listCounts[$0]!) }
        }
        let days = dayRange(range)
        let ytdDays = dayRange(ytd)
        var punctuality: [PupilLateness] = []
        for p in pupils.indices.sorted(by: byName) where include[p] {
            let t = lateness(pupil: p, days: days)
            guard t.late + t.u > 0 else { continue }
            let y = lateness(pupil: p, days: ytdDays)
            punctuality.append(
                PupilLateness(
                    pupil: p, id: pupils[p].id, name: pupils[p].name, late: t.late, afterClose: t.u, minutes: t.minutes,
                    lateYearToDate: y.late, afterCloseYearToDate: y.u, sessionsLostYearToDate: ytdCounts[p]!.absent))
        }
        return PeriodCadence(
            period: period, range: range, yearToDate: ytd, basis: basis, school: school, schoolYearToDate: schoolYTD,
            fullAttendance: full, below: thresholdLists(listCounts, [0.9, 0.8, 0.5]),
            pupilPremiumOrSENDBelow: thresholdLists(ppSendCounts, [0.95, 0.9, 0.8]),
            atOrAbove96: band(960, nil), from91To96: band(910, 960), punctuality: punctuality)
    }

    // MARK: League tables

    /// Forms, houses or year groups ranked by attendance over `range`: highest rate first, ties by name (natural order);
    /// equal rates share a rank. Groups with no possible session come last, unranked.
    public func leagueTable(_ dimension: AnalyticsGroup.Dimension, _ range: DateRange, filter: AnalyticsFilter? = nil) -> [LeagueRow] {
        let rows = cohorts(range, filter: filter).filter { $0.group.dimension == dimension }
        func attended(_ s: GroupStatistics) -> Int { s.sessions.present + s.sessions.approvedActivity }
        let sorted = rows.sorted { a, b in
            let x = a.members
            let y = b.members
            if (x.sessions.possible > 0) != (y.sessions.possible > 0) { return x.sessions.possible > 0 }
            let l = attended(x) * y.sessions.possible
            let r = attended(y) * x.sessions.possible
            return l != r ? l > r : AnalyticsText.naturalLess(a.group.value, b.group.value)
        }
        var out: [LeagueRow] = []
        for (i, row) in sorted.enumerated() {
            let s = row.members
            var rank: Int? = nil
            if s.sessions.possible > 0 {
                if let prev = out.last, let pr = prev.rank,
                    attended(prev.statistics) * s.sessions.possible == attended(s) * prev.statistics.sessions.possible
                {
                    rank = pr
                } else {
                    rank = i + 1
                }
            }
            out.append(LeagueRow(rank: rank, group: row.group, statistics: s))
        }
        return out
    }

    /// The form and house league tables for the school week containing `d`, up to `through` (default `d`).
    public func weeklyLeagueTables(containing d: LocalDate, through: LocalDate? = nil) -> (
        range: DateRange, forms: [LeagueRow], houses: [LeagueRow]
    )? {
        guard let r = periodRange(.week, containing: d, through: through) else { return nil }
        return (r, leagueTable(.form, r), leagueTable(.house, r))
    }
}
