import FluentKit
import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

// The rewards of seeds 003 and 004 on the tiny school: the at-or-above list with individual targets, house cups by
// key stage, and postcards through the outbox.

/// Saves the standard policy with `rewards`, in force from `from`.
private func saveRewards(_ f: Fixture, _ rewards: Policy.Rewards, from: String = "2025-09-01") async throws {
    var policy = Policy.standard(name: "Tiny Test School policy", effectiveFrom: day(from))
    policy.rewards = rewards
    _ = try await f.store.savePolicy(
        schoolID: f.schoolID, policy, document: String(decoding: PolicyFile.encode(policy), as: UTF8.self),
        by: Actor(name: "Head Person", position: "Head"), at: "2025-09-01T08:00:00Z")
}

/// Two half terms: 3-12 and 15-19 September.
private func twoHalfTerms(_ f: Fixture) async throws {
    let csv = """
        start,end,kind,year_groups
        2025-09-03,2025-09-12,term,
        2025-09-15,2025-09-19,term,
        2025-09-03,2025-09-04,closure,R
        2025-09-12,2025-09-12,closure,
        2025-09-17,2025-09-17,closure_pm,

        """
    try await f.store.replaceCalendar(schoolID: f.schoolID, entries: try Interchange.readCalendar(file: "calendar.csv", text: csv))
}

extension ServerTests {
    @Suite("Rewards: own targets, house cups, postcards") struct RewardsMoreServerTests {
        static let mia = "A100000000001"  // Reception, Oak: 12 of 19 this year (63.2%)
        static let zofia = "A100000000003"  // Year 6, Elm: 12 of 15 (80.0%); 9 of 9 in the week of 15 September

        @Test(
            "seed 004 'not unfairly excluded from attendance rewards, e.g. by setting individualised targets': Mia's own 60% target puts her in the at-or-above list beside Zofia",
            arguments: Backend.available)
        func ownTargets(_ b: Backend) async throws {
            try await withRollbook(b, at: saturdayAfterTinyTerm, tinyMarks: true) { f in
                let office = try await staffSession(f, .office)
                let none = try await formSend(f, .GET, "/analytics/rewards?format=json", cookie: office.cookie)
                #expect(none.status == .ok && none.object["at_target"] == nil)

                try await saveRewards(f, .init(atLeast: 0.75, individualTargets: true))
                func listed() async throws -> [[String: Any]] {
                    let page = try await formSend(f, .GET, "/analytics/rewards?format=json", cookie: office.cookie)
                    let at = try #require(page.object["at_target"] as? [String: Any], "\(page.text)")
                    return at["pupils"] as? [[String: Any]] ?? []
                }
                // 75% or more: Zofia (80.0%); Mia (63.2%) and Danny (70.0%) are below.
                #expect(try await listed().map { $0["name"] as? String } == ["Nowak, Zofia"])
                let lead = try await staffSession(f, .attendanceLead)
                let set = try await formSend(
                    f, .POST, "/pupils/\(Self.mia)/target", cookie: lead.cookie,
                    form: [("csrf", lead.csrf), ("target", "60"), ("reason", "Medical needs: a care plan with the school nurse")])
                #expect(set.status == .seeOther)
                let now = try await listed()
                #expect(now.map { $0["name"] as? String } == ["Fielding, Mia", "Nowak, Zofia"])
                #expect(now.map { $0["own"] as? Bool } == [true, false])
                #expect(now.map { $0["target"] as? String } == ["60%", "75%"])
                let html = try await formSend(f, .GET, "/analytics/rewards", cookie: office.cookie)
                #expect(html.text.contains("60% (own target)"))
                #expect(html.text.contains("a pupil with their own target is judged against it instead"))

                // Without individual_targets, everyone is judged against 75%.
                try await saveRewards(f, .init(atLeast: 0.75), from: "2025-09-02")
                #expect(try await listed().map { $0["name"] as? String } == ["Nowak, Zofia"])
            }
        }

        @Test(
            "seed 003 'KS1 and KS2 House Attendance Cups will be awarded each week': with by_key_stage each key stage has its own cup; without, one for the school",
            arguments: Backend.available)
        func houseCups(_ b: Backend) async throws {
            try await withRollbook(b, at: saturdayAfterTinyTerm, tinyMarks: true) { f in
                let governor = try await staffSession(f, .governor)
                func cups() async throws -> [[String: Any]] {
                    let page = try await formSend(f, .GET, "/analytics/house-cups?period=week&format=json", cookie: governor.cookie)
                    #expect(page.status == .ok, "\(page.text)")
                    return page.object["cups"] as? [[String: Any]] ?? []
                }
                // The week of 15 September, whole school: Elm (Zofia 9/9) beats Oak (Mia 5/9); Danny (Ash) had left.
                let school = try await cups()
                #expect(school.count == 1 && school.first?["title"] as? String == "Whole school")
                #expect(school.first?["winners"] as? [String] == ["Elm"])
                let houses = (school.first?["houses"] as? [[String: Any]]) ?? []
                #expect(houses.prefix(2).map { $0["group"] as? String } == ["Elm", "Oak"])
                #expect(houses.prefix(2).map { $0["attendance"] as? String } == ["100.0%", "55.6%"])

                try await saveRewards(f, .init(houseCups: .init(byKeyStage: true)))
                // Mia is in Reception (early years, Oak), Danny and Zofia in key stage 2 (Ash, Elm).
                let byStage = try await cups()
                #expect(byStage.map { $0["key_stage"] as? String } == ["EYFS", "KS2"])
                #expect(byStage.map { $0["winners"] as? [String] } == [["Oak"], ["Elm"]])
                let html = try await formSend(f, .GET, "/analytics/house-cups?period=week", cookie: governor.cookie)
                #expect(html.text.contains("<h1>House cups</h1>") && html.text.contains("The cup goes to Oak."))
                #expect(html.text.contains("Key stage 2"))
                let bad = try await formSend(f, .GET, "/analytics/house-cups?period=fortnight", cookie: governor.cookie)
                #expect(bad.status == .unprocessableEntity)
            }
        }

        @Test(
            "seed 004 'Electronic postcards for 100% attendance at the end of each half-term': the lead previews the half term just ended, queues one postcard per pupil through the outbox in parents' words, and never twice",
            arguments: Backend.available)
        func postcards(_ b: Backend) async throws {
            try await withRollbook(b, at: saturdayAfterTinyTerm, tinyMarks: true) { f in
                try await twoHalfTerms(f)
                let lead = try await staffSession(f, .attendanceLead)
                let none = try await formSend(f, .GET, "/postcards", cookie: lead.cookie)
                #expect(none.status == .ok && none.text.contains("sends no postcards"))
                let zofiaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.zofia)?.id)
                try await ContactRow(
                    pupilID: zofiaID,
                    contact: Contact(
                        priority: 1, name: "Ewa Nowak", relationship: "Mother", parentalResponsibility: true, livesWith: true,
                        phone: "07700 900301", email: "ewa@example.org")
                ).create(on: f.app.db)
                try await saveRewards(
                    f, .init(improving: .init(compareWith: .previousHalfTerm, byPoints: 2), postcards: .init(fullAttendance: [.halfTerm])))

                // Both half terms have ended (figures run to Friday 19 September); the latest is shown first.
                let page = try await formSend(f, .GET, "/postcards", cookie: lead.cookie)
                #expect(page.status == .ok)
                #expect(page.text.contains("<option value=\"half_term-2025-09-15\" selected>"), "\(page.text)")
                #expect(page.text.contains("<option value=\"half_term-2025-09-03\">"))
                // 15-19 September: Zofia 9 of 9; Mia 5 of 9.
                #expect(page.text.contains("1 for 100% attendance; 0 for improved attendance. 1 to send; 0 already sent."))
                #expect(
                    page.text.contains(
                        "Zofia attended every session this half term (Monday 15 September 2025 to Friday 19 September 2025)."))
                // 3-12 September: nobody had 100% (Mia 70.0%, Danny 70.0%, Zofia 50.0%).
                let first = try await formSend(f, .GET, "/postcards?period=half_term-2025-09-03", cookie: lead.cookie)
                #expect(first.text.contains("0 for 100% attendance; 0 for improved attendance. 0 to send"))
                let bad = try await formSend(f, .GET, "/postcards?period=year-2025-09-01", cookie: lead.cookie)
                #expect(bad.status == .unprocessableEntity && bad.text.contains("not a period of this school year that has ended"))
                let office = try await staffSession(f, .office)
                #expect(try await formSend(f, .GET, "/postcards", cookie: office.cookie).status == .forbidden)

                let sent = try await formSend(
                    f, .POST, "/postcards", cookie: lead.cookie, form: [("csrf", lead.csrf), ("period", "half_term-2025-09-15")])
                #expect(sent.status == .seeOther && redirectTarget(sent) == "/postcards?period=half_term-2025-09-15")
                let entries = try await f.store.casework(pupilID: zofiaID).filter { $0.caseworkKind == .postcardSent }
                #expect(entries.map(\.actionKey) == [PostcardsController.key(period: "half_term-2025-09-15", pupilID: zofiaID)])
                let outbox = try await f.store.outbox(schoolID: f.schoolID)
                #expect(outbox.map(\.recipient) == ["ewa@example.org"])
                #expect(
                    outbox.first.map { $0.template == "postcard" && $0.caseworkID == entries.first?.id && $0.pupilID == zofiaID } == true)
                #expect(outbox.first?.subject == "A postcard from Tiny Test School: Zofia was in school every day")
                // Parents' words only: no figures, codes or staff text.
                #expect(outbox.first.map { !$0.body.contains("%") && !$0.body.contains("band") } == true)
                let after = try await formSend(f, .GET, "/postcards?period=half_term-2025-09-15", cookie: lead.cookie)
                #expect(after.text.contains("1 postcard recorded on the pupils&#39; timelines; 1 email queued in the outbox."))
                #expect(after.text.contains("0 to send; 1 already sent."))

                // Again: nothing twice.
                let again = try await formSend(
                    f, .POST, "/postcards", cookie: lead.cookie, form: [("csrf", lead.csrf), ("period", "half_term-2025-09-15")])
                #expect(again.status == .seeOther)
                #expect(try await f.store.outbox(schoolID: f.schoolID).count == 1)
                let missing = try await formSend(f, .POST, "/postcards", cookie: lead.cookie, form: [("csrf", lead.csrf)])
                #expect(missing.status == .unprocessableEntity && missing.text.contains("period"))
            }
        }

        @Test(
            "seed 004 'those with 100%, 96% and those with improved attendance': the termly letter run gives an improving pupil the improvement letter instead of their band's",
            arguments: Backend.available)
        func termlyLetterRecognisesImproving(_ b: Backend) async throws {
            try await withRollbook(b, at: saturdayAfterTinyTerm, tinyMarks: true) { f in
                try await twoHalfTerms(f)
                var policy = Policy.standard(name: "Tiny Test School policy", effectiveFrom: day("2025-09-01"))
                policy.bands = [.init(name: "75% or more", from: 0.75, tone: "green"), .init(name: "below 75%", from: 0, tone: "red")]
                policy.rewards = .init(improving: .init(compareWith: .previousHalfTerm, byPoints: 2))
                policy.termlyLetters = TermlyLetters(
                    letters: [.init(band: "75% or more", letter: "rag-green"), .init(band: "below 75%", letter: "rag-lower-amber")],
                    fullAttendance: "full-attendance", improving: "congratulations-improvement")
                _ = try await f.store.savePolicy(
                    schoolID: f.schoolID, policy, document: String(decoding: PolicyFile.encode(policy), as: UTF8.self),
                    by: Actor(name: "Head Person", position: "Head"), at: "2025-09-01T08:00:00Z")
                let lead = try await staffSession(f, .attendanceLead)
                let page = try await formSend(f, .GET, "/letter-runs?term=autumn-2025", cookie: lead.cookie)
                #expect(page.status == .ok)
                // Zofia rose from 50.0% to 100.0% this half term: the improvement letter; nobody has 100% this term.
                #expect(
                    page.text.contains("(as Zofia Nowak would get it)") && page.text.contains("attendance has improved"), "\(page.text)")
                #expect(page.text.contains("2 to send; 0 already sent for Autumn 2025."))
                let sent = try await formSend(
                    f, .POST, "/letter-runs", cookie: lead.cookie, form: [("csrf", lead.csrf), ("term", "autumn-2025")])
                #expect(sent.status == .seeOther)
                let zofiaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.zofia)?.id)
                let miaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.mia)?.id)
                let zofia = try await f.store.casework(pupilID: zofiaID).filter { $0.caseworkKind == .letterSent }
                #expect(
                    zofia.map(\.summary) == [
                        "Termly letter, Autumn 2025: 'congratulations-improvement' (improving attendance; band 75% or more)."
                    ])
                let mia = try await f.store.casework(pupilID: miaID).filter { $0.caseworkKind == .letterSent }
                #expect(mia.first?.summary.contains("'rag-lower-amber' (band below 75%)") == true)
            }
        }

        @Test(
            "seed 003 'individual reward charts': with rewards.reward_chart Mia's tracker shows a star for each week at her target; without it, no chart",
            arguments: Backend.available)
        func rewardChart(_ b: Backend) async throws {
            try await withRollbook(b, at: saturdayAfterTinyTerm, tinyMarks: true) { f in
                let miaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.mia)?.id)
                let account = try await f.store.invitePupil(
                    schoolID: f.schoolID, pupilID: miaID, email: "mia@pupils.example.org", tokenHash: "t",
                    expiresAt: "2025-10-01T00:00:00Z", by: Actor(name: "Office Person", position: "Office"), at: "2025-09-08T08:00:00Z")
                try await f.store.activatePupilAccount(id: account.id!, passwordHash: try Bcrypt.hash("otter-maple-31", cost: 4), at: "t")
                let signIn = try await formSend(f, .GET, "/pupil/sign-in", cookie: nil)
                let ok = try await formSend(
                    f, .POST, "/pupil/sign-in", cookie: try #require(sessionCookie(signIn)) as String,
                    form: [("csrf", try #require(pageToken(signIn))), ("email", "mia@pupils.example.org"), ("password", "otter-maple-31")])
                let cookie = try #require(sessionCookie(ok))
                #expect(!(try await formSend(f, .GET, "/pupil", cookie: cookie).text.contains("My reward chart")))

                try await saveRewards(f, .init(rewardChart: true))
                // Mia's weeks: 2 of 2 (100%), 5 of 8 (62.5%), 5 of 9 (55.6%): one at the school's 96%.
                let page = try await formSend(f, .GET, "/pupil", cookie: cookie)
                #expect(page.text.contains("My reward chart"), "\(page.text)")
                #expect(page.text.contains("You have 1 star on your chart: 1 of your 3 school weeks this year was at your target."))
                #expect(page.text.contains("Week of 1 September: at your target"))
                // Her own target of 60% earns a second star.
                let lead = try await staffSession(f, .attendanceLead)
                _ = try await formSend(
                    f, .POST, "/pupils/\(Self.mia)/target", cookie: lead.cookie,
                    form: [("csrf", lead.csrf), ("target", "60"), ("reason", "A long-term condition")])
                let own = try await formSend(f, .GET, "/pupil", cookie: cookie)
                #expect(own.text.contains("You have 2 stars on your chart: 2 of your 3 school weeks this year were at your target."))
            }
        }
    }
}
