import Foundation
import Testing

@testable import RollbookCore

// Religious observance (R) through the leave flow: seed 001 authorises one day per religious event, seed 004 asks
// for two weeks' notice, seeds 000, 001 and 004 may seek the religious body's advice. EvalTest's calendar; the pupil
// is Year 5 in 2025/26.

private func day(_ s: String) -> LocalDate { EvalTest.day(s) }

private let enrolment = Enrolment(
    startingDay: day("2024-09-01"), leavingDay: nil, yearGroup: "5", yearGroupYear: AcademicYear(startYear: 2025))

private func rRequest(_ from: String, _ to: String, requested: String, exceptional: Bool = false) -> LeaveRequest {
    LeaveRequest(
        from: day(from), to: day(to), requestedOn: day(requested), exceptional: exceptional, reason: "Eid al-Fitr", code: "R")
}

private func findings(_ r: LeaveRequest, _ p: Policy, asOf: String) -> [LeaveFinding] {
    LeaveCheck.findings(
        request: r, policy: p, calendar: EvalTest.calendar, enrolment: enrolment, asOf: day(asOf),
        authorisedAbsence: SessionCounts(possible: 200, present: 198, approvedActivity: 0, authorised: 2, unauthorised: 0))
}

private func seed(_ n: Int) throws -> Policy { try SeedPolicyTests.seed(n) }

@Suite("Leave: religious observance")
struct ReligiousObservanceTests {
    @Test("seed 001 App. I code R: 'only authorise one-day absence for religious events': two school days are refused with the figures")
    func oneDayPerEvent() throws {
        let p = try seed(1)
        #expect(p.leave.religiousObservance?.maxDaysPerEvent == 1)
        // Friday 20 March and Monday 23 March 2026: two school days across a weekend.
        let two = try #require(
            findings(rRequest("2026-03-20", "2026-03-23", requested: "2026-02-02"), p, asOf: "2026-02-03").first {
                $0.rule == "leave.religious_observance.max_days_per_event"
            })
        #expect(two.verdict == .refuse)
        #expect(
            two.message.contains(
                "covers 2 school days; the policy authorises religious observance for at most 1 school day per religious event"))
        #expect(two.figures == ["school_days": 2, "max_days_per_event": 1])
        #expect(two.source.contains("one-day absence for religious events"))
        #expect(two.parent?.contains("at most 1 day for each religious event") == true)
        let one = findings(rRequest("2026-03-20", "2026-03-20", requested: "2026-02-02"), p, asOf: "2026-02-03")
        #expect(one.first { $0.rule == "leave.religious_observance.max_days_per_event" }?.verdict == .ok)
        // Not R: no religious finding.
        var other = rRequest("2026-03-20", "2026-03-23", requested: "2026-02-02")
        other.code = "C"
        #expect(findings(other, p, asOf: "2026-02-03").allSatisfy { !$0.rule.hasPrefix("leave.religious_observance") })
    }

    @Test("a grant of R for more than the limit is rejected naming the setting; one day passes")
    func grantLimit() throws {
        let p = try seed(1)
        let r = rRequest("2026-03-20", "2026-03-23", requested: "2026-02-02")
        do {
            try LeaveCheck.checkReligious(
                grant: LeaveGrant(code: .r, granting: r), policy: p, calendar: EvalTest.calendar, enrolment: enrolment)
            Issue.record("R for two days accepted")
        } catch {
            #expect(error.field == "leave.religious_observance.max_days_per_event")
            #expect(error.reason.contains("R for 2 school days is more than the 1 school day per religious event"))
        }
        let oneDay = LeaveGrant(code: .r, from: day("2026-03-20"), to: day("2026-03-20"))
        #expect(throws: Never.self) {
            try LeaveCheck.checkReligious(grant: oneDay, policy: p, calendar: EvalTest.calendar, enrolment: enrolment)
        }
        #expect((try? oneDay.validate(request: r)) != nil)
        // C for two days is not limited by the R rule.
        #expect(throws: Never.self) {
            try LeaveCheck.checkReligious(
                grant: LeaveGrant(code: .c, granting: r), policy: p, calendar: EvalTest.calendar, enrolment: enrolment)
        }
    }

    @Test("seed 004 'Religious observance': 'at least two weeks in advance': 13 days is refused, 14 is enough; the parent's form says so")
    func notice() throws {
        var p = try seed(4)
        p.leave.noticeDays = 3  // R's own notice applies, not the general one
        #expect(p.leave.religiousObservance?.noticeDays == 14)
        let short = findings(rRequest("2026-03-20", "2026-03-20", requested: "2026-03-07"), p, asOf: "2026-03-07")
        let f = try #require(short.first { $0.rule == "leave.religious_observance.notice_days" })
        #expect(f.verdict == .refuse)
        #expect(f.message.contains("13 days before"))
        #expect(f.message.contains("14 days' notice, 1 day short"))
        #expect(short.allSatisfy { $0.rule != "leave.notice_days" })
        let enough = findings(rRequest("2026-03-20", "2026-03-20", requested: "2026-03-06"), p, asOf: "2026-03-06")
        #expect(enough.first { $0.rule == "leave.religious_observance.notice_days" }?.verdict == .ok)
        do {
            try LeaveCheck.canRequest(rRequest("2026-03-20", "2026-03-20", requested: "2026-03-07"), policy: p, today: day("2026-03-07"))
            Issue.record("R with 13 days' notice accepted")
        } catch { #expect(error.field == "from" && error.reason.contains("14 days' notice")) }
        // Another request keeps the general notice.
        var c = rRequest("2026-03-20", "2026-03-20", requested: "2026-03-07")
        c.code = "C"
        #expect((try? LeaveCheck.canRequest(c, policy: p, today: day("2026-03-07"))) != nil)
    }

    @Test("seeds 000 §6.1.5, 001 App. I and 004: the school may seek the religious body's advice: a caution asking for it on the decision")
    func advice() throws {
        for n in [0, 1, 4] {
            let p = try seed(n)
            #expect(p.leave.religiousObservance?.seekAdvice == true, "seed \(n)")
            let f = try #require(
                findings(rRequest("2026-03-20", "2026-03-20", requested: "2026-02-02"), p, asOf: "2026-02-03").first {
                    $0.rule == "leave.religious_observance.seek_advice"
                })
            #expect(f.verdict == .caution)
            #expect(f.message.contains("seek the religious body's advice and record it"))
        }
        // The advice is kept with the grant.
        var g = LeaveGrant(code: .r, from: day("2026-03-20"), to: day("2026-03-20"))
        g.religiousBodyAdvice = "The mosque's imam confirmed the day is set apart."
        let back = try JSONDecoder().decode(LeaveGrant.self, from: try JSONEncoder().encode(g))
        #expect(back.religiousBodyAdvice == g.religiousBodyAdvice)
        #expect(back == g)
    }

    @Test("the settings are validated, naming the setting")
    func validation() throws {
        var p = try seed(1)
        p.leave.religiousObservance?.maxDaysPerEvent = 0
        #expect(throws: ValidationError.self) { try p.validate() }
        do { try p.validate() } catch { #expect(error.field == "leave.religious_observance.max_days_per_event") }
        p.leave.religiousObservance = .init(noticeDays: -1)
        do {
            try p.validate()
            Issue.record("negative notice accepted")
        } catch { #expect(error.field == "leave.religious_observance.notice_days") }
    }
}
