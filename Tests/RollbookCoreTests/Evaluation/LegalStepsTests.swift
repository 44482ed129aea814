import Foundation
import RollbookDemo
import Testing

@testable import RollbookCore

private func day(_ s: String) -> LocalDate { EvalTest.day(s) }
private typealias Book = EvalTest.Book

/// 12 sessions of O in 10 school weeks: 10 from Monday 10 to Friday 14 November 2025, 2 on Monday 17 November.
private func twelveUnauthorised(yearGroup: String) -> Book {
    var b = Book(yearGroup: yearGroup, through: "2025-11-21")
    b.set(from: "2025-11-10", to: "2025-11-14", .o)
    b.set("2025-11-17", .o)
    return b
}

private func policy(_ use: Policy.NoticeToImproveUse = .discretionary, stages: Bool = false) -> Policy {
    var p = stages ? Policy.standard(name: "Test policy") : EvalTest.quiet()
    p.penaltyNotice = .init(noticeToImprove: use, improvementSchoolWeeks: use == .never ? nil : 4)
    return p
}

@Suite("Legal steps: compulsory school age (RULES.md; seeds 000 §6.5.7.1, 002 §2.5, 004 'Legal Sanctions')")
struct CompulsorySchoolAgeLegalStepsTests {
    // Reception, born 10 January 2021: 5 on 10 January 2026, of compulsory school age from 31 March 2026.
    // Year 12, born 1 February 2009: turned 16 in 2024/25, so compulsory school age ended on Friday 27 June 2025.
    // Year 3, born 3 March 2018: of compulsory school age throughout.
    static let reception = ("R000000000001", "2021-01-10", "R")
    static let year12 = ("T000000000012", "2009-02-01", "12")
    static let year3 = ("C000000000003", "2018-03-03", "3")

    @Test(
        "a Reception pupil under 5 and a Year 12 pupil over 16 with 12 unauthorised sessions in 10 school weeks get no penalty notice and no Notice to Improve; a Year 3 pupil with the same marks gets them"
    )
    func scenario() throws {
        let pupils = [Self.reception, Self.year12, Self.year3].map { upn, dob, year in
            twelveUnauthorised(yearGroup: year).facts(upn, dateOfBirth: dob)
        }
        for use in Policy.NoticeToImproveUse.allCases {
            let actions = EvalTest.run(policy(use, stages: true), "2025-11-21", pupils)
            let legal = actions.filter { $0.kind == .penaltyThreshold || $0.action.isLegalStep }
            #expect(Set(legal.map(\.upn)) == [Self.year3.0], "\(use)")
            switch use {
            case .always: #expect(legal.map(\.action) == [.noticeToImprove])
            case .discretionary: #expect(legal.map(\.action) == [.noticeToImprove, .penaltyNotice, .penaltyNotice])
            case .never: #expect(legal.map(\.action) == [.penaltyNotice, .penaltyNotice])
            }
        }
    }

    @Test("stage letters, meetings and day-1 contact still apply below compulsory school age, and say why legal steps are not")
    func stillSupported() throws {
        var b = twelveUnauthorised(yearGroup: "R")
        b.set("2025-11-21", .n)
        let actions = EvalTest.run(policy(stages: true), "2025-11-21", [b.facts(Self.reception.0, dateOfBirth: Self.reception.1)])
        #expect(actions.of(.dayOneContact).count == 1)
        let entry = try #require(actions.of(.stageEntry).first)
        #expect(entry.action == .letter)
        #expect(
            entry.reason.contains("not yet of compulsory school age on 21 November 2025 (born 10 January 2021; it starts on 31 March 2026"))
        #expect(
            entry.reason.contains(
                "legal steps (Notice to Improve, penalty notice, prosecution (s444), education supervision order, school attendance order) are not available"
            ))
        let older = EvalTest.run(
            policy(stages: true), "2025-11-21", [twelveUnauthorised(yearGroup: "12").facts(Self.year12.0, dateOfBirth: Self.year12.1)])
        #expect(
            older.of(.stageEntry).first?.reason.contains(
                "no longer of compulsory school age on 21 November 2025 (born 1 February 2009; it ended on 27 June 2025") == true)
    }

    @Test("only sessions on which the pupil was of compulsory school age count towards the threshold")
    func onlySessionsOfAge() throws {
        // Born 10 October 2020: of compulsory school age from 31 December 2025. 8 sessions of O before, 4 after.
        var b = Book(yearGroup: "R", through: "2026-01-09")
        b.set(from: "2025-12-15", to: "2025-12-18", .o)
        b.set(from: "2026-01-05", to: "2026-01-06", .o)
        let f = b.facts("R000000000002", dateOfBirth: "2020-10-10")
        #expect(EvalTest.run(policy(.never), "2026-01-09", [f]).of(.penaltyThreshold).isEmpty)
        // Three more days after the prescribed day: 4 + 6 = 10 sessions of age.
        b.set(from: "2026-01-07", to: "2026-01-09", .o)
        let a = try #require(
            EvalTest.run(policy(.never), "2026-01-09", [b.facts("R000000000002", dateOfBirth: "2020-10-10")]).of(.penaltyThreshold).first)
        #expect(a.due == day("2026-01-09") && a.sessions.count == 10 && a.sessions.allSatisfy { $0.date >= day("2025-12-31") })
    }

    @Test("a stage whose step is a penalty notice proposes no notice for a pupil not of compulsory school age (the root guard)")
    func stageGuard() throws {
        var p = policy(.never)
        p.stages = [Policy.Stage(id: "fpn", name: "Fixed penalty notice", below: 0.95, action: .penaltyNotice, directEntry: true)]
        let actions = EvalTest.run(
            p, "2025-11-21", [twelveUnauthorised(yearGroup: "R").facts(Self.reception.0, dateOfBirth: Self.reception.1)])
        #expect(actions.allSatisfy { !$0.action.isLegalStep && $0.kind != .penaltyThreshold })
        #expect(actions.of(.stageEntry).first?.action == .review)
    }
}

@Suite("Legal steps: the penalty-notice threshold (Education (Penalty Notices) (England) (Amendment) Regulations 2024)")
struct PenaltyThresholdDueTests {
    @Test(
        "due is the first school day the count reached 10; the window cited is the one that reached it, and does not move when the count rises"
    )
    func dueIsFirstDay() throws {
        var b = Book(through: "2025-12-05")
        b.set("2025-10-01", .g)  // 2 sessions
        b.set(from: "2025-11-11", to: "2025-11-14", .o)  // 8 more: the 10th on Friday 14 November
        b.set(from: "2025-12-01", to: "2025-12-02", .n)  // 4 more later
        let earlier = try #require(EvalTest.run(policy(.never), "2025-11-14", b).of(.penaltyThreshold).first)
        let a = try #require(EvalTest.run(policy(.never), "2025-12-05", b).of(.penaltyThreshold).first)
        #expect(a.due == day("2025-11-14") && a.key == earlier.key)
        #expect(try #require(a.sessions.first).date <= a.due && a.sessions.last?.date == a.due)
        #expect(a.sessions == earlier.sessions && a.sessions.count == 10)
        #expect(a.figures["sessions"] == 10 && a.figures["sessions_now"] == 14)
        #expect(a.reason.contains("in the 10 school weeks from 1 September 2025 to 14 November 2025:"))  // half term left out
        #expect(a.reason.contains("the threshold of 10 was reached on 14 November 2025"))
        #expect(a.reason.contains("Since then the count has risen: 14 in the 10 school weeks to 5 December 2025"))
    }

    @Test("with `discretionary` the worklist offers both routes; recording a Notice to Improve closes both")
    func discretionary() throws {
        let b = twelveUnauthorised(yearGroup: "5")
        let both = EvalTest.run(policy(.discretionary), "2025-11-21", b).of(.penaltyThreshold)
        #expect(both.map(\.action) == [.noticeToImprove, .penaltyNotice, .penaltyNotice])
        #expect(both[0].reason.contains("a Notice to Improve, or a penalty notice to each parent"))
        let nti = Casework(notices: [NoticeRecord(parent: "", kind: .noticeToImprove, issued: day("2025-11-21"))])
        #expect(EvalTest.run(policy(.discretionary), "2025-11-24", b, casework: nti).of(.penaltyThreshold).isEmpty)
    }

    @Test("one parent's notice does not take the other parent's proposal away: each liable parent gets their own")
    func perParent() throws {
        let b = twelveUnauthorised(yearGroup: "5")
        let cw = Casework(notices: [NoticeRecord(parent: "Alex Carter", kind: .penaltyNotice, issued: day("2025-11-24"))])
        let left = EvalTest.run(policy(.never), "2025-11-24", b, casework: cw).of(.penaltyThreshold)
        #expect(left.compactMap(\.parent) == ["Sam Carter"])
    }

    @Test("the end of the improvement period raises a review: not improved when there was more unauthorised absence")
    func improvementReview() throws {
        var b = Book(through: "2026-01-09")
        b.set("2025-12-02", .o, [.am])
        let cw = Casework(notices: [NoticeRecord(parent: "", kind: .noticeToImprove, issued: day("2025-11-24"))])
        // 4 school weeks from Monday 24 November, Christmas skipped: Monday 5 January 2026.
        #expect(EvalTest.run(policy(.always), "2026-01-02", b, casework: cw).of(.noticeToImproveReview).isEmpty)
        let r = try #require(EvalTest.run(policy(.always), "2026-01-05", b, casework: cw).of(.noticeToImproveReview).first)
        #expect(r.due == day("2026-01-05") && r.figures["improved"] == 0 && r.figures["unauthorised_sessions"] == 1)
        #expect(r.action == .review && r.reason.contains("Not improved"))
        var clean = Book(through: "2026-01-09")
        clean.set("2025-12-02", .i, [.am])
        #expect(EvalTest.run(policy(.always), "2026-01-05", clean, casework: cw).of(.noticeToImproveReview).first?.figures["improved"] == 1)
    }

    @Test("a penalty notice not recorded as paid by day 28 raises a follow-up: the LA decides whether to prosecute")
    func unpaid() throws {
        let b = Book(through: "2025-12-05")
        let issued = NoticeRecord(parent: "Alex Carter", kind: .penaltyNotice, issued: day("2025-11-03"))
        #expect(EvalTest.run(policy(.never), "2025-12-01", b, casework: Casework(notices: [issued])).of(.penaltyNoticeUnpaid).isEmpty)
        let f = try #require(
            EvalTest.run(policy(.never), "2025-12-02", b, casework: Casework(notices: [issued])).of(.penaltyNoticeUnpaid).first)
        #expect(f.due == day("2025-12-02") && f.reason.contains("the LA, which decides whether to prosecute"))
        var paid = issued
        paid.paidWithin21Days = true
        #expect(EvalTest.run(policy(.never), "2025-12-02", b, casework: Casework(notices: [paid])).of(.penaltyNoticeUnpaid).isEmpty)
    }

    @Test("the 3-year limit counts notices recorded at another school of the deployment (seed 000 §6.5.7.4)")
    func acrossSchools() throws {
        let b = twelveUnauthorised(yearGroup: "5")
        let cw = Casework(notices: [
            NoticeRecord(parent: "Alex Carter", kind: .penaltyNotice, issued: day("2024-05-01"), recordedAt: "Ashgrove Primary"),
            NoticeRecord(parent: "Alex Carter", kind: .penaltyNotice, issued: day("2025-01-20"), recordedAt: "Ashgrove Primary"),
        ])
        let alex = try #require(
            EvalTest.run(policy(.never), "2025-11-21", b, casework: cw).of(.penaltyThreshold).first { $0.parent == "Alex Carter" })
        #expect(alex.action == .laReferral && alex.figures["previous_notices"] == 2)
        #expect(alex.reason.contains("recorded at Ashgrove Primary as well as here"))
        // Follow-ups are for this school's own notices only.
        #expect(EvalTest.run(policy(.never), "2025-11-21", b, casework: cw).of(.penaltyNoticeUnpaid).isEmpty)
    }

    @Test("policy files: notice_to_improve is always, discretionary or never; the older notice_to_improve_first still reads")
    func setting() throws {
        var json = String(decoding: PolicyFile.encode(policy(.discretionary)), as: UTF8.self)
        #expect(json.contains(#""notice_to_improve" : "discretionary""#) && !json.contains("notice_to_improve_first"))
        json = json.replacingOccurrences(of: #""notice_to_improve" : "discretionary""#, with: #""notice_to_improve_first" : true"#)
        #expect(try PolicyFile.decode(Data(json.utf8)).penaltyNotice.noticeToImprove == .always)
        var bad = policy(.always)
        bad.penaltyNotice.improvementSchoolWeeks = nil
        #expect(
            throws: ValidationError(
                field: "penalty_notice.improvement_school_weeks",
                reason: "needed when notice_to_improve is always: the Notice to Improve's improvement period")
        ) { try bad.validate() }
    }
}

@Suite("Legal steps on the demo schools")
struct DemoLegalStepsTests {
    @Test(
        "the demo primary and secondary: no legal step for any pupil outside compulsory school age, and every penalty action's window is the one that reached the threshold on its due day",
        arguments: DemoOptions.Phase.allCases)
    func demo(_ phase: DemoOptions.Phase) {
        let asOf = day("2026-12-06")
        let school = Demo.generate(DemoOptions(phase: phase, through: asOf))
        let pupils = school.pupils.map { p in
            PupilFacts(
                upn: p.record.upn, name: p.record.displayName, dateOfBirth: p.record.dateOfBirth,
                enrolment: Enrolment(
                    startingDay: p.record.startingDay, leavingDay: p.record.leavingDay,
                    yearGroup: p.record.yearGroup, yearGroupYear: AcademicYear(containing: school.through)),
                codes: p.marks, contacts: p.record.contacts)
        }
        let dob = Dictionary(uniqueKeysWithValues: school.pupils.map { ($0.record.upn, $0.record.dateOfBirth) })
        var policy = Policy.standard()
        policy.penaltyNotice = .init(noticeToImprove: .discretionary, improvementSchoolWeeks: 4)
        let actions = Evaluation.run(
            policy: policy, calendar: SchoolCalendar(entries: school.calendar), asOf: asOf, pupils: pupils, casework: [:])
        let legal = actions.filter { $0.kind == .penaltyThreshold || $0.action.isLegalStep }
        #expect(!legal.isEmpty)
        for a in legal {
            #expect(CompulsorySchoolAge.isOfCompulsorySchoolAge(dateOfBirth: dob[a.upn]!, on: asOf), "\(a.upn)")
            #expect(a.sessions.first.map { $0.date <= a.due } == true && a.sessions.last.map { $0.date <= a.due } == true, "\(a.key)")
            // The session that reached the threshold is on the due day, unless the episode began before the days read.
            if !a.reason.contains("had been reached by") { #expect(a.sessions.last?.date == a.due, "\(a.key)") }
        }
        if phase == .primary {
            // The demo primary has Reception pupils under 5 whose attendance would otherwise cross the threshold.
            let young = pupils.filter { !CompulsorySchoolAge.isOfCompulsorySchoolAge(dateOfBirth: $0.dateOfBirth, on: asOf) }
            #expect(actions.contains { a in young.contains { $0.upn == a.upn } && a.reason.contains("not yet of compulsory school age") })
        }
    }
}
