import Foundation
import Testing

@testable import RollbookCore

// Scenario tests, one suite per seed policy (as configured in Policies/seed-00N-*.json): each builds
// the autumn term of 2025 (and what it needs either side) for a few pupils and asserts the actions the seed's text
// requires on given dates. Each test's name cites the seed's clause.

private func day(_ s: String) -> LocalDate { EvalTest.day(s) }
private typealias Book = EvalTest.Book

enum SeedScenario {
    /// The repository root: the directory above Tests/ that holds Package.swift.
    static var root: URL { Repository.root }

    /// The example policy for seed `n` ("000" ... "004"): Policies/seed-n-*.json.
    static func policy(_ n: String) throws -> Policy {
        let dir = root.appendingPathComponent("Policies")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter {
            $0.hasPrefix("seed-\(n)-") && $0.hasSuffix(".json")
        }
        guard let file = files.sorted().first else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Policies/seed-\(n)-*.json"])
        }
        return try PolicyFile.decode(Data(contentsOf: dir.appendingPathComponent(file)))
    }

    /// A pupil of the scenario: a register book and what the admission register says.
    struct Pupil {
        var upn: String
        var book: EvalTest.Book
        var vulnerable = false
        var socialWorker = false
        var contacts = EvalTest.parents
        var traveller = false
        var facts: PupilFacts {
            var f = book.facts(upn, vulnerable: vulnerable, socialWorker: socialWorker, contacts: contacts)
            f.traveller = traveller
            return f
        }
    }

    /// Runs the evaluation over the whole school and returns the actions for one pupil.
    static func actions(_ policy: Policy, _ asOf: String, _ upn: String, school: [Pupil], casework: [String: Casework] = [:]) -> [DueAction]
    {
        EvalTest.run(policy, asOf, school.map(\.facts), casework: casework).filter { $0.upn == upn }
    }
}

// MARK: - Seed 000: secondary, 4 stages from 96%, CME at day 10

@Suite("Seed 000 scenarios (Kestrel Vale: secondary)")
struct Seed000Scenarios {
    let policy: Policy
    init() throws { policy = try SeedScenario.policy("000") }

    static let through = "2026-01-16"
    /// A regular attender, present at every session.
    static let regular = SeedScenario.Pupil(upn: "K000000000001", book: Book(yearGroup: "9", through: through))

    @Test("§6.5.7.2 discretion below the threshold: 'several term time holidays below threshold' or 'repeated absence for birthdays'")
    func repeatedBelowThreshold() throws {
        var b = Book(yearGroup: "9", through: Self.through)
        b.set("2025-09-15", .g, [.am])  // episode 1: a session in school follows
        b.set("2025-09-16", .g, [.am])  // episode 2
        b.set("2025-10-03", .o)  // episode 3: a birthday
        b.set("2025-11-06", .g, [.pm])  // episode 4 runs on into the next morning: one episode
        b.set("2025-11-07", .g, [.am])
        var two = Book(yearGroup: "9", through: Self.through)
        two.set(from: "2025-09-15", to: "2025-09-16", .g)  // one episode over two days
        two.set("2025-10-03", .o)
        let school = [Self.regular, .init(upn: "K000000000002", book: b), .init(upn: "K000000000003", book: two)]
        let upn = "K000000000002"
        // Two episodes by 2 October: no pattern yet.
        #expect(SeedScenario.actions(policy, "2025-10-02", upn, school: school).of(.repeatedAbsence).isEmpty)
        let third = try #require(SeedScenario.actions(policy, "2025-10-03", upn, school: school).of(.repeatedAbsence).first)
        #expect(third.due == day("2025-10-03") && third.action == .review && third.rule == "penalty_notice.repeated_episodes")
        #expect(third.key == "repeated_absence|\(upn)|penalty_notice.repeated_episodes|2025-10-03")
        #expect(
            third.figures == [
                "episodes": 3, "threshold_episodes": 3, "within_school_weeks": 39, "sessions": 4, "sessions_now": 4,
                "threshold_sessions": 10,
            ])
        #expect(third.sessions.map(\.date) == ["2025-09-15", "2025-09-16", "2025-10-03", "2025-10-03"].map(day))
        #expect(third.reason.contains("15 September 2025 (1 session); 16 September 2025 (1 session); 3 October 2025 (2 sessions)"))
        #expect(third.source.contains("several term time holidays below threshold"))
        #expect(third.contacts.count == 2)
        // A fourth episode asks again, with its own key; the third's stays done.
        let cw = [upn: Casework(done: [third.key])]
        let fourth = SeedScenario.actions(policy, "2025-11-07", upn, school: school, casework: cw).of(.repeatedAbsence)
        #expect(fourth.map(\.key) == ["repeated_absence|\(upn)|penalty_notice.repeated_episodes|2025-11-06"])
        #expect(fourth.first?.figures["episodes"] == 4 && fourth.first?.figures["sessions"] == 6)
        #expect(fourth.first?.reason.contains("6 November 2025 to 7 November 2025 (2 sessions)") == true)
        #expect(SeedScenario.actions(policy, "2025-11-07", upn, school: school, casework: cw).of(.penaltyThreshold).isEmpty)
        #expect(SeedScenario.actions(policy, "2025-11-07", "K000000000003", school: school).of(.repeatedAbsence).isEmpty)
    }

    @Test(
        "§5.5.1 'Text/call the student's parent/carer on the morning of the first day of unexplained absence' and 'on each day that the absence continues'"
    )
    func dayOneAndEachDay() throws {
        var b = Book(yearGroup: "9", through: Self.through)
        b.set(from: "2025-11-03", to: "2025-11-04", .n)
        let school = [Self.regular, .init(upn: "K000000000002", book: b)]
        for (date, n) in [("2025-11-03", 1.0), ("2025-11-04", 2.0)] {
            let a = try #require(SeedScenario.actions(policy, date, "K000000000002", school: school).of(.dayOneContact).first)
            #expect(a.due == day(date) && a.figures["school_days"] == n)
            #expect(a.contacts.first == "Alex Carter (Mother): 07700 900001")
            #expect(a.source.contains("first day of unexplained absence"))
        }
        #expect(SeedScenario.actions(policy, "2025-11-05", "K000000000002", school: school).of(.dayOneContact).isEmpty)
        #expect(EvalTest.run(policy, "2025-11-04", school.map(\.facts)).filter { $0.upn == Self.regular.upn }.isEmpty)
    }

    @Test("§5.5.1 'no later than 5 working days after the session': an N becomes O on the sixth school day")
    func nToO() throws {
        var b = Book(yearGroup: "9", through: Self.through)
        b.set("2025-11-03", .n)
        let school = [SeedScenario.Pupil(upn: "K000000000002", book: b)]
        #expect(SeedScenario.actions(policy, "2025-11-10", "K000000000002", school: school).of(.nToO).isEmpty)
        let a = try #require(SeedScenario.actions(policy, "2025-11-11", "K000000000002", school: school).of(.nToO).first)
        #expect(a.sessions.count == 2 && a.reason.contains("becomes O"))
    }

    @Test("§8.3.3 Stage 1: 'a Stage 1 Letter when a student's attendance falls below 96%'")
    func stage1() throws {
        var below = Book(yearGroup: "9", through: Self.through)
        below.set(from: "2025-10-06", to: "2025-10-07", .i)  // 56 of 60 sessions by 10 October: 93.3%
        var above = Book(yearGroup: "9", through: Self.through)
        above.set("2025-10-06", .i)  // 58 of 60: 96.7%
        let school = [SeedScenario.Pupil(upn: "K000000000002", book: below), .init(upn: "K000000000003", book: above)]
        let a = try #require(SeedScenario.actions(policy, "2025-10-10", "K000000000002", school: school).of(.stageEntry).first)
        #expect(a.proposedStage == "stage-1" && a.action == .letter)
        #expect(a.reason.hasPrefix("Attendance 93.3% over the year to date (56 of 60 sessions) is below 96%"))
        #expect(a.reason.contains("'stage-1-attendance-concern' letter"))
        #expect(a.due == day("2025-10-07"))  // 6 October: 50 of 52, 96.2%, not yet below
        #expect(SeedScenario.actions(policy, "2025-10-10", "K000000000003", school: school).of(.stageEntry).isEmpty)
    }

    @Test("§8.3.3 Stage 2: 'If there is no improvement following the Stage 1 letter', an early help plan meeting; improvement ends it")
    func stage1Review() throws {
        let cw = Casework(stage: StageState(stage: "stage-1", entered: day("2025-10-08")))
        // 4 school weeks after Wednesday 8 October, half term skipped: Wednesday 12 November (40 sessions from 9 October).
        var notImproved = Book(yearGroup: "9", through: Self.through)
        notImproved.set("2025-11-05", .o)  // 38 of 40: 95%
        var improved = Book(yearGroup: "9", through: Self.through)
        improved.set("2025-11-05", .i, [.am])  // 39 of 40: 97.5%
        let school = [SeedScenario.Pupil(upn: "K000000000002", book: notImproved), .init(upn: "K000000000003", book: improved)]
        let casework = ["K000000000002": cw, "K000000000003": cw]
        #expect(SeedScenario.actions(policy, "2025-11-11", "K000000000002", school: school, casework: casework).of(.stageReview).isEmpty)
        let no = try #require(
            SeedScenario.actions(policy, "2025-11-12", "K000000000002", school: school, casework: casework).of(.stageReview).first)
        #expect(no.proposedStage == "stage-2" && no.action == .earlyHelpPlan && no.figures["attendance_rate"] == 0.95)
        let yes = try #require(
            SeedScenario.actions(policy, "2025-11-12", "K000000000003", school: school, casework: casework).of(.stageReview).first)
        #expect(yes.proposedStage == nil && yes.figures["improved"] == 1)
    }

    @Test(
        "§8.3.3 Stages 2-4: 'a monitored period of 2 weeks', then a contract over 'a monitored period of 4 weeks', then referral to the council"
    )
    func stagesTwoToFour() throws {
        var b = Book(yearGroup: "9", through: Self.through)
        b.set(from: "2025-11-17", to: "2025-11-18", .o)
        b.set("2026-01-07", .o)
        let school = [SeedScenario.Pupil(upn: "K000000000002", book: b)]
        // Stage 2 entered Thursday 13 November: 2 school weeks, to Thursday 27 November.
        let s2 = ["K000000000002": Casework(stage: StageState(stage: "stage-2", entered: day("2025-11-13")))]
        #expect(SeedScenario.actions(policy, "2025-11-26", "K000000000002", school: school, casework: s2).of(.stageReview).isEmpty)
        let r2 = try #require(
            SeedScenario.actions(policy, "2025-11-27", "K000000000002", school: school, casework: s2).of(.stageReview).first)
        #expect(r2.proposedStage == "stage-3" && r2.action == .attendanceContract)
        #expect(r2.reason.contains("attendance 80.0% (16 of 20 sessions)"))
        // Stage 3 entered Friday 28 November: 4 school weeks with Christmas skipped, to Friday 9 January.
        let s3 = ["K000000000002": Casework(stage: StageState(stage: "stage-3", entered: day("2025-11-28")))]
        #expect(
            StageState(stage: "stage-3", entered: day("2025-11-28")).monitoringEnds(policy: policy, calendar: EvalTest.calendar)
                == day("2026-01-09"))
        let r3 = try #require(
            SeedScenario.actions(policy, "2026-01-09", "K000000000002", school: school, casework: s3).of(.stageReview).first)
        #expect(r3.proposedStage == "stage-4" && r3.action == .laReferral)
        // Stage 4 has no monitoring: nothing more from the stages.
        let s4 = ["K000000000002": Casework(stage: StageState(stage: "stage-4", entered: day("2026-01-12")))]
        let later = SeedScenario.actions(policy, "2026-01-16", "K000000000002", school: school, casework: s4)
        #expect(later.of(.stageReview).isEmpty && later.of(.stageEntry).isEmpty)
    }

    @Test("§6.3.4 'A referral will be made to Local Authority if no contact has been made with parents by the 10th day of absence'")
    func missingEducation() throws {
        var b = Book(yearGroup: "9", through: Self.through)
        b.set(from: "2025-11-03", to: "2025-11-14", .n)
        let school = [SeedScenario.Pupil(upn: "K000000000002", book: b)]
        #expect(SeedScenario.actions(policy, "2025-11-13", "K000000000002", school: school).of(.missingEducation).isEmpty)
        let a = try #require(SeedScenario.actions(policy, "2025-11-14", "K000000000002", school: school).of(.missingEducation).first)
        #expect(a.action == .laReferral && a.due == day("2025-11-14") && a.sessions.count == 20)
        #expect(a.source.contains("10th day of absence"))
        let contacted = ["K000000000002": Casework(lastFamilyContact: day("2025-11-06"))]
        #expect(
            SeedScenario.actions(policy, "2025-11-14", "K000000000002", school: school, casework: contacted).of(.missingEducation).isEmpty)
    }

    @Test(
        "§6.5.7.2 the threshold may span school years: '2 sessions of unauthorised absence in the Summer Term and a further 8 within the Autumn Term'"
    )
    func thresholdAcrossYears() throws {
        var b = Book(yearGroup: "9", through: Self.through)
        b.set("2025-07-17", .g)
        b.setSessions(from: "2025-09-08", count: 8, .g)  // Monday 8 to Thursday 11 September
        let school = [SeedScenario.Pupil(upn: "K000000000002", book: b)]
        #expect(SeedScenario.actions(policy, "2025-09-10", "K000000000002", school: school).of(.penaltyThreshold).isEmpty)
        let actions = SeedScenario.actions(policy, "2025-09-11", "K000000000002", school: school).of(.penaltyThreshold)
        // §6.5.7.3 'Where a Notice to Improve is used': discretionary, so both routes are offered.
        #expect(actions.map(\.action) == [.noticeToImprove, .penaltyNotice, .penaltyNotice])
        #expect(actions.first?.sessions.map(\.date.iso).prefix(2) == ["2025-07-17", "2025-07-17"])
        #expect(actions.first?.source.contains("10 sessions of unauthorised absence in a rolling period of 10 school weeks") == true)
    }

    @Test(
        "§6.5.7.2 'any combination of unauthorised absence (e.g. 4 sessions of holiday taken in term time plus 6 sessions of arriving late after the register closes)'"
    )
    func thresholdCombination() throws {
        var b = Book(yearGroup: "9", through: Self.through)
        b.set(from: "2025-09-22", to: "2025-09-23", .g)
        for d in ["2025-09-29", "2025-10-01", "2025-10-06", "2025-10-08", "2025-10-13"] { b.set(d, .u, [.am]) }
        let school = [SeedScenario.Pupil(upn: "K000000000002", book: b)]
        #expect(SeedScenario.actions(policy, "2025-10-14", "K000000000002", school: school).of(.penaltyThreshold).isEmpty)
        b.set("2025-10-15", .u, [.am])
        let a = try #require(
            SeedScenario.actions(policy, "2025-10-15", "K000000000002", school: [.init(upn: "K000000000002", book: b)])
                .of(.penaltyThreshold).first)
        #expect(a.sessions.map(\.code) == ["G", "G", "G", "G", "U", "U", "U", "U", "U", "U"])
    }

    @Test(
        "§6.5.7.4 first notice '£160 if paid within 28 days', 'reduced to £80 if paid within 21 days'; second 'a flat rate of £160'; 'A third penalty notice cannot be issued'"
    )
    func notices() throws {
        var b = Book(yearGroup: "9", through: Self.through)
        b.set(from: "2025-11-17", to: "2025-11-21", .g)
        var both = EvalTest.parents
        both[2].parentalResponsibility = true
        let school = [SeedScenario.Pupil(upn: "K000000000002", book: b, contacts: both)]
        let cw = [
            "K000000000002": Casework(notices: [
                NoticeRecord(parent: "Sam Carter", kind: .penaltyNotice, issued: day("2024-02-12"), paidWithin21Days: true),
                NoticeRecord(parent: "Pat Jones", kind: .penaltyNotice, issued: day("2023-05-02")),
                NoticeRecord(parent: "Pat Jones", kind: .penaltyNotice, issued: day("2025-03-10")),
            ])
        ]
        let all = SeedScenario.actions(policy, "2025-11-21", "K000000000002", school: school, casework: cw).of(.penaltyThreshold)
        #expect(all.first?.action == .noticeToImprove)
        let actions = all.filter { $0.action != .noticeToImprove }
        #expect(actions.map { $0.figures["notice_number"] } == [1, 2, 3])
        #expect(actions.map { $0.figures["amount_gbp"] } == [160, 160, 0])
        #expect(actions[0].reason.contains("£160 if paid within 28 days, reduced to £80 if paid within 21 days"))
        #expect(actions[1].reason.contains("£160 flat"))
        #expect(actions[2].action == .laReferral && actions[2].reason.contains("prosecution (s444)"))
    }

    @Test("§7 'the School will inform a student's social worker ... if there are unexplained absences'")
    func socialWorker() throws {
        var b = Book(yearGroup: "9", through: Self.through)
        b.set("2025-11-05", .n, [.am])
        let school = [SeedScenario.Pupil(upn: "K000000000002", book: b, socialWorker: true), Self.regular]
        let a = try #require(SeedScenario.actions(policy, "2025-11-05", "K000000000002", school: school).of(.socialWorker).first)
        #expect(a.action == .informSocialWorker && a.source.contains("social worker"))
    }
}

// MARK: - Seed 001: secondary academy, day-1 call by 9:10, persistent absence, CME at 5 days, vulnerable at 2

@Suite("Seed 001 scenarios (Brackenmoor: secondary academy)")
struct Seed001Scenarios {
    let policy: Policy
    init() throws { policy = try SeedScenario.policy("001") }
    static let through = "2025-12-19"

    @Test("§7 'Should communication not be made by parents/carers by 9:10a.m., we will make a day 1 phone call'")
    func dayOneBy910() throws {
        var b = Book(yearGroup: "10", through: Self.through)
        b.set("2025-10-01", .n, [.am])
        b.set("2025-10-01", nil, [.pm])
        let a = try #require(
            SeedScenario.actions(policy, "2025-10-01", "C001000000001", school: [.init(upn: "C001000000001", book: b)])
                .of(.dayOneContact).first)
        #expect(a.reason.contains("by 9:10") && a.source.contains("9:10a.m."))
    }

    @Test("§7 'learners miss 10% or more of education': below 90% a meeting and targeted support; 93% is not yet")
    func persistentAbsence() throws {
        var pa = Book(yearGroup: "10", through: Self.through)
        pa.set(from: "2025-09-29", to: "2025-10-02", .i)  // 52 of 60 by 10 October: 86.7%
        var ok = Book(yearGroup: "10", through: Self.through)
        ok.set(from: "2025-09-29", to: "2025-09-30", .i)  // 56 of 60: 93.3%
        let school = [SeedScenario.Pupil(upn: "C001000000001", book: pa), .init(upn: "C001000000002", book: ok)]
        let a = try #require(SeedScenario.actions(policy, "2025-10-10", "C001000000001", school: school).of(.stageEntry).first)
        #expect(a.proposedStage == "stage-1" && a.action == .meeting && a.figures["attendance_rate"] == 0.8667)
        #expect(SeedScenario.actions(policy, "2025-10-10", "C001000000002", school: school).of(.stageEntry).isEmpty)
    }

    @Test("§5 'reasonable enquiries into the location of learners with 5 days continuous unauthorised absence'")
    func fiveDays() throws {
        var b = Book(yearGroup: "10", through: Self.through)
        b.set(from: "2025-11-10", to: "2025-11-14", .o)
        let school = [SeedScenario.Pupil(upn: "C001000000001", book: b)]
        #expect(SeedScenario.actions(policy, "2025-11-13", "C001000000001", school: school).of(.missingEducation).isEmpty)
        let a = try #require(SeedScenario.actions(policy, "2025-11-14", "C001000000001", school: school).of(.missingEducation).first)
        #expect(a.rule == "missing_education.no_contact_school_days" && a.due == day("2025-11-14"))
        #expect(a.contacts.count == 3)
    }

    @Test(
        "§5 'reasonable enquiries into the location of learners with 5 days continuous unauthorised absence' even after the family called")
    func fiveDaysUnauthorisedAfterContact() throws {
        var b = Book(yearGroup: "10", through: Self.through)
        b.set(from: "2025-11-10", to: "2025-11-14", .o)
        let upn = "C001000000001"
        let school = [SeedScenario.Pupil(upn: upn, book: b)]
        let called = [upn: Casework(lastFamilyContact: day("2025-11-11"))]
        #expect(SeedScenario.actions(policy, "2025-11-13", upn, school: school, casework: called).of(.missingEducation).isEmpty)
        let found = SeedScenario.actions(policy, "2025-11-14", upn, school: school, casework: called).of(.missingEducation)
        #expect(found.count == 1)
        let a = try #require(found.first)
        #expect(a.rule == "missing_education.unauthorised_enquiry_school_days" && a.due == day("2025-11-14"))
        #expect(a.action == .laReferral && a.contacts.count == 3)
        #expect(a.figures == ["school_days": 5, "threshold_school_days": 5, "contacted": 1])
        #expect(a.sessions.count == 10 && a.sessions.allSatisfy { $0.code == "O" } && a.sessions.first?.date == day("2025-11-10"))
        #expect(a.key == "missing_education|\(upn)|missing_education.unauthorised_enquiry_school_days|2025-11-10|day-5")
        #expect(a.source.contains("5 days continuous unauthorised absence"))
        #expect(a.reason.contains("in contact since the absence began") && a.reason.contains("child missing education"))
        // Without contact the no-contact rule's day 5 already asks for the same: one action, not two.
        let alone = SeedScenario.actions(policy, "2025-11-14", upn, school: school).of(.missingEducation)
        #expect(alone.map(\.rule) == ["missing_education.no_contact_school_days"])
    }

    @Test("§5 '5 days continuous unauthorised absence': authorised days (illness) or a day in school start the count again")
    func fiveDaysMustBeUnauthorised() throws {
        var b = Book(yearGroup: "10", through: Self.through)
        b.set(from: "2025-11-10", to: "2025-11-11", .g)
        b.set("2025-11-12", .i)
        b.set(from: "2025-11-13", to: "2025-11-14", .o)
        var c = Book(yearGroup: "10", through: Self.through)
        c.set(from: "2025-11-10", to: "2025-11-11", .n)
        c.set(from: "2025-11-13", to: "2025-11-19", .g)
        let school = [SeedScenario.Pupil(upn: "C001000000001", book: b), .init(upn: "C001000000002", book: c)]
        let cw = [
            "C001000000001": Casework(lastFamilyContact: day("2025-11-10")),
            "C001000000002": Casework(lastFamilyContact: day("2025-11-14")),
        ]
        #expect(SeedScenario.actions(policy, "2025-11-14", "C001000000001", school: school, casework: cw).of(.missingEducation).isEmpty)
        #expect(SeedScenario.actions(policy, "2025-11-18", "C001000000002", school: school, casework: cw).of(.missingEducation).isEmpty)
        let a = try #require(
            SeedScenario.actions(policy, "2025-11-19", "C001000000002", school: school, casework: cw).of(.missingEducation).first)
        #expect(a.due == day("2025-11-19") && a.figures["school_days"] == 5 && a.sessions.first?.date == day("2025-11-13"))
    }

    @Test(
        "§5 'contact relevant agencies after two days of absence without confirmation from parents/carers if the child is subject to a Child Protection or Child in Need plan'"
    )
    func vulnerableTwoDays() throws {
        var b = Book(yearGroup: "10", through: Self.through)
        b.set(from: "2025-11-10", to: "2025-11-11", .n)
        let school = [
            SeedScenario.Pupil(upn: "C001000000001", book: b, vulnerable: true),
            .init(upn: "C001000000002", book: b, vulnerable: false),
        ]
        #expect(SeedScenario.actions(policy, "2025-11-10", "C001000000001", school: school).of(.vulnerableAbsence).isEmpty)
        let a = try #require(SeedScenario.actions(policy, "2025-11-11", "C001000000001", school: school).of(.vulnerableAbsence).first)
        #expect(a.action == .socialCareReferral && a.reason.contains("No contact from the family"))
        #expect(a.source.contains("two days of absence"))
        #expect(SeedScenario.actions(policy, "2025-11-11", "C001000000002", school: school).of(.vulnerableAbsence).isEmpty)
    }

    @Test("§4.2's '10 sessions ... in the previous 12 calendar months' predates 2024: the national 10 sessions in 10 school weeks applies")
    func nationalThreshold() {
        var spread = Book(yearGroup: "10", through: Self.through)
        spread.set(from: "2025-09-01", to: "2025-09-03", .o, [.am])  // 3 sessions in the first week of term
        spread.set(from: "2025-11-17", to: "2025-11-19", .o)  // 6 sessions eleven school weeks later
        spread.set("2025-11-20", .o, [.am])
        let school = [SeedScenario.Pupil(upn: "C001000000001", book: spread)]
        // 10 sessions in the year, but on 20 November the 10 school weeks start on 8 September.
        #expect(SeedScenario.actions(policy, "2025-11-20", "C001000000001", school: school).of(.penaltyThreshold).isEmpty)
        var within = spread
        within.set("2025-09-08", .o, [.am])
        within.set("2025-09-09", .o, [.am])
        within.set("2025-09-10", .o, [.am])
        #expect(
            SeedScenario.actions(policy, "2025-11-20", "C001000000001", school: [.init(upn: "C001000000001", book: within)])
                .of(.penaltyThreshold).count == 2)
    }
}

// MARK: - Seed 002: small primary, RAG letters, lateness a week

@Suite("Seed 002 scenarios (Thornbeck: small primary)")
struct Seed002Scenarios {
    let policy: Policy
    init() throws { policy = try SeedScenario.policy("002") }
    static let through = "2025-12-19"

    @Test(
        "§4.4.7 'a Traveller parent is safe from prosecution if their child accrues 200 attendances (ie 200 half days) in the year preceding'"
    )
    func travellerProtected() throws {
        var b = Book(through: Self.through)
        b.set(from: "2025-11-10", to: "2025-11-14", .g)
        let year = DateRange(from: day("2024-11-15"), to: day("2025-11-14"))
        let attended = EvalTest.calendar.openSessions(in: year) - 10
        #expect(attended >= 200)
        let school = [
            SeedScenario.Pupil(upn: "L002000000001", book: b, traveller: true), .init(upn: "L002000000002", book: b),
        ]
        let mine = SeedScenario.actions(policy, "2025-11-14", "L002000000001", school: school)
        #expect(mine.of(.penaltyThreshold).isEmpty)
        #expect(!mine.contains { $0.action.isLegalStep })
        let a = try #require(mine.of(.travellerProtection).first)
        #expect(mine.of(.travellerProtection).count == 1)
        #expect(a.action == .review && a.due == day("2025-11-14") && a.rule == "penalty_notice.traveller_protection_sessions")
        #expect(a.key == "traveller_protection|L002000000001|penalty_notice.traveller_protection_sessions|2025-11-14")
        #expect(a.figures["attendances_12_months"] == Double(attended) && a.figures["traveller_protection_sessions"] == 200)
        #expect(a.figures["sessions"] == 10 && a.figures["threshold_sessions"] == 10)
        #expect(a.sessions.count == 10 && a.sessions.allSatisfy { $0.code == "G" })
        #expect(a.reason.contains("\(attended) attendances") && a.reason.contains("s444(6)"))
        #expect(a.source.contains("200 attendances"))
        // The same register without the flag: a penalty notice to each parent with parental responsibility.
        let other = SeedScenario.actions(policy, "2025-11-14", "L002000000002", school: school)
        #expect(other.of(.penaltyThreshold).map(\.parent) == ["Alex Carter", "Sam Carter"])
        #expect(other.of(.travellerProtection).isEmpty)
    }

    @Test("§4.4.7 '200 attendances ... in the year preceding': fewer, and the penalty notices stand, showing the count")
    func travellerBelow200() throws {
        var b = Book(starting: "2025-09-01", through: Self.through)
        b.set(from: "2025-11-10", to: "2025-11-14", .g)
        let attended = EvalTest.calendar.openSessions(in: DateRange(from: day("2025-09-01"), to: day("2025-11-14"))) - 10
        #expect(attended < 200)
        let school = [SeedScenario.Pupil(upn: "L002000000001", book: b, traveller: true)]
        let found = SeedScenario.actions(policy, "2025-11-14", "L002000000001", school: school)
        #expect(found.of(.travellerProtection).isEmpty)
        let notices = found.of(.penaltyThreshold)
        #expect(notices.count == 2 && notices.allSatisfy { $0.action == .penaltyNotice })
        for n in notices {
            #expect(n.figures["attendances_12_months"] == Double(attended) && n.figures["traveller_protection_sessions"] == 200)
            #expect(n.reason.contains("below the 200"))
        }
    }

    @Test("Flowchart 2: '1 or 2 late arrivals in a week' a lateness warning letter; '3 or 4 late arrivals in a week' written warnings")
    func latenessWeek() throws {
        var b = Book(yearGroup: "3", through: Self.through)
        b.set("2025-11-10", .late, [.am])
        b.set("2025-11-11", .u, [.am])
        let school = { (b: Book) in [SeedScenario.Pupil(upn: "L002000000001", book: b)] }
        let one = SeedScenario.actions(policy, "2025-11-10", "L002000000001", school: school(b)).of(.lateness)
        #expect(one.map(\.rule) == ["lateness.weekly-1-2"] && one.first?.action == .letter)
        #expect(
            SeedScenario.actions(policy, "2025-11-11", "L002000000001", school: school(b)).of(.lateness).map(\.rule) == [
                "lateness.weekly-1-2"
            ])
        b.set("2025-11-12", .late, [.am])
        let three = SeedScenario.actions(policy, "2025-11-12", "L002000000001", school: school(b)).of(.lateness)
        #expect(three.map(\.rule) == ["lateness.weekly-3-4"] && three.first?.due == day("2025-11-12"))
        #expect(three.first?.reason.contains("3 late arrivals (L or U) this week") == true)
        b.set("2025-11-13", .late, [.am])
        b.set("2025-11-14", .late, [.am])
        #expect(
            SeedScenario.actions(policy, "2025-11-14", "L002000000001", school: school(b)).of(.lateness).map(\.rule) == [
                "lateness.weekly-3-4"
            ])
        #expect(SeedScenario.actions(policy, "2025-11-17", "L002000000001", school: school(b)).of(.lateness).isEmpty)
    }

    @Test("Flowchart 1: 'Upper 94 - 95.9%' and 'Lower 90 – 93.9%' RAG letters; 'Below 90 %' a letter warning of a half term's monitoring")
    func ragLetters() throws {
        // By 10 October: 60 sessions.
        var upper = Book(yearGroup: "3", through: Self.through)
        upper.set("2025-10-06", .i)
        upper.set("2025-10-07", .i, [.am])  // 57: 95.0%
        var lower = Book(yearGroup: "3", through: Self.through)
        lower.set(from: "2025-10-06", to: "2025-10-07", .i)  // 56: 93.3%
        var red = Book(yearGroup: "3", through: Self.through)
        red.set(from: "2025-10-06", to: "2025-10-08", .i)
        red.set("2025-10-09", .i, [.am])  // 53: 88.3%
        var green = Book(yearGroup: "3", through: Self.through)
        green.set("2025-10-06", .i)  // 58: 96.7%
        let school = [
            SeedScenario.Pupil(upn: "L002000000001", book: upper), .init(upn: "L002000000002", book: lower),
            .init(upn: "L002000000003", book: red), .init(upn: "L002000000004", book: green),
        ]
        let all = EvalTest.run(policy, "2025-10-10", school.map(\.facts)).of(.stageEntry)
        #expect(all.count == 3)
        func stage(_ upn: String) -> String? { all.first { $0.upn == upn }?.proposedStage }
        #expect(stage("L002000000001") == "stage-1")
        #expect(stage("L002000000002") == "stage-2")
        #expect(stage("L002000000003") == "stage-3")
        #expect(stage("L002000000004") == nil)
        // "Over the next half term": the one after the half term the rate fell below 90% in.
        #expect(all.first { $0.upn == "L002000000003" }?.reason.contains("Then monitor for 1 half term (to 19 December 2025).") == true)
    }

    @Test(
        "Flowchart 1: 'Upper or Lower Amber as appropriate': a pupil sent the upper-amber letter who falls to lower amber gets that letter")
    func upperThenLower() throws {
        var b = Book(yearGroup: "3", through: Self.through)
        b.set("2025-10-06", .i)
        b.set("2025-10-07", .i, [.am])  // 95% on 10 October
        b.set(from: "2025-11-03", to: "2025-11-04", .i)  // 83 of 90 by 7 November: 92.2%
        let school = [SeedScenario.Pupil(upn: "L002000000001", book: b)]
        let cw = ["L002000000001": Casework(stage: StageState(stage: "stage-1", entered: day("2025-10-13")))]
        #expect(SeedScenario.actions(policy, "2025-10-31", "L002000000001", school: school, casework: cw).of(.stageEntry).isEmpty)
        let a = try #require(
            SeedScenario.actions(policy, "2025-11-07", "L002000000001", school: school, casework: cw).of(.stageEntry).first)
        #expect(a.proposedStage == "stage-2" && a.reason.contains("(83 of 90 sessions)"))
    }

    @Test(
        "Flowchart 1: 'At the end of the half term monitoring period: If there is improvement ... continue monitoring. If there is no improvement, convene an Attendance Panel Meeting'"
    )
    func halfTermMonitoring() throws {
        // Red letter on Monday 13 October; monitored over the next half term, to Friday 19 December.
        let cw = Casework(stage: StageState(stage: "stage-3", entered: day("2025-10-13")))
        var improved = Book(yearGroup: "3", through: Self.through)
        improved.set(from: "2025-09-22", to: "2025-09-26", .i)
        var notImproved = improved
        notImproved.set(from: "2025-11-17", to: "2025-11-24", .o)
        let school = [SeedScenario.Pupil(upn: "L002000000001", book: improved), .init(upn: "L002000000002", book: notImproved)]
        let casework = ["L002000000001": cw, "L002000000002": cw]
        #expect(EvalTest.run(policy, "2025-12-18", school.map(\.facts), casework: casework).of(.stageReview).isEmpty)
        let reviews = EvalTest.run(policy, "2025-12-19", school.map(\.facts), casework: casework).of(.stageReview)
        let yes = try #require(reviews.first { $0.upn == "L002000000001" })
        let no = try #require(reviews.first { $0.upn == "L002000000002" })
        #expect(yes.due == day("2025-12-19") && yes.figures["improved"] == 1 && yes.proposedStage == nil)
        // "communicate and celebrate appropriately"
        #expect(yes.action == .letter && yes.letter == "congratulations-improvement")
        #expect(no.figures["improved"] == 0 && no.proposedStage == "stage-4" && no.action == .attendanceContract)
        #expect(no.figures["monitoring_half_terms"] == 1 && no.letter == "attendance-panel-invitation")
        #expect(no.reason.contains("(76 of 88 sessions)"))
    }

    @Test(
        "§5.1 deletion only after '20 days continuous unauthorised absence and both the local authority and school have tried to locate the pupil'"
    )
    func twentyDays() throws {
        var b = Book(yearGroup: "3", through: Self.through)
        b.set(from: "2025-11-03", to: "2025-11-28", .o)
        let school = [SeedScenario.Pupil(upn: "L002000000001", book: b)]
        let cw = ["L002000000001": Casework(lastFamilyContact: day("2025-11-03"))]
        #expect(SeedScenario.actions(policy, "2025-11-27", "L002000000001", school: school, casework: cw).of(.missingEducation).isEmpty)
        let a = try #require(
            SeedScenario.actions(policy, "2025-11-28", "L002000000001", school: school, casework: cw).of(.missingEducation).first)
        #expect(a.rule == "missing_education.continuous_unauthorised_school_days" && a.reason.contains("do not delete from the roll yet"))
        #expect(a.source.contains("20 days continuous unauthorised absence"))
    }
}

// MARK: - Seed 003: primary, illness evidence, unauthorised lates, warning notice first

@Suite("Seed 003 scenarios (Saltmarsh Lane: primary)")
struct Seed003Scenarios {
    let policy: Policy
    init() throws { policy = try SeedScenario.policy("003") }
    static let through = "2026-01-30"

    @Test(
        "Reactive 3: 'absent from school for illness on five consecutive days or more, on the fifth day the school will ask for evidence'")
    func fiveDays() throws {
        var b = Book(yearGroup: "4", through: Self.through)
        b.set(from: "2025-11-10", to: "2025-11-14", .i)
        let school = [SeedScenario.Pupil(upn: "P003000000001", book: b)]
        #expect(
            SeedScenario.actions(policy, "2025-11-13", "P003000000001", school: school).rule("illness_evidence.illness-5-consecutive-days")
                .isEmpty)
        let a = try #require(
            SeedScenario.actions(policy, "2025-11-14", "P003000000001", school: school)
                .rule("illness_evidence.illness-5-consecutive-days").first)
        #expect(a.due == day("2025-11-14") && a.action == .evidenceRequest && a.sessions.count == 10)
    }

    @Test(
        "Reactive 4: 'After 8 sessions, in any one term of illness' a Medical 1 letter; Reactive 5: '12 sessions (6 days) ... in an academic year' a Medical 2 letter"
    )
    func sessions() throws {
        var b = Book(yearGroup: "4", through: Self.through)
        for d in ["2025-09-15", "2025-10-08", "2025-11-19"] { b.set(d, .i) }
        let school = { (b: Book) in [SeedScenario.Pupil(upn: "P003000000001", book: b)] }
        #expect(SeedScenario.actions(policy, "2025-12-05", "P003000000001", school: school(b)).of(.illnessEvidence).isEmpty)
        b.set("2025-12-08", .i)
        let term = SeedScenario.actions(policy, "2025-12-08", "P003000000001", school: school(b)).of(.illnessEvidence)
        #expect(term.map(\.rule) == ["illness_evidence.illness-8-sessions-term"])
        #expect(term.first?.due == day("2025-12-08"))
        b.set(from: "2026-01-12", to: "2026-01-13", .i)
        let year = SeedScenario.actions(policy, "2026-01-13", "P003000000001", school: school(b)).of(.illnessEvidence)
        #expect(year.map(\.rule) == ["illness_evidence.illness-12-sessions-year"])
        #expect(year.first?.figures["sessions"] == 12)
    }

    @Test(
        "Punctuality: 'If there are more than 3 unauthorised lates, then a letter is sent'; lates before the register closes do not count")
    func unauthorisedLates() throws {
        var b = Book(yearGroup: "4", through: Self.through)
        for d in ["2025-09-09", "2025-09-23", "2025-10-14"] { b.set(d, .u, [.am]) }
        for d in ["2025-09-10", "2025-09-11", "2025-10-15"] { b.set(d, .late, [.am]) }
        let school = { (b: Book) in [SeedScenario.Pupil(upn: "P003000000001", book: b)] }
        #expect(SeedScenario.actions(policy, "2025-11-05", "P003000000001", school: school(b)).of(.lateness).isEmpty)
        b.set("2025-11-05", .u, [.am])
        let a = try #require(SeedScenario.actions(policy, "2025-11-05", "P003000000001", school: school(b)).of(.lateness).first)
        #expect(a.rule == "lateness.unauthorised-lates-term" && a.sessions.map(\.code) == ["U", "U", "U", "U"] && a.action == .letter)
    }

    @Test(
        "Reactive 1 and 3: 'A fixed penalty notice warning notice can be requested after 10 unauthorised sessions (5 days)'; a fine if absence does not improve"
    )
    func warningNoticeFirst() throws {
        var b = Book(yearGroup: "4", through: Self.through)
        b.set(from: "2025-11-10", to: "2025-11-14", .g)
        let school = { (b: Book) in [SeedScenario.Pupil(upn: "P003000000001", book: b)] }
        let warning = SeedScenario.actions(policy, "2025-11-14", "P003000000001", school: school(b)).of(.penaltyThreshold)
        #expect(warning.map(\.action) == [.noticeToImprove])
        #expect(warning.first?.reason.contains("improvement period of 6 school weeks") == true)
        let cw = [
            "P003000000001": Casework(notices: [NoticeRecord(parent: "Alex Carter", kind: .noticeToImprove, issued: day("2025-11-17"))])
        ]
        #expect(SeedScenario.actions(policy, "2025-11-21", "P003000000001", school: school(b), casework: cw).of(.penaltyThreshold).isEmpty)
        b.set(from: "2025-12-01", to: "2025-12-05", .o)
        let fine = SeedScenario.actions(policy, "2025-12-05", "P003000000001", school: school(b), casework: cw).of(.penaltyThreshold)
        #expect(fine.map(\.action) == [.penaltyNotice, .penaltyNotice])
    }

    @Test(
        "Proactive 6: contact 'where attendance has fallen below 90%'; Reactive 9: 'If a child's absence becomes severe (below 50%)' a referral to the Multi Agency Support Team"
    )
    func belowNinetyAndSevere() throws {
        var low = Book(yearGroup: "4", through: Self.through)
        low.set(from: "2025-09-29", to: "2025-10-02", .i)  // 86.7% on 10 October
        var severe = Book(yearGroup: "4", through: Self.through)
        severe.set(from: "2025-09-15", to: "2025-10-10", .o)  // 20 of 60: 33.3%
        let school = [SeedScenario.Pupil(upn: "P003000000001", book: low), .init(upn: "P003000000002", book: severe)]
        let first = try #require(SeedScenario.actions(policy, "2025-10-10", "P003000000001", school: school).of(.stageEntry).first)
        #expect(first.proposedStage == "stage-1" && first.action == .call)
        // Already in stage 1: the severe-absence referral still comes.
        let cw = ["P003000000002": Casework(stage: StageState(stage: "stage-1", entered: day("2025-09-19")))]
        let mast = try #require(
            SeedScenario.actions(policy, "2025-10-10", "P003000000002", school: school, casework: cw).of(.stageEntry).first)
        #expect(mast.proposedStage == "stage-4" && mast.action == .laReferral)
        #expect(mast.due == day("2025-09-29"))  // 20 of 42 sessions: 47.6% (on the 26th, 20 of 40: 50%)
    }
}

// MARK: - Seed 004: primary in a trust, 93% / 90% letters, 2 + 4 + 4 weeks to a penalty notice

@Suite("Seed 004 scenarios (Elderbrook: primary in a trust)")
struct Seed004Scenarios {
    let policy: Policy
    init() throws { policy = try SeedScenario.policy("004") }
    static let through = "2026-02-13"

    @Test(
        "'Legal Sanctions': 'Where the threshold has not been met in the case of persistent avoidance, for example, repeated absence for birthdays'"
    )
    func persistentAvoidance() throws {
        // Three birthdays below the threshold, then a notice: episodes before it count no more.
        var b = Book(through: Self.through)
        for d in ["2025-09-19", "2025-10-10", "2025-11-21"] { b.set(d, .o) }
        var over = Book(through: Self.through)
        for d in ["2025-11-03", "2025-11-10", "2025-11-17", "2025-11-24"] { over.set(d, .o) }
        over.set("2025-11-25", .o, [.am, .pm])
        let school = [SeedScenario.Pupil(upn: "W004000000001", book: b), .init(upn: "W004000000002", book: over)]
        let a = try #require(SeedScenario.actions(policy, "2025-11-21", "W004000000001", school: school).of(.repeatedAbsence).first)
        #expect(a.due == day("2025-11-21") && a.figures["episodes"] == 3 && a.figures["sessions"] == 6)
        #expect(a.source.contains("repeated absence for birthdays"))
        #expect(!a.action.isLegalStep)
        let noticed = [
            "W004000000001": Casework(notices: [NoticeRecord(parent: "Alex Carter", kind: .noticeToImprove, issued: day("2025-10-13"))])
        ]
        #expect(SeedScenario.actions(policy, "2025-11-21", "W004000000001", school: school, casework: noticed).of(.repeatedAbsence).isEmpty)
        // Five episodes making 10 sessions in 10 school weeks: the threshold rule, not this one.
        let met = SeedScenario.actions(policy, "2025-11-25", "W004000000002", school: school)
        #expect(!met.of(.penaltyThreshold).isEmpty)
        #expect(met.of(.repeatedAbsence).isEmpty)
    }

    @Test("Appendix 4: 'Any N codes without a suitable explanation after a week are recorded as an unauthorised absence'")
    func nAfterAWeek() throws {
        var b = Book(yearGroup: "2", through: Self.through)
        b.set("2025-11-03", .n, [.am])
        let school = [SeedScenario.Pupil(upn: "J004000000001", book: b)]
        #expect(SeedScenario.actions(policy, "2025-11-10", "J004000000001", school: school).of(.nToO).isEmpty)
        let a = try #require(SeedScenario.actions(policy, "2025-11-11", "J004000000001", school: school).of(.nToO).first)
        #expect(a.source.contains("after a week"))
    }

    @Test(
        "Appendix 5: 'falls below 93 percent, a letter'; Appendix 6: 'falls below 90 percent, a letter ... the attendance lead contacts the parents'"
    )
    func lettersAt93And90() throws {
        var b93 = Book(yearGroup: "2", through: Self.through)
        b93.set(from: "2025-10-06", to: "2025-10-07", .i)
        b93.set("2025-10-08", .i, [.am])  // 55/60: 91.7%
        var b90 = Book(yearGroup: "2", through: Self.through)
        b90.set(from: "2025-09-29", to: "2025-10-02", .i)  // 52/60: 86.7%
        let school = [SeedScenario.Pupil(upn: "J004000000001", book: b93), .init(upn: "J004000000002", book: b90)]
        let all = EvalTest.run(policy, "2025-10-10", school.map(\.facts)).of(.stageEntry)
        #expect(all.first { $0.upn == "J004000000001" }?.proposedStage == "stage-1")
        let pa = try #require(all.first { $0.upn == "J004000000002" })
        #expect(pa.proposedStage == "stage-2" && pa.action == .meeting)
        // A pupil sent the 93% letter who then falls below 90% gets the 90% letter too.
        var falls = b93
        falls.set(from: "2025-10-13", to: "2025-10-14", .i)
        let cw = ["J004000000001": Casework(stage: StageState(stage: "stage-1", entered: day("2025-10-10")))]
        let next = try #require(
            SeedScenario.actions(
                policy, "2025-10-14", "J004000000001", school: [.init(upn: "J004000000001", book: falls)],
                casework: cw
            ).of(.stageEntry).first)
        #expect(next.proposedStage == "stage-2")
    }

    @Test(
        "Appendix 7-8: 'monitored for two weeks': targets met, a letter to congratulate; not met, 'a meeting in school with the classroom teacher and set targets'"
    )
    func twoWeeks() throws {
        // Letter on Wednesday 15 October; two school weeks with half term skipped: Wednesday 5 November (20 sessions).
        let cw = Casework(stage: StageState(stage: "stage-1", entered: day("2025-10-15")))
        var met = Book(yearGroup: "2", through: Self.through)
        met.set("2025-10-22", .i, [.am])  // 19 of 20: 95%
        var notMet = Book(yearGroup: "2", through: Self.through)
        notMet.set("2025-10-22", .i)  // 18 of 20: 90%
        let school = [SeedScenario.Pupil(upn: "J004000000001", book: met), .init(upn: "J004000000002", book: notMet)]
        let casework = ["J004000000001": cw, "J004000000002": cw]
        let reviews = EvalTest.run(policy, "2025-11-05", school.map(\.facts), casework: casework).of(.stageReview)
        #expect(reviews.count == 2 && reviews.allSatisfy { $0.due == day("2025-11-05") })
        #expect(reviews.first { $0.upn == "J004000000001" }?.figures["improved"] == 1)
        let no = try #require(reviews.first { $0.upn == "J004000000002" })
        #expect(no.proposedStage == "stage-3" && no.action == .meeting && no.reason.contains("'meeting-to-set-targets' letter"))
    }

    @Test(
        "Appendix 9: 'A four-week monitoring period' under a parental contract, 'a final written warning', then 'If there is no improvement after an additional four weeks, a fixed-penalty notice'"
    )
    func contractToPenalty() throws {
        var b = Book(yearGroup: "2", through: Self.through)
        b.set(from: "2025-11-24", to: "2025-11-25", .o)
        b.set(from: "2026-01-19", to: "2026-01-20", .o)
        let school = [SeedScenario.Pupil(upn: "J004000000001", book: b)]
        // Contract from Monday 10 November: 4 school weeks, to Monday 8 December.
        let s4 = ["J004000000001": Casework(stage: StageState(stage: "stage-4", entered: day("2025-11-10")))]
        let r4 = try #require(
            SeedScenario.actions(policy, "2025-12-08", "J004000000001", school: school, casework: s4).of(.stageReview).first)
        #expect(r4.proposedStage == "stage-5" && r4.action == .letter && r4.reason.contains("'final-written-warning' letter"))
        // Final warning on Tuesday 9 December: 4 school weeks with Christmas skipped, to Tuesday 20 January.
        let s5 = ["J004000000001": Casework(stage: StageState(stage: "stage-5", entered: day("2025-12-09")))]
        #expect(SeedScenario.actions(policy, "2026-01-19", "J004000000001", school: school, casework: s5).of(.stageReview).isEmpty)
        let r5 = try #require(
            SeedScenario.actions(policy, "2026-01-20", "J004000000001", school: school, casework: s5).of(.stageReview).first)
        // The last stage's penalty notice passes the national test like any other: 8 sessions of O in the 10 school
        // weeks is below 10, so no notice on the attendance rate alone.
        #expect(r5.proposedStage == "stage-6" && r5.action == .review)
        #expect(r5.reason.contains("the national test is not met: 8 sessions of G, N, O or U in the last 10 school weeks, below 10"))
        #expect(SeedScenario.actions(policy, "2026-01-20", "J004000000001", school: school, casework: s5).of(.penaltyThreshold).isEmpty)
        // Two more sessions of O: the test is met; the stage still proposes a review, and the notices come from the
        // threshold rule, one per parent with parental responsibility.
        var more = b
        more.set("2026-01-14", .o)
        let school10 = [SeedScenario.Pupil(upn: "J004000000001", book: more)]
        let met = SeedScenario.actions(policy, "2026-01-20", "J004000000001", school: school10, casework: s5)
        let r5met = try #require(met.of(.stageReview).first)
        #expect(r5met.action == .review && r5met.reason.contains("the national test is met (10 sessions"))
        #expect(met.of(.penaltyThreshold).filter { $0.action == .penaltyNotice }.compactMap(\.parent) == ["Alex Carter", "Sam Carter"])
    }

    @Test(
        "Absence procedures: 'not returned to school for 10 days after an authorised absence, or ... without authorisation for 20 consecutive school days, the school contact the LA'"
    )
    func tenAndTwenty() throws {
        var leave = Book(yearGroup: "2", through: Self.through)
        leave.set(from: "2025-11-03", to: "2025-11-07", .c)
        leave.set(from: "2025-11-10", to: "2025-11-21", .n)
        var away = Book(yearGroup: "2", through: Self.through)
        away.set(from: "2025-11-03", to: "2025-12-01", .g)
        let school = [SeedScenario.Pupil(upn: "J004000000001", book: leave), .init(upn: "J004000000002", book: away)]
        let cw = [
            "J004000000001": Casework(lastFamilyContact: day("2025-11-12"), leaveEnded: day("2025-11-07")),
            "J004000000002": Casework(lastFamilyContact: day("2025-11-03")),
        ]
        let rule10 = "missing_education.not_back_after_leave_school_days"
        let rule20 = "missing_education.continuous_unauthorised_school_days"
        #expect(SeedScenario.actions(policy, "2025-11-20", "J004000000001", school: school, casework: cw).rule(rule10).isEmpty)
        #expect(
            SeedScenario.actions(policy, "2025-11-21", "J004000000001", school: school, casework: cw).rule(rule10).first?.due
                == day("2025-11-21"))
        #expect(SeedScenario.actions(policy, "2025-11-27", "J004000000002", school: school, casework: cw).rule(rule20).isEmpty)
        let a = try #require(SeedScenario.actions(policy, "2025-11-28", "J004000000002", school: school, casework: cw).rule(rule20).first)
        #expect(a.source.contains("20 consecutive school days"))
    }

    @Test("SEND and health: 'Inform the LA if a pupil is likely to be away from the school for more than 15 school days'")
    func longIllness() throws {
        var b = Book(yearGroup: "2", through: Self.through)
        b.set(from: "2025-11-03", to: "2025-11-28", .i)
        let school = [SeedScenario.Pupil(upn: "J004000000001", book: b)]
        #expect(SeedScenario.actions(policy, "2025-11-21", "J004000000001", school: school).of(.informLA).isEmpty)
        let a = try #require(SeedScenario.actions(policy, "2025-11-24", "J004000000001", school: school).of(.informLA).first)
        #expect(a.figures["school_days"] == 16 && a.action == .informLA)
    }

    @Test(
        "Legal sanctions: '10 sessions (5 days) of unauthorised absence ... within any 10-school-week period that may span different terms'; £160, £80 within 21 days; a second £160; no third"
    )
    func penaltyAcrossChristmas() throws {
        var b = Book(yearGroup: "2", through: Self.through)
        b.set(from: "2025-12-15", to: "2025-12-17", .g)  // 6 sessions before Christmas
        b.set(from: "2026-01-05", to: "2026-01-06", .g)  // 4 after
        let school = [SeedScenario.Pupil(upn: "J004000000001", book: b)]
        let cw = ["J004000000001": Casework(notices: [NoticeRecord(parent: "Sam Carter", kind: .penaltyNotice, issued: day("2024-01-15"))])]
        #expect(SeedScenario.actions(policy, "2026-01-05", "J004000000001", school: school, casework: cw).of(.penaltyThreshold).isEmpty)
        let actions = SeedScenario.actions(policy, "2026-01-06", "J004000000001", school: school, casework: cw).of(.penaltyThreshold)
            .filter { $0.action != .noticeToImprove }
        #expect(actions.count == 2 && actions.allSatisfy { $0.sessions.count == 10 && $0.sessions.first?.date == day("2025-12-15") })
        #expect(actions.map { $0.figures["notice_number"] } == [1, 2])
        #expect(actions.map { $0.figures["reduced_amount_gbp"] } == [80, nil])
    }
}
