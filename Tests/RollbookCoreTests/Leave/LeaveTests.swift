import Foundation
import Testing

@testable import RollbookCore

// Leave of absence (reg 11) against the statute (RULES.md) and the seeds: 004 asks for 14 days' notice, refuses when
// authorised absence is already above 10% and blacks out the key stage 2 tests for Year 6 and the phonics check for
// Year 1; 003 asks for evidence of absence next to a leave within a week. The pupil is Year 5 in 2025/26 on
// EvalTest's calendar (half term 16-20 February 2026).

private func day(_ s: String) -> LocalDate { EvalTest.day(s) }
private typealias Book = EvalTest.Book

private func request(
    _ from: String, _ fromSession: Session, _ to: String, _ toSession: Session, requested: String,
    exceptional: Bool = false, reason: String = "Family wedding abroad"
) -> LeaveRequest {
    LeaveRequest(
        from: day(from), fromSession: fromSession, to: day(to), toSession: toSession, requestedOn: day(requested),
        exceptional: exceptional, reason: reason)
}

/// Whole days, AM of the first to PM of the last.
private func request(
    _ from: String, _ to: String, requested: String, exceptional: Bool = false,
    reason: String = "Family wedding abroad"
) -> LeaveRequest {
    request(from, .am, to, .pm, requested: requested, exceptional: exceptional, reason: reason)
}

private func enrolment(_ yearGroup: String = "5", leaving: String? = nil) -> Enrolment {
    Enrolment(
        startingDay: day("2024-09-01"), leavingDay: leaving.map(day), yearGroup: yearGroup, yearGroupYear: AcademicYear(startYear: 2025))
}

private func findings(
    _ r: LeaveRequest, _ policy: Policy, asOf: String, yearGroup: String = "5",
    authorised: SessionCounts = SessionCounts(possible: 200, present: 196, approvedActivity: 0, authorised: 4, unauthorised: 0),
    calendar: SchoolCalendar = EvalTest.calendar
) -> [LeaveFinding] {
    LeaveCheck.findings(
        request: r, policy: policy, calendar: calendar, enrolment: enrolment(yearGroup), asOf: day(asOf),
        authorisedAbsence: authorised)
}

/// The field a validation error names; nil when `body` passes ("?" for any other error).
private func field(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let e as ValidationError { return e.field } catch { return "?" }
}

private func seed(_ n: Int) throws -> Policy { try SeedPolicyTests.seed(n) }

// MARK: - The request

@Suite("Leave: the request")
struct LeaveRequestTests {
    @Test("the fields: to before from, PM to AM on one day, more than 62 days, no reason, requested in the future")
    func validate() {
        let today = day("2026-02-02")
        #expect(field { try request("2026-03-09", "2026-03-06", requested: "2026-02-02").validate(today: today) } == "to")
        #expect(
            field { try request("2026-03-09", .pm, "2026-03-09", .am, requested: "2026-02-02").validate(today: today) } == "from_session")
        #expect(field { try request("2026-03-09", .am, "2026-03-09", .am, requested: "2026-02-02").validate(today: today) } == nil)
        #expect(field { try request("2026-03-09", "2026-05-09", requested: "2026-02-02").validate(today: today) } == nil)  // 62 days
        #expect(field { try request("2026-03-09", "2026-05-10", requested: "2026-02-02").validate(today: today) } == "to")  // 63
        #expect(field { try request("2026-03-09", "2026-03-13", requested: "2026-02-02", reason: "  ").validate(today: today) } == "reason")
        #expect(field { try request("2026-03-09", "2026-03-13", requested: "2026-02-03").validate(today: today) } == "requested_on")
    }

    @Test("sessions across a weekend and half term are only the open sessions")
    func sessionsOpenOnly() {
        // Friday 13 February PM to Monday 23 February AM: the weekend and half term (16-20 February) are not sessions.
        let r = request("2026-02-13", .pm, "2026-02-23", .am, requested: "2026-01-05")
        #expect(
            r.sessions(calendar: EvalTest.calendar, enrolment: enrolment()) == [
                LeaveSession(date: day("2026-02-13"), session: .pm), LeaveSession(date: day("2026-02-23"), session: .am),
            ])
        // An INSET day for Year 5 only on the Monday: closed for Year 5, open for Year 4.
        let inset = SchoolCalendar(
            entries: EvalTest.calendar.entries + [
                CalendarEntry(start: day("2026-02-23"), end: day("2026-02-23"), kind: .inset, yearGroups: ["5"], label: "Year 5 INSET")
            ])
        #expect(r.sessions(calendar: inset, enrolment: enrolment("5")).map(\.date) == [day("2026-02-13")])
        #expect(r.sessions(calendar: inset, enrolment: enrolment("4")).count == 2)
        // Only while on roll: a pupil who left on 13 February.
        #expect(r.sessions(calendar: EvalTest.calendar, enrolment: enrolment(leaving: "2026-02-13")).count == 1)
    }
}

// MARK: - The checks

@Suite("Leave: checks before a decision")
struct LeaveCheckTests {
    @Test("reg 11: retrospective leave is refused; a leave starting today is a caution; in advance is ok")
    func retrospective() throws {
        let p = try seed(4)
        let r = request("2026-03-02", "2026-03-06", requested: "2026-02-02")
        let late = try #require(findings(r, p, asOf: "2026-03-04").first { $0.rule == "reg_11" })
        #expect(late.verdict == .refuse)
        #expect(late.message.contains("started on 2 March 2026 (AM), 2 days ago"))
        #expect(late.message.contains("retrospectively"))
        #expect(late.source.contains("reg 11"))
        #expect(findings(r, p, asOf: "2026-03-04").refused)
        let today = try #require(findings(r, p, asOf: "2026-03-02").first { $0.rule == "reg_11" })
        #expect(today.verdict == .caution)
        #expect(today.message.contains("starts today"))
        #expect(findings(r, p, asOf: "2026-02-20").first { $0.rule == "reg_11" }?.verdict == .ok)
    }

    @Test("leave.notice_days: 14 days' notice is enough, 13 is refused (seed 004)")
    func notice() throws {
        let p = try seed(4)
        #expect(p.leave.noticeDays == 14)
        let enough = findings(request("2026-03-09", "2026-03-13", requested: "2026-02-23"), p, asOf: "2026-02-25")
        #expect(enough.first { $0.rule == "leave.notice_days" }?.verdict == .ok)
        #expect(!enough.refused)
        let short = findings(request("2026-03-09", "2026-03-13", requested: "2026-02-24"), p, asOf: "2026-02-25")
        let f = try #require(short.first { $0.rule == "leave.notice_days" })
        #expect(f.verdict == .refuse)
        #expect(f.message.contains("Requested on 24 February 2026, 13 days before the leave starts on 9 March 2026"))
        #expect(f.message.contains("14 days' notice, 1 day short"))
        #expect(f.source.contains("two weeks"))
    }

    @Test("leave.notice_days: a request marked exceptional turns the refusal into a caution")
    func exceptionalNotice() throws {
        let p = try seed(4)
        let r = request("2026-03-09", "2026-03-09", requested: "2026-03-02", exceptional: true, reason: "Grandparent's funeral")
        let f = try #require(findings(r, p, asOf: "2026-03-03").first { $0.rule == "leave.notice_days" })
        #expect(f.verdict == .caution)
        #expect(f.message.contains("7 days before"))
        #expect(f.message.contains("marked exceptional"))
        #expect(!findings(r, p, asOf: "2026-03-03").refused)
    }

    @Test("leave.refuse_when_authorised_above: exactly 10% is not above; just above is refused with the figure (seed 004)")
    func authorisedAbove() throws {
        let p = try seed(4)
        #expect(p.leave.refuseWhenAuthorisedAbove == 0.10)
        let r = request("2026-03-09", "2026-03-13", requested: "2026-02-02")
        func check(_ authorised: Int, _ possible: Int) -> LeaveFinding? {
            let c = SessionCounts(
                possible: possible, present: possible - authorised, approvedActivity: 0, authorised: authorised, unauthorised: 0)
            return findings(r, p, asOf: "2026-02-20", authorised: c).first { $0.rule == "leave.refuse_when_authorised_above" }
        }
        let at = try #require(check(20, 200))
        #expect(at.verdict == .ok)
        #expect(at.message.contains("10.0% (20 of 200 possible sessions), not above the policy's 10%"))
        #expect(check(15, 150)?.verdict == .ok)
        let above = try #require(check(21, 200))
        #expect(above.verdict == .refuse)
        #expect(above.message.contains("Authorised absence this year is 10.5% (21 of 200 possible sessions), above the policy's 10%"))
        #expect(check(17, 150)?.message.contains("11.3%") == true)
        // No setting (seed 003): no finding.
        let p3 = try seed(3)
        #expect(findings(r, p3, asOf: "2026-02-20").allSatisfy { $0.rule != "leave.refuse_when_authorised_above" })
    }

    @Test("the authorised rate is the academic year to date, unmarked sessions left out")
    func yearToDate() {
        var b = Book(through: "2025-09-30")
        b.set(from: "2025-09-01", to: "2025-09-02", .i)  // 4 sessions of the 44 in September; 1 October not marked yet
        let c = LeaveCheck.yearToDate(marks: b.codes, calendar: EvalTest.calendar, enrolment: b.enrolment, asOf: day("2025-10-01"))
        #expect(c.possible == 44)
        #expect(c.authorised == 4)
    }

    @Test("leave.blackouts: the key stage 2 blackout for Year 6 only does not refuse a Year 5 request (seed 004)")
    func blackoutForYearGroup() throws {
        let p = try seed(4)
        let r = request("2026-05-11", "2026-05-15", requested: "2026-04-01")
        let year5 = findings(r, p, asOf: "2026-04-20", yearGroup: "5")
        #expect(!year5.refused)
        let ok = try #require(year5.first { $0.rule == "leave.blackouts[0]" })
        #expect(ok.verdict == .ok)
        #expect(ok.message.contains("for Year 6 only and this pupil is in Year 5"))
        let year6 = findings(r, p, asOf: "2026-04-20", yearGroup: "6")
        #expect(year6.refused)
        let refuse = try #require(year6.first { $0.rule == "leave.blackouts[0]" })
        #expect(refuse.verdict == .refuse)
        #expect(refuse.message.contains("Key stage 2 statutory tests"))
        #expect(refuse.message.contains("4 May 2026 to 14 May 2026"))
        #expect(refuse.message.contains("8 sessions of the request, from 11 May 2026"))
        // The phonics blackout (Year 1, June) does not overlap: no finding for it.
        #expect(year6.allSatisfy { $0.rule != "leave.blackouts[1]" })
        // A whole-school blackout refuses every year group.
        var whole = p
        whole.leave.blackouts = [.init(from: day("2026-05-14"), to: day("2026-05-14"), reason: "Sports day")]
        #expect(findings(r, whole, asOf: "2026-04-20", yearGroup: "5").first { $0.rule == "leave.blackouts[0]" }?.verdict == .refuse)
        // None overlapping: one ok finding for the blackouts as a whole.
        let march = findings(request("2026-03-09", "2026-03-13", requested: "2026-02-02"), p, asOf: "2026-02-20")
        #expect(march.first { $0.rule == "leave.blackouts" }?.verdict == .ok)
    }

    @Test("findings come in a stable order: reg 11, notice, authorised absence, projected attendance, blackouts; the check summarises them")
    func order() throws {
        let p = try seed(4)
        let r = request("2026-05-11", "2026-05-15", requested: "2026-05-04")
        let c = LeaveCheck.check(
            request: r, policy: p, calendar: EvalTest.calendar, enrolment: enrolment("6"), asOf: day("2026-05-05"),
            authorisedAbsence: SessionCounts(possible: 100, present: 80, approvedActivity: 0, authorised: 20, unauthorised: 0))
        #expect(
            c.findings.map(\.rule) == [
                "reg_11", "leave.notice_days", "leave.refuse_when_authorised_above", "leave.refuse_below_projected_attendance",
                "leave.blackouts[0]",
            ])
        #expect(c.refused)
        #expect(c.verdict == .refuse)
        #expect(c.summary.hasPrefix("Refuse: leave.notice_days, leave.refuse_when_authorised_above, leave.blackouts[0]"))
    }

    @Test("every refusing rule has words for the family, with its figures and none of the staff's text")
    func refusalsInParentsWords() throws {
        let p = try seed(4)
        // Refused on every rule at once: started already, 1 day's notice, 12% authorised, Year 6 in the test blackout.
        let r = request("2026-05-11", "2026-05-15", requested: "2026-05-10")
        let found = findings(
            r, p, asOf: "2026-05-12", yearGroup: "6",
            authorised: SessionCounts(possible: 200, present: 176, approvedActivity: 0, authorised: 24, unauthorised: 0))
        let refusing = found.filter { $0.verdict == .refuse }
        #expect(
            Set(refusing.map(\.rule)).isSuperset(of: [
                "reg_11", "leave.notice_days", "leave.refuse_when_authorised_above", "leave.blackouts[0]",
            ]))
        for f in refusing {
            let words = try #require(f.parent, "\(f.rule) has no words for the family")
            #expect(!words.contains("leave."), "\(f.rule): \(words)")
            #expect(!words.contains("reg 11") && !words.contains("head") && !words.contains("not marked"), "\(f.rule): \(words)")
        }
        let byRule = Dictionary(uniqueKeysWithValues: refusing.map { ($0.rule, $0.parent ?? "") })
        #expect(byRule["leave.notice_days"]?.contains("1 day before the leave") == true)
        #expect(byRule["leave.notice_days"]?.contains("14 days' notice") == true)
        #expect(byRule["leave.refuse_when_authorised_above"]?.contains("12.0%") == true)
        #expect(byRule["leave.refuse_when_authorised_above"]?.contains("above the 10%") == true)
        #expect(byRule["leave.blackouts[0]"]?.contains("4 May 2026 to 14 May 2026") == true)
        #expect(byRule["reg_11"]?.contains("already started") == true)
    }

    @Test("a request with no open session is a caution: nothing to grant")
    func nothingOpen() throws {
        let r = request("2026-02-16", "2026-02-20", requested: "2026-01-05")  // half term
        let p = try seed(4)
        let f = findings(r, p, asOf: "2026-01-06").filter { $0.rule == "reg_11" }
        #expect(f.map(\.verdict) == [.ok, .caution])
        #expect(f[1].message.contains("nothing to grant"))
    }

    @Test("the parent's form: less than the notice period needs the request marked exceptional; the error names from")
    func canRequest() throws {
        let p = try seed(4)
        let today = day("2026-02-24")
        #expect(
            field { try LeaveCheck.canRequest(request("2026-03-09", "2026-03-13", requested: "2026-02-24"), policy: p, today: today) }
                == "from")
        #expect(
            field {
                try LeaveCheck.canRequest(
                    request("2026-03-09", "2026-03-13", requested: "2026-02-24", exceptional: true), policy: p, today: today)
            } == nil)
        #expect(
            field { try LeaveCheck.canRequest(request("2026-03-10", "2026-03-13", requested: "2026-02-24"), policy: p, today: today) }
                == nil)
        #expect(
            field {
                try LeaveCheck.canRequest(
                    request("2026-02-23", "2026-02-27", requested: "2026-02-24", exceptional: true), policy: p, today: today)
            } == "from")
        #expect(
            field {
                try LeaveCheck.canRequest(request("2026-03-10", "2026-03-13", requested: "2026-02-24", reason: ""), policy: p, today: today)
            } == "reason")
    }
}

// MARK: - The grant

@Suite("Leave: the grant")
struct LeaveGrantTests {
    let r = request("2026-03-09", "2026-03-13", requested: "2026-02-02", reason: "Performance in a touring show abroad")

    @Test("C1 without a licence reference is rejected naming licence_reference")
    func c1NeedsLicence() {
        #expect(field { try LeaveGrant(code: .c1, granting: r).validate(request: r) } == "licence_reference")
        #expect(field { try LeaveGrant(code: .c1, granting: r, licenceReference: "  ").validate(request: r) } == "licence_reference")
        #expect(field { try LeaveGrant(code: .c1, granting: r, licenceReference: "LA-PERF-2026-0042").validate(request: r) } == nil)
    }

    @Test("C2 needs a timetable, a review date after it starts and the weekly sessions not expected")
    func c2NeedsTimetableAndReview() {
        let tt = "Mornings only, Monday to Friday, 8:45 to 12:00"
        #expect(field { try LeaveGrant(code: .c2, granting: r).validate(request: r) } == "timetable")
        #expect(field { try LeaveGrant(code: .c2, granting: r, timetable: tt).validate(request: r) } == "review_date")
        #expect(
            field { try LeaveGrant(code: .c2, granting: r, timetable: tt, reviewDate: day("2026-03-09")).validate(request: r) }
                == "review_date")
        #expect(
            field { try LeaveGrant(code: .c2, granting: r, timetable: tt, reviewDate: day("2026-03-27")).validate(request: r) }
                == "not_expected")
        var g = LeaveGrant(code: .c2, granting: r, timetable: tt, reviewDate: day("2026-03-27"))
        g.notExpected = ["mon_pm", "tue_pm", "wed_pm", "thu_pm", "fri_pm"]
        #expect(field { try g.validate(request: r) } == nil)
    }

    @Test("a grant outside the request is rejected naming from or to")
    func grantInsideRequest() {
        #expect(field { try LeaveGrant(code: .c, from: day("2026-03-06"), to: day("2026-03-10")).validate(request: r) } == "from")
        #expect(field { try LeaveGrant(code: .c, from: day("2026-03-11"), to: day("2026-03-16")).validate(request: r) } == "to")
        let pmOnly = request("2026-03-09", .pm, "2026-03-13", .am, requested: "2026-02-02")
        #expect(field { try LeaveGrant(code: .c, granting: r).validate(request: pmOnly) } == "from")
        #expect(
            field {
                try LeaveGrant(code: .c, from: day("2026-03-09"), fromSession: .pm, to: day("2026-03-13"), toSession: .pm).validate(
                    request: pmOnly)
            } == "to")
        #expect(field { try LeaveGrant(code: .c, from: day("2026-03-10"), to: day("2026-03-09")).validate(request: r) } == "to")
        #expect(field { try LeaveGrant(code: .c, from: day("2026-03-10"), to: day("2026-03-12")).validate(request: r) } == nil)
    }

    @Test("M is refused as a grant code (and G); C, J1, S and T are accepted")
    func codes() throws {
        do {
            try LeaveGrant(code: .m, granting: r).validate(request: r)
            Issue.record("M was accepted")
        } catch {
            #expect(error.field == "code")
            #expect(error.reason.contains("M (medical or dental appointment)"))
        }
        #expect(field { try LeaveGrant(code: .g, granting: r).validate(request: r) } == "code")
        for c in [AttendanceCode.c, .j1, .s, .t] {
            #expect(field { try LeaveGrant(code: c, granting: r).validate(request: r) } == nil)
        }
    }

    @Test("a grant is stored with its code's symbol and snake_case fields")
    func codable() throws {
        let g = LeaveGrant(code: .c1, granting: r, licenceReference: "LA-PERF-2026-0042")
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = .sortedKeys
        let text = String(decoding: try e.encode(g), as: UTF8.self)
        #expect(text.contains(#""code":"C1""#))
        #expect(text.contains(#""licence_reference":"LA-PERF-2026-0042""#))
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        #expect(try d.decode(LeaveGrant.self, from: Data(text.utf8)) == g)
        #expect(throws: DecodingError.self) {
            try d.decode(LeaveGrant.self, from: Data(text.replacingOccurrences(of: "C1", with: "ZZ").utf8))
        }
    }
}

// MARK: - Follow-up

@Suite("Leave: follow-up after a decision")
struct LeaveFollowUpTests {
    let week = request("2026-03-09", "2026-03-13", requested: "2026-02-02")

    func run(
        _ policy: Policy, _ asOf: String, _ b: EvalTest.Book, _ decisions: [LeaveDecisionFacts], evidence: Set<SessionSlot> = [],
        done: Set<String> = []
    ) -> [DueAction] {
        LeaveFollowUp.run(
            policy: policy, calendar: b.calendar, asOf: day(asOf), pupil: b.facts(), decisions: decisions,
            casework: Casework(done: done, evidenceReceived: evidence))
    }

    @Test("reg 11: N on a refused request's sessions is coded G")
    func refusedThenAbsent() throws {
        var b = Book(through: "2026-03-13")
        b.set(from: "2026-03-09", to: "2026-03-12", .n)
        b.set("2026-03-13", .o)
        let refused = LeaveDecisionFacts(request: week, grant: nil, decidedOn: day("2026-02-16"))
        let p = try seed(4)
        let actions = run(p, "2026-03-13", b, [refused])
        #expect(actions.count == 1)
        let a = try #require(actions.of(.leaveUnauthorised).first)
        #expect(a.sessions.count == 10)
        #expect(a.sessions.first == SessionRef(date: day("2026-03-09"), session: .am, code: "N"))
        #expect(a.sessions.last == SessionRef(date: day("2026-03-13"), session: .pm, code: "O"))
        #expect(a.reason.contains("Code these sessions G (leave taken after refusal)"))
        #expect(a.reason.contains("refused on 16 February 2026"))
        #expect(a.rule == "reg_11")
        #expect(a.source.contains("Leave taken after refusal, or beyond the days granted, is G"))
        #expect(a.action == .review)
        #expect(a.due == day("2026-03-09"))
        #expect(a.figures["sessions"] == 10)
        #expect(a.key == "leave_unauthorised|A100000000001|reg_11|2026-03-09|2026-03-13|refused")
        #expect(a.policy.contains(p.name))
        // A decision made after asOf is not known yet.
        let later = LeaveDecisionFacts(request: week, grant: nil, decidedOn: day("2026-03-20"))
        #expect(run(p, "2026-03-13", b, [later]).isEmpty)
    }

    @Test("reg 11: present (or already G, or ill) on a refused request's sessions: nothing")
    func refusedButPresent() throws {
        var b = Book(through: "2026-03-13")
        b.set("2026-03-10", .g)
        b.set("2026-03-11", .i)
        let refused = LeaveDecisionFacts(request: week, grant: nil, decidedOn: day("2026-02-16"))
        let p = try seed(4)
        #expect(run(p, "2026-03-13", b, [refused]).isEmpty)
    }

    @Test("reg 11: a grant for 3 of 5 requested days: N on the other 2 days is coded G")
    func beyondTheDaysGranted() throws {
        var b = Book(through: "2026-03-13")
        b.set(from: "2026-03-09", to: "2026-03-11", .c)
        b.set(from: "2026-03-12", to: "2026-03-13", .n)
        let grant = LeaveGrant(code: .c, from: day("2026-03-09"), to: day("2026-03-11"))
        let d = LeaveDecisionFacts(request: week, grant: grant, decidedOn: day("2026-02-16"))
        let p = try seed(4)
        let a = try #require(run(p, "2026-03-13", b, [d]).of(.leaveUnauthorised).first)
        #expect(a.sessions.map(\.date) == [day("2026-03-12"), day("2026-03-12"), day("2026-03-13"), day("2026-03-13")])
        #expect(a.reason.contains("Code these sessions G (leave taken beyond the days granted)"))
        #expect(a.figures["granted_sessions"] == 6)
        #expect(a.figures["requested_sessions"] == 10)
        #expect(a.due == day("2026-03-12"))
        #expect(a.key.hasSuffix("|beyond-grant"))
        // The latest decision on a request stands: refused first, then granted in part.
        let first = LeaveDecisionFacts(request: week, grant: nil, decidedOn: day("2026-02-10"))
        #expect(run(p, "2026-03-13", b, [first, d]).map(\.key) == [a.key])
    }

    // Changed deliberately (seed 003 'Proactive strategies' 10): the whole run of absence next to the leave, the request due
    // on its first day, the deadline a week after the return (and only once the request was sent), and G, not O.
    @Test("seed 003 Proactive 10: I on the school day before the leave asks for evidence within a week of the return")
    func adjacentEvidence() throws {
        let p = try seed(3)
        #expect(p.leave.adjacentDaysEvidenceDays == 7)
        let r = request("2026-03-10", "2026-03-13", requested: "2026-02-02")
        var b = Book(through: "2026-03-27")
        b.set("2026-03-09", .i)
        b.set(from: "2026-03-10", to: "2026-03-13", .c)
        let d = LeaveDecisionFacts(request: r, grant: LeaveGrant(code: .c, granting: r), decidedOn: day("2026-02-16"))

        let ask = try #require(run(p, "2026-03-13", b, [d]).of(.leaveEvidence).first)
        #expect(ask.due == day("2026-03-09"))
        #expect(ask.action == .evidenceRequest)
        #expect(
            ask.sessions == [
                SessionRef(date: day("2026-03-09"), session: .am, code: "I"), SessionRef(date: day("2026-03-09"), session: .pm, code: "I"),
            ])
        #expect(ask.reason.contains("Absent 1 school day in a row just before the leave granted (C)"))
        #expect(ask.reason.contains("to be given within 7 days of the pupil's return"))
        #expect(ask.rule == "leave.adjacent_days_evidence_days")
        #expect(ask.source.contains("within one week"))
        #expect(ask.figures == ["sessions": 2, "school_days": 1, "evidence_days": 7, "evidence_sessions": 0])
        #expect(ask.contacts.first == "Alex Carter (Mother): 07700 900001")
        #expect(ask.key == "leave_evidence|A100000000001|leave.adjacent_days_evidence_days|2026-03-09|request")
        // Back on Monday 16 March: the deadline is 23 March.
        let later = try #require(run(p, "2026-03-20", b, [d]).of(.leaveEvidence).first)
        #expect(later.key == ask.key)
        #expect(later.reason.contains("by 23 March 2026, 7 days after the return on 16 March 2026"))

        // Past the deadline with the request not sent: still the request, never an amendment.
        #expect(run(p, "2026-03-24", b, [d]).map(\.kind) == [.leaveEvidence])
        // Sent and past the deadline with no evidence: amend to G, and report to the LA (seed 003 report_to_la).
        let after = run(p, "2026-03-24", b, [d], done: [ask.key])
        #expect(after.map(\.kind) == [.informLA, .evidenceDeadline])
        let amend = try #require(after.of(.evidenceDeadline).first)
        #expect(amend.reason.contains("Amend each to G (unauthorised leave of absence)"))
        #expect(amend.amendment?.code == "G")
        #expect(
            amend.amendment?.reason
                == "No evidence within 7 days of the return on 16 March 2026 for absence next to agreed leave: unauthorised leave of absence, G; \(p.name)"
        )
        #expect(amend.sessions == ask.sessions)
        #expect(amend.action == .review)
        #expect(amend.due == day("2026-03-24"))
        #expect(amend.key == "evidence_deadline|A100000000001|leave.adjacent_days_evidence_days|2026-03-09|amend-to-g")
        let la = try #require(after.of(.informLA).first)
        #expect(la.key == "inform_la|A100000000001|evidence.report_to_la|2026-03-09|leave.adjacent_days_evidence_days")
        #expect(la.sessions == ask.sessions)

        // Evidence received for both sessions: nothing.
        let both: Set<SessionSlot> = [.init(date: day("2026-03-09"), session: .am), .init(date: day("2026-03-09"), session: .pm)]
        #expect(run(p, "2026-03-24", b, [d], evidence: both, done: [ask.key]).isEmpty)
        #expect(run(p, "2026-03-13", b, [d], evidence: both).isEmpty)
        // For one: only the other is amended.
        let one = run(p, "2026-03-24", b, [d], evidence: [.init(date: day("2026-03-09"), session: .am)], done: [ask.key])
        #expect(one.of(.evidenceDeadline).first?.sessions == [SessionRef(date: day("2026-03-09"), session: .pm, code: "I")])
        #expect(one.of(.evidenceDeadline).first?.figures["evidence_sessions"] == 1)
        // No setting (seed 004): nothing.
        let p4 = try seed(4)
        #expect(run(p4, "2026-03-24", b, [d], done: [ask.key]).isEmpty)
    }

    @Test("leave.adjacent_days_evidence_days: the school day after, across a weekend; present or G next to the leave is nothing")
    func adjacentAfter() throws {
        let p = try seed(3)
        let r = request("2026-03-09", "2026-03-13", requested: "2026-02-02")
        let d = LeaveDecisionFacts(request: r, grant: LeaveGrant(code: .c, granting: r), decidedOn: day("2026-02-16"))
        var b = Book(through: "2026-03-20")
        b.set(from: "2026-03-09", to: "2026-03-13", .c)
        #expect(run(p, "2026-03-20", b, [d]).isEmpty)
        b.set("2026-03-16", .n, [.am])
        let a = try #require(run(p, "2026-03-20", b, [d]).of(.leaveEvidence).first)
        #expect(a.sessions == [SessionRef(date: day("2026-03-16"), session: .am, code: "N")])
        #expect(a.reason.contains("just after"))
        #expect(a.reason.contains("by 23 March 2026, 7 days after the return on 16 March 2026"))
        #expect(a.due == day("2026-03-16"))
        // An N is not amended to G past the deadline: the no-reason rule makes it O.
        #expect(run(p, "2026-03-24", b, [d], done: [a.key]).of(.evidenceDeadline).isEmpty)
        b.set("2026-03-16", .g, [.am])
        #expect(run(p, "2026-03-20", b, [d]).isEmpty)
    }

    @Test("seed 003 Proactive 10: every absent school day in a row before and after the leave, not one day")
    func adjacentRuns() throws {
        let p = try seed(3)
        let r = request("2026-03-11", "2026-03-13", requested: "2026-02-02")
        let d = LeaveDecisionFacts(request: r, grant: LeaveGrant(code: .c, granting: r), decidedOn: day("2026-02-16"))
        var b = Book(through: "2026-03-31")
        b.set(from: "2026-03-09", to: "2026-03-10", .i)  // Monday and Tuesday before
        b.set(from: "2026-03-11", to: "2026-03-13", .c)
        b.set(from: "2026-03-16", to: "2026-03-18", .i)  // Monday to Wednesday after, back on Thursday 19 March
        let actions = run(p, "2026-03-19", b, [d])
        #expect(
            actions.map(\.key) == [
                "leave_evidence|A100000000001|leave.adjacent_days_evidence_days|2026-03-10|request",
                "leave_evidence|A100000000001|leave.adjacent_days_evidence_days|2026-03-16|request",
            ])
        #expect(actions[0].sessions.map(\.date) == [day("2026-03-09"), day("2026-03-09"), day("2026-03-10"), day("2026-03-10")])
        #expect(actions[0].figures["school_days"] == 2)
        #expect(actions[1].sessions.count == 6)
        #expect(actions[1].figures["school_days"] == 3)
        // Both runs share the return, Thursday 19 March: the deadline is 26 March, amendment due 27 March.
        #expect(actions.allSatisfy { $0.reason.contains("by 26 March 2026, 7 days after the return on 19 March 2026") })
        #expect(run(p, "2026-03-26", b, [d], done: Set(actions.map(\.key))).of(.evidenceDeadline).isEmpty)
        let amend = run(p, "2026-03-27", b, [d], done: Set(actions.map(\.key))).of(.evidenceDeadline)
        #expect(amend.map(\.sessions.count) == [4, 6])
        #expect(amend.allSatisfy { $0.due == day("2026-03-27") && $0.amendment?.code == "G" })
    }

    @Test("seed 003 Proactive 10: 'leave of absence rejection letters will remind parents/carers of this'")
    func adjacentReminderWords() throws {
        let p = try seed(3)
        let words = try #require(LeaveFollowUp.adjacentDaysReminder(policy: p))
        #expect(
            words
                == "If your child is absent on any school days immediately before or after this leave, we will ask you for evidence "
                + "of the reason. If it is not given within 7 days of your child's return to school, those days will be recorded as "
                + "unauthorised leave of absence and reported to the local authority's school attendance team.")
        #expect(LeaveFollowUp.adjacentDaysReminder(policy: try seed(4)) == nil)
    }

    @Test("leave.adjacent_days_evidence_days: the school day before a leave after half term is the Friday before it")
    func adjacentAcrossHalfTerm() throws {
        let p = try seed(3)
        let r = request("2026-02-23", "2026-02-27", requested: "2026-01-05")
        let d = LeaveDecisionFacts(request: r, grant: LeaveGrant(code: .c, granting: r), decidedOn: day("2026-01-12"))
        var b = Book(through: "2026-02-27")
        b.set("2026-02-13", .i, [.pm])
        b.set(from: "2026-02-23", to: "2026-02-27", .c)
        let a = try #require(run(p, "2026-02-20", b, [d]).of(.leaveEvidence).first)
        #expect(a.sessions == [SessionRef(date: day("2026-02-13"), session: .pm, code: "I")])
        #expect(a.due == day("2026-02-13"))
    }

    @Test("the new kinds have stable raw values and come after the evaluation's own in worklist order")
    func kinds() {
        #expect(DueAction.Kind.leaveUnauthorised.rawValue == "leave_unauthorised")
        #expect(DueAction.Kind.leaveEvidence.rawValue == "leave_evidence")
        #expect(DueAction.Kind.socialWorker.order < DueAction.Kind.leaveUnauthorised.order)
    }
}
