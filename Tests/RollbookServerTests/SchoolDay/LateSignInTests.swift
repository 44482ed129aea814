import FluentKit
import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

/// Issue 17: reception sign-in for late arrivals, by name or card, through the late book's audited path.
extension ServerTests {
    @Suite("Late sign-in at reception") struct LateSignInTests {
        static let mia = "A100000000001"
        static let zofia = "A100000000003"

        static func at(_ h: Int, _ m: Int) -> FixedClock { FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: h, minute: m)!) }

        /// Seed 000's policy for late arrivals (a reason asked, the first contact told) and Zofia's card 40001234.
        static func setUp(_ f: Fixture) async throws -> Int {
            let zofia = try await LateArrivalTests.setUp(f, LateArrivalTests.policy())
            let r = try await f.call(.PUT, "/api/v1/pupils/\(Self.zofia)/card", as: .office, json: #"{"card_number": " 40001234 "}"#)
            #expect(r.status == .ok && r.object["card_number"] as? String == "40001234", "\(r.text)")
            return zofia
        }

        @Test(
            "seed 000 §5.4.3 'sign in at Student Services Reception': a card number finds the pupil; before the register closes L, the family told per the policy",
            arguments: Backend.available)
        func cardBeforeClose(_ b: Backend) async throws {
            try await withRollbook(b, at: Self.at(9, 5)) { f in
                let zofia = try await Self.setUp(f)
                // The card finds Zofia and only her; a name search finds by any part of the name.
                let byCard = try await f.call(.GET, "/api/v1/late-sign-in/pupils?q=40001234", as: .office)
                #expect(byCard.status == .ok && RollCallServerTests.names(byCard.object["pupils"]) == [Self.zofia], "\(byCard.text)")
                let byName = try await f.call(.GET, "/api/v1/late-sign-in/pupils?q=nowak%20zof", as: .office)
                #expect(RollCallServerTests.names(byName.object["pupils"]) == [Self.zofia], "\(byName.text)")
                let r = try await f.call(
                    .POST, "/api/v1/late-sign-in", as: .office, json: #"{"card_number": "40001234", "reason": "Overslept"}"#)
                #expect(r.status == .ok, "\(r.text)")
                #expect(
                    r.object["code"] as? String == "L" && r.object["session"] as? String == "AM" && r.object["time"] as? String == "9:05")
                #expect(r.object["upn"] as? String == Self.zofia && r.object["minutes_late"] as? Int == 25)
                let mark = try #require(try await f.store.marks(pupilIDs: [zofia], date: day("2025-09-09"), session: .am)[zofia])
                #expect(mark.code == "L" && (mark.note ?? "").contains("signed in at reception"))
                // The late book's follow-up: the timeline entry with the reason, and the first contact told by SMS and email.
                let entry = try #require(try await f.store.casework(pupilID: zofia).first { $0.caseworkKind == .lateArrival })
                #expect(entry.outcome == "Overslept" && entry.summary.contains("Late to the AM register: L"))
                let messages = try await OutboxRow.query(on: f.app.db).all().filter { $0.pupilID == zofia }
                #expect(Set(messages.map { "\($0.channel) \($0.recipient)" }) == ["sms 07700 900101", "email kasia@example.org"])
                #expect(messages.allSatisfy { !$0.body.contains("Overslept") && !$0.body.contains("reception") })
            }
        }

        @Test(
            "after the register closes the kiosk writes U and offers the slip: name, form, time, mark and reason; then back to the search",
            arguments: Backend.available)
        func kioskAfterClose(_ b: Backend) async throws {
            try await withRollbook(b, at: Self.at(9, 40)) { f in
                let zofia = try await Self.setUp(f)
                let s = try await staffSession(f, .office)
                let kiosk = try await formSend(f, .GET, "/late-sign-in?kiosk=1", cookie: s.cookie)
                #expect(kiosk.status == .ok && kiosk.text.contains("<h1>Late sign-in") && kiosk.text.contains(#"for="sign-in-q""#))
                #expect(!kiosk.text.contains("/worklist") && !kiosk.text.contains("Zofia"))
                // A scanned card goes straight to the pupil; the page shows no one else.
                let scanned = try await formSend(f, .GET, "/late-sign-in?kiosk=1&q=40001234", cookie: s.cookie)
                #expect(scanned.text.contains("Zofia Nowak") && scanned.text.contains(#"name="upn" value="\#(Self.zofia)""#))
                #expect(!scanned.text.contains("Mia"))
                let token = try #require(pageToken(scanned))
                let done = try await formSend(
                    f, .POST, "/late-sign-in", cookie: s.cookie,
                    form: [
                        ("csrf", token), ("upn", Self.zofia), ("reason", "Transport or traffic"), ("note", "Bus broke down"),
                        ("kiosk", "1"),
                    ])
                #expect(done.status == .seeOther && redirectTarget(done) == "/late-sign-in?kiosk=1", "\(done.text)")
                let mark = try #require(try await f.store.marks(pupilIDs: [zofia], date: day("2025-09-09"), session: .am)[zofia])
                #expect(mark.code == "U" && mark.minutesLate == 60 && (mark.note ?? "").contains("Bus broke down"))
                let back = try await formSend(f, .GET, "/late-sign-in?kiosk=1", cookie: s.cookie)
                #expect(back.text.contains("signed in at 9:40: U") && back.text.contains(#"id="sign-in-q""#))
                let slip = try await formSend(f, .GET, "/late-sign-in/slip/\(Self.zofia)?session=AM&time=9:40&kiosk=1", cookie: s.cookie)
                #expect(slip.status == .ok, "\(slip.text)")
                for part in ["Zofia Nowak", "6A", "9:40", "<strong>U</strong>", "60 minutes late", "Transport or traffic"] {
                    #expect(slip.text.contains(part), "\(part)")
                }
                // Asking for a slip on signing in goes straight to it.
                let again = try await formSend(
                    f, .POST, "/late-sign-in", cookie: s.cookie,
                    form: [("csrf", token), ("card_number", "40001234"), ("reason", "Overslept"), ("slip", "1")])
                #expect(redirectTarget(again) == "/late-sign-in/slip/\(Self.zofia)?session=AM&time=9:40", "\(again.status) \(again.text)")
                // The card is set on the pupil page too; a number another pupil holds is refused there as well.
                let pupilPage = try await formSend(f, .GET, "/pupils/\(Self.mia)", cookie: s.cookie)
                #expect(pupilPage.text.contains(#"for="card-number""#))
                let set = try await formSend(
                    f, .POST, "/pupils/\(Self.mia)/card", cookie: s.cookie, form: [("csrf", token), ("card_number", "ab12cd")])
                #expect(set.status == .seeOther, "\(set.text)")
                let miaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.mia)?.id)
                #expect(try await f.store.cardNumber(pupilID: miaID) == "AB12CD")
                let clash = try await formSend(
                    f, .POST, "/pupils/\(Self.mia)/card", cookie: s.cookie, form: [("csrf", token), ("card_number", "40001234")])
                #expect(clash.status == .unprocessableEntity && clash.text.contains("already another pupil"), "\(clash.text)")
            }
        }

        @Test(
            "a bad card number is refused naming card_number (422), an unknown one is 404, and nothing is written",
            arguments: Backend.available)
        func badCard(_ b: Backend) async throws {
            try await withRollbook(b, at: Self.at(9, 20)) { f in
                let zofia = try await Self.setUp(f)
                let short = try await f.call(
                    .POST, "/api/v1/late-sign-in", as: .office, json: #"{"card_number": "12", "reason": "Overslept"}"#)
                #expect(short.status == .unprocessableEntity && short.errorField == "card_number", "\(short.text)")
                let unknown = try await f.call(
                    .POST, "/api/v1/late-sign-in", as: .office, json: #"{"card_number": "99990000", "reason": "Overslept"}"#)
                #expect(unknown.status == .notFound && unknown.errorField == "card_number", "\(unknown.text)")
                let none = try await f.call(.POST, "/api/v1/late-sign-in", as: .office, json: #"{"reason": "Overslept"}"#)
                #expect(none.status == .unprocessableEntity && none.errorField == "card_number", "\(none.text)")
                let noReason = try await f.call(.POST, "/api/v1/late-sign-in", as: .office, json: #"{"card_number": "40001234"}"#)
                #expect(noReason.status == .unprocessableEntity && noReason.errorField == "reason", "\(noReason.text)")
                #expect(try await f.store.marks(pupilIDs: [zofia], date: day("2025-09-09"), session: .am)[zofia] == nil)
                // Another pupil's card is refused, and a teacher may not sign pupils in.
                let taken = try await f.call(.PUT, "/api/v1/pupils/\(Self.mia)/card", as: .office, json: #"{"card_number": "40001234"}"#)
                #expect(taken.status == .unprocessableEntity && taken.errorField == "card_number", "\(taken.text)")
                let miaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.mia)?.id)
                #expect(try await f.store.cardNumber(pupilID: miaID) == nil)
                let teacher = try await f.call(.POST, "/api/v1/late-sign-in", as: .teacher, json: #"{"card_number": "40001234"}"#)
                #expect(teacher.status == .forbidden)
                // Removing the card: the number finds no one.
                let removed = try await f.call(.PUT, "/api/v1/pupils/\(Self.zofia)/card", as: .office, json: #"{"card_number": null}"#)
                #expect(removed.status == .ok && removed.object["card_number"] == nil, "\(removed.text)")
                #expect(try await f.store.pupil(schoolID: f.schoolID, cardNumber: "40001234") == nil)
            }
        }

        @Test("cards.csv sets many pupils' cards at once, all or nothing; a card another pupil keeps refuses the file, naming the line")
        func importCards() async throws {
            try await withRollbook(.sqlite) { f in
                let zofia = try await Self.setUp(f)
                let miaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.mia)?.id)
                let actor = Actor(name: "rollbook import", position: "Command line")
                // Mia takes Zofia's card while Zofia gets a new one: cards move within the file.
                let ok = try Interchange.readCards(
                    file: "cards.csv", text: "upn,card_number\n\(Self.mia),40001234\n\(Self.zofia),50005678\n")
                try await f.store.importCards(schoolID: f.schoolID, file: "cards.csv", rows: ok, by: actor, at: "t")
                #expect(try await f.store.cardNumber(pupilID: miaID) == "40001234")
                #expect(try await f.store.cardNumber(pupilID: zofia) == "50005678")
                // Mia's card again for another pupil while Mia keeps it: refused, nothing changes.
                let clash = try Interchange.readCards(file: "cards.csv", text: "upn,card_number\nA100000000002,40001234\n")
                await #expect(
                    throws: ImportError(
                        file: "cards.csv", line: 2, column: "card_number", reason: "'40001234' is already another pupil's card")
                ) {
                    try await f.store.importCards(schoolID: f.schoolID, file: "cards.csv", rows: clash, by: actor, at: "t")
                }
                #expect(try await f.store.pupil(schoolID: f.schoolID, cardNumber: "40001234")?.upn == Self.mia)
            }
        }
    }
}
