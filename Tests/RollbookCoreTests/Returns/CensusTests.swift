import Testing

@testable import RollbookCore

private func day(_ s: String) -> LocalDate {
    guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
    return d
}

@Suite("Census") struct CensusTests {
    @Test("census terms: autumn 1 Aug-31 Dec, spring to Easter Sunday, summer from Easter Monday (2026: 5 April; 2027: 28 March)")
    func termBoundaries() {
        let y2025 = AcademicYear(startYear: 2025)
        #expect(CensusTerm(.autumn, y2025).range == DateRange(from: day("2025-08-01"), to: day("2025-12-31")))
        #expect(CensusTerm(.spring, y2025).range == DateRange(from: day("2026-01-01"), to: day("2026-04-05")))
        #expect(CensusTerm(.summer, y2025).range == DateRange(from: day("2026-04-06"), to: day("2026-07-31")))
        let y2026 = AcademicYear(startYear: 2026)
        #expect(CensusTerm(.spring, y2026).range.to == day("2027-03-28"))
        #expect(CensusTerm(.summer, y2026).range.from == day("2027-03-29"))
        #expect(CensusTerm(containing: day("2026-04-05")) == CensusTerm(.spring, y2025))
        #expect(CensusTerm(containing: day("2026-04-06")) == CensusTerm(.summer, y2025))
        #expect(CensusTerm(containing: day("2025-07-31")) == CensusTerm(.summer, AcademicYear(startYear: 2024)))
        #expect(CensusTerm(containing: day("2025-08-01")) == CensusTerm(.autumn, y2025))
        #expect(CensusTerm(.spring, y2025).id == "spring-2026" && CensusTerm(.autumn, y2025).id == "autumn-2025")
        #expect(CensusTerm(id: "spring-2026") == CensusTerm(.spring, y2025))
        #expect(CensusTerm(id: "autumn-2025") == CensusTerm(.autumn, y2025))
        #expect(CensusTerm(id: "winter-2025") == nil && CensusTerm(id: "spring") == nil)
    }

    /// A school open the two weeks around Easter (Easter Monday included, to test the boundary), for one pupil.
    /// The pupil is ill all day on the Friday before Easter, O on the Monday after (AM) and G on the Thursday (PM).
    func aroundEaster(easterSunday: String) -> (SchoolCalendar, ReturnPupil, CensusTerm) {
        let sunday = day(easterSunday)
        let firstMonday = sunday.adding(days: -6)
        let lastFriday = sunday.adding(days: 5)
        let calendar = SchoolCalendar(entries: [CalendarEntry(start: firstMonday, end: lastFriday, kind: .term)])
        let year = AcademicYear(containing: sunday)
        let record = PupilRecord(
            upn: "E100000000001", legalSurname: "Easter", legalForename: "Ada", dateOfBirth: day("2015-01-01"),
            sex: "F", yearGroup: "5", form: "5A", startingDay: day("2024-09-01"))
        var p = ReturnPupil(record: record, yearGroupYear: year, marks: SessionArray(covering: year.range))
        var d = firstMonday
        while d <= lastFriday {
            if !d.isWeekend {
                p.marks[d, .am] = .presentAM
                p.marks[d, .pm] = .presentPM
            }
            d = d.adding(days: 1)
        }
        p.marks[sunday.adding(days: -2), .am] = .i
        p.marks[sunday.adding(days: -2), .pm] = .i
        p.marks[sunday.adding(days: 1), .am] = .o
        p.marks[sunday.adding(days: 4), .pm] = .g
        return (calendar, p, CensusTerm(.spring, year))
    }

    @Test("the Friday before Easter counts in spring, Easter Monday in summer", arguments: ["2026-04-05", "2027-03-28"])
    func easterSplit(_ easter: String) throws {
        let (calendar, p, spring) = aroundEaster(easterSunday: easter)
        let summer = CensusTerm(.summer, spring.academicYear)
        let through = day(easter).adding(days: 30)
        let s = try #require(Census.lines([p], calendar: calendar, term: spring, through: through).first)
        #expect(s.counts.possible == 10 && s.counts.authorised == 2 && s.counts.unauthorised == 0)
        #expect(s.byReason == [.i: 2])
        let u = try #require(Census.lines([p], calendar: calendar, term: summer, through: through).first)
        #expect(u.counts.possible == 10 && u.counts.authorised == 0 && u.counts.unauthorised == 2)
        #expect(u.byReason == [.o: 1, .g: 1])
        #expect(u.counts.present == 8)
    }

    @Test("a census term in progress counts to 'through'; one not begun has no lines; a pupil off roll in the term has none")
    func inProgress() {
        let (calendar, p, spring) = aroundEaster(easterSunday: "2027-03-28")
        // Through Wednesday 24 March: Mon-Wed, 6 sessions, all present.
        let lines = Census.lines([p], calendar: calendar, term: spring, through: day("2027-03-24"))
        #expect(lines.first?.counts.possible == 6 && lines.first?.counts.absent == 0)
        #expect(Census.lines([p], calendar: calendar, term: CensusTerm(.summer, spring.academicYear), through: day("2027-03-24")).isEmpty)
        var left = p
        left.record.leavingDay = day("2026-12-18")
        #expect(Census.lines([left], calendar: calendar, term: spring, through: day("2027-04-30")).isEmpty)
    }

    @Test("reasons are the absence codes, with legacy ones only when used; by-reason sums to authorised plus unauthorised")
    func reasons() {
        let codes = Census.reasonCodes()
        #expect(codes.contains(.i) && codes.contains(.g) && codes.contains(.c2) && codes.contains(.n))
        #expect(!codes.contains(.late) && !codes.contains(.d) && !codes.contains(.closure) && !codes.contains(.legacyH))
        let (calendar, p, spring) = aroundEaster(easterSunday: "2026-04-05")
        var old = p
        old.marks[day("2026-03-30"), .am] = .legacyH
        let line = Census.lines([old], calendar: calendar, term: spring, through: day("2026-05-01"))
        #expect(Census.reasonCodes(including: line).contains(.legacyH))
        #expect(line.first.map { $0.byReason.values.reduce(0, +) == $0.counts.absent } == true)
    }
}
