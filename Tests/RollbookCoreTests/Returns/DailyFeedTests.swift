import Foundation
import Testing

@testable import RollbookCore

private func day(_ s: String) -> LocalDate {
    guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
    return d
}

/// Autumn 2026 from Monday 7 September; Year 1 closed on the afternoon of Tuesday 8 September.
private let calendar = SchoolCalendar(entries: [
    CalendarEntry(start: day("2026-09-07"), end: day("2026-10-23"), kind: .term),
    CalendarEntry(start: day("2026-09-08"), end: day("2026-09-08"), kind: .closurePM, yearGroups: ["1"]),
])

private let school = DailyFeed.School(name: "Fictional Primary", laNumber: "990", estabNumber: "2001", urn: "123456")

private func pupil(_ key: Int, _ upn: String, year: String, form: String, leaving: String? = nil) -> DailyFeed.Pupil {
    DailyFeed.Pupil(
        key: key, upn: upn, sex: key % 2 == 0 ? "F" : "M", form: form, sen: key == 2 ? .senSupport : .none, fsm: key == 1,
        enrolment: Enrolment(
            startingDay: day("2026-09-07"), leavingDay: leaving.map(day), yearGroup: year, yearGroupYear: AcademicYear(startYear: 2026)))
}

private let roll = [
    pupil(2, "B200000000002", year: "2", form: "2A"),
    pupil(1, "A100000000001", year: "1", form: "1A"),
    pupil(3, "C300000000003", year: "2", form: "2A", leaving: "2026-09-07"),
]

private func mark(_ p: Int, _ d: String, _ s: Session, _ c: AttendanceCode, late: Int? = nil) -> DailyFeed.Mark {
    DailyFeed.Mark(pupil: p, date: day(d), session: s, code: c, minutesLate: late)
}

@Suite struct DailyFeedTests {
    @Test("a record for each session open for the pupil while on roll, in date, session and UPN order; a closure is no record")
    func records() {
        let marks = [
            mark(1, "2026-09-08", .am, .presentAM), mark(2, "2026-09-08", .am, .late, late: 12), mark(2, "2026-09-08", .pm, .i),
            // A mark on the Year 1 pupil's closed afternoon is not a session of theirs.
            mark(1, "2026-09-08", .pm, .closure),
        ]
        let f = DailyFeed.build(
            school: school, calendar: calendar, range: DateRange(from: day("2026-09-08"), to: day("2026-09-08")), pupils: roll,
            marks: marks)
        #expect(
            f.records.map { "\($0.session.rawValue) \($0.upn) \($0.code?.symbol ?? "-")" } == [
                "AM A100000000001 /", "AM B200000000002 L", "PM B200000000002 I",
            ])
        #expect(f.records[1].minutesLate == 12 && f.records[1].sen == .senSupport && f.records[1].yearGroup == "2")
        #expect(f.records[0].fsm && !f.records[1].fsm)
        #expect(f.day(day("2026-09-08"))?.complete == true)
    }

    @Test("a register with a pupil unmarked makes the day incomplete, counting the forms' registers missing")
    func incomplete() throws {
        let marks = [mark(1, "2026-09-08", .am, .presentAM), mark(2, "2026-09-08", .am, .presentAM)]
        let f = DailyFeed.build(
            school: school, calendar: calendar, range: DateRange(from: day("2026-09-08"), to: day("2026-09-08")), pupils: roll,
            marks: marks)
        let d = try #require(f.day(day("2026-09-08")))
        // AM: 1A and 2A; PM: 2A only (Year 1 closed). 2A's PM register is not taken.
        #expect(d.registers == 3 && d.missingRegisters == 1 && d.unmarkedSessions == 1 && !d.complete)
        #expect(f.json.contains("\"complete\": false"))
        #expect(f.csv.split(separator: "\n").dropFirst().allSatisfy { $0.hasSuffix(",false,1,") })
        #expect(f.records.last?.code == nil)
    }

    @Test("weekends are not days of the feed; a range keeps school days only, and a leaver's sessions stop at leaving")
    func range() {
        let f = DailyFeed.build(
            school: school, calendar: calendar, range: DateRange(from: day("2026-09-04"), to: day("2026-09-08")), pupils: roll,
            marks: [])
        #expect(f.days.map(\.date.iso) == ["2026-09-07", "2026-09-08"])
        #expect(f.records.filter { $0.upn == "C300000000003" }.map(\.date.iso) == ["2026-09-07", "2026-09-07"])
    }

    @Test("the same data gives the same bytes, whatever order the marks and pupils arrive in")
    func idempotent() throws {
        let marks = [mark(1, "2026-09-08", .am, .presentAM), mark(2, "2026-09-08", .am, .n), mark(2, "2026-09-08", .pm, .o)]
        let r = DateRange(from: day("2026-09-07"), to: day("2026-09-09"))
        let a = DailyFeed.build(school: school, calendar: calendar, range: r, pupils: roll, marks: marks)
        let b = DailyFeed.build(school: school, calendar: calendar, range: r, pupils: roll.reversed(), marks: marks.reversed())
        #expect(a.csv == b.csv && a.json == b.json)
        #expect(try JSONSerialization.jsonObject(with: Data(a.json.utf8)) is [String: Any])
    }

    @Test("amendments to days before the range are added, flagged, with when they were made; later days are not")
    func amendments() {
        let r = DateRange(from: day("2026-09-09"), to: day("2026-09-09"))
        let f = DailyFeed.build(
            school: school, calendar: calendar, range: r, pupils: roll, marks: [], amendedSince: "2026-09-08T18:00:00Z",
            amended: [
                (mark(2, "2026-09-08", .pm, .c), "2026-09-09T10:00:00+01:00"),
                (mark(1, "2026-09-09", .am, .c), "2026-09-09T10:05:00+01:00"),
            ])
        #expect(
            f.amendments.map { "\($0.date.iso) \($0.session.rawValue) \($0.upn) \($0.code?.symbol ?? "")" } == [
                "2026-09-08 PM B200000000002 C"
            ])
        #expect(f.csv.contains("amendment,990,2001,123456,B200000000002,2026-09-08,PM,C,,2,F,K,false,,,2026-09-09T10:00:00+01:00"))
        #expect(f.json.contains("\"amended_since\": \"2026-09-08T18:00:00Z\""))
    }

    @Test("the feed's codes counted by the engine's categories give the engine's counts for each pupil")
    func countsAgree() {
        var array = SessionArray(covering: DateRange(from: day("2026-09-07"), to: day("2026-09-11")))
        let codes: [(String, Session, AttendanceCode)] = [
            ("2026-09-07", .am, .presentAM), ("2026-09-07", .pm, .i), ("2026-09-08", .am, .o), ("2026-09-09", .am, .x),
            ("2026-09-09", .pm, .late), ("2026-09-10", .am, .b),
        ]
        var marks: [DailyFeed.Mark] = []
        for (d, s, c) in codes {
            array.set(dayOffset: day("2026-09-07").days(to: day(d)), session: s.index, raw: c.rawValue)
            marks.append(mark(2, d, s, c))
        }
        let r = DateRange(from: day("2026-09-07"), to: day("2026-09-11"))
        let f = DailyFeed.build(school: school, calendar: calendar, range: r, pupils: [roll[0]], marks: marks)
        var c = SessionCounts()
        for rec in f.records {
            switch rec.code.map(StatisticsEngine.category) ?? 0 {
            case 0: c.unmarked += 1
            case 1: c.present += 1
            case 2: c.approvedActivity += 1
            case 3: c.authorised += 1
            case 4: c.unauthorised += 1
            default: continue
            }
            c.possible += 1
        }
        #expect(c == StatisticsEngine(calendar: calendar).counts(array, enrolment: roll[0].enrolment, range: r))
        #expect(c.possible == 9 && c.unmarked == 4)
    }

    @Test("the range: a date, from and to, or the last school day before today; errors name the parameter")
    func requestRange() throws {
        #expect(try DailyFeed.range(date: nil, from: nil, to: nil, today: day("2026-09-14"), calendar: calendar).from == day("2026-09-11"))
        #expect(try DailyFeed.range(date: "2026-09-08", from: nil, to: nil, today: day("2026-09-14"), calendar: calendar).days == 1)
        for (date, from, to, field) in [
            ("2026-09-08", "2026-09-08", nil, "date"), (nil, "2026-09-08", nil, "to"), (nil, nil, "2026-09-08", "from"),
            (nil, "2026-09-09", "2026-09-08", "to"), (nil, "2026-09-01", "2026-12-31", "to"), ("8 Sept", nil, nil, "date"),
        ] as [(String?, String?, String?, String)] {
            #expect(throws: ValidationError.self) {
                try DailyFeed.range(date: date, from: from, to: to, today: day("2026-09-14"), calendar: calendar)
            }
            do { _ = try DailyFeed.range(date: date, from: from, to: to, today: day("2026-09-14"), calendar: calendar) } catch {
                #expect(error.field == field)
            }
        }
        #expect(
            try DailyFeed.range(date: nil, from: "2026-09-01", to: "2026-12-31", today: day("2026-09-14"), calendar: calendar, limit: nil)
                .days == 122)
        #expect(throws: ValidationError.self) { try DailyFeed.moment("yesterday") }
        #expect(try DailyFeed.moment("2026-09-08T18:00:00+01:00") == DailyFeed.moment("2026-09-08T17:00:00Z"))
    }
}
