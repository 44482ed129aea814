import Foundation
import Testing

@testable import RollbookCore

// Seed 002 §4.4.7: "the pupil must have attended in the last 18 months ... the pupil's school place ... will be kept
// open for them whilst travelling". EvalTest's calendar runs to 23 October 2026.

private func day(_ s: String) -> LocalDate { EvalTest.day(s) }

@Suite("Evaluation: Traveller base school")
struct TravellerBaseSchoolTests {
    static let policy = EvalTest.quiet {
        $0.traveller = .init(baseSchoolMonths: 18)
        $0.missingEducation.noContactSchoolDays = [10]
    }

    /// Present from 22 April 2025 (the summer term's first day) only; travelling (T) from the next day to 23 October 2026.
    static func facts(traveller: Bool) -> PupilFacts {
        var b = EvalTest.Book(through: "2025-04-22")
        b.set(from: "2025-04-23", to: "2026-10-23", .t)
        var f = b.facts()
        f.traveller = traveller
        f.lastAttended = day("2025-04-22")
        return f
    }

    @Test("the base school lapses 18 months after the last attendance here (the same day 18 months on; 31st to month end)")
    func lapses() {
        #expect(
            TravellerBaseSchool.lapsesOn(lastAttended: day("2025-04-22"), startingDay: day("2024-09-01"), months: 18) == day("2026-10-22"))
        #expect(TravellerBaseSchool.lapsesOn(lastAttended: nil, startingDay: day("2025-09-01"), months: 18) == day("2027-03-01"))
        #expect(TravellerBaseSchool.adding(months: 1, to: day("2026-01-31")) == day("2026-02-28"))
        #expect(TravellerBaseSchool.attendedCodes.contains(.late) && TravellerBaseSchool.attendedCodes.contains(.b))
        #expect(!TravellerBaseSchool.attendedCodes.contains(.t))
    }

    @Test(
        "seed 002 §4.4.7 'the pupil must have attended in the last 18 months ... place kept open whilst travelling': while it holds, T alone raises no children-missing-education action; once it lapses, a review with the last attendance"
    )
    func reviewWhenLapsed() throws {
        // The same register without the Traveller flag: the T run raises a children-missing-education action.
        #expect(!EvalTest.run(Self.policy, "2026-10-21", [Self.facts(traveller: false)]).of(.missingEducation).isEmpty)
        #expect(EvalTest.run(Self.policy, "2026-10-21", [Self.facts(traveller: false)]).of(.travellerBaseSchool).isEmpty)
        // A Traveller pupil who attended on 22 April 2025: the place is kept, nothing proposed, until 21 October 2026.
        let kept = EvalTest.run(Self.policy, "2026-10-21", [Self.facts(traveller: true)])
        #expect(kept.of(.missingEducation).isEmpty && kept.of(.travellerBaseSchool).isEmpty)
        let lapsed = EvalTest.run(Self.policy, "2026-10-22", [Self.facts(traveller: true)])
        let a = try #require(lapsed.of(.travellerBaseSchool).first)
        #expect(a.action == .review && a.due == day("2026-10-22") && a.rule == "traveller.base_school_months")
        #expect(a.reason.contains("last attended here on 22 April 2025") && a.reason.contains("ended on 21 October 2026"))
        #expect(a.key == "traveller_base_school|A100000000001|traveller.base_school_months|2025-04-22")
        // Without the setting, no base-school check.
        var none = Self.policy
        none.traveller = nil
        #expect(EvalTest.run(none, "2026-10-22", [Self.facts(traveller: true)]).of(.travellerBaseSchool).isEmpty)
    }

    @Test("traveller.base_school_months must be 1 to 36, the error naming it")
    func validation() {
        var p = Self.policy
        p.traveller = .init(baseSchoolMonths: 0)
        #expect(throws: ValidationError.self) { try p.validate() }
        do { try p.validate() } catch { #expect(error.field == "traveller.base_school_months") }
        p.traveller = .init(baseSchoolMonths: 18)
        #expect(throws: Never.self) { try p.validate() }
    }
}
