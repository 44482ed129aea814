import Testing

@testable import RollbookCore

private func day(_ s: String) -> LocalDate {
    guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
    return d
}

/// RULES.md: compulsory school age starts on the prescribed day (31 December, 31 March, 31 August) on or after
/// the fifth birthday, and ends on the last Friday in June of the school year (1 September to 31 August)
/// in which the pupil turns 16.
@Suite("Compulsory school age")
struct CompulsorySchoolAgeTests {
    @Test(
        "starts on the first prescribed day on or after the fifth birthday",
        arguments: [
            ("2020-03-30", "2025-03-31"),  // the day before a prescribed day
            ("2020-03-31", "2025-03-31"),  // birthday exactly on a prescribed day: that day
            ("2020-04-01", "2025-08-31"),  // the day after: the next prescribed day
            ("2020-08-30", "2025-08-31"),
            ("2020-08-31", "2025-08-31"),
            ("2020-09-01", "2025-12-31"),
            ("2020-11-02", "2025-12-31"),  // Mia in the tiny example
            ("2020-12-31", "2025-12-31"),
            ("2021-01-01", "2026-03-31"),  // across the new year
            ("2019-02-28", "2024-03-31"),
            ("2016-02-29", "2021-03-31"),  // leap-day birthday, fifth birthday in a common year
        ])
    func starts(_ dob: String, _ expected: String) {
        #expect(CompulsorySchoolAge.starts(dateOfBirth: day(dob)) == day(expected))
    }

    @Test(
        "ends on the last Friday in June of the school year in which the pupil turns 16",
        arguments: [
            ("2009-08-31", "2025-06-27"),  // turns 16 on 31 Aug 2025: school year 2024/25, ends before the birthday
            ("2009-09-01", "2026-06-26"),  // turns 16 on 1 Sep 2025: school year 2025/26
            ("2009-07-15", "2025-06-27"),
            ("2010-01-01", "2026-06-26"),
            ("2010-06-26", "2026-06-26"),  // last Friday of June is the 16th birthday
            ("2007-01-15", "2023-06-30"),  // 30 June 2023 was a Friday
            ("2012-07-01", "2028-06-30"),  // 30 June 2028 is a Friday
            ("2008-02-29", "2024-06-28"),  // leap-day birthday
            ("2014-12-31", "2031-06-27"),  // Zofia in the tiny example
        ])
    func ends(_ dob: String, _ expected: String) {
        let end = CompulsorySchoolAge.ends(dateOfBirth: day(dob))
        #expect(end == day(expected))
        #expect(end.weekday == 5)
        #expect(end.month == 6 && end.day > 23)
    }

    @Test("of compulsory school age from the start day to the end day, both included")
    func window() {
        let autumnBorn = day("2020-09-01")
        #expect(!CompulsorySchoolAge.isOfCompulsorySchoolAge(dateOfBirth: autumnBorn, on: day("2025-12-30")))
        #expect(CompulsorySchoolAge.isOfCompulsorySchoolAge(dateOfBirth: autumnBorn, on: day("2025-12-31")))
        #expect(
            CompulsorySchoolAge.isOfCompulsorySchoolAge(dateOfBirth: autumnBorn, on: day("2036-09-01")), "still of age on the 16th birthday"
        )
        #expect(CompulsorySchoolAge.ends(dateOfBirth: autumnBorn) == day("2037-06-26"))
        #expect(CompulsorySchoolAge.isOfCompulsorySchoolAge(dateOfBirth: autumnBorn, on: day("2037-06-26")))
        #expect(!CompulsorySchoolAge.isOfCompulsorySchoolAge(dateOfBirth: autumnBorn, on: day("2037-06-27")))

        let summerBorn = day("2009-08-31")
        #expect(CompulsorySchoolAge.isOfCompulsorySchoolAge(dateOfBirth: summerBorn, on: day("2025-06-27")))
        #expect(!CompulsorySchoolAge.isOfCompulsorySchoolAge(dateOfBirth: summerBorn, on: day("2025-06-28")))
        #expect(!CompulsorySchoolAge.isOfCompulsorySchoolAge(dateOfBirth: summerBorn, on: day("2014-08-30")))
        #expect(CompulsorySchoolAge.isOfCompulsorySchoolAge(dateOfBirth: summerBorn, on: day("2014-08-31")))
    }

    @Test("age in whole years, with a leap-day birthday coming of age on 1 March")
    func age() {
        #expect(CompulsorySchoolAge.age(dateOfBirth: day("2009-08-31"), on: day("2025-08-30")) == 15)
        #expect(CompulsorySchoolAge.age(dateOfBirth: day("2009-08-31"), on: day("2025-08-31")) == 16)
        #expect(CompulsorySchoolAge.age(dateOfBirth: day("2009-08-31"), on: day("2025-09-01")) == 16)
        #expect(CompulsorySchoolAge.age(dateOfBirth: day("2008-02-29"), on: day("2024-02-28")) == 15)
        #expect(CompulsorySchoolAge.age(dateOfBirth: day("2008-02-29"), on: day("2024-02-29")) == 16)
        #expect(CompulsorySchoolAge.age(dateOfBirth: day("2008-02-29"), on: day("2025-02-28")) == 16)
        #expect(CompulsorySchoolAge.age(dateOfBirth: day("2008-02-29"), on: day("2025-03-01")) == 17)
        #expect(CompulsorySchoolAge.age(dateOfBirth: day("2020-11-02"), on: day("2025-09-01")) == 4)
    }
}
