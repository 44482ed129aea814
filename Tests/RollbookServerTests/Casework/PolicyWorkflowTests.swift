import Foundation
import RollbookCore
import RollbookStore
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

/// The policy's ladders as staff work them: what the worklist proposes, what completing it records, and what the
/// daily job changes in the register, on the tiny school with a calendar running to half term.
extension ServerTests {
    @Suite("Policy workflow: lateness rungs, truancy, evidence deadlines") struct PolicyWorkflowTests {
        let pages = PageTests()
        static let zofia = "A100000000003"  // year 6, on roll from 8 September
        static let mia = "A100000000001"  // reception; Rosa and Tom Fielding have parental responsibility
        static let lead = Actor(name: "Lee Lead", position: "Attendance lead")

        static func setUp(_ f: Fixture, _ policy: Policy) async throws {
            let csv = """
                start,end,kind,year_groups
                2025-09-03,2025-10-24,term,
                2025-09-03,2025-09-04,closure,R
                2026-01-05,2026-02-13,term,

                """
            try await f.store.replaceCalendar(schoolID: f.schoolID, entries: try Interchange.readCalendar(file: "calendar.csv", text: csv))
            _ = try await f.store.savePolicy(
                schoolID: f.schoolID, policy, document: String(decoding: PolicyFile.encode(policy), as: UTF8.self), by: lead, at: "t")
        }

        /// Present at every session from 8 September to `through`, then `changes` (date, session, code).
        static func marks(_ f: Fixture, _ upn: String, through: String, _ changes: [(String, RollbookCore.Session, AttendanceCode)])
            async throws -> Int
        {
            let id = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: upn)).id!
            let calendar = try await f.store.calendar(schoolID: f.schoolID)
            var writes: [MarkWrite] = []
            var d = day("2025-09-08")
            while d <= day(through) {
                if calendar.isSchoolDay(d) {
                    for s in RollbookCore.Session.allCases {
                        let code = changes.first { day($0.0) == d && $0.1 == s }?.2 ?? (s == .am ? .presentAM : .presentPM)
                        writes.append(
                            MarkWrite(pupilID: id, mark: Mark(date: d, session: s, code: code, minutesLate: code == .late ? 5 : nil)))
                    }
                }
                d = d.adding(days: 1)
            }
            _ = try await f.store.record(writes, by: Actor(name: "Teacher Person", position: "Teacher"), at: "2025-09-01T08:00:00Z")
            return id
        }

        @Test(
            "seed 002 flowchart 2: a lateness rung's monitoring ends without improvement and the review hands the pupil over to the attendance stages ('move over to the attendance escalation procedure')"
        )
        func latenessHandOver() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-26"), time: TimeOfDay(hour: 16, minute: 0)!)) { f in
                var policy = Policy.standard(name: "Lateness ladder", effectiveFrom: day("2025-09-01"))
                policy.lateness = [
                    Policy.LatenessRule(
                        id: "late-3", name: "Three late arrivals in a week", codes: ["L", "U"], per: .week, atLeast: 3, action: .letter,
                        letter: "lateness-warning", monitoring: .init(count: 1, unit: .schoolWeek), handOver: "stage-1")
                ]
                try await Self.setUp(f, policy)
                let late: [(String, RollbookCore.Session, AttendanceCode)] = [
                    "2025-09-15", "2025-09-16", "2025-09-18", "2025-09-22", "2025-09-23", "2025-09-24",
                ]
                .map { ($0, .am, .late) }
                let zofia = try await Self.marks(f, Self.zofia, through: "2025-09-26", late)

                // On Thursday 18 September the third late arrival of the week proposes the rung.
                let (_, before) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-18"))
                let entry = try #require(before.first { $0.upn == Self.zofia && $0.kind == .lateness })
                #expect(entry.proposedRung == "late-3" && entry.due == day("2025-09-18") && entry.figures["count"] == 3)
                try await f.store.addCasework(
                    CaseworkRow(
                        pupilID: zofia, kind: .latenessRungEntered, actionKey: entry.key, stageID: "late-3", happenedOn: day("2025-09-19"),
                        summary: "Entered Three late arrivals in a week", recordedAt: "t", by: Self.lead))

                // A school week on, three more late arrivals: not improved, so the review proposes the first attendance stage.
                let (_, now) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-26"))
                let review = try #require(now.first { $0.upn == Self.zofia && $0.kind == .latenessReview }, "\(now.map(\.kind))")
                #expect(review.proposedStage == "stage-1" && review.proposedRung == nil && review.figures["improved"] == 0)
                #expect(review.due == day("2025-09-26") && review.figures["count"] == 3)
                #expect(!now.contains { $0.upn == Self.zofia && $0.kind == .lateness }, "a pupil in the rung is not proposed it again")

                let cookie = try await pages.signIn(f, .attendanceLead)
                let worklist = try await pages.get(f, "/worklist?kind=lateness_review", cookie: cookie)
                #expect(worklist.text.contains("End of lateness monitoring") && worklist.text.contains("Concern letter"))
                let token = try #require(PageTests.csrf(worklist)?.token)
                let done = try await pages.post(
                    f, "/worklist/complete", cookie: cookie,
                    [
                        ("csrf", token), ("key", review.key), ("upn", review.upn), ("subject", "Zofia's attendance"),
                        ("body", "Dear parent,\n\nWe are concerned about Zofia arriving late."), ("channel", "post"),
                    ])
                #expect(done.status == .seeOther, "\(done.text)")
                let timeline = try await f.store.casework(pupilID: zofia)
                #expect(timeline.contains { $0.caseworkKind == .latenessRungEnded })
                let cw = Casework(timeline: timeline.reversed())
                #expect(cw.latenessRung == nil && cw.latenessHistory.map(\.stage) == ["late-3"])
                #expect(cw.stage?.stage == "stage-1" && cw.stage?.entered == day("2025-09-26"))
            }
        }

        @Test(
            "seed 004 'Truancy': recording that a pupil left the site tells the head and the parents at once, and the first truancy proposes 'a letter of warning'"
        )
        func truancy() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: 11, minute: 30)!)) { f in
                var policy = Policy.standard(name: "Truancy", effectiveFrom: day("2025-09-01"))
                policy.truancy = Policy.Truancy(
                    ladder: [
                        .init(
                            id: "first", name: "First truancy: letter of warning", atLeast: 1, per: .year, action: .letter,
                            letter: "truancy-warning")
                    ], notify: [.head, .parents])
                try await Self.setUp(f, policy)
                let cookie = try await pages.signIn(f, .office)
                let token = try #require(PageTests.csrf(try await pages.get(f, "/pupils/\(Self.mia)", cookie: cookie))?.token)
                let bad = try await pages.post(
                    f, "/pupils/\(Self.mia)/truancy", cookie: cookie, [("csrf", token), ("date", "2025-09-10"), ("session", "am")])
                #expect(bad.status == .unprocessableEntity && bad.text.contains("in the future"))
                let ok = try await pages.post(
                    f, "/pupils/\(Self.mia)/truancy", cookie: cookie,
                    [("csrf", token), ("date", "2025-09-09"), ("session", "am"), ("note", "seen leaving by the back gate at 10:40")])
                #expect(ok.status == .seeOther, "\(ok.text)")
                let mia = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.mia)).id!
                let entry = try #require(try await f.store.casework(pupilID: mia).first { $0.caseworkKind == .truancy })
                #expect(entry.sessionList.map { "\($0.date) \($0.session.rawValue)" } == ["2025-09-09 AM"])
                let messages = try await OutboxRow.query(on: f.app.db).all().filter { $0.caseworkID == entry.id }
                #expect(Set(messages.map(\.recipient)) == ["head@tiny.example.org", "rosa@example.org", "tom@example.org"])
                // The staff note goes to the head, never to the parents.
                #expect(messages.filter { $0.recipient != "head@tiny.example.org" }.allSatisfy { !$0.body.contains("back gate") })
                #expect(messages.first { $0.recipient == "head@tiny.example.org" }?.body.contains("back gate") == true)

                let (_, actions) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-09"))
                let warning = try #require(actions.first { $0.upn == Self.mia && $0.kind == .truancy })
                #expect(warning.rule == "truancy.first" && warning.action == .letter && warning.due == day("2025-09-09"))
                #expect(LetterTemplate.letterID(for: warning, policy: policy) == "truancy-warning")
            }
        }

        @Test(
            "seed 000 §5.2.6 'recorded as unauthorised and parents ... notified of this in advance': after the reminder, the daily job amends I to O where no evidence came"
        )
        func evidenceDeadline() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-22"), time: TimeOfDay(hour: 10, minute: 0)!)) { f in
                var policy = Policy.standard(name: "Evidence", effectiveFrom: day("2025-09-01"))
                policy.evidence = Policy.Evidence(deadlineSchoolDays: 3, tellParentsSchoolDaysBefore: 1, byHand: true)
                try await Self.setUp(f, policy)
                let ill: [(String, RollbookCore.Session, AttendanceCode)] = [("2025-09-11", .am, .i), ("2025-09-11", .pm, .i)]
                let zofia = try await Self.marks(f, Self.zofia, through: "2025-09-22", ill)
                try await f.store.addCasework(
                    CaseworkRow(
                        pupilID: zofia, kind: .evidenceRequested, actionKey: nil, happenedOn: day("2025-09-15"),
                        summary: "Evidence asked for by hand", outcome: EvidenceRequestRecord.byHand,
                        sessions: [(day("2025-09-11"), .am), (day("2025-09-11"), .pm)], recordedAt: "t", by: Self.lead))
                // Evidence for the afternoon only.
                try await f.store.addCasework(
                    CaseworkRow(
                        pupilID: zofia, kind: .evidenceReceived, actionKey: nil, happenedOn: day("2025-09-16"), summary: "GP letter",
                        sessions: [(day("2025-09-11"), .pm)], recordedAt: "t", by: Self.lead))

                // Deadline: 3 school days after Monday 15th, Thursday 18th; the parents are told a school day before.
                let (_, early) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-17"))
                let reminder = try #require(early.first { $0.upn == Self.zofia && $0.kind == .evidenceReminder })
                #expect(reminder.sessions.map { "\($0.date) \($0.session.rawValue) \($0.code)" } == ["2025-09-11 AM I"])
                #expect(reminder.deadline == day("2025-09-18") && reminder.letter == "evidence-reminder")
                // Until the reminder is sent nothing is amended, however late.
                await DailyJobs.runDue(app: f.app)
                #expect(try await f.store.marks(pupilID: zofia).first { $0.date == "2025-09-11" && $0.session == "AM" }?.code == "I")
                try await f.store.addCasework(
                    CaseworkRow(
                        pupilID: zofia, kind: .letterSent, actionKey: reminder.key, happenedOn: day("2025-09-17"),
                        summary: "Evidence reminder sent", recordedAt: "t", by: Self.lead))

                // The next day's run (the job is claimed once a day, so a fresh day).
                try await (f.store.db as! any SQLDatabase).delete(from: "job_runs").run()
                await DailyJobs.runDue(app: f.app)
                let marks = try await f.store.marks(pupilID: zofia).filter { $0.date == "2025-09-11" }
                #expect(marks.map { "\($0.session) \($0.code)" }.sorted() == ["AM O", "PM I"])
                let amendment = try #require(try await f.store.amendments(pupilID: zofia, date: day("2025-09-11"), session: .am).first)
                #expect(amendment.originalCode == "I" && amendment.newCode == "O" && amendment.byName == "Rollbook")
                #expect(
                    amendment.reason.hasPrefix("No evidence received by 18 September 2025 (asked for on 15 September 2025): becomes O"),
                    "\(amendment.reason)")
            }
        }

        @Test(
            "seed 002 Flowchart 1 'letters ... sent home termly': in a new term the stage's letter is proposed again, and sending it keeps the pupil in the stage; a pupil action is never a letter"
        )
        func termlyRepeat() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2026-01-16"), time: TimeOfDay(hour: 16, minute: 0)!)) { f in
                var policy = Policy.standard(name: "Termly letters", effectiveFrom: day("2025-09-01"))
                var amber = Policy.Stage(
                    id: "amber", name: "Amber letter", below: 0.96, action: .letter, letter: "concern", directEntry: true)
                amber.repeat = .term
                amber.pupilActions = [.init(action: .meeting, name: "Speak to the individual in school")]
                policy.stages = [amber]
                try await Self.setUp(f, policy)
                // Absent every Monday: 80% attendance in each term.
                let calendar = try await f.store.calendar(schoolID: f.schoolID)
                var mondays: [(String, RollbookCore.Session, AttendanceCode)] = []
                var d = day("2025-09-08")
                while d <= day("2026-01-16") {
                    if d.weekday == 1 && calendar.isSchoolDay(d) { mondays += [(d.iso, .am, .o), (d.iso, .pm, .o)] }
                    d = d.adding(days: 1)
                }
                let zofia = try await Self.marks(f, Self.zofia, through: "2026-01-16", mondays)
                // The pupil entered the stage in the autumn term.
                try await f.store.addCasework(
                    CaseworkRow(
                        pupilID: zofia, kind: .stageEntered, actionKey: nil, stageID: "amber", happenedOn: day("2025-09-19"),
                        summary: "Entered Amber letter", figure: 0.8, recordedAt: "t", by: Self.lead))
                let (_, actions) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2026-01-16"))
                let mine = actions.filter { $0.upn == Self.zofia }
                let again = try #require(mine.first { $0.kind == .stageEntry }, "\(mine.map(\.kind))")
                #expect(again.proposedStage == "amber" && again.letter == "concern")
                #expect(again.key.hasSuffix("2026-01-05"), "anchored on the spring term's first day: \(again.key)")
                let talk = try #require(mine.first { $0.kind == .pupilAction })
                #expect(talk.audience == .pupil && !Worklist.sendsLetter(talk))

                let cookie = try await pages.signIn(f, .attendanceLead)
                let token = try #require(PageTests.csrf(try await pages.get(f, "/worklist", cookie: cookie))?.token)
                let sent = try await pages.post(
                    f, "/worklist/complete", cookie: cookie,
                    [
                        ("csrf", token), ("key", again.key), ("upn", again.upn), ("subject", "Zofia's attendance this term"),
                        ("body", "Dear parent,\n\nZofia's attendance is below our target."), ("channel", "post"),
                    ])
                #expect(sent.status == .seeOther, "\(sent.text)")
                let timeline = try await f.store.casework(pupilID: zofia)
                #expect(timeline.filter { $0.caseworkKind == .stageEntered }.count == 1, "no second stage entry")
                #expect(timeline.contains { $0.caseworkKind == .letterSent && $0.actionKey == again.key })
                #expect(Casework(timeline: timeline.reversed()).stage?.entered == day("2025-09-19"))
                // Done with the pupil: a note, not a meeting with the family.
                let talked = try await pages.post(
                    f, "/worklist/complete", cookie: cookie, [("csrf", token), ("key", talk.key), ("upn", talk.upn)])
                #expect(talked.status == .seeOther, "\(talked.text)")
                #expect(try await f.store.casework(pupilID: zofia).first { $0.actionKey == talk.key }?.caseworkKind == .note)
            }
        }

        @Test(
            "seed 001 App. M / seed 004 'approval in advance': an M the office recorded before the day is notice; one recorded on the day is proposed as O"
        )
        func medicalNotice() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-24"), time: TimeOfDay(hour: 16, minute: 0)!)) { f in
                var policy = Policy.standard(name: "Medical", effectiveFrom: day("2025-09-01"))
                policy.evidence = Policy.Evidence(
                    deadlineSchoolDays: 5, medicalAppointments: .init(advanceNotice: true, evidence: false))
                try await Self.setUp(f, policy)
                let zofia = try await Self.marks(f, Self.zofia, through: "2025-09-24", [])
                let office = Actor(name: "Office Person", position: "Office")
                // Told on Friday of Monday's appointment; Tuesday's only on the day.
                _ = try await f.store.record(
                    [
                        MarkWrite(
                            pupilID: zofia, mark: Mark(date: day("2025-09-22"), session: .am, code: .m), reason: "dentist, phoned Friday")
                    ],
                    by: office, at: "2025-09-19T12:00:00Z")
                _ = try await f.store.record(
                    [
                        MarkWrite(
                            pupilID: zofia, mark: Mark(date: day("2025-09-23"), session: .am, code: .m), reason: "GP, phoned this morning")
                    ],
                    by: office, at: "2025-09-23T09:30:00Z")
                let (_, actions) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-24"))
                let medical = actions.filter { $0.upn == Self.zofia && $0.kind == .medicalUnauthorised }
                #expect(medical.map { $0.sessions.map { "\($0.date) \($0.session.rawValue) \($0.code)" } } == [["2025-09-23 AM M"]])
                #expect(medical.first?.amendment?.code == "O")
            }
        }

        @Test(
            "seed 003 Proactive 10: a refusal letter reminds the family that absence next to leave needs evidence within a week of the return"
        )
        func refusalReminder() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: 11, minute: 0)!)) { f in
                var policy = Policy.standard(name: "Leave", effectiveFrom: day("2025-09-01"))
                policy.leave.adjacentDaysEvidenceDays = 7
                policy.evidence = Policy.Evidence(deadlineSchoolDays: 5, reportToLA: true)
                try await Self.setUp(f, policy)
                let mia = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.mia)).id!
                let request = LeaveRequestRow()
                request.pupilID = mia
                request.requestedBy = "Rosa Fielding"
                request.state = .pending
                request.createdAt = "2025-09-08T09:00:00Z"
                request.request = LeaveRequestRow.json(
                    LeaveRequest(from: day("2025-10-06"), to: day("2025-10-10"), requestedOn: day("2025-09-08"), reason: "A family holiday")
                )
                try await f.store.addLeaveRequest(request, documents: [])
                let id = try #require(try await f.store.leaveRequests(pupilID: mia).first?.id)
                let cookie = try await pages.signIn(f, .head)
                let token = try #require(PageTests.csrf(try await pages.get(f, "/leave/\(id)", cookie: cookie))?.token)
                let refused = try await pages.post(
                    f, "/leave/\(id)/refuse", cookie: cookie, [("csrf", token), ("reason", "Term-time holidays are not exceptional")])
                #expect(refused.status == .seeOther, "\(refused.text)")
                let letter = try #require(try await f.store.casework(pupilID: mia).first { $0.caseworkKind == .leaveDecision }?.document)
                #expect(letter.contains("immediately before or after this leave"))
                #expect(letter.contains("within 7 days of your child's return"))
                #expect(letter.contains("reported to the local authority's school attendance team"))
            }
        }
    }
}
