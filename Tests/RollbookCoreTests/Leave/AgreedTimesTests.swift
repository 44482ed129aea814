import Foundation
import Testing

@testable import RollbookCore

// Agreed late starts and early finishes on a part-time timetable (C2): seed 004 (SEND and health needs) "Temporary late
// starts or early finishes". The standard register times: AM late after 8:40, closes 9:10; PM opens 13:00, closes 13:30.

private func day(_ s: String) -> LocalDate { LocalDate(iso: s)! }
private func t(_ s: String) -> TimeOfDay { TimeOfDay(s)! }
private let times = RegisterTimes.standard

/// Monday 2 to Friday 27 March 2026: Monday starts at 10:00, Friday finishes at 12:00 (Friday afternoon not expected).
private func c2() -> LeaveGrant {
    var g = LeaveGrant(
        code: .c2, from: day("2026-03-02"), to: day("2026-03-27"), timetable: "Late start Mondays, home Friday afternoons",
        reviewDate: day("2026-03-20"))
    g.notExpected = ["fri_pm"]
    g.agreedStart = ["mon": t("10:00")]
    g.agreedFinish = ["fri": t("12:00")]
    return g
}

@Suite("Leave: agreed late starts and early finishes")
struct AgreedTimesTests {
    @Test("seed 004 'Temporary late starts or early finishes': arriving by the agreed start is present, not L or U")
    func agreedStartIsPresent() {
        let monday = c2().agreedDay(on: day("2026-03-09"))
        #expect(monday == AgreedDay(start: t("10:00"), finish: nil))
        // Without the agreement 9:55 is U (after the 9:10 close); with it, present.
        #expect(times.arrival(at: t("9:55"), session: .am).code == .u)
        #expect(times.arrival(at: t("9:55"), session: .am, agreedStart: monday?.start).code == .presentAM)
        #expect(times.arrival(at: t("10:00"), session: .am, agreedStart: monday?.start).code == .presentAM)
        // Late after the agreed start, counted from it; U once the register's 30 minutes of grace after it have passed.
        let late = times.arrival(at: t("10:12"), session: .am, agreedStart: monday?.start)
        #expect(late.code == .late && late.minutesLate == 12)
        #expect(times.arrival(at: t("10:31"), session: .am, agreedStart: monday?.start).code == .u)
        // An afternoon register is untouched by a morning start.
        #expect(times.arrival(at: t("13:05"), session: .pm, agreedStart: monday?.start).code == .late)
    }

    @Test("seed 004 'Temporary late starts or early finishes': only the agreed weekdays within the C2 grant's dates count")
    func onlyTheAgreedDays() {
        let g = c2()
        #expect(g.agreedDay(on: day("2026-03-10")) == nil)  // a Tuesday: nothing agreed
        #expect(g.agreedDay(on: day("2026-03-30")) == nil)  // a Monday after the grant ends
        #expect(g.agreedDay(on: day("2026-03-13"))?.finish == t("12:00"))
        #expect(g.agreedDay(on: day("2026-03-13"))?.isAgreedFinish(t("12:00")) == true)
        #expect(g.agreedDay(on: day("2026-03-13"))?.isAgreedFinish(t("11:30")) == false)
        #expect(g.agreedTimesWords == "Monday: agreed start 10:00; Friday: agreed finish 12:00")
        var c = g
        c.code = .c
        #expect(c.agreedDay(on: day("2026-03-09")) == nil)
    }

    @Test("agreed times are checked against the register times, each error naming agreed_start.<day> or agreed_finish.<day>")
    func validation() throws {
        try c2().validateAgreedTimes(register: times)
        func field(_ change: (inout LeaveGrant) -> Void) -> String? {
            var g = c2()
            change(&g)
            do { try g.validateAgreedTimes(register: times) } catch { return error.field }
            return nil
        }
        #expect(field { $0.agreedStart = ["sat": t("10:00")] } == "agreed_start.sat")
        #expect(field { $0.agreedStart = ["mon": t("8:30")] } == "agreed_start.mon")  // not later than the school's start
        #expect(field { $0.agreedStart = ["mon": t("13:20")] } == "agreed_start.mon")  // the morning is then not expected
        #expect(
            field {
                $0.agreedStart = ["mon": t("13:20")]
                $0.notExpected = ["mon_am", "fri_pm"]
            } == nil)
        #expect(field { $0.agreedFinish = ["thu": t("11:45")] } == "agreed_finish.thu")  // Thursday afternoon still expected
        #expect(field { $0.agreedFinish = ["mon": t("9:30")] } == "agreed_finish.mon")  // Monday starts at 10:00
        #expect(field { $0.agreedFinish = ["wed": t("14:30")] } == nil)
        #expect(field { $0.code = .c } == "agreed_start")
    }

    @Test("a grant saved before agreed times existed still decodes; agreed times round-trip as HH:MM by weekday")
    func coding() throws {
        let old = #"{"code":"C2","from":"2026-03-02","from_session":"AM","to":"2026-03-27","to_session":"PM"}"#
        let dec = JSONDecoder()
        dec.keyDecodingStrategy = .convertFromSnakeCase
        let g = try dec.decode(LeaveGrant.self, from: Data(old.utf8))
        #expect(g.agreedStart == nil && g.agreedFinish == nil)
        let back = try JSONDecoder().decode(LeaveGrant.self, from: try JSONEncoder().encode(c2()))
        #expect(back.agreedStart == ["mon": t("10:00")] && back.agreedFinish == ["fri": t("12:00")])
    }
}
