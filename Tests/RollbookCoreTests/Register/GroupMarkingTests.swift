import Testing

@testable import RollbookCore

private func day(_ s: String) -> LocalDate {
    guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
    return d
}

/// Autumn 2025 to October half term, with year 11 closed on Friday 12 September (an INSET for them) and the whole
/// school closed on the afternoon of Wednesday 17 September.
private let calendar = SchoolCalendar(entries: [
    CalendarEntry(start: day("2025-09-03"), end: day("2025-10-24"), kind: .term),
    CalendarEntry(start: day("2025-09-12"), end: day("2025-09-12"), kind: .closure, yearGroups: ["11"]),
    CalendarEntry(start: day("2025-09-17"), end: day("2025-09-17"), kind: .closurePM),
])

private func pupil(_ id: Int, year: String, from: String = "2025-09-03", to: String? = nil) -> GroupMarking.Pupil {
    GroupMarking.Pupil(
        id: id,
        enrolment: Enrolment(
            startingDay: day(from), leavingDay: to.map(day), yearGroup: year, yearGroupYear: AcademicYear(startYear: 2025)))
}

@Suite("Marking a group at once (issue 18)")
struct GroupMarkingTests {
    @Test(
        "seed 000 §6.4 'an educational visit or trip arranged by the school': V for three pupils over three sessions is exactly those nine marks"
    )
    func tripOverThreeSessions() throws {
        // Tuesday 9 September AM and PM, Wednesday 10 September AM.
        let pupils = [pupil(1, year: "7"), pupil(2, year: "7"), pupil(3, year: "8")]
        let am = try GroupMarking.expand(
            pupils: pupils, from: day("2025-09-09"), to: day("2025-09-10"), sessions: [.am, .pm], calendar: calendar)
        let slots = am.slots.filter { !($0.date == day("2025-09-10") && $0.session == .pm) }
        #expect(am.slots.count == 12)
        #expect(slots.count == 9)
        #expect(Set(slots.map(\.pupilID)) == [1, 2, 3])
        #expect(am.notOnRoll.isEmpty)
        try GroupMarking.check(code: .v, from: day("2025-09-09"), to: day("2025-09-10"))
    }

    @Test("weekends, holidays and closures for the pupil's year group are skipped; days off roll are reported, not marked")
    func skipsClosedAndOffRoll() throws {
        let pupils = [pupil(1, year: "11"), pupil(2, year: "10", from: "2025-09-15"), pupil(3, year: "10", to: "2025-09-11")]
        let e = try GroupMarking.expand(
            pupils: pupils, from: day("2025-09-11"), to: day("2025-09-17"), sessions: [.am, .pm], calendar: calendar)
        // Year 11: Thu 11, (Fri 12 closed), Mon 15, Tue 16, Wed 17 AM only.
        #expect(e.slots.filter { $0.pupilID == 1 }.count == 7)
        #expect(!e.slots.contains { $0.date == day("2025-09-13") || $0.date == day("2025-09-14") })
        #expect(!e.slots.contains { $0.date == day("2025-09-17") && $0.session == .pm })
        // Pupil 2 joins on the 15th: Thursday and Friday are reported, not marked.
        #expect(e.notOnRoll[2] == [day("2025-09-11"), day("2025-09-12")])
        #expect(e.slots.filter { $0.pupilID == 2 }.count == 5)
        // Pupil 3 leaves on the 11th.
        #expect(e.slots.filter { $0.pupilID == 3 }.map(\.date) == [day("2025-09-11"), day("2025-09-11")])
        #expect(e.notOnRoll[3] == [day("2025-09-12"), day("2025-09-15"), day("2025-09-16"), day("2025-09-17")])
    }

    @Test("seed 002 §4.4.6 'Study leave may be granted for Year 11 pupils': S and the enforced closure codes are allowed for a group")
    func allowedCodes() throws {
        for c in [AttendanceCode.v, .p, .s, .y1, .y4, .y7, .b, .k, .w] {
            try GroupMarking.check(code: c, from: day("2025-09-09"), to: day("2025-09-09"))
        }
    }

    @Test("codes that make no sense for a group (N, O, I, M, G, present, late, D, #) are refused naming code")
    func refusedCodes() {
        for c in [AttendanceCode.n, .o, .i, .m, .g, .presentAM, .late, .d, .closure, .c, .e] {
            #expect(throws: ValidationError.self) { try GroupMarking.check(code: c, from: day("2025-09-09"), to: day("2025-09-09")) }
            do {
                try GroupMarking.check(code: c, from: day("2025-09-09"), to: day("2025-09-09"))
            } catch { #expect(error.field == "code" && error.reason.contains("cannot be written for a group")) }
        }
        // A policy's narrower list is what counts.
        #expect(throws: ValidationError.self) {
            try GroupMarking.check(code: .y7, from: day("2025-09-09"), to: day("2025-09-09"), allowed: [.v, .p])
        }
    }

    @Test("a range backwards, over a school year or across two school years is refused naming to")
    func ranges() {
        for (from, to) in [("2025-09-10", "2025-09-09"), ("2025-09-01", "2026-09-01"), ("2025-08-28", "2025-09-03")] {
            do {
                try GroupMarking.check(code: .v, from: day(from), to: day(to))
                Issue.record("\(from) to \(to) was accepted")
            } catch { #expect(error.field == "to") }
        }
    }

    @Test("more than the limit of marks is refused before anything is listed")
    func limit() {
        let pupils = (1...10).map { pupil($0, year: "9") }
        #expect(throws: ValidationError.self) {
            try GroupMarking.expand(
                pupils: pupils, from: day("2025-09-08"), to: day("2025-09-12"), sessions: [.am, .pm], calendar: calendar, maxMarks: 99)
        }
        #expect(
            (try? GroupMarking.expand(
                pupils: pupils, from: day("2025-09-08"), to: day("2025-09-12"), sessions: [.am, .pm], calendar: calendar, maxMarks: 100))?
                .slots.count == 100)
    }

    @Test("each session's change: written when empty, unchanged when the same, kept or amended when different")
    func changes() {
        #expect(GroupMarking.change(existing: nil, code: .v, replaceExisting: false) == .write)
        #expect(GroupMarking.change(existing: .v, code: .v, replaceExisting: true) == .unchanged)
        #expect(GroupMarking.change(existing: .presentAM, code: .v, replaceExisting: false) == .keep)
        #expect(GroupMarking.change(existing: .n, code: .v, replaceExisting: true) == .amend)
    }

    @Test("the policy's group_marking.codes is optional and checked: a code no group may carry is refused with its path")
    func policySetting() throws {
        try GroupMarkingPolicy(codes: nil).validate()
        try GroupMarkingPolicy(codes: ["V", "P", "S"]).validate()
        do {
            try GroupMarkingPolicy(codes: ["V", "N"]).validate()
            Issue.record("N accepted")
        } catch { #expect(error.field == "group_marking.codes[1]") }
        #expect(throws: ValidationError.self) { try GroupMarkingPolicy(codes: []).validate() }
    }
}

@Suite("Recurring patterns (issue 18)")
struct RecurringPatternTests {
    @Test(
        "seed 000 §6.4 'provision arranged by the local authority. e.g. alternative provision': K every Tuesday afternoon covers Tuesday PMs only, skipping closures"
    )
    func tuesdayAfternoon() throws {
        let k = try RecurringPattern(weekdays: [2], sessions: [.pm], code: .k, from: day("2025-09-09")).checked()
        #expect(k.applies(on: day("2025-09-09"), .pm))
        #expect(!k.applies(on: day("2025-09-09"), .am))
        #expect(!k.applies(on: day("2025-09-10"), .pm))
        #expect(!k.applies(on: day("2025-09-02"), .pm))
        let slots = k.slots(in: DateRange(from: day("2025-09-01"), to: day("2025-10-31")), calendar: calendar, yearGroup: "9")
        // Tuesdays of term from the 9th: 9, 16, 23, 30 September, 7, 14, 21 October (half term has none).
        #expect(
            slots.map(\.date.iso) == ["2025-09-09", "2025-09-16", "2025-09-23", "2025-09-30", "2025-10-07", "2025-10-14", "2025-10-21"])
        #expect(slots.allSatisfy { $0.session == .pm })
        #expect(k.words == "K every Tuesday afternoon from 2025-09-09")
    }

    @Test("seed 002 §4.4.7 dual registration: D on Monday and Thursday, both sessions")
    func dualRegistration() throws {
        let d = try RecurringPattern(weekdays: [4, 1], sessions: [.am, .pm], code: .d, from: day("2025-09-08")).checked()
        #expect(d.weekdays == [1, 4])
        let slots = d.slots(in: DateRange(from: day("2025-09-08"), to: day("2025-09-12")), calendar: calendar, yearGroup: "9")
        #expect(slots.map(\.iso) == ["2025-09-08-am", "2025-09-08-pm", "2025-09-11-am", "2025-09-11-pm"])
        #expect(d.words == "D every Monday and Thursday from 2025-09-08")
    }

    @Test("ending a pattern sets its last day: the sessions after it are no longer covered, those before still are")
    func ending() throws {
        let k = try RecurringPattern(weekdays: [2], sessions: [.pm], code: .k, from: day("2025-09-09")).checked()
        let ended = try k.ended(lastDay: day("2025-09-22"))
        #expect(ended.applies(on: day("2025-09-16"), .pm))
        #expect(!ended.applies(on: day("2025-09-23"), .pm))
        #expect(throws: ValidationError.self) { try ended.ended(lastDay: day("2025-09-30")) }
        #expect(throws: ValidationError.self) { try k.ended(lastDay: day("2025-09-01")) }
    }

    @Test("a pattern with no weekday, a weekend day, a code other than B, K or D, or an end before its start is refused naming the field")
    func refused() {
        func field(_ p: RecurringPattern) -> String? {
            do {
                _ = try p.checked()
                return nil
            } catch { return error.field }
        }
        #expect(field(RecurringPattern(weekdays: [], sessions: [.pm], code: .k, from: day("2025-09-09"))) == "weekdays")
        #expect(field(RecurringPattern(weekdays: [6], sessions: [.pm], code: .k, from: day("2025-09-09"))) == "weekdays")
        #expect(field(RecurringPattern(weekdays: [2], sessions: [.pm], code: .n, from: day("2025-09-09"))) == "code")
        #expect(field(RecurringPattern(weekdays: [2], sessions: [.pm], code: .v, from: day("2025-09-09"))) == "code")
        #expect(
            field(RecurringPattern(weekdays: [2], sessions: [.pm], code: .b, from: day("2025-09-09"), to: day("2025-09-08"))) == "to")
    }
}
