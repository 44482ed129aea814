// The school's own escalation ladder: stage triggers other than the attendance rate, stages for groups, repeats and
// exits, calendar periods, improvement targets, recurring reviews and actions with the pupil. The settings live on
// `Policy.Stage` and `Policy.planReviews`; the rules run from `EvalPlan.stages` (Stages.swift).

// MARK: - Settings

extension Policy {
    /// A length of time: school weeks, half terms, terms or calendar months (`{"count": 1, "unit": "half_term"}`).
    public struct PeriodLength: Sendable, Hashable, Codable {
        public enum Unit: String, Sendable, Hashable, Codable, CaseIterable {
            case schoolWeek = "school_week"
            case halfTerm = "half_term"
            case term
            case month
            var word: String {
                switch self {
                case .schoolWeek: "school week"
                case .halfTerm: "half term"
                case .term: "term"
                case .month: "month"
                }
            }
            /// The most a period may count of this unit (a school year).
            var most: Int {
                switch self {
                case .schoolWeek: 39
                case .halfTerm: 6
                case .term: 3
                case .month: 12
                }
            }
        }
        public var count: Int
        public var unit: Unit
        public init(count: Int, unit: Unit) {
            self.count = count
            self.unit = unit
        }
        public var words: String { EvalWords.count(count, unit.word) }
        func validate(_ field: String) throws(ValidationError) {
            guard (1...unit.most).contains(count) else {
                throw ValidationError(field: "\(field).count", reason: "must be 1 to \(unit.most) (\(unit.rawValue))")
            }
        }
    }

    /// What enters a stage other than the attendance rate: `{"measure": "absence_episodes", "at_least": 4, "per": "term"}`.
    /// The count is taken over `per` (the calendar period containing the day), or the last `school_weeks`, or else the
    /// year to date.
    public struct StageTrigger: Sendable, Hashable, Codable {
        public enum Measure: String, Sendable, Hashable, Codable, CaseIterable {
            /// Attendance below the stage's `below` over its `window_school_weeks` (the rule without a trigger).
            case attendanceRate = "attendance_rate"
            /// Runs of consecutive absent sessions (closed and not-possible sessions do not break a run) begun in the period.
            case absenceEpisodes = "absence_episodes"
            /// Illness (I) sessions.
            case illnessSessions = "illness_sessions"
            /// Late arrivals: L, U or both (`codes`, default both).
            case lateCount = "late_count"
            /// Unauthorised sessions (G, N, O, U) while of compulsory school age, as the penalty test counts them.
            case unauthorisedSessions = "unauthorised_sessions"
            /// Absence at or above the policy's `severe_absence` over the period.
            case severeAbsence = "severe_absence"
            /// Not yet persistently absent, but the year's absence so far, projected to the end of the year at the rate
            /// of the last `school_weeks` (default 6), reaches the policy's `persistent_absence`.
            case atRisk = "at_risk"
            var isCount: Bool { self != .severeAbsence && self != .atRisk && self != .attendanceRate }
        }
        public var measure: Measure
        public var atLeast: Int?
        public var per: Period?
        public var schoolWeeks: Int?
        /// For `late_count`: "L", "U" or both; absent: both.
        public var codes: [String]?
        public init(measure: Measure, atLeast: Int? = nil, per: Period? = nil, schoolWeeks: Int? = nil, codes: [String]? = nil) {
            self.measure = measure
            self.atLeast = atLeast
            self.per = per
            self.schoolWeeks = schoolWeeks
            self.codes = codes
        }
        /// The school-week window the trigger reads, if any (at risk: its recent weeks).
        var windowWeeks: Int? { schoolWeeks ?? (measure == .atRisk ? ProjectionModel.standard.recentWeeks : nil) }
    }

    /// What counts as improved at a stage's review.
    public struct Improvement: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
            /// At least `target`.
            case fixed
            /// At least the target agreed at the meeting (`StageState.agreedTarget`).
            case agreed
            /// At least the rate at entry plus `by`.
            case rise
        }
        public var kind: Kind
        public var target: Double?
        public var by: Double?
        public init(kind: Kind, target: Double? = nil, by: Double? = nil) {
            self.kind = kind
            self.target = target
            self.by = by
        }
    }

    /// An action with the pupil proposed alongside a stage's entry (`{"action": "meeting", "name": "Speak to ..."}`).
    public struct PupilAction: Sendable, Hashable, Codable {
        public var action: ActionKind
        public var name: String
        public init(action: ActionKind, name: String) {
            self.action = action
            self.name = name
        }
    }

    /// A casework plan reviewed every period from its start until it ends.
    public struct PlanReview: Sendable, Hashable, Codable {
        public var id: String
        /// The plan's casework kind, e.g. `education_supervision_order`, `individual_attendance_plan`.
        public var plan: String
        public var every: PeriodLength
        public var action: ActionKind
        public var name: String
        public var letter: String?
        /// With `every` in terms or half terms: the term (or half term) the plan starts in has its review too, at its end
        /// (seed 004's "termly meetings"); otherwise the first period is the next one to begin.
        public var countCurrentPeriod: Bool? = nil
        public init(
            id: String, plan: String, every: PeriodLength, action: ActionKind, name: String, letter: String? = nil,
            countCurrentPeriod: Bool? = nil
        ) {
            self.id = id
            self.plan = plan
            self.every = every
            self.action = action
            self.name = name
            self.letter = letter
            self.countCurrentPeriod = countCurrentPeriod
        }
    }

    /// The ladder's settings: each error names the setting's path and the reason.
    func validateLadder() throws(ValidationError) {
        func fail(_ field: String, _ reason: String) -> ValidationError { ValidationError(field: field, reason: reason) }
        func blank(_ s: String) -> Bool { s.trimmingCharacters(in: .whitespaces).isEmpty }
        for (i, s) in stages.enumerated() {
            let f = "stages[\(i)]"
            if s.trigger != nil && s.triggers != nil { throw fail("\(f).triggers", "give trigger or triggers, not both") }
            if let t = s.triggers, t.isEmpty {
                throw fail("\(f).triggers", "list at least one trigger, or leave triggers out for the rate")
            }
            let paths = s.trigger.map { [("\(f).trigger", $0)] } ?? (s.triggers ?? []).enumerated().map { ("\(f).triggers[\($0)]", $1) }
            for (g, t) in paths {
                if t.measure == .attendanceRate && (t.atLeast != nil || t.per != nil || t.schoolWeeks != nil || t.codes != nil) {
                    throw fail(
                        g,
                        "attendance_rate reads the stage's below over its window_school_weeks: leave at_least, per, school_weeks and codes out"
                    )
                }
                if t.measure.isCount {
                    guard let n = t.atLeast, n >= 1 else {
                        throw fail("\(g).at_least", "\(t.measure.rawValue) needs a count of at least 1")
                    }
                } else if t.atLeast != nil {
                    let line = t.measure == .atRisk ? "persistent_absence" : "severe_absence"
                    throw fail("\(g).at_least", "\(t.measure.rawValue) reads the policy's \(line), not a count: leave at_least out")
                }
                if t.per != nil && t.schoolWeeks != nil { throw fail("\(g).per", "give per or school_weeks, not both") }
                if t.per == .schoolWeeks { throw fail("\(g).per", "for a window of school weeks give school_weeks instead") }
                if let w = t.schoolWeeks, !(1...52).contains(w) { throw fail("\(g).school_weeks", "must be 1 to 52") }
                if t.measure == .atRisk && t.per != nil {
                    throw fail("\(g).per", "at_risk projects the year to date at the rate of the last school_weeks: per does not apply")
                }
                if let c = t.codes {
                    guard t.measure == .lateCount else { throw fail("\(g).codes", "only late_count reads codes") }
                    guard !c.isEmpty, c.allSatisfy({ $0 == "L" || $0 == "U" }) else { throw fail("\(g).codes", "must list L, U or both") }
                }
            }
            if let g = s.groups {
                guard !g.isEmpty else { throw fail("\(f).groups", "list at least one group, or leave groups out for every pupil") }
                for (j, name) in g.enumerated() where !Characteristics.filterNames.contains(name) {
                    throw fail(
                        "\(f).groups[\(j)]", "'\(name)' is not a group: use one of \(Characteristics.filterNames.joined(separator: ", "))")
                }
            }
            if let r = s.repeat, r != .term && r != .halfTerm { throw fail("\(f).repeat", "must be term or half_term") }
            if let e = s.exitAbove {
                guard e > 0, e <= 1 else { throw fail("\(f).exit_above", "must be a fraction above 0 and at most 1, e.g. 0.96 for 96%") }
                if s.triggerList.allSatisfy({ $0.measure == .attendanceRate }) && e < s.below {
                    throw fail(
                        "\(f).exit_above",
                        "must be at or above below (\(s.below)): the pupil would leave while still below the stage's line")
                }
            }
            if let m = s.monitoring {
                if s.monitoringSchoolWeeks != nil { throw fail("\(f).monitoring", "give monitoring or monitoring_school_weeks, not both") }
                try m.validate("\(f).monitoring")
            }
            if let imp = s.improvement {
                let h = "\(f).improvement"
                if s.improvementTarget != nil { throw fail(h, "give improvement or improvement_target, not both") }
                switch imp.kind {
                case .fixed:
                    guard let t = imp.target, t > 0, t <= 1, imp.by == nil else {
                        throw fail("\(h).target", "a fixed improvement needs target, a fraction above 0 and at most 1 (and no by)")
                    }
                case .rise:
                    guard let by = imp.by, by > 0, by < 1, imp.target == nil else {
                        throw fail("\(h).by", "a rise needs by, a fraction above 0 and below 1 (0.02 for 2 points), and no target")
                    }
                case .agreed:
                    if imp.target != nil || imp.by != nil {
                        throw fail("\(h).kind", "an agreed target is recorded at the meeting: leave target and by out")
                    }
                }
            }
            if s.monitoringPeriod == nil && (s.improvement != nil || s.improvedLetter != nil || s.afterImprovement != nil) {
                throw fail("\(f).monitoring", "improvement, improved_letter and after_improvement need a monitoring period to review")
            }
            if let l = s.improvedLetter, blank(l) { throw fail("\(f).improved_letter", "must not be empty") }
            if let a = s.afterImprovement {
                guard stage(a) != nil else { throw fail("\(f).after_improvement", "no stage has the id '\(a)'") }
                guard a != s.id else { throw fail("\(f).after_improvement", "must be another stage (a light-monitoring one)") }
            }
            if let r = s.reviewEvery { try r.validate("\(f).review_every") }
            for (j, a) in (s.pupilActions ?? []).enumerated() {
                let h = "\(f).pupil_actions[\(j)]"
                guard !blank(a.name) else { throw fail("\(h).name", "must not be empty") }
                if a.action == .letter || a.action.isLegalStep {
                    throw fail("\(h).action", "an action with the pupil is never a letter or a legal step: those go to parents")
                }
            }
        }
        var ids: Set<String> = []
        for (i, r) in (planReviews ?? []).enumerated() {
            let f = "plan_reviews[\(i)]"
            guard !blank(r.id), ids.insert(r.id).inserted else { throw fail("\(f).id", "must be present and unique ('\(r.id)')") }
            guard !blank(r.plan) else { throw fail("\(f).plan", "must name the plan's casework kind, e.g. education_supervision_order") }
            guard !blank(r.name) else { throw fail("\(f).name", "must not be empty") }
            try r.every.validate("\(f).every")
            if r.action.isLegalStep {
                throw fail("\(f).action", "a legal step is proposed only on the national penalty test, never on a review date")
            }
            if let l = r.letter, blank(l) { throw fail("\(f).letter", "must not be empty") }
            if r.countCurrentPeriod == true && r.every.unit != .term && r.every.unit != .halfTerm {
                throw fail("\(f).count_current_period", "applies only to reviews every term or half term")
            }
        }
    }
}

/// A casework plan for `plan_reviews`: from the casework timeline.
public struct PlanState: Sendable, Hashable, Codable {
    /// The plan's casework kind, e.g. `education_supervision_order`, `individual_attendance_plan`, `attendance_contract`.
    public var kind: String
    public var started: LocalDate
    /// The day the plan was closed; nil while open.
    public var ended: LocalDate?
    /// What the plan holds, for staff (a SEND or health plan's reasonable adjustments); shown with its reviews.
    public var note: String? = nil
    public init(kind: String, started: LocalDate, ended: LocalDate? = nil, note: String? = nil) {
        self.kind = kind
        self.started = started
        self.ended = ended
        self.note = note
    }
}

// MARK: - Periods

extension Evaluation {
    /// Where a period of `length` after `from` ends (monitoring, reviews, check-ins): nil when the calendar ends first.
    /// School weeks: the same weekday that many school weeks on (weeks with no open session skipped), or the school day
    /// before it when that day is closed. Half terms and terms: the last school day of the `count`-th one that begins
    /// after `from` ("over the next half term"). Months: the same day `count` months on, or the school day before it.
    public static func periodEnd(from: LocalDate, _ length: Policy.PeriodLength, calendar: SchoolCalendar) -> LocalDate? {
        periodEnds(from: from, every: length, calendar: calendar, through: nil, limit: 1).first
    }

    /// The ends of consecutive periods of `length` after `from` (the k-th ends a period of k·count units), up to
    /// `through` and at most `limit` of them.
    static func periodEnds(
        from: LocalDate, every length: Policy.PeriodLength, calendar: SchoolCalendar, through: LocalDate?, limit: Int
    ) -> [LocalDate] {
        guard let span = calendar.span, length.count > 0 else { return [] }
        let last = min(span.to, through ?? span.to)
        var out: [LocalDate] = []
        func add(_ d: LocalDate) -> Bool {
            guard d <= last, let end = calendar.latestSchoolDay(onOrBefore: d), end > from, end <= last else { return false }
            if end != out.last { out.append(end) }
            return out.count < limit
        }
        switch length.unit {
        case .schoolWeek:
            var monday = from.weekStart
            var found = 0
            while true {
                monday = monday.adding(days: 7)
                if monday > last { break }
                guard calendar.openSessions(in: DateRange(from: monday, to: monday.adding(days: 6))) > 0 else { continue }
                found += 1
                if found % length.count == 0 {
                    let d = monday.adding(days: from.weekday - 1)
                    if d > last || !add(d) { break }
                }
            }
        case .halfTerm, .term:
            let periods = length.unit == .term ? calendar.terms.map(\.range) : calendar.terms.flatMap(\.halfTerms)
            let after = periods.filter { $0.from > from }
            var k = length.count
            while k <= after.count, add(after[k - 1].to) { k += length.count }
        case .month:
            let c = from.components
            var k = length.count
            while true {
                let m = c.month - 1 + k
                let y = c.year + m / 12
                let month = m % 12 + 1
                var day = c.day
                var d = LocalDate(year: y, month: month, day: day)
                while d == nil && day > 28 {
                    day -= 1
                    d = LocalDate(year: y, month: month, day: day)
                }
                guard let d, d <= last, add(d) else { break }
                k += length.count
            }
        }
        return out
    }
}

// MARK: - Per-run tables

/// What the ladder needs per day, the same for every pupil.
struct StageLadderTables {
    /// For each calendar period a trigger or a repeat uses: per day, the index of the first day of the period
    /// containing it (or the last one begun before it), -1 before the calendar's first.
    var periodStart: [Policy.Period: [Int32]] = [:]
    /// Per day: whole-school open sessions after it to the end of its academic year (only when `at_risk` is used).
    var remaining: [Int32] = []

    init(policy: Policy, calendar: SchoolCalendar, start: LocalDate, n: Int, asOf: LocalDate) {
        var periods = Set(policy.stages.compactMap(\.repeat))
        periods.formUnion(policy.stages.flatMap { $0.triggerList.compactMap(\.per) })
        let terms = periods.isEmpty ? [] : calendar.terms
        for per in periods {
            var arr = [Int32](repeating: -1, count: n)
            let bounds: [LocalDate]? =
                switch per {
                case .halfTerm: terms.flatMap(\.halfTerms).map(\.from)
                case .term: terms.map(\.range.from)
                case .week, .year, .schoolWeeks: nil
                }
            var p = -1
            for i in 0..<n {
                let d = start.adding(days: i)
                let first: LocalDate?
                if let bounds {
                    while p + 1 < bounds.count && bounds[p + 1] <= d { p += 1 }
                    first = p < 0 ? nil : bounds[p]
                } else {
                    first = per == .week ? d.weekStart : AcademicYear(containing: d).range.from
                }
                if let first { arr[i] = Int32(max(0, start.days(to: first))) }
            }
            periodStart[per] = arr
        }
        if policy.stages.contains(where: { $0.triggerList.contains { $0.measure == .atRisk } }) {
            let whole = calendar.openMask(yearGroup: nil)
            let offset = calendar.span.map { $0.from.days(to: start) } ?? 0
            let yearEnd = AcademicYear(containing: asOf).range.to
            var rem = [Int32](repeating: 0, count: n)
            var r = Int32(asOf < yearEnd ? calendar.openSessions(in: DateRange(from: asOf.adding(days: 1), to: yearEnd)) : 0)
            for i in stride(from: n - 1, through: 0, by: -1) {
                rem[i] = r
                let mi = offset + i
                let o = mi >= 0 && mi < whole.count ? whole[mi] : 0
                r += Int32(o & 1) + Int32((o >> 1) & 1)
            }
            remaining = rem
        }
    }
}

// MARK: - Triggers

/// A stage's trigger held on a day: the window it was read over and its figures.
struct StageHit {
    /// The trigger that held (index in `triggerList`); nil for the rate rule without triggers.
    var trigger: Int?
    var from: Int
    var count = 0
    var attended = 0
    var possible = 0
    /// At risk: the recent absence rate, the sessions to come and the projected absence rate.
    var recentRate = 0.0
    var remaining = 0
    var projectedAbsence = 0.0
}

extension EvalPlan {
    /// The stage applies to this pupil (any of its groups, or no groups).
    func applies(_ st: Policy.Stage, to p: PupilFacts) -> Bool {
        guard let g = st.groups else { return true }
        return g.contains { p.characteristics.has($0) == true }
    }

    /// The first day of a trigger's window ending on day i; nil when the window is not whole.
    func triggerFrom(_ t: Policy.StageTrigger, endingAt i: Int) -> Int? {
        if let w = t.windowWeeks {
            let f = Int(windowStart[w]![i])
            return f >= 0 ? f : nil
        }
        if let per = t.per {
            let f = Int(ladder.periodStart[per]![i])
            return f >= 0 ? f : nil
        }
        return i >= yearStart ? yearStart : nil
    }

    func lateBits(_ t: Policy.StageTrigger) -> UInt8 {
        let c = t.codes ?? ["L", "U"]
        return (c.contains("L") ? EvalMark.late : 0) | (c.contains("U") ? EvalMark.u : 0)
    }

    /// Whether any of the stage's triggers (or, without any, attendance below `below`) holds on day i, with its figures.
    func stageHit(_ s: EvalScratch, _ st: Policy.Stage, endingAt i: Int) -> StageHit? {
        if st.trigger == nil && st.triggers == nil { return rateHit(s, st, endingAt: i) }
        for (k, t) in st.triggerList.enumerated() {
            if var hit = triggerHit(s, st, t, endingAt: i) {
                hit.trigger = k
                return hit
            }
        }
        return nil
    }

    func rateHit(_ s: EvalScratch, _ st: Policy.Stage, endingAt i: Int) -> StageHit? {
        guard let c = stageCounts(s, st, endingAt: i), c.possible >= st.minimum, Self.isBelow(c.attended, c.possible, st.below)
        else { return nil }
        return StageHit(from: c.from, attended: c.attended, possible: c.possible)
    }

    func triggerHit(_ s: EvalScratch, _ st: Policy.Stage, _ t: Policy.StageTrigger, endingAt i: Int) -> StageHit? {
        if t.measure == .attendanceRate { return rateHit(s, st, endingAt: i) }
        guard let from = triggerFrom(t, endingAt: i) else { return nil }
        let att = s.count(EvalCounter.attended, from: from, through: i)
        let poss = s.count(EvalCounter.possible, from: from, through: i)
        var hit = StageHit(from: from, attended: att, possible: poss)
        switch t.measure {
        case .attendanceRate: return nil  // handled above
        case .absenceEpisodes: hit.count = s.count(EvalCounter.episodes, from: from, through: i)
        case .illnessSessions: hit.count = s.count(EvalCounter.illness, from: from, through: i)
        case .unauthorisedSessions: hit.count = s.count(EvalCounter.gnou, from: from, through: i)
        case .lateCount:
            let bits = lateBits(t)
            hit.count =
                (bits & EvalMark.late != 0 ? s.count(EvalCounter.late, from: from, through: i) : 0)
                + (bits & EvalMark.u != 0 ? s.count(EvalCounter.u, from: from, through: i) : 0)
        case .severeAbsence:
            guard poss >= st.minimum, EvalWords.round3(Double(poss - att) / Double(poss)) >= policy.severeAbsence else { return nil }
            return hit
        case .atRisk:
            guard i >= yearStart else { return nil }
            let yAtt = s.count(EvalCounter.attended, from: yearStart, through: i)
            let yPoss = s.count(EvalCounter.possible, from: yearStart, through: i)
            guard yPoss >= st.minimum, poss > 0, EvalWords.round3(Double(yPoss - yAtt) / Double(yPoss)) < policy.persistentAbsence
            else { return nil }
            let q = Double(poss - att) / Double(poss)
            let r = Int(ladder.remaining[i])
            guard
                let projected = ProjectionModel.projectedAttendance(attended: Double(yAtt), possible: yPoss, absenceRate: q, remaining: r),
                EvalWords.round3(1 - projected) >= policy.persistentAbsence
            else { return nil }
            hit.recentRate = q
            hit.remaining = r
            hit.projectedAbsence = 1 - projected
            hit.attended = yAtt
            hit.possible = yPoss
            return hit
        }
        return hit.count >= (t.atLeast ?? 1) ? hit : nil
    }

    /// The words for a trigger's window ending today.
    func triggerWindowWords(_ t: Policy.StageTrigger, _ from: Int) -> String {
        let since = "since \(EvalWords.date(date(from)))"
        if let w = t.schoolWeeks { return "in the last \(EvalWords.count(w, "school week")) (\(since))" }
        switch t.per {
        case .week: return "this week (\(since))"
        case .halfTerm: return "this half term (\(since))"
        case .term: return "this term (\(since))"
        case .year, .schoolWeeks, nil: return "this school year (\(since))"
        }
    }

    /// The reason's opening, the figures and the sessions for a stage entry on `hit` (today's).
    func entryWords(_ s: EvalScratch, _ st: Policy.Stage, _ hit: StageHit) -> (String, [String: Double], [SessionRef]) {
        let att = hit.attended
        let poss = hit.possible
        let t = hit.trigger.map { st.triggerList[$0] }
        guard let t, t.measure != .attendanceRate else {
            let rate = Double(att) / Double(poss)
            var figures: [String: Double] = [
                "attendance_rate": EvalWords.round4(rate), "attended": Double(att), "possible": Double(poss), "below": st.below,
            ]
            if let w = st.windowSchoolWeeks { figures["window_school_weeks"] = Double(w) }
            let words =
                "Attendance \(EvalWords.percent(rate)) over \(windowWords(st)) (\(att) of \(poss) sessions) is below "
                + "\(EvalWords.threshold(st.below))"
            return (words, figures, [])
        }
        var figures: [String: Double] = [:]
        // The rate over the stage's own window, which the Store keeps as `StageState.rateAtEntry`.
        if let c = stageCounts(s, st, endingAt: last), c.possible > 0 {
            figures["attendance_rate"] = EvalWords.round4(Double(c.attended) / Double(c.possible))
            figures["attended"] = Double(c.attended)
            figures["possible"] = Double(c.possible)
        }
        if let w = t.schoolWeeks { figures["window_school_weeks"] = Double(w) }
        let window = triggerWindowWords(t, hit.from)
        var refs: [SessionRef] = []
        let words: String
        switch t.measure {
        case .absenceEpisodes, .illnessSessions, .lateCount, .unauthorisedSessions:
            figures["count"] = Double(hit.count)
            figures["at_least"] = Double(t.atLeast ?? 1)
            let what: String
            switch t.measure {
            case .absenceEpisodes:
                what = "absence episodes (runs of consecutive absent sessions)"
                refs = episodeStarts(s, from: hit.from, through: last)
            case .illnessSessions:
                what = "sessions of illness (I)"
                refs = sessions(s, from: hit.from, through: last, bits: EvalMark.illness)
            case .lateCount:
                let bits = lateBits(t)
                what =
                    bits == EvalMark.late
                    ? "late arrivals (L)" : bits == EvalMark.u ? "late arrivals after the register closed (U)" : "late arrivals (L or U)"
                refs = sessions(s, from: hit.from, through: last, bits: bits)
            default:
                what = "unauthorised sessions (G, N, O or U)"
                refs = sessions(s, from: hit.from, through: last, bits: EvalMark.gnou)
            }
            words = "\(hit.count) \(what) \(window), the trigger being \(t.atLeast ?? 1) or more"
        case .severeAbsence:
            let absent = poss - att
            let rate = Double(absent) / Double(poss)
            figures["absent"] = Double(absent)
            figures["window_possible"] = Double(poss)
            figures["absence_rate"] = EvalWords.round4(rate)
            figures["severe_absence"] = policy.severeAbsence
            words =
                "Absence \(EvalWords.percent(rate)) \(window) (\(absent) of \(poss) sessions) is at or above the severe absence "
                + "line of \(EvalWords.threshold(policy.severeAbsence))"
        case .attendanceRate: words = ""
        case .atRisk:
            let absent = poss - att
            let rate = Double(absent) / Double(poss)
            figures["absence_rate"] = EvalWords.round4(rate)
            figures["recent_absence_rate"] = EvalWords.round4(hit.recentRate)
            figures["recent_school_weeks"] = Double(t.windowWeeks ?? 0)
            figures["remaining_sessions"] = Double(hit.remaining)
            figures["projected_absence_rate"] = EvalWords.round4(hit.projectedAbsence)
            figures["persistent_absence"] = policy.persistentAbsence
            words =
                "At risk of persistent absence: absence so far this year \(EvalWords.percent(rate)) (\(absent) of \(poss) sessions); "
                + "at the rate of the last \(EvalWords.count(t.windowWeeks ?? 0, "school week")) (\(EvalWords.percent(hit.recentRate))) "
                + "over the \(EvalWords.count(hit.remaining, "session")) to come it would reach \(EvalWords.percent(hit.projectedAbsence)) "
                + "by the end of the year, at or above the persistent absence line of \(EvalWords.threshold(policy.persistentAbsence))"
        }
        return (words, figures, refs)
    }

    /// The first session of each run of absence begun in days [a, b].
    func episodeStarts(_ s: EvalScratch, from a: Int, through b: Int) -> [SessionRef] {
        guard a <= b else { return [] }
        var out: [SessionRef] = []
        var absentBefore = false
        let table = EvalMark.table
        // The run may have begun before a: look back to the last counted session.
        var j = 2 * a - 1
        while j >= 0 {
            let f = table[Int(s.sess[j])]
            if f & EvalMark.possible != 0 {
                absentBefore = f & EvalMark.attended == 0
                break
            }
            j -= 1
        }
        for k in (2 * a)...(2 * b + 1) {
            let v = s.sess[k]
            let f = table[Int(v)]
            guard f & EvalMark.possible != 0 else { continue }
            let absent = f & EvalMark.attended == 0
            if absent && !absentBefore {
                out.append(SessionRef(date: date(k / 2), session: k % 2 == 0 ? .am : .pm, code: EvalMark.symbol(v)))
            }
            absentBefore = absent
        }
        return out
    }

    // MARK: Recurring reviews

    /// Plan reviews: for each open plan a `plan_reviews` entry names, the latest review due on or before today.
    func planReviews(_ p: PupilFacts, _ cw: Casework, _ out: inout [DueAction]) {
        guard let reviews = policy.planReviews, !cw.plans.isEmpty else { return }
        for r in reviews {
            for plan in cw.plans where plan.kind == r.plan && plan.started <= asOf && (plan.ended.map { $0 > asOf } ?? true) {
                var from = plan.started
                if r.countCurrentPeriod == true {
                    // From the day before the term (or half term) the plan starts in, so that period ends a review too.
                    let periods = r.every.unit == .term ? calendar.terms.map(\.range) : calendar.terms.flatMap(\.halfTerms)
                    if let current = periods.first(where: { $0.from <= plan.started && plan.started <= $0.to }) {
                        from = current.from.adding(days: -1)
                    }
                }
                let ends = Evaluation.periodEnds(from: from, every: r.every, calendar: calendar, through: asOf, limit: 500)
                guard let due = ends.last else { continue }
                let rule = "plan_reviews.\(r.id)"
                var reason =
                    "\(r.name): the \(plan.kind.replacingOccurrences(of: "_", with: " ")) started \(EvalWords.date(plan.started)) "
                    + "is reviewed every \(r.every.words); review \(ends.count) is due \(EvalWords.date(due))."
                if let l = r.letter { reason += " Send the '\(l)' letter." }
                if let n = plan.note { reason += " The plan: \(n)" }
                var a = action(
                    p, .planReview, rule: rule, anchor: plan.started, suffix: due.iso, due: due, reason: reason,
                    figures: ["review": Double(ends.count), "every": Double(r.every.count)], action: r.action)
                a.letter = r.letter
                out.append(a)
            }
        }
    }

    /// A stage's check-in (`review_every`): the latest one due on or before today while the pupil is in the stage.
    func checkIn(_ p: PupilFacts, _ current: StageState, _ st: Policy.Stage, _ out: inout [DueAction]) {
        guard let every = st.reviewEvery else { return }
        let ends = Evaluation.periodEnds(from: current.entered, every: every, calendar: calendar, through: asOf, limit: 500)
        guard let due = ends.last else { return }
        let reason =
            "Check-in \(ends.count) for \(st.name) (\(st.id)), entered \(EvalWords.date(current.entered)): every \(every.words) "
            + "while the pupil is in the stage, review progress and the impact of support."
        out.append(
            action(
                p, .stageCheckIn, rule: "stages.\(st.id)", anchor: current.entered, suffix: due.iso, due: due, reason: reason,
                figures: ["check_in": Double(ends.count), "every": Double(every.count)], action: .review))
    }
}
