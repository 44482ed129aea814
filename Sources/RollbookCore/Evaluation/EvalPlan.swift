// MARK: - The plan: everything that is the same for every pupil

struct EvalPlan {
    let policy: Policy
    let calendar: SchoolCalendar
    let asOf: LocalDate
    let span: DateRange
    /// The first day scanned; every window and period ends on `asOf`, the last day scanned.
    let start: LocalDate
    let n: Int
    var last: Int { n - 1 }
    /// Index of the academic year's first day (1 September), at least 0.
    let yearStart: Int
    /// Academic-year pieces of the scanned days: the pupil's year group (and so the calendar's mask) is per year.
    let segments: [(from: Int, to: Int, year: AcademicYear)]
    /// Offset of `start` in the calendar's masks.
    let maskOffset: Int
    /// ordinal[i]: whole-school school days in [start, day i], as `SchoolCalendar.schoolDays` counts them.
    let ordinal: [Int32]
    /// Day indices of whole-school school days, in order.
    let schoolDayIndex: [Int32]
    /// An N on day i < overdueBefore has waited more than the policy's limit on `asOf`.
    let overdueBefore: Int
    /// For each school-week window length used: per day, the index of the first day of the window of that many
    /// school weeks ending with that day's week, or -1 when the window starts before `start` (and after the calendar's
    /// first day, so its sessions were not scanned).
    let windowStart: [Int: [Int32]]
    /// The first day of the `penalty_notice.repeated_episodes` window ending on `asOf`, when the policy has one.
    let repeatedStart: Int?
    let weekStart: Int
    let halfTermStart: Int?
    let termStart: Int?
    let term: Term?
    let policyLabel: String
    /// The source of each rule path.
    let sources: [String: String]
    /// Per-day tables for the stages' triggers and repeats.
    let ladder: StageLadderTables

    init?(policy: Policy, calendar: SchoolCalendar, asOf: LocalDate) {
        guard let span = calendar.span, asOf >= span.from else { return nil }
        self.policy = policy
        self.calendar = calendar
        self.asOf = asOf
        self.span = span
        policyLabel = "\(policy.name) (in force from \(policy.effectiveFrom.iso))"
        sources = Self.sources(policy)
        let year = AcademicYear(containing: asOf)

        // School weeks from the calendar's first week up to the week of asOf.
        var mondays: [LocalDate] = []
        var m = span.from.weekStart
        while m <= asOf {
            if calendar.openSessions(in: DateRange(from: m, to: m.adding(days: 6))) > 0 { mondays.append(m) }
            m = m.adding(days: 7)
        }
        /// The first day of the window of `count` school weeks ending with the week of `d`.
        func windowFrom(_ d: LocalDate, _ count: Int) -> LocalDate {
            guard let p = mondays.lastIndex(where: { $0 <= d }) else { return d }
            return mondays[max(0, p - count + 1)]
        }
        var lengths = Set(
            policy.stages.compactMap(\.windowSchoolWeeks) + policy.stages.flatMap { $0.triggerList.compactMap(\.windowWeeks) })
        lengths.insert(policy.penaltyNotice.windowSchoolWeeks)
        lengths.formUnion(policy.lateness.compactMap { $0.per == .schoolWeeks ? $0.schoolWeeks : nil })
        // Scan far enough back that every window on asOf, and on the year's first school day, is whole: an episode
        // that began before the year is then anchored on the same day all year.
        let yearFirst = max(year.range.from, span.from)
        let firstSchoolDay = (0..<60).lazy.map { yearFirst.adding(days: $0) }.first { calendar.isSchoolDay($0) && $0 <= asOf }
        var s = yearFirst
        for w in lengths {
            s = min(s, windowFrom(asOf, w))
            if let f = firstSchoolDay { s = min(s, windowFrom(f, w)) }
        }
        // Repeated episodes are counted in their window on asOf only.
        var repeatedFrom: LocalDate?
        if let r = policy.penaltyNotice.repeatedEpisodes {
            let from = windowFrom(asOf, r.withinSchoolWeeks)
            repeatedFrom = from
            s = min(s, from)
        }
        // Traveller protection counts attendances over the 12 months to date.
        if policy.penaltyNotice.travellerProtectionSessions != nil { s = min(s, Evaluation.yearsBefore(asOf, 1).adding(days: 1)) }
        start = max(s, span.from)
        if let r = repeatedFrom { repeatedStart = max(0, start.days(to: r)) } else { repeatedStart = nil }
        let clampedByCalendar = s <= span.from
        n = start.days(to: asOf) + 1
        yearStart = max(0, start.days(to: year.range.from))
        maskOffset = span.from.days(to: start)

        var segs: [(Int, Int, AcademicYear)] = []
        var i = 0
        while i < n {
            let y = AcademicYear(containing: start.adding(days: i))
            let to = min(n - 1, start.days(to: y.range.to))
            segs.append((i, to, y))
            i = to + 1
        }
        segments = segs

        let whole = calendar.openMask(yearGroup: nil)
        var ord = [Int32](repeating: 0, count: n)
        var days: [Int32] = []
        var c: Int32 = 0
        for i in 0..<n {
            let mi = maskOffset + i
            if mi < whole.count && whole[mi] != 0 {
                c += 1
                days.append(Int32(i))
            }
            ord[i] = c
        }
        ordinal = ord
        schoolDayIndex = days
        let limit = policy.noReason.nToOSchoolDays
        let today = ord[n - 1]
        // ord is non-decreasing, so the overdue days are a prefix.
        overdueBefore = ord.firstIndex { !RegisterRules.isNoReasonOverdue(schoolDaysSince: Int(today - $0), limit: limit) } ?? n

        var starts: [Int: [Int32]] = [:]
        for w in lengths {
            var arr = [Int32](repeating: -1, count: n)
            var p = -1
            for i in 0..<n {
                let d = start.adding(days: i)
                while p + 1 < mondays.count && mondays[p + 1] <= d { p += 1 }
                let from = p < 0 ? d : mondays[max(0, p - w + 1)]
                let k = start.days(to: from)
                // Before the calendar's first day nothing is open, so a window reaching back past it is still whole.
                arr[i] = k >= 0 ? Int32(k) : (clampedByCalendar ? 0 : -1)
            }
            starts[w] = arr
        }
        windowStart = starts

        let first = start
        weekStart = max(0, first.days(to: asOf.weekStart))
        let current = calendar.terms.last { $0.range.from <= asOf }
        term = current
        termStart = current.map { max(0, first.days(to: $0.range.from)) }
        halfTermStart = calendar.halfTerm(containing: asOf).map { max(0, first.days(to: $0.from)) }
        ladder = StageLadderTables(policy: policy, calendar: calendar, start: start, n: n, asOf: asOf)
    }

    @inline(__always) func date(_ i: Int) -> LocalDate { start.adding(days: i) }
    @inline(__always) func index(_ d: LocalDate) -> Int { start.days(to: d) }
    /// Day i is a whole-school school day.
    @inline(__always) func isSchoolDay(_ i: Int) -> Bool { ordinal[i] > (i > 0 ? ordinal[i - 1] : 0) }

    // MARK: Filling the scratch for one pupil

    func fill(_ p: PupilFacts, _ s: inout EvalScratch) {
        let rollFrom = max(0, index(p.enrolment.startingDay))
        let rollTo = min(last, p.enrolment.leavingDay.map(index) ?? last)
        let codeOffset = p.codes.base.days(to: start) * 2
        let table = EvalMark.table
        let stride = EvalCounter.stride
        let medical = AttendanceCode.m.rawValue
        // Only sessions on which the pupil was of compulsory school age count towards the penalty-notice threshold.
        let csaFrom = max(0, index(CompulsorySchoolAge.starts(dateOfBirth: p.dateOfBirth)))
        let csaTo = min(last, index(CompulsorySchoolAge.ends(dateOfBirth: p.dateOfBirth)))
        s.csaFrom = csaFrom
        s.csaTo = csaTo
        s.sess.withUnsafeMutableBufferPointer { sess in
            s.pre.withUnsafeMutableBufferPointer { pre in
                p.codes.bytes.withUnsafeBufferPointer { codes in
                    for k in 0..<stride { pre[k] = 0 }
                    var absentBefore = false
                    for seg in segments {
                        let mask = calendar.openMask(yearGroup: p.enrolment.yearGroup(in: seg.year))
                        mask.withUnsafeBufferPointer { open in
                            for i in seg.from...seg.to {
                                let row = i * stride
                                let next = row + stride
                                var add = (0, 0, 0, 0, 0, 0, 0, 0, 0) as (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32)
                                if i < rollFrom || i > rollTo {
                                    sess[2 * i] = EvalMark.offRoll
                                    sess[2 * i + 1] = EvalMark.offRoll
                                } else {
                                    let mi = maskOffset + i
                                    let o = mi < open.count ? open[mi] : 0
                                    for k in 0..<2 {
                                        if o & (1 << k) == 0 {
                                            sess[2 * i + k] = EvalMark.closed
                                            continue
                                        }
                                        let ci = codeOffset + 2 * i + k
                                        var v = ci >= 0 && ci < codes.count ? codes[ci] : 0
                                        if v >= EvalMark.unknown { v = EvalMark.unknown }
                                        sess[2 * i + k] = v
                                        let f = table[Int(v)]
                                        if f == 0 { continue }
                                        if f & EvalMark.attended != 0 { add.0 += 1 }
                                        if f & EvalMark.possible != 0 { add.1 += 1 }
                                        if f & EvalMark.gnou != 0 && i >= csaFrom && i <= csaTo { add.2 += 1 }
                                        if f & EvalMark.late != 0 { add.3 += 1 }
                                        if f & EvalMark.u != 0 { add.4 += 1 }
                                        if f & EvalMark.illness != 0 { add.5 += 1 }
                                        if f & EvalMark.n != 0 { add.6 += 1 }
                                        if v == medical { add.7 += 1 }
                                        if f & EvalMark.possible != 0 {
                                            let absent = f & EvalMark.attended == 0
                                            if absent && !absentBefore { add.8 += 1 }
                                            absentBefore = absent
                                        }
                                    }
                                }
                                pre[next] = pre[row] + add.0
                                pre[next + 1] = pre[row + 1] + add.1
                                pre[next + 2] = pre[row + 2] + add.2
                                pre[next + 3] = pre[row + 3] + add.3
                                pre[next + 4] = pre[row + 4] + add.4
                                pre[next + 5] = pre[row + 5] + add.5
                                pre[next + 6] = pre[row + 6] + add.6
                                pre[next + 7] = pre[row + 7] + add.7
                                pre[next + 8] = pre[row + 8] + add.8
                            }
                        }
                    }
                }
            }
        }
    }

    /// The sessions of days [a, b] whose flags include any of `bits` (or whose byte is exactly `code`).
    func sessions(_ s: EvalScratch, from a: Int, through b: Int, bits: UInt8) -> [SessionRef] {
        guard a <= b else { return [] }
        var out: [SessionRef] = []
        let table = EvalMark.table
        for i in max(0, a)...b {
            for k in 0..<2 {
                let v = s.sess[2 * i + k]
                if table[Int(v)] & bits != 0 {
                    out.append(SessionRef(date: date(i), session: k == 0 ? .am : .pm, code: EvalMark.symbol(v)))
                }
            }
        }
        return out
    }

    /// The day on which the `nth` session (1-based) with `bits` in days [a, b] fell.
    func dayOfNth(_ s: EvalScratch, _ nth: Int, bits: UInt8, from a: Int, through b: Int) -> Int {
        var c = 0
        let table = EvalMark.table
        if a <= b {
            for i in a...b {
                for k in 0..<2 where table[Int(s.sess[2 * i + k])] & bits != 0 {
                    c += 1
                    if c == nth { return i }
                }
            }
        }
        return b
    }

    // MARK: EvalWords

    func source(_ rule: String) -> String { sources[rule] ?? Self.source(rule, policy) }

    /// Every rule path the evaluation uses, with its source, looked up once per run.
    static func sources(_ policy: Policy) -> [String: String] {
        var rules = [
            "no_reason", "day_one", "penalty_notice", "missing_education.tell_social_worker",
            "missing_education.no_contact_school_days", "missing_education.vulnerable_after_school_days",
            "missing_education.continuous_unauthorised_school_days", "missing_education.illness_school_days",
            "missing_education.not_back_after_leave_school_days", "missing_education.unauthorised_enquiry_school_days",
            "penalty_notice.traveller_protection_sessions", "penalty_notice.repeated_episodes", "day_one.all_contacts_failed",
        ]
        rules +=
            policy.stages.map { "stages.\($0.id)" } + policy.lateness.map { "lateness.\($0.id)" }
            + policy.illnessEvidence.map { "illness_evidence.\($0.id)" } + (policy.truancy?.ladder ?? []).map { "truancy.\($0.id)" }
        if policy.exclusions != nil { rules += [noticeRule, provisionRule] }
        if policy.evidence != nil {
            rules += [
                "evidence.deadline_school_days", "evidence.tell_parents_school_days_before", "evidence.report_to_la",
                "evidence.medical_appointments",
            ]
        }
        return Dictionary(rules.map { ($0, source($0, policy)) }, uniquingKeysWith: { a, _ in a })
    }

    static func source(_ rule: String, _ policy: Policy) -> String {
        if let c = policy.clauses.first(where: { $0.setting == rule }) { return c.source }
        if let s = Policy.nationalSources[rule] { return s }
        // A clause may be given for the whole section (`stages`, `missing_education`).
        if let dot = rule.firstIndex(of: "."), let c = policy.clauses.first(where: { $0.setting == rule[..<dot] }) { return c.source }
        return policy.clause(rule)
    }

    func contactLines(_ contacts: [Contact]) -> [String] {
        contacts.sorted { $0.priority < $1.priority }.map { c in
            let rel = c.relationship.isEmpty ? "" : " (\(c.relationship))"
            return "\(c.name)\(rel): \(c.phone.isEmpty ? "no phone on record" : c.phone)"
        }
    }

    func action(
        _ p: PupilFacts, _ kind: DueAction.Kind, rule: String, anchor: LocalDate, suffix: String = "", due: LocalDate,
        reason: String, sessions: [SessionRef] = [], figures: [String: Double] = [:], action: Policy.ActionKind,
        contacts: [String] = [], proposedStage: String? = nil
    ) -> DueAction {
        DueAction(
            upn: p.upn, kind: kind, rule: rule, due: due, reason: reason, sessions: sessions, figures: figures,
            source: source(rule), action: action, contacts: contacts, proposedStage: proposedStage,
            key: "\(kind.rawValue)|\(p.upn)|\(rule)|\(anchor.iso)\(suffix.isEmpty ? "" : "|" + suffix)", policy: policyLabel)
    }

    // MARK: The rules for one pupil

    func evaluate(_ p: PupilFacts, _ cw: Casework, _ s: inout EvalScratch, into out: inout [DueAction]) {
        fill(p, &s)
        if !cw.lessonLates.isEmpty && policy.countsLessonLates { addLessonLates(cw.lessonLates, &s) }
        var found: [DueAction] = []
        noReasonOverdue(p, s, &found)
        if p.enrolment.isOnRoll(asOf) {
            // `fill` found the days of compulsory school age; the words are needed only for a pupil outside it today.
            let ofAge = s.csaFrom <= last && s.csaTo == last
            let notOfAge = ofAge ? nil : CompulsorySchoolAge.legalStepsUnavailable(dateOfBirth: p.dateOfBirth, on: asOf)
            let penalty = notOfAge == nil ? PenaltyTest(plan: self, casework: cw) : nil
            unexplainedToday(p, cw, s, &found)
            stages(p, cw, s, penalty, &found)
            lateness(p, cw, s, penalty, &found)
            truancy(p, cw, s, penalty, &found)
            let allowed = allowanceDays(cw, s)
            absenceRuns(p, cw, allowed, &s, &found)
            illnessCounts(p, s, allowed, &found)
            evidenceDeadlines(p, cw, s, allowed, &found)
            if let penalty {
                penaltyThreshold(p, cw, s, penalty, &found)
                repeatedAbsence(p, s, penalty, &found)
                if p.traveller { travellerProtection(p, s, &found) }
            }
            noticeFollowUps(p, cw, s, &found)
            notBackAfterLeave(p, cw, &found)
            exclusions(p, cw, &found)
            parentingOrderReviews(p, cw, &found)
            if p.traveller { travellerBaseSchool(p, &found) }
            if let notOfAge { Self.withoutLegalSteps(&found, because: notOfAge) }
        }
        for a in found where !cw.done.contains(a.key) { out.append(a) }
    }

    /// The root guard for a pupil not of compulsory school age: no rule may propose a legal step. The penalty-notice
    /// threshold is not proposed at all; any other action naming a legal step becomes a review, and escalation
    /// actions say why legal steps are not available. Registers, follow-up and support still apply.
    static func withoutLegalSteps(_ actions: inout [DueAction], because note: String) {
        actions.removeAll { $0.kind == .penaltyThreshold }
        for i in actions.indices {
            if actions[i].action.isLegalStep {
                actions[i].action = .review
                actions[i].reason += " " + note
            } else if [.stageEntry, .stageReview, .lateness, .latenessReview, .truancy, .missingEducation].contains(actions[i].kind) {
                actions[i].reason += " " + note
            }
        }
    }
}
