/// What an intervention did (seeds 000, 002, 003, 004 ask the school to watch whether its stages and actions work):
/// each pupil's attendance over the school weeks before the week of the entry and the school weeks after it.
public struct InterventionEntry: Sendable, Hashable {
    /// The pupil's id on the roll (UPN).
    public var pupilID: String
    /// What was done: a stage id or a casework kind, as the caller groups them.
    public var kind: String
    public var date: LocalDate
    public init(pupilID: String, kind: String, date: LocalDate) {
        self.pupilID = pupilID
        self.kind = kind
        self.date = date
    }
}

public struct InterventionOutcome: Sendable, Hashable {
    public var pupil: Int
    public var id: String
    public var name: String
    public var date: LocalDate
    /// The `windowWeeks` school weeks before the week of the entry.
    public var before: SessionCounts
    /// The `windowWeeks` school weeks after the week of the entry, up to `through`.
    public var after: SessionCounts
    /// Whether the after window has run its full length by `through`.
    public var afterComplete: Bool
    /// Attendance after higher than before; nil when either window has no possible session.
    public var improved: Bool? {
        guard before.possible > 0, after.possible > 0 else { return nil }
        return (after.present + after.approvedActivity) * before.possible > (before.present + before.approvedActivity) * after.possible
    }
}

public struct InterventionImpact: Sendable, Hashable {
    public var kind: String
    /// One line per entry (a pupil entering a stage twice counts twice), by date then name.
    public var outcomes: [InterventionOutcome]
    /// Entries with a possible session in both windows.
    public var measured: Int { outcomes.count { $0.improved != nil } }
    public var improved: Int { outcomes.count { $0.improved == true } }
    /// All measured entries' sessions together, before and after.
    public var before: SessionCounts {
        outcomes.filter { $0.improved != nil }.reduce(into: SessionCounts()) { $0 += $1.before }
    }
    public var after: SessionCounts {
        outcomes.filter { $0.improved != nil }.reduce(into: SessionCounts()) { $0 += $1.after }
    }
}

extension AnalyticsRoll {
    /// The impact of each kind of intervention: for every entry of the roll's year on a pupil on the roll, attendance
    /// over the `windowWeeks` school weeks before the school week of the entry (the first school week on or after it
    /// when it falls in a holiday) and the `windowWeeks` school weeks after that week, counted up to `through`. The
    /// entry's own week is in neither window: it is partly before and partly after. Kinds in first-seen order.
    public func interventionImpact(_ entries: [InterventionEntry], windowWeeks: Int = 6, through: LocalDate) -> [InterventionImpact] {
        let index = Dictionary(pupils.indices.map { (pupils[$0].id, $0) }, uniquingKeysWith: { a, _ in a })
        let lastDay = dayRange(DateRange(from: year.range.from, to: through)).upperBound
        var order: [String] = []
        var byKind: [String: [InterventionOutcome]] = [:]
        for e in entries {
            guard let p = index[e.pupilID], year.range.contains(e.date) else { continue }
            let k = Int(schoolDaysBefore[year.range.from.days(to: e.date)])
            guard k < schoolDays.count, k < lastDay else { continue }
            let w = Int(weekOfDay[k])
            let beforeDays = Int(weekFirstDay[max(0, w - windowWeeks)])..<Int(weekFirstDay[w])
            let afterEnd = Int(weekFirstDay[min(weekStarts.count, w + 1 + windowWeeks)])
            let afterStart = Int(weekFirstDay[w + 1])
            let afterDays = min(afterStart, lastDay)..<min(afterEnd, lastDay)
            let o = InterventionOutcome(
                pupil: p, id: pupils[p].id, name: pupils[p].name, date: e.date,
                before: Self.unpack(packedCounts(pupil: p, days: beforeDays)),
                after: Self.unpack(packedCounts(pupil: p, days: afterDays)),
                afterComplete: afterEnd <= lastDay && w + 1 + windowWeeks <= weekStarts.count)
            if byKind[e.kind] == nil { order.append(e.kind) }
            byKind[e.kind, default: []].append(o)
        }
        return order.map { k in
            InterventionImpact(kind: k, outcomes: byKind[k]!.sorted { ($0.date, $0.name, $0.id) < ($1.date, $1.name, $1.id) })
        }
    }
}
