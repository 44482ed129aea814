import Foundation
import Testing

@testable import RollbookCore

// Scenario tests for the stage ladder settings (StageLadder.swift), one or more per setting, on the synthetic calendar
// of EvaluationTests (autumn 2025: 1 September to 24 October and 3 November to 19 December; spring from 5 January
// 2026). Most run the seed policies as configured in Policies/seed-00N-*.json; each name cites the seed's clause.

private func day(_ s: String) -> LocalDate { EvalTest.day(s) }
private typealias Book = EvalTest.Book

private let upn = "S000000000001"

/// The actions for one pupil under a seed policy, with the pupil's casework and characteristics.
private func run(
    _ policy: Policy, _ asOf: String, _ book: Book, casework: Casework = Casework(), characteristics: Characteristics = Characteristics()
) -> [DueAction] {
    var f = book.facts(upn)
    f.characteristics = characteristics
    return EvalTest.run(policy, asOf, [f], casework: [upn: casework])
}

@Suite("Stage ladder: triggers other than the attendance rate")
struct StageTriggerScenarios {
    @Test("seed 000 §8.3.2 'a high number of frequent absences each term': the fourth absence episode of the term enters Stage 1")
    func frequentAbsences() throws {
        let policy = try SeedScenario.policy("000")
        var b = Book(yearGroup: "9", through: "2025-11-28")
        for d in ["2025-09-15", "2025-10-01", "2025-11-05", "2025-11-19"] { b.set(d, .m, [.am]) }
        #expect(run(policy, "2025-11-18", b).of(.stageEntry).isEmpty)
        let all = run(policy, "2025-11-28", b).of(.stageEntry)
        let a = try #require(all.first)
        #expect(all.count == 1)
        #expect(a.key == "stage_entry|\(upn)|stages.stage-1|2025-11-19" && a.due == day("2025-11-19"))
        #expect(a.proposedStage == "stage-1" && a.action == .letter && a.letter == "stage-1-attendance-concern")
        // 116 of 120 sessions: 96.7%, so the rate alone would not have entered the stage.
        #expect(
            a.figures == ["count": 4, "at_least": 4, "attendance_rate": 0.9667, "attended": 116, "possible": 120])
        #expect(
            a.sessions.map(\.date) == ["2025-09-15", "2025-10-01", "2025-11-05", "2025-11-19"].map(day)
                && a.sessions.allSatisfy { $0.session == .am && $0.code == "M" })
        #expect(
            a.reason.hasPrefix(
                "4 absence episodes (runs of consecutive absent sessions) this term (since 1 September 2025), the trigger being 4 or more: "
                    + "Stage 1: attendance concern letter (stage-1). Send the 'stage-1-attendance-concern' letter."))
        #expect(a.source.contains("a high number of frequent absences each term") && a.source.contains("the seed gives no numbers"))
    }

    @Test("seed 000 §8.3.2 'frequent minor medical absences': 6 illness sessions in the spring term enter Stage 1")
    func minorMedical() throws {
        let policy = try SeedScenario.policy("000")
        var b = Book(yearGroup: "9", through: "2026-01-16")
        for d in ["2026-01-07", "2026-01-12", "2026-01-14"] { b.set(d, .i) }
        #expect(run(policy, "2026-01-13", b).of(.stageEntry).isEmpty)
        let a = try #require(run(policy, "2026-01-16", b).of(.stageEntry).first)
        #expect(a.key == "stage_entry|\(upn)|stages.stage-1|2026-01-14" && a.due == day("2026-01-14"))
        #expect(a.figures == ["count": 6, "at_least": 6, "attendance_rate": 0.9647, "attended": 164, "possible": 170])
        #expect(a.sessions.count == 6 && a.sessions.allSatisfy { $0.code == "I" })
        #expect(a.reason.hasPrefix("6 sessions of illness (I) this term (since 5 January 2026), the trigger being 6 or more: Stage 1"))
        #expect(a.source.contains("frequent minor medical absences"))
    }

    @Test("seed 000 §8.3.2 'where a student is persistently late': the sixth late arrival (L or U) of the term enters Stage 1")
    func persistentlyLate() throws {
        let policy = try SeedScenario.policy("000")
        var b = Book(yearGroup: "9", through: "2025-11-14")
        for d in ["2025-11-03", "2025-11-04", "2025-11-05", "2025-11-06", "2025-11-07"] { b.set(d, .late, [.am]) }
        b.set("2025-11-10", .u, [.am])
        #expect(run(policy, "2025-11-07", b).of(.stageEntry).isEmpty)
        let a = try #require(run(policy, "2025-11-14", b).of(.stageEntry).first)
        #expect(a.key == "stage_entry|\(upn)|stages.stage-1|2025-11-10" && a.due == day("2025-11-10"))
        #expect(a.figures["count"] == 6 && a.figures["at_least"] == 6)
        #expect(a.sessions.map(\.code) == ["L", "L", "L", "L", "L", "U"])
        #expect(a.reason.hasPrefix("6 late arrivals (L or U) this term (since 1 September 2025), the trigger being 6 or more"))
        #expect(a.source.contains("persistently late"))
    }

    @Test("seed 001 §7 'learners who are absent from school/college more than they are present': severe absence enters its own stage")
    func severeAbsence() throws {
        let policy = try SeedScenario.policy("001")
        var b = Book(yearGroup: "10", through: "2025-09-19")
        b.set(from: "2025-09-01", to: "2025-09-12", .i)
        let all = run(policy, "2025-09-19", b).of(.stageEntry)
        // Below 90% too, but the furthest stage whose trigger holds is the one proposed.
        #expect(all.map(\.proposedStage) == ["stage-severe"])
        let a = try #require(all.first)
        // The first day with a school week of sessions (the stage's minimum) is Friday 5 September: 10 of 10 absent.
        #expect(a.key == "stage_entry|\(upn)|stages.stage-severe|2025-09-05" && a.due == day("2025-09-05"))
        #expect(a.action == .laReferral && a.letter == nil)
        #expect(
            a.figures == [
                "absent": 20, "window_possible": 30, "absence_rate": 0.6667, "severe_absence": 0.5, "attendance_rate": 0.3333,
                "attended": 10, "possible": 30,
            ])
        #expect(
            a.reason.hasPrefix(
                "Absence 66.7% this school year (since 1 September 2025) (20 of 30 sessions) is at or above the severe absence line of 50%")
        )
        #expect(a.source.contains("those missing 50% or more"))
    }

    @Test("seed 003 Proactive 6 'or is at risk of reaching this point': projected to the end of the year, absence would reach 10%")
    func atRisk() throws {
        let policy = try SeedScenario.policy("003")
        var b = Book(yearGroup: "4", through: "2025-12-12")
        b.set(from: "2025-11-03", to: "2025-11-07", .i)
        b.set("2025-11-10", .i)
        let all = run(policy, "2025-12-12", b).of(.stageEntry)
        let a = try #require(all.first)
        #expect(all.count == 1 && a.proposedStage == "at-risk" && a.action == .call)
        // Absence passed 10% on 7 November (persistently absent then, so not "at risk"); back under it on 1 December.
        #expect(a.key == "stage_entry|\(upn)|stages.at-risk|2025-12-01" && a.due == day("2025-12-01"))
        // So far 12 of 140 sessions; the last 6 school weeks (3 November on) 12 of 60; 250 sessions to 17 July 2026.
        let projected = try #require(
            ProjectionModel.projectedAttendance(attended: 128, possible: 140, absenceRate: 0.2, remaining: 250))
        #expect(
            a.figures == [
                "absence_rate": 0.0857, "recent_absence_rate": 0.2, "recent_school_weeks": 6, "remaining_sessions": 250,
                "projected_absence_rate": EvalWords.round4(1 - projected), "persistent_absence": 0.1, "attendance_rate": 0.9143,
                "attended": 128, "possible": 140,
            ])
        #expect(a.figures["projected_absence_rate"] == 0.159)
        #expect(
            a.reason.hasPrefix(
                "At risk of persistent absence: absence so far this year 8.6% (12 of 140 sessions); at the rate of the last 6 school weeks "
                    + "(20.0%) over the 250 sessions to come it would reach 15.9% by the end of the year"))
        #expect(a.source.contains("or is at risk of reaching this point"))
    }

    @Test("an unauthorised-sessions trigger counts G, N, O and U over its school-week window")
    func unauthorised() throws {
        let policy = EvalTest.quiet {
            var s = Policy.Stage(id: "truancy", name: "Unauthorised absence: meeting", below: 0.9, action: .meeting, directEntry: true)
            s.trigger = .init(measure: .unauthorisedSessions, atLeast: 5, schoolWeeks: 4)
            $0.stages = [s]
        }
        var b = Book(through: "2025-11-21")
        b.set("2025-09-10", .o)  // outside the 4 school weeks on 21 November
        b.set("2025-11-12", .g)
        b.set("2025-11-19", .o, [.am])
        b.set("2025-11-20", .u, [.am])
        #expect(EvalTest.run(policy, "2025-11-20", b).of(.stageEntry).isEmpty)
        b.set("2025-11-21", .n, [.am])
        let a = try #require(EvalTest.run(policy, "2025-11-21", b).of(.stageEntry).first)
        #expect(a.key == "stage_entry|A100000000001|stages.truancy|2025-11-21" && a.figures["count"] == 5)
        #expect(a.figures["window_school_weeks"] == 4 && a.sessions.map(\.code) == ["G", "G", "O", "U", "N"])
        #expect(a.reason.hasPrefix("5 unauthorised sessions (G, N, O or U) in the last 4 school weeks (since 20 October 2025)"))
    }
}

@Suite("Stage ladder: groups, repeats, exits, periods, targets, reviews, pupil actions")
struct StageLadderScenarios {
    @Test("seed 003 Proactive 9 'Pupil premium (PP) and ... (SEND) absentees below 95%': the stage applies to PP and SEND pupils only")
    func groups() throws {
        let policy = try SeedScenario.policy("003")
        var b = Book(yearGroup: "4", through: "2025-10-10")
        b.set(from: "2025-10-06", to: "2025-10-07", .i)  // 56 of 60: 93.3%
        var pp = Characteristics()
        pp.pupilPremium = true
        var send = Characteristics()
        send.sen = .senSupport
        for c in [pp, send] {
            let all = run(policy, "2025-10-10", b, characteristics: c).of(.stageEntry)
            let a = try #require(all.first)
            #expect(all.count == 1 && a.proposedStage == "pp-send-95" && a.action == .call)
            #expect(a.key == "stage_entry|\(upn)|stages.pp-send-95|2025-10-07" && a.due == day("2025-10-07"))
            #expect(a.figures == ["attendance_rate": 0.9333, "attended": 56, "possible": 60, "below": 0.95])
            #expect(a.source.contains("absentees below 95%, 90% and 80% YTD"))
        }
        #expect(run(policy, "2025-10-10", b).of(.stageEntry).isEmpty)
    }

    @Test("seed 002 Flowchart 1 'RAG Attendance Letters to be sent home termly': the upper-amber letter again in the spring term")
    func termlyRepeat() throws {
        let policy = try SeedScenario.policy("002")
        var b = Book(yearGroup: "3", through: "2026-01-09")
        b.set(from: "2025-09-15", to: "2025-09-18", .i)  // 8 sessions: 95.0% on 9 January
        let cw = Casework(stage: StageState(stage: "stage-1", entered: day("2025-10-13")))
        // Not again in the term it was entered in.
        #expect(run(policy, "2025-12-19", b, casework: cw).of(.stageEntry).isEmpty)
        let actions = run(policy, "2026-01-09", b, casework: cw)
        let a = try #require(actions.of(.stageEntry).first)
        #expect(actions.of(.stageEntry).count == 1)
        #expect(a.key == "stage_entry|\(upn)|stages.stage-1|2026-01-05" && a.due == day("2026-01-05"))
        #expect(a.proposedStage == "stage-1" && a.action == .letter && a.letter == "rag-upper-amber")
        #expect(a.figures == ["attendance_rate": 0.95, "attended": 152, "possible": 160, "below": 0.96, "repeat": 1])
        #expect(
            a.reason.hasPrefix(
                "Again this term (from 5 January 2026), the stage repeating each term while its trigger holds: Attendance 95.0% over the year to date (152 of 160 sessions) is below 96%"
            ))
        #expect(a.source.contains("sent home termly"))
        // Completed, it is not proposed again this term.
        var done = cw
        done.done = [a.key]
        #expect(run(policy, "2026-01-09", b, casework: done).of(.stageEntry).isEmpty)
    }

    @Test(
        "seed 004 App. 8 'Monitoring ... continues until attendance stabilises to 96 percent': a stage exit at 96%, with check-ins until then"
    )
    func exitAt96() throws {
        let policy = try SeedScenario.policy("004")
        var b = Book(yearGroup: "5", through: "2026-02-09")
        b.set(from: "2025-09-08", to: "2025-09-11", .i)  // 8 sessions absent
        let cw = Casework(stage: StageState(stage: "monitor-96", entered: day("2025-11-10")))
        // 188 of 196 (95.9%) on 4 February; 190 of 198 (96.0% at one decimal) on 5 February.
        #expect(run(policy, "2026-02-04", b, casework: cw).of(.stageExit).isEmpty)
        let actions = run(policy, "2026-02-09", b, casework: cw)
        let a = try #require(actions.of(.stageExit).first)
        #expect(a.key == "stage_exit|\(upn)|stages.monitor-96|2026-02-05" && a.due == day("2026-02-05"))
        #expect(a.action == .review && a.proposedStage == nil && a.letter == nil)
        #expect(a.figures == ["attendance_rate": 0.9604, "attended": 194, "possible": 202, "exit_above": 0.96])
        #expect(a.reason.contains("is back at or above 96%, the line for leaving") && a.reason.contains("the pupil leaves the stage"))
        #expect(a.source.contains("until attendance stabilises to 96 percent"))
        // Every two school weeks from Monday 10 November (the Christmas weeks have no open session): the fifth on 2 February.
        let c = try #require(actions.of(.stageCheckIn).first)
        #expect(c.key == "stage_check_in|\(upn)|stages.monitor-96|2025-11-10|2026-02-02" && c.due == day("2026-02-02"))
        #expect(c.figures == ["check_in": 5, "every": 2] && c.action == .review)
        // After leaving, the stage can be entered again, but never on an episode from before the exit.
        let left = Casework(stageHistory: [StageState(stage: "monitor-96", entered: day("2025-11-10"), left: day("2026-02-05"))])
        #expect(run(policy, "2026-02-09", b, casework: left).of(.stageExit).isEmpty)
    }

    @Test(
        "seed 002 Flowchart 1 'further monitoring will take place over the next half term' and seed 004 'after one term': calendar periods")
    func calendarPeriods() throws {
        let cal = EvalTest.calendar
        let s002 = try SeedScenario.policy("002")
        let s004 = try SeedScenario.policy("004")
        // Entered during autumn 1: the next half term is autumn 2, to Friday 19 December.
        #expect(StageState(stage: "stage-3", entered: day("2025-10-13")).monitoringEnds(policy: s002, calendar: cal) == day("2025-12-19"))
        // Entered in the half-term holiday: the half term about to start.
        #expect(StageState(stage: "stage-3", entered: day("2025-10-29")).monitoringEnds(policy: s002, calendar: cal) == day("2025-12-19"))
        // One term after 13 October: the spring term, to Friday 27 March 2026.
        #expect(StageState(stage: "at-risk", entered: day("2025-10-13")).monitoringEnds(policy: s004, calendar: cal) == day("2026-03-27"))
        // School weeks read as before.
        #expect(StageState(stage: "stage-1", entered: day("2025-10-13")).monitoringEnds(policy: s004, calendar: cal) == day("2025-11-03"))
        // Months: the same day, or the school day before it.
        let three = Policy.PeriodLength(count: 3, unit: .month)
        #expect(Evaluation.periodEnd(from: day("2025-09-09"), three, calendar: cal) == day("2025-12-09"))
        #expect(Evaluation.periodEnd(from: day("2025-09-27"), three, calendar: cal) == day("2025-12-19"))

        // The review at the end of that term: not improved, so the next stage (a parental contract).
        var b = Book(yearGroup: "5", through: "2026-03-27")
        b.set(from: "2026-01-05", to: "2026-01-23", .i)  // 30 of 198 sessions in the period
        let cw = Casework(stage: StageState(stage: "at-risk", entered: day("2025-10-13")))
        #expect(run(s004, "2026-03-26", b, casework: cw).of(.stageReview).isEmpty)
        let r = try #require(run(s004, "2026-03-27", b, casework: cw).of(.stageReview).first)
        #expect(r.key == "stage_review|\(upn)|stages.at-risk|2025-10-13" && r.due == day("2026-03-27"))
        #expect(r.proposedStage == "stage-4" && r.action == .attendanceContract && r.letter == "parental-contract")
        #expect(
            r.figures == [
                "attended": 168, "possible": 198, "monitoring_terms": 1, "target": 0.9, "attendance_rate": 0.8485, "improved": 0,
            ])
        #expect(r.source.contains("after one term"))
    }

    @Test("seed 004 App. 7 'set targets for their child': the review judges the target agreed at the meeting, or says none is recorded")
    func agreedTarget() throws {
        let policy = try SeedScenario.policy("004")
        var b = Book(yearGroup: "5", through: "2025-11-24")
        b.set("2025-11-18", .o)  // 18 of 20 sessions from 11 to 24 November: 90%
        // Agreed at 90%: met.
        let agreed = Casework(stage: StageState(stage: "stage-3", entered: day("2025-11-10"), agreedTarget: 0.90))
        let yes = try #require(run(policy, "2025-11-24", b, casework: agreed).of(.stageReview).first)
        #expect(yes.figures["improved"] == 1 && yes.figures["target"] == 0.9 && yes.figures["agreed_target"] == 0.9)
        #expect(yes.reason.contains("met the target of 90% agreed at the meeting: improved."))
        // None recorded: the stage's own 93%, not met, and the review says so.
        let none = Casework(stage: StageState(stage: "stage-3", entered: day("2025-11-10")))
        let no = try #require(run(policy, "2025-11-24", b, casework: none).of(.stageReview).first)
        #expect(no.figures["improved"] == 0 && no.figures["target"] == 0.93 && no.figures["agreed_target"] == nil)
        #expect(no.reason.contains("is below the stage's threshold of 93% (no target agreed at the meeting is recorded yet): not improved"))
        #expect(no.proposedStage == "stage-4" && no.letter == "parental-contract")
    }

    @Test("a rise on the rate at entry ('An improvement target will be set', seed 000 §8.3.3): recorded, or read from the day of entry")
    func riseTarget() throws {
        let policy = EvalTest.quiet {
            var s = Policy.Stage(id: "stage-1", name: "Concern", below: 0.95, action: .letter, letter: "concern", directEntry: true)
            s.monitoringSchoolWeeks = 2
            s.improvement = .init(kind: .rise, by: 0.02)
            $0.stages = [s]
        }
        var b = Book(through: "2025-11-24")
        b.set(from: "2025-10-06", to: "2025-10-08", .i)  // 74 of 80 by 24 October: 92.5%
        b.set("2025-11-18", .i, [.am])  // 19 of 20 in the period: 95%
        // Recorded at 92.5%: the target is 94.5%, met.
        let recorded = Casework(stage: StageState(stage: "stage-1", entered: day("2025-11-10"), rateAtEntry: 0.925))
        let a = try #require(EvalTest.run(policy, "2025-11-24", b, casework: recorded).of(.stageReview).first)
        #expect(a.figures["target"] == 0.945 && a.figures["rate_at_entry"] == 0.925 && a.figures["rise_by"] == 0.02)
        #expect(a.figures["improved"] == 1 && a.reason.contains("the rate at entry (92.5%, recorded) plus 2.0%"))
        // Not recorded: the rate over the stage's window on the day of entry, 10 November (86 of 92: 93.5%), plus 2 points:
        // 95% is short of it.
        let unknown = Casework(stage: StageState(stage: "stage-1", entered: day("2025-11-10")))
        let c = try #require(EvalTest.run(policy, "2025-11-24", b, casework: unknown).of(.stageReview).first)
        #expect(c.figures["rate_at_entry"] == 0.9348 && c.figures["target"] == 0.9548 && c.figures["improved"] == 0)
        #expect(
            c.reason.contains(
                "is below the target of 95.5%, the rate at entry (93.5%, over the year to date on the day of entry) plus 2.0%"))
    }

    @Test("seed 004 App. 8 'a letter is sent home from the SLT to congratulate the pupil and their parents': and light monitoring follows")
    func congratulations() throws {
        let policy = try SeedScenario.policy("004")
        let b = Book(yearGroup: "5", through: "2025-11-24")
        let cw = Casework(stage: StageState(stage: "stage-3", entered: day("2025-11-10"), agreedTarget: 0.95))
        let r = try #require(run(policy, "2025-11-24", b, casework: cw).of(.stageReview).first)
        #expect(r.key == "stage_review|\(upn)|stages.stage-3|2025-11-10" && r.due == day("2025-11-24"))
        #expect(r.action == .letter && r.letter == "congratulations-improvement" && r.proposedStage == "monitor-96")
        #expect(
            r.figures == [
                "attended": 20, "possible": 20, "monitoring_school_weeks": 2, "target": 0.95, "agreed_target": 0.95, "attendance_rate": 1,
                "improved": 1,
            ])
        #expect(
            r.reason.hasSuffix(
                "met the target of 95% agreed at the meeting: improved. Send the 'congratulations-improvement' letter. Move to "
                    + "Targets met: monitoring and communication until attendance stabilises at 96% (monitor-96) to keep monitoring until "
                    + "attendance is back at 96% or above."))
        #expect(LetterTemplate.letterID(for: r, policy: policy) == "congratulations-improvement")
        #expect(r.source.contains("to congratulate"))
    }

    @Test("seed 000 §6.5.3 'Review meetings ... will be held every 3 months throughout the period the ESO is in force'")
    func esoReviews() throws {
        let policy = try SeedScenario.policy("000")
        let b = Book(yearGroup: "9", through: "2026-01-16")
        let eso = PlanState(kind: "education_supervision_order", started: day("2025-09-09"))
        let cw = Casework(plans: [eso])
        #expect(run(policy, "2025-12-08", b, casework: cw).of(.planReview).isEmpty)
        for asOf in ["2025-12-09", "2026-01-16"] {
            let all = run(policy, asOf, b, casework: cw).of(.planReview)
            let a = try #require(all.first)
            #expect(all.count == 1)
            #expect(a.key == "plan_review|\(upn)|plan_reviews.eso|2025-09-09|2025-12-09" && a.due == day("2025-12-09"))
            #expect(a.rule == "plan_reviews.eso" && a.action == .meeting && a.figures == ["review": 1, "every": 3])
            #expect(
                a.reason == "ESO review meeting: the education supervision order started 9 September 2025 is reviewed every 3 months; "
                    + "review 1 is due 9 December 2025.")
            #expect(a.source.contains("every 3 months throughout the period the ESO is in force"))
        }
        // Closed: no more reviews. Another kind of plan: none.
        var closed = eso
        closed.ended = day("2026-01-10")
        #expect(run(policy, "2026-01-16", b, casework: Casework(plans: [closed])).of(.planReview).isEmpty)
        let iap = PlanState(kind: "individual_attendance_plan", started: day("2025-09-09"))
        #expect(run(policy, "2026-01-16", b, casework: Casework(plans: [iap])).of(.planReview).isEmpty)
    }

    @Test("seed 003 Reactive 8 'IAP's will be regularly reviewed in ongoing formal meetings': at the end of each half term")
    func iapReviews() throws {
        let policy = try SeedScenario.policy("003")
        let b = Book(yearGroup: "4", through: "2026-01-30")
        let cw = Casework(plans: [PlanState(kind: "individual_attendance_plan", started: day("2025-09-15"))])
        // The first whole half term after 15 September ends on 19 December; the next on 13 February.
        #expect(run(policy, "2025-12-18", b, casework: cw).of(.planReview).isEmpty)
        let a = try #require(run(policy, "2026-01-30", b, casework: cw).of(.planReview).first)
        #expect(a.key == "plan_review|\(upn)|plan_reviews.iap|2025-09-15|2025-12-19" && a.due == day("2025-12-19"))
        #expect(a.action == .meeting && a.figures == ["review": 1, "every": 1])
        #expect(
            a.reason.hasPrefix("IAP review meeting: the individual attendance plan started 15 September 2025 is reviewed every 1 half term")
        )
        #expect(a.source.contains("regularly reviewed in ongoing formal meetings"))
    }

    @Test("seed 004 'Leading weekly check-ins to review progress and the impact of support' for pupils at risk of PA")
    func weeklyCheckIns() throws {
        let policy = try SeedScenario.policy("004")
        let b = Book(yearGroup: "5", through: "2025-11-24")
        let cw = Casework(stage: StageState(stage: "at-risk", entered: day("2025-11-10")))
        #expect(run(policy, "2025-11-14", b, casework: cw).of(.stageCheckIn).isEmpty)
        for (asOf, due, n) in [("2025-11-19", "2025-11-17", 1.0), ("2025-11-24", "2025-11-24", 2.0)] {
            let a = try #require(run(policy, asOf, b, casework: cw).of(.stageCheckIn).first)
            #expect(a.key == "stage_check_in|\(upn)|stages.at-risk|2025-11-10|\(due)" && a.due == day(due))
            #expect(a.figures == ["check_in": n, "every": 1] && a.action == .review)
            #expect(a.source.contains("Leading weekly check-ins"))
        }
        // Not in the stage: no check-ins.
        #expect(run(policy, "2025-11-24", b).of(.stageCheckIn).isEmpty)
    }

    @Test("seed 002 Flowchart 1 amber 'Speak to the individual in school': an action with the pupil beside the letter home")
    func pupilAction() throws {
        let policy = try SeedScenario.policy("002")
        var b = Book(yearGroup: "3", through: "2025-10-10")
        b.set("2025-10-06", .i)
        b.set("2025-10-07", .i, [.am])  // 57 of 60: 95%
        let actions = run(policy, "2025-10-10", b)
        let entry = try #require(actions.of(.stageEntry).first)
        let talk = try #require(actions.of(.pupilAction).first)
        #expect(actions.of(.pupilAction).count == 1)
        #expect(entry.key == "stage_entry|\(upn)|stages.stage-1|2025-10-07" && entry.audience == .family)
        #expect(talk.key == "pupil_action|\(upn)|stages.stage-1|2025-10-07|pupil-1" && talk.due == day("2025-10-07"))
        #expect(talk.audience == .pupil && talk.action == .meeting && talk.letter == nil && talk.proposedStage == nil)
        #expect(talk.figures == entry.figures && talk.rule == "stages.stage-1")
        #expect(talk.reason.hasPrefix("Speak to the individual in school: with the pupil in school"))
        #expect(talk.source.contains("Speak to the individual in school"))
        // Never a letter to parents; the entry sends the stage's.
        #expect(LetterTemplate.letterID(for: talk, policy: policy) == nil)
        #expect(LetterTemplate.letterID(for: entry, policy: policy) == "rag-upper-amber")
    }
}
