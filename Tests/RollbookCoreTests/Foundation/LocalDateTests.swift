import Foundation
import Testing

@testable import RollbookCore

private func day(_ s: String) -> LocalDate {
    guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
    return d
}

@Suite("Dates and times")
struct LocalDateTests {
    @Test("ISO dates parse strictly")
    func isoParsing() {
        #expect(LocalDate(iso: "2025-09-01")?.iso == "2025-09-01")
        #expect(LocalDate(iso: "2024-02-29") != nil)  // leap year
        #expect(LocalDate(iso: "2000-02-29") != nil)  // divisible by 400
        #expect(LocalDate(iso: "2025-02-29") == nil)
        #expect(LocalDate(iso: "1900-02-29") == nil)  // divisible by 100, not 400
        #expect(LocalDate(iso: "2025-02-30") == nil)
        #expect(LocalDate(iso: "2025-04-31") == nil)
        #expect(LocalDate(iso: "2025-13-01") == nil)
        #expect(LocalDate(iso: "2025-00-10") == nil)
        #expect(LocalDate(iso: "2025-09-00") == nil)
        #expect(LocalDate(iso: "2025-9-1") == nil)
        #expect(LocalDate(iso: "2025/09/01") == nil)
        #expect(LocalDate(iso: "01-09-2025") == nil)
        #expect(LocalDate(iso: " 2025-09-01") == nil)
        #expect(LocalDate(iso: "2025-09-01T00:00") == nil)
        #expect(LocalDate(iso: "") == nil)
    }

    @Test("day numbers, components and ISO text agree over three decades")
    func roundTrip() {
        var d = day("1999-01-01")
        #expect(d.dayNumber == 10592)
        #expect(day("1970-01-01").dayNumber == 0)
        var expectedNumber = d.dayNumber
        var previous: (Int, Int, Int)? = nil
        while d <= day("2031-12-31") {
            let c = d.components
            #expect(LocalDate(year: c.year, month: c.month, day: c.day) == d)
            #expect(LocalDate(iso: d.iso) == d)
            #expect(d.dayNumber == expectedNumber)
            if let p = previous { #expect((p.0, p.1, p.2) < (c.year, c.month, c.day)) }
            previous = (c.year, c.month, c.day)
            d = d.adding(days: 1)
            expectedNumber += 1
        }
    }

    @Test("weekdays, including before 1970")
    func weekdays() {
        #expect(day("1970-01-01").weekday == 4)  // Thursday
        #expect(day("1969-12-31").weekday == 3)  // Wednesday
        #expect(day("2000-02-29").weekday == 2)  // Tuesday
        #expect(day("2025-09-01").weekday == 1)  // Monday
        #expect(day("2025-09-07").weekday == 7)  // Sunday
        #expect(day("2025-09-06").isWeekend && day("2025-09-07").isWeekend && !day("2025-09-05").isWeekend)
        #expect(day("2025-09-07").weekStart == day("2025-09-01"))
        #expect(day("2025-09-01").weekStart == day("2025-09-01"))
        #expect(day("2025-09-03").weekStart == day("2025-09-01"))
        #expect(day("2025-08-30").days(to: day("2025-09-02")) == 3)
        #expect(day("2025-09-02").days(to: day("2025-08-30")) == -3)
    }

    @Test(
        "Easter Sunday",
        arguments: [
            (2019, "2019-04-21"), (2024, "2024-03-31"), (2025, "2025-04-20"), (2026, "2026-04-05"),
            (2027, "2027-03-28"), (2038, "2038-04-25"), (2285, "2285-03-22"),
        ])
    func easter(_ year: Int, _ expected: String) {
        #expect(LocalDate.easterSunday(year: year) == day(expected))
        #expect(LocalDate.easterSunday(year: year).weekday == 7)
    }

    @Test("date ranges include both ends")
    func ranges() {
        let r = DateRange(from: day("2025-09-01"), to: day("2025-09-30"))
        #expect(r.days == 30)
        #expect(r.contains(day("2025-09-01")) && r.contains(day("2025-09-30")))
        #expect(!r.contains(day("2025-08-31")) && !r.contains(day("2025-10-01")))
        #expect(
            r.clamped(to: DateRange(from: day("2025-09-20"), to: day("2025-10-20")))
                == DateRange(from: day("2025-09-20"), to: day("2025-09-30")))
        #expect(r.clamped(to: DateRange(from: day("2025-10-01"), to: day("2025-10-20"))) == nil)
        #expect(DateRange(from: day("2025-09-02"), to: day("2025-09-01")).days == 0)
    }

    @Test("academic years run 1 September to 31 August")
    func academicYears() {
        #expect(AcademicYear(containing: day("2025-08-31")).startYear == 2024)
        #expect(AcademicYear(containing: day("2025-09-01")).startYear == 2025)
        #expect(AcademicYear(containing: day("2026-01-01")).startYear == 2025)
        #expect(AcademicYear(startYear: 2025).range == DateRange(from: day("2025-09-01"), to: day("2026-08-31")))
        #expect(AcademicYear(startYear: 2025).description == "2025/26")
        #expect(AcademicYear(startYear: 2009).description == "2009/10")
        #expect(AcademicYear(startYear: 1999).description == "1999/00")
    }

    @Test("times of day parse H:MM and HH:MM, 24-hour")
    func timesOfDay() {
        #expect(TimeOfDay("9:05")?.minutes == 545)
        #expect(TimeOfDay("09:05")?.minutes == 545)
        #expect(TimeOfDay("13:59")?.minutes == 839)
        #expect(TimeOfDay("0:00")?.minutes == 0)
        #expect(TimeOfDay("23:59")?.minutes == 1439)
        #expect(TimeOfDay("24:00") == nil)
        #expect(TimeOfDay("9:60") == nil)
        #expect(TimeOfDay("9:5") == nil)
        #expect(TimeOfDay("905") == nil)
        #expect(TimeOfDay("9.05") == nil)
        #expect(TimeOfDay("") == nil)
        #expect(TimeOfDay(hour: 9, minute: 5)?.description == "9:05")
        #expect(TimeOfDay(hour: 13, minute: 45)?.description == "13:45")
    }

    @Test("LocalDate and TimeOfDay encode as text and reject bad text")
    func codable() throws {
        struct Box: Codable, Equatable {
            var d: LocalDate
            var t: TimeOfDay
        }
        let box = Box(d: day("2025-09-08"), t: TimeOfDay(hour: 8, minute: 30)!)
        let data = try JSONEncoder().encode(box)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"2025-09-08\"") && text.contains("\"8:30\""))
        #expect(try JSONDecoder().decode(Box.self, from: data) == box)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Box.self, from: Data(#"{"d":"2025-02-30","t":"8:30"}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Box.self, from: Data(#"{"d":"2025-02-03","t":"25:00"}"#.utf8))
        }
    }
}
