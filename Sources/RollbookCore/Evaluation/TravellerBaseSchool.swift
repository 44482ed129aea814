// A Traveller pupil's base school: seed 002 §4.4.7 "the school will be regarded as the base school if it is the school
// where the child normally attends when they are not travelling. However, the pupil must have attended in the last 18
// months ... the pupil's school place ... will be kept open for them whilst travelling."

extension Policy {
    /// Traveller pupils: how long the school stays the base school after the pupil last attended here.
    public struct Traveller: Sendable, Hashable, Codable {
        /// The school is the base school while the pupil attended here within this many months (seed 002: 18).
        public var baseSchoolMonths: Int
        public init(baseSchoolMonths: Int) { self.baseSchoolMonths = baseSchoolMonths }

        func validate() throws(ValidationError) {
            guard (1...36).contains(baseSchoolMonths) else {
                throw ValidationError(field: "traveller.base_school_months", reason: "must be 1 to 36 months (seed 002: 18)")
            }
        }
    }
}

/// Whether the school is still a Traveller pupil's base school.
public enum TravellerBaseSchool {
    public static let rule = "traveller.base_school_months"

    /// The codes that count as attending here: present (/, \, L) or an approved educational activity.
    public static let attendedCodes: [AttendanceCode] = AttendanceCode.allCases.filter {
        $0.statisticalMeaning == .present || $0.statisticalMeaning == .approvedEducationalActivity
    }

    /// The same day `months` months later (the 31st becomes the month's last day).
    public static func adding(months: Int, to d: LocalDate) -> LocalDate {
        let c = d.components
        let total = c.year * 12 + (c.month - 1) + months
        let (y, m) = (total / 12, total % 12 + 1)
        var day = c.day
        while LocalDate(year: y, month: m, day: day) == nil { day -= 1 }
        return LocalDate(year: y, month: m, day: day)!
    }

    /// The first day the place is no longer kept: `months` after the last attendance here, or after the starting day
    /// when the pupil has not attended yet.
    public static func lapsesOn(lastAttended: LocalDate?, startingDay: LocalDate, months: Int) -> LocalDate {
        adding(months: months, to: max(lastAttended ?? startingDay, startingDay))
    }
}

extension EvalPlan {
    /// `traveller_base_school` for a Traveller pupil once `traveller.base_school_months` have passed since they last
    /// attended here: a review (staff wording, with the date). While the place is kept, children-missing-education
    /// actions raised by T sessions alone (travelling) are not proposed.
    func travellerBaseSchool(_ p: PupilFacts, _ out: inout [DueAction]) {
        guard let months = policy.traveller?.baseSchoolMonths else { return }
        let start = p.enrolment.startingDay
        let lapses = TravellerBaseSchool.lapsesOn(lastAttended: p.lastAttended, startingDay: start, months: months)
        guard lapses <= asOf else {
            out.removeAll { a in a.kind == .missingEducation && !a.sessions.isEmpty && a.sessions.allSatisfy { $0.code == "T" } }
            return
        }
        let last =
            p.lastAttended.map { "last attended here on \(EvalWords.date($0))" }
            ?? "has not attended here since joining on \(EvalWords.date(start))"
        let reason =
            "From a Traveller family: \(last), so the \(EvalWords.count(months, "month")) in which this school stays the base school ended on "
            + "\(EvalWords.date(lapses.adding(days: -1))). Review the place with the family and the LA's Traveller Education "
            + "Service: is the pupil registered elsewhere, and is this still the school they attend when not travelling?"
        out.append(
            action(
                p, .travellerBaseSchool, rule: TravellerBaseSchool.rule, anchor: p.lastAttended ?? start, due: lapses, reason: reason,
                figures: ["base_school_months": Double(months)], action: .review))
    }
}
