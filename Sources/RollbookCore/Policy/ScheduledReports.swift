/// Reports sent to staff on a schedule, through the outbox (seed 001 §8.3 'weekly updates to all staff about the
/// attendance figures for learners and groups'; seed 004 appendix 1 'A spreadsheet is sent to the SLT and attendance
/// lead detailing weekly and annual attendance').
public struct ScheduledReport: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// The school's, each year group's and each form's attendance for the period, and the year to date: figures only.
        case attendanceSummary = "attendance_summary"
        /// A link (behind sign-in) to the spreadsheet of every pupil's attendance for the period and the year to date.
        case spreadsheet
    }
    public enum Every: String, Sendable, Hashable, Codable {
        /// Each school week, on `weekday`, covering Monday to that day.
        case week
        /// Once a year, after the academic year's last school day, covering the year.
        case year
    }
    public var kind: Kind
    /// Staff roles it goes to: `teacher`, `office`, `attendance_lead`, `head`, `governor`.
    public var to: [String]
    public var every: Every
    /// For a weekly report: 1 (Monday) to 7 (Sunday); the report goes once that day's afternoon register has closed.
    /// Absent: Friday.
    public var weekday: Int?

    public init(kind: Kind, to: [String], every: Every, weekday: Int? = nil) {
        self.kind = kind
        self.to = to
        self.every = every
        self.weekday = weekday
    }

    /// The roles a report may go to. The LA officer is not a member of the school's staff.
    public static let roles = ["teacher", "office", "attendance_lead", "head", "governor"]

    /// When the report falls due by `through` (the last complete day), the day it is for and the dates it covers.
    /// Weekly: the report day of the week containing `through` (Monday to that day), once it is complete and when the
    /// school was open on a day of it (`schoolDays`, in order); a week missed is not sent later. Yearly: the academic
    /// year's last school day, once it is complete (`schoolDays` are the year's).
    public func due(through: LocalDate, schoolDays: [LocalDate]) -> (day: LocalDate, range: DateRange)? {
        switch every {
        case .week:
            let monday = through.weekStart
            let day = monday.adding(days: (weekday ?? 5) - 1)
            guard day <= through, schoolDays.contains(where: { $0 >= monday && $0 <= day }) else { return nil }
            return (day, DateRange(from: monday, to: day))
        case .year:
            guard let last = schoolDays.last, last <= through else { return nil }
            return (last, DateRange(from: AcademicYear(containing: last).range.from, to: last))
        }
    }
}

extension Policy {
    func validateReports() throws(ValidationError) {
        for (i, r) in (reports ?? []).enumerated() {
            let f = "reports[\(i)]"
            guard !r.to.isEmpty else { throw ValidationError(field: "\(f).to", reason: "must name at least one role") }
            for role in r.to where !ScheduledReport.roles.contains(role) {
                throw ValidationError(
                    field: "\(f).to", reason: "'\(role)' is no staff role; use \(ScheduledReport.roles.joined(separator: ", "))")
            }
            if Set(r.to).count != r.to.count { throw ValidationError(field: "\(f).to", reason: "names a role twice") }
            if let w = r.weekday {
                guard r.every == .week else { throw ValidationError(field: "\(f).weekday", reason: "is for weekly reports only") }
                guard (1...7).contains(w) else { throw ValidationError(field: "\(f).weekday", reason: "must be 1 (Monday) to 7 (Sunday)") }
            }
        }
        let keys = (reports ?? []).map { "\($0.kind.rawValue) \($0.every.rawValue)" }
        if Set(keys).count != keys.count {
            throw ValidationError(field: "reports", reason: "lists the same kind of report at the same interval twice: give it one entry")
        }
    }
}
