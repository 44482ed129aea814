import Testing

@testable import RollbookCore

private func day(_ s: String) -> LocalDate {
    guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
    return d
}

private let year = AcademicYear(startYear: 2025)

/// Autumn 2025 only: half term 27-31 October, a closure on Friday 12 September, a PM-only closure on
/// Wednesday 17 September, the whole school closed 17-21 November, reception closed 6-10 October,
/// and the term ending on Wednesday 17 December.
private let autumn = SchoolCalendar(entries: [
    CalendarEntry(start: day("2025-09-01"), end: day("2025-10-24"), kind: .term),
    CalendarEntry(start: day("2025-11-03"), end: day("2025-12-17"), kind: .term),
    CalendarEntry(start: day("2025-09-12"), end: day("2025-09-12"), kind: .closure),
    CalendarEntry(start: day("2025-09-17"), end: day("2025-09-17"), kind: .closurePM),
    CalendarEntry(start: day("2025-11-17"), end: day("2025-11-21"), kind: .closure),
    CalendarEntry(start: day("2025-10-06"), end: day("2025-10-10"), kind: .closure, yearGroups: ["R"]),
])

private let asOf = day("2025-10-01")  // a Wednesday: its registers are not yet taken

private func enrolment(_ from: String = "2025-09-01", yearGroup: String = "7") -> Enrolment {
    Enrolment(startingDay: day(from), leavingDay: nil, yearGroup: yearGroup, yearGroupYear: year)
}

/// A year's array: present on every session open for the pupil while on roll, up to the day before `asOf`, then the overrides.
private func marks(_ e: Enrolment, _ overrides: [(String, Session, AttendanceCode)] = []) -> SessionArray {
    var a = SessionArray(covering: year.range)
    var d = year.range.from
    let g = e.yearGroup(in: year)
    while d < asOf {
        for s in Session.allCases where e.isOnRoll(d) && autumn.isOpen(d, s, yearGroup: g) { a[d, s] = s == .am ? .presentAM : .presentPM }
        d = d.adding(days: 1)
    }
    for (d, s, c) in overrides { a[day(d), s] = c }
    return a
}

private let overrides: [(String, Session, AttendanceCode)] = [
    ("2025-09-08", .am, .i), ("2025-09-08", .pm, .i),
    ("2025-09-09", .am, .late),
    ("2025-09-10", .am, .n),
    ("2025-09-11", .am, .b),
    ("2025-09-15", .am, .d),
    ("2025-10-03", .am, .m),  // recorded ahead: a medical appointment on Friday
]

private func cell(_ g: PupilYearGrid, _ date: String, _ s: Session) -> PupilYearGrid.Cell? {
    let d = day(date)
    return g.weeks.first { $0.weekStart == d.weekStart }?.cell(weekday: d.weekday, s)
}

@Suite("A pupil's year: calendar grid, weekly series, lateness")
struct PupilYearTests {
    let pupil = enrolment()
    var grid: PupilYearGrid { PupilYearGrid(year: year, marks: marks(pupil, overrides), enrolment: pupil, calendar: autumn, asOf: asOf) }

    @Test("rows are the school weeks: half term and a week closed throughout are left out")
    func rows() {
        let mondays = grid.weeks.map(\.weekStart.iso)
        #expect(
            mondays == [
                "2025-09-01", "2025-09-08", "2025-09-15", "2025-09-22", "2025-09-29", "2025-10-06", "2025-10-13",
                "2025-10-20", "2025-11-03", "2025-11-10", "2025-11-24", "2025-12-01", "2025-12-08", "2025-12-15",
            ])
        #expect(grid.weeks.allSatisfy { $0.cells.count == 10 })
        let first = grid.weeks[0].cells
        #expect(
            first.map(\.date.iso) == [
                "2025-09-01", "2025-09-01", "2025-09-02", "2025-09-02", "2025-09-03", "2025-09-03",
                "2025-09-04", "2025-09-04", "2025-09-05", "2025-09-05",
            ])
        #expect(first.map(\.session) == [.am, .pm, .am, .pm, .am, .pm, .am, .pm, .am, .pm])
        #expect(PupilYearGrid.schoolWeeks(year: AcademicYear(startYear: 2026), calendar: autumn).isEmpty)
    }

    @Test("marks show their code and category; L is late")
    func markedCells() throws {
        let g = grid
        let present = try #require(cell(g, "2025-09-01", .am))
        #expect(present.state == .marked(.presentAM) && present.category == .present && present.symbol == "/")
        #expect(cell(g, "2025-09-08", .pm)?.category == .authorised)
        let late = try #require(cell(g, "2025-09-09", .am))
        #expect(late.category == .late && late.symbol == "L")
        #expect(late.summary == "Tuesday 9 September 2025 AM: L – Late, arrived before the register closed")
        #expect(cell(g, "2025-09-10", .am)?.category == .unauthorised)
        #expect(cell(g, "2025-09-11", .am)?.category == .activity)
        #expect(cell(g, "2025-09-15", .am)?.category == .notpossible)
    }

    @Test("a closure day, a PM-only closure and a holiday weekday show closed; only closures are #")
    func closedCells() throws {
        let g = grid
        for s in Session.allCases {
            let c = try #require(cell(g, "2025-09-12", s))
            #expect(c.state == .closed && c.category == .closed && c.symbol == "#")
        }
        #expect(cell(g, "2025-09-17", .am)?.state == .marked(.presentAM))
        let pm = try #require(cell(g, "2025-09-17", .pm))
        #expect(pm.state == .closed && pm.symbol == "#")
        #expect(pm.summary == "Wednesday 17 September 2025 PM: # – School closed")
        // Term ends on Wednesday 17 December: Thursday and Friday are holiday, closed but not a planned closure.
        let holiday = try #require(cell(g, "2025-12-18", .am))
        #expect(holiday.state == .closed && holiday.symbol == "" && holiday.summary == "Thursday 18 December 2025 AM: School closed")
    }

    @Test("today unmarked, future after as-of, and a mark recorded ahead")
    func unmarkedAndFuture() {
        let g = grid
        #expect(cell(g, "2025-09-30", .pm)?.state == .marked(.presentPM))
        #expect(cell(g, "2025-10-01", .am)?.state == .notYetMarked)
        #expect(cell(g, "2025-10-01", .pm)?.category == .unmarked)
        #expect(cell(g, "2025-10-02", .am)?.state == .future)
        #expect(cell(g, "2025-10-03", .am)?.state == .marked(.m))
        #expect(cell(g, "2025-10-03", .pm)?.category == .future)
        #expect(cell(g, "2025-12-17", .pm)?.category == .future)
    }

    @Test("a pupil starting mid-year is not on roll before the starting day")
    func startingMidYear() {
        let e = enrolment("2025-09-24")
        let g = PupilYearGrid(year: year, marks: marks(e), enrolment: e, calendar: autumn, asOf: asOf)
        #expect(g.weeks.count == 14)
        #expect(cell(g, "2025-09-01", .am)?.state == .notOnRoll)
        #expect(cell(g, "2025-09-12", .am)?.category == .notonroll)
        #expect(cell(g, "2025-09-23", .pm)?.category == .notonroll)
        #expect(cell(g, "2025-09-24", .am)?.state == .marked(.presentAM))
        #expect(cell(g, "2025-10-01", .am)?.state == .notYetMarked)
    }

    @Test("the grid's cells up to as-of tally to the engine's counts")
    func gridAgreesWithEngine() {
        let engine = StatisticsEngine(calendar: autumn)
        for e in [pupil, enrolment("2025-09-24"), enrolment(yearGroup: "R")] {
            let m = marks(e, overrides)
            let g = PupilYearGrid(year: year, marks: m, enrolment: e, calendar: autumn, asOf: asOf)
            var tally: [SessionCategory: Int] = [:]
            for w in g.weeks { for c in w.cells where c.date <= asOf { tally[c.category, default: 0] += 1 } }
            let counts = engine.counts(m, enrolment: e, range: DateRange(from: year.range.from, to: asOf))
            #expect((tally[.present] ?? 0) + (tally[.late] ?? 0) == counts.present)
            #expect((tally[.activity] ?? 0) == counts.approvedActivity)
            #expect((tally[.authorised] ?? 0) == counts.authorised)
            #expect((tally[.unauthorised] ?? 0) == counts.unauthorised)
            #expect((tally[.unmarked] ?? 0) == counts.unmarked)
            #expect(tally[.future] == nil)
        }
    }

    @Test("the legend lists every category once with a label")
    func legend() {
        #expect(PupilYearGrid.legend.map(\.category) == SessionCategory.allCases)
        #expect(
            PupilYearGrid.legend.map(\.category.rawValue) == [
                "present", "late", "activity", "authorised", "unauthorised",
                "notpossible", "closed", "notonroll", "unmarked", "future",
            ])
        #expect(PupilYearGrid.legend.allSatisfy { !$0.label.isEmpty })
        #expect(Set(PupilYearGrid.legend.map(\.label)).count == SessionCategory.allCases.count)
    }

    @Test("weekly counts sum to the engine's figures for the range, and year to date runs on")
    func weeklySeriesAgreesWithEngine() throws {
        let engine = StatisticsEngine(calendar: autumn)
        let m = marks(pupil, overrides)
        let range = DateRange(from: year.range.from, to: asOf)
        let series = WeeklyAttendance.series(year: year, marks: m, enrolment: pupil, calendar: autumn, range: range)
        #expect(series.map(\.weekStart.iso) == ["2025-09-01", "2025-09-08", "2025-09-15", "2025-09-22", "2025-09-29"])
        let total = series.reduce(SessionCounts()) { $0 + $1.counts }
        #expect(total == engine.counts(m, enrolment: pupil, range: range))
        #expect(series.last?.yearToDate == total)
        // Week of 8 September: Friday closed, so 8 possible; 2 I, 1 N, B and L attend.
        let w = series[1]
        #expect(w.possible == 8 && w.attended == 5 && w.authorised == 2 && w.unauthorised == 1)
        #expect(w.attendanceRate == 5.0 / 8.0)
        #expect(w.yearToDateRate == 15.0 / 18.0)
        // Week of 15 September: D is not possible and Wednesday PM closed, so 8 possible, all attended.
        #expect(series[2].possible == 8 && series[2].attendanceRate == 1)
        // The last week stops at as-of: Monday and Tuesday present, Wednesday unmarked but possible.
        #expect(series[4].range == DateRange(from: day("2025-09-29"), to: asOf))
        #expect(series[4].possible == 6 && series[4].counts.unmarked == 2 && series[4].attended == 4)
        for (i, w) in series.enumerated() {
            let ytd = engine.counts(m, enrolment: pupil, range: DateRange(from: year.range.from, to: w.range.to))
            #expect(w.yearToDate == ytd, "week \(i)")
        }
    }

    @Test("a range from mid-year counts year to date from 1 September")
    func seriesFromMidYear() throws {
        let engine = StatisticsEngine(calendar: autumn)
        let m = marks(pupil, overrides)
        let range = DateRange(from: day("2025-09-10"), to: day("2025-09-30"))
        let series = WeeklyAttendance.series(year: year, marks: m, enrolment: pupil, calendar: autumn, range: range)
        #expect(series.first?.range == DateRange(from: day("2025-09-10"), to: day("2025-09-14")))
        #expect(series.reduce(SessionCounts()) { $0 + $1.counts } == engine.counts(m, enrolment: pupil, range: range))
        #expect(series.last?.yearToDate == engine.counts(m, enrolment: pupil, range: DateRange(from: year.range.from, to: range.to)))
    }

    @Test("weeks closed to the whole school are left out; closed to the pupil's year group, kept with possible 0")
    func closedWeeks() {
        let range = DateRange(from: year.range.from, to: day("2025-12-31"))
        let reception = enrolment(yearGroup: "R")
        let series = WeeklyAttendance.series(year: year, marks: marks(reception), enrolment: reception, calendar: autumn, range: range)
        let mondays = series.map(\.weekStart.iso)
        #expect(!mondays.contains("2025-10-27") && !mondays.contains("2025-11-17"))
        #expect(series.count == 14)
        let closedForR = series.first { $0.weekStart == day("2025-10-06") }
        #expect(closedForR?.possible == 0 && closedForR?.attendanceRate == nil)
        #expect(closedForR?.yearToDate == series.first { $0.weekStart == day("2025-09-29") }?.yearToDate)
        // The grid shows that week as planned closures for reception.
        let g = PupilYearGrid(year: year, marks: marks(reception), enrolment: reception, calendar: autumn, asOf: asOf)
        let week = g.weeks.first { $0.weekStart == day("2025-10-06") }
        #expect(week?.cells.allSatisfy { $0.state == .closed && $0.symbol == "#" } == true)
        // A pupil starting mid-year has possible 0 and no rate before the starting day.
        let late = enrolment("2025-09-24")
        let s2 = WeeklyAttendance.series(
            year: year, marks: marks(late), enrolment: late, calendar: autumn, range: DateRange(from: year.range.from, to: asOf))
        #expect(s2.prefix(3).allSatisfy { $0.possible == 0 && $0.attendanceRate == nil && $0.yearToDateRate == nil })
        #expect(s2[3].possible == 6 && s2[3].attendanceRate == 1)
    }

    @Test("a range outside the year gives no weeks")
    func emptySeries() {
        let m = marks(pupil)
        #expect(
            WeeklyAttendance.series(
                year: year, marks: m, enrolment: pupil, calendar: autumn,
                range: DateRange(from: day("2026-09-01"), to: day("2026-12-01"))
            ).isEmpty)
        #expect(
            WeeklyAttendance.series(
                year: year, marks: m, enrolment: pupil, calendar: autumn,
                range: DateRange(from: day("2025-10-27"), to: day("2025-10-31"))
            ).isEmpty)
    }

    @Test("lateness totals land in the right weeks")
    func lateness() {
        let range = DateRange(from: day("2025-09-03"), to: asOf)
        let series = WeeklyAttendance.series(year: year, marks: marks(pupil, overrides), enrolment: pupil, calendar: autumn, range: range)
        let arrivals: [(date: LocalDate, minutesLate: Int)] = [
            (day("2025-09-09"), 12), (day("2025-09-11"), 40), (day("2025-09-14"), 1),  // a Sunday still falls in its week
            (day("2025-09-22"), 5),
            (day("2025-09-01"), 30),  // before the range: its week is counted from 3 September
            (day("2025-10-02"), 9),  // after the range
            (day("2025-10-28"), 7),  // half term
        ]
        let totals = WeeklyLateness.totals(arrivals, in: series)
        #expect(totals.map(\.weekStart) == series.map(\.weekStart))
        #expect(totals.map(\.count) == [0, 3, 0, 1, 0])
        #expect(totals.map(\.minutes) == [0, 53, 0, 5, 0])
        #expect(WeeklyLateness.totals([], in: series).allSatisfy { $0.count == 0 && $0.minutes == 0 })
    }
}
