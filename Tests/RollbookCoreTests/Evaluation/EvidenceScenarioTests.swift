import Foundation
import Testing

@testable import RollbookCore

// Evidence deadlines on a synthetic autumn term (2025/26; half term 27-31 October), under the example policies. The
// pupil is Year 5, present at every session unless a test says otherwise.

private func day(_ s: String) -> LocalDate { EvalTest.day(s) }
private typealias Book = EvalTest.Book
private let upn = "A100000000001"

/// Both sessions of each school day from `from` through `to` (weekends and holidays left out).
private func slots(_ from: String, _ to: String) -> [SessionSlot] {
    var out: [SessionSlot] = []
    var d = day(from)
    while d <= day(to) {
        if EvalTest.calendar.isSchoolDay(d) { out += [SessionSlot(date: d, session: .am), SessionSlot(date: d, session: .pm)] }
        d = d.adding(days: 1)
    }
    return out
}

private func refs(_ s: [SessionSlot], _ code: String) -> [SessionRef] {
    s.map { SessionRef(date: $0.date, session: $0.session, code: code) }
}

/// The actions of the evidence machinery (and the LA report it raises).
private func evidence(_ a: [DueAction]) -> [DueAction] {
    a.filter { [.evidenceReminder, .evidenceDeadline, .medicalUnauthorised, .informLA].contains($0.kind) }
}

@Suite("Evaluation: evidence deadlines")
struct EvidenceScenarioTests {
    static let illnessRule = "illness_evidence.illness-5-consecutive-days"

    @Test(
        "seed 003 Reactive 3: 'If evidence is not made available ... recorded as unauthorised and ... report this to the School Attendance Team'"
    )
    func seed003Reactive3() throws {
        let p = try SeedScenario.policy("003")
        var b = Book(through: "2025-11-28")
        b.set(from: "2025-11-03", to: "2025-11-07", .i)
        // The rule asks on the fifth day; staff send the request that day and the server records it.
        let ask = try #require(EvalTest.run(p, "2025-11-07", b).rule(Self.illnessRule).first)
        #expect(ask.key == "illness_evidence|\(upn)|\(Self.illnessRule)|2025-11-03")
        #expect(ask.due == day("2025-11-07"))
        let sent = EvidenceRequestRecord(raised: day("2025-11-07"), sessions: slots("2025-11-03", "2025-11-07"), rule: Self.illnessRule)
        var cw = Casework(
            done: [ask.key, "illness_evidence|\(upn)|illness_evidence.illness-8-sessions-term|2025-11-03"], evidenceRequests: [sent])

        // 5 school days: the deadline is Friday 14 November; the parents are told 2 school days before, on 12 November.
        #expect(evidence(EvalTest.run(p, "2025-11-11", b, casework: cw)).isEmpty)
        let remind = try #require(evidence(EvalTest.run(p, "2025-11-12", b, casework: cw)).first)
        #expect(remind.kind == .evidenceReminder)
        #expect(remind.due == day("2025-11-12"))
        #expect(remind.action == .letter)
        #expect(remind.letter == "evidence-reminder")
        #expect(remind.rule == "evidence.tell_parents_school_days_before")
        #expect(remind.source.contains("without such evidence these absences will remain unauthorised"))
        #expect(remind.sessions == refs(sent.sessions, "I"))
        #expect(
            remind.figures == [
                "sessions": 10, "requested_sessions": 10, "evidence_sessions": 0, "deadline_school_days": 5,
                "tell_parents_school_days_before": 2,
            ])
        #expect(
            remind.key == "evidence_reminder|\(upn)|evidence.tell_parents_school_days_before|2025-11-07|\(Self.illnessRule)|2025-11-03-am")
        #expect(remind.reason.contains("is due by 14 November 2025"))
        cw.done.insert(remind.key)

        // Still in time on the deadline day; the next school day, Monday 17 November: amend to O and report to the LA.
        #expect(evidence(EvalTest.run(p, "2025-11-14", b, casework: cw)).isEmpty)
        // Evidence came for Monday and Tuesday: only the other 6 sessions are amended.
        cw.evidenceReceived = Set(slots("2025-11-03", "2025-11-04"))
        let due = evidence(EvalTest.run(p, "2025-11-17", b, casework: cw))
        // Same day: the worklist puts inform_la (an older kind) first.
        #expect(due.map(\.kind) == [.informLA, .evidenceDeadline])
        let amend = due[1]
        let owed = refs(slots("2025-11-05", "2025-11-07"), "I")
        #expect(amend.due == day("2025-11-17"))
        #expect(amend.sessions == owed)
        #expect(amend.rule == "evidence.deadline_school_days")
        #expect(amend.action == .review)
        #expect(
            amend.amendment
                == ProposedAmendment(
                    code: "O", reason: "No evidence received by 14 November 2025 (asked for on 7 November 2025): becomes O; \(p.name)"))
        #expect(
            amend.figures == ["sessions": 6, "requested_sessions": 10, "evidence_sessions": 4, "deadline_school_days": 5, "amend_to_o": 1])
        #expect(amend.key == "evidence_deadline|\(upn)|evidence.deadline_school_days|2025-11-07|\(Self.illnessRule)|2025-11-03-am")
        #expect(amend.reason.contains("The parents were told in advance."))
        let la = due[0]
        #expect(la.action == .informLA)
        #expect(la.rule == "evidence.report_to_la")
        #expect(la.source.contains("report this to the School Attendance Team"))
        #expect(la.sessions == owed)
        #expect(la.due == day("2025-11-17"))
        #expect(la.key == "inform_la|\(upn)|evidence.report_to_la|2025-11-07|\(Self.illnessRule)|2025-11-03-am")

        // Once amended to O the sessions are no longer owed: nothing new (the worklist keeps the actions by key).
        b.set(from: "2025-11-05", to: "2025-11-07", .o)
        #expect(evidence(EvalTest.run(p, "2025-11-17", b, casework: cw)).isEmpty)
    }

    @Test("seed 000 §5.2.6: 'recorded as unauthorised and parents/carers will be notified of this in advance'")
    func seed000NotifiedInAdvance() throws {
        let p = try SeedScenario.policy("000")
        var b = Book(yearGroup: "9", through: "2025-12-19")
        b.set("2025-11-04", .i)
        // By hand, where the illness is in doubt (§5.2.5).
        let sent = EvidenceRequestRecord(
            raised: day("2025-11-05"), sessions: slots("2025-11-04", "2025-11-04"), rule: EvidenceRequestRecord.byHand)
        let cw = Casework(evidenceRequests: [sent])
        // 10 school days: deadline Wednesday 19 November; the reminder 3 school days before, Friday 14 November.
        #expect(evidence(EvalTest.run(p, "2025-11-13", b, casework: cw)).isEmpty)
        // Long past the deadline, the reminder not yet sent: still only the reminder, overdue. Never O first.
        let late = evidence(EvalTest.run(p, "2025-12-01", b, casework: cw))
        #expect(late.map(\.kind) == [.evidenceReminder])
        #expect(late[0].due == day("2025-11-14"))
        #expect(late[0].reason.contains("asked for by hand on 5 November 2025 is due by 19 November 2025"))
        var told = cw
        told.done.insert(late[0].key)
        #expect(evidence(EvalTest.run(p, "2025-11-19", b, casework: told)).isEmpty)
        let amend = try #require(evidence(EvalTest.run(p, "2025-11-20", b, casework: told)).first)
        #expect(amend.kind == .evidenceDeadline)
        #expect(amend.due == day("2025-11-20"))
        #expect(amend.sessions == refs(sent.sessions, "I"))
        #expect(amend.amendment?.code == "O")
        #expect(amend.key == "evidence_deadline|\(upn)|evidence.deadline_school_days|2025-11-05|evidence.by_hand|2025-11-04-am")
        // Seed 000 does not report to the LA.
        #expect(evidence(EvalTest.run(p, "2025-11-20", b, casework: told)).count == 1)
    }

    @Test("seed 004 'reserves the right to request supporting evidence': one upload satisfies every open request for those sessions")
    func seed004EvidenceSatisfiesEveryRequest() throws {
        let p = try SeedScenario.policy("004")
        var b = Book(through: "2025-12-19")
        b.set(from: "2025-11-03", to: "2025-11-04", .i)
        let byRule = EvidenceRequestRecord(
            raised: day("2025-11-04"), sessions: slots("2025-11-03", "2025-11-04"), rule: "illness_evidence.x")
        let byHand = EvidenceRequestRecord(
            raised: day("2025-11-04"), sessions: slots("2025-11-04", "2025-11-04"), rule: EvidenceRequestRecord.byHand)
        var cw = Casework(evidenceRequests: [byRule, byHand])
        let reminders = evidence(EvalTest.run(p, "2025-11-14", b, casework: cw))
        #expect(reminders.map(\.kind) == [.evidenceReminder, .evidenceReminder])
        cw.done.formUnion(reminders.map(\.key))
        // Deadline: 10 school days after 4 November is 18 November. Evidence for Tuesday satisfies both requests.
        cw.evidenceReceived = Set(slots("2025-11-04", "2025-11-04"))
        let due = evidence(EvalTest.run(p, "2025-11-19", b, casework: cw))
        #expect(due.map(\.kind) == [.evidenceDeadline])
        #expect(due[0].sessions == refs(slots("2025-11-03", "2025-11-03"), "I"))
        #expect(due[0].key == "evidence_deadline|\(upn)|evidence.deadline_school_days|2025-11-04|illness_evidence.x|2025-11-03-am")
        #expect(due[0].figures["evidence_sessions"] == 2)
        // Evidence for Monday too: nothing owed.
        cw.evidenceReceived.formUnion(slots("2025-11-03", "2025-11-03"))
        #expect(evidence(EvalTest.run(p, "2025-11-19", b, casework: cw)).isEmpty)
    }

    @Test("seed 003 Reactive 15: 'up to 1 period of 3 days absence for D&V will be authorised without evidence', once a year")
    func seed003DAndV() throws {
        let p = try SeedScenario.policy("003")
        var b = Book(through: "2025-12-19")
        b.set(from: "2025-11-03", to: "2025-11-07", .i)
        let illness = "illness_evidence.illness-5-consecutive-days"
        let term = "illness_evidence.illness-8-sessions-term"
        // Without reasons: 10 sessions in the term (the 8th on Thursday) and 5 consecutive days both ask for evidence.
        #expect(EvalTest.run(p, "2025-11-07", b).of(.illnessEvidence).map(\.rule) == [term, illness])
        // Monday to Wednesday were D&V: the allowance covers them, leaving 2 days and 4 sessions.
        var reasons: [SessionSlot: String] = [:]
        for s in slots("2025-11-03", "2025-11-05") { reasons[s] = "Sickness (d&v)" }
        for s in slots("2025-11-06", "2025-11-07") { reasons[s] = "Cold" }
        var cw = Casework(illnessReasons: reasons)
        #expect(EvalTest.run(p, "2025-11-07", b, casework: cw).of(.illnessEvidence).isEmpty)
        // A request covering the week leaves the D&V days out of its deadline too.
        cw.evidenceRequests = [
            .init(raised: day("2025-11-07"), sessions: slots("2025-11-03", "2025-11-07"), rule: EvidenceRequestRecord.byHand)
        ]
        let remind = try #require(evidence(EvalTest.run(p, "2025-11-12", b, casework: cw)).first)
        #expect(remind.sessions == refs(slots("2025-11-06", "2025-11-07"), "I"))
        cw.evidenceRequests = []

        // The second D&V period of the year is not covered: 5 more days of D&V in December ask for evidence.
        b.set(from: "2025-12-01", to: "2025-12-05", .i)
        for s in slots("2025-12-01", "2025-12-05") { cw.illnessReasons[s] = "D&V" }
        let second = EvalTest.run(p, "2025-12-05", b, casework: cw).of(.illnessEvidence)
        let run = try #require(second.first { $0.rule == illness })
        #expect(run.due == day("2025-12-05"))
        #expect(run.figures == ["school_days": 5, "count": 5])
        #expect(run.key == "illness_evidence|\(upn)|\(illness)|2025-12-01")
        // Sessions in the term: 10 in December plus 4 in November (the covered 6 left out).
        let counted = try #require(second.first { $0.rule == term })
        #expect(counted.figures["sessions"] == 14)
        #expect(counted.letter == "medical-1")
        #expect(counted.due == day("2025-12-02"))
        #expect(counted.sessions.count == 14)
        #expect(counted.sessions.first?.date == day("2025-11-06"))
    }

    @Test(
        "seed 004 medical appointments: 'approval ... in advance' and 'evidence ... otherwise the absence will be marked as unauthorised'")
    func seed004Medical() throws {
        let p = try SeedScenario.policy("004")
        var b = Book(through: "2025-12-19")
        b.set("2025-11-04", .m, [.am])
        let am = SessionSlot(date: day("2025-11-04"), session: .am)
        // Not reported before the day: M becomes O, due that day.
        let now = evidence(EvalTest.run(p, "2025-11-04", b))
        #expect(now.map(\.kind) == [.medicalUnauthorised])
        let a = now[0]
        #expect(a.due == day("2025-11-04"))
        #expect(a.sessions == [SessionRef(date: day("2025-11-04"), session: .am, code: "M")])
        #expect(a.rule == "evidence.medical_appointments")
        #expect(a.source.contains("as far in advance as is practicable"))
        #expect(a.amendment == ProposedAmendment(code: "O", reason: "Medical appointment not notified in advance: becomes O; \(p.name)"))
        #expect(a.key == "medical_unauthorised|\(upn)|evidence.medical_appointments|2025-11-04|no-notice")
        #expect(a.figures == ["sessions": 1])

        // Reported in advance: evidence by the deadline, 10 school days on (18 November); told on 13 November.
        var cw = Casework(advanceNotice: [am])
        #expect(evidence(EvalTest.run(p, "2025-11-12", b, casework: cw)).isEmpty)
        let remind = try #require(evidence(EvalTest.run(p, "2025-11-13", b, casework: cw)).first)
        #expect(remind.kind == .evidenceReminder)
        #expect(
            remind.key
                == "evidence_reminder|\(upn)|evidence.tell_parents_school_days_before|2025-11-04|evidence.medical_appointments|2025-11-04-am"
        )
        cw.done.insert(remind.key)
        #expect(evidence(EvalTest.run(p, "2025-11-18", b, casework: cw)).isEmpty)
        let late = try #require(evidence(EvalTest.run(p, "2025-11-19", b, casework: cw)).first)
        #expect(late.kind == .medicalUnauthorised)
        #expect(late.due == day("2025-11-19"))
        #expect(late.amendment?.reason == "No evidence received by 18 November 2025 (asked for on 4 November 2025): becomes O; \(p.name)")
        #expect(late.key == "medical_unauthorised|\(upn)|evidence.medical_appointments|2025-11-04|no-evidence")
        // The appointment card arrived: nothing.
        cw.evidenceReceived = [am]
        #expect(evidence(EvalTest.run(p, "2025-11-19", b, casework: cw)).isEmpty)
    }

    @Test(
        "seed 000 §5.3.1: an appointment is authorised 'as long as the ... parent/carer notifies the School in advance'; no evidence asked")
    func seed000MedicalNoticeOnly() throws {
        let p = try SeedScenario.policy("000")
        var b = Book(yearGroup: "9", through: "2025-12-19")
        b.set("2025-11-04", .m, [.pm])
        let pm = SessionSlot(date: day("2025-11-04"), session: .pm)
        #expect(
            evidence(EvalTest.run(p, "2025-12-01", b)).map(\.key) == [
                "medical_unauthorised|\(upn)|evidence.medical_appointments|2025-11-04|no-notice"
            ])
        #expect(evidence(EvalTest.run(p, "2025-12-01", b, casework: Casework(advanceNotice: [pm]))).isEmpty)
        // M marked before the policy took effect is left alone.
        var later = p
        later.effectiveFrom = day("2025-11-05")
        #expect(evidence(EvalTest.run(later, "2025-12-01", b)).isEmpty)
        // A policy without medical_appointments (seed 003): nothing.
        #expect(evidence(EvalTest.run(try SeedScenario.policy("003"), "2025-12-01", b)).isEmpty)
    }

    @Test("no evidence section: requests are recorded but no deadline runs (policies saved before it)")
    func noEvidenceSection() throws {
        let p = EvalTest.quiet()
        #expect(p.evidence == nil)
        var b = Book(through: "2025-12-19")
        b.set("2025-11-04", .i)
        b.set("2025-11-05", .m)
        let cw = Casework(evidenceRequests: [
            .init(raised: day("2025-11-05"), sessions: slots("2025-11-04", "2025-11-04"), rule: EvidenceRequestRecord.byHand)
        ])
        #expect(evidence(EvalTest.run(p, "2025-12-19", b, casework: cw)).isEmpty)
    }

    @Test("evidence settings are refused with the setting's path and the reason")
    func validation() throws {
        func check(_ e: Policy.Evidence) -> ValidationError? {
            var p = Policy.standard()
            p.evidence = e
            do {
                try p.validate()
                return nil
            } catch { return error }
        }
        #expect(check(.init(deadlineSchoolDays: 10, tellParentsSchoolDaysBefore: 3)) == nil)
        #expect(check(.init(deadlineSchoolDays: 0))?.field == "evidence.deadline_school_days")
        let tell = check(.init(deadlineSchoolDays: 5, tellParentsSchoolDaysBefore: 5))
        #expect(tell?.field == "evidence.tell_parents_school_days_before")
        #expect(tell?.reason == "must be 1 to 4: the parents are told after the request and before the deadline")
        #expect(check(.init(deadlineSchoolDays: 5, reminderLetter: " "))?.field == "evidence.reminder_letter")
        let dv = Policy.Evidence.Allowance(id: "d-and-v", name: "D&V", maxSchoolDays: 3, perYear: 1, reasonContains: "D&V")
        var bad = dv
        bad.maxSchoolDays = 0
        #expect(check(.init(deadlineSchoolDays: 5, allowances: [dv, bad]))?.field == "evidence.allowances[1].id")
        bad.id = "other"
        #expect(check(.init(deadlineSchoolDays: 5, allowances: [dv, bad]))?.field == "evidence.allowances[1].max_school_days")
        bad.maxSchoolDays = 3
        bad.perYear = 0
        #expect(check(.init(deadlineSchoolDays: 5, allowances: [bad]))?.field == "evidence.allowances[0].per_year")
        bad.perYear = 1
        bad.reasonContains = ""
        let why = check(.init(deadlineSchoolDays: 5, allowances: [bad]))
        #expect(why?.field == "evidence.allowances[0].reason_contains")
        #expect(why?.reason.contains("picks out the illness") == true)
        #expect(
            check(.init(deadlineSchoolDays: 5, medicalAppointments: .init(advanceNotice: false, evidence: false)))?.field
                == "evidence.medical_appointments")

        // Decoding: only deadline_school_days is needed; report_to_la reads as written.
        var json = try JSONSerialization.jsonObject(with: PolicyFile.encode(.standard())) as! [String: Any]
        json["evidence"] = ["deadline_school_days": 7, "report_to_la": true]
        let p = try PolicyFile.decode(JSONSerialization.data(withJSONObject: json))
        #expect(p.evidence == .init(deadlineSchoolDays: 7, reportToLA: true))
        #expect(String(decoding: PolicyFile.encode(p), as: UTF8.self).contains(#""report_to_la" : true"#))
        json["evidence"] = ["report_to_la": true]
        #expect(throws: ValidationError.self) { try PolicyFile.decode(JSONSerialization.data(withJSONObject: json)) }
    }

    @Test("the new kinds have stable raw values")
    func kinds() {
        #expect(DueAction.Kind.evidenceReminder.rawValue == "evidence_reminder")
        #expect(DueAction.Kind.evidenceDeadline.rawValue == "evidence_deadline")
        #expect(DueAction.Kind.medicalUnauthorised.rawValue == "medical_unauthorised")
    }
}
