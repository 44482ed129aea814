/// The policy's own review (seeds 000 §10.1 'reviewed at least annually ... approved by the full governing body', 001 §9
/// 'reviewed every two years', 002's review sheet, 004 'reviewed annually') and the summary parents see (seed 003
/// 'shared with parents at the start of the year and when a child starts').
extension Policy {
    public struct Review: Sendable, Hashable, Codable {
        /// Months from an approval to the next review (12 for annually, 24 for every two years).
        public var everyMonths: Int
        /// Who approves the policy, in words (e.g. "the full governing body"); shown where the approval is recorded.
        public var approvedBy: String?
        public init(everyMonths: Int, approvedBy: String? = nil) {
            self.everyMonths = everyMonths
            self.approvedBy = approvedBy
        }
    }

    /// The months between reviews: the policy's, else 12 (annually).
    public var reviewEveryMonths: Int { review?.everyMonths ?? 12 }

    /// The longest parent summary the portal shows.
    public static let parentSummaryLimit = 4000

    func validateReview() throws(ValidationError) {
        if let r = review {
            guard (1...60).contains(r.everyMonths) else {
                throw ValidationError(field: "review.every_months", reason: "must be 1 to 60 months (12 for annually)")
            }
            if let a = r.approvedBy, a.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError(field: "review.approved_by", reason: "must not be empty: leave it out instead")
            }
        }
        if let s = parentSummary {
            guard !s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ValidationError(field: "parent_summary", reason: "must not be empty: leave it out for the summary Rollbook writes")
            }
            guard s.count <= Self.parentSummaryLimit else {
                throw ValidationError(field: "parent_summary", reason: "must be at most \(Self.parentSummaryLimit) characters")
            }
        }
    }
}

public enum PolicyReview {
    /// The review date `months` after `approved`: the same day of the month, or the month's last day when it has fewer.
    public static func due(approvedOn approved: LocalDate, months: Int) -> LocalDate {
        let c = approved.components
        let total = c.year * 12 + (c.month - 1) + months
        let y = total / 12
        let m = total % 12 + 1
        let d = min(c.day, LocalDate.daysInMonth(year: y, month: m))
        return LocalDate(year: y, month: m, day: d)!
    }

    /// Whether the review is due on `today`: on or after its date.
    public static func isDue(_ reviewDue: LocalDate, today: LocalDate) -> Bool { today >= reviewDue }
}

/// The policy in parents' words, for the portal: the school's own `parent_summary` when it has written one (its
/// paragraphs), else paragraphs generated from the settings parents need: when to arrive, what to do when a child is
/// absent, and leave in term time. Never the staff-facing clauses, stages or actions.
public enum ParentSummary {
    public static func paragraphs(_ p: Policy) -> [String] {
        if let own = p.parentSummary {
            return own.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        }
        let am = p.register.am
        let pm = p.register.pm
        var out = [
            "The morning register is taken at \(am.opens) and the afternoon register at \(pm.opens). A child who arrives after \(am.lateAfter) in the morning is marked late; after \(am.closes) the late mark counts as an unauthorised absence for that session.",
            "If your child is absent, tell the school on the first morning, before \(p.dayOne.contactBy), and say why: you can report an absence in this portal. If we have not heard from you, we will contact you\(p.dayOne.repeatDaily ? ", and again on each day the absence is not explained" : "").",
            "Our target is for every child to attend at least \(Self.percent(p.attendanceTarget)) of sessions.",
        ]
        var leave =
            "Leave of absence in term time is granted only in exceptional circumstances. Ask for it in this portal at least \(p.leave.noticeDays) days before it starts."
        if !p.leave.blackouts.isEmpty { leave += " Leave is not granted at certain times, such as national tests." }
        if p.leave.adjacentDaysEvidenceDays != nil {
            leave += " An absence just before or after agreed leave needs evidence, or it is recorded as unauthorised."
        }
        out.append(leave)
        return out
    }

    static func percent(_ f: Double) -> String {
        let x = (f * 1000).rounded() / 10
        return x == x.rounded() ? "\(Int(x))%" : "\(x)%"
    }
}
