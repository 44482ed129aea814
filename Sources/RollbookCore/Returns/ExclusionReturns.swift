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

// Part-time timetables (C2) the LA is told of (DfE Working together to improve school attendance, 2024: schools keep the
// LA informed of every pupil on a part-time timetable).
extension LAReturns {
    /// A pupil's part-time timetable that runs during the period.
    public struct PartTimeReturn: Sendable, Hashable {
        public var upn: String
        public var name: String
        public var yearGroup: String
        public var grant: LeaveGrant
        /// The weekly sessions not expected, in words ("Monday afternoon, Friday afternoon"); empty when the grant
        /// predates structured timetables.
        public var notExpected: String
    }

    /// Every granted C2 that overlaps `period` (and, with `later`, every one agreed to start after it), by start date.
    public static func partTimeTimetables(
        _ pupils: [ReturnPupil], decisions: [String: [LeaveDecisionFacts]], period: DateRange, later: Bool = false
    ) -> [PartTimeReturn] {
        var out: [PartTimeReturn] = []
        for p in pupils {
            for d in decisions[p.record.upn] ?? [] {
                guard let g = d.grant, g.code == .c2, later || g.from <= period.to, g.to >= period.from else { continue }
                out.append(
                    PartTimeReturn(
                        upn: p.record.upn, name: p.record.displayName, yearGroup: p.yearGroup(on: max(g.from, period.from)), grant: g,
                        notExpected: (g.notExpected ?? []).map(LeaveGrant.weeklyWords).joined(separator: ", ")))
            }
        }
        return out.sorted { ($0.grant.from, $0.upn) < ($1.grant.from, $1.upn) }
    }
}
