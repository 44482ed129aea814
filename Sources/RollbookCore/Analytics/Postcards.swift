import Foundation

// Electronic postcards (seed 004: "Electronic postcards for 100% attendance at the end of each half-term and end of
// year"), and postcards for improved attendance where the policy says: which periods have ended, who gets one, and
// the words, written for parents only.

extension Policy.Rewards {
    /// Policy key `rewards.postcards`: `{"full_attendance": ["half_term", "year"], "improving": true}`.
    public struct Postcards: Sendable, Hashable, Codable {
        /// The periods (half_term, term, year) at whose end a pupil with 100% over it gets a postcard.
        public var fullAttendance: [CadencePeriod]?
        /// A postcard for improved attendance at the end of each period `rewards.improving` compares; absent: false.
        public var improving: Bool?
        public init(fullAttendance: [CadencePeriod]? = nil, improving: Bool? = nil) {
            self.fullAttendance = fullAttendance
            self.improving = improving
        }
    }
}

/// A period postcards can be sent for.
public struct PostcardPeriod: Sendable, Hashable {
    /// `half_term-2026-09-02`: the period's kind and first day, stable across runs.
    public var id: String
    public var period: CadencePeriod
    public var range: DateRange
    /// Sends 100% postcards.
    public var fullAttendance: Bool
    /// Sends improved-attendance postcards, comparing with this period.
    public var before: DateRange?
}

/// One pupil's postcard.
public struct Postcard: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case fullAttendance = "full_attendance"
        case improving
    }
    public var kind: Kind
    public var pupil: PupilFigures
    /// Percentage points gained (improving only).
    public var points: Double?

    /// Words for the parents: `forename` the child's, `period` e.g. "this half term (2 September to 24 October 2026)".
    public static func words(_ kind: Kind, forename: String, period: String, school: String) -> (subject: String, body: String) {
        switch kind {
        case .fullAttendance:
            return (
                "A postcard from \(school): \(forename) was in school every day",
                "Congratulations! \(forename) attended every session \(period).\n\nEvery day in school counts, and \(forename) has not missed one. Thank you for all you do to make that happen.\n\nWith best wishes from everyone at \(school)."
            )
        case .improving:
            return (
                "A postcard from \(school): well done, \(forename)",
                "Well done! \(forename)'s attendance has improved \(period).\n\nEvery day in school counts. Thank you for the effort you and \(forename) have made: please keep it up.\n\nWith best wishes from everyone at \(school)."
            )
        }
    }
}

extension AnalyticsRoll {
    /// The periods of the roll's year the policy sends postcards for, whose last school day is on or before `through`,
    /// oldest first. 100% postcards for the policy's `full_attendance` periods (half terms and terms from the school
    /// calendar, the year); improved-attendance postcards for each period `improving` compares with the one before.
    public func postcardPeriods(_ rewards: Policy.Rewards, through: LocalDate) -> [PostcardPeriod] {
        guard let cards = rewards.postcards else { return [] }
        let full = Set(cards.fullAttendance ?? [])
        let compare: CadencePeriod? =
            cards.improving == true ? rewards.improving.map { $0.compareWith == .previousTerm ? .term : .halfTerm } : nil
        var out: [PostcardPeriod] = []
        let yearRange = clamp(year.range)
        for period in [CadencePeriod.halfTerm, .term, .year] where full.contains(period) || compare == period {
            let ranges: [DateRange]
            switch period {
            case .halfTerm: ranges = calendar.terms.flatMap(\.halfTerms)
            case .term: ranges = calendar.terms.map(\.range)
            default: ranges = yearRange.map { [$0] } ?? []
            }
            for r in ranges {
                guard let c = clamp(r), let last = lastSchoolDay(in: c), last <= through else { continue }
                var before: DateRange? = nil
                if compare == period, let rule = rewards.improving { before = previousPeriod(rule.compareWith, before: c) }
                out.append(
                    PostcardPeriod(
                        id: "\(period.rawValue)-\(c.from.iso)", period: period, range: c, fullAttendance: full.contains(period),
                        before: before))
            }
        }
        return out.sorted { $0.range.to != $1.range.to ? $0.range.to < $1.range.to : $0.range.from > $1.range.from }
    }

    /// The last school day of the roll within `range`.
    func lastSchoolDay(in range: DateRange) -> LocalDate? {
        let days = dayRange(range)
        return days.isEmpty ? nil : schoolDays[days.upperBound - 1]
    }

    /// The first to the last school day within `range` (a year as families read it: September to July).
    public func schoolDaySpan(_ range: DateRange) -> DateRange? {
        let days = dayRange(range)
        return days.isEmpty ? nil : DateRange(from: schoolDays[days.lowerBound], to: schoolDays[days.upperBound - 1])
    }

    /// Who gets a postcard for `period`: 100% over it (with a possible session), else (where it compares) improved by
    /// the policy's points on the period before. One each, by name.
    public func postcards(_ period: PostcardPeriod, rewards: Policy.Rewards, filter: AnalyticsFilter? = nil) -> [Postcard] {
        var out: [Postcard] = []
        var full: Set<Int> = []
        if period.fullAttendance {
            for f in fullAttendance(period.range, filter: filter) {
                full.insert(f.pupil)
                out.append(Postcard(kind: .fullAttendance, pupil: f, points: nil))
            }
        }
        if let before = period.before, let rule = rewards.improving {
            for i in improving(now: period.range, before: before, byPoints: rule.byPoints, filter: filter) where !full.contains(i.now.pupil)
            {
                out.append(Postcard(kind: .improving, pupil: i.now, points: i.points))
            }
        }
        return out.sorted { byName($0.pupil.pupil, $1.pupil.pupil) }
    }
}
