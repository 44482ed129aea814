import Foundation
import Testing

@testable import RollbookCore

// Lesson lateness counted towards the lateness rules (seed 000 §5.4.4), on EvalTest's synthetic autumn 2025.

private func day(_ s: String) -> LocalDate { EvalTest.day(s) }

@Suite("Lesson lateness counts towards the lateness rules (seed 000 §5.4.4)")
struct LessonLatenessTests {
    static let upn = LatenessTruancyScenarioTests.upn
    /// Late (L) to registration on three Mondays.
    static let mondays = ["2025-09-15", "2025-09-22", "2025-09-29"]

    static func lessons(_ days: [(String, String)]) -> Casework {
        var cw = Casework()
        cw.lessonLates = days.map { LessonLate(date: day($0.0), lesson: $0.1) }
        return cw
    }

    @Test(
        "seed 000 §5.4.4 'if they are late for a lesson, will receive a late to learning detention': lesson lates count towards persistent late arrival"
    )
    func seed000LessonLatesCount() throws {
        let policy = try SeedScenario.policy("000")
        #expect(policy.latenessIncludesLessons == true)
        let b = LatenessTruancyScenarioTests.lates(Self.mondays, yearGroup: "9")
        // 3 late to registration: no rung. With 3 lessons late (two on one day) the 6 in 6 school weeks is reached.
        #expect(LatenessTruancyScenarioTests.actions(policy, "2025-10-03", b).of(.lateness).isEmpty)
        let cw = Self.lessons([("2025-10-01", "P3 9x/Ma1"), ("2025-10-01", "P5 9x/En1"), ("2025-10-03", "P2 9x/Sc1")])
        let a = try #require(LatenessTruancyScenarioTests.actions(policy, "2025-10-03", b, cw).of(.lateness).first)
        #expect(a.rule == "lateness.persistent-late" && a.action == .meeting)
        #expect(a.figures["count"] == 6 && a.figures["lesson_lates"] == 3)
        #expect(a.reason.contains("3 of them late to a lesson"))
        // On 2 October only two lesson lates had happened: 5, no rung.
        #expect(LatenessTruancyScenarioTests.actions(policy, "2025-10-02", b, cw).of(.lateness).isEmpty)
    }

    @Test("seed 000: an L at the P1 registration period is already the AM mark, so it does not count a second time")
    func registrationPeriodNotTwice() throws {
        let policy = try SeedScenario.policy("000")
        let b = LatenessTruancyScenarioTests.lates(Self.mondays, yearGroup: "9")
        let cw = Self.lessons([("2025-10-01", "P1 9x/Reg"), ("2025-10-02", "P1 9x/Reg"), ("2025-10-03", "P1 9x/Reg")])
        #expect(LatenessTruancyScenarioTests.actions(policy, "2025-10-03", b, cw).of(.lateness).isEmpty)
        #expect(policy.countedLessonLates(cw.lessonLates).isEmpty)
    }

    @Test("without lateness_includes_lessons lesson lates count for nothing; set with no rule counting L it is refused, naming the setting")
    func offByDefaultAndValidated() throws {
        var policy = try SeedScenario.policy("000")
        policy.latenessIncludesLessons = nil
        let b = LatenessTruancyScenarioTests.lates(Self.mondays, yearGroup: "9")
        let cw = Self.lessons([("2025-10-01", "P3 9x/Ma1"), ("2025-10-01", "P5 9x/En1"), ("2025-10-03", "P2 9x/Sc1")])
        #expect(LatenessTruancyScenarioTests.actions(policy, "2025-10-03", b, cw).of(.lateness).isEmpty)
        var bare = Policy.standard(name: "No lateness rules", effectiveFrom: day("2025-09-01"))
        bare.latenessIncludesLessons = true
        do {
            try bare.validate()
            Issue.record("a policy with no rule counting L accepted lateness_includes_lessons")
        } catch {
            #expect(error.field == "lateness_includes_lessons" && error.reason.contains("count towards nothing"))
        }
        // The file's key decodes, snake_case, and a saved policy without it still decodes.
        let json = String(decoding: PolicyFile.encode(policy), as: UTF8.self)
        #expect(!json.contains(#""lateness_includes_lessons" :"#))
        policy.latenessIncludesLessons = true
        let back = try PolicyFile.decode(PolicyFile.encode(policy))
        #expect(back.latenessIncludesLessons == true)
    }
}

@Suite("Pupil card numbers (reception sign-in)")
struct PupilCardTests {
    @Test("a card number is 4 to 20 letters and digits, trimmed and upper-cased; anything else names the field")
    func parse() throws {
        #expect(try PupilCard.parse(" ab12cd ") == "AB12CD")
        for bad in ["", "12", "1234-5678", String(repeating: "9", count: 21)] {
            #expect(throws: ValidationError.self) { try PupilCard.parse(bad) }
            do { _ = try PupilCard.parse(bad, field: "cards[0]") } catch { #expect(error.field == "cards[0]") }
        }
        #expect(PupilCard.looksLikeCard("40001234") && !PupilCard.looksLikeCard("Zofia") && !PupilCard.looksLikeCard("12"))
    }

    @Test("cards.csv: upn,card_number; a bad UPN, card or a repeat stops the file at its line and column")
    func readCards() throws {
        let rows = try Interchange.readCards(file: "cards.csv", text: "upn,card_number\nA100000000001,40001234\n")
        #expect(rows == [Interchange.CardRow(upn: "A100000000001", cardNumber: "40001234", line: 2)])
        #expect(throws: ImportError(file: "cards.csv", line: 3, column: "card_number", reason: "40001234 appears twice in the file")) {
            try Interchange.readCards(file: "cards.csv", text: "upn,card_number\nA100000000001,40001234\nA100000000002,40001234\n")
        }
        #expect(throws: ImportError.self) { try Interchange.readCards(file: "cards.csv", text: "upn,card_number\nA1,40001234\n") }
    }
}
