import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

/// Safeguarding flags on the admission register, and barriers to attendance with the bullying flag.
extension ServerTests {
    @Suite("Safeguarding flags and barriers to attendance") struct SafeguardingTests {
        let pages = PageTests()
        static let zofia = PolicyWorkflowTests.zofia

        @Test(
            "seed 001 §5 'after two days of absence ... or considered vulnerable in other ways': a pupil the lead marks vulnerable with a reason is escalated on day 2, the reason in the action; the Traveller flag reaches the evaluation"
        )
        func vulnerableInOtherWays() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-16"), time: TimeOfDay(hour: 16, minute: 0)!)) { f in
                var policy = Policy.standard(name: "Vulnerable", effectiveFrom: day("2025-09-01"))
                policy.missingEducation.vulnerableAfterSchoolDays = 2
                policy.penaltyNotice.travellerProtectionSessions = 20
                try await PolicyWorkflowTests.setUp(f, policy)
                let absent: [(String, RollbookCore.Session, AttendanceCode)] = [
                    ("2025-09-15", .am, .n), ("2025-09-15", .pm, .n), ("2025-09-16", .am, .n), ("2025-09-16", .pm, .n),
                ]
                _ = try await PolicyWorkflowTests.marks(f, Self.zofia, through: "2025-09-16", absent)
                let (_, before) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-16"))
                #expect(!before.contains { $0.upn == Self.zofia && $0.kind == .vulnerableAbsence })

                let cookie = try await pages.signIn(f, .attendanceLead)
                let token = try #require(PageTests.csrf(try await pages.get(f, "/pupils/\(Self.zofia)", cookie: cookie))?.token)
                let r = try await pages.post(
                    f, "/pupils/\(Self.zofia)/safeguarding", cookie: cookie,
                    [("csrf", token), ("traveller", "on"), ("vulnerableReason", "young carer for a parent with a serious illness")])
                #expect(r.status == .seeOther, "\(r.text)")
                let p = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.zofia))
                #expect(p.characteristics.traveller && p.characteristics.isVulnerable)
                let entry = try #require(try await f.store.casework(pupilID: p.id!).first { $0.caseworkKind == .safeguardingFlags })
                #expect(
                    entry.summary.contains("Traveller") && entry.summary.contains("young carer") && entry.byName == "Attendance lead Person"
                )

                let (_, after) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-16"))
                let v = try #require(after.first { $0.upn == Self.zofia && $0.kind == .vulnerableAbsence })
                #expect(v.due == day("2025-09-16") && v.reason.contains("vulnerable: young carer for a parent with a serious illness"))
                #expect(v.action == .socialCareReferral)

                // A teacher may not change the flags.
                let teacher = try await pages.signIn(f, .teacher)
                let t = try #require(PageTests.csrf(try await pages.get(f, "/today", cookie: teacher))?.token)
                let refused = try await pages.post(
                    f, "/pupils/\(Self.zofia)/safeguarding", cookie: teacher, [("csrf", t), ("vulnerableReason", "")])
                #expect(refused.status == .forbidden || refused.status == .notFound)
                #expect(try await f.store.pupil(schoolID: f.schoolID, upn: Self.zofia)?.characteristics.isVulnerable == true)
            }
        }

        @Test(
            "seed 003 'Specific monitoring of absence potentially caused by bullying': a flagged absence emails the class teacher, the welfare officer and the pastoral and key-stage leads, never the parents, and is counted on /barriers"
        )
        func bullyingFlag() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-12"), time: TimeOfDay(hour: 12, minute: 0)!)) { f in
                var policy = Policy.standard(name: "Barriers", effectiveFrom: day("2025-09-01"))
                policy.barriers = Policy.Barriers(bullyingNotify: [
                    "form_tutor", "position:Welfare officer", "position:Pastoral lead", "position:key stage lead",
                ])
                try await PolicyWorkflowTests.setUp(f, policy)
                let hash = try Bcrypt.hash("correct horse", cost: 4)
                for (name, position) in [
                    ("Pat Pastoral", "Pastoral lead"), ("Kim Stage", "Key Stage Lead"), ("Wes Welfare", "Welfare officer"),
                ] {
                    try await f.store.addStaff(
                        StaffRow(
                            schoolID: f.schoolID, name: name, email: "\(name.split(separator: " ")[0].lowercased())@tiny.example.org",
                            position: position, role: .office, passwordHash: hash))
                }
                // Mia (form RA) absent, no reason, on Thursday 11 September.
                let mia = try await PolicyWorkflowTests.marks(
                    f, PolicyWorkflowTests.mia, through: "2025-09-12", [("2025-09-11", .am, .n), ("2025-09-11", .pm, .n)])
                let cookie = try await pages.signIn(f, .office)
                let token = try #require(
                    PageTests.csrf(try await pages.get(f, "/pupils/\(PolicyWorkflowTests.mia)", cookie: cookie))?.token)
                let path = "/pupils/\(PolicyWorkflowTests.mia)/barriers"
                // Present that day: no absence to flag, nothing written.
                let bad = try await pages.post(
                    f, path, cookie: cookie,
                    [("csrf", token), ("category", "bullying"), ("note", "upset at break"), ("absenceDate", "2025-09-10")])
                #expect(bad.status == .unprocessableEntity && bad.text.contains("no absence marked"))
                let badKind = try await pages.post(f, path, cookie: cookie, [("csrf", token), ("category", "weather"), ("note", "x")])
                #expect(badKind.status == .unprocessableEntity && badKind.text.contains("weather"))
                #expect(try await f.store.casework(pupilID: mia).filter { $0.caseworkKind == .barrier }.isEmpty)

                let ok = try await pages.post(
                    f, path, cookie: cookie,
                    [
                        ("csrf", token), ("category", "bullying"), ("note", "Mum says older pupils took her lunch"),
                        ("absenceDate", "2025-09-11"), ("sessions", "both"),
                    ])
                #expect(ok.status == .seeOther, "\(ok.text)")
                let entry = try #require(try await f.store.casework(pupilID: mia).first { $0.caseworkKind == .barrier })
                #expect(entry.outcome == "bullying" && entry.sessionList.count == 2)
                let messages = try await OutboxRow.query(on: f.app.db).all().filter { $0.caseworkID == entry.id }
                #expect(
                    Set(messages.map(\.recipient)) == [
                        "teacher@tiny.example.org", "pat@tiny.example.org", "kim@tiny.example.org", "wes@tiny.example.org",
                    ])
                #expect(
                    messages.allSatisfy { $0.template == MessageTemplate.bullyingConcern.rawValue && $0.body.contains("took her lunch") })
                // A barrier without an absence is recorded, and tells nobody.
                let health = try await pages.post(
                    f, path, cookie: cookie, [("csrf", token), ("category", "health"), ("note", "Asthma: inhaler in the office")])
                #expect(health.status == .seeOther)
                #expect(try await OutboxRow.query(on: f.app.db).all().count == messages.count)

                let lead = try await pages.signIn(f, .attendanceLead)
                let page = try await pages.get(f, "/barriers?format=json", cookie: lead)
                let counts = page.object["counts"] as? [[String: Any]] ?? []
                #expect(counts.first { $0["category"] as? String == "bullying" }?["flagged_absences"] as? Int == 1)
                #expect(counts.first { $0["category"] as? String == "health" }?["pupils"] as? Int == 1)
                #expect(counts.first { $0["category"] as? String == "caring" }?["pupils"] as? Int == 0)
            }
        }

        @Test(
            "seed 000 §5.5.1 'cannot reach any of the student's emergency contacts': the office records each contact not reached; once none is left the worklist proposes a home visit, and completing it records one on the timeline"
        )
        func allContactsFailed() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-11"), time: TimeOfDay(hour: 11, minute: 0)!)) { f in
                var policy = Policy.standard(name: "Contacts", effectiveFrom: day("2025-09-01"))
                policy.dayOne.allContactsFailed = [.homeVisit, .police, .mash]
                try await PolicyWorkflowTests.setUp(f, policy)
                // Mia's two parents are her only contacts; she is absent with no reason today.
                let mia = try await PolicyWorkflowTests.marks(
                    f, PolicyWorkflowTests.mia, through: "2025-09-11", [("2025-09-11", .am, .n)])
                let cookie = try await pages.signIn(f, .office)
                let path = "/pupils/\(PolicyWorkflowTests.mia)/contact-attempts"
                let token = try #require(
                    PageTests.csrf(try await pages.get(f, "/pupils/\(PolicyWorkflowTests.mia)", cookie: cookie))?.token)
                let bad = try await pages.post(f, path, cookie: cookie, [("csrf", token), ("priority", "7"), ("outcome", "failed")])
                #expect(bad.status == .unprocessableEntity && bad.text.contains("no contact with priority 7"))
                let first = try await pages.post(f, path, cookie: cookie, [("csrf", token), ("priority", "1"), ("outcome", "failed")])
                #expect(first.status == .seeOther, "\(first.text)")
                var (_, actions) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-11"))
                #expect(!actions.contains { $0.kind == .allContactsFailed })
                _ = try await pages.post(
                    f, path, cookie: cookie, [("csrf", token), ("priority", "2"), ("outcome", "failed"), ("note", "voicemail full")])
                (_, actions) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-11"))
                let a = try #require(actions.first { $0.upn == PolicyWorkflowTests.mia && $0.kind == .allContactsFailed })
                #expect(a.action == .homeVisit && a.figures["contacts"] == 2 && a.reason.contains("the MASH"))

                let lead = try await pages.signIn(f, .attendanceLead)
                let t = try #require(PageTests.csrf(try await pages.get(f, "/worklist", cookie: lead))?.token)
                let done = try await pages.post(
                    f, "/worklist/complete", cookie: lead,
                    [("csrf", t), ("key", a.key), ("upn", a.upn), ("note", "Visited at 13:00: nobody home, neighbour says family away")])
                #expect(done.status == .seeOther, "\(done.text)")
                let timeline = try await f.store.casework(pupilID: mia)
                #expect(timeline.contains { $0.caseworkKind == .homeVisit && $0.actionKey == a.key })
                #expect(timeline.filter { $0.caseworkKind == .contactFailed }.count == 2)
                // Reaching a parent afterwards ends it.
                _ = try await pages.post(f, path, cookie: cookie, [("csrf", token), ("priority", "1"), ("outcome", "reached")])
                (_, actions) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-11"))
                #expect(!actions.contains { $0.kind == .allContactsFailed })
            }
        }

        @Test(
            "seed 002 §4.4.7 'safe from prosecution if their child accrues 200 attendances': the Traveller flag set on the pupil page reaches the evaluation, which shows a review with the count in place of the penalty-notice threshold"
        )
        func travellerFlag() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-19"), time: TimeOfDay(hour: 16, minute: 0)!)) { f in
                var policy = Policy.standard(name: "Traveller", effectiveFrom: day("2025-09-01"))
                // The tiny calendar is short: 10 attendances stand in for the seed's 200.
                policy.penaltyNotice.travellerProtectionSessions = 10
                try await PolicyWorkflowTests.setUp(f, policy)
                // Present 8-12 September (10 attendances), then N all week: 10 unauthorised sessions.
                let n: [(String, RollbookCore.Session, AttendanceCode)] = [
                    "2025-09-15", "2025-09-16", "2025-09-17", "2025-09-18", "2025-09-19",
                ]
                .flatMap { [($0, .am, .n), ($0, .pm, .n)] }
                _ = try await PolicyWorkflowTests.marks(f, Self.zofia, through: "2025-09-19", n)
                var (_, actions) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-19"))
                #expect(actions.contains { $0.upn == Self.zofia && $0.kind == .penaltyThreshold })
                #expect(!actions.contains { $0.kind == .travellerProtection })

                let cookie = try await pages.signIn(f, .attendanceLead)
                let token = try #require(PageTests.csrf(try await pages.get(f, "/pupils/\(Self.zofia)", cookie: cookie))?.token)
                let r = try await pages.post(
                    f, "/pupils/\(Self.zofia)/safeguarding", cookie: cookie, [("csrf", token), ("traveller", "on")])
                #expect(r.status == .seeOther)
                (_, actions) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-19"))
                let review = try #require(actions.first { $0.upn == Self.zofia && $0.kind == .travellerProtection })
                #expect(review.figures["attendances_12_months"] == 10 && review.figures["traveller_protection_sessions"] == 10)
                #expect(!actions.contains { $0.upn == Self.zofia && $0.kind == .penaltyThreshold })
            }
        }
    }
}
