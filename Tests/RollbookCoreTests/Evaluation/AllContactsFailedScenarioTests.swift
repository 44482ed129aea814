import Foundation
import Testing

@testable import RollbookCore

// Every contact tried on an unexplained absence and nobody reached (Evaluation/DayOneContact.swift).

private func day(_ s: String) -> LocalDate { EvalTest.day(s) }

@Suite("Day-1 contact: every contact failed")
struct AllContactsFailedScenarioTests {
    static let upn = "X000000000002"
    static let rule = "day_one.all_contacts_failed"

    /// Present until Monday 10 November, then N from `from` through `asOf`.
    static func run(_ asOf: String, from: String = "2025-11-10", failed: [(String, Int)], contact: String? = nil) throws -> [DueAction] {
        let policy = try SeedScenario.policy("000")
        var b = EvalTest.Book(through: asOf)
        b.set(from: from, to: asOf, .n)
        let cw = Casework(lastFamilyContact: contact.map(day))
        var with = cw
        with.failedContacts = failed.map { ContactAttempt(date: day($0.0), priority: $0.1) }
        return EvalTest.run(policy, asOf, [b.facts(upn)], casework: [upn: with])
    }

    @Test(
        "seed 000 §5.5.1 'If the School cannot reach any of the student's emergency contacts, the school may contact the police, MASH': once all three contacts have failed, a home visit is proposed with the policy's next steps"
    )
    func allThreeFailed() throws {
        // Two of three contacts tried on Monday: nothing yet.
        #expect(try Self.run("2025-11-10", failed: [("2025-11-10", 1), ("2025-11-10", 2)]).of(.allContactsFailed).isEmpty)
        // The grandparent tried on Tuesday too: every contact has failed.
        let actions = try Self.run("2025-11-11", failed: [("2025-11-10", 1), ("2025-11-10", 2), ("2025-11-11", 3)])
        let a = try #require(actions.of(.allContactsFailed).first)
        #expect(a.due == day("2025-11-11") && a.rule == Self.rule && a.action == .homeVisit)
        #expect(a.key == "all_contacts_failed|\(Self.upn)|\(Self.rule)|2025-11-10")
        #expect(a.figures == ["school_days": 2, "contacts": 3, "attempts": 3])
        #expect(
            a.reason.contains("every contact (3) has been tried")
                && a.reason.contains("a home visit; the police (a welfare check); the MASH"))
        #expect(a.source.contains("cannot reach any of the student's emergency"))
        #expect(a.sessions.count == 4 && a.sessions.allSatisfy { $0.code == "N" })
    }

    @Test("attempts before the absence began, or contact from the family since, do not count")
    func staleOrAnswered() throws {
        // The attempts were for an earlier absence.
        #expect(
            try Self.run("2025-11-11", failed: [("2025-11-07", 1), ("2025-11-07", 2), ("2025-11-07", 3)]).of(.allContactsFailed).isEmpty)
        // The mother rang back on Tuesday.
        let answered = try Self.run(
            "2025-11-11", failed: [("2025-11-10", 1), ("2025-11-10", 2), ("2025-11-11", 3)], contact: "2025-11-11")
        #expect(answered.of(.allContactsFailed).isEmpty)
    }

    @Test("the setting is validated: each next step once, not empty")
    func validated() throws {
        var policy = try SeedScenario.policy("000")
        policy.dayOne.allContactsFailed = [.police, .police]
        #expect(throws: ValidationError.self) { try policy.validate() }
        policy.dayOne.allContactsFailed = []
        do {
            try policy.validate()
            Issue.record("an empty list was accepted")
        } catch { #expect(error.field == "day_one.all_contacts_failed") }
        policy.dayOne.allContactsFailed = nil
        try policy.validate()
    }
}
