// Sending the policy's summary to parents (seed 003 'shared with parents at the start of the year and when a child
// starts'): when each pupil's families are sent it, in parents' words only (`ParentSummary`).

extension Policy {
    /// When the summary parents see (`parent_summary`, or the one Rollbook writes) is sent to each pupil's parents.
    public struct SendParentSummary: Sendable, Hashable, Codable {
        /// On the first school day of each academic year, to the parents of every pupil on roll that day.
        public var startOfYear: Bool
        /// On a pupil's starting day, when they join during the year (or on the first day itself).
        public var onAdmission: Bool
        public init(startOfYear: Bool, onAdmission: Bool) {
            self.startOfYear = startOfYear
            self.onAdmission = onAdmission
        }
    }

    func validateSendParentSummary() throws(ValidationError) {
        if let s = sendParentSummary, !s.startOfYear && !s.onAdmission {
            throw ValidationError(field: "send_parent_summary", reason: "set start_of_year or on_admission: leave it out to send nothing")
        }
    }
}

public enum ParentSummarySending {
    public enum Occasion: String, Sendable, Hashable {
        case startOfYear = "start_of_year"
        case admission
    }

    /// Days after the first school day of the year, or a starting day, on which a run that was missed still sends it.
    public static let catchUpDays = 13

    /// The first school day of the academic year containing `d`, from the calendar (nil when the year has none).
    public static func firstSchoolDay(of year: AcademicYear, calendar: SchoolCalendar) -> LocalDate? {
        var d = year.range.from
        while d <= year.range.to {
            if calendar.isSchoolDay(d) { return d }
            d = d.adding(days: 1)
        }
        return nil
    }

    /// Why a pupil's parents are sent the summary on `today`, if they are: the start of the year (on roll on its first
    /// school day, within `catchUpDays` of it) or their admission (starting this year, on or before today and within
    /// `catchUpDays`). The caller sends each pupil's parents one summary a year.
    public static func occasion(
        _ s: Policy.SendParentSummary, enrolment: Enrolment, firstDay: LocalDate, today: LocalDate
    ) -> Occasion? {
        guard today >= firstDay else { return nil }
        if s.startOfYear, firstDay.days(to: today) <= catchUpDays, enrolment.isOnRoll(firstDay) { return .startOfYear }
        let start = enrolment.startingDay
        if s.onAdmission, start >= AcademicYear(containing: today).range.from, start <= today,
            start.days(to: today) <= catchUpDays, enrolment.isOnRoll(today)
        {
            return .admission
        }
        return nil
    }

    /// The message: a greeting, the summary's paragraphs (parents' words only) and the school's name.
    public static func message(_ p: Policy, forename: String, school: String, occasion: Occasion) -> (subject: String, body: String) {
        let opening =
            switch occasion {
            case .startOfYear: "As the new school year begins, here is how attendance works at \(school)."
            case .admission: "Welcome to \(school). Here is how attendance works for \(forename)."
            }
        let body = ([opening] + ParentSummary.paragraphs(p) + ["You can read this at any time in the parent portal.", school])
            .joined(separator: "\n\n")
        return ("Attendance at \(school): what you need to know", body)
    }
}
