import Foundation
import RollbookDemo
import Testing

@testable import RollbookCore

// MARK: - Fixtures shared with SeedScenarioTests

/// Helpers for evaluation tests: a calendar, a register book that fills a pupil's sessions, and short-hands.
enum EvalTest {
    static func day(_ s: String) -> LocalDate {
        guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
        return d
    }

    /// Summer 2024/25 (two half terms), all of 2025/26 (Easter Sunday 2026 is 5 April) and autumn 1 of 2026/27,
    /// one `term` row per half term, with no closures: half terms and holidays are the weeks with no open session.
    /// 2025-09-01 and 2026-09-01 start the years; 27-31 October 2025 is half term.
    static let calendar = SchoolCalendar(entries: [
        CalendarEntry(start: day("2025-04-22"), end: day("2025-05-23"), kind: .term),
        CalendarEntry(start: day("2025-06-02"), end: day("2025-07-18"), kind: .term),
        CalendarEntry(start: day("2025-09-01"), end: day("2025-10-24"), kind: .term),
        CalendarEntry(start: day("2025-11-03"), end: day("2025-12-19"), kind: .term),
        CalendarEntry(start: day("2026-01-05"), end: day("2026-02-13"), kind: .term),
        CalendarEntry(start: day("2026-02-23"), end: day("2026-03-27"), kind: .term),
        CalendarEntry(start: day("2026-04-13"), end: day("2026-05-22"), kind: .term),
        CalendarEntry(start: day("2026-06-01"), end: day("2026-07-17"), kind: .term),
        CalendarEntry(start: day("2026-09-01"), end: day("2026-10-23"), kind: .term),
    ])

    static func contact(_ priority: Int, _ name: String, _ relationship: String, pr: Bool = true, phone: String) -> Contact {
        Contact(
            priority: priority, name: name, relationship: relationship, parentalResponsibility: pr, livesWith: true, phone: phone, email: ""
        )
    }

    static let parents = [
        contact(2, "Sam Carter", "Father", phone: "07700 900002"),
        contact(1, "Alex Carter", "Mother", phone: "07700 900001"),
        contact(3, "Pat Jones", "Grandparent", pr: false, phone: "07700 900003"),
    ]

    /// A pupil's register: present at every open session from `from` through `through`, then the changes a test makes.
    struct Book {
        let calendar: SchoolCalendar
        var enrolment: Enrolment
        var codes: SessionArray

        init(
            calendar: SchoolCalendar = EvalTest.calendar, yearGroup: String = "5", yearOf: Int = 2025,
            starting: String = "2024-09-01", leaving: String? = nil, from: String = "2025-04-01", through: String
        ) {
            self.calendar = calendar
            enrolment = Enrolment(
                startingDay: day(starting), leavingDay: leaving.map(day), yearGroup: yearGroup,
                yearGroupYear: AcademicYear(startYear: yearOf))
            codes = SessionArray(covering: DateRange(from: day("2025-04-01"), to: day("2026-12-31")))
            fill(from: from, through: through, present: true)
        }

        /// Every open session in the range present (or unmarked when `present` is false).
        mutating func fill(from: String, through: String, present: Bool) {
            var d = day(from)
            while d <= day(through) {
                let g = enrolment.yearGroup(in: AcademicYear(containing: d))
                for s in Session.allCases where calendar.isOpen(d, s, yearGroup: g) {
                    codes[d, s] = present ? (s == .am ? .presentAM : .presentPM) : nil
                }
                d = d.adding(days: 1)
            }
        }

        /// Sets `code` on the given sessions of one day.
        mutating func set(_ date: String, _ code: AttendanceCode?, _ sessions: [Session] = [.am, .pm]) {
            for s in sessions { codes[day(date), s] = code }
        }

        /// Sets `code` on every open session of the days from `from` through `to`.
        mutating func set(from: String, to: String, _ code: AttendanceCode?, _ sessions: [Session] = [.am, .pm]) {
            var d = day(from)
            while d <= day(to) {
                let g = enrolment.yearGroup(in: AcademicYear(containing: d))
                for s in sessions where calendar.isOpen(d, s, yearGroup: g) { codes[d, s] = code }
                d = d.adding(days: 1)
            }
        }

        /// The first `count` open sessions from `from`, in order, set to `code`; returns the last one's date.
        @discardableResult
        mutating func setSessions(from: String, count: Int, _ code: AttendanceCode) -> LocalDate {
            var d = day(from)
            var left = count
            var lastDay = d
            while left > 0 {
                let g = enrolment.yearGroup(in: AcademicYear(containing: d))
                for s in Session.allCases where left > 0 && calendar.isOpen(d, s, yearGroup: g) {
                    codes[d, s] = code
                    left -= 1
                    lastDay = d
                }
                d = d.adding(days: 1)
            }
            return lastDay
        }

        /// A Year 5 pupil in 2025/26 by default: of compulsory school age throughout the test calendar.
        func facts(
            _ upn: String = "A100000000001", dateOfBirth: String = "2016-01-15", vulnerable: Bool = false, socialWorker: Bool = false,
            contacts: [Contact] = EvalTest.parents
        ) -> PupilFacts {
            PupilFacts(
                upn: upn, name: "Robin Carter", dateOfBirth: day(dateOfBirth), enrolment: enrolment, codes: codes, vulnerable: vulnerable,
                socialWorker: socialWorker, contacts: contacts)
        }
    }

    static func run(
        _ policy: Policy, _ asOf: String, _ pupils: [PupilFacts], casework: [String: Casework] = [:],
        calendar: SchoolCalendar = EvalTest.calendar
    ) -> [DueAction] {
        Evaluation.run(policy: policy, calendar: calendar, asOf: day(asOf), pupils: pupils, casework: casework)
    }

    static func run(
        _ policy: Policy, _ asOf: String, _ book: Book, casework: Casework = Casework(),
        vulnerable: Bool = false, socialWorker: Bool = false, contacts: [Contact] = EvalTest.parents
    ) -> [DueAction] {
        let f = book.facts(vulnerable: vulnerable, socialWorker: socialWorker, contacts: contacts)
        return run(policy, asOf, [f], casework: [f.upn: casework], calendar: book.calendar)
    }

    /// A policy with no stages, lateness or illness rules and unreachable missing-education days, so a test sees only
    /// the rule it sets up.
    static func quiet(_ edit: (inout Policy) -> Void = { _ in }) -> Policy {
        var p = Policy.standard(name: "Test policy")
        p.stages = []
        p.missingEducation = .init(
            noContactSchoolDays: [], vulnerableAfterSchoolDays: nil, continuousUnauthorisedSchoolDays: 20,
            illnessSchoolDays: nil, notBackAfterLeaveSchoolDays: 10, tellSocialWorker: false)
        edit(&p)
        return p
    }
}

extension Array where Element == DueAction {
    func of(_ kind: DueAction.Kind) -> [DueAction] { filter { $0.kind == kind } }
    func rule(_ rule: String) -> [DueAction] { filter { $0.rule == rule } }
}

private func day(_ s: String) -> LocalDate { EvalTest.day(s) }
private typealias Book = EvalTest.Book

// MARK: - Day-1 contact and the social worker

@Suite("Evaluation: day-1 contact")
struct DayOneContactTests {
    @Test("an N today gets one call action, contacts in priority order, due today")
    func nToday() throws {
        var b = Book(through: "2025-11-05")
        b.set("2025-11-05", .n, [.am])
        b.set("2025-11-05", nil, [.pm])  // the afternoon register is not taken yet
        let actions = EvalTest.run(EvalTest.quiet(), "2025-11-05", b)
        let a = try #require(actions.of(.dayOneContact).first)
        #expect(actions.of(.dayOneContact).count == 1)
        #expect(a.due == day("2025-11-05"))
        #expect(a.rule == "day_one")
        #expect(a.action == .call)
        #expect(
            a.contacts == [
                "Alex Carter (Mother): 07700 900001", "Sam Carter (Father): 07700 900002",
                "Pat Jones (Grandparent): 07700 900003",
            ])
        #expect(a.sessions == [SessionRef(date: day("2025-11-05"), session: .am, code: "N")])
        #expect(a.reason.contains("by 10:00"))
        #expect(a.key == "day_one_contact|A100000000001|day_one|2025-11-05")
        #expect(a.source.contains("first day"))
    }

    @Test("repeated each day while the absence stays unexplained, counting the school days")
    func repeatsDaily() throws {
        var b = Book(through: "2025-11-05")
        b.set(from: "2025-11-03", to: "2025-11-05", .n)
        let a = try #require(EvalTest.run(EvalTest.quiet(), "2025-11-05", b).of(.dayOneContact).first)
        #expect(a.figures["school_days"] == 3)
        #expect(a.reason.contains("school day 3 since 3 November 2025"))
        // Across half term: an N on Friday 24 October and on Monday 3 November is one absence.
        var c = Book(through: "2025-11-03")
        c.set("2025-10-24", .n)
        c.set("2025-11-03", .n)
        #expect(EvalTest.run(EvalTest.quiet(), "2025-11-03", c).of(.dayOneContact).first?.figures["school_days"] == 2)
    }

    @Test("without repeat_daily only the first day is proposed")
    func firstDayOnly() {
        let p = EvalTest.quiet { $0.dayOne.repeatDaily = false }
        var b = Book(through: "2025-11-05")
        b.set(from: "2025-11-03", to: "2025-11-05", .n)
        #expect(EvalTest.run(p, "2025-11-05", b).of(.dayOneContact).isEmpty)
        #expect(EvalTest.run(p, "2025-11-03", b).of(.dayOneContact).count == 1)
    }

    @Test("no action for an explained absence, for yesterday's N, or on a day the school is closed")
    func noAction() {
        var b = Book(through: "2025-11-05")
        b.set("2025-11-04", .n)
        b.set("2025-11-05", .i)
        #expect(EvalTest.run(EvalTest.quiet(), "2025-11-05", b).of(.dayOneContact).isEmpty)
        #expect(EvalTest.run(EvalTest.quiet(), "2025-11-08", b).of(.dayOneContact).isEmpty)  // Saturday
    }

    @Test("a pupil with a social worker: the social worker is told once per unexplained absence")
    func socialWorker() throws {
        var b = Book(through: "2025-11-05")
        b.set(from: "2025-11-04", to: "2025-11-05", .n)
        let on = EvalTest.quiet { $0.missingEducation.tellSocialWorker = true }
        let a = try #require(EvalTest.run(on, "2025-11-05", b, socialWorker: true).of(.socialWorker).first)
        #expect(a.due == day("2025-11-04"))
        #expect(a.key == "social_worker|A100000000001|missing_education.tell_social_worker|2025-11-04")
        #expect(a.action == .informSocialWorker)
        #expect(a.sessions.count == 4)
        #expect(EvalTest.run(on, "2025-11-05", b, socialWorker: false).of(.socialWorker).isEmpty)
        #expect(EvalTest.run(EvalTest.quiet(), "2025-11-05", b, socialWorker: true).of(.socialWorker).isEmpty)
        // Done yesterday: not proposed again today.
        #expect(EvalTest.run(on, "2025-11-05", b, casework: Casework(done: [a.key]), socialWorker: true).of(.socialWorker).isEmpty)
    }
}

// MARK: - N to O

@Suite("Evaluation: N becomes O after the policy's school days")
struct NToOTests {
    @Test("exactly 5 school days after the N is not yet overdue; one day past is", arguments: [5, 3])
    func limit(_ limit: Int) throws {
        let p = EvalTest.quiet { $0.noReason.nToOSchoolDays = limit }
        var b = Book(through: "2025-11-14")
        b.set("2025-11-03", .n, [.am])
        // School days after Monday 3 November: 4, 5, 6, 7, 10 November is the fifth.
        let atLimit = EvalTest.calendar.schoolDays(after: day("2025-11-03"), through: day(limit == 5 ? "2025-11-10" : "2025-11-06"))
        #expect(atLimit == limit)
        let limitDay = limit == 5 ? "2025-11-10" : "2025-11-06"
        let pastDay = limit == 5 ? "2025-11-11" : "2025-11-07"
        #expect(EvalTest.run(p, limitDay, b).of(.nToO).isEmpty)
        let a = try #require(EvalTest.run(p, pastDay, b).of(.nToO).first)
        #expect(a.due == day(pastDay))
        #expect(a.sessions == [SessionRef(date: day("2025-11-03"), session: .am, code: "N")])
        #expect(a.reason.contains("No reason within \(limit) school days: becomes O"))
        #expect(a.rule == "no_reason")
        // The same marks RegisterRules reports.
        let marks = [Mark(date: day("2025-11-03"), session: .am, code: .n)]
        #expect(RegisterRules.overdueNoReason(marks, calendar: EvalTest.calendar, asOf: day(limitDay), limit: limit).isEmpty)
        #expect(RegisterRules.overdueNoReason(marks, calendar: EvalTest.calendar, asOf: day(pastDay), limit: limit).count == 1)
    }

    @Test("half term is not school days; every overdue N is listed in one action, due when the oldest became overdue")
    func acrossHalfTerm() throws {
        var b = Book(through: "2025-11-14")
        b.set("2025-10-23", .n, [.pm])
        b.set("2025-10-24", .n)
        // 23 October + 5 school days (24 October, 3-6 November) = 6 November; overdue on the 7th.
        // 24 October + 5 school days = 7 November; overdue on Monday 10 November.
        #expect(EvalTest.run(EvalTest.quiet(), "2025-11-06", b).of(.nToO).isEmpty)
        #expect(EvalTest.run(EvalTest.quiet(), "2025-11-07", b).of(.nToO).first?.sessions.count == 1)
        let a = try #require(EvalTest.run(EvalTest.quiet(), "2025-11-10", b).of(.nToO).first)
        #expect(a.sessions.map(\.date) == [day("2025-10-23"), day("2025-10-24"), day("2025-10-24")])
        #expect(a.due == day("2025-11-07"))  // the 23rd's N became overdue first
        #expect(a.figures["oldest_school_days"] == 7)
        #expect(a.key == "n_to_o|A100000000001|no_reason|2025-10-24")
    }
}

// MARK: - Stages

@Suite("Evaluation: escalation stages")
struct StageTests {
    /// Standard policy: stage-1 below 95%, 4 school weeks' monitoring, target 95%, then stage-2 (not direct entry).
    let policy = Policy.standard(name: "Test policy")

    @Test("entry below the first stage's threshold shows the rate, attended and possible, due the day it fell below")
    func entry() throws {
        var b = Book(through: "2025-09-26")
        b.set("2025-09-22", .i)
        b.set("2025-09-23", .i, [.am])
        let a = try #require(EvalTest.run(policy, "2025-09-26", b).of(.stageEntry).first)
        #expect(a.reason.hasPrefix("Attendance 92.5% over the year to date (37 of 40 sessions) is below 95%"))
        #expect(a.figures["attendance_rate"] == 0.925 && a.figures["attended"] == 37 && a.figures["possible"] == 40)
        #expect(a.rule == "stages.stage-1" && a.proposedStage == "stage-1" && a.action == .letter)
        #expect(a.due == day("2025-09-22"))  // 30 of 32 that day: 93.8%
        #expect(a.key == "stage_entry|A100000000001|stages.stage-1|2025-09-22")
        // The engine's figures are the statistics engine's (marked sessions only).
        let c = StatisticsEngine(calendar: EvalTest.calendar).counts(
            b.codes, enrolment: b.enrolment,
            range: DateRange(from: day("2025-09-01"), to: day("2025-09-26")))
        #expect(c.possible == 40 && c.present == 37)
    }

    @Test("no stage fires on a handful of sessions: one absence on the first days of September is not a concern")
    func minimumSessions() throws {
        var b = Book(through: "2025-09-02")
        b.set("2025-09-01", .i)  // 2 of 4 sessions: 50%, but only 4 sessions
        #expect(EvalTest.run(policy, "2025-09-02", b).of(.stageEntry).isEmpty)
        var p = policy
        p.stages[0].minimumSessions = 4
        #expect(EvalTest.run(p, "2025-09-02", b).of(.stageEntry).count == 1)
        // Once a school week has passed, the same absence counts (8 of 10: 80%), due the first day it could.
        var c = Book(through: "2025-09-05")
        c.set("2025-09-01", .i)
        let a = try #require(EvalTest.run(policy, "2025-09-05", c).of(.stageEntry).first)
        #expect(a.figures["possible"] == 10 && a.due == day("2025-09-05"))
    }

    @Test("no entry at or above the threshold, at the precision schools read (95.0%)")
    func atThreshold() {
        var b = Book(through: "2025-10-24")
        b.set("2025-10-20", .i)  // 2 of 80 sessions: 97.5%
        #expect(EvalTest.run(policy, "2025-10-24", b).of(.stageEntry).isEmpty)
        b.set("2025-10-21", .i)
        b.set("2025-10-22", .i)  // 6 of 80 absent: 92.5%
        #expect(EvalTest.run(policy, "2025-10-24", b).of(.stageEntry).count == 1)
        var c = Book(through: "2025-10-24")
        c.set("2025-10-20", .i)
        c.set("2025-10-21", .i)  // 76 of 80: exactly 95%
        #expect(EvalTest.run(policy, "2025-10-24", c).of(.stageEntry).isEmpty)
    }

    @Test("a pupil in no stage enters the first stage, never a later one without direct entry")
    func noSkip() throws {
        var b = Book(through: "2025-10-24")
        b.set(from: "2025-10-13", to: "2025-10-24", .o)  // 60 of 80: 75%
        var p = policy
        p.stages[1].below = 0.90
        let a = try #require(EvalTest.run(p, "2025-10-24", b).of(.stageEntry).first)
        #expect(a.proposedStage == "stage-1")
        // With direct entry on stage 2, the pupil goes straight there.
        p.stages[1].directEntry = true
        #expect(EvalTest.run(p, "2025-10-24", b).of(.stageEntry).first?.proposedStage == "stage-2")
        // A pupil already in stage 1 is not entered again, nor moved on before its monitoring ends...
        let inStage = Casework(stage: StageState(stage: "stage-1", entered: day("2025-10-15")))
        p.stages[1].directEntry = false
        let during = EvalTest.run(p, "2025-10-24", b, casework: inStage)
        #expect(during.of(.stageEntry).isEmpty && during.of(.stageReview).isEmpty)
        // ...unless a later stage allows direct entry and its threshold is crossed: then that stage, from the days
        // after the current one was entered.
        p.stages[1].directEntry = true
        let escalated = try #require(EvalTest.run(p, "2025-10-24", b, casework: inStage).of(.stageEntry).first)
        #expect(escalated.proposedStage == "stage-2" && escalated.due == day("2025-10-16"))
        // A pupil in the last stage is not offered an earlier one.
        #expect(
            EvalTest.run(p, "2025-10-24", b, casework: Casework(stage: StageState(stage: "stage-2", entered: day("2025-10-15"))))
                .of(.stageEntry).isEmpty)
    }

    @Test("the monitoring period ends the same weekday so many school weeks on, half term skipped")
    func monitoringEnd() {
        let s = StageState(stage: "stage-1", entered: day("2025-10-01"))
        // 4 school weeks after Wednesday 1 October: 6, 13, 20 October, (half term), 3 November: Wednesday 5 November.
        #expect(s.monitoringEnds(policy: policy, calendar: EvalTest.calendar) == day("2025-11-05"))
        #expect(Evaluation.monitoringEnd(entered: day("2025-11-05"), schoolWeeks: 2, calendar: EvalTest.calendar) == day("2025-11-19"))
        // Ending in a holiday: the school day before.
        // Over Christmas: the next school week is 5 January.
        #expect(Evaluation.monitoringEnd(entered: day("2025-12-17"), schoolWeeks: 1, calendar: EvalTest.calendar) == day("2026-01-07"))
        // Entered on a Saturday: the Friday of the school week after.
        #expect(Evaluation.monitoringEnd(entered: day("2025-11-08"), schoolWeeks: 1, calendar: EvalTest.calendar) == day("2025-11-14"))
        #expect(
            StageState(stage: "stage-2", entered: day("2025-10-01")).monitoringEnds(policy: policy, calendar: EvalTest.calendar)
                == Evaluation.monitoringEnd(entered: day("2025-10-01"), schoolWeeks: 6, calendar: EvalTest.calendar))
    }

    @Test("review at the end of monitoring: improved")
    func reviewImproved() throws {
        var b = Book(through: "2025-11-05")
        b.set(from: "2025-09-22", to: "2025-09-26", .i)  // the reason for the stage; then full attendance
        let cw = Casework(stage: StageState(stage: "stage-1", entered: day("2025-10-01")))
        #expect(EvalTest.run(policy, "2025-11-04", b, casework: cw).of(.stageReview).isEmpty)
        let a = try #require(EvalTest.run(policy, "2025-11-05", b, casework: cw).of(.stageReview).first)
        #expect(a.due == day("2025-11-05"))
        #expect(a.figures["improved"] == 1 && a.figures["attendance_rate"] == 1)
        #expect(a.proposedStage == nil && a.action == .review)
        #expect(a.reason.contains("met the target of 95%: improved"))
        #expect(a.key == "stage_review|A100000000001|stages.stage-1|2025-10-01")
        // Still due (overdue) the next day until done.
        #expect(EvalTest.run(policy, "2025-11-06", b, casework: cw).of(.stageReview).first?.due == day("2025-11-05"))
        var done = cw
        done.done = [a.key]
        #expect(EvalTest.run(policy, "2025-11-06", b, casework: done).of(.stageReview).isEmpty)
    }

    @Test("review at the end of monitoring: not improved proposes the next stage")
    func reviewNotImproved() throws {
        var b = Book(through: "2025-11-05")
        // Monitoring period 2 October - 5 November: 20 school days, 40 sessions; 4 absent = 90%.
        b.set("2025-10-06", .o)
        b.set("2025-11-04", .i)
        let cw = Casework(stage: StageState(stage: "stage-1", entered: day("2025-10-01")))
        let a = try #require(EvalTest.run(policy, "2025-11-05", b, casework: cw).of(.stageReview).first)
        #expect(a.figures["improved"] == 0)
        #expect(a.figures["attended"] == 36 && a.figures["possible"] == 40)
        #expect(
            a.reason.contains(
                "attendance 90.0% (36 of 40 sessions) is below the target of 95%: not improved. Next: Meeting with parents (stage-2)"))
        #expect(a.proposedStage == "stage-2" && a.action == .meeting)
        // The last stage has no next: the review says so.
        let last = Casework(stage: StageState(stage: "stage-2", entered: day("2025-09-24")))
        let r = try #require(EvalTest.run(policy, "2025-11-12", b, casework: last).of(.stageReview).first)
        #expect(r.proposedStage == nil && r.reason.contains("last stage"))
    }

    @Test("a window of school weeks crosses half term; a pupil who left a stage is not re-entered for the same days")
    func windowAndHistory() throws {
        var p = policy
        p.stages[0].windowSchoolWeeks = 2
        var b = Book(through: "2025-11-05")
        b.set("2025-10-23", .i)
        // The last 2 school weeks on 5 November: 20-24 October and 3-5 November (half term skipped): 16 days, 32 sessions.
        let a = try #require(EvalTest.run(p, "2025-11-05", b).of(.stageEntry).first)
        #expect(a.figures["possible"] == 16 && a.figures["attended"] == 14 && a.figures["window_school_weeks"] == 2)
        #expect(a.reason.contains("over the last 2 school weeks"))
        #expect(a.due == day("2025-10-23"))
        let left = Casework(stageHistory: [StageState(stage: "stage-1", entered: day("2025-10-01"), left: day("2025-11-03"))])
        #expect(EvalTest.run(p, "2025-11-05", b, casework: left).of(.stageEntry).first?.due == day("2025-11-04"))
    }
}

// MARK: - Lateness

@Suite("Evaluation: lateness ladder")
struct LatenessTests {
    let policy = EvalTest.quiet {
        $0.lateness = [
            .init(
                id: "weekly-1", name: "Lateness concerns", codes: ["L", "U"], per: .week, atLeast: 1, atMost: 2, action: .letter,
                letter: "lateness-warning"),
            .init(
                id: "weekly-2", name: "Significant lateness concerns", codes: ["L", "U"], per: .week, atLeast: 3, atMost: 4, action: .letter
            ),
            .init(id: "term-u", name: "More than 3 unauthorised lates", codes: ["U"], per: .term, atLeast: 4, action: .letter),
        ]
    }

    @Test("1-2 late arrivals a week is the first rung, 3-4 the second, keyed on the week's Monday")
    func rungs() throws {
        var b = Book(through: "2025-11-14")
        b.set("2025-11-10", .late, [.am])
        b.set("2025-11-11", .late, [.am])
        let two = EvalTest.run(policy, "2025-11-11", b).of(.lateness)
        #expect(two.map(\.rule) == ["lateness.weekly-1"])
        #expect(two.first?.key == "lateness|A100000000001|lateness.weekly-1|2025-11-10")
        #expect(two.first?.due == day("2025-11-10"))
        #expect(two.first?.reason.contains("2 late arrivals (L or U) this week") == true)
        b.set("2025-11-13", .u, [.am])
        let three = EvalTest.run(policy, "2025-11-13", b).of(.lateness)
        #expect(three.map(\.rule) == ["lateness.weekly-2"])
        #expect(three.first?.due == day("2025-11-13"))
        #expect(three.first?.sessions.map(\.code) == ["L", "L", "U"])
        b.set("2025-11-14", .late, [.am])
        #expect(EvalTest.run(policy, "2025-11-14", b).of(.lateness).map(\.rule) == ["lateness.weekly-2"])
        b.set("2025-11-14", .late, [.pm])  // 5: above the top rung
        #expect(EvalTest.run(policy, "2025-11-14", b).of(.lateness).isEmpty)
        // A new week starts again.
        #expect(EvalTest.run(policy, "2025-11-17", b).of(.lateness).isEmpty)
    }

    @Test("per half term and per year: the count starts again with the half term, not with the year")
    func halfTermAndYear() throws {
        let p = EvalTest.quiet {
            $0.lateness = [
                .init(id: "half-3", name: "3 in a half term", codes: ["L"], per: .halfTerm, atLeast: 3, action: .letter),
                .init(id: "year-5", name: "5 in a year", codes: ["L"], per: .year, atLeast: 5, action: .meeting),
            ]
        }
        var b = Book(through: "2025-11-21")
        for d in ["2025-09-10", "2025-10-01", "2025-10-22", "2025-11-05", "2025-11-19"] { b.set(d, .late, [.am]) }
        let autumn1 = EvalTest.run(p, "2025-10-24", b).of(.lateness)
        #expect(autumn1.map(\.rule) == ["lateness.half-3"] && autumn1.first?.due == day("2025-10-22"))
        #expect(autumn1.first?.key.hasSuffix("|2025-09-01") == true)
        // In the holiday the half term just ended still counts; from 3 November it starts again.
        #expect(EvalTest.run(p, "2025-10-29", b).of(.lateness).map(\.rule) == ["lateness.half-3"])
        let autumn2 = EvalTest.run(p, "2025-11-21", b).of(.lateness)
        #expect(autumn2.map(\.rule) == ["lateness.year-5"] && autumn2.first?.due == day("2025-11-19"))
        #expect(autumn2.first?.sessions.count == 5)
    }

    @Test("more than 3 unauthorised lates in the term")
    func termU() throws {
        var b = Book(through: "2025-12-05")
        b.set("2025-09-10", .u, [.am])
        b.set("2025-10-01", .u, [.am])
        b.set("2025-11-12", .u, [.am])
        #expect(EvalTest.run(policy, "2025-12-05", b).rule("lateness.term-u").isEmpty)
        b.set("2025-12-03", .u, [.am])
        let a = try #require(EvalTest.run(policy, "2025-12-05", b).rule("lateness.term-u").first)
        #expect(a.due == day("2025-12-03") && a.key.hasSuffix("|2025-09-01"))
        #expect(a.reason.contains("4 unauthorised late arrivals (U) this term"))
        // The spring term counts afresh.
        #expect(EvalTest.run(policy, "2026-01-07", b).rule("lateness.term-u").isEmpty)
    }
}

// MARK: - Illness evidence

@Suite("Evaluation: illness evidence")
struct IllnessEvidenceTests {
    let policy = EvalTest.quiet {
        $0.illnessEvidence = [
            .init(id: "five-days", name: "5 consecutive days", measure: .consecutiveSchoolDays, count: 5),
            .init(id: "term-8", name: "8 sessions in a term", measure: .sessionsInTerm, count: 8),
            .init(id: "year-12", name: "12 sessions in a year", measure: .sessionsInYear, count: 12),
        ]
    }

    @Test("5 consecutive school days of illness, over a weekend, on the fifth day; not on the fourth")
    func consecutive() throws {
        var b = Book(through: "2025-11-18")
        b.set(from: "2025-11-12", to: "2025-11-18", .i)
        #expect(EvalTest.run(policy, "2025-11-17", b).rule("illness_evidence.five-days").isEmpty)
        let a = try #require(EvalTest.run(policy, "2025-11-18", b).rule("illness_evidence.five-days").first)
        #expect(a.due == day("2025-11-18") && a.key.hasSuffix("|2025-11-12") && a.sessions.count == 10)
        #expect(a.action == .evidenceRequest)
        // A present afternoon breaks the run.
        b.set("2025-11-14", .presentPM, [.pm])
        #expect(EvalTest.run(policy, "2025-11-18", b).rule("illness_evidence.five-days").isEmpty)
    }

    @Test("8 sessions of illness in the term, 12 in the year")
    func sessions() throws {
        var b = Book(through: "2026-01-30")
        for d in ["2025-09-10", "2025-10-08", "2025-11-12"] { b.set(d, .i) }
        b.set("2025-12-03", .i, [.am])
        #expect(EvalTest.run(policy, "2025-12-05", b).rule("illness_evidence.term-8").isEmpty)  // 7
        b.set("2025-12-04", .i, [.am])
        let t = try #require(EvalTest.run(policy, "2025-12-05", b).rule("illness_evidence.term-8").first)
        #expect(t.due == day("2025-12-04") && t.figures["sessions"] == 8 && t.key.hasSuffix("|2025-09-01"))
        #expect(EvalTest.run(policy, "2025-12-05", b).rule("illness_evidence.year-12").isEmpty)
        b.set("2026-01-12", .i)
        b.set("2026-01-13", .i)
        let y = try #require(EvalTest.run(policy, "2026-01-14", b).rule("illness_evidence.year-12").first)
        #expect(y.due == day("2026-01-13") && y.figures["sessions"] == 12)
        #expect(EvalTest.run(policy, "2026-01-14", b).rule("illness_evidence.term-8").isEmpty)  // 4 this term
    }
}

// MARK: - Penalty notices

@Suite("Evaluation: penalty-notice threshold")
struct PenaltyTests {
    let policy = EvalTest.quiet()

    @Test("9 sessions in the window is not the threshold; the 10th is")
    func ninthAndTenth() throws {
        var b = Book(through: "2025-11-21")
        b.setSessions(from: "2025-11-17", count: 9, .o)
        #expect(EvalTest.run(policy, "2025-11-21", b).of(.penaltyThreshold).isEmpty)
        b.set("2025-11-21", .g, [.pm])
        let actions = EvalTest.run(policy, "2025-11-21", b).of(.penaltyThreshold)
        #expect(actions.count == 2)  // one per parent with parental responsibility, priority order
        #expect(actions.map(\.contacts) == [["Alex Carter (Mother): 07700 900001"], ["Sam Carter (Father): 07700 900002"]])
        let a = try #require(actions.first)
        #expect(a.sessions.count == 10 && a.figures["sessions"] == 10)
        #expect(a.due == day("2025-11-21"))
        #expect(a.rule == "penalty_notice" && a.source.contains("10 sessions in 10 school weeks"))
    }

    @Test("the window crosses half term: the half-term week is skipped")
    func acrossHalfTerm() throws {
        var b = Book(through: "2025-11-17")
        b.set("2025-09-01", .g)
        b.set("2025-09-02", .g)  // 4 sessions in the first week of term
        b.setSessions(from: "2025-11-10", count: 6, .n)
        // On 12 November the 10 school weeks are 10 November back to 1 September, half term left out.
        let weeks = EvalTest.calendar.schoolWeeks(endingWith: day("2025-11-12"), count: 10)
        #expect(weeks.last?.from == day("2025-09-01"))
        let a = try #require(EvalTest.run(policy, "2025-11-12", b).of(.penaltyThreshold).first)
        #expect(a.sessions.first == SessionRef(date: day("2025-09-01"), session: .am, code: "G"))
        #expect(a.sessions.count == 10)
        #expect(a.reason.contains("the 10 school weeks from 1 September 2025 to 12 November 2025"))
        // The next week, 1-2 September is outside the window.
        #expect(EvalTest.run(policy, "2025-11-17", b).of(.penaltyThreshold).isEmpty)
    }

    @Test("the window crosses the summer into the previous academic year, holiday weeks skipped")
    func acrossYears() throws {
        var b = Book(through: "2025-09-10")
        b.set("2025-07-17", .g)  // 2 sessions in the last week of 2024/25
        b.setSessions(from: "2025-09-08", count: 8, .g)
        let weeks = EvalTest.calendar.schoolWeeks(endingWith: day("2025-09-10"), count: 10)
        #expect(
            weeks.map(\.from)
                == [
                    "2025-09-08", "2025-09-01", "2025-07-14", "2025-07-07", "2025-06-30", "2025-06-23",
                    "2025-06-16", "2025-06-09", "2025-06-02", "2025-05-19",
                ].map(day))
        let a = try #require(EvalTest.run(policy, "2025-09-11", b).of(.penaltyThreshold).first)
        #expect(a.sessions.prefix(2).map(\.date) == [day("2025-07-17"), day("2025-07-17")])
        #expect(a.due == day("2025-09-11"))
        // Without the July sessions the threshold is not met.
        b.set("2025-07-17", .presentAM, [.am])
        #expect(EvalTest.run(policy, "2025-09-11", b).of(.penaltyThreshold).isEmpty)
    }

    @Test("per parent: a first notice, a second, and no third within 3 years")
    func perParentCounts() throws {
        var b = Book(through: "2025-11-21")
        b.set(from: "2025-11-17", to: "2025-11-21", .g)
        let cw = Casework(notices: [
            NoticeRecord(parent: "Sam Carter", kind: .penaltyNotice, issued: day("2024-03-01"), paidWithin21Days: true),
            NoticeRecord(parent: "Pat Jones", kind: .penaltyNotice, issued: day("2023-06-01")),
            NoticeRecord(parent: "Pat Jones", kind: .penaltyNotice, issued: day("2024-06-01")),
            NoticeRecord(parent: "Alex Carter", kind: .penaltyNotice, issued: day("2022-11-20")),  // more than 3 years ago
        ])
        let everyone = EvalTest.parents.map { c in
            var c = c
            c.parentalResponsibility = true
            return c
        }
        let actions = EvalTest.run(policy, "2025-11-21", b, casework: cw, contacts: everyone).of(.penaltyThreshold)
        #expect(actions.count == 3)
        let alex = try #require(actions.first { $0.key.hasSuffix("|Alex Carter") })
        #expect(alex.figures["notice_number"] == 1 && alex.figures["amount_gbp"] == 160 && alex.figures["reduced_amount_gbp"] == 80)
        #expect(
            alex.reason.contains(
                "First penalty notice to Alex Carter for this child: £160 if paid within 28 days, reduced to £80 if paid within 21 days"))
        #expect(alex.action == .penaltyNotice)
        let sam = try #require(actions.first { $0.key.hasSuffix("|Sam Carter") })
        #expect(sam.figures["notice_number"] == 2 && sam.figures["amount_gbp"] == 160 && sam.figures["reduced_amount_gbp"] == nil)
        #expect(sam.reason.contains("Second penalty notice to Sam Carter for this child within 3 years: £160 flat"))
        let pat = try #require(actions.first { $0.key.hasSuffix("|Pat Jones") })
        #expect(pat.figures["previous_notices"] == 2 && pat.figures["amount_gbp"] == 0 && pat.action == .laReferral)
        #expect(
            pat.reason.contains(
                "Other action is needed instead, such as prosecution (s444), a parenting order or an education supervision order"))
    }

    @Test("Notice to Improve first where the policy says so; a penalty notice once one has been issued")
    func noticeToImproveFirst() throws {
        let p = EvalTest.quiet { $0.penaltyNotice = .init(noticeToImprove: .always, improvementSchoolWeeks: 4) }
        var b = Book(through: "2025-12-05")
        b.set(from: "2025-11-17", to: "2025-11-21", .g)
        let nti = EvalTest.run(p, "2025-11-21", b).of(.penaltyThreshold)
        #expect(nti.count == 1 && nti.first?.action == .noticeToImprove)
        #expect(nti.first?.reason.contains("improvement period of 4 school weeks") == true)
        #expect(nti.first?.contacts.count == 2)
        // After a Notice to Improve on 24 November, the sessions before it do not count again; 10 new ones do.
        let cw = Casework(notices: [NoticeRecord(parent: "Alex Carter", kind: .noticeToImprove, issued: day("2025-11-24"))])
        #expect(EvalTest.run(p, "2025-11-28", b, casework: cw).of(.penaltyThreshold).isEmpty)
        b.set(from: "2025-12-01", to: "2025-12-05", .o)
        let pn = EvalTest.run(p, "2025-12-05", b, casework: cw).of(.penaltyThreshold)
        #expect(pn.map(\.action) == [.penaltyNotice, .penaltyNotice])
        #expect(pn.first?.sessions.first?.date == day("2025-12-01") && pn.first?.sessions.count == 10)
    }

    @Test("due the day the threshold was met, also when the calendar itself starts mid-week")
    func calendarStart() throws {
        let short = SchoolCalendar(entries: [CalendarEntry(start: day("2025-09-03"), end: day("2025-12-19"), kind: .term)])
        var b = Book(calendar: short, through: "2025-12-10")
        b.setSessions(from: "2025-11-04", count: 10, .g)
        let f = b.facts()
        let a = try #require(EvalTest.run(policy, "2025-12-10", [f], calendar: short).of(.penaltyThreshold).first)
        #expect(a.due == day("2025-11-10") && a.key.contains("|2025-11-10|"))
        // The window cited is the one that reached the threshold on the due day, not today's.
        #expect(a.reason.contains("the 10 school weeks from 8 September 2025 to 10 November 2025"))  // no half term in this calendar
    }

    @Test("the key holds while the threshold stays met, so a dismissed proposal stays dismissed")
    func stableKey() throws {
        var b = Book(through: "2025-11-28")
        b.set(from: "2025-11-17", to: "2025-11-21", .g)
        b.set("2025-11-26", .o)
        let first = try #require(EvalTest.run(policy, "2025-11-21", b).of(.penaltyThreshold).first)
        let later = try #require(EvalTest.run(policy, "2025-11-28", b).of(.penaltyThreshold).first)
        // A rising count is said, but neither `due` nor the window cited moves.
        #expect(first.key == later.key && later.due == day("2025-11-21") && later.sessions.count == 10)
        #expect(later.figures["sessions"] == 10 && later.figures["sessions_now"] == 12)
        #expect(later.reason.contains("Since then the count has risen: 12 in the 10 school weeks to 28 November 2025"))
        let done = Casework(done: Set(EvalTest.run(policy, "2025-11-21", b).of(.penaltyThreshold).map(\.key)))
        #expect(EvalTest.run(policy, "2025-11-28", b, casework: done).of(.penaltyThreshold).isEmpty)
    }
}

// MARK: - Missing education and safeguarding

@Suite("Evaluation: children missing education and safeguarding")
struct MissingEducationTests {
    @Test("continuous absence without contact: an action at each of the policy's days")
    func noContact() throws {
        let p = EvalTest.quiet { $0.missingEducation.noContactSchoolDays = [5, 10] }
        var b = Book(through: "2025-11-14")
        b.set(from: "2025-11-03", to: "2025-11-14", .n)
        #expect(EvalTest.run(p, "2025-11-06", b).of(.missingEducation).isEmpty)
        let five = EvalTest.run(p, "2025-11-07", b).of(.missingEducation)
        #expect(five.count == 1 && five.first?.action == .call && five.first?.due == day("2025-11-07"))
        let ten = EvalTest.run(p, "2025-11-14", b).of(.missingEducation)
        #expect(ten.map(\.action) == [.call, .laReferral])
        #expect(ten.map(\.due) == [day("2025-11-07"), day("2025-11-14")])
        #expect(ten.last?.key == "missing_education|A100000000001|missing_education.no_contact_school_days|2025-11-03|day-10")
        #expect(ten.last?.reason.contains("child missing education") == true)
        // Contact from the family since the absence began: no action.
        #expect(EvalTest.run(p, "2025-11-14", b, casework: Casework(lastFamilyContact: day("2025-11-04"))).of(.missingEducation).isEmpty)
        // Contact before it began does not count.
        #expect(EvalTest.run(p, "2025-11-14", b, casework: Casework(lastFamilyContact: day("2025-10-31"))).of(.missingEducation).count == 2)
    }

    @Test("vulnerable pupils after the policy's days of absence")
    func vulnerable() throws {
        let p = EvalTest.quiet { $0.missingEducation.vulnerableAfterSchoolDays = 2 }
        var b = Book(through: "2025-11-04")
        b.set(from: "2025-11-03", to: "2025-11-04", .i)
        #expect(EvalTest.run(p, "2025-11-03", b, vulnerable: true).of(.vulnerableAbsence).isEmpty)
        let a = try #require(EvalTest.run(p, "2025-11-04", b, vulnerable: true).of(.vulnerableAbsence).first)
        #expect(a.action == .socialCareReferral && a.due == day("2025-11-04") && a.sessions.count == 4)
        #expect(EvalTest.run(p, "2025-11-04", b, vulnerable: false).of(.vulnerableAbsence).isEmpty)
    }

    @Test("20 continuous school days of unauthorised absence, across half term: not a deletion until enquiries are made")
    func continuousUnauthorised() throws {
        var b = Book(through: "2025-11-21")
        b.set(from: "2025-10-13", to: "2025-11-21", .o)
        b.set(from: "2025-10-13", to: "2025-10-17", .g)
        b.set("2025-10-13", .n, [.am])
        // 13 October - 24 October (10 days) + 3-14 November (10 days): the 20th is 14 November.
        #expect(EvalTest.run(EvalTest.quiet(), "2025-11-13", b).of(.missingEducation).isEmpty)
        let a = try #require(EvalTest.run(EvalTest.quiet(), "2025-11-14", b).of(.missingEducation).first)
        #expect(a.rule == "missing_education.continuous_unauthorised_school_days" && a.due == day("2025-11-14"))
        #expect(a.reason.contains("do not delete from the roll yet") && a.reason.contains("school and the LA"))
        #expect(a.source.contains("20 continuous school days"))
        #expect(EvalTest.run(EvalTest.quiet(), "2025-11-21", b).of(.missingEducation).first?.due == day("2025-11-14"))
        // An authorised day breaks the run.
        b.set("2025-11-05", .i)
        #expect(EvalTest.run(EvalTest.quiet(), "2025-11-21", b).of(.missingEducation).isEmpty)
    }

    @Test("illness over the policy's school days: inform the LA on the day after the 15th")
    func longIllness() throws {
        let p = EvalTest.quiet { $0.missingEducation.illnessSchoolDays = 15 }
        var b = Book(through: "2025-11-24")
        b.set(from: "2025-11-03", to: "2025-11-24", .i)
        #expect(EvalTest.run(p, "2025-11-21", b).of(.informLA).isEmpty)  // the 15th school day
        let a = try #require(EvalTest.run(p, "2025-11-24", b).of(.informLA).first)
        #expect(a.action == .informLA && a.figures["school_days"] == 16 && a.due == day("2025-11-24"))
        #expect(a.key == "inform_la|A100000000001|missing_education.illness_school_days|2025-11-03")
    }

    @Test("not back the policy's school days after agreed leave ended")
    func notBackAfterLeave() throws {
        var b = Book(through: "2025-11-21")
        b.set(from: "2025-11-03", to: "2025-11-07", .c)
        b.set(from: "2025-11-10", to: "2025-11-21", .n)
        let cw = Casework(lastFamilyContact: day("2025-10-20"), leaveEnded: day("2025-11-07"))
        #expect(
            EvalTest.run(EvalTest.quiet(), "2025-11-20", b, casework: cw).rule("missing_education.not_back_after_leave_school_days").isEmpty
        )
        let a = try #require(
            EvalTest.run(EvalTest.quiet(), "2025-11-21", b, casework: cw).rule("missing_education.not_back_after_leave_school_days").first)
        #expect(a.due == day("2025-11-21") && a.action == .laReferral && a.sessions.count == 20)
        // Back for one morning: no action.
        b.set("2025-11-12", .presentAM, [.am])
        #expect(
            EvalTest.run(EvalTest.quiet(), "2025-11-21", b, casework: cw).rule("missing_education.not_back_after_leave_school_days").isEmpty
        )
    }
}

// MARK: - The whole run

@Suite("Evaluation: the run")
struct EvaluationRunTests {
    @Test("only sessions on roll count; a pupil who has left gets no actions")
    func onRoll() {
        var b = Book(starting: "2025-11-10", through: "2025-11-14")
        b.set(from: "2025-09-01", to: "2025-11-07", .o)  // marks before the starting day are not counted
        let p = EvalTest.quiet()
        #expect(EvalTest.run(p, "2025-11-14", b).isEmpty)
        var left = Book(leaving: "2025-11-12", through: "2025-11-14")
        left.set(from: "2025-11-03", to: "2025-11-14", .o)
        #expect(EvalTest.run(p, "2025-11-14", left).isEmpty)
    }

    @Test("the marks the evaluation reads: the year to date and 10 school weeks before the year's first school day")
    func marksNeeded() {
        let p = EvalTest.quiet()
        // In November: 10 school weeks ending with the week of 1 September 2025 reach back to 12 May (26 May is half term).
        #expect(
            Evaluation.marksNeeded(policy: p, calendar: EvalTest.calendar, asOf: day("2025-11-20"))
                == DateRange(from: day("2025-05-12"), to: day("2025-11-20")))
        // A stage window of 52 school weeks reaches back to the calendar's first day.
        var long = p
        long.stages = Policy.standard().stages
        long.stages[0].windowSchoolWeeks = 52
        #expect(Evaluation.marksNeeded(policy: long, calendar: EvalTest.calendar, asOf: day("2025-11-20"))?.from == day("2025-04-22"))
        #expect(Evaluation.marksNeeded(policy: p, calendar: SchoolCalendar(entries: []), asOf: day("2025-11-20")) == nil)
    }

    @Test("sessions closed for the pupil's year group do not count, whatever is marked on them")
    func yearGroupClosure() {
        let cal = SchoolCalendar(
            entries: EvalTest.calendar.entries + [
                CalendarEntry(start: day("2025-11-17"), end: day("2025-11-21"), kind: .closure, yearGroups: ["5"])
            ])
        var b = Book(calendar: cal, through: "2025-11-21")
        b.set(from: "2025-11-17", to: "2025-11-21", .n)  // marks on closed sessions are kept but not counted
        let p = EvalTest.quiet()
        #expect(EvalTest.run(p, "2025-11-21", [b.facts()], calendar: cal).isEmpty)
        var y6 = Book(calendar: cal, yearGroup: "6", through: "2025-11-21")
        y6.set(from: "2025-11-17", to: "2025-11-21", .n)
        #expect(!EvalTest.run(p, "2025-11-21", [y6.facts()], calendar: cal).of(.penaltyThreshold).isEmpty)
    }

    @Test("sorted by due date, kind and UPN; every action names the policy version and is JSON")
    func sortedAndEncoded() throws {
        var a = Book(through: "2025-11-21")
        var b = Book(through: "2025-11-21")
        a.set(from: "2025-11-17", to: "2025-11-21", .n)
        b.set("2025-11-21", .n)
        let p = EvalTest.quiet()
        let actions = EvalTest.run(p, "2025-11-21", [b.facts("B100000000002"), a.facts("A100000000001")])
        #expect(zip(actions, actions.dropFirst()).allSatisfy { !DueAction.worklistOrder($1, $0) })
        #expect(actions.allSatisfy { $0.policy == "Test policy (in force from 2024-08-19)" })
        let today = actions.filter { $0.due == day("2025-11-21") }
        #expect(today.map(\.kind).first == .dayOneContact)
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys]
        let json = String(decoding: try e.encode(actions.first!), as: UTF8.self)
        #expect(json.contains(#""kind":"penalty_threshold""#) || json.contains(#""kind":"day_one_contact""#))
        #expect(json.contains(#""sessions":[{"code":"#))
        #expect(try JSONDecoder().decode([DueAction].self, from: JSONEncoder().encode(actions)) == actions)
    }

    @Test("the stage figures are the statistics engine's for every pupil of the demo school")
    func demoAgreesWithStatistics() {
        let school = Demo.generate(DemoOptions(pupils: 120, through: day("2025-12-10")))
        let calendar = SchoolCalendar(entries: school.calendar)
        let asOf = day("2025-12-10")
        let pupils = school.pupils.map { p in
            PupilFacts(
                upn: p.record.upn, name: p.record.displayName, dateOfBirth: p.record.dateOfBirth,
                enrolment: Enrolment(
                    startingDay: p.record.startingDay, leavingDay: p.record.leavingDay,
                    yearGroup: p.record.yearGroup, yearGroupYear: AcademicYear(containing: school.through)),
                codes: p.marks, contacts: p.record.contacts)
        }
        var policy = Policy.standard(name: "Demo")
        policy.stages[0].below = 1.0  // every pupil below 100% gets an entry with figures
        let actions = Evaluation.run(policy: policy, calendar: calendar, asOf: asOf, pupils: pupils, casework: [:]).of(.stageEntry)
        #expect(actions.count > 50)
        let engine = StatisticsEngine(calendar: calendar)
        for a in actions {
            let p = pupils.first { $0.upn == a.upn }!
            let c = engine.counts(p.codes, enrolment: p.enrolment, range: DateRange(from: day("2025-09-01"), to: asOf)).markedOnly
            #expect(
                a.figures["possible"] == Double(c.possible) && a.figures["attended"] == Double(c.present + c.approvedActivity), "\(a.upn)")
        }
    }
}
