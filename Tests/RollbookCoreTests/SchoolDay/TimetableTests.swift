import Foundation
import Testing

@testable import RollbookCore

@Suite("Timetable: cycle days, versions and the CSV file")
struct TimetableTests {
    typealias F = SchoolDayFixtures

    @Test("issue 17 'one- or two-week cycle': the cycle day counts school days, so an INSET day and half term do not move it")
    func cycleDayCountsSchoolDays() throws {
        var t = F.timetable()
        t.cycleDays = 10
        // Tue 1 Sep is day 1; Fri 11 Sep is INSET (closed), so Mon 14 Sep is day 9, not day 10.
        #expect(t.cycleDay(of: F.day("2026-09-01"), calendar: F.calendar) == 1)
        #expect(t.cycleDay(of: F.day("2026-09-10"), calendar: F.calendar) == 8)
        #expect(t.cycleDay(of: F.day("2026-09-11"), calendar: F.calendar) == nil)
        #expect(t.cycleDay(of: F.day("2026-09-14"), calendar: F.calendar) == 9)
        #expect(t.cycleDay(of: F.day("2026-09-15"), calendar: F.calendar) == 10)
        #expect(t.cycleDay(of: F.day("2026-09-16"), calendar: F.calendar) == 1)
        // Weekends and the half-term holiday have no cycle day; the cycle resumes where it stopped.
        #expect(t.cycleDay(of: F.day("2026-09-12"), calendar: F.calendar) == nil)
        #expect(t.cycleDay(of: F.day("2026-10-26"), calendar: F.calendar) == nil)
        let friday = try #require(t.cycleDay(of: F.day("2026-10-23"), calendar: F.calendar))
        #expect(t.cycleDay(of: F.day("2026-11-02"), calendar: F.calendar) == friday % 10 + 1)
        // A cycle that starts on a weekend starts on the first school day after it.
        t.cycleStart = F.day("2026-08-30")
        #expect(t.cycleDay(of: F.day("2026-09-01"), calendar: F.calendar) == 1)
        #expect(t.cycleDay(of: F.day("2026-08-31"), calendar: F.calendar) == nil)
    }

    @Test("issue 17 'changes take effect from a date': each day is read from the version in force on it")
    func versionsByDate() throws {
        let first = F.timetable()
        var second = F.timetable(effectiveFrom: "2026-11-02")
        second.lessons = second.lessons.map {
            var l = $0
            if l.group == "9x/Ma1" { l.teacher = "r.mensah@school.example" }
            return l
        }
        let history = TimetableHistory([second, first])
        #expect(history.timetable(on: F.day("2026-08-31")) == nil)
        #expect(history.timetable(on: F.day("2026-10-23"))?.effectiveFrom == F.day("2026-09-01"))
        #expect(history.timetable(on: F.day("2026-11-02"))?.effectiveFrom == F.day("2026-11-02"))
        let before = try #require(history.day(F.day("2026-10-23"), calendar: F.calendar))
        let after = try #require(history.day(F.day("2026-11-03"), calendar: F.calendar))
        #expect(before.lessons.first { $0.group == "9x/Ma1" }?.teacher == "m.okafor@school.example")
        #expect(after.lessons.first { $0.group == "9x/Ma1" }?.teacher == "r.mensah@school.example")
        #expect(history.day(F.day("2026-10-24"), calendar: F.calendar) == nil)
    }

    @Test("a day's timetable lists lessons in period order with their pupils; 'My lessons' is a teacher's share")
    func dayAndMyLessons() throws {
        let d = try #require(F.timetable().day(F.day("2026-11-25"), calendar: F.calendar))
        #expect(d.lessons.map(\.registerName) == ["P1 9A", "P2 9A", "P3 9x/Ma1", "P3 9x/Ma2", "P4 9A"])
        #expect(d.lessons[2].pupils == [F.upn(1), F.upn(2)])
        #expect(d.lessons[2].start == F.t("10:50") && d.lessons[2].room == "M3")
        #expect(d.lessons(teacher: "t.adeyemi@school.example").map(\.period) == ["P1", "P2", "P4"])
        #expect(F.timetable().teachers(of: "9A") == ["t.adeyemi@school.example"])
        #expect(F.timetable().groups.map(\.kind) == [.class, .set, .set])
    }

    @Test("the CSV reader names line, column and reason for every error it finds")
    func csvErrors() {
        let text = """
            record,cycle_day,period,start,end,group,kind,teacher,room,upn
            period,1,P1,08:30,09:30,,,,,
            period,1,P1,09:00,09:30,,,,,
            period,6,P2,09:30,9.30,,,,,
            period,1,P3,11:00,10:00,,,,,
            member,,,,,9A,class,,,A123
            member,,,,,9A,class,,,\(F.upn(1))
            member,,,,,9A,set,,,\(F.upn(2))
            member,,,,,Ma1,set,,,\(F.upn(1))
            lesson,1,P1,,,9A,,t1,R1,
            lesson,1,P1,,,Ma1,,t1,R2,
            lesson,1,P1,,,Ma1,,t2,R2,
            lesson,1,P9,,,9A,,t3,R1,
            lesson,1,P1,,,7B,,t4,R1,
            lesson,1,P1,,,9A,,,R1,
            break,1,P1,,,,,,,

            """
        guard
            case .failure(let e) = TimetableCSV.read(
                file: "t.csv", text: text, effectiveFrom: F.day("2026-09-01"), cycleStart: F.day("2026-09-01"), cycleDays: 5)
        else {
            Issue.record("a bad file was accepted")
            return
        }
        let found = e.errors.map { "\($0.line) \($0.column)" }
        #expect(
            found == [
                "3 period", "4 cycle_day", "4 end", "5 end", "6 upn", "8 kind", "11 teacher", "12 group", "13 period", "14 group",
                "15 teacher", "16 record",
            ])
        #expect(e.errors[0].reason == "P1 on cycle day 1 is already on line 2")
        #expect(e.errors[1].reason == "'6' must be a day of the cycle, 1 to 5")
        #expect(e.errors[2].reason == "'9.30' is not a time in the form HH:MM")
        #expect(e.errors[7].reason.contains("\(F.upn(1)) is in Ma1 and in 9A"))
        #expect(e.errors[9].reason == "7B has no pupils (no member rows for it)")
        #expect(e.description.contains("t.csv:16: column record: 'break' must be period, lesson or member"))
    }

    @Test("the CSV reader rejects a wrong header, a cycle of 7 days and a cycle starting after the version")
    func csvShape() {
        func errors(_ text: String, cycle: Int = 5, start: String = "2026-09-01") -> [String] {
            guard
                case .failure(let e) = TimetableCSV.read(
                    file: "t.csv", text: text, effectiveFrom: F.day("2026-09-01"), cycleStart: F.day(start), cycleDays: cycle)
            else { return [] }
            return e.errors.map(\.column)
        }
        #expect(errors("record,day,period\n") == ["-"])
        #expect(errors(F.csv, cycle: 7) == ["cycle_days"])
        #expect(errors(F.csv, start: "2026-09-02") == ["cycle_start"])
        #expect(errors(F.csv).isEmpty)
    }

    @Test("docs/timetable-csv.md's example reads as a valid timetable")
    func documentedExample() throws {
        let url = Repository.root.appendingPathComponent("docs/timetable-csv.md")
        let doc = try String(contentsOf: url, encoding: .utf8)
        let start = try #require(doc.range(of: "```csv\n"))
        let end = try #require(doc.range(of: "```", range: start.upperBound..<doc.endIndex))
        let result = TimetableCSV.read(
            file: "example.csv", text: String(doc[start.upperBound..<end.lowerBound]), effectiveFrom: F.day("2026-09-01"),
            cycleStart: F.day("2026-09-01"), cycleDays: 10)
        let t = try result.get()
        #expect(!t.lessons.isEmpty && !t.groups.isEmpty)
    }
}
