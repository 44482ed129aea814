// Exclusions the head tells the LA of (School Discipline (Pupil Exclusions and Reviews) (England) Regulations 2012,
// reg 5): every permanent exclusion, and every suspension that takes the pupil's suspensions in a term past 5 school
// days.

extension LAReturns {
    /// Suspensions in a term past this many school days are notified to the LA.
    public static let suspensionNotifySchoolDaysInTerm = NationalRules.suspensionLANotifySchoolDaysInTerm

    /// An exclusion starting in the period, and whether the LA must be told of it.
    public struct ExclusionReturn: Sendable, Hashable {
        public var upn: String
        public var name: String
        public var yearGroup: String
        public var exclusion: ExclusionRecord
        /// The pupil's school days of suspension in the term this one starts in, this one included (0 outside a term).
        public var termSuspensionSchoolDays: Int
        public var mustNotify: Bool
    }

    /// Every suspension and permanent exclusion that starts in `period`, by pupil and date.
    public static func exclusions(
        _ pupils: [ReturnPupil], records: [String: [ExclusionRecord]], calendar: SchoolCalendar, period: DateRange
    ) -> [ExclusionReturn] {
        var out: [ExclusionReturn] = []
        for p in pupils {
            let mine = (records[p.record.upn] ?? []).sorted { $0.firstDay < $1.firstDay }
            for x in mine where period.contains(x.firstDay) {
                let term = calendar.terms.first { $0.range.contains(x.firstDay) }?.range
                let days =
                    term.map { t in
                        mine.filter { $0.kind == .suspension && t.contains($0.firstDay) && $0.firstDay <= x.firstDay }
                            .reduce(0) { $0 + ($1.schoolDays ?? 0) }
                    } ?? 0
                out.append(
                    ExclusionReturn(
                        upn: p.record.upn, name: p.record.displayName, yearGroup: p.yearGroup(on: x.firstDay), exclusion: x,
                        termSuspensionSchoolDays: days,
                        mustNotify: x.kind == .permanent || days > suspensionNotifySchoolDaysInTerm))
            }
        }
        return out.sorted { ($0.exclusion.firstDay, $0.upn) < ($1.exclusion.firstDay, $1.upn) }
    }
}
