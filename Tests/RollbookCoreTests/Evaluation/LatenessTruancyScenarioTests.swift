import Foundation
import Testing

@testable import RollbookCore

// Scenario tests for lateness ladders that escalate, persistent lateness over school weeks and the truancy ladder,
// on the synthetic calendar of EvalTest (autumn 2025: 1 September to 24 October, half term 27-31 October, 3 November
// to 19 December; spring 1: 5 January to 13 February 2026). Each test's name cites the seed clause it proves.

private func day(_ s: String) -> LocalDate { EvalTest.day(s) }
private typealias Book = EvalTest.Book

@Suite("Lateness ladders, persistent lateness and truancy (seeds 000, 001, 002, 004)")
struct LatenessTruancyScenarioTests {
    static let upn = "L002000000007"

    /// Seed 002's ladder: late (L) on the mornings given, present otherwise, through spring 1.
    static func lates(_ days: [String], yearGroup: String = "3") -> EvalTest.Book {
        var b = Book(yearGroup: yearGroup, through: "2026-02-13")
        for d in days { b.set(d, .late, [.am]) }
        return b
    }

    static func actions(
        _ policy: Policy, _ asOf: String, _ b: EvalTest.Book, _ cw: Casework = Casework(), dateOfBirth: String = "2016-01-15"
    )
        -> [DueAction]
    {
        EvalTest.run(policy, asOf, [b.facts(upn, dateOfBirth: dateOfBirth)], casework: [upn: cw])
    }

    static func inRung(_ rung: String, _ entered: String, history: [StageState] = []) -> Casework {
        var cw = Casework()
        cw.latenessRung = StageState(stage: rung, entered: day(entered))
        cw.latenessHistory = history
        return cw
    }

    // MARK: - Seed 002 Flowchart 2: the ladder escalates

    @Test(
        "seed 002 flowchart 2: '3 or 4 late arrivals in a week' a written warning, then monitoring; a pupil in the rung is not sent the '1 or 2' letter"
    )
    func seed002Entry() throws {
        let policy = try SeedScenario.policy("002")
        let b = Self.lates(["2025-11-10", "2025-11-11", "2025-11-12", "2025-11-17"])
        let entry = Self.actions(policy, "2025-11-12", b).of(.lateness)
        // The panel rung (direct_entry false) is not proposed on the count alone.
        #expect(entry.map(\.rule) == ["lateness.weekly-3-4"])
        let a = try #require(entry.first)
        #expect(a.proposedRung == "weekly-3-4" && a.proposedStage == nil && a.action == .letter)
        #expect(a.due == day("2025-11-12") && a.key == "lateness|\(Self.upn)|lateness.weekly-3-4|2025-11-10")
        #expect(a.figures == ["count": 3, "at_least": 3])
        #expect(a.sessions.map(\.date) == ["2025-11-10", "2025-11-11", "2025-11-12"].map(day) && a.sessions.allSatisfy { $0.code == "L" })
        #expect(a.reason.contains("Send the 'lateness-written-warning' letter. Then monitor for 4 school weeks."))
        #expect(a.source.contains("Issue written warnings"))
        // Entered on 12 November: a late on 17 November proposes nothing (weekly-1-2 is below the pupil's rung).
        let cw = Self.inRung("weekly-3-4", "2025-11-12")
        #expect(Self.actions(policy, "2025-11-17", b, cw).of(.lateness).isEmpty)
        #expect(Self.actions(policy, "2025-11-17", b).of(.lateness).map(\.rule) == ["lateness.weekly-1-2"])
        // Monitoring ends on the same weekday 4 school weeks on: Wednesday 10 December.
        #expect(Self.actions(policy, "2025-12-09", b, cw).of(.latenessReview).isEmpty)
    }

    @Test("seed 002 flowchart 2: 'At the end of monitoring ... If there is improvement in punctuality, continue monitoring'")
    func seed002Improved() throws {
        let policy = try SeedScenario.policy("002")
        // Two lates in the monitoring period (13 November to 10 December): at most 2, improved.
        let b = Self.lates(["2025-11-10", "2025-11-11", "2025-11-12", "2025-11-17", "2025-12-01"])
        let r = try #require(Self.actions(policy, "2025-12-10", b, Self.inRung("weekly-3-4", "2025-11-12")).of(.latenessReview).first)
        #expect(r.rule == "lateness.weekly-3-4" && r.action == .review && r.due == day("2025-12-10"))
        #expect(r.key == "lateness_review|\(Self.upn)|lateness.weekly-3-4|2025-11-12")
        #expect(r.proposedRung == nil && r.proposedStage == nil)
        #expect(r.figures == ["count": 2, "improved_at_most": 2, "monitoring_count": 4, "improved": 1])
        #expect(r.sessions.map(\.date) == ["2025-11-17", "2025-12-01"].map(day))
        #expect(r.reason.contains("at most 2: improved"))
        #expect(LetterTemplate.letterID(for: r, policy: policy) == "congratulations-improvement")
    }

    @Test(
        "seed 002 flowchart 2: 'If there is no improvement in punctuality convene a Lateness Panel Meeting' to 'write down a parent/pupil/school contract'"
    )
    func seed002Panel() throws {
        let policy = try SeedScenario.policy("002")
        let b = Self.lates(["2025-11-10", "2025-11-11", "2025-11-12", "2025-11-17", "2025-11-24", "2025-12-01"])
        let r = try #require(Self.actions(policy, "2025-12-10", b, Self.inRung("weekly-3-4", "2025-11-12")).of(.latenessReview).first)
        #expect(r.proposedRung == "panel" && r.proposedStage == nil && r.action == .attendanceContract)
        #expect(r.figures == ["count": 3, "improved_at_most": 2, "monitoring_count": 4, "improved": 0])
        #expect(r.due == day("2025-12-10") && r.key == "lateness_review|\(Self.upn)|lateness.weekly-3-4|2025-11-12")
        #expect(r.reason.contains("more than 2: not improved. Next: Lateness Panel Meeting: contract and action plan (panel)."))
        #expect(r.reason.contains("Send the 'lateness-panel-invitation' letter. Then monitor for 1 half term."))
        #expect(LetterTemplate.letterID(for: r, policy: policy) == "lateness-panel-invitation")
        // Still due (overdue) on later days until done; gone once done.
        var cw = Self.inRung("weekly-3-4", "2025-11-12")
        #expect(Self.actions(policy, "2025-12-12", b, cw).of(.latenessReview).map(\.key) == [r.key])
        cw.done = [r.key]
        #expect(Self.actions(policy, "2025-12-12", b, cw).of(.latenessReview).isEmpty)
    }

    @Test(
        "seed 002 flowchart 2: 'If lateness continues, escalate the lateness to consideration as unauthorised absence and move over to the attendance escalation procedure'"
    )
    func seed002HandOver() throws {
        let policy = try SeedScenario.policy("002")
        let b = Self.lates(["2026-01-06", "2026-01-13", "2026-01-20"])
        let history = [StageState(stage: "weekly-3-4", entered: day("2025-11-12"), left: day("2025-12-12"))]
        let cw = Self.inRung("panel", "2025-12-12", history: history)
        // A half term's monitoring: spring 1, the first half term starting after 12 December, ends Friday 13 February.
        #expect(policy.latenessRung("panel")?.monitoringEnd(entered: day("2025-12-12"), calendar: EvalTest.calendar) == day("2026-02-13"))
        #expect(Self.actions(policy, "2026-02-12", b, cw).of(.latenessReview).isEmpty)
        let r = try #require(Self.actions(policy, "2026-02-13", b, cw).of(.latenessReview).first)
        #expect(
            r.rule == "lateness.panel" && r.key == "lateness_review|\(Self.upn)|lateness.panel|2025-12-12" && r.due == day("2026-02-13"))
        #expect(r.proposedStage == "stage-3" && r.proposedRung == nil && r.action == .letter)
        #expect(r.figures == ["count": 3, "improved_at_most": 2, "monitoring_count": 1, "improved": 0])
        #expect(
            r.reason.contains(
                "Move over to the attendance escalation procedure: Red: RAG letter warning of monitoring over the next half term (stage-3)."
            ))
        #expect(LetterTemplate.letterID(for: r, policy: policy) == "rag-red-monitoring-warning")
        // A pupil already in an attendance stage is not proposed another: the review says so.
        var inStage = cw
        inStage.stage = StageState(stage: "stage-2", entered: day("2025-11-20"))
        let s = try #require(Self.actions(policy, "2026-02-13", b, inStage).of(.latenessReview).first)
        #expect(s.proposedStage == nil && s.action == .review && s.reason.contains("already in stage-2"))
    }

    @Test("seed 002 flowchart 2: lates before the pupil left a rung count for no rung again")
    func seed002AfterLeaving() throws {
        let policy = try SeedScenario.policy("002")
        let b = Self.lates(["2025-11-10", "2025-11-11", "2025-11-12", "2025-11-13"])
        var cw = Casework()
        cw.latenessHistory = [StageState(stage: "weekly-3-4", entered: day("2025-10-08"), left: day("2025-11-12"))]
        let a = try #require(Self.actions(policy, "2025-11-13", b, cw).of(.lateness).first)
        #expect(a.rule == "lateness.weekly-1-2" && a.figures["count"] == 1 && a.due == day("2025-11-13"))
        #expect(a.key == "lateness|\(Self.upn)|lateness.weekly-1-2|2025-11-10" && a.proposedRung == nil)
    }

    // MARK: - Persistent lateness: N in M school weeks

    @Test(
        "seed 000 §5.4.2: 'Persistent late arrival ... could result in ... an attendance meeting' (6 late arrivals in 6 school weeks)"
    )
    func seed000PersistentLateness() throws {
        let policy = try SeedScenario.policy("000")
        let mondays = ["2025-09-15", "2025-09-22", "2025-09-29", "2025-10-06", "2025-10-13", "2025-10-20"]
        var b = Self.lates(mondays, yearGroup: "9")
        #expect(Self.actions(policy, "2025-10-17", b).of(.lateness).isEmpty, "5 in the 6 school weeks to 17 October")
        let a = try #require(Self.actions(policy, "2025-10-20", b).of(.lateness).first)
        #expect(a.rule == "lateness.persistent-late" && a.action == .meeting && a.due == day("2025-10-20"))
        #expect(a.key == "lateness|\(Self.upn)|lateness.persistent-late|2025-10-20")
        #expect(a.figures == ["count": 6, "at_least": 6, "school_weeks": 6])
        #expect(a.sessions.map(\.date) == mondays.map(day))
        #expect(a.reason.hasPrefix("6 late arrivals (L or U) in the last 6 school weeks, since 15 September 2025"))
        #expect(a.source.contains("The seed gives no number"))
        // Still persistently late after half term (the holiday week is no school week): the same episode and key.
        b.set("2025-11-03", .late, [.am])
        #expect(Self.actions(policy, "2025-11-03", b).of(.lateness).map(\.key) == [a.key])
        // Without the 3 November late the window to 3 November holds 5: no action.
        b.set("2025-11-03", .presentAM, [.am])
        #expect(Self.actions(policy, "2025-11-03", b).of(.lateness).isEmpty)
    }

    @Test("seed 001 §3.4: 'a formal meeting ... should lateness become a concern' (6 late arrivals, L or U, in 6 school weeks)")
    func seed001PersistentLateness() throws {
        let policy = try SeedScenario.policy("001")
        var b = Book(yearGroup: "8", through: "2025-12-19")
        for d in ["2025-11-03", "2025-11-04", "2025-11-05"] { b.set(d, .late, [.am]) }
        for d in ["2025-11-10", "2025-11-11", "2025-11-12"] { b.set(d, .u, [.am]) }
        let a = try #require(Self.actions(policy, "2025-11-12", b).of(.lateness).first)
        #expect(a.rule == "lateness.persistent-late" && a.action == .meeting && a.due == day("2025-11-12"))
        #expect(a.sessions.map(\.code) == ["L", "L", "L", "U", "U", "U"])
        #expect(Self.actions(policy, "2025-11-11", b).of(.lateness).isEmpty)
    }

    @Test(
        "seed 004 'Truancy': a penalty notice for 'persistent late arrival' is never proposed on lateness: a review on the national test"
    )
    func seed004PersistentLatenessIsNoNotice() throws {
        let policy = try SeedScenario.policy("004")
        var b = Book(yearGroup: "5", through: "2025-12-19")
        for d in ["2025-11-03", "2025-11-04", "2025-11-05", "2025-11-06", "2025-11-07", "2025-11-10"] { b.set(d, .late, [.am]) }
        let all = Self.actions(policy, "2025-11-10", b)
        let a = try #require(all.of(.lateness).first)
        #expect(a.rule == "lateness.persistent-late" && a.action == .review && a.due == day("2025-11-10"))
        #expect(
            a.figures == [
                "count": 6, "at_least": 6, "school_weeks": 6, "threshold_sessions": 10, "unauthorised_sessions": 0, "penalty_test_met": 0,
            ])
        #expect(a.reason.contains("This rung's step is a penalty notice, but the national test is not met: 0 sessions of G, N, O or U"))
        #expect(!all.contains { $0.action.isLegalStep } && all.of(.penaltyThreshold).isEmpty)
        // Ten U sessions: the national test is met; still a review here, the notice is the threshold rule's.
        var u = Book(yearGroup: "5", through: "2025-12-19")
        u.set(from: "2025-11-03", to: "2025-11-07", .u)
        let withU = Self.actions(policy, "2025-11-07", u)
        let r = try #require(withU.of(.lateness).first)
        #expect(r.action == .review && r.figures["penalty_test_met"] == 1 && r.figures["unauthorised_sessions"] == 10)
        #expect(r.reason.contains("the national test is met (10 sessions of G, N, O or U in 10 school weeks, reached on 7 November 2025)"))
        #expect(withU.filter { $0.action.isLegalStep }.allSatisfy { $0.kind == .penaltyThreshold })
    }

    // MARK: - Seed 004: truancy

    static let leftSite = TruancyRecord(date: day("2025-11-04"), session: .pm, kind: .leftSite)
    static let missedLesson = TruancyRecord(date: day("2025-11-20"), session: .am, kind: .missedLesson, lesson: "Science")

    static func truant(_ records: [TruancyRecord], done: Set<String> = []) -> Casework {
        var cw = Casework(done: done)
        cw.truancies = records
        return cw
    }

    @Test("seed 004 truancy: first instance 'a letter of warning will be sent to the parents of the pupil, informing them of the truancy'")
    func seed004FirstTruancy() throws {
        let policy = try SeedScenario.policy("004")
        let b = Book(yearGroup: "5", through: "2025-12-19")
        #expect(Self.actions(policy, "2025-11-03", b, Self.truant([Self.leftSite])).of(.truancy).isEmpty)
        let all = Self.actions(policy, "2025-11-04", b, Self.truant([Self.leftSite]))
        let a = try #require(all.of(.truancy).first)
        #expect(all.of(.truancy).count == 1)
        #expect(a.rule == "truancy.first" && a.action == .letter && a.due == day("2025-11-04"))
        #expect(a.key == "truancy|\(Self.upn)|truancy.first|2025-09-01")
        #expect(a.figures == ["incidents": 1, "at_least": 1, "left_site": 1, "missed_lesson": 0])
        #expect(a.sessions == [SessionRef(date: day("2025-11-04"), session: .pm, code: AttendanceCode.presentPM.symbol)])
        #expect(
            a.reason.contains(
                "1 day with truancy this school year, since 1 September 2025 (4 November 2025 PM: left the site without permission)"))
        #expect(a.reason.contains("Send the 'truancy-warning' letter."))
        #expect(a.source.contains("In the first instance, a letter of warning"))
        #expect(LetterTemplate.letterID(for: a, policy: policy) == "truancy-warning")
        // A new school year starts the count again.
        let next = Book(yearGroup: "5", through: "2026-09-30")
        #expect(Self.actions(policy, "2026-09-10", next, Self.truant([Self.leftSite])).of(.truancy).isEmpty)
    }

    @Test(
        "seed 004 truancy: 'If any further truancy occurs, then the school will consider issuing a penalty notice': a review on the national test, never a notice"
    )
    func seed004FurtherTruancy() throws {
        let policy = try SeedScenario.policy("004")
        let b = Book(yearGroup: "5", through: "2025-12-19")
        let firstKey = "truancy|\(Self.upn)|truancy.first|2025-09-01"
        // A second record on the same day is the same incident.
        let sameDay = TruancyRecord(date: day("2025-11-04"), session: .pm, kind: .missedLesson, lesson: "Art")
        #expect(Self.actions(policy, "2025-11-19", b, Self.truant([Self.leftSite, sameDay], done: [firstKey])).of(.truancy).isEmpty)
        let all = Self.actions(policy, "2025-11-20", b, Self.truant([Self.missedLesson, Self.leftSite], done: [firstKey]))
        let a = try #require(all.of(.truancy).first)
        #expect(all.of(.truancy).map(\.rule) == ["truancy.further"])
        #expect(a.action == .review && a.due == day("2025-11-20") && a.key == "truancy|\(Self.upn)|truancy.further|2025-09-01")
        #expect(
            a.figures == [
                "incidents": 2, "at_least": 2, "left_site": 1, "missed_lesson": 1, "threshold_sessions": 10, "unauthorised_sessions": 0,
                "penalty_test_met": 0,
            ])
        #expect(a.sessions.map(\.date) == ["2025-11-04", "2025-11-20"].map(day))
        #expect(
            a.reason.contains(
                "(4 November 2025 PM: left the site without permission; 20 November 2025 AM: missed lesson 'Science' while present at registration)"
            ))
        #expect(a.reason.contains("This rung's step is a penalty notice, but the national test is not met"))
        #expect(!all.contains { $0.action.isLegalStep })
    }

    @Test("seed 004 truancy: a pupil outside compulsory school age gets no legal step, and the review says why")
    func seed004TruancyNotOfAge() throws {
        let policy = try SeedScenario.policy("004")
        let b = Book(yearGroup: "R", through: "2025-12-19")
        let dob = "2021-01-10"
        let all = Self.actions(policy, "2025-11-20", b, Self.truant([Self.leftSite, Self.missedLesson]), dateOfBirth: dob)
        #expect(all.of(.truancy).map(\.rule) == ["truancy.first", "truancy.further"])
        let a = try #require(all.of(.truancy).last)
        let note = try #require(CompulsorySchoolAge.legalStepsUnavailable(dateOfBirth: day(dob), on: day("2025-11-20")))
        #expect(a.action == .review && a.reason.hasSuffix(note) && a.figures["penalty_test_met"] == nil)
        #expect(!all.contains { $0.action.isLegalStep })
    }
}
