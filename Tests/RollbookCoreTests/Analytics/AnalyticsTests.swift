import Testing

@testable import RollbookCore

// The analytics engine on small rolls built by hand: every figure below is worked out in the comments.

private func day(_ s: String) -> LocalDate {
    guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
    return d
}

private let year2025 = AcademicYear(startYear: 2025)

/// A marks book for one pupil from 1 September 2025 to 31 December 2025.
private struct Book {
    var marks = SessionArray(covering: DateRange(from: day("2025-09-01"), to: day("2025-12-31")))
    /// Sets AM and PM by symbol ("-" leaves a session unmarked).
    mutating func set(_ date: String, _ am: String, _ pm: String) {
        let d = day(date)
        marks[d, .am] = am == "-" ? nil : AttendanceCode.lookup(am)!
        marks[d, .pm] = pm == "-" ? nil : AttendanceCode.lookup(pm)!
    }
    /// Every weekday from `from` to `to` present, AM and PM (closed days are ignored by the engine anyway).
    mutating func present(_ from: String, _ to: String) {
        var d = day(from)
        while d <= day(to) {
            if !d.isWeekend {
                marks[d, .am] = .presentAM
                marks[d, .pm] = .presentPM
            }
            d = d.adding(days: 1)
        }
    }
}

private func pupil(
    _ id: String, _ yearGroup: String, form: String, house: String, sex: String, start: String = "2025-09-01",
    leave: String? = nil, _ edit: (inout Characteristics) -> Void = { _ in }
) -> AnalyticsPupil {
    var c = Characteristics()
    edit(&c)
    return AnalyticsPupil(
        id: id, name: id,
        enrolment: Enrolment(
            startingDay: day(start), leavingDay: leave.map(day), yearGroup: yearGroup,
            yearGroupYear: year2025),
        form: form, house: house, sex: sex, characteristics: c)
}

/// Two half terms: 1 Sep - 17 Oct (7 school weeks) and 27 Oct - 19 Dec (8 school weeks); INSET on Friday 5 September;
/// Year 1 closed on the afternoon of Wednesday 10 September.
private let calendar = SchoolCalendar(entries: [
    CalendarEntry(start: day("2025-09-01"), end: day("2025-10-17"), kind: .term),
    CalendarEntry(start: day("2025-10-27"), end: day("2025-12-19"), kind: .term),
    CalendarEntry(start: day("2025-09-05"), end: day("2025-09-05"), kind: .inset),
    CalendarEntry(start: day("2025-09-10"), end: day("2025-09-10"), kind: .closurePM, yearGroups: ["1"]),
])

/// Week 1 (1-5 September; Friday is INSET):
/// - Ann (Y1, 1A, Red, F, FSM and pupil premium): / \ | I I | L(10 min) \ | / O -> possible 8, present 5, authorised 2,
///   unauthorised 1: absence 3/8, persistent, not severe.
/// - Ben (Y2, 2B, Blue, M, SEN support): / \ | / \ | D \ | V - -> D is not possible, Thursday PM unmarked: possible 7,
///   present 5, activity 1, unmarked 1.
/// - Cal (Y1, 1A, Blue, M), on roll from Wednesday: (/ \ | / \ ignored) | G G | G N -> possible 4, unauthorised 4: severe.
/// - Dee (Y1, 1A, Red, F), left on Tuesday: / \ | M \ | (/ \ ignored) -> possible 4, present 3, authorised 1: persistent.
/// - Eve (Y2, 2B, Red, F), on roll from 1 October: nothing in week 1.
/// - Hal (Y2, 2C, Green, M), on roll from 8 September.
/// From week 2 everyone on roll is present, except Cal ill on Thursday 11 September AM.
private func tinyInputs() -> [(pupil: AnalyticsPupil, marks: SessionArray, lateness: [(date: LocalDate, session: Session, minutes: Int)])] {
    var ann = Book()
    var ben = Book()
    var cal = Book()
    var dee = Book()
    var eve = Book()
    var hal = Book()
    ann.set("2025-09-01", "/", "\\")
    ann.set("2025-09-02", "I", "I")
    ann.set("2025-09-03", "L", "\\")
    ann.set("2025-09-04", "/", "O")
    ben.set("2025-09-01", "/", "\\")
    ben.set("2025-09-02", "/", "\\")
    ben.set("2025-09-03", "D", "\\")
    ben.set("2025-09-04", "V", "-")
    cal.set("2025-09-01", "/", "\\")
    cal.set("2025-09-02", "/", "\\")
    cal.set("2025-09-03", "G", "G")
    cal.set("2025-09-04", "G", "N")
    dee.set("2025-09-01", "/", "\\")
    dee.set("2025-09-02", "M", "\\")
    dee.set("2025-09-03", "/", "\\")
    ann.present("2025-09-08", "2025-12-19")
    ben.present("2025-09-08", "2025-12-19")
    cal.present("2025-09-08", "2025-12-19")
    eve.present("2025-10-01", "2025-12-19")
    hal.present("2025-09-08", "2025-12-19")
    cal.set("2025-09-11", "I", "\\")
    return [
        (
            pupil("Ann", "1", form: "1A", house: "Red", sex: "F") {
                $0.freeSchoolMeals = true
                $0.pupilPremium = true
            }, ann.marks,
            [(day("2025-09-03"), .am, 10)]
        ),
        (pupil("Ben", "2", form: "2B", house: "Blue", sex: "M") { $0.sen = .senSupport }, ben.marks, []),
        (pupil("Cal", "1", form: "1A", house: "Blue", sex: "M", start: "2025-09-03"), cal.marks, []),
        (pupil("Dee", "1", form: "1A", house: "Red", sex: "F", leave: "2025-09-02"), dee.marks, []),
        (pupil("Eve", "2", form: "2B", house: "Red", sex: "F", start: "2025-10-01"), eve.marks, []),
        (pupil("Hal", "2", form: "2C", house: "Green", sex: "M", start: "2025-09-08"), hal.marks, []),
    ]
}

private func tinyRoll() -> AnalyticsRoll {
    var roll = AnalyticsRoll(calendar: calendar, year: year2025)
    for x in tinyInputs() { roll.append(x.pupil, marks: x.marks, lateness: x.lateness) }
    return roll
}

private let week1 = DateRange(from: day("2025-09-01"), to: day("2025-09-07"))
private let week2 = DateRange(from: day("2025-09-08"), to: day("2025-09-14"))

private func stats(
    possible: Int, present: Int, activity: Int = 0, authorised: Int = 0, unauthorised: Int = 0, unmarked: Int = 0,
    pupils: Int, pa: Int, sa: Int
) -> GroupStatistics {
    var g = GroupStatistics()
    g.sessions = SessionCounts(
        possible: possible, present: present, approvedActivity: activity, authorised: authorised,
        unauthorised: unauthorised, unmarked: unmarked)
    g.pupils = pupils
    g.persistentAbsence = pa
    g.severeAbsence = sa
    return g
}

@Suite("Analytics: the roll's layout")
struct AnalyticsRollTests {
    @Test("school days, weeks and the bytes kept per pupil")
    func layout() {
        let roll = tinyRoll()
        // 7 + 8 school weeks of 5 days, less the INSET day: 74 school days, 148 bytes a pupil.
        #expect(roll.schoolDays.count == 74)
        #expect(roll.stride == 148)
        #expect(roll.weekStarts.count == 15)
        #expect(roll.weekStarts.first == day("2025-09-01") && roll.weekStarts.last == day("2025-12-15"))
        #expect(roll.sessionBytes.count == 6 * 148)
        #expect(roll.dayIndex(day("2025-09-05")) == nil, "INSET is not a school day")
        #expect(roll.dayIndex(day("2025-09-08")) == 4)
        #expect(roll.dayRange(week1) == 0..<4)
        #expect(roll.dayRange(DateRange(from: day("2025-08-01"), to: day("2025-09-02"))) == 0..<2, "clamped to the year")
        #expect(roll.dayRange(DateRange(from: day("2025-10-18"), to: day("2025-10-26"))).isEmpty, "half-term holiday")
        // Off roll and closed sessions hold the sentinel; marks on them are not kept.
        let cal = 2
        let ann = 0
        #expect(roll.sessionBytes[cal * 148] == AnalyticsRoll.notCounted, "Cal was not on roll on Monday")
        #expect(roll.code(pupil: cal, day("2025-09-03"), .am) == .g)
        #expect(roll.code(pupil: ann, day("2025-09-10"), .pm) == nil, "Year 1 closed on Wednesday 10 September PM")
        #expect(roll.sessionBytes[ann * 148 + 2 * 6 + 1] == AnalyticsRoll.notCounted)
        #expect(roll.minutesLate[ann * 148 + 2 * 2] == 10, "Ann's 10 minutes late on Wednesday AM")
        #expect(roll.pupils[0].yearGroup == "1")
    }

    @Test("a year group moves on a year when the roll is for the next academic year")
    func yearGroupInTheRollsYear() {
        var roll = AnalyticsRoll(calendar: calendar, year: AcademicYear(startYear: 2026))
        roll.append(pupil("Ann", "1", form: "1A", house: "Red", sex: "F"), marks: Book().marks)
        #expect(roll.pupils[0].yearGroup == "2")
        #expect(roll.schoolDays.isEmpty, "the calendar has no 2026/27 terms")
        #expect(roll.overview(AcademicYear(startYear: 2026).range).pupils == 0)
    }

    @Test("replacing a pupil's marks after a write to the register")
    func replace() {
        var roll = tinyRoll()
        var b = Book()
        b.present("2025-09-01", "2025-12-19")
        b.set("2025-09-04", "I", "I")
        b.set("2025-09-08", "L", "\\")
        // Cal again: still on roll from Wednesday 3 September, so Monday and Tuesday stay not counted.
        roll.replace(pupil: 2, marks: b.marks, lateness: [(day("2025-09-08"), .am, 40)])
        #expect(
            roll.counts(pupil: 2, range: week1)
                == SessionCounts(possible: 4, present: 2, approvedActivity: 0, authorised: 2, unauthorised: 0))
        #expect(roll.sessionBytes[2 * 148] == AnalyticsRoll.notCounted)
        #expect(roll.patterns(week2).lateness.buckets.map(\.late) == [0, 0, 0, 0, 1, 0])
        #expect(roll.count == 6 && roll.groups == tinyRoll().groups)
    }

    @Test("an empty roll, and a calendar with no school days, give empty reports")
    func empty() {
        let roll = AnalyticsRoll(calendar: calendar, year: year2025)
        let report = roll.fullYearReport()
        #expect(report.overview.pupils == 0 && report.overview.pupilsSelected == 0 && report.cohorts.isEmpty && report.penalty.isEmpty)
        #expect(report.overview.weeks.count == 15 && report.overview.attendanceRate == nil)
        #expect(roll.patterns(year2025.range).codeTotals.isEmpty)
        #expect(roll.earlyWarning(asOf: day("2025-10-01")).isEmpty)
        #expect(roll.backTest(standingAt: day("2025-10-01"), projectTo: day("2025-12-01")).pupils == 0)
        var none = AnalyticsRoll(calendar: SchoolCalendar(entries: []), year: year2025)
        none.append(pupil("Ann", "1", form: "1A", house: "Red", sex: "F"), marks: Book().marks)
        #expect(none.stride == 0)
        let r = none.fullYearReport()
        #expect(r.overview.pupilsSelected == 1 && r.overview.pupils == 0 && r.overview.weeks.isEmpty)
        #expect(r.cohorts.first?.membersSelected == 1)
        #expect(none.daily(day("2025-10-01")).absent.isEmpty)
        #expect(none.projections(asOf: day("2025-10-01")).first??.remainingSessions == 0)
    }

    @Test("each pupil's counts are the statistics engine's")
    func countsAgreeWithEngine() {
        let roll = tinyRoll()
        let engine = StatisticsEngine(calendar: calendar)
        // The original marks, with Cal's before he joined and Dee's after she left: the engine leaves them out too.
        let books = tinyInputs().map(\.marks)
        for range in [
            week1, week2, DateRange(from: day("2025-09-01"), to: day("2025-12-31")),
            DateRange(from: day("2025-09-03"), to: day("2025-11-20")),
        ] {
            for p in roll.pupils.indices {
                #expect(
                    roll.counts(pupil: p, range: range) == engine.counts(books[p], enrolment: roll.pupils[p].enrolment, range: range),
                    "\(roll.pupils[p].id) \(range)")
            }
        }
        // By hand for week 1.
        #expect(
            roll.counts(pupil: 0, range: week1)
                == SessionCounts(possible: 8, present: 5, approvedActivity: 0, authorised: 2, unauthorised: 1))
        #expect(
            roll.counts(pupil: 1, range: week1)
                == SessionCounts(possible: 7, present: 5, approvedActivity: 1, authorised: 0, unauthorised: 0, unmarked: 1))
        #expect(
            roll.counts(pupil: 2, range: week1)
                == SessionCounts(possible: 4, present: 0, approvedActivity: 0, authorised: 0, unauthorised: 4))
        #expect(
            roll.counts(pupil: 3, range: week1)
                == SessionCounts(possible: 4, present: 3, approvedActivity: 0, authorised: 1, unauthorised: 0))
        #expect(roll.counts(pupil: 4, range: week1) == SessionCounts())
    }
}

@Suite("Analytics: overview and cohorts by hand")
struct AnalyticsOverviewTests {
    @Test("week 1: sessions, rates, pupils, persistent and severe absence")
    func overviewWeek1() {
        let o = tinyRoll().overview(week1)
        // possible 8 + 7 + 4 + 4 = 23; present 5 + 5 + 0 + 3 = 13; activity 1; authorised 2 + 1 = 3; unauthorised 1 + 4 = 5; unmarked 1.
        #expect(
            o.statistics
                == stats(possible: 23, present: 13, activity: 1, authorised: 3, unauthorised: 5, unmarked: 1, pupils: 4, pa: 3, sa: 1))
        #expect(o.attendanceRate == 14.0 / 23.0)
        #expect(o.absenceRate == 8.0 / 23.0)
        #expect(o.authorisedAbsenceRate == 3.0 / 23.0)
        #expect(o.unauthorisedAbsenceRate == 5.0 / 23.0)
        #expect(o.persistentAbsenceRate == 0.75)
        #expect(o.severeAbsenceRate == 0.25)
        #expect(o.pupilsSelected == 6)
        #expect(o.range == DateRange(from: day("2025-09-01"), to: day("2025-09-07")))
        #expect(o.weeks.count == 1)
        #expect(o.weeks[0].counts == o.sessions && o.weeks[0].yearToDate == o.sessions)
    }

    @Test("weekly trend: each week and the year to date, for a range starting mid-week")
    func trend() {
        let o = tinyRoll().overview(DateRange(from: day("2025-09-04"), to: day("2025-09-12")))
        #expect(o.weeks.map(\.weekStart) == [day("2025-09-01"), day("2025-09-08")])
        // Thursday 4 September: Ann / O, Ben V -, Cal G N: possible 6, present 1, activity 1, unauthorised 3, unmarked 1.
        #expect(o.weeks[0].range == DateRange(from: day("2025-09-04"), to: day("2025-09-07")))
        #expect(
            o.weeks[0].counts == SessionCounts(possible: 6, present: 1, approvedActivity: 1, authorised: 0, unauthorised: 3, unmarked: 1))
        // The year to date still starts on 1 September.
        #expect(
            o.weeks[0].yearToDate
                == SessionCounts(possible: 23, present: 13, approvedActivity: 1, authorised: 3, unauthorised: 5, unmarked: 1))
        // Week 2 to Friday: Ann 9 (Year 1 closed Wednesday PM), Ben 10, Cal 9 with one I, Hal 10: possible 38, present 37.
        #expect(o.weeks[1].counts == SessionCounts(possible: 38, present: 37, approvedActivity: 0, authorised: 1, unauthorised: 0))
        #expect(o.weeks[1].yearToDate.possible == 61)
        #expect(o.weeks[1].yearToDateRate == 51.0 / 61.0)
        #expect(o.sessions.possible == 44)
    }

    @Test("filters: a year group, a characteristic, combinations")
    func filters() {
        let roll = tinyRoll()
        let y1 = roll.overview(week1, filter: .yearGroup("1"))
        #expect(y1.statistics == stats(possible: 16, present: 8, authorised: 3, unauthorised: 5, pupils: 3, pa: 3, sa: 1))
        #expect(y1.pupilsSelected == 3)
        let notY1 = roll.overview(week1, filter: .not(.yearGroup("1")))
        #expect(notY1.statistics == stats(possible: 7, present: 5, activity: 1, unmarked: 1, pupils: 1, pa: 0, sa: 0))
        #expect(
            roll.overview(week1, filter: .allOf([.house("Red"), .sex("F")])).statistics
                == stats(possible: 12, present: 8, authorised: 3, unauthorised: 1, pupils: 2, pa: 2, sa: 0))
        #expect(roll.overview(week1, filter: .pupilPremiumOrSEND).pupils == 2)
        #expect(roll.overview(week1, filter: .characteristic("no_such_thing")).pupilsSelected == 0)
        #expect(
            roll.overview(week1, filter: .pupils([2])).statistics
                == stats(possible: 4, present: 0, unauthorised: 4, pupils: 1, pa: 1, sa: 1))
    }

    @Test("cohorts: each group against the rest, with selected counts")
    func cohorts() {
        let rows = tinyRoll().cohorts(week1)
        func row(_ g: AnalyticsGroup) -> CohortComparison? { rows.first { $0.group == g } }
        let y1 = row(.yearGroup("1"))
        #expect(y1?.members == stats(possible: 16, present: 8, authorised: 3, unauthorised: 5, pupils: 3, pa: 3, sa: 1))
        #expect(y1?.rest == stats(possible: 7, present: 5, activity: 1, unmarked: 1, pupils: 1, pa: 0, sa: 0))
        #expect(y1?.membersSelected == 3 && y1?.restSelected == 3)
        // House Blue: Ben and Cal.
        #expect(
            row(.house("Blue"))?.members
                == stats(possible: 11, present: 5, activity: 1, unauthorised: 4, unmarked: 1, pupils: 2, pa: 1, sa: 1))
        // FSM: Ann alone, a cohort of one.
        let fsm = row(.characteristic("fsm"))
        #expect(fsm?.members == stats(possible: 8, present: 5, authorised: 2, unauthorised: 1, pupils: 1, pa: 1, sa: 0))
        #expect(fsm?.membersSelected == 1)
        #expect(fsm?.rest.persistentAbsence == 2)
        // Form 2C (Hal) has no possible session in week 1 but is still listed, with its pupil.
        #expect(row(.form("2C"))?.members.pupils == 0 && row(.form("2C"))?.membersSelected == 1)
        #expect(row(.characteristic("sen"))?.members.sessions.possible == 7)
        #expect(row(.characteristic("ehcp")) == nil, "no pupil has an EHC plan")
        // Order: year groups, forms, houses, sexes, ethnicities, characteristics.
        #expect(
            rows.map(\.group) == [
                .yearGroup("1"), .yearGroup("2"), .form("1A"), .form("2B"), .form("2C"), .house("Blue"), .house("Green"),
                .house("Red"), .sex("F"), .sex("M"), .characteristic("sen_support"), .characteristic("sen"),
                .characteristic("fsm"), .characteristic("pupil_premium"),
            ])
    }

    @Test("natural order of forms: 7B before 10A")
    func naturalOrder() {
        #expect(AnalyticsText.naturalLess("7B", "10A"))
        #expect(!AnalyticsText.naturalLess("10A", "7B"))
        #expect(AnalyticsText.naturalLess("10A", "10B"))
        #expect(
            AnalyticsText.naturalLess("7", "07A") && AnalyticsText.naturalLess("07", "7"), "equal numbers: shorter first, then plain text")
        #expect(!AnalyticsText.naturalLess("Heron", "Heron"))
        #expect(["Y10", "Y9", "Y10B", "X", "Y09"].sorted(by: AnalyticsText.naturalLess) == ["X", "Y09", "Y9", "Y10", "Y10B"])
        #expect(AnalyticsGroup.yearGroup("R") < .yearGroup("1"))
        #expect(AnalyticsText.percent(0.96249) == "96.2%" && AnalyticsText.percent(1) == "100.0%")
    }
}

@Suite("Analytics: the penalty-threshold scan")
struct AnalyticsPenaltyTests {
    /// Fay: O on Monday 1 Sep (2), Tue 30 Sep and Wed 1 Oct (4), Mon 17 and Tue 18 Nov (4), Mon 24 Nov (2): 12 sessions.
    /// School weeks 1..15 are 1 Sep ... 15 Dec (holiday 20-24 Oct skipped). Windows of 10 school weeks:
    /// weeks 1-10 hold 6, 2-11 hold 8, 3-12 hold 10: the threshold is first reached in week 12 (24 Nov).
    /// Gus: O on 9 sessions only.
    func roll() -> AnalyticsRoll {
        var r = AnalyticsRoll(calendar: calendar, year: year2025)
        var fay = Book()
        var gus = Book()
        fay.present("2025-09-01", "2025-12-19")
        gus.present("2025-09-01", "2025-12-19")
        for d in ["2025-09-01", "2025-09-30", "2025-10-01", "2025-11-17", "2025-11-18", "2025-11-24"] { fay.set(d, "O", "O") }
        for d in ["2025-09-08", "2025-09-09", "2025-09-10", "2025-09-11"] { gus.set(d, "G", "G") }
        gus.set("2025-09-12", "N", "\\")
        r.append(pupil("Fay", "2", form: "2B", house: "Red", sex: "F"), marks: fay.marks)
        r.append(pupil("Gus", "2", form: "2B", house: "Red", sex: "M"), marks: gus.marks)
        return r
    }

    @Test("reached in a rolling window of 10 school weeks, with the window and the week it was first reached")
    func reached() {
        let found = roll().penaltyScan(DateRange(from: day("2025-09-01"), to: day("2025-12-31")))
        #expect(found.count == 1)
        let f = found[0]
        #expect(f.id == "Fay" && f.pupil == 0)
        #expect(f.maximumSessions == 10)
        #expect(f.firstReachedWeek == day("2025-11-24"))
        #expect(f.maximumWindow == DateRange(from: day("2025-09-15"), to: day("2025-11-30")))
        #expect(f.sessionsInRange == 12)
    }

    @Test("only sessions in the range count")
    func rangeCuts() {
        // From Wednesday 1 October Fay has 2 + 4 + 2 = 8 sessions: below the threshold.
        #expect(roll().penaltyScan(DateRange(from: day("2025-10-01"), to: day("2025-12-31"))).isEmpty)
        // A tighter rule: 9 sessions in 2 school weeks finds Gus (9 in week 2).
        let g = roll().penaltyScan(
            DateRange(from: day("2025-09-01"), to: day("2025-12-31")), rule: PenaltyRule(thresholdSessions: 9, windowSchoolWeeks: 2))
        #expect(g.map(\.id) == ["Gus"])
        #expect(g.first?.maximumWindow == DateRange(from: day("2025-09-01"), to: day("2025-09-14")))
        #expect(g.first?.firstReachedWeek == day("2025-09-08"))
        #expect(PenaltyRule(Policy.PenaltyNotice(noticeToImprove: .never, improvementSchoolWeeks: nil)) == .national)
    }

    @Test("the full-year report is overview, cohorts and the penalty scan in one pass")
    func fullYearReport() {
        let r = roll()
        let year = DateRange(from: day("2025-09-01"), to: day("2026-08-31"))
        let report = r.fullYearReport()
        #expect(report.overview == r.overview(year))
        #expect(report.cohorts == r.cohorts(year))
        #expect(report.penalty == r.penaltyScan(year))
        // 74 school days: Fay 148 possible, 12 unauthorised; Gus 148, 9.
        #expect(report.overview.statistics == stats(possible: 296, present: 275, unauthorised: 21, pupils: 2, pa: 0, sa: 0))
        #expect(report.overview.weeks.count == 15)
        #expect(report.overview.weeks.last?.yearToDate == report.overview.sessions)
    }

    @Test("the memory-scan baseline sums every byte")
    func baseline() {
        let r = tinyRoll()
        #expect(r.memoryScanBaseline() == r.sessionBytes.reduce(0) { $0 + UInt64($1) })
        #expect(AnalyticsRoll.memoryScanBaseline([1, 2, 3, 250, 7]) == 263)
    }
}

@Suite("Analytics: patterns by hand")
struct AnalyticsPatternTests {
    @Test("week 1: codes, weekday and session, illness by month, lateness, spells")
    func week1Patterns() {
        let p = tinyRoll().patterns(week1, weekdayRule: WeekdayPatternRule(lastN: 8, minAbsent: 1, shareThreshold: nil))
        // Codes on counted sessions: / 2+2+1, \ 2+3+2, L 1, V 1, D 1, M 1, I 2, G 3, O 1, N 1; Ben's Thursday PM unmarked.
        let want: [(AttendanceCode, Int)] = [
            (.presentAM, 5), (.presentPM, 7), (.late, 1), (.v, 1), (.d, 1), (.m, 1), (.i, 2), (.g, 3), (.o, 1), (.n, 1),
        ]
        #expect(p.codeTotals == want.map { CodeCount(code: $0.0, sessions: $0.1) })
        #expect(p.weeks.count == 1 && p.weeks[0].codes == p.codeTotals && p.weeks[0].unmarked == 1)
        // Weekday and session: possible / absent.
        let slots = p.slots.map { "\($0.weekday)\($0.session.rawValue) \($0.possible)/\($0.absent)" }
        #expect(slots == ["1AM 3/0", "1PM 3/0", "2AM 3/2", "2PM 3/1", "3AM 2/1", "3PM 3/1", "4AM 3/1", "4PM 3/2", "5AM 0/0", "5PM 0/0"])
        #expect(p.illnessByMonth == [MonthIllness(year: 2025, month: 9, possible: 23, illness: 2)])
        // Ann's L, 10 minutes late.
        #expect(p.lateness.buckets.map(\.late) == [0, 1, 0, 0, 0, 0])
        #expect(
            p.lateness.buckets.map(\.label) == [
                "1-5 minutes", "6-10 minutes", "11-15 minutes", "16-30 minutes", "31-60 minutes", "over 60 minutes",
            ])
        #expect(p.lateness.late == 1 && p.lateness.afterClose == 0 && p.lateness.lateMinutes == 10)
        // Spells: Ann I I (2) and O (1); Cal G G G N (4); Dee M (1).
        #expect(p.spells.map(\.spells) == [2, 1, 1, 0, 0])
        #expect(p.spells.map(\.sessions) == [2, 2, 4, 0, 0])
        // With "at least 1 of the last 8" every pupil absent on a Friday or Monday would show; none was (Friday was INSET).
        #expect(p.weekdayPatterns.isEmpty)
    }

    @Test("repeated Monday absence, in words")
    func mondays() {
        let r = AnalyticsPenaltyTests().roll()
        // Fay's Mondays in the second half term: absent 17 and 24 November of 27 Oct ... 15 Dec.
        let f = r.weekdayPatterns(
            DateRange(from: day("2025-09-01"), to: day("2025-12-19")),
            rule: WeekdayPatternRule(weekdays: [1], lastN: 8, minAbsent: 2, shareThreshold: nil))
        #expect(f.map(\.words) == ["absent 2 of the last 8 Mondays"])
        #expect(f.first?.kind == .lastWeekdays(weekday: 1, absentDays: 2, ofDays: 8))
        // Share: 6 of Fay's 12 sessions fell on Mondays (1 Sep, 17 and 24 Nov); the 15 Mondays are 30 of 148 possible sessions.
        let s = r.weekdayPatterns(
            DateRange(from: day("2025-09-01"), to: day("2025-12-19")),
            rule: WeekdayPatternRule(weekdays: [1], lastN: 8, minAbsent: 99, shareThreshold: 0.5, minAbsenceSessions: 6))
        #expect(s.map(\.id) == ["Fay"])
        #expect(s.first?.kind == .share(sessions: 6, totalAbsence: 12, expectedShare: 30.0 / 148.0))
        #expect(s.first?.words == "50.0% of absences (6 of 12 sessions) on Mondays, against 20.3% of possible sessions")
        #expect(AnalyticsRoll.pluralWeekdays([1, 4, 5]) == "Mondays, Thursdays and Fridays")
    }
}

@Suite("Analytics: cadence and rewards by hand")
struct AnalyticsCadenceTests {
    @Test("daily: absent today with sessions lost this year, late today")
    func daily() {
        let roll = tinyRoll()
        let tue = roll.daily(day("2025-09-02"))
        #expect(tue.absent.map(\.id) == ["Ann", "Dee"])
        #expect(tue.absent.map(\.sessionsToday) == [2, 1])
        #expect(tue.absent.map(\.sessionsLostYearToDate) == [2, 1])
        #expect(tue.absent.first?.am == .i && tue.absent.first?.pm == .i)
        #expect(tue.late.isEmpty)
        let wed = roll.daily(day("2025-09-03"))
        #expect(wed.absent.map(\.id) == ["Cal"])
        #expect(wed.late.map(\.id) == ["Ann"])
        #expect(wed.late.first?.minutesToday == 10 && wed.late.first?.lateYearToDate == 1 && wed.late.first?.sessionsLostYearToDate == 2)
        #expect(wed.codesToday.first { $0.code == .g }?.sessions == 2)
        // Wednesday: Ann L \, Ben D \, Cal G G: possible 5 (D is not), present 3, unauthorised 2.
        #expect(wed.today.sessions == SessionCounts(possible: 5, present: 3, approvedActivity: 0, authorised: 0, unauthorised: 2))
        #expect(roll.daily(day("2025-09-06")).absent.isEmpty, "a Saturday")
    }

    @Test("weekly: 100% this week, below 90/80/50 and PP or SEND below 95/90/80 for the year to date")
    func weekly() throws {
        let w = try #require(tinyRoll().cadence(.week, asOf: day("2025-09-12")))
        #expect(w.range == DateRange(from: day("2025-09-08"), to: day("2025-09-12")))
        #expect(w.yearToDate == DateRange(from: day("2025-09-01"), to: day("2025-09-12")))
        #expect(w.basis == .yearToDate)
        #expect(w.fullAttendance.map(\.id) == ["Ann", "Ben", "Hal"])
        // Year to date: Ann 14/17 (82.4%), Ben 16/17 (94.1%), Cal 8/13 (61.5%), Dee 3/4 (75%), Hal 10/10.
        #expect(w.below.map(\.below) == [0.9, 0.8, 0.5])
        #expect(w.below.map { $0.pupils.map(\.id) } == [["Cal", "Dee", "Ann"], ["Cal", "Dee"], []])
        #expect(w.below[0].pupils.map(\.counts.possible) == [13, 4, 17])
        // Pupil premium or SEND: Ann (PP) and Ben (SEN support).
        #expect(w.pupilPremiumOrSENDBelow.map { $0.pupils.map(\.id) } == [["Ann", "Ben"], ["Ann"], []])
        #expect(w.atOrAbove96.map(\.id) == ["Hal"])
        #expect(w.from91To96.map(\.id) == ["Ben"])
        #expect(w.school.sessions.possible == 38)
        #expect(w.schoolYearToDate.sessions.possible == 61)
        #expect(w.punctuality.isEmpty, "nobody was late in week 2")
        let y = try #require(tinyRoll().cadence(.halfTerm, asOf: day("2025-09-03")))
        #expect(y.basis == .period && y.range == DateRange(from: day("2025-09-01"), to: day("2025-09-03")))
        #expect(y.punctuality.map(\.id) == ["Ann"])
    }

    @Test("periods: week, half term, term, year, up to the day")
    func periods() {
        let roll = tinyRoll()
        #expect(roll.periodRange(.week, containing: day("2025-09-10")) == DateRange(from: day("2025-09-08"), to: day("2025-09-10")))
        #expect(roll.periodRange(.week, containing: day("2025-09-10"), through: day("2025-12-31")) == week2)
        #expect(roll.periodRange(.halfTerm, containing: day("2025-11-05")) == DateRange(from: day("2025-10-27"), to: day("2025-11-05")))
        #expect(
            roll.periodRange(.halfTerm, containing: day("2025-10-22")) == DateRange(from: day("2025-09-01"), to: day("2025-10-17")),
            "in the holiday: the half term just ended")
        #expect(roll.periodRange(.term, containing: day("2025-11-05")) == DateRange(from: day("2025-09-01"), to: day("2025-11-05")))
        #expect(roll.periodRange(.year, containing: day("2025-11-05")) == DateRange(from: day("2025-09-01"), to: day("2025-11-05")))
    }

    @Test("rewards: 100% for a period, form and house league tables with shared ranks and ties by name")
    func rewards() throws {
        let roll = tinyRoll()
        #expect(roll.fullAttendance(week2).map(\.id) == ["Ann", "Ben", "Hal"])
        #expect(roll.fullAttendance(week1).isEmpty)
        let half = try #require(roll.fullAttendance(.halfTerm, containing: day("2025-10-17")))
        #expect(half.range == DateRange(from: day("2025-09-01"), to: day("2025-10-17")))
        // Eve joined on 1 October and was present throughout: 100% of her possible sessions. Hal also.
        #expect(half.pupils.map(\.id) == ["Eve", "Hal"])
        let t = try #require(roll.weeklyLeagueTables(containing: day("2025-09-10"), through: day("2025-09-12")))
        // Forms: 2B (Ben 10/10) and 2C (Hal 10/10) tie at 100%, 1A (Ann 9/9, Cal 8/9) 17/18.
        #expect(t.forms.map(\.group.value) == ["2B", "2C", "1A"])
        #expect(t.forms.map(\.rank) == [1, 1, 3])
        #expect(t.forms.last?.attendanceRate == 17.0 / 18.0)
        // Houses: Green (Hal) and Red (Ann) 100%, Blue (Ben, Cal) 18/19.
        #expect(t.houses.map(\.group.value) == ["Green", "Red", "Blue"])
        #expect(t.houses.map(\.rank) == [1, 1, 3])
        // A week with no possible sessions for a group: unranked, last.
        let y = roll.leagueTable(.yearGroup, DateRange(from: day("2025-09-01"), to: day("2025-09-02")))
        #expect(y.map(\.group.value) == ["2", "1"] && y.map(\.rank) == [1, 2])
        let empty = roll.leagueTable(.form, DateRange(from: day("2025-10-20"), to: day("2025-10-24")))
        #expect(empty.allSatisfy { $0.rank == nil })
    }
}

@Suite("Analytics: projection and back-test by hand")
struct AnalyticsProjectionTests {
    /// Three school weeks, 1-19 September 2025 (30 sessions). Standing at Friday 12 September (20 sessions so far).
    /// - Pia: absent (I) on Monday 1 Sep AM only; then, after the 12th, O on Monday 15 Sep (2) and Tuesday 16 AM (1).
    /// - Rex: never absent until Wednesday 17 Sep AM (I).
    static let cal3 = SchoolCalendar(entries: [CalendarEntry(start: day("2025-09-01"), end: day("2025-09-19"), kind: .term)])
    static func roll() -> AnalyticsRoll {
        var r = AnalyticsRoll(calendar: cal3, year: year2025)
        var pia = Book()
        var rex = Book()
        pia.present("2025-09-01", "2025-09-19")
        rex.present("2025-09-01", "2025-09-19")
        pia.set("2025-09-01", "I", "\\")
        pia.set("2025-09-15", "O", "O")
        pia.set("2025-09-16", "O", "\\")
        rex.set("2025-09-17", "I", "\\")
        r.append(pupil("Pia", "3", form: "3A", house: "Red", sex: "F"), marks: pia.marks)
        r.append(pupil("Rex", "3", form: "3A", house: "Red", sex: "M"), marks: rex.marks)
        return r
    }
    /// No prior, every session weighted alike, one session a block: a plain beta-binomial on the pupil's own counts.
    static let plain = ProjectionModel(recentWeeks: 1, olderWeight: 1, priorSessions: 0, blockSessions: 1)

    @Test("the beta-binomial tail")
    func tail() {
        // Beta(1, 1) over 2 trials is uniform on 0, 1, 2.
        #expect(abs(AnalyticsRoll.betaBinomialTail(n: 2, atLeast: 1, alpha: 1, beta: 1) - 2.0 / 3.0) < 1e-12)
        #expect(AnalyticsRoll.betaBinomialTail(n: 5, atLeast: 0, alpha: 1, beta: 1) == 1)
        #expect(AnalyticsRoll.betaBinomialTail(n: 5, atLeast: 6, alpha: 1, beta: 1) == 0)
        #expect(AnalyticsRoll.betaBinomialTail(n: 5, atLeast: 1, alpha: 0, beta: 3) == 0)
        // Large and lopsided: still a probability.
        let t = AnalyticsRoll.betaBinomialTail(n: 400, atLeast: 200, alpha: 900, beta: 3)
        #expect(t > 0.999 && t <= 1)
    }

    @Test("Pia standing at 12 September: projected attendance and the chance of ending persistently absent")
    func pia() {
        let x = Self.roll().projection(pupil: 0, asOf: day("2025-09-12"), to: day("2025-09-19"), model: Self.plain)
        // So far 20 sessions, 1 absent: alpha = 1, beta = 19, q = 0.05. Ten sessions to come.
        #expect(x.soFar == SessionCounts(possible: 20, present: 19, approvedActivity: 0, authorised: 1, unauthorised: 0))
        #expect(x.alpha == 1 && x.beta == 19 && x.absenceEstimate == 0.05)
        #expect(x.remainingSessions == 10)
        // (19 + 0.95 * 10) / 30 = 0.95.
        #expect(abs(x.projectedAttendance! - 0.95) < 1e-12)
        // Needs 3 - 1 = 2 more absent sessions of 10. P(X = 0) = prod (19+i)/(20+i), i < 10 = 19/29;
        // P(X = 1) = 19/29 * 10 * 1/28 = 190/812; P(X >= 2) = 1 - 532/812 - 190/812 = 90/812.
        #expect(abs(x.persistentProbability! - 90.0 / 812.0) < 1e-12)
        #expect(x.recentFrom == day("2025-09-08"))
        #expect(x.recent.possible == 10)
    }

    @Test("the back-test's numbers")
    func backTest() {
        let b = Self.roll().backTest(standingAt: day("2025-09-12"), projectTo: day("2025-09-19"), model: Self.plain)
        #expect(b.pupils == 2)
        // Pia projected 0.95, actually 26/30; Rex projected 1 (q = 0), actually 29/30: MAE = (0.08333 + 0.03333) / 2 = 7/120.
        #expect(abs(b.meanAbsoluteError - 7.0 / 120.0) < 1e-12)
        #expect(abs(b.naiveMeanAbsoluteError - 7.0 / 120.0) < 1e-12, "with no prior and no weighting the model is the naive forecast")
        // Pia became persistently absent (4 of 30) with probability 90/812; Rex did not, with probability 0.
        let p = 90.0 / 812.0
        #expect(abs(b.brierScore - (1 - p) * (1 - p) / 2) < 1e-12)
        #expect(b.naiveBrierScore == 0.5, "Pia was below the line on the 12th")
        #expect(b.persistentAtEnd == 1 && b.flagged == 0 && b.flaggedAndPersistent == 0)
        #expect(b.recall == 0 && b.precision == nil)
        #expect(b.newlyPersistent == 1 && b.newlyPersistentFlagged == 0)
        #expect(b.calibration.map(\.pupils) == [1, 1, 0, 0, 0, 0])
        #expect(b.calibration[1].observedShare == 1)
    }

    @Test("reasons in words")
    func reasons() {
        var r = AnalyticsRoll(calendar: calendar, year: year2025)
        var b = Book()
        b.present("2025-09-01", "2025-12-19")
        // Absent every Monday from 27 Oct to 8 Dec (7 of the last 8 Mondays by 12 Dec), ill 3 days in December,
        // late 5 times in the last 6 weeks.
        for d in ["2025-10-27", "2025-11-03", "2025-11-10", "2025-11-17", "2025-11-24", "2025-12-01", "2025-12-08"] { b.set(d, "O", "O") }
        for d in ["2025-12-03", "2025-12-04", "2025-12-05"] { b.set(d, "I", "I") }
        for d in ["2025-11-04", "2025-11-05", "2025-11-06", "2025-11-11", "2025-11-12"] { b.set(d, "L", "\\") }
        r.append(pupil("Zac", "2", form: "2B", house: "Red", sex: "M"), marks: b.marks)
        let x = r.projection(pupil: 0, asOf: day("2025-12-12"))
        #expect(x.reasons.contains("absent 7 of the last 8 Mondays"))
        #expect(x.reasons.contains("6 sessions of illness since half term"))
        #expect(x.reasons.contains("14 sessions of unauthorised absence (G, N, O or U) in the last 10 school weeks"))
        #expect(x.reasons.contains("late 5 times in the last 6 school weeks"))
        // Monday 1 Dec O O, Tuesday present, Wednesday to Friday I, Monday 8 Dec O O: the weekend does not break a spell.
        #expect(x.reasons.contains("absent 8 sessions in a row from Wednesday 3 December 2025"))
        // Before the last 6 school weeks (1 Sep - 2 Nov, 78 sessions): 2 absent, 97.4%; in them (3 Nov - 12 Dec, 60): 18 absent, 70.0%.
        #expect(x.reasons.contains("attendance fell from 97.4% to 70.0% over the last 6 school weeks"))
        // 69 school days to 12 December: 138 sessions, 20 absent.
        #expect(x.reasons.first == "absent 14.5% of sessions so far (20 of 138), at or above the 10.0% persistent absence line")
        #expect(x.reasons.count == 7)
        // 10 sessions to come (15-19 December) cannot bring absence below 10% of 148: certain.
        #expect(x.remainingSessions == 10 && x.persistentProbability == 1)
        #expect(r.earlyWarning(asOf: day("2025-12-12")).map(\.id) == ["Zac"])
    }
}
