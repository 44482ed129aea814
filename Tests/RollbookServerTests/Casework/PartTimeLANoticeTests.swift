import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

extension ServerTests {
    @Suite("Part-time timetables: the LA told") struct PartTimeLANoticeTests {
        let pages = PageTests()

        /// Grants Zofia a C2 from Tuesday 9 September 2025 (Tuesday afternoons not expected), under a policy with or
        /// without the LA's address; returns the `inform_la` action's key.
        func granted(_ f: Fixture, laEmail: String?) async throws -> (key: String, pupilID: Int, head: String, token: String) {
            var policy = Policy.standard(name: "Part-time", effectiveFrom: day("2025-09-01"))
            policy.localAuthority = laEmail.map { .init(name: "Westshire Council", email: $0) }
            _ = try await f.store.savePolicy(
                schoolID: f.schoolID, policy, document: String(decoding: PolicyFile.encode(policy), as: UTF8.self),
                by: Actor(name: "Lee Lead", position: "Attendance lead"), at: "t")
            let (id, pupilID) = try await AgreedTimesServerTests.request(f)
            let head = try await pages.signIn(f, .head)
            let token = try #require(PageTests.csrf(try await pages.get(f, "/leave/\(id)", cookie: head))?.token)
            let ok = try await pages.post(
                f, "/leave/\(id)/grant", cookie: head,
                [
                    ("csrf", token), ("code", "C2"), ("from", "2025-09-09"), ("to", "2025-09-30"), ("reviewDate", "2025-09-23"),
                    ("timetable", "Mornings only on Tuesdays"), ("notExpected[]", "tue_pm"),
                ])
            #expect(ok.status == .seeOther, "\(ok.text)")
            let (_, actions) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-09"))
            let a = try #require(actions.first { $0.kind == .informLA && $0.rule == "part_time.inform_la" })
            return (a.key, pupilID, head, token)
        }

        @Test(
            "seed 002 §8.3 'Time limited part-time timetables' (the LA told, DfE 2024): completing inform_la shows the message first, then sends it to local_authority.email through the outbox and keeps it on the timeline"
        )
        func sentThroughTheOutbox() async throws {
            try await withRollbook(.sqlite) { f in
                let (key, pupilID, head, token) = try await granted(f, laEmail: "attendance@westshire.example.org")
                let upn = AgreedTimesServerTests.zofia
                // Done without the message: to the preview first, nothing sent.
                let first = try await pages.post(f, "/worklist/complete", cookie: head, [("csrf", token), ("key", key), ("upn", upn)])
                #expect(first.status == .seeOther && (first.headers.first(name: .location) ?? "").hasPrefix("/worklist/letter?key="))
                #expect(try await laMessages(f).isEmpty)
                let q = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let draft = try await pages.get(f, "/worklist/letter?key=\(q)&upn=\(upn)", cookie: head)
                #expect(draft.status == .ok, "\(draft.text.prefix(300))")
                #expect(draft.text.contains("<h1>Tell the LA:") && draft.text.contains("attendance@westshire.example.org"))
                #expect(draft.text.contains("is on a temporary part-time timetable (code C2) from 9 September 2025 to 30 September 2025."))
                let subject = try #require(firstMatch(#"name="subject" type="text" value="([^"]*)""#, in: draft.text))
                let body =
                    "Dear Westshire Council,\n\nZofia is on a part-time timetable from 9 September 2025; Tuesday afternoons at home. Review on 23 September 2025."
                let sent = try await pages.post(
                    f, "/worklist/complete", cookie: head,
                    [("csrf", token), ("key", key), ("upn", upn), ("subject", subject), ("body", body), ("channel", "email")])
                #expect(sent.status == .seeOther, "\(sent.text)")
                let messages = try await laMessages(f)
                #expect(messages.count == 1)
                #expect(messages.first?.recipient == "attendance@westshire.example.org" && messages.first?.pupilID == pupilID)
                #expect(messages.first?.body.contains("Tuesday afternoons at home") == true)
                #expect(messages.first?.subject.hasPrefix("Part-time timetable starting:") == true)
                let entry = try #require(try await f.store.casework(pupilID: pupilID).first { $0.actionKey == key })
                #expect(entry.caseworkKind == .informed && entry.document?.contains("Tuesday afternoons at home") == true)
                // Done: the action is no longer proposed.
                let (_, after) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-09"))
                #expect(!after.contains { $0.key == key })
            }
        }

        @Test("with no local_authority.email the message cannot be emailed (422 naming it); told by hand needs how, then is recorded")
        func noLAAddress() async throws {
            try await withRollbook(.sqlite) { f in
                let (key, pupilID, head, token) = try await granted(f, laEmail: nil)
                let upn = AgreedTimesServerTests.zofia
                let fields = [
                    ("csrf", token), ("key", key), ("upn", upn), ("subject", "Part-time timetable"), ("body", "Zofia's timetable"),
                ]
                let email = try await pages.post(f, "/worklist/complete", cookie: head, fields + [("channel", "email")])
                #expect(email.status == .unprocessableEntity && email.text.contains("local_authority.email"), "\(email.text)")
                let noHow = try await pages.post(f, "/worklist/complete", cookie: head, fields + [("channel", "by_hand")])
                #expect(noHow.status == .unprocessableEntity && noHow.text.contains("say how the LA was told"), "\(noHow.text)")
                #expect(try await f.store.casework(pupilID: pupilID).allSatisfy { $0.actionKey != key })
                let byHand = try await pages.post(
                    f, "/worklist/complete", cookie: head, fields + [("channel", "by_hand"), ("note", "LA portal")])
                #expect(byHand.status == .seeOther, "\(byHand.text)")
                let entry = try #require(try await f.store.casework(pupilID: pupilID).first { $0.actionKey == key })
                #expect(entry.summary.hasSuffix("Told by hand: LA portal.") && entry.outcome == "LA portal")
                #expect(try await laMessages(f).isEmpty)
            }
        }
    }
}

private func laMessages(_ f: Fixture) async throws -> [OutboxRow] {
    try await OutboxRow.query(on: f.app.db).all().filter { $0.template == MessageTemplate.laNotice.rawValue }
}

private func firstMatch(_ pattern: String, in text: String) -> String? {
    guard let re = try? NSRegularExpression(pattern: pattern),
        let m = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), m.numberOfRanges > 1,
        let r = Range(m.range(at: 1), in: text)
    else { return nil }
    return String(text[r])
}
