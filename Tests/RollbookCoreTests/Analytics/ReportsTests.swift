import Testing

@testable import RollbookCore

// The reports people are asked to see (issue 16): newsletter figures and the impact of interventions, on a small
// roll built by hand. Every figure is worked out in the comments.

private func day(_ s: String) -> LocalDate {
    guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
    return d
}

private let year2025 = AcademicYear(startYear: 2025)

/// Autumn 2025: 1 Sep - 17 Oct and 27 Oct - 19 Dec, INSET on Friday 5 September.
private let calendar = SchoolCalendar(entries: [
    CalendarEntry(start: day("2025-09-01"), end: day("2025-10-17"), kind: .term),
    CalendarEntry(start: day("2025-10-27"), end: day("2025-12-19"), kind: .term),
    CalendarEntry(start: day("2025-09-05"), end: day("2025-09-05"), kind: .inset),
])

private struct Book {
    var marks = SessionArray(covering: DateRange(from: day("2025-09-01"), to: day("2025-12-31")))
    /// Every weekday from `from` to `to` marked `code` AM and PM (present unless said).
    mutating func mark(_ from: String, _ to: String, _ code: AttendanceCode? = nil) {
        var d = day(from)
        while d <= day(to) {
            if !d.isWeekend {
                marks[d, .am] = code ?? .presentAM
                marks[d, .pm] = code ?? .presentPM
            }
            d = d.adding(days: 1)
        }
    }
}

private func pupil(_ id: String, form: String) -> AnalyticsPupil {
    AnalyticsPupil(
        id: id, name: "Pupil \(id)",
        enrolment: Enrolment(startingDay: day("2025-09-01"), leavingDay: nil, yearGroup: "3", yearGroupYear: year2025),
        form: form, house: "", sex: "F", characteristics: Characteristics())
}

private func roll(_ books: [(String, String, Book)]) -> AnalyticsRoll {
    AnalyticsRoll(calendar: calendar, year: year2025, pupils: books.map { (pupil($0.0, form: $0.1), $0.2.marks, [:]) })
}

@Suite("Reports: newsletter figures and the impact of interventions")
struct ReportsTests {
    /// Week of 1 September: open Monday to Thursday (8 sessions), Friday INSET.
    /// - A (3A): present but Tuesday ill (I I): 6 of 8.
    /// - B (3A): present throughout: 8 of 8. 3A: 14 of 16 = 87.5%.
    /// - C (3B): present throughout: 8 of 8. 3B: 100%, ranked first.
    /// School: 22 of 24 = 91.7%.
    func firstWeek() -> AnalyticsRoll {
        var a = Book()
        a.mark("2025-09-01", "2025-09-30")
        a.mark("2025-09-02", "2025-09-02", .i)
        var b = Book()
        b.mark("2025-09-01", "2025-09-30")
        var c = Book()
        c.mark("2025-09-01", "2025-09-30")
        return roll([("A", "3A", a), ("B", "3A", b), ("C", "3B", c)])
    }

    @Test(
        "seed 004 'Class and school attendance in the weekly newsletter': the school and each form for the week, its open and closed days")
    func newsletterWeek() throws {
        let r = firstWeek()
        let n = r.newsletter(DateRange(from: day("2025-09-01"), to: day("2025-09-05")), through: day("2025-09-10"))
        #expect(n.openDays == ["2025-09-01", "2025-09-02", "2025-09-03", "2025-09-04"].map(day))
        #expect(n.closedDays == [day("2025-09-05")])
        #expect(n.school.sessions.possible == 24 && n.school.sessions.present == 22 && n.school.pupils == 3)
        #expect(n.forms.map(\.group.value) == ["3B", "3A"])
        #expect(n.forms.map(\.rank) == [1, 2])
        #expect(n.forms[1].statistics.sessions.possible == 16 && n.forms[1].statistics.sessions.present == 14)
    }

    @Test(
        "seed 003 'Half termly Attendance Newsletters': a week not yet over counts only to the day given, and the week just ended is the last one complete"
    )
    func newsletterThrough() throws {
        let r = firstWeek()
        // Through Tuesday 2 September: Monday and Tuesday only, Wednesday onwards neither open nor closed.
        let n = r.newsletter(DateRange(from: day("2025-09-01"), to: day("2025-09-05")), through: day("2025-09-02"))
        #expect(n.openDays == [day("2025-09-01"), day("2025-09-02")] && n.closedDays.isEmpty)
        #expect(n.school.sessions.possible == 12 && n.school.sessions.present == 10)
        // A week not begun by then, or outside the roll's year: no open day, no figures.
        let future = r.newsletter(DateRange(from: day("2025-09-08"), to: day("2025-09-12")), through: day("2025-09-05"))
        #expect(future.openDays.isEmpty && future.school.sessions.possible == 0 && future.forms.isEmpty)
        let past = r.newsletter(DateRange(from: day("2025-03-10"), to: day("2025-03-14")), through: day("2025-09-05"))
        #expect(past.openDays.isEmpty && past.school.pupils == 0)
        // The first week's last school day is Thursday 4 September (Friday is INSET).
        #expect(r.weekJustEnded(through: day("2025-09-03")) == nil)
        #expect(r.weekJustEnded(through: day("2025-09-04")) == day("2025-09-01"))
        #expect(r.weekJustEnded(through: day("2025-09-11")) == day("2025-09-01"))
        #expect(r.weekJustEnded(through: day("2025-09-12")) == day("2025-09-08"))
        // Half-term holiday (20-24 October) has no school day: the week just ended stays the week of 13 October.
        #expect(r.weekJustEnded(through: day("2025-10-24")) == day("2025-10-13"))
    }

    /// Entries on Wednesday 15 October (week of 13 October); with 2-week windows, before is the weeks of 29 September
    /// and 6 October (20 sessions), after the weeks of 27 October and 3 November (the half-term week has no school
    /// day, so it is not a school week).
    /// - A: absent (O) the 2 weeks before, present after: improved.
    /// - B: present before, absent (O) the week of 3 November: 10 of 20 after, worse.
    /// - C: entered twice, once in the holiday (Tuesday 21 October: its week is the next school week, 27 October),
    ///   once on 10 December, after `through` (not counted).
    func interventionRoll() -> AnalyticsRoll {
        var a = Book()
        a.mark("2025-09-01", "2025-12-19")
        a.mark("2025-09-29", "2025-10-10", .o)
        var b = Book()
        b.mark("2025-09-01", "2025-12-19")
        b.mark("2025-11-03", "2025-11-07", .o)
        var c = Book()
        c.mark("2025-09-01", "2025-12-19")
        c.mark("2025-10-13", "2025-10-17", .o)
        return roll([("A", "3A", a), ("B", "3A", b), ("C", "3B", c)])
    }

    @Test(
        "seeds 000 §8.5.1, 002 §7.3, 004 'monitoring how attendance data changes in response to any interventions': attendance before and after each entry, and how many improved"
    )
    func interventionImpact() throws {
        let r = interventionRoll()
        let entries = [
            InterventionEntry(pupilID: "A", kind: "stage-1", date: day("2025-10-15")),
            InterventionEntry(pupilID: "B", kind: "stage-1", date: day("2025-10-15")),
            InterventionEntry(pupilID: "C", kind: "letter_sent", date: day("2025-10-21")),
            InterventionEntry(pupilID: "C", kind: "letter_sent", date: day("2025-12-10")),
            InterventionEntry(pupilID: "nobody", kind: "stage-1", date: day("2025-10-15")),
        ]
        let impact = r.interventionImpact(entries, windowWeeks: 2, through: day("2025-11-28"))
        #expect(impact.map(\.kind) == ["stage-1", "letter_sent"])
        let stage = impact[0]
        #expect(stage.outcomes.map(\.id) == ["A", "B"])
        let a = stage.outcomes[0]
        #expect(a.before.possible == 20 && a.before.unauthorised == 20)
        #expect(a.after.possible == 20 && a.after.present == 20 && a.afterComplete)
        #expect(a.improved == true)
        let b = stage.outcomes[1]
        #expect(b.before.present == 20 && b.after.present == 10 && b.improved == false)
        #expect(stage.measured == 2 && stage.improved == 1)
        #expect(stage.before.possible == 40 && stage.before.present == 20 && stage.after.present == 30)
        // C's holiday entry: before is the weeks of 6 and 13 October (absent the second), after 3 and 10 November.
        let letter = impact[1]
        #expect(letter.outcomes.count == 1)
        let c = letter.outcomes[0]
        #expect(c.before.possible == 20 && c.before.unauthorised == 10)
        #expect(c.after.possible == 20 && c.after.present == 20 && c.improved == true)
    }

    @Test("an after window still running counts to the day given and says it is not complete; with no session after, it is not measured")
    func interventionWindowRunning() {
        let r = interventionRoll()
        let e = [InterventionEntry(pupilID: "A", kind: "stage-1", date: day("2025-10-15"))]
        // Through Wednesday 29 October: 3 days after (27-29 October).
        let running = r.interventionImpact(e, windowWeeks: 2, through: day("2025-10-29"))[0].outcomes[0]
        #expect(running.after.possible == 6 && !running.afterComplete && running.improved == true)
        // Through the entry's own week: nothing after yet.
        let none = r.interventionImpact(e, windowWeeks: 2, through: day("2025-10-17"))[0]
        #expect(none.outcomes[0].after.possible == 0 && none.outcomes[0].improved == nil && none.measured == 0)
    }
}

@Suite("Reports: benchmarking against the other schools")
struct BenchmarkTests {
    func school(present: Int, possible: Int, pupils: Int, persistent: Int) -> GroupStatistics {
        var g = GroupStatistics()
        g.sessions.possible = possible
        g.sessions.present = present
        g.sessions.unauthorised = possible - present
        g.pupils = pupils
        g.persistentAbsence = persistent
        return g
    }

    @Test(
        "seeds 002 §6.3 and 004 'benchmark ... against local ... data': the others are School A, B, ... by attendance, whatever order they come in; ties by persistent absence"
    )
    func anonymisedByFigure() {
        let x = school(present: 90, possible: 100, pupils: 10, persistent: 3)
        let y = school(present: 190, possible: 200, pupils: 20, persistent: 2)
        let z = school(present: 95, possible: 100, pupils: 10, persistent: 2)
        let empty = GroupStatistics()
        let a = SchoolBenchmark.anonymise([x, y, z, empty])
        let b = SchoolBenchmark.anonymise([empty, z, x, y])
        #expect(a.map(\.label) == ["School A", "School B", "School C"])
        // y and z both 95%: z has 2 of 10 persistently absent, y 2 of 20, so y first.
        #expect(a.map(\.statistics) == [y, z, x])
        #expect(b.map(\.statistics) == a.map(\.statistics))
        #expect(SchoolBenchmark.letters(25) == "Z" && SchoolBenchmark.letters(26) == "AA" && SchoolBenchmark.letters(27) == "AB")
        let t = SchoolBenchmark.total([x, y, z])
        #expect(t.sessions.possible == 400 && t.sessions.present == 375 && t.pupils == 40 && t.persistentAbsence == 7)
    }
}

@Suite("Reports: the policy's review and the parents' summary")
struct PolicyReviewTests {
    @Test(
        "seeds 000 §10.1 and 004 'reviewed annually', 001 §9 'every two years': the review date is the months after approval, the month's last day when shorter"
    )
    func reviewDue() throws {
        #expect(PolicyReview.due(approvedOn: day("2025-10-14"), months: 12) == day("2026-10-14"))
        #expect(PolicyReview.due(approvedOn: day("2024-02-29"), months: 12) == day("2025-02-28"))
        #expect(PolicyReview.due(approvedOn: day("2025-01-31"), months: 1) == day("2025-02-28"))
        #expect(PolicyReview.due(approvedOn: day("2025-11-30"), months: 24) == day("2027-11-30"))
        #expect(!PolicyReview.isDue(day("2026-10-14"), today: day("2026-10-13")))
        #expect(PolicyReview.isDue(day("2026-10-14"), today: day("2026-10-14")))
        #expect(
            try SeedPolicyTests.seed(0).reviewEveryMonths == 12 && SeedPolicyTests.seed(0).review?.approvedBy == "the full governing body")
        #expect(try SeedPolicyTests.seed(1).reviewEveryMonths == 24)
        #expect(try SeedPolicyTests.seed(4).reviewEveryMonths == 12)
        #expect(Policy.standard().reviewEveryMonths == 12 && Policy.standard().review == nil)
    }

    @Test("a review interval or parent summary out of range is refused, naming the setting")
    func validation() {
        var p = Policy.standard()
        p.review = .init(everyMonths: 0)
        #expect(throws: ValidationError(field: "review.every_months", reason: "must be 1 to 60 months (12 for annually)")) {
            try p.validate()
        }
        p.review = .init(everyMonths: 12, approvedBy: " ")
        #expect(throws: ValidationError.self) { try p.validate() }
        p.review = nil
        p.parentSummary = "  \n "
        #expect((try? p.validate()) == nil)
        p.parentSummary = String(repeating: "a", count: Policy.parentSummaryLimit + 1)
        do {
            try p.validate()
            Issue.record("a summary over the limit was accepted")
        } catch { #expect(error.field == "parent_summary") }
        p.parentSummary = "Fine."
        #expect((try? p.validate()) != nil)
    }

    @Test(
        "seed 003 'shared with parents at the start of the year and when a child starts': the school's own summary in paragraphs, else one from the register times, first-day contact and leave, with no staff text"
    )
    func parentSummary() throws {
        var p = try SeedPolicyTests.seed(3)
        let generated = ParentSummary.paragraphs(p)
        let text = generated.joined(separator: "\n")
        #expect(text.contains("at \(p.register.am.opens)") && text.contains("after \(p.register.am.lateAfter)"))
        #expect(text.contains("before \(p.dayOne.contactBy)"))
        #expect(text.contains("at least \(p.leave.noticeDays) days"))
        for s in p.stages { #expect(!text.contains(s.name), "a stage's name is staff text") }
        for c in p.clauses { #expect(!text.contains(c.source)) }
        p.parentSummary = "First paragraph.\r\n\r\nSecond\nparagraph.\n\n\n"
        #expect(ParentSummary.paragraphs(p) == ["First paragraph.", "Second\nparagraph."])
    }
}

@Suite("Reports: scheduled reports to staff")
struct ScheduledReportTests {
    /// Autumn 2025 of the calendar above: school days from Monday 1 September (Friday 5th INSET), half term 20-24 October.
    let days: [LocalDate] = {
        AnalyticsRoll(calendar: calendar, year: year2025).schoolDays
    }()

    @Test(
        "seed 001 §8.3 'weekly updates to all staff': a weekly report is due on its weekday once complete, for Monday to that day; never in a week the school is closed"
    )
    func weekly() {
        let r = ScheduledReport(kind: .attendanceSummary, to: ["teacher"], every: .week, weekday: 5)
        #expect(r.due(through: day("2025-09-11"), schoolDays: days) == nil)
        let friday = r.due(through: day("2025-09-12"), schoolDays: days)
        #expect(friday?.day == day("2025-09-12") && friday?.range == DateRange(from: day("2025-09-08"), to: day("2025-09-12")))
        // Saturday: still that Friday's report (the claim makes it once).
        #expect(r.due(through: day("2025-09-13"), schoolDays: days)?.day == day("2025-09-12"))
        // The first week: Friday is INSET, the school was open Monday to Thursday.
        #expect(r.due(through: day("2025-09-05"), schoolDays: days)?.range == DateRange(from: day("2025-09-01"), to: day("2025-09-05")))
        // Half term: no school day that week.
        #expect(r.due(through: day("2025-10-24"), schoolDays: days) == nil)
        // Without a weekday: Friday.
        #expect(
            ScheduledReport(kind: .spreadsheet, to: ["head"], every: .week).due(through: day("2025-09-12"), schoolDays: days)?.day
                == day("2025-09-12"))
        #expect(
            ScheduledReport(kind: .spreadsheet, to: ["head"], every: .week, weekday: 1).due(through: day("2025-09-08"), schoolDays: days)?
                .range
                == DateRange(from: day("2025-09-08"), to: day("2025-09-08")))
    }

    @Test("seed 004 appendix 1 'weekly and annual attendance': the annual report is due once the year's last school day is complete")
    func yearly() throws {
        let r = ScheduledReport(kind: .spreadsheet, to: ["head", "attendance_lead"], every: .year)
        let last = try #require(days.last)
        #expect(last == day("2025-12-19"))
        #expect(r.due(through: day("2025-12-18"), schoolDays: days) == nil)
        let due = r.due(through: day("2025-12-20"), schoolDays: days)
        #expect(due?.day == last && due?.range == DateRange(from: day("2025-09-01"), to: last))
        let p = try SeedPolicyTests.seed(4)
        #expect(
            p.reports?.map(\.every) == [.week, .year]
                && p.reports?.allSatisfy { $0.kind == .spreadsheet && $0.to == ["head", "attendance_lead"] } == true)
        #expect(try SeedPolicyTests.seed(1).reports?.first?.to.contains("teacher") == true)
    }

    @Test("a report to no one, to an unknown role, with a weekday it cannot have, or listed twice is refused, naming the setting")
    func validation() {
        func field(_ reports: [ScheduledReport]) -> String? {
            var p = Policy.standard()
            p.reports = reports
            do {
                try p.validate()
                return nil
            } catch { return error.field }
        }
        #expect(field([.init(kind: .spreadsheet, to: [], every: .week)]) == "reports[0].to")
        #expect(field([.init(kind: .spreadsheet, to: ["la_officer"], every: .week)]) == "reports[0].to")
        #expect(field([.init(kind: .spreadsheet, to: ["head", "head"], every: .week)]) == "reports[0].to")
        #expect(field([.init(kind: .spreadsheet, to: ["head"], every: .year, weekday: 5)]) == "reports[0].weekday")
        #expect(field([.init(kind: .spreadsheet, to: ["head"], every: .week, weekday: 8)]) == "reports[0].weekday")
        #expect(
            field([.init(kind: .spreadsheet, to: ["head"], every: .week), .init(kind: .spreadsheet, to: ["office"], every: .week)])
                == "reports")
        #expect(
            field([.init(kind: .spreadsheet, to: ["head"], every: .week), .init(kind: .spreadsheet, to: ["head"], every: .year)]) == nil)
    }
}
