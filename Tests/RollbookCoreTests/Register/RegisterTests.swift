import Testing

@testable import RollbookCore

private func day(_ s: String) -> LocalDate {
    guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
    return d
}

private func time(_ s: String) -> TimeOfDay {
    guard let t = TimeOfDay(s) else { fatalError("bad test time \(s)") }
    return t
}

private func window(opens: String, lateAfter: String? = nil, closes: String) -> RegisterWindow {
    RegisterWindow(opens: time(opens), lateAfter: lateAfter.map(time), closes: time(closes))
}

/// Register times as the seed policies state them, in Rollbook's terms:
/// an arrival after `lateAfter` up to and including `closes` is L, after `closes` U.
private enum SeedTimes {
    /// 000: "taken at 8.30am and will be kept open until 9.29am ... taken at 1.00pm and kept open until 1.59pm".
    static let seed000 = RegisterTimes(am: window(opens: "8:30", closes: "9:29"), pm: window(opens: "13:00", closes: "13:59"))
    /// 002: "Registration begins at 9.00am; pupils arriving after this time will be marked as present but
    /// arriving late. The register will close at 9.25am; pupils arriving after the close of register ... U".
    static let seed002 = RegisterTimes(am: window(opens: "9:00", closes: "9:25"), pm: RegisterTimes.standard.pm)
    /// 003: "Registers open at 8:45am and close at 9:00am" (children arriving after 9am are late),
    /// "mark all children arriving after 9.15am ... as an unauthorised late".
    static let seed003 = RegisterTimes(am: window(opens: "8:45", lateAfter: "9:00", closes: "9:15"), pm: RegisterTimes.standard.pm)
    /// 004: "marked by 9:10am. Pupils will receive a late mark if they are not in their classroom by
    /// this time"; "will close at 9:20am. Pupils will receive a mark of absence if they do not attend school before
    /// this time" (so 9:19 is the last minute for L); PM "marked by 1:30pm", "close at 1:45pm".
    static let seed004 = RegisterTimes(
        am: window(opens: "8:40", lateAfter: "9:10", closes: "9:19"),
        pm: window(opens: "13:15", lateAfter: "13:30", closes: "13:45"))
}

struct SeedArrivalCase: Sendable, CustomTestStringConvertible {
    let seed: String
    let times: RegisterTimes
    let session: Session
    let at: String
    let code: AttendanceCode
    let minutesLate: Int?
    var testDescription: String { "\(seed) \(session.rawValue) \(at) -> \(code.symbol)\(minutesLate.map { " \($0)" } ?? "")" }
}

private let arrivalCases: [SeedArrivalCase] = [
    // 000: AM 8:30, open until 9:29; PM 13:00, open until 13:59.
    .init(seed: "000", times: SeedTimes.seed000, session: .am, at: "8:10", code: .presentAM, minutesLate: nil),
    .init(seed: "000", times: SeedTimes.seed000, session: .am, at: "8:30", code: .presentAM, minutesLate: nil),
    .init(seed: "000", times: SeedTimes.seed000, session: .am, at: "8:31", code: .late, minutesLate: 1),
    .init(seed: "000", times: SeedTimes.seed000, session: .am, at: "8:45", code: .late, minutesLate: 15),
    .init(seed: "000", times: SeedTimes.seed000, session: .am, at: "9:29", code: .late, minutesLate: 59),
    .init(seed: "000", times: SeedTimes.seed000, session: .am, at: "9:30", code: .u, minutesLate: 60),
    .init(seed: "000", times: SeedTimes.seed000, session: .am, at: "11:00", code: .u, minutesLate: 150),
    .init(seed: "000", times: SeedTimes.seed000, session: .pm, at: "12:55", code: .presentPM, minutesLate: nil),
    .init(seed: "000", times: SeedTimes.seed000, session: .pm, at: "13:00", code: .presentPM, minutesLate: nil),
    .init(seed: "000", times: SeedTimes.seed000, session: .pm, at: "13:01", code: .late, minutesLate: 1),
    .init(seed: "000", times: SeedTimes.seed000, session: .pm, at: "13:59", code: .late, minutesLate: 59),
    .init(seed: "000", times: SeedTimes.seed000, session: .pm, at: "14:00", code: .u, minutesLate: 60),
    // 002: 9:00, closes 9:25.
    .init(seed: "002", times: SeedTimes.seed002, session: .am, at: "9:00", code: .presentAM, minutesLate: nil),
    .init(seed: "002", times: SeedTimes.seed002, session: .am, at: "9:01", code: .late, minutesLate: 1),
    .init(seed: "002", times: SeedTimes.seed002, session: .am, at: "9:25", code: .late, minutesLate: 25),
    .init(seed: "002", times: SeedTimes.seed002, session: .am, at: "9:26", code: .u, minutesLate: 26),
    // 003: opens 8:45, late after 9:00, U after 9:15.
    .init(seed: "003", times: SeedTimes.seed003, session: .am, at: "8:45", code: .presentAM, minutesLate: nil),
    .init(seed: "003", times: SeedTimes.seed003, session: .am, at: "9:00", code: .presentAM, minutesLate: nil),
    .init(seed: "003", times: SeedTimes.seed003, session: .am, at: "9:01", code: .late, minutesLate: 1),
    .init(seed: "003", times: SeedTimes.seed003, session: .am, at: "9:15", code: .late, minutesLate: 15),
    .init(seed: "003", times: SeedTimes.seed003, session: .am, at: "9:16", code: .u, minutesLate: 16),
    // 004: AM late after 9:10, closes 9:20 (9:19 the last L); PM late after 13:30, closes 13:45.
    .init(seed: "004", times: SeedTimes.seed004, session: .am, at: "8:50", code: .presentAM, minutesLate: nil),
    .init(seed: "004", times: SeedTimes.seed004, session: .am, at: "9:10", code: .presentAM, minutesLate: nil),
    .init(seed: "004", times: SeedTimes.seed004, session: .am, at: "9:11", code: .late, minutesLate: 1),
    .init(seed: "004", times: SeedTimes.seed004, session: .am, at: "9:19", code: .late, minutesLate: 9),
    .init(seed: "004", times: SeedTimes.seed004, session: .am, at: "9:20", code: .u, minutesLate: 10),
    .init(seed: "004", times: SeedTimes.seed004, session: .pm, at: "13:30", code: .presentPM, minutesLate: nil),
    .init(seed: "004", times: SeedTimes.seed004, session: .pm, at: "13:31", code: .late, minutesLate: 1),
    .init(seed: "004", times: SeedTimes.seed004, session: .pm, at: "13:45", code: .late, minutesLate: 15),
    .init(seed: "004", times: SeedTimes.seed004, session: .pm, at: "13:46", code: .u, minutesLate: 16),
]

@Suite("Registers")
struct RegisterTests {
    @Test("arrival time gives /, \\, L or U with the minutes late, at each seed's register times", arguments: arrivalCases)
    func arrival(_ c: SeedArrivalCase) {
        let result = c.times.arrival(at: time(c.at), session: c.session)
        #expect(result.code == c.code)
        #expect(result.minutesLate == c.minutesLate)
    }

    @Test("every seed's register times are in order")
    func seedWindowsValidate() throws {
        for t in [SeedTimes.seed000, SeedTimes.seed002, SeedTimes.seed003, SeedTimes.seed004, RegisterTimes.standard] {
            try t.am.validate(field: "am")
            try t.pm.validate(field: "pm")
        }
    }

    @Test("the default register is open no longer than 30 minutes, the same for each session")
    func standardTimes() {
        let s = RegisterTimes.standard
        #expect(s.am.opens == time("8:40") && s.am.closes == time("9:10"))
        #expect(s.pm.opens == time("13:00") && s.pm.closes == time("13:30"))
        for w in [s.am, s.pm] { #expect(w.closes.minutes - w.opens.minutes <= 30) }
        #expect(s.am.closes.minutes - s.am.opens.minutes == s.pm.closes.minutes - s.pm.opens.minutes)
        #expect(s[.am] == s.am && s[.pm] == s.pm)
    }

    @Test("register state: not yet open, open up to and including the close, then closed")
    func windowState() {
        let w = SeedTimes.seed000.am
        #expect(w.state(at: time("8:29")) == .notYetOpen)
        #expect(w.state(at: time("8:30")) == .open)
        #expect(w.state(at: time("9:29")) == .open)
        #expect(w.state(at: time("9:30")) == .closed)
        #expect(w.lateAfter == w.opens, "late from the moment the register opens when no late time is set")
    }

    @Test("register windows out of order are rejected, naming the field")
    func windowValidation() {
        #expect(throws: ValidationError.self) { try window(opens: "9:00", lateAfter: "8:50", closes: "9:30").validate(field: "am") }
        #expect(throws: ValidationError.self) { try window(opens: "9:00", lateAfter: "9:20", closes: "9:10").validate(field: "pm") }
        #expect(throws: ValidationError.self) { try window(opens: "9:00", closes: "8:59").validate(field: "am") }
        do {
            try window(opens: "9:00", lateAfter: "9:20", closes: "9:10").validate(field: "register_times.pm")
            Issue.record("expected a validation error")
        } catch {
            #expect(error.field == "register_times.pm")
            #expect(error.description.hasPrefix("register_times.pm: "))
        }
    }
}

@Suite("Amendments")
struct AmendmentTests {
    let d = day("2025-09-08")

    @Test("writing a mark where there was none is a first entry")
    func firstEntry() {
        #expect(RegisterRules.change(from: nil, to: Mark(date: d, session: .am, code: .n)) == .firstEntry)
        #expect(RegisterRules.change(from: nil, to: Mark(date: d, session: .am, code: .late, minutesLate: 5)) == .firstEntry)
    }

    @Test("writing the same code and minutes again is unchanged")
    func unchanged() {
        #expect(
            RegisterRules.change(
                from: Mark(date: d, session: .am, code: .presentAM),
                to: Mark(date: d, session: .am, code: .presentAM)) == .unchanged)
        #expect(
            RegisterRules.change(
                from: Mark(date: d, session: .pm, code: .late, minutesLate: 12),
                to: Mark(date: d, session: .pm, code: .late, minutesLate: 12)) == .unchanged)
    }

    @Test("a different code, or different minutes late, is an amendment")
    func amendment() {
        // N replaced by the reason once it is known.
        #expect(RegisterRules.change(from: Mark(date: d, session: .am, code: .n), to: Mark(date: d, session: .am, code: .i)) == .amendment)
        #expect(RegisterRules.change(from: Mark(date: d, session: .am, code: .n), to: Mark(date: d, session: .am, code: .o)) == .amendment)
        #expect(
            RegisterRules.change(
                from: Mark(date: d, session: .am, code: .late, minutesLate: 12),
                to: Mark(date: d, session: .am, code: .late, minutesLate: 20)) == .amendment)
        #expect(
            RegisterRules.change(
                from: Mark(date: d, session: .am, code: .late, minutesLate: 12),
                to: Mark(date: d, session: .am, code: .u, minutesLate: 12)) == .amendment)
        #expect(
            RegisterRules.change(
                from: Mark(date: d, session: .am, code: .late, minutesLate: 12),
                to: Mark(date: d, session: .am, code: .late)) == .amendment)
    }
}

/// Two half terms with October half term (27-31 October 2025) between them.
private let autumn2025 = SchoolCalendar(entries: [
    CalendarEntry(start: day("2025-09-03"), end: day("2025-10-24"), kind: .term),
    CalendarEntry(start: day("2025-11-03"), end: day("2025-12-19"), kind: .term),
])

@Suite("N (no reason yet) overdue after 5 school days")
struct NoReasonOverdueTests {
    private func overdue(_ marks: [Mark], asOf: String, calendar: SchoolCalendar = autumn2025, limit: Int? = nil) -> [Mark] {
        if let limit { return RegisterRules.overdueNoReason(marks, calendar: calendar, asOf: day(asOf), limit: limit) }
        return RegisterRules.overdueNoReason(marks, calendar: calendar, asOf: day(asOf))
    }

    @Test("the statutory limit is 5 school days")
    func limit() { #expect(RegisterRules.noReasonLimitSchoolDays == 5) }

    @Test("N on a Monday: not overdue the next Monday (5 school days), overdue on the Tuesday (6)")
    func mondayToTuesday() {
        let n = Mark(date: day("2025-09-08"), session: .am, code: .n)
        #expect(overdue([n], asOf: "2025-09-08").isEmpty)
        #expect(overdue([n], asOf: "2025-09-12").isEmpty)
        #expect(overdue([n], asOf: "2025-09-14").isEmpty)  // Sunday
        #expect(overdue([n], asOf: "2025-09-15").isEmpty)
        #expect(overdue([n], asOf: "2025-09-16") == [n])
        #expect(overdue([n], asOf: "2025-10-01") == [n])
    }

    @Test("the half-term holiday does not count")
    func halfTermDoesNotCount() {
        let n = Mark(date: day("2025-10-23"), session: .pm, code: .n)  // Thursday before half term
        #expect(overdue([n], asOf: "2025-10-31").isEmpty)  // 1 school day (24 Oct), then holiday
        #expect(overdue([n], asOf: "2025-11-06").isEmpty)  // 24 Oct, 3-6 Nov: 5
        #expect(overdue([n], asOf: "2025-11-07") == [n])  // 6
    }

    @Test("a closure day does not count")
    func closureDoesNotCount() {
        let cal = SchoolCalendar(
            entries: autumn2025.entries + [
                CalendarEntry(start: day("2025-09-12"), end: day("2025-09-12"), kind: .closure)
            ])
        let n = Mark(date: day("2025-09-08"), session: .am, code: .n)
        #expect(overdue([n], asOf: "2025-09-16", calendar: cal).isEmpty)
        #expect(overdue([n], asOf: "2025-09-17", calendar: cal) == [n])
    }

    @Test("only N marks are reported, whatever their age")
    func onlyN() {
        let old = day("2025-09-08")
        let marks = [
            Mark(date: old, session: .am, code: .n), Mark(date: old, session: .pm, code: .o),
            Mark(date: old.adding(days: 1), session: .am, code: .g), Mark(date: old.adding(days: 1), session: .pm, code: .n),
            Mark(date: day("2025-10-20"), session: .am, code: .n),
        ]
        #expect(overdue(marks, asOf: "2025-10-21") == [marks[0], marks[3]])
    }

    @Test("a school may set a shorter limit")
    func customLimit() {
        let n = Mark(date: day("2025-09-08"), session: .am, code: .n)
        #expect(overdue([n], asOf: "2025-09-11", limit: 3).isEmpty)
        #expect(overdue([n], asOf: "2025-09-12", limit: 3) == [n])
    }
}
