import Foundation
import Testing

@testable import RollbookCore

// Seed 004 'Leave of absence': for extended leave of '15 school days or more' the parent 'should advise the school of
// the temporary address'. EvalTest's calendar (half term 16-20 February 2026; Easter 30 March to 10 April 2026).

private func day(_ s: String) -> LocalDate { EvalTest.day(s) }

private let enrolment = Enrolment(
    startingDay: day("2024-09-01"), leavingDay: nil, yearGroup: "5", yearGroupYear: AcademicYear(startYear: 2025))

private func request(_ from: String, _ to: String, address: String? = nil) -> LeaveRequest {
    var r = LeaveRequest(from: day(from), to: day(to), requestedOn: day("2026-01-05"), exceptional: true, reason: "Grandmother's care")
    r.temporaryAddress = address
    return r
}

private func field(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let e as ValidationError { return e.field } catch { return "?" }
}

@Suite("Leave: the temporary address for 15 school days or more")
struct TemporaryAddressTests {
    @Test("seed 004 'Leave of absence': 15 school days need the address while away, 14 do not; holidays are not school days")
    func fifteenSchoolDays() {
        // 2 to 20 March 2026: 15 school days. 2 to 19 March: 14.
        let fifteen = request("2026-03-02", "2026-03-20")
        #expect(fifteen.schoolDays(calendar: EvalTest.calendar, enrolment: enrolment) == 15)
        #expect(field { try fifteen.checkTemporaryAddress(calendar: EvalTest.calendar, enrolment: enrolment) } == "temporary_address")
        #expect(
            field { try request("2026-03-02", "2026-03-19").checkTemporaryAddress(calendar: EvalTest.calendar, enrolment: enrolment) }
                == nil)
        #expect(
            field {
                try request("2026-03-02", "2026-03-20", address: "12 Harbour Row, Penzance").checkTemporaryAddress(
                    calendar: EvalTest.calendar, enrolment: enrolment)
            } == nil)
        // 9 February to 6 March spans half term: 15 school days over 4 calendar weeks.
        let overHalfTerm = request("2026-02-09", "2026-03-06")
        #expect(overHalfTerm.schoolDays(calendar: EvalTest.calendar, enrolment: enrolment) == 15)
        do {
            try overHalfTerm.checkTemporaryAddress(calendar: EvalTest.calendar, enrolment: enrolment)
            Issue.record("no address asked for")
        } catch { #expect(error.reason.contains("covers 15 school days")) }
    }

    @Test("the grant: 15 school days granted need the address from the request or the decision; fewer granted do not")
    func grant() {
        let r = request("2026-03-02", "2026-03-20")
        let all = LeaveGrant(code: .c, granting: r)
        #expect(
            field { try all.checkTemporaryAddress(request: r, calendar: EvalTest.calendar, enrolment: enrolment) } == "temporary_address")
        var withAddress = all
        withAddress.temporaryAddress = "12 Harbour Row, Penzance"
        #expect(field { try withAddress.checkTemporaryAddress(request: r, calendar: EvalTest.calendar, enrolment: enrolment) } == nil)
        let part = LeaveGrant(code: .c, from: day("2026-03-02"), to: day("2026-03-06"))
        #expect(field { try part.checkTemporaryAddress(request: r, calendar: EvalTest.calendar, enrolment: enrolment) } == nil)
        let asked = request("2026-03-02", "2026-03-20", address: "12 Harbour Row, Penzance")
        #expect(field { try all.checkTemporaryAddress(request: asked, calendar: EvalTest.calendar, enrolment: enrolment) } == nil)
    }
}
