import Testing

@testable import RollbookCore

private func day(_ s: String) -> LocalDate {
    guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
    return d
}

private let year = AcademicYear(startYear: 2025)

/// A secondary's 2025/26: half terms 3 Sep-24 Oct, 3 Nov-19 Dec, 5 Jan-13 Feb, 23 Feb-27 Mar, 13 Apr-22 May, 1 Jun-22 Jul;
/// Wednesday 3 September is Year 7's induction day (closed for years 8-11); Wednesday 8 October is closed for everyone.
private let calendar = SchoolCalendar(entries: [
    CalendarEntry(start: day("2025-09-03"), end: day("2025-10-24"), kind: .term),
    CalendarEntry(start: day("2025-11-03"), end: day("2025-12-19"), kind: .term),
    CalendarEntry(start: day("2026-01-05"), end: day("2026-02-13"), kind: .term),
    CalendarEntry(start: day("2026-02-23"), end: day("2026-03-27"), kind: .term),
    CalendarEntry(start: day("2026-04-13"), end: day("2026-05-22"), kind: .term),
    CalendarEntry(start: day("2026-06-01"), end: day("2026-07-22"), kind: .term),
    CalendarEntry(start: day("2025-09-03"), end: day("2025-09-03"), kind: .closure, yearGroups: ["8", "9", "10", "11"]),
    CalendarEntry(start: day("2025-10-08"), end: day("2025-10-08"), kind: .inset),
])

/// Wednesday 12 November 2025: its registers are not yet taken.
private let asOf = day("2025-11-12")

/// A pupil present on every session open for them up to the day before `asOf`, then the overrides.
private func pupil(
    _ upn: String, yearGroup: String = "8", starting: String = "2025-09-03", leaving: String? = nil,
    ground: DeletionGround? = nil, through: LocalDate = asOf, _ overrides: [(String, Session?, AttendanceCode)] = []
) -> ReturnPupil {
    let record = PupilRecord(
        upn: upn, legalSurname: "Test", legalForename: upn, dateOfBirth: day("2012-05-01"), sex: "F",
        yearGroup: yearGroup, form: yearGroup + "A", startingDay: day(starting), leavingDay: leaving.map(day),
        deletionGround: ground)
    var p = ReturnPupil(record: record, yearGroupYear: year, marks: SessionArray(covering: year.range))
    let e = p.enrolment
    var d = year.range.from
    while d < through {
        for s in Session.allCases where e.isOnRoll(d) && calendar.isOpen(d, s, yearGroup: e.yearGroup(in: year)) {
            p.marks[d, s] = s == .am ? .presentAM : .presentPM
        }
        d = d.adding(days: 1)
    }
    for (d, s, c) in overrides {
        for x in s.map({ [$0] }) ?? Session.allCases { p.marks[day(d), x] = c }
    }
    return p
}

/// Whole days of `code` on every weekday from `from` to `to` (closed days are left unmarked: they are not sessions).
private func days(_ from: String, _ to: String, _ code: AttendanceCode, except: [String] = []) -> [(String, Session?, AttendanceCode)] {
    var out: [(String, Session?, AttendanceCode)] = []
    var d = day(from)
    while d <= day(to) {
        if calendar.isSchoolDay(d) && !except.contains(d.iso) { out.append((d.iso, nil, code)) }
        d = d.adding(days: 1)
    }
    return out
}

private let scan = DateRange(from: year.range.from, to: asOf)

@Suite("LA returns") struct LAReturnsTests {
    // MARK: New pupils

    @Test("a new pupil's deadline is the 5th day after the starting day: weekends, closures and holidays count")
    func deadlines() {
        // Wed 15 Oct -> Mon 20 Oct (over a weekend); Tue 21 Oct -> Sun 26 Oct (in half term).
        #expect(LAReturns.newPupilDeadline(startingDay: day("2025-10-15")) == day("2025-10-20"))
        #expect(LAReturns.newPupilDeadline(startingDay: day("2025-10-21")) == day("2025-10-26"))
        // Across a month and a year end.
        #expect(LAReturns.newPupilDeadline(startingDay: day("2025-12-29")) == day("2026-01-03"))
    }

    @Test("overdue only once the deadline day has passed")
    func overdue() {
        let p = [pupil("N1", starting: "2025-10-21")]
        let range = year.range
        #expect(LAReturns.newPupils(p, calendar: calendar, range: range, asOf: day("2025-10-26")).map(\.overdue) == [false])
        let late = LAReturns.newPupils(p, calendar: calendar, range: range, asOf: day("2025-10-27"))
        #expect(late.map(\.overdue) == [true])
        #expect(late.first?.deadline == day("2025-10-26"))
    }

    @Test("the normal intake (Year 7 from its first day) is not returned; mid-year, a late start and other year groups are")
    func normalIntake() {
        let roll = [
            pupil("Y7FIRST", yearGroup: "7", starting: "2025-09-03"),  // first day open for Year 7: intake
            pupil("Y7EARLY", yearGroup: "7", starting: "2025-09-01"),  // on roll before the first day: intake
            pupil("Y7NEXT", yearGroup: "7", starting: "2025-09-04"),  // the day after: a new pupil
            pupil("Y7MIDYEAR", yearGroup: "7", starting: "2026-01-05"),  // first day of spring: a new pupil
            pupil("Y9FIRST", yearGroup: "9", starting: "2025-09-04"),  // first day for Year 9, not an entry year
            pupil("Y11", yearGroup: "11", starting: "2024-09-04"),  // started last year: not in range
        ]
        #expect(LAReturns.entryYearGroups(roll, year: year) == ["7"])
        let found = LAReturns.newPupils(roll, calendar: calendar, range: year.range, asOf: day("2026-01-06"))
        #expect(found.map(\.upn) == ["Y7NEXT", "Y9FIRST", "Y7MIDYEAR"])
        #expect(found.first { $0.upn == "Y7MIDYEAR" }?.deadline == day("2026-01-10"))
        #expect(found.first { $0.upn == "Y7MIDYEAR" }?.overdue == false)
        #expect(found.first { $0.upn == "Y7NEXT" }?.overdue == true)
        // Told that Year 9 is an entry year too, its first-day joiner is intake.
        let nine = LAReturns.newPupils(roll, calendar: calendar, range: year.range, asOf: day("2026-01-06"), entryYearGroups: ["7", "9"])
        #expect(nine.map(\.upn) == ["Y7NEXT", "Y7MIDYEAR"])
    }

    @Test("entry year groups: the lowest on roll, reception after a nursery, and a sixth form's Year 12")
    func entryYearGroups() {
        #expect(
            LAReturns.entryYearGroups([pupil("A", yearGroup: "12"), pupil("B", yearGroup: "11"), pupil("C", yearGroup: "7")], year: year)
                == ["7", "12"])
        #expect(LAReturns.entryYearGroups([pupil("A", yearGroup: "12"), pupil("C", yearGroup: "13")], year: year) == ["12"])
        #expect(LAReturns.entryYearGroups([pupil("A", yearGroup: "N2"), pupil("B", yearGroup: "3")], year: year) == ["N2", "R"])
    }

    // MARK: Deletions

    @Test("deletions in the period with their ground, including one recorded without a ground")
    func deletions() {
        let roll = [
            pupil("LEFT1", leaving: "2025-10-10", ground: .transferred),
            pupil("LEFT2", leaving: "2025-11-03", ground: .electiveHomeEducation),
            pupil("NOGROUND", leaving: "2025-09-30"),
            pupil("LATER", leaving: "2026-02-01", ground: .movedAway),
            pupil("STAYS"),
        ]
        let d = LAReturns.deletions(roll, range: DateRange(from: year.range.from, to: asOf))
        #expect(d.map(\.upn) == ["NOGROUND", "LEFT1", "LEFT2"])
        #expect(d.map(\.ground) == [nil, .transferred, .electiveHomeEducation])
        #expect(d[1].leavingDay == day("2025-10-10"))
    }

    // MARK: Continuous unauthorised absence

    func unauthorised(_ roll: [ReturnPupil], period: DateRange? = nil) -> [LAReturns.SpellReturn] {
        LAReturns.continuousUnauthorised(roll, calendar: calendar, scan: scan, period: period ?? scan, asOf: asOf)
    }

    @Test("exactly 10 continuous school days of G, N or O across a weekend is returned; 9 is not")
    func tenVersusNine() {
        // Mon 15 - Fri 26 Sep: 10 school days (the weekend 20-21 between neither counts nor breaks).
        let ten = pupil("TEN", days("2025-09-15", "2025-09-19", .o) + days("2025-09-22", "2025-09-26", .n))
        let nine = pupil("NINE", days("2025-09-15", "2025-09-25", .g))
        let r = unauthorised([ten, nine])
        #expect(r.map(\.upn) == ["TEN"])
        #expect(r.first?.spell == LAReturns.Spell(first: day("2025-09-15"), last: day("2025-09-26"), schoolDays: 10, ongoing: false))
        #expect(r.first?.totalSessions == 20)
    }

    @Test("a closure day inside a run neither counts nor breaks it")
    func closureInsideRun() {
        // Wed 1 - Wed 15 Oct with Wed 8 closed: 1,2,3,6,7,9,10,13,14,15 = 10 school days.
        let ten = pupil("CLOSURE10", days("2025-10-01", "2025-10-15", .o))
        // From Thu 2 Oct: 9.
        let nine = pupil("CLOSURE9", days("2025-10-02", "2025-10-15", .o))
        let r = unauthorised([ten, nine])
        #expect(r.map(\.upn) == ["CLOSURE10"])
        #expect(r.first?.spell.schoolDays == 10)
        #expect(r.first?.spell.first == day("2025-10-01"))
    }

    @Test("half term inside a run: the run goes on, and one still running into today (registers not yet taken) is ongoing")
    func halfTermInsideRun() {
        // Mon 20 - Fri 24 Oct (5), half term, Mon 3 - Tue 11 Nov (7); Wed 12 Nov is today and unmarked.
        let p = pupil("HALFTERM", days("2025-10-20", "2025-11-11", .n))
        let r = unauthorised([p])
        #expect(r.first?.spell == LAReturns.Spell(first: day("2025-10-20"), last: day("2025-11-11"), schoolDays: 12, ongoing: true))
        // A period that ends before the run began leaves it out.
        #expect(unauthorised([p], period: DateRange(from: day("2025-09-01"), to: day("2025-10-17"))).isEmpty)
    }

    @Test("U (arrived after the register closed) and an authorised half day break a run; a not-possible day does not")
    func whatBreaksARun() {
        let base = days("2025-09-15", "2025-09-26", .o)
        let withU = pupil("WITHU", base + [("2025-09-22", .am, .u)])
        let withM = pupil("WITHM", base + [("2025-09-22", .pm, .m)])
        // Y1 (transport not available) on Mon 22 Sep is not a possible session: 9 days to Fri 26, 10 with Mon 29.
        let withY = pupil("WITHY", days("2025-09-15", "2025-09-29", .o) + [("2025-09-22", nil, .y1)])
        let r = unauthorised([withU, withM, withY])
        #expect(r.map(\.upn) == ["WITHY"])
        #expect(r.first?.spell.schoolDays == 10)
        #expect(r.first?.spell.last == day("2025-09-29"))
        // An unmarked earlier day breaks a run (a register never taken is no evidence of absence).
        var gap = pupil("GAP", days("2025-09-15", "2025-09-26", .o))
        gap.marks[day("2025-09-19"), .pm] = nil
        #expect(unauthorised([gap]).isEmpty)
    }

    // MARK: Illness

    @Test("illness on 16 continuous school days is returned, 15 is not, nor 20 in two spells")
    func illness() {
        // Mon 15 Sep - Mon 6 Oct: 5 + 5 + 5 + 1 = 16 school days.
        let sixteen = pupil("SICK16", days("2025-09-15", "2025-10-06", .i))
        let fifteen = pupil("SICK15", days("2025-09-15", "2025-10-03", .i))
        let twoSpells = pupil("SICK2X10", days("2025-09-15", "2025-09-26", .i) + days("2025-10-13", "2025-10-24", .i))
        let r = LAReturns.longIllness([sixteen, fifteen, twoSpells], calendar: calendar, scan: scan, period: scan, asOf: asOf)
        #expect(r.map(\.upn) == ["SICK16"])
        #expect(r.first?.spell.schoolDays == 16)
        #expect(r.first?.totalSchoolDays == 16)
        #expect(r.first?.totalSessions == 32)
        // The spells are still found for the pupil below the line: two of 10.
        #expect(LAReturns.spells(twoSpells, kind: .illness, calendar: calendar, range: scan, asOf: asOf).map(\.schoolDays) == [10, 10])
    }

    // MARK: Persistent absence

    @Test("half-termly persistent absence: 8 of Year 7's 74 possible sessions to 24 October is 10.8%, 7 is 9.5%")
    func persistentAbsence() {
        // 3 Sep - 24 Oct: 37 school days (8 Oct closed) = 74 sessions for Year 7 (36 days for years 8-11).
        let halves = LAReturns.completedHalfTerms(calendar: calendar, year: year, through: asOf)
        #expect(halves == [DateRange(from: day("2025-09-03"), to: day("2025-10-24"))])
        #expect(LAReturns.completedHalfTerms(calendar: calendar, year: year, through: day("2025-12-19")).count == 2)
        let eight = pupil("EIGHT", yearGroup: "7", days("2025-09-08", "2025-09-11", .i))
        let seven = pupil("SEVEN", yearGroup: "7", days("2025-09-08", "2025-09-10", .i) + [("2025-09-11", .am, .o)])
        // Year 8: 72 possible sessions, so 7 absences is 9.7%, still below.
        let eightY8 = pupil("Y8SEVEN", yearGroup: "8", days("2025-09-08", "2025-09-10", .i) + [("2025-09-11", .am, .o)])
        let pa = LAReturns.persistentAbsence([seven, eight, eightY8], calendar: calendar, to: halves[0].to)
        #expect(pa.map(\.upn) == ["EIGHT"])
        #expect(pa.first?.counts.possible == 74)
        #expect(pa.first?.counts.absent == 8)
        let engine = StatisticsEngine(calendar: calendar)
        #expect(
            engine.counts(eightY8.marks, enrolment: eightY8.enrolment, range: DateRange(from: year.range.from, to: halves[0].to)).possible
                == 72)
    }
}

@Suite("LA returns: exclusions and part-time timetables")
struct ExclusionAndPartTimeReturnTests {
    @Test(
        "suspensions past 5 school days in a term, and every permanent exclusion, are for the LA (School Discipline Regulations 2012 reg 5)"
    )
    func exclusions() {
        let a = pupil("A1")
        let records = [
            "A1": [
                ExclusionRecord(kind: .suspension, firstDay: day("2025-11-03"), schoolDays: 3),
                ExclusionRecord(kind: .suspension, firstDay: day("2025-11-10"), schoolDays: 3),
                // The next term starts the count again.
                ExclusionRecord(kind: .suspension, firstDay: day("2026-01-12"), schoolDays: 2),
                ExclusionRecord(kind: .permanent, firstDay: day("2026-01-20")),
            ]
        ]
        let out = LAReturns.exclusions([a], records: records, calendar: calendar, period: year.range)
        #expect(out.map(\.termSuspensionSchoolDays) == [3, 6, 2, 2])
        #expect(out.map(\.mustNotify) == [false, true, false, true])
        // A period holding only the second.
        let one = LAReturns.exclusions(
            [a], records: records, calendar: calendar, period: DateRange(from: day("2025-11-05"), to: day("2025-11-30")))
        #expect(one.map(\.exclusion.firstDay) == [day("2025-11-10")] && one.first?.termSuspensionSchoolDays == 6)
    }

    @Test("seed 002 §8.3 / DfE 2024: every pupil on a part-time timetable in the period, and those agreed to start later")
    func partTime() {
        let a = pupil("A1")
        var g = LeaveGrant(code: .c2, from: day("2025-11-17"), to: day("2025-12-12"), timetable: "Mornings", reviewDate: day("2025-12-05"))
        g.notExpected = ["mon_pm", "fri_pm"]
        let request = LeaveRequest(from: g.from, to: g.to, requestedOn: day("2025-11-10"), reason: "Phased return")
        let other = LeaveGrant(code: .c, from: day("2025-11-17"), to: day("2025-11-18"))
        let decisions = [
            "A1": [
                LeaveDecisionFacts(request: request, grant: g, decidedOn: day("2025-11-12")),
                LeaveDecisionFacts(request: request, grant: other, decidedOn: day("2025-11-12")),
            ]
        ]
        let during = LAReturns.partTimeTimetables(
            [a], decisions: decisions, period: DateRange(from: day("2025-11-03"), to: day("2025-12-19")))
        #expect(during.count == 1 && during.first?.notExpected == "Monday afternoon, Friday afternoon")
        let before = DateRange(from: day("2025-09-03"), to: day("2025-11-12"))
        #expect(LAReturns.partTimeTimetables([a], decisions: decisions, period: before).isEmpty)
        #expect(LAReturns.partTimeTimetables([a], decisions: decisions, period: before, later: true).count == 1)
    }
}
