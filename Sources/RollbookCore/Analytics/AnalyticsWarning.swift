// Early warning: each pupil's attendance projected to the end of the year (or any later day), the probability of
// ending persistently absent, and the reasons in words; and a back-test that stands at an earlier day, projects, and
// scores the projection against what happened.

/// How projections are made. The method, in words:
///
/// 1. **The pupil's absence rate from here on** is estimated from the sessions marked so far this year: the last
///    `recentWeeks` school weeks count fully and older sessions count `olderWeight` each (so a recent change shows
///    quickly); the recent weeks are first read against the whole school's (`deseasonalise`): the pupil's recent
///    absence is divided by how much more the school as a whole was absent in those weeks than before them, so a
///    winter illness wave everyone shared is not taken for the pupil's own trend. The result is pulled towards the
///    school's absence rate so far as if `priorSessions` more sessions had been seen at that rate (so a pupil with a
///    handful of sessions is not projected at 0% or 100%). In Bayesian terms the rate is Beta(α, β) with
///    α = μ·s + a_recent/k + w·a_older and β = (1 − μ)·s + (n_recent − a_recent/k) + w·(n_older − a_older), where
///    μ is the school's rate so far, s = `priorSessions`, w = `olderWeight`, k the school's recent-to-older absence
///    ratio (1 without `deseasonalise`, kept within 1/2...2), a and n the pupil's absent and possible sessions.
///    The estimate q is the mean α / (α + β); `futureFactor` f (default 1) scales it to f·q for a school that knows
///    its absence usually falls or rises for the rest of the year (Beta(f·α, β + (1 − f)·α): same spread).
/// 2. **Projected attendance** on the target day = (attended so far + (1 − q)·R) / (possible so far + R), where R is
///    the sessions still to come for the pupil (open for their year group, on roll, and not already marked as not a
///    possible session).
/// 3. **Probability of ending persistently absent**: absence comes in blocks of `blockSessions` sessions (2: whole
///    days, as most absence does), so the remaining R sessions are n = R / `blockSessions` blocks, each absent with
///    the uncertain rate above. The number of absent blocks is then beta-binomial(n, α, β), and the probability is
///    the chance it brings absence to at least `persistentLine` of possible sessions:
///    P(absent so far + blocks·R/n ≥ line·(possible so far + R)). It is 1 when the pupil is already past the line
///    whatever happens, 0 when even absence on every remaining session would not reach it.
///
/// Unmarked sessions so far are left out of both (they are neither attendance nor absence yet).
///
/// On the demo secondary, standing at 13 February 2026 and projecting to 17 July 2026 (1,148 pupils), the defaults
/// give a mean absolute error of 1.8 points of attendance (carrying the rate so far forward: 1.9), a Brier score of
/// 0.049 (carrying "persistently absent now" forward: 0.071), and flag 85% of the pupils persistently absent in July
/// at a 50% threshold, 84% of those flagged being so. The demo's illness is strongly seasonal, so from February its
/// probabilities run high in the middle (pupils given 50-70% ended persistently absent about 43% of the time);
/// `futureFactor` 0.8 brings them into line there.
public struct ProjectionModel: Sendable, Hashable {
    public var recentWeeks: Int
    public var olderWeight: Double
    public var priorSessions: Double
    public var blockSessions: Double
    public var persistentLine: Double
    /// The probability from which a pupil counts as flagged (back-test recall and precision).
    public var flagAt: Double
    /// Whether the recent weeks are read against the whole school's recent weeks (see the method, step 1).
    public var deseasonalise: Bool
    /// The school's expected absence from here on as a multiple of its absence so far (1: the same). Set it from an
    /// earlier year when known (absence after this date divided by absence before it, whole school).
    public var futureFactor: Double

    // Reasons: each is said when its figure reaches the setting.
    /// Repeated weekday absence ("absent 6 of the last 8 Mondays").
    public var weekdayRule: WeekdayPatternRule
    /// Sessions of illness (I) since the start of the current half term.
    public var illnessSessions: Int
    /// A fall in attendance rate (fraction) from before the recent weeks to within them.
    public var trendDrop: Double
    /// G, N, O or U sessions in the last `penaltyWindowWeeks` school weeks.
    public var unauthorisedSessions: Int
    public var penaltyWindowWeeks: Int
    /// L or U marks in the recent weeks.
    public var lateSessions: Int
    /// Consecutive sessions of absence within the recent weeks.
    public var spellSessions: Int

    public init(
        recentWeeks: Int = 6, olderWeight: Double = 0.5, priorSessions: Double = 20, blockSessions: Double = 2,
        persistentLine: Double = NationalRules.persistentAbsence, flagAt: Double = 0.5, deseasonalise: Bool = true,
        futureFactor: Double = 1, weekdayRule: WeekdayPatternRule = WeekdayPatternRule(shareThreshold: nil),
        illnessSessions: Int = 6, trendDrop: Double = 0.03, unauthorisedSessions: Int = 5,
        penaltyWindowWeeks: Int = NationalRules.penaltyWindowSchoolWeeks,
        lateSessions: Int = 5, spellSessions: Int = 6
    ) {
        self.recentWeeks = max(1, recentWeeks)
        self.olderWeight = olderWeight
        self.priorSessions = max(0, priorSessions)
        self.blockSessions = max(1, blockSessions)
        self.persistentLine = persistentLine
        self.flagAt = flagAt
        self.deseasonalise = deseasonalise
        self.futureFactor = max(0, futureFactor)
        self.weekdayRule = weekdayRule
        self.illnessSessions = illnessSessions
        self.trendDrop = trendDrop
        self.unauthorisedSessions = unauthorisedSessions
        self.penaltyWindowWeeks = max(1, penaltyWindowWeeks)
        self.lateSessions = lateSessions
        self.spellSessions = spellSessions
    }
    public static let standard = ProjectionModel()
}

extension ProjectionModel {
    /// Step 2 of the method: attendance at the target day when each of the `remaining` sessions to come is absent with
    /// probability `absenceRate`; nil with no sessions at all. The early-warning page and the stages' `at_risk` trigger
    /// both project with it.
    public static func projectedAttendance(attended: Double, possible: Int, absenceRate q: Double, remaining: Int) -> Double? {
        let total = possible + remaining
        return total > 0 ? (attended + (1 - q) * Double(remaining)) / Double(total) : nil
    }
}

public struct AttendanceProjection: Sendable, Hashable {
    public var pupil: Int
    public var id: String
    public var name: String
    /// Standing at the end of this day.
    public var asOf: LocalDate
    /// Projected to the end of this day.
    public var to: LocalDate
    /// Marked sessions from 1 September to `asOf` (unmarked left out).
    public var soFar: SessionCounts
    /// Marked sessions in the recent school weeks (from `recentFrom` to `asOf`).
    public var recent: SessionCounts
    public var recentFrom: LocalDate?
    /// The rate's Beta parameters and their mean: the estimated chance of absence on a session still to come.
    public var alpha: Double
    public var beta: Double
    public var absenceEstimate: Double { alpha + beta > 0 ? alpha / (alpha + beta) : 0 }
    /// Sessions still to come up to `to`.
    public var remainingSessions: Int
    public var projectedAttendance: Double?
    public var persistentProbability: Double?
    /// The pattern in words, most telling first.
    public var reasons: [String]
}

public struct CalibrationBin: Sendable, Hashable {
    public var from: Double
    public var to: Double
    public var pupils: Int
    public var meanProbability: Double?
    /// Share of the bin's pupils who were persistently absent on the target day.
    public var observedShare: Double?
}

/// How projections made at `standingAt` compared with what happened by `projectedTo`.
public struct BackTestResult: Sendable, Hashable {
    public var standingAt: LocalDate
    public var projectedTo: LocalDate
    /// Pupils with a marked possible session by `standingAt` and by `projectedTo`.
    public var pupils: Int
    /// Mean |projected − actual| attendance rate (a fraction: 0.012 is 1.2 percentage points).
    public var meanAbsoluteError: Double
    /// The same if the rate so far were simply carried forward.
    public var naiveMeanAbsoluteError: Double
    /// Mean (probability − outcome)² with outcome 1 for persistently absent on `projectedTo`.
    public var brierScore: Double
    /// The same for the naive forecast "persistently absent then if persistently absent now" (probability 0 or 1).
    public var naiveBrierScore: Double
    public var persistentAtEnd: Int
    /// Pupils with probability at least the model's `flagAt`.
    public var flagged: Int
    public var flaggedAndPersistent: Int
    /// Of pupils persistently absent at the end, the share flagged.
    public var recall: Double?
    /// Of pupils flagged, the share persistently absent at the end.
    public var precision: Double?
    /// Pupils not persistently absent at `standingAt` but persistently absent at the end, and how many of them were flagged.
    public var newlyPersistent: Int
    public var newlyPersistentFlagged: Int
    public var calibration: [CalibrationBin]
}

extension AnalyticsRoll {
    /// Projections for the selected pupils standing at `asOf`, to `to` (default: the last school day of the year),
    /// highest probability of persistent absence first (then lowest projected attendance, then name). Pupils with no
    /// marked session so far and none to come are left out.
    public func earlyWarning(
        asOf: LocalDate, to: LocalDate? = nil, filter: AnalyticsFilter? = nil,
        model: ProjectionModel = .standard
    ) -> [AttendanceProjection] {
        projections(asOf: asOf, to: to, filter: filter, model: model).compactMap { x in
            x.flatMap { $0.soFar.possible + $0.remainingSessions > 0 ? $0 : nil }
        }.sorted { a, b in
            let pa = a.persistentProbability ?? -1
            let pb = b.persistentProbability ?? -1
            if pa != pb { return pa > pb }
            let ra = a.projectedAttendance ?? 2
            let rb = b.projectedAttendance ?? 2
            if ra != rb { return ra < rb }
            return byName(a.pupil, b.pupil)
        }
    }

    /// Every pupil's projection standing at `asOf`, in roll order (nil for pupils the filter leaves out).
    public func projections(
        asOf: LocalDate, to: LocalDate? = nil, filter: AnalyticsFilter? = nil,
        model: ProjectionModel = .standard
    ) -> [AttendanceProjection?] {
        let include = selection(filter)
        let ctx = ProjectionContext(self, asOf: asOf, to: to ?? schoolDays.last ?? year.range.to, model: model)
        return pupils.indices.map { include[$0] ? project($0, ctx, reasons: true) : nil }
    }

    /// One pupil's projection (for many pupils, `projections` reads the school's figures once).
    public func projection(pupil p: Int, asOf: LocalDate, to: LocalDate? = nil, model: ProjectionModel = .standard) -> AttendanceProjection
    {
        project(p, ProjectionContext(self, asOf: asOf, to: to ?? schoolDays.last ?? year.range.to, model: model), reasons: true)
    }

    /// Stands at `standingAt`, projects every selected pupil to `projectTo` with marks up to `standingAt` only, and
    /// compares with the marks up to `projectTo`.
    public func backTest(
        standingAt d: LocalDate, projectTo e: LocalDate, filter: AnalyticsFilter? = nil,
        model: ProjectionModel = .standard
    ) -> BackTestResult {
        let include = selection(filter)
        let ctx = ProjectionContext(self, asOf: d, to: e, model: model)
        let outcomeDays = dayRange(DateRange(from: year.range.from, to: e))
        var n = 0
        var absErr = 0.0
        var naiveErr = 0.0
        var brier = 0.0
        var naiveBrier = 0.0
        var persistent = 0
        var flagged = 0
        var hit = 0
        var newly = 0
        var newlyHit = 0
        let edges = [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0]
        var binCount = [Int](repeating: 0, count: 6)
        var binP = [Double](repeating: 0, count: 6)
        var binY = [Int](repeating: 0, count: 6)
        for p in pupils.indices where include[p] {
            let x = project(p, ctx, reasons: false)
            let actual = Self.unpack(packedCounts(pupil: p, days: outcomeDays)).markedOnly
            guard x.soFar.possible > 0, actual.possible > 0, let projected = x.projectedAttendance, let prob = x.persistentProbability,
                let rate = actual.attendanceRate, let rateThen = x.soFar.attendanceRate
            else { continue }
            n += 1
            let y = AbsenceThresholds.reaches(model.persistentLine, absent: actual.absent, possible: actual.possible)
            let wasPersistent = AbsenceThresholds.reaches(model.persistentLine, absent: x.soFar.absent, possible: x.soFar.possible)
            absErr += abs(projected - rate)
            naiveErr += abs(rateThen - rate)
            brier += (prob - (y ? 1 : 0)) * (prob - (y ? 1 : 0))
            naiveBrier += (wasPersistent == y) ? 0 : 1
            let isFlagged = prob >= model.flagAt
            if y { persistent += 1 }
            if isFlagged { flagged += 1 }
            if y && isFlagged { hit += 1 }
            if y && !wasPersistent {
                newly += 1
                if isFlagged { newlyHit += 1 }
            }
            let b = min(5, edges.lastIndex { prob >= $0 } ?? 0)
            binCount[b] += 1
            binP[b] += prob
            if y { binY[b] += 1 }
        }
        let bins = (0..<6).map { b in
            CalibrationBin(
                from: edges[b], to: edges[b + 1], pupils: binCount[b],
                meanProbability: binCount[b] > 0 ? binP[b] / Double(binCount[b]) : nil,
                observedShare: binCount[b] > 0 ? Double(binY[b]) / Double(binCount[b]) : nil)
        }
        let m = Double(max(1, n))
        return BackTestResult(
            standingAt: d, projectedTo: e, pupils: n, meanAbsoluteError: absErr / m, naiveMeanAbsoluteError: naiveErr / m,
            brierScore: brier / m, naiveBrierScore: naiveBrier / m, persistentAtEnd: persistent, flagged: flagged,
            flaggedAndPersistent: hit, recall: persistent > 0 ? Double(hit) / Double(persistent) : nil,
            precision: flagged > 0 ? Double(hit) / Double(flagged) : nil, newlyPersistent: newly,
            newlyPersistentFlagged: newlyHit, calibration: bins)
    }

    // MARK: The model

    func project(_ p: Int, _ c: ProjectionContext, reasons wantReasons: Bool) -> AttendanceProjection {
        let m = c.model
        let soFar = Self.unpack(packedCounts(pupil: p, days: c.soFarDays)).markedOnly
        let recent = Self.unpack(packedCounts(pupil: p, days: c.recentDays)).markedOnly
        let older = SessionCounts(
            possible: soFar.possible - recent.possible, present: soFar.present - recent.present,
            approvedActivity: soFar.approvedActivity - recent.approvedActivity,
            authorised: soFar.authorised - recent.authorised, unauthorised: soFar.unauthorised - recent.unauthorised)
        // Recent absence read against the school's: divided by how much more (or less) the whole school was absent in
        // the recent weeks than before them, so a winter illness wave shared by everyone is not taken as the pupil's trend.
        let recentAbsent = m.deseasonalise ? Double(recent.absent) / c.season : Double(recent.absent)
        var alpha = c.schoolRate * m.priorSessions + recentAbsent + m.olderWeight * Double(older.absent)
        var beta =
            (1 - c.schoolRate) * m.priorSessions + (Double(recent.possible) - recentAbsent)
            + m.olderWeight * Double(older.possible - older.absent)
        if m.futureFactor != 1 && alpha > 0 {
            // Same concentration, mean scaled: Beta(f·α, β + (1 − f)·α), keeping β positive.
            let f = min(m.futureFactor, 1 + 0.999 * beta / alpha)
            beta += (1 - f) * alpha
            alpha *= f
        }
        // Sessions to come: possible (unmarked or a possible code) in (asOf, to].
        var remaining = 0
        let bits = PatternBits.table
        let row = p * stride
        for k in (row + c.futureDays.lowerBound * 2)..<(row + c.futureDays.upperBound * 2)
        where bits[Int(sessionBytes[k])] & PatternBits.possible != 0 { remaining += 1 }
        let q = alpha + beta > 0 ? alpha / (alpha + beta) : c.schoolRate
        let total = soFar.possible + remaining
        let attended = Double(soFar.present + soFar.approvedActivity)
        let projected = ProjectionModel.projectedAttendance(
            attended: attended, possible: soFar.possible, absenceRate: q, remaining: remaining)
        var probability: Double? = nil
        if total > 0 {
            let need = m.persistentLine * Double(total) - Double(soFar.absent)  // more absence sessions needed
            if need <= 1e-9 {
                probability = 1
            } else if remaining == 0 {
                probability = 0
            } else {
                let blocks = max(1, Int((Double(remaining) / m.blockSessions).rounded()))
                let per = Double(remaining) / Double(blocks)
                let k = Int((need / per - 1e-9).rounded(.up))
                probability = k > blocks ? 0 : Self.betaBinomialTail(n: blocks, atLeast: k, alpha: alpha, beta: beta)
            }
        }
        var x = AttendanceProjection(
            pupil: p, id: pupils[p].id, name: pupils[p].name, asOf: c.asOf, to: c.to, soFar: soFar, recent: recent,
            recentFrom: c.recentDays.isEmpty ? nil : schoolDays[c.recentDays.lowerBound],
            alpha: alpha, beta: beta, remainingSessions: remaining, projectedAttendance: projected,
            persistentProbability: probability, reasons: [])
        if wantReasons { x.reasons = reasons(p, c, soFar: soFar, recent: recent, older: older) }
        return x
    }

    /// P(X ≥ k) for X beta-binomial(n, α, β), summing the probability mass function by the ratio of successive terms
    /// (rescaled as it goes, so no logarithms and no overflow).
    public static func betaBinomialTail(n: Int, atLeast k: Int, alpha: Double, beta: Double) -> Double {
        if k <= 0 { return 1 }
        if k > n { return 0 }
        if alpha <= 0 { return 0 }  // never absent
        if beta <= 0 { return 1 }  // always absent
        var w = 1.0
        var total = 1.0
        var tail = k == 0 ? 1.0 : 0.0
        for x in 0..<n {
            w *= Double(n - x) / Double(x + 1) * (alpha + Double(x)) / (beta + Double(n - x - 1))
            if w > 1e200 {
                w *= 1e-200
                total *= 1e-200
                tail *= 1e-200
            }
            total += w
            if x + 1 >= k { tail += w }
        }
        return min(1, max(0, tail / total))
    }

    func reasons(_ p: Int, _ c: ProjectionContext, soFar: SessionCounts, recent: SessionCounts, older: SessionCounts) -> [String] {
        let m = c.model
        var out: [String] = []
        if AbsenceThresholds.reaches(m.persistentLine, absent: soFar.absent, possible: soFar.possible) {
            out.append(
                "absent \(AnalyticsText.percent(Double(soFar.absent) / Double(soFar.possible))) of sessions so far "
                    + "(\(soFar.absent) of \(soFar.possible)), at or above the \(AnalyticsText.percent(m.persistentLine)) persistent absence line"
            )
        }
        if older.possible >= 10 && recent.possible >= 10, let before = older.attendanceRate, let now = recent.attendanceRate,
            before - now >= m.trendDrop - 1e-12
        {
            out.append(
                "attendance fell from \(AnalyticsText.percent(before)) to \(AnalyticsText.percent(now)) over the last "
                    + AnalyticsText.count(c.recentWeekCount, "school week"))
        }
        for wd in m.weekdayRule.weekdays {
            let (absent, of) = weekdayAbsence(pupil: p, weekday: wd, lastN: m.weekdayRule.lastN, days: c.soFarDays)
            if absent >= m.weekdayRule.minAbsent { out.append(Self.weekdayWords(absent: absent, of: of, weekday: wd)) }
        }
        let bits = PatternBits.table
        let row = p * stride
        func count(_ days: Range<Int>, _ flag: UInt8) -> Int {
            var n = 0
            for k in (row + days.lowerBound * 2)..<(row + days.upperBound * 2) where bits[Int(sessionBytes[k])] & flag != 0 { n += 1 }
            return n
        }
        let illness = count(c.halfTermDays, PatternBits.illness)
        if illness >= m.illnessSessions {
            out.append("\(AnalyticsText.count(illness, "session")) of illness since half term")
        }
        let unauthorised = count(c.penaltyDays, PatternBits.unauthorised)
        if unauthorised >= m.unauthorisedSessions {
            out.append(
                "\(AnalyticsText.count(unauthorised, "session")) of unauthorised absence (G, N, O or U) in the last "
                    + AnalyticsText.count(c.penaltyWeekCount, "school week"))
        }
        let late = count(c.recentDays, PatternBits.late | PatternBits.u)
        if late >= m.lateSessions {
            out.append("late \(late) times in the last \(AnalyticsText.count(c.recentWeekCount, "school week"))")
        }
        // The longest run of absence in the recent weeks.
        var run = 0
        var best = 0
        var bestStart = 0
        var start = 0
        for k in (c.recentDays.lowerBound * 2)..<(c.recentDays.upperBound * 2) {
            let b = sessionBytes[row + k]
            if b == Self.notCounted { continue }
            if bits[Int(b)] & PatternBits.absent != 0 {
                if run == 0 { start = k }
                run += 1
                if run > best {
                    best = run
                    bestStart = start
                }
            } else {
                run = 0
            }
        }
        if best >= m.spellSessions {
            let d = schoolDays[bestStart / 2]
            out.append("absent \(best) sessions in a row from \(PupilYearGrid.longDate(d))\(bestStart % 2 == 1 ? " afternoon" : "")")
        }
        return out
    }
}

/// What is the same for every pupil in one run of projections.
struct ProjectionContext {
    let model: ProjectionModel
    let asOf: LocalDate
    let to: LocalDate
    let soFarDays: Range<Int>
    let recentDays: Range<Int>
    let recentWeekCount: Int
    let futureDays: Range<Int>
    let halfTermDays: Range<Int>
    let penaltyDays: Range<Int>
    let penaltyWeekCount: Int
    /// The school's absence rate so far (all pupils, marked sessions).
    let schoolRate: Double
    /// The school's absence rate in the recent weeks over its rate before them (1 when either is unknown), within 1/2...2.
    let season: Double

    init(_ roll: AnalyticsRoll, asOf: LocalDate, to: LocalDate, model: ProjectionModel) {
        self.model = model
        self.asOf = asOf
        self.to = to
        let yr = roll.year.range
        let soFar = roll.dayRange(DateRange(from: yr.from, to: asOf))
        soFarDays = soFar
        let future = roll.dayRange(DateRange(from: asOf.adding(days: 1), to: to))
        futureDays = future.lowerBound >= soFar.upperBound ? future : soFar.upperBound..<max(soFar.upperBound, future.upperBound)
        let weeksBack = { (count: Int) -> (Range<Int>, Int) in
            guard let last = soFar.last else { return (soFar, 0) }
            let w = Int(roll.weekOfDay[last])
            let first = max(0, w - count + 1)
            return (Int(roll.weekFirstDay[first])..<soFar.upperBound, w - first + 1)
        }
        (recentDays, recentWeekCount) = weeksBack(model.recentWeeks)
        (penaltyDays, penaltyWeekCount) = weeksBack(model.penaltyWindowWeeks)
        if let h = roll.calendar.halfTerm(containing: asOf) {
            halfTermDays = roll.dayRange(DateRange(from: h.from, to: asOf))
        } else {
            halfTermDays = soFar.upperBound..<soFar.upperBound
        }
        var absent = 0
        var possible = 0
        var recentAbsent = 0
        var recentPossible = 0
        for p in roll.pupils.indices {
            let c = AnalyticsRoll.unpack(roll.packedCounts(pupil: p, days: soFar)).markedOnly
            let r = AnalyticsRoll.unpack(roll.packedCounts(pupil: p, days: recentDays)).markedOnly
            absent += c.absent
            possible += c.possible
            recentAbsent += r.absent
            recentPossible += r.possible
        }
        schoolRate = possible > 0 ? Double(absent) / Double(possible) : 0.05
        let olderAbsent = absent - recentAbsent
        let olderPossible = possible - recentPossible
        if recentAbsent > 0 && olderAbsent > 0 && recentPossible > 0 && olderPossible > 0 {
            let ratio = (Double(recentAbsent) / Double(recentPossible)) / (Double(olderAbsent) / Double(olderPossible))
            season = min(2, max(0.5, ratio))
        } else {
            season = 1
        }
    }
}
