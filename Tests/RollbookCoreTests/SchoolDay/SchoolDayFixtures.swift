import Foundation

@testable import RollbookCore

/// A small fictional secondary day for the school-day tests: autumn term 2026 with a half-term week.
enum SchoolDayFixtures {
    static func day(_ iso: String) -> LocalDate { LocalDate(iso: iso)! }
    static func t(_ text: String) -> TimeOfDay { TimeOfDay(text)! }

    /// Terms 1 Sep - 23 Oct and 2 Nov - 18 Dec 2026, an INSET day on Friday 11 September.
    static let calendar = SchoolCalendar(entries: [
        CalendarEntry(start: day("2026-09-01"), end: day("2026-10-23"), kind: .term),
        CalendarEntry(start: day("2026-11-02"), end: day("2026-12-18"), kind: .term),
        CalendarEntry(start: day("2026-09-11"), end: day("2026-09-11"), kind: .inset),
    ])

    static func upn(_ n: Int) -> String {
        let s = String(n)
        return "A" + String(repeating: "0", count: 12 - s.count) + s
    }

    /// One-week cycle; P1 is registration in the morning, P4 in the afternoon; 9A (a class) and two maths sets.
    static let csv = """
        record,cycle_day,period,start,end,group,kind,teacher,room,upn
        period,1,P1,08:30,09:30,,,,,
        period,1,P2,09:30,10:30,,,,,
        period,1,P3,10:50,11:50,,,,,
        period,1,P4,13:00,14:00,,,,,
        member,,,,,9A,class,,,\(upn(1))
        member,,,,,9A,class,,,\(upn(2))
        member,,,,,9A,class,,,\(upn(3))
        member,,,,,9x/Ma1,set,,,\(upn(1))
        member,,,,,9x/Ma1,set,,,\(upn(2))
        member,,,,,9x/Ma2,set,,,\(upn(3))
        lesson,1,P1,,,9A,,t.adeyemi@school.example,R12,
        lesson,1,P2,,,9A,,t.adeyemi@school.example,R12,
        lesson,1,P3,,,9x/Ma1,,m.okafor@school.example,M3,
        lesson,1,P3,,,9x/Ma2,,s.lindqvist@school.example,M4,
        lesson,1,P4,,,9A,,t.adeyemi@school.example,R12,

        """

    /// The same periods on every day of a one-week cycle.
    static func timetable(effectiveFrom: String = "2026-09-01") -> Timetable {
        var text = csv
        for d in 2...5 {
            for l in csv.split(separator: "\n") where l.hasPrefix("period,1,") || l.hasPrefix("lesson,1,") {
                text += l.replacingOccurrences(of: ",1,", with: ",\(d),") + "\n"
            }
        }
        switch TimetableCSV.read(
            file: "timetable.csv", text: text, effectiveFrom: day(effectiveFrom), cycleStart: day("2026-09-01"), cycleDays: 5)
        {
        case .success(let t): return t
        case .failure(let e): fatalError("fixture timetable: \(e)")
        }
    }
}
