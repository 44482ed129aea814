import Foundation
import Testing

@testable import RollbookCore

// Part-time timetables (C2): seed 000 §6.1.1 "A temporary time-limited part-time timetable (between 2-4 weeks) ... have
// agreed times and dates when the student will be expected to attend School". EvalTest's calendar (half term
// 16-20 February 2026); the pupil is Year 5 in 2025/26.

private func day(_ s: String) -> LocalDate { EvalTest.day(s) }

private let enrolment = Enrolment(
    startingDay: day("2024-09-01"), leavingDay: nil, yearGroup: "5", yearGroupYear: AcademicYear(startYear: 2025))

private func c2(_ from: String, _ to: String, off: [String]) -> LeaveGrant {
    var g = LeaveGrant(
        code: .c2, from: day(from), to: day(to), timetable: "Mornings in school, afternoons at home with work set",
        reviewDate: day(to))
    g.notExpected = off
    return g
}

@Suite("Leave: part-time timetables")
struct PartTimeTests {
    @Test("only the weekly sessions the pupil is not expected to attend are coded C2, across a weekend")
    func onlyTheSessionsOff() {
        // Thursday 5 to Tuesday 10 March 2026, afternoons off on Monday and Thursday.
        let g = c2("2026-03-05", "2026-03-10", off: ["mon_pm", "thu_pm"])
        let coded = g.codedSessions(calendar: EvalTest.calendar, enrolment: enrolment)
        #expect(coded == [LeaveSession(date: day("2026-03-05"), session: .pm), LeaveSession(date: day("2026-03-09"), session: .pm)])
        #expect(g.sessions(calendar: EvalTest.calendar, enrolment: enrolment).count == 8)
        // Any other code codes every session granted.
        var c = g
        c.code = .c
        #expect(c.codedSessions(calendar: EvalTest.calendar, enrolment: enrolment).count == 8)
    }

    @Test("a C2 grant names its sessions not expected: none, an unknown one or all ten are refused naming not_expected")
    func validation() {
        let r = LeaveRequest(from: day("2026-03-02"), to: day("2026-03-27"), requestedOn: day("2026-02-02"), reason: "Phased return")
        func field(_ off: [String]?) -> String? {
            var g = c2("2026-03-02", "2026-03-27", off: [])
            g.notExpected = off
            do {
                try g.validate(request: r)
                return nil
            } catch { return error.field }
        }
        #expect(field(nil) == "not_expected")
        #expect(field([]) == "not_expected")
        #expect(field(["mon_pm", "sat_am"]) == "not_expected[1]")
        #expect(field(LeaveGrant.weeklySessions) == "not_expected")
        #expect(field(["fri_pm"]) == nil)
    }

    @Test("seed 000 §6.1.1 'between 2-4 weeks': a C2 grant over 4 school weeks is rejected naming part_time.max_school_weeks")
    func seed000FourWeeks() throws {
        let p = try SeedPolicyTests.seed(0)
        #expect(p.partTime?.maxSchoolWeeks == 4)
        #expect(p.clause("part_time.max_school_weeks").contains("between 2-4 weeks"))
        func check(_ from: String, _ to: String) -> ValidationError? {
            do {
                try LeaveCheck.checkPartTime(
                    grant: c2(from, to, off: ["mon_pm"]), policy: p, calendar: EvalTest.calendar, enrolment: enrolment)
                return nil
            } catch { return error }
        }
        // 2 to 27 March: 4 school weeks.
        #expect(check("2026-03-02", "2026-03-27") == nil)
        // 9 February to 13 March: 5 calendar weeks, but half term (16-20 February) is not a school week: 4.
        #expect(check("2026-02-09", "2026-03-13") == nil)
        // 2 March to 13 April: the Easter holiday is skipped, 13 April makes a fifth school week.
        let e = try #require(check("2026-03-02", "2026-04-13"))
        #expect(e.field == "part_time.max_school_weeks")
        #expect(e.reason.contains("spans 5 school weeks; the policy allows at most 4 school weeks"))
        // No limit in the policy: no check.
        #expect(throws: Never.self) {
            try LeaveCheck.checkPartTime(
                grant: c2("2026-03-02", "2026-04-13", off: ["mon_pm"]), policy: try SeedPolicyTests.seed(3), calendar: EvalTest.calendar,
                enrolment: enrolment)
        }
        var bad = p
        bad.partTime = .init(maxSchoolWeeks: 0)
        do {
            try bad.validate()
            Issue.record("0 weeks accepted")
        } catch { #expect(error.field == "part_time.max_school_weeks") }
    }

    @Test("part_time_review: due on the review date with the timetable's figures and a stable key; not before; overdue after")
    func review() throws {
        let b = EvalTest.Book(through: "2026-03-20")
        var g = c2("2026-03-02", "2026-03-27", off: ["mon_pm", "fri_pm"])
        g.reviewDate = day("2026-03-20")
        let r = LeaveRequest(from: day("2026-03-02"), to: day("2026-03-27"), requestedOn: day("2026-02-02"), reason: "Phased return")
        let d = LeaveDecisionFacts(request: r, grant: g, decidedOn: day("2026-02-20"))
        let p = try SeedPolicyTests.seed(0)
        func run(_ asOf: String) -> [DueAction] {
            LeaveFollowUp.run(policy: p, calendar: b.calendar, asOf: day(asOf), pupil: b.facts(), decisions: [d])
                .filter { $0.kind == .partTimeReview }
        }
        #expect(run("2026-03-19").isEmpty)
        let a = try #require(run("2026-03-20").first)
        #expect(a.due == day("2026-03-20"))
        #expect(a.rule == "part_time.review_date")
        #expect(a.action == .partTimeTimetable)
        #expect(a.figures == ["sessions": 8, "school_weeks": 4])
        #expect(a.reason.contains("not expected on Monday afternoon, Friday afternoon (8 sessions coded C2 over 4 school weeks)"))
        #expect(a.source.contains("regularly reviewed"))
        #expect(a.key == "part_time_review|\(b.facts().upn)|part_time.review_date|2026-03-02|2026-03-20")
        // Overdue, with the same key, until done (the evaluation leaves out keys done).
        #expect(run("2026-03-25").map(\.key) == [a.key])
        #expect(DueAction.Kind.allCases.contains(.partTimeReview))
    }

    @Test("inform_la when a part-time timetable starts and when it has ended (the LA told, by staff, from the worklist)")
    func laTold() throws {
        let b = EvalTest.Book(through: "2026-03-31")
        var g = c2("2026-03-02", "2026-03-27", off: ["fri_pm"])
        g.reviewDate = day("2026-03-20")
        let r = LeaveRequest(from: day("2026-03-02"), to: day("2026-03-27"), requestedOn: day("2026-02-02"), reason: "Phased return")
        let d = LeaveDecisionFacts(request: r, grant: g, decidedOn: day("2026-02-20"))
        let p = try SeedPolicyTests.seed(0)
        func run(_ asOf: String) -> [DueAction] {
            LeaveFollowUp.run(policy: p, calendar: b.calendar, asOf: day(asOf), pupil: b.facts(), decisions: [d])
                .filter { $0.kind == .informLA }
        }
        #expect(run("2026-03-01").isEmpty)
        let start = try #require(run("2026-03-02").first)
        #expect(start.rule == "part_time.inform_la" && start.due == day("2026-03-02") && start.action == .informLA)
        #expect(start.reason.contains("starts on 2 March 2026") && start.reason.contains("not expected on Friday afternoon"))
        #expect(run("2026-03-27").map(\.key) == [start.key])
        let both = run("2026-03-28")
        #expect(both.count == 2)
        let end = try #require(both.first { $0.key != start.key })
        #expect(end.due == day("2026-03-28"))
        #expect(end.reason.contains("ended on 27 March 2026. Tell the LA it has ended."))
        #expect(end.key.hasSuffix("|2026-03-02|end"))
    }

    @Test(
        "DfE 'Working together' (2024), seed 002 §8.3 'Time limited part-time timetables': the LA's message names the pupil, the dates, the sessions not expected, the agreed times and the review date, at the start and at the end"
    )
    func laMessage() throws {
        let b = EvalTest.Book(through: "2026-03-31")
        var g = c2("2026-03-02", "2026-03-27", off: ["fri_pm"])
        g.reviewDate = day("2026-03-20")
        g.agreedStart = ["mon": TimeOfDay("10:00")!]
        let r = LeaveRequest(from: day("2026-03-02"), to: day("2026-03-27"), requestedOn: day("2026-02-02"), reason: "Phased return")
        let d = LeaveDecisionFacts(request: r, grant: g, decidedOn: day("2026-02-20"))
        let p = try SeedPolicyTests.seed(0)
        let actions = LeaveFollowUp.run(policy: p, calendar: b.calendar, asOf: day("2026-03-28"), pupil: b.facts(), decisions: [d])
            .filter { $0.kind == .informLA }
        let edges = actions.compactMap(PartTimeLANotice.about)
        #expect(edges.map(\.edge) == [.start, .end] && edges.allSatisfy { $0.from == day("2026-03-02") })
        let pupil = PartTimeLANotice.Pupil(name: "Ada Moss", upn: "A123456789012", yearGroup: "5", dateOfBirth: day("2016-05-04"))
        let coded = g.codedSessions(calendar: b.calendar, enrolment: enrolment).count
        let start = PartTimeLANotice.message(
            .start, grant: g, pupil: pupil, codedSessions: coded, school: "Elm School", laName: "Westshire Council", from: "Lee Lead")
        #expect(start.subject == "Part-time timetable starting: Ada Moss (A123456789012), Elm School")
        #expect(start.body.hasPrefix("Dear Westshire Council,"))
        #expect(
            start.body.contains(
                "Ada Moss (UPN A123456789012, born 4 May 2016, year 5) is on a temporary part-time timetable (code C2) from 2 March 2026 to 27 March 2026."
            ))
        #expect(start.body.contains("not expected in school on: Friday afternoon."))
        #expect(start.body.contains("Agreed times: Monday: agreed start 10:00."))
        #expect(start.body.contains("Sessions coded C2 over the timetable: 4."))
        #expect(start.body.contains("It will be reviewed on 20 March 2026."))
        // Staff wording from the worklist (what to do next) is not in the message.
        #expect(!start.body.contains("Tell the LA"))
        let end = PartTimeLANotice.message(
            .end, grant: g, pupil: pupil, codedSessions: coded, school: "Elm School", laName: nil, from: "Lee Lead")
        #expect(end.subject.hasPrefix("Part-time timetable ended") && end.body.hasPrefix("Dear colleague,"))
        #expect(end.body.contains("which started on 2 March 2026, ended on 27 March 2026."))
        // Any other inform_la (illness, evidence) is not a part-time notice.
        var other = actions[0]
        other.rule = "missing_education.illness_school_days"
        #expect(PartTimeLANotice.about(other) == nil)
    }
}
