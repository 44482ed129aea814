import Foundation
import Testing

@testable import RollbookCore

private func day(_ s: String) -> LocalDate {
    guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
    return d
}

private let rateKeys = ["attendance_rate", "absence_rate", "authorised_absence_rate", "unauthorised_absence_rate"]
private let countKeys = [
    "possible_sessions", "present_sessions", "approved_activity_sessions",
    "authorised_absence_sessions", "unauthorised_absence_sessions",
]
private let flagKeys = ["persistent_absence", "severe_absence"]

/// Compares two report objects parsed by JSONSerialization, key by key and by the type each key should have.
private func expectSameReportObject(_ actual: [String: Any], _ expected: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) {
    let upn = expected["upn"] as? String ?? "?"
    #expect(Set(actual.keys) == Set(expected.keys), "keys for \(upn)", sourceLocation: sourceLocation)
    #expect(actual["upn"] as? String == expected["upn"] as? String, sourceLocation: sourceLocation)
    for k in countKeys {
        let a = (actual[k] as? NSNumber)?.intValue
        let e = (expected[k] as? NSNumber)?.intValue
        #expect(e != nil, "\(upn) \(k) missing from the expected file", sourceLocation: sourceLocation)
        #expect(a == e, "\(upn) \(k)", sourceLocation: sourceLocation)
    }
    for k in rateKeys {
        if expected[k] is NSNull {
            #expect(actual[k] is NSNull, "\(upn) \(k) should be null", sourceLocation: sourceLocation)
        } else {
            let a = (actual[k] as? NSNumber)?.doubleValue
            let e = (expected[k] as? NSNumber)?.doubleValue
            #expect(e != nil, "\(upn) \(k) missing from the expected file", sourceLocation: sourceLocation)
            #expect(
                a != nil && e != nil && abs(a! - e!) < 1e-9, "\(upn) \(k): \(String(describing: a)) vs \(String(describing: e))",
                sourceLocation: sourceLocation)
        }
    }
    for k in flagKeys {
        #expect(expected[k] as? Bool != nil, "\(upn) \(k) missing from the expected file", sourceLocation: sourceLocation)
        #expect(actual[k] as? Bool == expected[k] as? Bool, "\(upn) \(k)", sourceLocation: sourceLocation)
    }
}

/// A rate rounded to 4 decimals, as the report prints it.
private func rounded4(_ r: Double?) -> Double? { r.map { ($0 * 10000).rounded() / 10000 } }

@Suite("Statistics: the tiny worked example")
struct TinyExampleStatisticsTests {
    @Test("each pupil's counts over September 2025 match expected_report_2025-09-01_2025-09-30.json")
    func countsMatchExpectedReport() throws {
        let tiny = try TinyExample.load()
        let expected = try TinyExample.expectedReport()
        let lines = tiny.reportLines()
        #expect(lines.map(\.upn) == expected.compactMap { $0["upn"] as? String })
        try #require(lines.count == expected.count && expected.count == 3)
        for (line, e) in zip(lines, expected) {
            let c = line.counts
            #expect(c.possible == (e["possible_sessions"] as? NSNumber)?.intValue, "\(line.upn) possible")
            #expect(c.present == (e["present_sessions"] as? NSNumber)?.intValue, "\(line.upn) present")
            #expect(c.approvedActivity == (e["approved_activity_sessions"] as? NSNumber)?.intValue, "\(line.upn) approved")
            #expect(c.authorised == (e["authorised_absence_sessions"] as? NSNumber)?.intValue, "\(line.upn) authorised")
            #expect(c.unauthorised == (e["unauthorised_absence_sessions"] as? NSNumber)?.intValue, "\(line.upn) unauthorised")
            #expect(c.unmarked == 0, "every possible session in the example has a mark")
            let rates: [(Double?, String)] = [
                (c.attendanceRate, "attendance_rate"), (c.absenceRate, "absence_rate"),
                (c.authorisedAbsenceRate, "authorised_absence_rate"),
                (c.unauthorisedAbsenceRate, "unauthorised_absence_rate"),
            ]
            for (r, k) in rates {
                let want = try #require((e[k] as? NSNumber)?.doubleValue)
                #expect(rounded4(r) == want, "\(line.upn) \(k)")
            }
            #expect(c.isPersistentAbsence == e["persistent_absence"] as? Bool, "\(line.upn) persistent")
            #expect(c.isSevereAbsence == e["severe_absence"] as? Bool, "\(line.upn) severe")
        }
    }

    @Test("the first pupil, worked by hand in the examples README")
    func firstPupilByHand() throws {
        let tiny = try TinyExample.load()
        let mia = try #require(tiny.pupils.first { $0.upn == "A100000000001" })
        let engine = StatisticsEngine(calendar: tiny.calendar)
        let marks = tiny.sessionArray(for: mia.upn)
        // 13 term weekdays, minus 2 reception induction days, minus 12 Sept = 10 days = 20 sessions, minus 17 Sept PM = 19.
        #expect(tiny.calendar.openSessions(in: TinyExample.range) == 13 * 2 - 2 - 1)
        #expect(tiny.calendar.openSessions(in: TinyExample.range, yearGroup: "R") == 19)
        let c = engine.counts(marks, enrolment: tiny.enrolment(mia), range: TinyExample.range)
        #expect(c == SessionCounts(possible: 19, present: 11, approvedActivity: 1, authorised: 2, unauthorised: 5))
        // The # marks on the induction days are on sessions closed to reception, so they are not among the totals.
        let totals = engine.codeTotals(marks, enrolment: tiny.enrolment(mia), range: TinyExample.range)
        #expect(totals == [.presentAM: 5, .presentPM: 5, .late: 1, .i: 2, .u: 1, .v: 1, .g: 2, .n: 1, .o: 1])
        #expect(totals.values.reduce(0, +) == c.possible)
    }

    @Test("ReportLine.json round-trips to the expected values, keys in column order")
    func reportJSONRoundTrip() throws {
        let lines = try TinyExample.load().reportLines()
        let json = ReportLine.json(lines)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        let expected = try TinyExample.expectedReport()
        try #require(parsed.count == expected.count)
        for (a, e) in zip(parsed, expected) { expectSameReportObject(a, e) }
        // Keys come in the documented order, flags as JSON booleans.
        let first = lines[0].jsonObject
        let positions = ReportLine.columns.map { first.range(of: "\"\($0)\":")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        let found = positions.compactMap { $0 }
        #expect(found == found.sorted())
        #expect(first.contains("\"persistent_absence\": true") && first.contains("\"severe_absence\": false"))
        #expect(first.contains("\"attendance_rate\": 0.6316"))
    }

    @Test("ReportLine.csv has the columns as its header and one row a pupil")
    func reportCSV() throws {
        let lines = try TinyExample.load().reportLines()
        let csv = ReportLine.csv(lines).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(csv.count == 5)  // header, three pupils, the empty string after the final newline
        #expect(csv[0] == ReportLine.columns.joined(separator: ","))
        #expect(csv[1] == "A100000000001,19,11,1,2,5,0.6316,0.3684,0.1053,0.2632,true,false")
        #expect(csv[2] == "A100000000002,10,5,2,1,2,0.7,0.3,0.1,0.2,true,false")
        #expect(csv[3] == "A100000000003,15,12,0,3,0,0.8,0.2,0.2,0.0,true,false")
        #expect(csv[4] == "")
    }

    @Test("group figures for the three pupils")
    func tinyGroup() throws {
        var g = GroupStatistics()
        for l in try TinyExample.load().reportLines() { g.add(l.counts) }
        #expect(g.pupils == 3)
        #expect(g.sessions == SessionCounts(possible: 44, present: 28, approvedActivity: 3, authorised: 6, unauthorised: 7))
        #expect(g.persistentAbsence == 3)
        #expect(g.severeAbsence == 0)
        #expect(g.persistentAbsenceRate == 1.0)
        #expect(g.severeAbsenceRate == 0.0)
        #expect(g.sessions.attendanceRate == 31.0 / 44.0)
    }
}

/// September 2025 open every weekday (1-30 September: 22 weekdays, 44 sessions).
private let september = SchoolCalendar(entries: [CalendarEntry(start: day("2025-09-01"), end: day("2025-09-30"), kind: .term)])
private let septemberRange = DateRange(from: day("2025-09-01"), to: day("2025-09-30"))

/// A pupil's marks: every open session present, then the given overrides.
private func marks(
    calendar: SchoolCalendar = september, range: DateRange = septemberRange, yearGroup: String? = nil,
    fill: Bool = true, _ overrides: [(String, Session, AttendanceCode)] = []
) -> SessionArray {
    var a = SessionArray(covering: range)
    if fill {
        var d = range.from
        while d <= range.to {
            for s in Session.allCases where calendar.isOpen(d, s, yearGroup: yearGroup) { a[d, s] = s == .am ? .presentAM : .presentPM }
            d = d.adding(days: 1)
        }
    }
    for (d, s, c) in overrides { a[day(d), s] = c }
    return a
}

private func enrolment(_ from: String = "2025-09-01", _ to: String? = nil, yearGroup: String = "7", year: Int = 2025) -> Enrolment {
    Enrolment(startingDay: day(from), leavingDay: to.map(day), yearGroup: yearGroup, yearGroupYear: AcademicYear(startYear: year))
}

@Suite("Statistics engine")
struct StatisticsEngineTests {
    let engine = StatisticsEngine(calendar: september)

    @Test("a full month present: 44 possible, 100% attendance")
    func allPresent() {
        let c = engine.counts(marks(), enrolment: enrolment(), range: septemberRange)
        #expect(c == SessionCounts(possible: 44, present: 44, approvedActivity: 0, authorised: 0, unauthorised: 0))
        #expect(c.attendanceRate == 1.0 && c.absenceRate == 0.0)
        #expect(!c.isPersistentAbsence && !c.isSevereAbsence)
    }

    @Test("a part-year pupil counts only the sessions on roll, starting and leaving days included")
    func partYear() {
        // On roll Wednesday 10 to Friday 19 September: 8 school days.
        let m = marks([
            ("2025-09-08", .am, .z), ("2025-09-09", .pm, .z), ("2025-09-22", .am, .o), ("2025-09-30", .pm, .o),
            ("2025-09-10", .am, .i), ("2025-09-19", .pm, .g),
        ])
        let c = engine.counts(m, enrolment: enrolment("2025-09-10", "2025-09-19"), range: septemberRange)
        #expect(c == SessionCounts(possible: 16, present: 14, approvedActivity: 0, authorised: 1, unauthorised: 1))
        // A range that starts inside the on-roll period.
        let later = engine.counts(
            m, enrolment: enrolment("2025-09-10", "2025-09-19"), range: DateRange(from: day("2025-09-15"), to: day("2025-09-30")))
        #expect(later == SessionCounts(possible: 10, present: 9, approvedActivity: 0, authorised: 0, unauthorised: 1))
        // Left before the range: nothing possible.
        let gone = engine.counts(
            m, enrolment: enrolment("2025-09-01", "2025-09-05"), range: DateRange(from: day("2025-09-08"), to: day("2025-09-30")))
        #expect(gone == SessionCounts())
    }

    @Test("possible sessions with no mark yet are possible but in no other count")
    func unmarked() {
        let c = engine.counts(
            marks(fill: false, [("2025-09-01", .am, .presentAM), ("2025-09-01", .pm, .n)]),
            enrolment: enrolment(), range: septemberRange)
        #expect(c.possible == 44 && c.unmarked == 42 && c.present == 1 && c.unauthorised == 1)
        // "So far": the two marked sessions only, one attended.
        #expect(c.markedOnly.possible == 2 && c.markedOnly.unmarked == 0 && c.markedOnly.attendanceRate == 0.5)
        #expect(c.attendanceRate == 1.0 / 44)
    }

    @Test("marks on weekends, holidays, closed sessions and days off roll are not counted")
    func marksOutsideOpenSessionsIgnored() {
        let cal = SchoolCalendar(entries: [
            CalendarEntry(start: day("2025-09-01"), end: day("2025-09-19"), kind: .term),
            CalendarEntry(start: day("2025-09-12"), end: day("2025-09-12"), kind: .closure),
            CalendarEntry(start: day("2025-09-17"), end: day("2025-09-17"), kind: .closurePM),
        ])
        let engine = StatisticsEngine(calendar: cal)
        let clean = marks(calendar: cal)
        let noisy = marks(
            calendar: cal,
            [
                ("2025-09-06", .am, .o), ("2025-09-07", .pm, .g),  // weekend
                ("2025-09-12", .am, .o), ("2025-09-12", .pm, .o),  // whole-school closure
                ("2025-09-17", .pm, .u),  // afternoon closure
                ("2025-09-22", .am, .o), ("2025-09-29", .pm, .i),  // after the term
            ])
        let e = enrolment()
        let expected = SessionCounts(possible: 27, present: 27, approvedActivity: 0, authorised: 0, unauthorised: 0)
        #expect(engine.counts(clean, enrolment: e, range: septemberRange) == expected)
        #expect(engine.counts(noisy, enrolment: e, range: septemberRange) == expected)
        #expect(engine.codeTotals(noisy, enrolment: e, range: septemberRange) == [.presentAM: 14, .presentPM: 13])
        // Off roll: marks before the starting day are ignored.
        let beforeStart = marks(calendar: cal, [("2025-09-01", .am, .o), ("2025-09-01", .pm, .o)])
        #expect(engine.counts(beforeStart, enrolment: enrolment("2025-09-02"), range: septemberRange).unauthorised == 0)
    }

    @Test(
        "marks that are not possible sessions come out of the denominator",
        arguments: [AttendanceCode.d, .x, .q, .y1, .y2, .y3, .y4, .y5, .y6, .y7, .z, .closure])
    func notPossible(_ code: AttendanceCode) {
        let c = engine.counts(marks([("2025-09-08", .am, code), ("2025-09-08", .pm, code)]), enrolment: enrolment(), range: septemberRange)
        #expect(c == SessionCounts(possible: 42, present: 42, approvedActivity: 0, authorised: 0, unauthorised: 0))
    }

    @Test(
        "each counted code lands in its statistic",
        arguments: [
            (AttendanceCode.late, "present"), (.k, "approved"), (.v, "approved"), (.p, "approved"), (.w, "approved"), (.b, "approved"),
            (.c1, "authorised"), (.m, "authorised"), (.j1, "authorised"), (.s, "authorised"), (.c2, "authorised"), (.c, "authorised"),
            (.e, "authorised"), (.i, "authorised"), (.t, "authorised"), (.r, "authorised"),
            (.g, "unauthorised"), (.u, "unauthorised"), (.o, "unauthorised"), (.n, "unauthorised"),
        ])
    func codeCategory(_ code: AttendanceCode, _ category: String) {
        let c = engine.counts(marks([("2025-09-08", .am, code)]), enrolment: enrolment(), range: septemberRange)
        #expect(c.possible == 44)
        #expect(c.present == 43 + (category == "present" ? 1 : 0))
        #expect(c.approvedActivity == (category == "approved" ? 1 : 0))
        #expect(c.authorised == (category == "authorised" ? 1 : 0))
        #expect(c.unauthorised == (category == "unauthorised" ? 1 : 0))
    }

    @Test("historic marks keep the meaning they had: J approved activity, H and F authorised, Y not possible")
    func legacyMarks() {
        let cal = SchoolCalendar(entries: [CalendarEntry(start: day("2023-09-04"), end: day("2023-09-29"), kind: .term)])
        let range = DateRange(from: day("2023-09-01"), to: day("2023-09-30"))
        var m = SessionArray(covering: range)
        var d = day("2023-09-04")
        while d <= day("2023-09-29") {
            if !d.isWeekend {
                m[d, .am] = .presentAM
                m[d, .pm] = .presentPM
            }
            d = d.adding(days: 1)
        }
        m[day("2023-09-04"), .am] = .legacyJ
        m[day("2023-09-05"), .am] = .legacyH
        m[day("2023-09-05"), .pm] = .legacyF
        m[day("2023-09-06"), .am] = .legacyY
        let c = StatisticsEngine(calendar: cal).counts(m, enrolment: enrolment("2023-09-04", year: 2023), range: range)
        #expect(c == SessionCounts(possible: 39, present: 36, approvedActivity: 1, authorised: 2, unauthorised: 0))
    }

    @Test("persistent absence at exactly 10% of possible sessions, not just under")
    func persistentThreshold() {
        // 10 school days (1-12 September) = 20 possible; 2 absences = 10%.
        let range = DateRange(from: day("2025-09-01"), to: day("2025-09-12"))
        let atTen = engine.counts(marks([("2025-09-03", .am, .i), ("2025-09-10", .pm, .o)]), enrolment: enrolment(), range: range)
        #expect(atTen.possible == 20 && atTen.absent == 2)
        #expect(atTen.isPersistentAbsence)
        #expect(atTen.absenceRate == 0.1)
        // Just under: 2 absences in 21 possible (9.5%).
        let range21 = DateRange(from: day("2025-09-01"), to: day("2025-09-15"))
        let underTen = engine.counts(
            marks([("2025-09-03", .am, .i), ("2025-09-10", .pm, .o), ("2025-09-15", .pm, .y4)]),
            enrolment: enrolment(), range: range21)
        #expect(underTen.possible == 21 && underTen.absent == 2)
        #expect(!underTen.isPersistentAbsence)
        // Approved educational activity and lateness are not absence.
        let activity = engine.counts(marks([("2025-09-03", .am, .v), ("2025-09-10", .pm, .late)]), enrolment: enrolment(), range: range)
        #expect(!activity.isPersistentAbsence)
    }

    @Test("severe absence at exactly 50%, not just under")
    func severeThreshold() {
        let range = DateRange(from: day("2025-09-01"), to: day("2025-09-12"))  // 20 possible
        let ten = (0..<10).map { i in
            (
                ["2025-09-01", "2025-09-02", "2025-09-03", "2025-09-04", "2025-09-05"][i / 2], i % 2 == 0 ? Session.am : .pm,
                AttendanceCode.g
            )
        }
        let atFifty = engine.counts(marks(ten), enrolment: enrolment(), range: range)
        #expect(atFifty.possible == 20 && atFifty.absent == 10)
        #expect(atFifty.isSevereAbsence && atFifty.isPersistentAbsence)
        let underFifty = engine.counts(marks(Array(ten.dropLast())), enrolment: enrolment(), range: range)
        #expect(underFifty.absent == 9)
        #expect(!underFifty.isSevereAbsence && underFifty.isPersistentAbsence)
    }

    @Test("thresholds hold for every small denominator (absence * 10 >= possible, absence * 2 >= possible)")
    func thresholdsExhaustive() {
        for possible in 1...120 {
            for absent in 0...possible {
                let c = SessionCounts(
                    possible: possible, present: possible - absent, approvedActivity: 0,
                    authorised: absent / 2, unauthorised: absent - absent / 2)
                // Percentages as exact integers: absent / possible >= 10 / 100.
                #expect(c.isPersistentAbsence == (absent * 100 >= possible * 10), "\(absent)/\(possible)")
                #expect(c.isSevereAbsence == (absent * 100 >= possible * 50), "\(absent)/\(possible)")
            }
        }
    }

    @Test("no possible sessions: every rate is nil and neither flag is set")
    func noPossibleSessions() throws {
        // A range wholly in a holiday, and a pupil who is only ever D.
        let holiday = engine.counts(marks(), enrolment: enrolment(), range: DateRange(from: day("2025-10-01"), to: day("2025-10-31")))
        let dual = engine.counts(
            marks(fill: false, [("2025-09-01", .am, .d), ("2025-09-01", .pm, .d)]), enrolment: enrolment(),
            range: DateRange(from: day("2025-09-01"), to: day("2025-09-01")))
        for c in [holiday, dual, SessionCounts()] {
            #expect(c.possible == 0)
            #expect(c.attendanceRate == nil && c.absenceRate == nil && c.authorisedAbsenceRate == nil && c.unauthorisedAbsenceRate == nil)
            #expect(!c.isPersistentAbsence && !c.isSevereAbsence)
        }
        let line = ReportLine(upn: "A100000000009", counts: dual)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(ReportLine.json([line]).utf8)) as? [[String: Any]])
        for k in rateKeys { #expect(parsed[0][k] is NSNull, "\(k)") }
        #expect(parsed[0]["persistent_absence"] as? Bool == false)
        #expect(line.csvRow == "A100000000009,0,0,0,0,0,,,,,false,false")
    }

    @Test("rates share the possible-sessions denominator and print to 4 decimals")
    func ratesAndRounding() throws {
        let c = SessionCounts(possible: 3, present: 1, approvedActivity: 1, authorised: 0, unauthorised: 1)
        #expect(c.attendanceRate == 2.0 / 3.0)
        #expect(c.absenceRate == 1.0 / 3.0)
        #expect(c.authorisedAbsenceRate == 0)
        #expect(c.unauthorisedAbsenceRate == 1.0 / 3.0)
        let line = ReportLine(upn: "A100000000009", counts: c)
        #expect(line.csvRow == "A100000000009,3,1,1,0,1,0.6667,0.3333,0.0,0.3333,true,false")
        let all = ReportLine(
            upn: "A100000000009", counts: SessionCounts(possible: 7, present: 7, approvedActivity: 0, authorised: 0, unauthorised: 0))
        #expect(all.csvRow == "A100000000009,7,7,0,0,0,1.0,0.0,0.0,0.0,false,false")
        let small = ReportLine(
            upn: "A100000000009", counts: SessionCounts(possible: 10000, present: 9999, approvedActivity: 0, authorised: 1, unauthorised: 0)
        )
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(ReportLine.json([small]).utf8)) as? [[String: Any]])
        #expect((parsed[0]["absence_rate"] as? NSNumber)?.doubleValue == 0.0001)
        #expect((parsed[0]["attendance_rate"] as? NSNumber)?.doubleValue == 0.9999)
        let empty = try #require(try JSONSerialization.jsonObject(with: Data(ReportLine.json([]).utf8)) as? [Any])
        #expect(empty.isEmpty)
    }

    @Test("a year group's closure follows the pupil's year group in each academic year")
    func yearGroupMovesOnInSeptember() {
        let cal = SchoolCalendar(entries: [
            CalendarEntry(start: day("2025-06-30"), end: day("2025-07-04"), kind: .term),
            CalendarEntry(start: day("2025-09-01"), end: day("2025-09-05"), kind: .term),
            CalendarEntry(start: day("2025-07-01"), end: day("2025-07-01"), kind: .closure, yearGroups: ["R"]),
            CalendarEntry(start: day("2025-09-02"), end: day("2025-09-02"), kind: .closure, yearGroups: ["R"]),
        ])
        let range = DateRange(from: day("2025-06-30"), to: day("2025-09-05"))
        let engine = StatisticsEngine(calendar: cal)
        var m = SessionArray(covering: range)
        // Everybody present every weekday of both terms (marks on closed sessions are simply not counted).
        var d = range.from
        while d <= range.to {
            if !d.isWeekend {
                m[d, .am] = .presentAM
                m[d, .pm] = .presentPM
            }
            d = d.adding(days: 1)
        }
        // Reception in 2025/26 (nursery in 2024/25): only the September reception closure applies.
        let newReception = Enrolment(
            startingDay: day("2025-06-30"), leavingDay: nil, yearGroup: "R", yearGroupYear: AcademicYear(startYear: 2025))
        #expect(engine.counts(m, enrolment: newReception, range: range).possible == 18)
        // Year 1 in 2025/26 (reception in 2024/25): only the July reception closure applies.
        let newYear1 = Enrolment(
            startingDay: day("2025-06-30"), leavingDay: nil, yearGroup: "1", yearGroupYear: AcademicYear(startYear: 2025))
        #expect(engine.counts(m, enrolment: newYear1, range: range).possible == 18)
        #expect(engine.codeTotals(m, enrolment: newYear1, range: range)[.presentAM] == 9)
        // Year 3: neither.
        let year3 = Enrolment(startingDay: day("2025-06-30"), leavingDay: nil, yearGroup: "3", yearGroupYear: AcademicYear(startYear: 2025))
        #expect(engine.counts(m, enrolment: year3, range: range).possible == 20)
        // The same pupil described from 2024/25 gives the same figures.
        let sameAsNewYear1 = Enrolment(
            startingDay: day("2025-06-30"), leavingDay: nil, yearGroup: "R", yearGroupYear: AcademicYear(startYear: 2024))
        #expect(engine.counts(m, enrolment: sameAsNewYear1, range: range) == engine.counts(m, enrolment: newYear1, range: range))
    }

    @Test("a session array may start after the calendar does, or end before the range")
    func arrayOffsetFromCalendar() {
        let cal = SchoolCalendar(entries: [
            CalendarEntry(start: day("2025-06-02"), end: day("2025-07-22"), kind: .term),
            CalendarEntry(start: day("2025-09-01"), end: day("2025-09-30"), kind: .term),
        ])
        let engine = StatisticsEngine(calendar: cal)
        let m = marks(calendar: cal, [("2025-09-30", .pm, .i)])  // covers September only
        #expect(
            engine.counts(m, enrolment: enrolment("2025-06-02"), range: septemberRange)
                == SessionCounts(possible: 44, present: 43, approvedActivity: 0, authorised: 1, unauthorised: 0))
        // Over the summer term and September, the summer sessions have no marks in this array: possible but unmarked.
        let both = engine.counts(m, enrolment: enrolment("2025-06-02"), range: DateRange(from: day("2025-06-01"), to: day("2025-09-30")))
        #expect(both.possible == 44 + 74 && both.unmarked == 74 && both.present == 43)
        // An array that stops mid-month: the rest of the month is unmarked.
        let short = marks(calendar: cal, range: DateRange(from: day("2025-09-01"), to: day("2025-09-14")))
        let c = engine.counts(short, enrolment: enrolment("2025-06-02"), range: septemberRange)
        #expect(c.possible == 44 && c.present == 20 && c.unmarked == 24)
    }

    @Test("session arrays hold one byte a session and ignore days outside them")
    func sessionArray() {
        var a = SessionArray(covering: DateRange(from: day("2025-09-01"), to: day("2025-09-07")))
        #expect(a.bytes.count == 14)
        #expect(a[day("2025-09-01"), .am] == nil)
        a[day("2025-09-01"), .pm] = .late
        #expect(a[day("2025-09-01"), .pm] == .late)
        #expect(a.bytes[1] == AttendanceCode.late.rawValue)
        a[day("2025-08-31"), .am] = .o  // before: ignored
        a[day("2025-09-08"), .am] = .o  // after: ignored
        #expect(a[day("2025-08-31"), .am] == nil && a[day("2025-09-08"), .am] == nil)
        #expect(a.bytes.filter { $0 != 0 }.count == 1)
        a[day("2025-09-01"), .pm] = nil
        #expect(a.bytes.allSatisfy { $0 == 0 })
        a.set(dayOffset: 6, session: 1, raw: AttendanceCode.presentPM.rawValue)
        #expect(a[day("2025-09-07"), .pm] == .presentPM)
    }
}

@Suite("Group statistics")
struct GroupStatisticsTests {
    @Test("groups sum sessions and count pupils with possible sessions, persistent and severe absentees")
    func group() {
        var g = GroupStatistics()
        #expect(g.persistentAbsenceRate == nil && g.severeAbsenceRate == nil)
        let a = SessionCounts(possible: 20, present: 18, approvedActivity: 0, authorised: 1, unauthorised: 1)  // 10%: persistent
        let b = SessionCounts(possible: 20, present: 5, approvedActivity: 5, authorised: 4, unauthorised: 6)  // 50%: severe
        let c = SessionCounts(possible: 20, present: 19, approvedActivity: 0, authorised: 1, unauthorised: 0)  // 5%
        let d = SessionCounts()  // no possible sessions
        for x in [a, b, c, d] { g.add(x) }
        #expect(g.pupils == 3)
        #expect(g.persistentAbsence == 2)
        #expect(g.severeAbsence == 1)
        #expect(g.sessions == SessionCounts(possible: 60, present: 42, approvedActivity: 5, authorised: 6, unauthorised: 7))
        #expect(g.persistentAbsenceRate == 2.0 / 3.0)
        #expect(g.severeAbsenceRate == 1.0 / 3.0)
        #expect(g.sessions.absenceRate == 13.0 / 60.0)
        #expect(g.sessions.attendanceRate == 47.0 / 60.0)
    }

    @Test("adding counts adds every field, unmarked included")
    func sum() {
        var x = SessionCounts(possible: 4, present: 1, approvedActivity: 1, authorised: 1, unauthorised: 0, unmarked: 1)
        x += SessionCounts(possible: 6, present: 2, approvedActivity: 0, authorised: 1, unauthorised: 2, unmarked: 1)
        #expect(x == SessionCounts(possible: 10, present: 3, approvedActivity: 1, authorised: 2, unauthorised: 2, unmarked: 2))
        #expect(x.absent == 4)
    }
}

@Suite("Attendance bands")
struct AttendanceBandTests {
    @Test(
        "seed 002's bands: 96-100, 94-95.9, 90-93.9, below 90",
        arguments: [
            (1.0, "96% or more"), (0.96, "96% or more"), (0.9596, "96% or more"), (0.959, "94% to 95.9%"),
            (0.94, "94% to 95.9%"), (0.939, "90% to 93.9%"), (0.90, "90% to 93.9%"), (0.899, "below 90%"), (0.0, "below 90%"),
        ])
    func bands(_ rate: Double, _ name: String) {
        #expect(AttendanceBands.standard.band(for: rate)?.name == name)
    }

    @Test("no possible sessions, no band")
    func noRate() { #expect(AttendanceBands.standard.band(for: nil) == nil) }
}

@Suite("Persistent and severe absence: national definitions and a school's own")
struct AbsenceThresholdsTests {
    static func counts(absent: Int, of possible: Int) -> SessionCounts {
        SessionCounts(possible: possible, present: possible - absent, approvedActivity: 0, authorised: absent, unauthorised: 0, unmarked: 0)
    }

    @Test("the DfE's 10% and 50% hold exactly at the line: 3 of 30, 15 of 30")
    func national() {
        #expect(Self.counts(absent: 3, of: 30).isPersistentAbsence && !Self.counts(absent: 2, of: 30).isPersistentAbsence)
        #expect(Self.counts(absent: 15, of: 30).isSevereAbsence && !Self.counts(absent: 14, of: 30).isSevereAbsence)
        #expect(!Self.counts(absent: 0, of: 0).isPersistentAbsence)
        #expect(AbsenceThresholds.national.words(0.10) == "10% or more (the DfE's definition)")
    }

    @Test("a policy's persistent_absence and severe_absence decide the school's own lists, labelled as the school's")
    func policy() {
        var p = Policy.standard()
        p.persistentAbsence = 0.12
        p.severeAbsence = 0.4
        let t = p.absenceThresholds
        #expect(!t.isPersistent(Self.counts(absent: 3, of: 30)) && Self.counts(absent: 3, of: 30).isPersistentAbsence)
        #expect(t.isSevere(Self.counts(absent: 12, of: 30)) && !Self.counts(absent: 12, of: 30).isSevereAbsence)
        #expect(t.words(t.persistent) == "12% or more (the school's policy)")
    }
}
