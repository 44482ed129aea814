import Foundation
import Testing

@testable import RollbookCore

@Suite("Termly letters by band")
struct TermlyLettersTests {
    @Test(
        "seed 003 Proactive 6 'reported to parents/carers termly using red/amber and green letters': every band has a letter, green included"
    )
    func seed003EveryBand() throws {
        let p = try SeedPolicyTests.seed(3)
        let t = try #require(p.termlyLetters)
        // 96.2% green, 94.951% rounds to 95.0% (green, as the bands compare), 90% amber, 85% and 40% red, none without sessions.
        let planned = t.plan(rates: [0.962, 0.94951, 0.90, 0.85, nil, 0.40], bands: p.attendanceBands)
        #expect(planned.map(\.index) == [0, 1, 2, 3, 5])
        #expect(planned.map(\.letter) == ["rag-green", "rag-green", "rag-upper-amber", "rag-lower-amber", "rag-lower-amber"])
        #expect(planned.map(\.band.tone) == ["green", "green", "amber", "red", "red"])
        for l in t.letters { #expect(LetterTemplate.builtIn(l.letter) != nil, "\(l.letter) has no built-in wording") }
        #expect(LetterTemplate.letterIDs(in: p).contains("rag-green"))
    }

    @Test("a band the policy gives no letter gets none; the key is per term and pupil")
    func partialAndKeys() {
        let bands = AttendanceBands(bands: [.init(name: "Good", from: 0.95, tone: "green"), .init(name: "Low", from: 0, tone: "red")])
        let t = TermlyLetters(letters: [.init(band: "Low", letter: "rag-red")])
        #expect(t.plan(rates: [0.99, 0.5], bands: bands).map(\.index) == [1])
        #expect(TermlyLetters.key(term: "autumn-2025", pupilID: 7) != TermlyLetters.key(term: "spring-2026", pupilID: 7))
    }

    @Test("validation names the setting and the reason: an unknown band, a band twice, no letter, an empty list")
    func validation() throws {
        var p = try SeedPolicyTests.seed(3)
        func reason(_ letters: [TermlyLetters.BandLetter]) -> ValidationError? {
            p.termlyLetters = TermlyLetters(letters: letters)
            do { try p.validate() } catch { return error }
            return nil
        }
        let unknown = reason([.init(band: "Gold", letter: "rag-green")])
        #expect(unknown?.field == "termly_letters.letters[0].band" && unknown?.reason.contains("'Gold' is not one of the bands") == true)
        let twice = reason([.init(band: "95% or more", letter: "rag-green"), .init(band: "95% or more", letter: "rag-red")])
        #expect(twice?.field == "termly_letters.letters[1].band")
        #expect(reason([.init(band: "95% or more", letter: " ")])?.field == "termly_letters.letters[0].letter")
        #expect(reason([])?.field == "termly_letters.letters")
        #expect(reason([.init(band: "below 50%", letter: "rag-red")]) == nil)
        // A saved policy without the key still decodes.
        var json = try JSONSerialization.jsonObject(with: SeedPolicyTests.data("seed-003-primary.json")) as! [String: Any]
        json["termly_letters"] = nil
        json["clauses"] = (json["clauses"] as! [[String: Any]]).filter { $0["setting"] as? String != "termly_letters" }
        #expect(try PolicyFile.decode(JSONSerialization.data(withJSONObject: json)).termlyLetters == nil)
    }
}
