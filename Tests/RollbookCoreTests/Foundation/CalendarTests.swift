import Testing

@testable import RollbookCore

private func day(_ s: String) -> LocalDate {
    guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
    return d
}

private func week(_ monday: String) -> DateRange {
    DateRange(from: day(monday), to: day(monday).adding(days: 6))
}

/// The last half term of 2024/25 and the whole of 2025/26, one `term` row per half term (as calendar.csv has them),
/// with an INSET day, a reception induction closure, a morning closure, an afternoon closure and a polling-day closure.
/// Easter Sunday 2026 is 5 April.
private let calendar2025 = SchoolCalendar(entries: [
    CalendarEntry(start: day("2025-06-02"), end: day("2025-07-22"), kind: .term),
    CalendarEntry(start: day("2025-09-03"), end: day("2025-10-24"), kind: .term),
    CalendarEntry(start: day("2025-11-03"), end: day("2025-12-19"), kind: .term),
    CalendarEntry(start: day("2026-01-05"), end: day("2026-02-13"), kind: .term),
    CalendarEntry(start: day("2026-02-23"), end: day("2026-03-27"), kind: .term),
    CalendarEntry(start: day("2026-04-13"), end: day("2026-05-22"), kind: .term),
    CalendarEntry(start: day("2026-06-01"), end: day("2026-07-22"), kind: .term),
    CalendarEntry(start: day("2025-09-03"), end: day("2025-09-03"), kind: .inset),
    CalendarEntry(start: day("2025-09-04"), end: day("2025-09-05"), kind: .closure, yearGroups: ["R"]),
    CalendarEntry(start: day("2025-10-01"), end: day("2025-10-01"), kind: .closureAM),
    CalendarEntry(start: day("2025-11-14"), end: day("2025-11-14"), kind: .closure),
    CalendarEntry(start: day("2025-12-19"), end: day("2025-12-19"), kind: .closurePM),
    CalendarEntry(start: day("2026-01-05"), end: day("2026-01-05"), kind: .closurePM, yearGroups: ["5", "6"]),
])

@Suite("School calendar")
struct CalendarTests {
    let cal = calendar2025

    @Test("term rows open weekdays only, AM and PM")
    func termWeekdays() {
        #expect(cal.span == DateRange(from: day("2025-06-02"), to: day("2026-07-22")))
        for s in Session.allCases {
            #expect(cal.isOpen(day("2025-09-08"), s))  // Monday in term
            #expect(cal.isOpen(day("2025-10-24"), s))  // last day of a half term
            #expect(cal.isOpen(day("2025-11-03"), s))  // first day of the next
            #expect(!cal.isOpen(day("2025-09-06"), s))  // Saturday in term
            #expect(!cal.isOpen(day("2025-09-07"), s))  // Sunday in term
            #expect(!cal.isOpen(day("2025-10-27"), s))  // October half term
            #expect(!cal.isOpen(day("2025-09-02"), s))  // summer holiday
            #expect(!cal.isOpen(day("2025-12-22"), s))  // Christmas holiday
            #expect(!cal.isOpen(day("2025-05-30"), s))  // before the calendar
            #expect(!cal.isOpen(day("2026-07-23"), s))  // after the calendar
            #expect(cal.isOpen(day("2025-09-08"), s, yearGroup: "R"))
            #expect(!cal.isOpen(day("2025-09-06"), s, yearGroup: "R"))
        }
        #expect(cal.isSchoolDay(day("2025-09-08")))
        #expect(!cal.isSchoolDay(day("2025-09-06")))
        #expect(cal.openSessions(in: week("2025-09-08")) == 10)
        #expect(cal.openSessions(in: week("2025-10-27")) == 0)
        // Weekends and holidays are not planned closures: no # is due on them.
        #expect(!cal.isPlannedClosure(day("2025-09-06"), .am, yearGroup: nil))
        #expect(!cal.isPlannedClosure(day("2025-10-27"), .am, yearGroup: nil))
        #expect(!cal.isPlannedClosure(day("2025-09-06"), .am, yearGroup: "R"))
        #expect(!cal.isPlannedClosure(day("2025-09-08"), .am, yearGroup: nil))
    }

    @Test("a whole-school closure or INSET day shuts both sessions for every year group")
    func wholeSchoolClosure() {
        for d in [day("2025-11-14"), day("2025-09-03")] {
            for s in Session.allCases {
                #expect(!cal.isOpen(d, s))
                for g in ["N1", "R", "1", "6", "11", "13"] { #expect(!cal.isOpen(d, s, yearGroup: g)) }
                #expect(cal.isPlannedClosure(d, s, yearGroup: nil))
                #expect(cal.isPlannedClosure(d, s, yearGroup: "R"))
            }
            #expect(!cal.isSchoolDay(d))
        }
        #expect(cal.openSessions(in: week("2025-11-10")) == 8)
    }

    @Test("closure_am shuts only the morning; closure_pm only the afternoon")
    func halfDayClosures() {
        #expect(!cal.isOpen(day("2025-10-01"), .am))
        #expect(cal.isOpen(day("2025-10-01"), .pm))
        #expect(!cal.isOpen(day("2025-10-01"), .am, yearGroup: "3"))
        #expect(cal.isOpen(day("2025-10-01"), .pm, yearGroup: "3"))
        #expect(cal.isPlannedClosure(day("2025-10-01"), .am, yearGroup: nil))
        #expect(!cal.isPlannedClosure(day("2025-10-01"), .pm, yearGroup: nil))
        #expect(cal.isSchoolDay(day("2025-10-01")))

        #expect(cal.isOpen(day("2025-12-19"), .am))
        #expect(!cal.isOpen(day("2025-12-19"), .pm))
        #expect(cal.isPlannedClosure(day("2025-12-19"), .pm, yearGroup: "R"))
        #expect(cal.isSchoolDay(day("2025-12-19")))

        #expect(cal.openSessions(in: week("2025-09-29")) == 9)
        #expect(cal.openSessions(in: week("2025-12-15")) == 9)
    }

    @Test("a year-group closure affects only the year groups it names")
    func yearGroupClosure() {
        for d in [day("2025-09-04"), day("2025-09-05")] {
            for s in Session.allCases {
                #expect(!cal.isOpen(d, s, yearGroup: "R"))
                #expect(cal.isOpen(d, s, yearGroup: "1"))
                #expect(cal.isOpen(d, s, yearGroup: "N2"))
                #expect(cal.isOpen(d, s))
                #expect(cal.isPlannedClosure(d, s, yearGroup: "R"))
                #expect(!cal.isPlannedClosure(d, s, yearGroup: "1"))
            }
            #expect(cal.isSchoolDay(d), "the school is open, so it is still a school day")
        }
        // Week of 1 September: INSET on Wednesday, reception also closed Thursday and Friday.
        #expect(cal.openSessions(in: week("2025-09-01")) == 4)
        #expect(cal.openSessions(in: week("2025-09-01"), yearGroup: "1") == 4)
        #expect(cal.openSessions(in: week("2025-09-01"), yearGroup: "R") == 0)
        // A year group's own mask still carries the whole-school closures.
        #expect(!cal.isOpen(day("2025-11-14"), .am, yearGroup: "R"))
        #expect(!cal.isOpen(day("2025-10-01"), .am, yearGroup: "R"))
        // Two year groups on one row.
        #expect(cal.isOpen(day("2026-01-05"), .am, yearGroup: "5"))
        #expect(!cal.isOpen(day("2026-01-05"), .pm, yearGroup: "5"))
        #expect(!cal.isOpen(day("2026-01-05"), .pm, yearGroup: "6"))
        #expect(cal.isOpen(day("2026-01-05"), .pm, yearGroup: "4"))
        #expect(cal.isOpen(day("2026-01-05"), .pm))
        #expect(cal.openSessions(in: week("2026-01-05"), yearGroup: "6") == 9)
        #expect(cal.openSessions(in: week("2026-01-05"), yearGroup: "4") == 10)
        // The masks themselves.
        let r = cal.openMask(yearGroup: "R")
        let whole = cal.openMask(yearGroup: nil)
        let i = cal.span!.from.days(to: day("2025-09-04"))
        #expect(r[i] == 0 && whole[i] == 3)
        #expect(cal.openMask(yearGroup: "9") == whole, "a year group with no closures of its own uses the whole-school mask")
    }

    @Test("school weeks skip holiday weeks")
    func schoolWeeksSkipHolidays() {
        #expect(cal.schoolWeeks(endingWith: day("2025-11-05"), count: 3) == [week("2025-11-03"), week("2025-10-20"), week("2025-10-13")])
        // From a day in the holiday, the last week with a session comes first.
        #expect(cal.schoolWeeks(endingWith: day("2025-10-29"), count: 1) == [week("2025-10-20")])
        // A week with a single open day (the INSET week, 4-5 September) is a school week.
        #expect(cal.schoolWeeks(endingWith: day("2025-09-08"), count: 2) == [week("2025-09-08"), week("2025-09-01")])
    }

    @Test("ten school weeks span Christmas and half term")
    func tenSchoolWeeksAcrossChristmas() {
        let weeks = cal.schoolWeeks(endingWith: day("2026-01-14"), count: 10)
        #expect(
            weeks == [
                week("2026-01-12"), week("2026-01-05"),
                week("2025-12-15"), week("2025-12-08"), week("2025-12-01"), week("2025-11-24"),
                week("2025-11-17"), week("2025-11-10"), week("2025-11-03"), week("2025-10-20"),
            ])
    }

    @Test("school weeks cross school years, and stop where the calendar does")
    func schoolWeeksAcrossYears() {
        #expect(
            cal.schoolWeeks(endingWith: day("2025-09-10"), count: 4)
                == [week("2025-09-08"), week("2025-09-01"), week("2025-07-21"), week("2025-07-14")])
        #expect(cal.schoolWeeks(endingWith: day("2025-08-15"), count: 1) == [week("2025-07-21")])
        #expect(cal.schoolWeeks(endingWith: day("2025-06-10"), count: 5) == [week("2025-06-09"), week("2025-06-02")])
        #expect(SchoolCalendar(entries: []).schoolWeeks(endingWith: day("2025-06-10"), count: 5).isEmpty)
    }

    @Test("schoolDays(after:through:) counts school days strictly after, up to and including")
    func schoolDaysBetween() {
        #expect(cal.schoolDays(after: day("2025-09-08"), through: day("2025-09-15")) == 5)  // Mon to Mon
        #expect(cal.schoolDays(after: day("2025-09-08"), through: day("2025-09-09")) == 1)
        #expect(cal.schoolDays(after: day("2025-09-08"), through: day("2025-09-08")) == 0)
        #expect(cal.schoolDays(after: day("2025-09-09"), through: day("2025-09-08")) == 0)
        #expect(cal.schoolDays(after: day("2025-09-12"), through: day("2025-09-15")) == 1)  // over a weekend
        #expect(cal.schoolDays(after: day("2025-10-24"), through: day("2025-11-03")) == 1)  // over half term
        #expect(cal.schoolDays(after: day("2025-11-13"), through: day("2025-11-17")) == 1)  // Friday closed
        #expect(cal.schoolDays(after: day("2025-09-30"), through: day("2025-10-01")) == 1)  // morning-only closure still a school day
        #expect(cal.schoolDays(after: day("2025-09-02"), through: day("2025-09-05")) == 2)  // INSET not, reception closure is
        #expect(cal.schoolDays(after: day("2025-07-21"), through: day("2025-09-04")) == 2)  // 22 July, then 4 Sept
        #expect(cal.schoolDays(after: day("2025-05-01"), through: day("2025-06-03")) == 2)  // before the calendar starts
    }

    @Test("term rows group into autumn, spring and summer terms with their half terms")
    func termsAndHalfTerms() {
        let terms = cal.terms
        #expect(terms.map(\.name) == ["Summer 2024/25", "Autumn 2025/26", "Spring 2025/26", "Summer 2025/26"])
        #expect(terms.map(\.academicYear) == [2024, 2025, 2025, 2025])
        #expect(terms.map(\.season) == [.summer, .autumn, .spring, .summer])
        #expect(terms.map(\.halfTerms.count) == [1, 2, 2, 2])
        #expect(
            terms[1].halfTerms == [
                DateRange(from: day("2025-09-03"), to: day("2025-10-24")),
                DateRange(from: day("2025-11-03"), to: day("2025-12-19")),
            ])
        #expect(terms[2].range == DateRange(from: day("2026-01-05"), to: day("2026-03-27")))
        #expect(terms[3].range == DateRange(from: day("2026-04-13"), to: day("2026-07-22")))

        #expect(cal.term(containing: day("2025-12-01"))?.name == "Autumn 2025/26")
        #expect(cal.term(containing: day("2026-03-27"))?.name == "Spring 2025/26")
        #expect(cal.term(containing: day("2026-04-13"))?.name == "Summer 2025/26")
        #expect(cal.term(containing: day("2025-10-29"))?.name == "Autumn 2025/26", "a half-term holiday is inside its term")
        #expect(cal.term(containing: day("2026-04-01")) == nil, "the Easter holiday is between terms")
        #expect(cal.term(containing: day("2025-08-20")) == nil)

        #expect(cal.halfTerm(containing: day("2025-11-20")) == DateRange(from: day("2025-11-03"), to: day("2025-12-19")))
        #expect(cal.halfTerm(containing: day("2025-10-29")) == DateRange(from: day("2025-09-03"), to: day("2025-10-24")))
        #expect(cal.halfTerm(containing: day("2025-05-01")) == nil)
    }

    @Test(
        "spring ends by Easter Sunday: a half term starting after Easter is summer",
        arguments: [
            // (Easter Sunday, spring 2 from, spring 2 to, summer 1 from, summer 1 to)
            ("2024-03-31", "2024-02-19", "2024-03-28", "2024-04-15", "2024-05-24"),  // early Easter
            ("2025-04-20", "2025-02-24", "2025-04-04", "2025-04-21", "2025-05-23"),  // summer starts on Easter Monday
            ("2026-04-05", "2026-02-23", "2026-03-27", "2026-04-13", "2026-05-22"),
        ])
    func easterSplitsSpringAndSummer(_ easter: String, _ s2from: String, _ s2to: String, _ su1from: String, _ su1to: String) {
        #expect(LocalDate.easterSunday(year: day(easter).year) == day(easter))
        let year = day(easter).year
        let cal = SchoolCalendar(entries: [
            CalendarEntry(start: LocalDate(year: year, month: 1, day: 6)!, end: LocalDate(year: year, month: 2, day: 9)!, kind: .term),
            CalendarEntry(start: day(s2from), end: day(s2to), kind: .term),
            CalendarEntry(start: day(su1from), end: day(su1to), kind: .term),
            CalendarEntry(start: LocalDate(year: year, month: 6, day: 2)!, end: LocalDate(year: year, month: 7, day: 18)!, kind: .term),
        ])
        let terms = cal.terms
        #expect(terms.map(\.season) == [.spring, .summer])
        #expect(terms.map(\.halfTerms.count) == [2, 2])
        #expect(terms.allSatisfy { $0.academicYear == year - 1 })
        #expect(terms.first?.range.to == day(s2to))
        #expect(terms.last?.range.from == day(su1from))
    }

    /// RULES.md: the census autumn term runs from 1 August, and Calendar.swift says rows are grouped into
    /// "autumn (from August)". A half term that starts on Thursday 28 August 2025 (INSET days before September)
    /// belongs with the rest of autumn 2025/26.
    @Test("an August start is autumn of the new school year")
    func augustIsAutumn() {
        let cal = SchoolCalendar(entries: [
            CalendarEntry(start: day("2025-08-28"), end: day("2025-10-17"), kind: .term),
            CalendarEntry(start: day("2025-10-27"), end: day("2025-12-19"), kind: .term),
        ])
        #expect(cal.terms.count == 1)
        #expect(cal.terms.first?.name == "Autumn 2025/26")
        #expect(cal.terms.first?.academicYear == 2025)
        #expect(cal.terms.first?.halfTerms.count == 2)
        #expect(cal.term(containing: day("2025-09-10"))?.name == "Autumn 2025/26")
        #expect(cal.isOpen(day("2025-08-28"), .am))
        #expect(cal.terms.allSatisfy { $0.season == .autumn })
    }

    @Test("latest school day on or before a date")
    func latestSchoolDay() {
        #expect(cal.latestSchoolDay(onOrBefore: day("2025-11-01")) == day("2025-10-24"))
        #expect(cal.latestSchoolDay(onOrBefore: day("2025-11-15")) == day("2025-11-13"))  // Friday 14th closed
        #expect(cal.latestSchoolDay(onOrBefore: day("2025-09-08")) == day("2025-09-08"))
        #expect(cal.latestSchoolDay(onOrBefore: day("2030-01-01")) == day("2026-07-22"))
        #expect(cal.latestSchoolDay(onOrBefore: day("2025-05-01")) == nil)
    }

    @Test("a calendar without term rows is never open")
    func emptyCalendar() {
        let cal = SchoolCalendar(entries: [CalendarEntry(start: day("2025-09-04"), end: day("2025-09-04"), kind: .closure)])
        #expect(cal.span == nil)
        #expect(!cal.isOpen(day("2025-09-04"), .am))
        #expect(cal.openSessions(in: week("2025-09-01")) == 0)
        #expect(cal.schoolDays(after: day("2025-09-01"), through: day("2025-09-30")) == 0)
        #expect(cal.terms.isEmpty)
    }

    @Test("year groups move on one a year")
    func yearGroups() {
        #expect(YearGroup.next("R") == "1")
        #expect(YearGroup.next("N2") == "R")
        #expect(YearGroup.next("11") == "12")
        #expect(YearGroup.next("14") == nil)
        #expect(YearGroup.previous("1") == "R")
        #expect(YearGroup.previous("N1") == nil)
        #expect(YearGroup.isValid("R") && YearGroup.isValid("13") && !YearGroup.isValid("Y7") && !YearGroup.isValid("0"))
        let e = Enrolment(startingDay: day("2025-09-03"), leavingDay: nil, yearGroup: "R", yearGroupYear: AcademicYear(startYear: 2025))
        #expect(e.yearGroup(in: AcademicYear(startYear: 2025)) == "R")
        #expect(e.yearGroup(in: AcademicYear(startYear: 2026)) == "1")
        #expect(e.yearGroup(in: AcademicYear(startYear: 2024)) == "N2")
        #expect(e.yearGroup(in: AcademicYear(startYear: 2031)) == "6")
    }
}
