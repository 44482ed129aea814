// Parenting orders (seed 000 §6.5.6): made by a court after a conviction for non-attendance, never proposed by
// Rollbook. The school records one, with the responsible officer named on it; the evaluation proposes its reviews.

/// A parenting order as recorded from the court's order.
public struct ParentingOrderRecord: Sendable, Hashable, Codable {
    /// The stored record's id (part of each review's key).
    public var id: Int
    public var madeOn: LocalDate
    /// How long the order's requirements last, in months (at most 12, Sentencing Act 2020 s367).
    public var months: Int
    public var court: String
    /// The parent the order was made against, as named on the admission register.
    public var parent: String
    /// The responsible officer named on the order (seed 000 §6.5.6), and their organisation.
    public var officerName: String
    public var officerOrganisation: String
    /// What the order requires of the parent (a parenting programme of up to 3 months, other requirements).
    public var requirements: String
    /// The review dates set with the order, in order.
    public var reviewDates: [LocalDate]

    public init(
        id: Int = 0, madeOn: LocalDate, months: Int, court: String, parent: String, officerName: String, officerOrganisation: String,
        requirements: String, reviewDates: [LocalDate]
    ) {
        self.id = id
        self.madeOn = madeOn
        self.months = months
        self.court = court
        self.parent = parent
        self.officerName = officerName
        self.officerOrganisation = officerOrganisation
        self.requirements = requirements
        self.reviewDates = reviewDates
    }

    /// The most months an order's requirements may last (Sentencing Act 2020 s367(2)(a)).
    public static let maximumMonths = 12
    public static let source =
        "Seed 000 §6.5.6 Parenting Orders ('All parenting orders will specify a responsible officer'); Sentencing Act 2020 ss366-367"

    /// The last day of the order: the day before the same day `months` later (the month's last day when it has none).
    public var lastDay: LocalDate {
        let c = madeOn.components
        let m = c.month - 1 + months
        let (y, mo) = (c.year + m / 12, m % 12 + 1)
        var d = c.day
        while LocalDate(year: y, month: mo, day: d) == nil { d -= 1 }
        return LocalDate(year: y, month: mo, day: d)!.adding(days: -1)
    }

    /// Checks a record before it is saved, trimming its text and sorting its review dates; each error names the field.
    public func checked(today: LocalDate) throws(ValidationError) -> ParentingOrderRecord {
        func fail(_ f: String, _ r: String) -> ValidationError { ValidationError(field: f, reason: r) }
        var r = self
        for (field, path) in [
            ("court", \ParentingOrderRecord.court), ("parent", \.parent), ("officer_name", \.officerName),
            ("officer_organisation", \.officerOrganisation), ("requirements", \.requirements),
        ] {
            r[keyPath: path] = r[keyPath: path].trimmingCharacters(in: .whitespacesAndNewlines)
            guard !r[keyPath: path].isEmpty else {
                throw fail(field, field.hasPrefix("officer") ? "the order names its responsible officer: give it" : "must not be empty")
            }
            guard r[keyPath: path].count <= 2000 else { throw fail(field, "keep it under 2,000 characters") }
        }
        guard madeOn <= today else { throw fail("made_on", "\(madeOn) is in the future: record an order the court has made") }
        guard (1...Self.maximumMonths).contains(months) else {
            throw fail("months", "an order's requirements last 1 to \(Self.maximumMonths) months")
        }
        guard reviewDates.count <= 24 else { throw fail("review_dates", "give at most 24 review dates") }
        r.reviewDates = Array(Set(reviewDates)).sorted()
        for d in r.reviewDates where d <= madeOn || d > lastDay {
            throw fail("review_dates", "\(d) is not within the order (after \(madeOn), up to \(lastDay))")
        }
        return r
    }
}

extension EvalPlan {
    static let parentingOrderRule = "parenting_orders.review_dates"

    /// Each recorded order's latest review date on or before today, while the order lasts, until completed.
    func parentingOrderReviews(_ p: PupilFacts, _ cw: Casework, _ out: inout [DueAction]) {
        for o in cw.parentingOrders where o.madeOn <= asOf && o.lastDay >= asOf {
            let due = o.reviewDates.filter { $0 <= asOf }.sorted()
            guard let d = due.last else { continue }
            let rule = Self.parentingOrderRule
            let reason =
                "Review \(due.count) of \(o.reviewDates.count) of the parenting order made by \(o.court) on \(EvalWords.date(o.madeOn)) "
                + "(\(o.parent); until \(EvalWords.date(o.lastDay))), with the responsible officer \(o.officerName), "
                + "\(o.officerOrganisation). Requirements: \(o.requirements)"
            out.append(
                DueAction(
                    upn: p.upn, kind: .parentingOrderReview, rule: rule, due: d, reason: reason, sessions: [],
                    figures: ["review": Double(due.count), "reviews": Double(o.reviewDates.count), "months": Double(o.months)],
                    source: policy.clauses.first { $0.setting == rule }?.source ?? ParentingOrderRecord.source, action: .review,
                    contacts: [], proposedStage: nil,
                    key: "\(DueAction.Kind.parentingOrderReview.rawValue)|\(p.upn)|\(rule)|\(o.madeOn.iso)|\(o.id)|\(d.iso)",
                    policy: policyLabel))
        }
    }
}
