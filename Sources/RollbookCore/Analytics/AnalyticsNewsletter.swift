/// A week's attendance for the school newsletter (seed 003 "weekly attendance figures in the newsletter", seed 004
/// "class attendance shared in the newsletter"): the whole school and each form, with the week's dates and the days
/// the school was open. Figures only, no pupil: a small form still shows its percentage (a form's figure names
/// nobody), with its pupil count so a reader sees how much one absence moves it.
public struct NewsletterFigures: Sendable, Hashable {
    /// The week (Monday to Friday) or half term asked for.
    public var range: DateRange
    /// The days the school was open, in order.
    public var openDays: [LocalDate]
    /// The weekdays it was closed (a holiday, INSET, a planned closure of the whole school).
    public var closedDays: [LocalDate]
    /// The whole school over the open days.
    public var school: GroupStatistics
    /// Each form ranked by attendance (equal rates share a rank).
    public var forms: [LeagueRow]
}

extension AnalyticsRoll {
    /// The latest school week whose last school day is on or before `through`: the week just ended.
    public func weekJustEnded(through: LocalDate) -> LocalDate? {
        var found: LocalDate? = nil
        for w in weekStarts.indices {
            let last = schoolDays[Int(weekFirstDay[w + 1]) - 1]
            if last <= through { found = weekStarts[w] } else { break }
        }
        return found
    }

    /// The newsletter figures for `range` (a school week, Monday to Friday, or a half term), up to `through`: days
    /// after `through` are neither open nor closed, and a range with no day counted yet (in the future, or outside the
    /// roll's year) has no open day and no figures.
    public func newsletter(_ range: DateRange, through: LocalDate) -> NewsletterFigures {
        guard let r = clamp(range), r.from <= through else {
            return NewsletterFigures(range: range, openDays: [], closedDays: [], school: GroupStatistics(), forms: [])
        }
        let counted = DateRange(from: r.from, to: min(r.to, through))
        var open: [LocalDate] = []
        var closed: [LocalDate] = []
        var day = counted.from
        while day <= counted.to {
            if dayIndex(day) != nil { open.append(day) } else if !day.isWeekend { closed.append(day) }
            day = day.adding(days: 1)
        }
        guard !open.isEmpty else {
            return NewsletterFigures(range: range, openDays: [], closedDays: closed, school: GroupStatistics(), forms: [])
        }
        return NewsletterFigures(
            range: range, openDays: open, closedDays: closed, school: overview(counted, trend: false).statistics,
            forms: leagueTable(.form, counted))
    }
}
