import RollbookDemo
import Testing

@testable import RollbookCore

// The analytics engine on the demo secondary school (1,200 pupils, marks to 17 July 2026): every figure agrees with
// summing `StatisticsEngine.counts` per pupil, and the patterns have the shape the generator gives them.

private func day(_ s: String) -> LocalDate {
    guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
    return d
}

private enum DemoFixture {
    static let through = day("2026-07-17")
    static let school = Demo.generate(DemoOptions(phase: .secondary, through: through))
    static let calendar = SchoolCalendar(entries: school.calendar)
    static let engine = StatisticsEngine(calendar: calendar)
    static let roll = AnalyticsRoll(demo: school)
    static let year = AcademicYear(startYear: 2025)

    static func enrolment(_ p: DemoPupil) -> Enrolment {
        Enrolment(startingDay: p.record.startingDay, leavingDay: p.record.leavingDay, yearGroup: p.record.yearGroup, yearGroupYear: year)
    }
    static func counts(_ range: DateRange) -> [SessionCounts] {
        school.pupils.map { engine.counts($0.marks, enrolment: enrolment($0), range: range) }
    }

    /// The filter evaluated on the admission register entry directly (not through the roll's groups).
    static func member(_ r: PupilRecord, _ f: AnalyticsFilter?) -> Bool {
        guard let f else { return true }
        switch f {
        case .group(let g):
            switch g.dimension {
            case .yearGroup: return r.yearGroup == g.value
            case .form: return r.form == g.value
            case .house: return r.house == g.value
            case .sex: return r.sex == g.value
            case .ethnicity: return r.characteristics.ethnicity == g.value
            case .characteristic: return r.characteristics.has(g.value) == true
            case .barrier: return false  // the demo records no barriers
            }
        case .pupils: fatalError("not used here")
        case .allOf(let fs): return fs.allSatisfy { member(r, $0) }
        case .anyOf(let fs): return fs.contains { member(r, $0) }
        case .not(let x): return !member(r, x)
        }
    }

    static func sum(_ counts: [SessionCounts], _ include: (Int) -> Bool) -> GroupStatistics {
        var g = GroupStatistics()
        for (i, c) in counts.enumerated() where include(i) { g.add(c) }
        return g
    }

    static let ranges: [DateRange] = [
        year.range,
        DateRange(from: day("2025-09-03"), to: day("2025-10-24")),  // autumn 1
        DateRange(from: day("2026-01-12"), to: day("2026-01-18")),  // a week
        DateRange(from: day("2026-03-04"), to: day("2026-03-04")),  // a day
        DateRange(from: day("2026-02-10"), to: day("2026-03-03")),  // across the February half term
        DateRange(from: day("2025-08-01"), to: day("2025-09-10")),  // partly before the year
        DateRange(from: day("2025-09-01"), to: through),
    ]
    static let filters: [AnalyticsFilter?] = [
        nil, .yearGroup("9"), .characteristic("fsm"), .house("Heron"), .not(.characteristic("sen")),
        .allOf([.sex("F"), .characteristic("pupil_premium")]), .ethnicity("WBRI"), .form("10B"),
        .anyOf([.characteristic("looked_after"), .characteristic("child_protection")]),
    ]
}

@Suite("Analytics on the demo secondary")
struct AnalyticsDemoTests {
    fileprivate typealias F = DemoFixture

    @Test("the roll holds every pupil, one byte a session, for the school days of 2025/26")
    func layout() {
        #expect(F.roll.count == 1200)
        #expect(F.roll.schoolDays.count == F.roll.dayRange(F.year.range).count)
        #expect(F.roll.sessionBytes.count == 1200 * F.roll.stride)
        #expect(F.roll.hasMinutesLate)
        // 2025/26 by half term: 37 + 34 + 29 + 25 + 28 + 37 school days (term weekdays less 5 INSET days and the
        // early May bank holiday) in 8 + 7 + 6 + 5 + 6 + 8 school weeks.
        #expect(F.roll.schoolDays.count == 190)
        #expect(F.roll.weekStarts.count == 40)
    }

    @Test("overview agrees with summing StatisticsEngine.counts per pupil, for every range and filter")
    func overviewAgreesWithEngine() {
        for range in F.ranges {
            let counts = F.counts(range)
            for filter in F.filters {
                let o = F.roll.overview(range, filter: filter, trend: false)
                let want = F.sum(counts) { F.member(F.school.pupils[$0].record, filter) }
                #expect(o.statistics == want, "\(range) \(String(describing: filter))")
                #expect(o.pupilsSelected == F.school.pupils.filter { F.member($0.record, filter) }.count)
            }
        }
        // The headline: most pupils attend, about a fifth are persistently absent.
        let o = F.roll.overview(F.year.range)
        #expect(o.pupils > 1150 && o.persistentAbsence > 100 && o.severeAbsence > 5)
    }

    @Test("the weekly trend agrees with each pupil's WeeklyAttendance series, summed")
    func trendAgrees() {
        for (range, filter) in [
            (DateRange(from: day("2025-09-01"), to: F.through), AnalyticsFilter?.none),
            (DateRange(from: day("2026-02-11"), to: day("2026-05-06")), .characteristic("fsm")),
        ] {
            let o = F.roll.overview(range, filter: filter)
            var weeks: [LocalDate: (SessionCounts, SessionCounts)] = [:]
            var order: [LocalDate] = []
            for p in F.school.pupils where F.member(p.record, filter) {
                for w in WeeklyAttendance.series(
                    year: F.year, marks: p.marks, enrolment: F.enrolment(p), calendar: F.calendar, range: range)
                {
                    if weeks[w.weekStart] == nil {
                        order.append(w.weekStart)
                        weeks[w.weekStart] = (SessionCounts(), SessionCounts())
                    }
                    weeks[w.weekStart]!.0 += w.counts
                    weeks[w.weekStart]!.1 += w.yearToDate
                }
            }
            #expect(o.weeks.map(\.weekStart) == order)
            for w in o.weeks {
                #expect(w.counts == weeks[w.weekStart]?.0, "\(w.weekStart)")
                #expect(w.yearToDate == weeks[w.weekStart]?.1, "\(w.weekStart) year to date")
            }
            #expect(o.weeks.reduce(SessionCounts()) { $0 + $1.counts } == o.sessions)
        }
    }

    @Test("every cohort and the rest of the school agree with the engine")
    func cohortsAgree() {
        for range in [F.year.range, DateRange(from: day("2026-01-05"), to: day("2026-02-13"))] {
            let counts = F.counts(range)
            let rows = F.roll.cohorts(range)
            // Every year group, form, house, sex, ethnicity and characteristic present on the roll.
            var expected = Set<AnalyticsGroup>()
            for p in F.school.pupils {
                let r = p.record
                expected.formUnion([
                    .yearGroup(r.yearGroup), .form(r.form), .house(r.house), .sex(r.sex), .ethnicity(r.characteristics.ethnicity),
                ])
                for n in Characteristics.filterNames where r.characteristics.has(n) == true { expected.insert(.characteristic(n)) }
            }
            #expect(Set(rows.map(\.group)) == expected)
            #expect(rows.map(\.group) == rows.map(\.group).sorted())
            for row in rows {
                let f = AnalyticsFilter.group(row.group)
                #expect(row.members == F.sum(counts) { F.member(F.school.pupils[$0].record, f) }, "\(row.group)")
                #expect(row.rest == F.sum(counts) { !F.member(F.school.pupils[$0].record, f) }, "rest of \(row.group)")
                #expect(row.membersSelected + row.restSelected == 1200)
            }
            // Cohorts within a filter: Year 10 only.
            let y10 = F.roll.cohorts(range, filter: .yearGroup("10"))
            let fsm = y10.first { $0.group == .characteristic("fsm") }
            #expect(
                fsm?.members
                    == F.sum(counts) {
                        let r = F.school.pupils[$0].record
                        return r.yearGroup == "10" && r.characteristics.freeSchoolMeals
                    })
            #expect(
                fsm?.rest
                    == F.sum(counts) {
                        let r = F.school.pupils[$0].record
                        return r.yearGroup == "10" && !r.characteristics.freeSchoolMeals
                    })
        }
    }

    @Test("the penalty scan finds exactly the pupils a week-by-week count of G, N, O and U finds")
    func penaltyAgrees() {
        for (range, rule) in [
            (F.year.range, PenaltyRule.national),
            (DateRange(from: day("2026-01-05"), to: day("2026-03-27")), PenaltyRule(thresholdSessions: 6, windowSchoolWeeks: 4)),
        ] {
            let found = F.roll.penaltyScan(range, rule: rule)
            let weeks = PupilYearGrid.schoolWeeks(year: F.year, calendar: F.calendar, range: range)
            var want: [(id: String, max: Int, first: LocalDate)] = []
            for p in F.school.pupils {
                let e = F.enrolment(p)
                let perWeek = weeks.map { monday -> Int in
                    let t = F.engine.codeTotals(
                        p.marks, enrolment: e, range: DateRange(from: monday, to: monday.adding(days: 6)).clamped(to: range)!)
                    return [AttendanceCode.g, .n, .o, .u].reduce(0) { $0 + (t[$1] ?? 0) }
                }
                var best = 0
                var first: LocalDate?
                for i in perWeek.indices {
                    let s = perWeek[max(0, i - rule.windowSchoolWeeks + 1)...i].reduce(0, +)
                    best = max(best, s)
                    if first == nil && s >= rule.thresholdSessions { first = weeks[i] }
                }
                if let first { want.append((p.record.upn, best, first)) }
            }
            #expect(found.map(\.id) == want.map(\.id))
            #expect(found.map(\.maximumSessions) == want.map(\.max))
            #expect(found.map(\.firstReachedWeek) == want.map(\.first))
            #expect(!found.isEmpty)
        }
    }

    @Test("the full-year report is the three reports in one pass")
    func fullYearReport() {
        let clock = ContinuousClock()
        var report: FullYearReport?
        var t = Duration.seconds(100)
        var b = t
        for _ in 0..<5 {
            t = min(t, clock.measure { report = F.roll.fullYearReport() })
            b = min(b, clock.measure { _ = F.roll.memoryScanBaseline() })
        }
        print("fullYearReport on the demo secondary (1,200 pupils, this build, best of 5): \(t); memory scan \(b)")
        #expect(report?.overview == F.roll.overview(F.year.range))
        #expect(report?.cohorts == F.roll.cohorts(F.year.range))
        #expect(report?.penalty == F.roll.penaltyScan(F.year.range))
    }

    @Test("patterns add up, and show the generator's Monday and Friday dips and winter illness")
    func patterns() throws {
        let range = DateRange(from: day("2025-09-01"), to: F.through)
        let p = F.roll.patterns(range)
        let o = F.roll.overview(range, trend: false)
        var totals: [AttendanceCode: Int] = [:]
        for w in p.weeks { for c in w.codes { totals[c.code, default: 0] += c.sessions } }
        #expect(p.codeTotals.map(\.sessions) == p.codeTotals.map { totals[$0.code] })
        // Engine code totals, summed.
        var engineTotals: [AttendanceCode: Int] = [:]
        for x in F.school.pupils {
            for (c, n) in F.engine.codeTotals(x.marks, enrolment: F.enrolment(x), range: range) { engineTotals[c, default: 0] += n }
        }
        #expect(Dictionary(uniqueKeysWithValues: p.codeTotals.map { ($0.code, $0.sessions) }) == engineTotals)
        #expect(p.slots.reduce(0) { $0 + $1.possible } == o.sessions.possible)
        #expect(p.slots.reduce(0) { $0 + $1.absent } == o.sessions.absent)
        #expect(p.spells.reduce(0) { $0 + $1.sessions } == o.sessions.absent, "every absent session is in exactly one spell")
        let illness = try #require(totals[.i])
        #expect(p.illnessByMonth.reduce(0) { $0 + $1.illness } == illness)
        #expect(p.illnessByMonth.map(\.month) == [9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7])
        #expect(p.lateness.late == totals[.late] && p.lateness.afterClose == totals[.u])
        #expect(
            p.lateness.lateWithoutMinutes == 0 && p.lateness.afterCloseWithoutMinutes == 0, "the demo records minutes for every late mark")
        // Mondays and Fridays are worse than Wednesdays; January is worse than September for illness.
        func rate(_ wd: Int) -> Double {
            let s = p.slots.filter { $0.weekday == wd }
            return Double(s.reduce(0) { $0 + $1.absent }) / Double(s.reduce(0) { $0 + $1.possible })
        }
        #expect(rate(1) > rate(3) && rate(5) > rate(3))
        let sep = try #require(p.illnessByMonth.first { $0.month == 9 }?.illnessRate)
        let jan = try #require(p.illnessByMonth.first { $0.month == 1 }?.illnessRate)
        #expect(jan > sep)
        #expect(p.spells[0].spells > 0 && p.spells[4].spells > 0)
        #expect(!p.weekdayPatterns.isEmpty)
        print(
            "demo patterns: Monday \(AnalyticsText.percent(rate(1))), Wednesday \(AnalyticsText.percent(rate(3))), Friday \(AnalyticsText.percent(rate(5))); "
                + "illness September \(AnalyticsText.percent(sep)), January \(AnalyticsText.percent(jan)); "
                + "\(p.weekdayPatterns.count) weekday findings, e.g. \(p.weekdayPatterns.first!.words)")
    }

    @Test("cadence lists agree with the engine's rates")
    func cadence() throws {
        let d = day("2026-03-13")
        let w = try #require(F.roll.cadence(.week, asOf: d))
        let ytd = F.counts(DateRange(from: F.year.range.from, to: d))
        for list in w.below {
            let t = Int((list.below * 1000).rounded())
            let want = Set(
                F.school.pupils.indices.filter {
                    ytd[$0].possible > 0 && (ytd[$0].present + ytd[$0].approvedActivity) * 1000 < t * ytd[$0].possible
                }
                .map { F.school.pupils[$0].record.upn })
            #expect(Set(list.pupils.map(\.id)) == want)
            let rates = list.pupils.map { $0.attendanceRate! }
            #expect(rates == rates.sorted())
        }
        let week = F.counts(w.range)
        #expect(
            Set(w.fullAttendance.map(\.id))
                == Set(
                    F.school.pupils.indices.filter {
                        week[$0].possible > 0 && week[$0].present + week[$0].approvedActivity == week[$0].possible
                    }.map { F.school.pupils[$0].record.upn }))
        #expect(
            w.pupilPremiumOrSENDBelow.allSatisfy {
                $0.pupils.allSatisfy { p in
                    let c = F.school.pupils[p.pupil].record.characteristics
                    return c.pupilPremium || c.sen != .none
                }
            })
        let daily = F.roll.daily(d)
        #expect(!daily.absent.isEmpty && !daily.late.isEmpty)
        #expect(daily.absent.allSatisfy { $0.sessionsLostYearToDate == ytd[$0.pupil].absent })
        let league = F.roll.leagueTable(.house, w.range)
        #expect(league.count == 4 && league.first?.rank == 1)
    }

    @Test("early warning: projections in range, the back-test's figures recomputed from each pupil's projection")
    func backTest() throws {
        let d = day("2026-02-13")
        let e = F.through
        let result = F.roll.backTest(standingAt: d, projectTo: e)
        // Recompute each figure from the per-pupil projections and the engine's counts.
        let actual = F.counts(DateRange(from: F.year.range.from, to: e)).map(\.markedOnly)
        var n = 0
        var mae = 0.0
        var brier = 0.0
        var persistent = 0
        var flagged = 0
        var hit = 0
        let all = F.roll.projections(asOf: d, to: e)
        #expect(all[5] == F.roll.projection(pupil: 5, asOf: d, to: e))
        for p in F.roll.pupils.indices {
            let x = all[p]!
            guard x.soFar.possible > 0, actual[p].possible > 0 else { continue }
            let pr = try #require(x.projectedAttendance)
            let prob = try #require(x.persistentProbability)
            #expect(pr >= 0 && pr <= 1 && prob >= 0 && prob <= 1)
            let y = actual[p].isPersistentAbsence
            n += 1
            mae += abs(pr - actual[p].attendanceRate!)
            brier += (prob - (y ? 1 : 0)) * (prob - (y ? 1 : 0))
            if y { persistent += 1 }
            if prob >= 0.5 {
                flagged += 1
                if y { hit += 1 }
            }
        }
        #expect(result.pupils == n)
        #expect(abs(result.meanAbsoluteError - mae / Double(n)) < 1e-12)
        #expect(abs(result.brierScore - brier / Double(n)) < 1e-12)
        #expect(result.persistentAtEnd == persistent && result.flagged == flagged && result.flaggedAndPersistent == hit)
        #expect(result.recall == Double(hit) / Double(persistent))
        #expect(result.calibration.reduce(0) { $0 + $1.pupils } == n)
        // How good it is (loose bounds: the figures go in the report).
        #expect(result.meanAbsoluteError < 0.03)
        #expect(result.meanAbsoluteError < result.naiveMeanAbsoluteError)
        #expect(result.brierScore < result.naiveBrierScore)
        #expect(try #require(result.recall) > 0.7)
        print(
            "back-test standing at \(d), projecting to \(e): \(n) pupils; MAE \(AnalyticsText.percent(result.meanAbsoluteError)) "
                + "(carry-forward \(AnalyticsText.percent(result.naiveMeanAbsoluteError))); Brier \(result.brierScore) (carry-forward \(result.naiveBrierScore)); "
                + "PA at end \(persistent), flagged \(flagged), both \(hit): recall \(result.recall!), precision \(result.precision!); "
                + "newly PA \(result.newlyPersistent), of them flagged \(result.newlyPersistentFlagged)")
        for b in result.calibration {
            print(
                "  calibration \(b.from)-\(b.to): \(b.pupils) pupils, mean p \(b.meanProbability.map { AnalyticsText.percent($0) } ?? "-"), "
                    + "observed \(b.observedShare.map { AnalyticsText.percent($0) } ?? "-")")
        }
        let warnings = F.roll.earlyWarning(asOf: d)
        #expect(warnings.count == F.roll.projections(asOf: d).filter { $0!.soFar.possible + $0!.remainingSessions > 0 }.count)
        let top = try #require(warnings.first)
        #expect(top.persistentProbability == 1 && !top.reasons.isEmpty)
        let probs = warnings.map { $0.persistentProbability ?? -1 }
        #expect(probs == probs.sorted(by: >))
        let example = try #require(
            warnings.first { $0.persistentProbability! < 0.9 && $0.persistentProbability! > 0.3 && !$0.reasons.isEmpty })
        print(
            "e.g. \(example.id): so far \(AnalyticsText.percent(example.soFar.attendanceRate!)), projected \(AnalyticsText.percent(example.projectedAttendance!)), "
                + "P(PA) \(AnalyticsText.percent(example.persistentProbability!)): \(example.reasons.joined(separator: "; "))")
    }
}
