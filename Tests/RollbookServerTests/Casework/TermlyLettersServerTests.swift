import FluentKit
import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

// The termly letter run (seed 003 Proactive 6): a letter to every family by band, green included.

/// Saves the standard policy with two bands (75% or more green, below that red) and a letter for each.
private func policyWithTermlyLetters(_ f: Fixture) async throws {
    var policy = Policy.standard(name: "Tiny Test School policy", effectiveFrom: day("2025-09-01"))
    policy.bands = [.init(name: "75% or more", from: 0.75, tone: "green"), .init(name: "below 75%", from: 0, tone: "red")]
    policy.termlyLetters = TermlyLetters(letters: [
        .init(band: "75% or more", letter: "rag-green"), .init(band: "below 75%", letter: "rag-lower-amber"),
    ])
    _ = try await f.store.savePolicy(
        schoolID: f.schoolID, policy, document: String(decoding: PolicyFile.encode(policy), as: UTF8.self),
        by: Actor(name: "Head Person", position: "Head"), at: "2025-09-01T08:00:00Z")
}

extension ServerTests {
    @Suite("Termly letters: every family by band, once a term") struct TermlyLettersServerTests {
        static let mia = "A100000000001"  // 12 of 19 (63.2%): below 75%; Rosa and Tom Fielding have email
        static let zofia = "A100000000003"  // 12 of 15 (80%): 75% or more; no contact with email

        @Test(
            "seed 003 Proactive 6 'termly using red/amber and green letters': the lead previews counts and a sample per band, queues every letter once; a second run sends nothing",
            arguments: Backend.available)
        func runOnce(_ b: Backend) async throws {
            try await withRollbook(b, at: saturdayAfterTinyTerm, tinyMarks: true) { f in
                let lead = try await staffSession(f, .attendanceLead)
                let none = try await formSend(f, .GET, "/letter-runs", cookie: lead.cookie)
                #expect(none.status == .ok && none.text.contains("names no termly letters"))
                let refused = try await formSend(
                    f, .POST, "/letter-runs", cookie: lead.cookie, form: [("csrf", lead.csrf), ("term", "autumn-2025")])
                #expect(refused.status == .unprocessableEntity && refused.text.contains("names no termly letters"))

                try await policyWithTermlyLetters(f)
                let page = try await formSend(f, .GET, "/letter-runs?term=autumn-2025", cookie: lead.cookie)
                #expect(page.status == .ok)
                #expect(page.text.contains("2 to send; 0 already sent for Autumn 2025."), "\(page.text)")
                // One sample of each band, merged for a pupil in it: Zofia's green letter, Mia's.
                #expect(page.text.contains("(as Zofia Nowak would get it)") && page.text.contains("(as Mia Fielding would get it)"))
                #expect(page.text.contains("attendance this school year is 80.0%: Zofia has been in school"))
                let badTerm = try await formSend(f, .GET, "/letter-runs?term=winter-2025", cookie: lead.cookie)
                #expect(badTerm.status == .unprocessableEntity && badTerm.text.contains("not a term of this school year"))
                let office = try await staffSession(f, .office)
                #expect(try await formSend(f, .GET, "/letter-runs", cookie: office.cookie).status == .forbidden)

                let sent = try await formSend(
                    f, .POST, "/letter-runs", cookie: lead.cookie, form: [("csrf", lead.csrf), ("term", "autumn-2025")])
                #expect(sent.status == .seeOther && redirectTarget(sent) == "/letter-runs?term=autumn-2025")
                let miaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.mia)?.id)
                let zofiaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.zofia)?.id)
                let miaLetters = try await f.store.casework(pupilID: miaID).filter { $0.caseworkKind == .letterSent }
                let zofiaLetters = try await f.store.casework(pupilID: zofiaID).filter { $0.caseworkKind == .letterSent }
                #expect(miaLetters.map(\.actionKey) == [TermlyLetters.key(term: "autumn-2025", pupilID: miaID)])
                #expect(zofiaLetters.count == 1 && zofiaLetters[0].summary.contains("'rag-green' (band 75% or more)"))
                #expect(miaLetters.first?.document?.contains("Dear Rosa Fielding and Tom Fielding") == true)
                let outbox = try await f.store.outbox(schoolID: f.schoolID)
                #expect(outbox.map(\.recipient).sorted() == ["rosa@example.org", "tom@example.org"])
                #expect(outbox.allSatisfy { $0.template == "letter" && $0.caseworkID == miaLetters.first?.id && $0.pupilID == miaID })
                #expect(outbox.allSatisfy { $0.body.contains("Mia's attendance this school year is 63.2%") && !$0.body.contains("band") })
                let after = try await formSend(f, .GET, "/letter-runs?term=autumn-2025", cookie: lead.cookie)
                #expect(after.text.contains("2 termly letters for Autumn 2025 recorded"), "\(after.text)")
                #expect(after.text.contains("1 family has no email address"))
                #expect(after.text.contains("0 to send; 2 already sent for Autumn 2025."))

                // Idempotent: the same term again sends nothing; another term is a run of its own.
                let again = try await formSend(
                    f, .POST, "/letter-runs", cookie: lead.cookie, form: [("csrf", lead.csrf), ("term", "autumn-2025")])
                #expect(again.status == .seeOther)
                #expect(try await f.store.outbox(schoolID: f.schoolID).count == 2)
                #expect(try await f.store.casework(pupilID: miaID).filter { $0.caseworkKind == .letterSent }.count == 1)
                let spring = try await formSend(f, .GET, "/letter-runs?term=spring-2026", cookie: lead.cookie)
                #expect(spring.text.contains("2 to send; 0 already sent for Spring 2026."))
            }
        }
    }
}
