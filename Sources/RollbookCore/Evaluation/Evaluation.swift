// The daily evaluation: marks + policy + calendar + casework -> the actions due on a date, each with the rule,
// the figures that crossed it, the sessions involved and the clause it follows. A pure function: no I/O, no clock.
//
// It reports what is due on `asOf`. An action is identified by its `key` (kind, pupil, rule and an anchor date:
// the day the episode that triggered it began), so the caller keeps the worklist by key: an action proposed
// yesterday stays on the worklist until done even if today's evaluation no longer produces it, and an action whose
// key is in `Casework.done` (completed or dismissed) is never proposed again.

// MARK: - Inputs

/// What the evaluation needs to know about one pupil.
public struct PupilFacts: Sendable, Hashable {
    public var upn: String
    public var name: String
    /// From the admission register: decides compulsory school age, and so whether any legal step is open.
    public var dateOfBirth: LocalDate
    public var enrolment: Enrolment
    /// The pupil's marks, from any base. Should cover `Evaluation.marksNeeded` (the academic year to date, the
    /// penalty-notice window, which may reach into the previous year, and any stage window); sessions outside it read
    /// as unmarked.
    public var codes: SessionArray
    /// A child protection or child in need plan, or looked after.
    public var vulnerable: Bool
    public var socialWorker: Bool
    /// In priority order (the `priority` field decides).
    public var contacts: [Contact]

    public init(upn: String, name: String, dateOfBirth: LocalDate, enrolment: Enrolment, codes: SessionArray, vulnerable: Bool = false,
                socialWorker: Bool = false, contacts: [Contact] = []) {
        self.upn = upn; self.name = name; self.dateOfBirth = dateOfBirth; self.enrolment = enrolment; self.codes = codes
        self.vulnerable = vulnerable; self.socialWorker = socialWorker; self.contacts = contacts
    }
}

/// A pupil's time in an escalation stage.
public struct StageState: Sendable, Hashable, Codable {
    /// The stage's id in the policy, e.g. `stage-1`.
    public var stage: String
    /// The day the pupil entered the stage (the letter sent, the meeting held).
    public var entered: LocalDate
    /// The day the pupil left it (history only; nil while current).
    public var left: LocalDate?
    public init(stage: String, entered: LocalDate, left: LocalDate? = nil) { self.stage = stage; self.entered = entered; self.left = left }

    /// The last day of the stage's monitoring period, nil when the stage has none (or the calendar ends first).
    public func monitoringEnds(policy: Policy, calendar: SchoolCalendar) -> LocalDate? {
        guard let weeks = policy.stage(stage)?.monitoringSchoolWeeks else { return nil }
        return Evaluation.monitoringEnd(entered: entered, schoolWeeks: weeks, calendar: calendar)
    }
}

/// A Notice to Improve or a penalty notice issued to a parent for this child.
public struct NoticeRecord: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case noticeToImprove = "notice_to_improve"
        case penaltyNotice = "penalty_notice"
    }
    /// The parent's name as on the admission register's contact.
    public var parent: String
    public var kind: Kind
    public var issued: LocalDate
    /// Paid within 21 days (the reduced first-notice amount); nil while unknown.
    public var paidWithin21Days: Bool?
    /// The school that recorded it, when another school of the deployment did (the same child, by UPN); nil for this one.
    public var recordedAt: String?
    public init(parent: String, kind: Kind, issued: LocalDate, paidWithin21Days: Bool? = nil, recordedAt: String? = nil) {
        self.parent = parent; self.kind = kind; self.issued = issued; self.paidWithin21Days = paidWithin21Days
        self.recordedAt = recordedAt
    }
}

extension Array where Element == NoticeRecord {
    /// Records that the parent's latest penalty notice was paid within 21 days.
    public mutating func markPaidWithin21Days(parent: String) {
        if let i = lastIndex(where: { $0.kind == .penaltyNotice && $0.parent == parent }) { self[i].paidWithin21Days = true }
    }
}

/// What staff have recorded for one pupil: the input from the casework timeline.
public struct Casework: Sendable, Hashable, Codable {
    /// The stage the pupil is in now, if any.
    public var stage: StageState?
    /// Stages the pupil has been in and left, any order.
    public var stageHistory: [StageState]
    /// The last day the school had contact with the family (a call answered, a reason given, a visit).
    public var lastFamilyContact: LocalDate?
    /// The last day of the most recent agreed leave of absence.
    public var leaveEnded: LocalDate?
    public var notices: [NoticeRecord]
    /// Keys of actions completed or dismissed: never proposed again.
    public var done: Set<String>

    public init(stage: StageState? = nil, stageHistory: [StageState] = [], lastFamilyContact: LocalDate? = nil,
                leaveEnded: LocalDate? = nil, notices: [NoticeRecord] = [], done: Set<String> = []) {
        self.stage = stage; self.stageHistory = stageHistory; self.lastFamilyContact = lastFamilyContact
        self.leaveEnded = leaveEnded; self.notices = notices; self.done = done
    }
}

// MARK: - Output

/// One session an action is about.
public struct SessionRef: Sendable, Hashable, Codable {
    public var date: LocalDate
    public var session: Session
    /// The mark's symbol, e.g. "N".
    public var code: String
    public init(date: LocalDate, session: Session, code: String) { self.date = date; self.session = session; self.code = code }
}

/// An action the policy says is due for a pupil.
public struct DueAction: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Call the family about an absence with no reason (N) today, contacts in priority order.
        case dayOneContact = "day_one_contact"
        /// N marks past the policy's limit: amend them to O.
        case nToO = "n_to_o"
        /// Attendance has fallen below a stage's threshold: enter the stage.
        case stageEntry = "stage_entry"
        /// A stage's monitoring period has ended: improved, or the next stage.
        case stageReview = "stage_review"
        case lateness
        case illnessEvidence = "illness_evidence"
        /// The penalty-notice threshold is met: a Notice to Improve, a penalty notice per parent, or other action.
        case penaltyThreshold = "penalty_threshold"
        /// A Notice to Improve's improvement period has ended: improved, or a penalty notice may follow.
        case noticeToImproveReview = "notice_to_improve_review"
        /// A penalty notice not known to be paid by day 28: the LA decides whether to prosecute.
        case penaltyNoticeUnpaid = "penalty_notice_unpaid"
        /// Children missing education: no contact, continuous unauthorised absence, not back after leave.
        case missingEducation = "missing_education"
        /// A vulnerable pupil's absence has reached the policy's number of days.
        case vulnerableAbsence = "vulnerable_absence"
        /// Inform the local authority (long illness).
        case informLA = "inform_la"
        /// Tell the pupil's social worker of an unexplained absence.
        case socialWorker = "social_worker"
        /// Absence on a session of a refused leave request, or requested but not granted: code it G (reg 11).
        case leaveUnauthorised = "leave_unauthorised"
        /// Absence on the school day just before or after agreed leave: ask for evidence, else amend to O.
        case leaveEvidence = "leave_evidence"

        var order: Int { Self.order[self]! }
        private static let order: [Kind: Int] = Dictionary(uniqueKeysWithValues: allCases.enumerated().map { ($1, $0) })
    }

    public var upn: String
    public var kind: Kind
    /// The policy setting the action follows, e.g. `stages.stage-2`, `penalty_notice`, `no_reason`.
    public var rule: String
    /// The day the action became due; earlier than the evaluation date means overdue.
    public var due: LocalDate
    /// Plain words with the figures.
    public var reason: String
    public var sessions: [SessionRef]
    /// The figures that crossed the rule (rates as fractions, counts, amounts in GBP), snake_case names.
    public var figures: [String: Double]
    /// The clause of the school's policy or the regulation the rule follows.
    public var source: String
    public var action: Policy.ActionKind
    /// For contact actions: "name (relationship): phone", in priority order.
    public var contacts: [String]
    /// The stage proposed: the stage to enter, or the next stage after a review without improvement.
    public var proposedStage: String?
    /// Stable identity: kind, UPN, rule and anchor date (and the parent, for penalty notices).
    public var key: String
    /// The policy version that decided: its name and the day it took effect.
    public var policy: String
    /// For a penalty notice: the parent it would be issued to, as named on the admission register.
    public var parent: String? = nil

    /// Worklist order: due date, then kind, then UPN.
    public static func worklistOrder(_ a: DueAction, _ b: DueAction) -> Bool {
        if a.due != b.due { return a.due < b.due }
        if a.kind != b.kind { return a.kind.order < b.kind.order }
        return a.upn < b.upn
    }
}

// MARK: - The evaluation

public enum Evaluation {
    /// Every action due on `asOf` for `pupils` under `policy`, sorted by due date, kind and UPN (then as proposed).
    /// Casework is by UPN; a pupil with none has no stage, notices or completed actions.
    public static func run(policy: Policy, calendar: SchoolCalendar, asOf: LocalDate, pupils: [PupilFacts],
                           casework: [String: Casework]) -> [DueAction] {
        guard let plan = EvalPlan(policy: policy, calendar: calendar, asOf: asOf) else { return [] }
        var scratch = EvalScratch(days: plan.n)
        var out: [DueAction] = []
        let none = Casework()
        for p in pupils {
            plan.evaluate(p, casework[p.upn] ?? none, &scratch, into: &out)
        }
        // Ties keep the order the rules proposed them in (a penalty notice per parent in contact priority order).
        // Sorting indices by small keys, not the actions themselves, keeps this cheap for tens of thousands.
        let keys = out.map { (due: $0.due.dayNumber, kind: $0.kind.order) }
        let order = out.indices.sorted { i, j in
            let a = keys[i], b = keys[j]
            if a.due != b.due { return a.due < b.due }
            if a.kind != b.kind { return a.kind < b.kind }
            if out[i].upn != out[j].upn { return out[i].upn < out[j].upn }
            return i < j
        }
        return order.map { out[$0] }
    }

    /// The days whose marks the evaluation reads on `asOf`: the academic year to date, the penalty-notice window and
    /// any stage window, each also as it stood on the year's first school day (so an episode that began last year keeps
    /// one anchor). A pupil's `codes` should cover it; anything outside reads as unmarked. Nil without a calendar.
    public static func marksNeeded(policy: Policy, calendar: SchoolCalendar, asOf: LocalDate) -> DateRange? {
        EvalPlan(policy: policy, calendar: calendar, asOf: asOf).map { DateRange(from: $0.start, to: asOf) }
    }

    /// The last day of a monitoring period of `schoolWeeks` school weeks after `entered`: the same weekday that many
    /// school weeks on (weeks with no open session are skipped), or the school day before it when that day is closed.
    public static func monitoringEnd(entered: LocalDate, schoolWeeks: Int, calendar: SchoolCalendar) -> LocalDate? {
        guard let span = calendar.span, schoolWeeks > 0 else { return nil }
        var monday = entered.weekStart
        var found = 0
        while found < schoolWeeks {
            monday = monday.adding(days: 7)
            if monday > span.to { return nil }
            if calendar.openSessions(in: DateRange(from: monday, to: monday.adding(days: 6))) > 0 { found += 1 }
        }
        guard let end = calendar.latestSchoolDay(onOrBefore: monday.adding(days: entered.weekday - 1)), end > entered else { return nil }
        return end
    }

    /// The same day `years` years earlier (29 February becomes 1 March).
    static func yearsBefore(_ d: LocalDate, _ years: Int) -> LocalDate {
        let c = d.components
        return LocalDate(year: c.year - years, month: c.month, day: c.day) ?? LocalDate(year: c.year - years, month: 3, day: 1)!
    }
}

// MARK: - Per-session flags

/// Bits per code byte. The scratch array also holds two sentinels: 0xFF (session closed for the pupil's year group)
/// and 0xFE (not on roll); 0 is an open session with no mark yet.
enum EvalMark {
    static let attended: UInt8 = 1      // present, late or approved activity
    static let possible: UInt8 = 2      // marked and a possible session
    static let gnou: UInt8 = 4          // G, N, O, U: the penalty-notice codes
    static let late: UInt8 = 8          // L
    static let u: UInt8 = 16            // U
    static let illness: UInt8 = 32      // I
    static let n: UInt8 = 64            // N
    static let neutral: UInt8 = 128     // marked, not a possible session (D, X, Q, Y1-Y7, Z, #, unknown bytes)
    static let closed: UInt8 = 0xFF
    static let offRoll: UInt8 = 0xFE
    /// What an unknown byte in a session array reads as (never a sentinel).
    static let unknown: UInt8 = 0xFD

    static let table: [UInt8] = {
        var t = [UInt8](repeating: neutral, count: 256)
        t[0] = 0
        t[Int(closed)] = 0
        t[Int(offRoll)] = 0
        for c in AttendanceCode.allCases {
            var f: UInt8 = 0
            switch c.statisticalMeaning {
            case .present, .approvedEducationalActivity: f = attended | possible
            case .authorisedAbsence, .unauthorisedAbsence: f = possible
            case .notPossible: f = neutral
            }
            switch c {
            case .g, .o: f |= gnou
            case .n: f |= gnou | n
            case .u: f |= gnou | u
            case .late: f |= late
            case .i: f |= illness
            default: break
            }
            t[Int(c.rawValue)] = f
        }
        return t
    }()

    /// Each byte's code symbol, looked up once (`AttendanceCode.symbol` describes the case by reflection).
    static let symbols: [String] = {
        var t = [String](repeating: "?", count: 256)
        for c in AttendanceCode.allCases { t[Int(c.rawValue)] = c.symbol }
        return t
    }()
    static func symbol(_ v: UInt8) -> String { symbols[Int(v)] }
}

/// Prefix-sum counters, one row of `stride` per day.
enum EvalCounter {
    static let attended = 0, possible = 1, gnou = 2, late = 3, u = 4, illness = 5, n = 6
    static let stride = 8
}

/// Per-pupil working memory, allocated once per run.
struct EvalScratch {
    /// Two bytes a day from the plan's start: the code, 0 unmarked, or a sentinel.
    var sess: [UInt8]
    /// EvalCounter sums over days before each day: row i is days [0, i).
    var pre: [Int32]
    /// Day indices of the current continuous-absence run, latest first.
    var run: [Int32]
    /// The days (indices, inclusive) on which the pupil is of compulsory school age; empty when csaFrom > csaTo.
    var csaFrom = 0, csaTo = -1
    init(days: Int) {
        sess = [UInt8](repeating: 0, count: days * 2)
        pre = [Int32](repeating: 0, count: (days + 1) * EvalCounter.stride)
        run = []
        run.reserveCapacity(days)
    }
    @inline(__always) func count(_ k: Int, from a: Int, through b: Int) -> Int {
        guard a <= b else { return 0 }
        return Int(pre[(b + 1) * EvalCounter.stride + k] - pre[a * EvalCounter.stride + k])
    }
}

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
    let weekStart: Int
    let halfTermStart: Int?
    let termStart: Int?
    let term: Term?
    let policyLabel: String
    /// The source of each rule path.
    let sources: [String: String]

    init?(policy: Policy, calendar: SchoolCalendar, asOf: LocalDate) {
        guard let span = calendar.span, asOf >= span.from else { return nil }
        self.policy = policy; self.calendar = calendar; self.asOf = asOf; self.span = span
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
        var lengths = Set(policy.stages.compactMap(\.windowSchoolWeeks))
        lengths.insert(policy.penaltyNotice.windowSchoolWeeks)
        // Scan far enough back that every window on asOf, and on the year's first school day, is whole: an episode
        // that began before the year is then anchored on the same day all year.
        let yearFirst = max(year.range.from, span.from)
        let firstSchoolDay = (0..<60).lazy.map { yearFirst.adding(days: $0) }.first { calendar.isSchoolDay($0) && $0 <= asOf }
        var s = yearFirst
        for w in lengths {
            s = min(s, windowFrom(asOf, w))
            if let f = firstSchoolDay { s = min(s, windowFrom(f, w)) }
        }
        start = max(s, span.from)
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
            if mi < whole.count && whole[mi] != 0 { c += 1; days.append(Int32(i)) }
            ord[i] = c
        }
        ordinal = ord
        schoolDayIndex = days
        let limit = Int32(policy.noReason.nToOSchoolDays)
        let today = ord[n - 1]
        overdueBefore = ord.firstIndex { today - $0 <= limit } ?? n

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
        // Only sessions on which the pupil was of compulsory school age count towards the penalty-notice threshold.
        let csaFrom = max(0, index(CompulsorySchoolAge.starts(dateOfBirth: p.dateOfBirth)))
        let csaTo = min(last, index(CompulsorySchoolAge.ends(dateOfBirth: p.dateOfBirth)))
        s.csaFrom = csaFrom; s.csaTo = csaTo
        s.sess.withUnsafeMutableBufferPointer { sess in
            s.pre.withUnsafeMutableBufferPointer { pre in
                p.codes.bytes.withUnsafeBufferPointer { codes in
                    for k in 0..<stride { pre[k] = 0 }
                    for seg in segments {
                        let mask = calendar.openMask(yearGroup: p.enrolment.yearGroup(in: seg.year))
                        mask.withUnsafeBufferPointer { open in
                            for i in seg.from...seg.to {
                                let row = i * stride, next = row + stride
                                var add = (0, 0, 0, 0, 0, 0, 0) as (Int32, Int32, Int32, Int32, Int32, Int32, Int32)
                                if i < rollFrom || i > rollTo {
                                    sess[2 * i] = EvalMark.offRoll; sess[2 * i + 1] = EvalMark.offRoll
                                } else {
                                    let mi = maskOffset + i
                                    let o = mi < open.count ? open[mi] : 0
                                    for k in 0..<2 {
                                        if o & (1 << k) == 0 { sess[2 * i + k] = EvalMark.closed; continue }
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
                                    }
                                }
                                pre[next] = pre[row] + add.0
                                pre[next + 1] = pre[row + 1] + add.1
                                pre[next + 2] = pre[row + 2] + add.2
                                pre[next + 3] = pre[row + 3] + add.3
                                pre[next + 4] = pre[row + 4] + add.4
                                pre[next + 5] = pre[row + 5] + add.5
                                pre[next + 6] = pre[row + 6] + add.6
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
        var rules = ["no_reason", "day_one", "penalty_notice", "missing_education.tell_social_worker",
                     "missing_education.no_contact_school_days", "missing_education.vulnerable_after_school_days",
                     "missing_education.continuous_unauthorised_school_days", "missing_education.illness_school_days",
                     "missing_education.not_back_after_leave_school_days"]
        rules += policy.stages.map { "stages.\($0.id)" } + policy.lateness.map { "lateness.\($0.id)" }
            + policy.illnessEvidence.map { "illness_evidence.\($0.id)" }
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

    func action(_ p: PupilFacts, _ kind: DueAction.Kind, rule: String, anchor: LocalDate, suffix: String = "", due: LocalDate,
                reason: String, sessions: [SessionRef] = [], figures: [String: Double] = [:], action: Policy.ActionKind,
                contacts: [String] = [], proposedStage: String? = nil) -> DueAction {
        DueAction(upn: p.upn, kind: kind, rule: rule, due: due, reason: reason, sessions: sessions, figures: figures,
                  source: source(rule), action: action, contacts: contacts, proposedStage: proposedStage,
                  key: "\(kind.rawValue)|\(p.upn)|\(rule)|\(anchor.iso)\(suffix.isEmpty ? "" : "|" + suffix)", policy: policyLabel)
    }

    // MARK: The rules for one pupil

    func evaluate(_ p: PupilFacts, _ cw: Casework, _ s: inout EvalScratch, into out: inout [DueAction]) {
        fill(p, &s)
        var found: [DueAction] = []
        noReasonOverdue(p, s, &found)
        if p.enrolment.isOnRoll(asOf) {
            // `fill` found the days of compulsory school age; the words are needed only for a pupil outside it today.
            let ofAge = s.csaFrom <= last && s.csaTo == last
            let notOfAge = ofAge ? nil : CompulsorySchoolAge.legalStepsUnavailable(dateOfBirth: p.dateOfBirth, on: asOf)
            let penalty = notOfAge == nil ? PenaltyTest(plan: self, casework: cw) : nil
            unexplainedToday(p, cw, s, &found)
            stages(p, cw, s, penalty, &found)
            lateness(p, s, &found)
            absenceRuns(p, cw, &s, &found)
            illnessCounts(p, s, &found)
            if let penalty { penaltyThreshold(p, cw, s, penalty, &found) }
            noticeFollowUps(p, cw, s, &found)
            notBackAfterLeave(p, cw, &found)
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
            if actions[i].action.isLegalStep { actions[i].action = .review; actions[i].reason += " " + note }
            else if [.stageEntry, .stageReview, .lateness, .missingEducation].contains(actions[i].kind) { actions[i].reason += " " + note }
        }
    }

    /// N marks more than `no_reason.n_to_o_school_days` school days old become O.
    func noReasonOverdue(_ p: PupilFacts, _ s: EvalScratch, _ out: inout [DueAction]) {
        guard overdueBefore > 0, s.count(EvalCounter.n, from: 0, through: overdueBefore - 1) > 0 else { return }
        let refs = sessions(s, from: 0, through: overdueBefore - 1, bits: EvalMark.n)
        guard let oldest = refs.first, let newest = refs.last else { return }
        let limit = policy.noReason.nToOSchoolDays
        let o = index(oldest.date)
        let dueIndex = Int(schoolDayIndex[Int(ordinal[o]) + limit])
        let age = Int(ordinal[last] - ordinal[o])
        let list = refs.map { "\(EvalWords.date($0.date)) \($0.session.rawValue)" }.joined(separator: ", ")
        let reason = "No reason within \(limit) school days: becomes O. \(EvalWords.count(refs.count, "session")) still coded N "
            + "more than \(limit) school days later (the oldest \(age) school days ago): \(list). "
            + "Amend each to O with the reason \"no reason provided within \(limit) school days\"."
        out.append(action(p, .nToO, rule: "no_reason", anchor: newest.date, due: date(dueIndex), reason: reason, sessions: refs,
                          figures: ["sessions": Double(refs.count), "limit_school_days": Double(limit), "oldest_school_days": Double(age)],
                          action: .review))
    }

    /// Day-1 contact for an N today, and the social worker for a pupil who has one.
    func unexplainedToday(_ p: PupilFacts, _ cw: Casework, _ s: EvalScratch, _ out: inout [DueAction]) {
        let am = s.sess[2 * last], pm = s.sess[2 * last + 1]
        let nRaw = AttendanceCode.n.rawValue
        guard am == nRaw || pm == nRaw else { return }
        // The unexplained absence began at the first of the run of N sessions ending today (closed sessions skipped).
        var first = last, days = 0, counted = -1
        walk: for i in stride(from: last, through: 0, by: -1) {
            for k in stride(from: 1, through: 0, by: -1) {
                let v = s.sess[2 * i + k]
                if v == EvalMark.closed || (v == 0 && i == last) { continue }
                guard v == nRaw else { break walk }
                if counted != i { days += 1; counted = i }
                first = i
            }
        }
        let began = date(first)
        let today = sessions(s, from: last, through: last, bits: EvalMark.n)
        let which = today.map(\.session.rawValue).joined(separator: " and ")
        if first == last || policy.dayOne.repeatDaily {
            let again = first == last ? "Absence with no reason today (\(which)): "
                : "Absence still unexplained, school day \(days) since \(EvalWords.date(began)) (\(which) today): "
            let reason = again + "contact the family by \(policy.dayOne.contactBy), in contact priority order"
                + (first == last ? "" : ", and again each day it continues") + "."
            out.append(action(p, .dayOneContact, rule: "day_one", anchor: asOf, due: asOf, reason: reason, sessions: today,
                              figures: ["school_days": Double(days)], action: .call, contacts: contactLines(p.contacts)))
        }
        if policy.missingEducation.tellSocialWorker && p.socialWorker {
            let reason = "Unexplained absence (N) since \(EvalWords.date(began)) of a pupil with a social worker: tell the social worker."
            out.append(action(p, .socialWorker, rule: "missing_education.tell_social_worker", anchor: began, due: began, reason: reason,
                              sessions: sessions(s, from: first, through: last, bits: EvalMark.n),
                              figures: ["school_days": Double(days)], action: .informSocialWorker))
        }
    }

    // MARK: Stages

    /// Attended and possible (marked) sessions over a stage's window ending on day i; nil when the window is not whole.
    func stageCounts(_ s: EvalScratch, _ stage: Policy.Stage, endingAt i: Int) -> (attended: Int, possible: Int, from: Int)? {
        let from: Int
        if let w = stage.windowSchoolWeeks {
            let f = Int(windowStart[w]![i])
            guard f >= 0 else { return nil }
            from = f
        } else {
            guard i >= yearStart else { return nil }
            from = yearStart
        }
        return (s.count(EvalCounter.attended, from: from, through: i), s.count(EvalCounter.possible, from: from, through: i), from)
    }

    /// Below a threshold at the precision schools read: one decimal of a percent, as the bands compare.
    static func isBelow(_ attended: Int, _ possible: Int, _ threshold: Double) -> Bool {
        possible > 0 && EvalWords.round3(Double(attended) / Double(possible)) < threshold
    }

    func windowWords(_ stage: Policy.Stage) -> String {
        stage.windowSchoolWeeks.map { "the last \(EvalWords.count($0, "school week"))" } ?? "the year to date"
    }

    /// A stage whose step is a legal one passes the same national test as any other: the stage proposes a review that
    /// says whether the test is met, and only the penalty-notice threshold rule proposes a notice (per parent, with the
    /// 3-year limit and the amounts). Never a notice on the attendance rate alone.
    func stageStep(_ kind: Policy.ActionKind, _ test: PenaltyTest?, _ s: EvalScratch, _ reason: inout String) -> Policy.ActionKind {
        guard kind.isLegalStep else { return kind }
        let step = kind == .noticeToImprove ? "a Notice to Improve" : "a penalty notice"
        guard let test else { return .review }     // not of compulsory school age: the root guard says why
        let pn = policy.penaltyNotice
        if let e = test.episode(s, after: test.latestNotice) {
            reason += " This stage's step is \(step): the national test is met (\(EvalWords.count(e.countAtDue, "session")) of G, N, O or U "
                + "in \(EvalWords.count(pn.windowSchoolWeeks, "school week")), reached on \(EvalWords.date(date(e.due)))): see the "
                + "penalty-notice threshold action for each parent."
        } else {
            reason += " This stage's step is \(step), but the national test is not met: \(EvalWords.count(test.countNow(s, after: test.latestNotice), "session")) "
                + "of G, N, O or U in the last \(EvalWords.count(pn.windowSchoolWeeks, "school week")), below \(pn.thresholdSessions). "
                + "A notice cannot rest on the attendance rate alone: consider other support and keep monitoring."
        }
        return .review
    }

    func stages(_ p: PupilFacts, _ cw: Casework, _ s: EvalScratch, _ test: PenaltyTest?, _ out: inout [DueAction]) {
        // A pupil in no stage may enter the first stage or one with direct entry; a pupil in a stage moves on by `next`
        // when its monitoring ends without improvement, or may enter a later stage with direct entry whose threshold
        // is crossed (seed 004's letter below 90% for a pupil already sent the 93% letter; seed 003's severe absence).
        var after = -1
        var floorDay = cw.stageHistory.compactMap(\.left).max()
        if let current = cw.stage {
            review(p, current, s, test, &out)
            after = policy.stages.firstIndex { $0.id == current.stage } ?? policy.stages.count
            floorDay = max(floorDay ?? current.entered, current.entered)
        }
        // The furthest such stage whose threshold is crossed.
        var chosen: (stage: Policy.Stage, attended: Int, possible: Int)?
        for (i, st) in policy.stages.enumerated() where i > after && (st.directEntry || i == 0) {
            guard let c = stageCounts(s, st, endingAt: last), c.possible >= st.minimum, Self.isBelow(c.attended, c.possible, st.below) else { continue }
            chosen = (st, c.attended, c.possible)
        }
        guard let (st, att, poss) = chosen else { return }
        // The episode: the days, ending today, on which the rate has been below the threshold without a break,
        // and not before the pupil last left a stage (or entered the current one).
        let floor = max(0, floorDay.map { index($0) + 1 } ?? 0)
        var first = last
        while first - 1 >= floor, let c = stageCounts(s, st, endingAt: first - 1), c.possible >= st.minimum, Self.isBelow(c.attended, c.possible, st.below) {
            first -= 1
        }
        let rate = Double(att) / Double(poss)
        var reason = "Attendance \(EvalWords.percent(rate)) over \(windowWords(st)) (\(att) of \(poss) sessions) is below "
            + "\(EvalWords.threshold(st.below)): \(st.name) (\(st.id))."
        if let letter = st.letter { reason += " Send the '\(letter)' letter." }
        if let m = st.monitoringSchoolWeeks { reason += " Then monitor for \(EvalWords.count(m, "school week"))." }
        var figures: [String: Double] = ["attendance_rate": EvalWords.round4(rate), "attended": Double(att), "possible": Double(poss),
                                         "below": st.below]
        if let w = st.windowSchoolWeeks { figures["window_school_weeks"] = Double(w) }
        let step = stageStep(st.action, test, s, &reason)
        out.append(action(p, .stageEntry, rule: "stages.\(st.id)", anchor: date(first), due: date(first), reason: reason,
                          figures: figures, action: step, proposedStage: st.id))
    }

    func review(_ p: PupilFacts, _ current: StageState, _ s: EvalScratch, _ test: PenaltyTest?, _ out: inout [DueAction]) {
        guard let st = policy.stage(current.stage), let weeks = st.monitoringSchoolWeeks,
              let end = Evaluation.monitoringEnd(entered: current.entered, schoolWeeks: weeks, calendar: calendar), asOf >= end else { return }
        let period = DateRange(from: current.entered.adding(days: 1), to: end)
        let c = StatisticsEngine(calendar: calendar).counts(p.codes, enrolment: p.enrolment, range: period).markedOnly
        let attended = c.present + c.approvedActivity
        let target = st.improvementTarget ?? st.below
        let rule = "stages.\(st.id)"
        var figures: [String: Double] = ["attended": Double(attended), "possible": Double(c.possible), "target": target,
                                         "monitoring_school_weeks": Double(weeks)]
        let head = "Monitoring for \(st.name) (\(st.id)) from \(EvalWords.date(current.entered)) ended \(EvalWords.date(end))"
        guard c.possible > 0 else {
            out.append(action(p, .stageReview, rule: rule, anchor: current.entered, due: end,
                              reason: head + ": no possible sessions to measure (not on roll or no marks); review by hand.",
                              figures: figures, action: .review))
            return
        }
        let rate = Double(attended) / Double(c.possible)
        let improved = !Self.isBelow(attended, c.possible, target)
        figures["attendance_rate"] = EvalWords.round4(rate)
        figures["improved"] = improved ? 1 : 0
        var reason = head + ": attendance \(EvalWords.percent(rate)) (\(attended) of \(c.possible) sessions) "
        if improved {
            reason += "met the target of \(EvalWords.threshold(target)): improved. Tell the family and continue monitoring."
            out.append(action(p, .stageReview, rule: rule, anchor: current.entered, due: end, reason: reason, figures: figures, action: .review))
        } else if let nextID = st.next, let next = policy.stage(nextID) {
            reason += "is below the target of \(EvalWords.threshold(target)): not improved. Next: \(next.name) (\(next.id))."
            if let letter = next.letter { reason += " Send the '\(letter)' letter." }
            let step = stageStep(next.action, test, s, &reason)
            out.append(action(p, .stageReview, rule: rule, anchor: current.entered, due: end, reason: reason, figures: figures,
                              action: step, proposedStage: next.id))
        } else {
            reason += "is below the target of \(EvalWords.threshold(target)): not improved. This is the policy's last stage: "
                + "decide on further action."
            out.append(action(p, .stageReview, rule: rule, anchor: current.entered, due: end, reason: reason, figures: figures, action: .review))
        }
    }

    // MARK: Lateness

    func lateness(_ p: PupilFacts, _ s: EvalScratch, _ out: inout [DueAction]) {
        for r in policy.lateness {
            let from: Int?
            let words: String
            switch r.per {
            case .week: from = weekStart; words = "this week"
            case .halfTerm: from = halfTermStart; words = "this half term"
            case .term: from = termStart; words = "this term"
            case .year: from = yearStart; words = "this school year"
            }
            guard let from else { continue }
            let countL = r.codes.contains("L"), countU = r.codes.contains("U")
            let count = (countL ? s.count(EvalCounter.late, from: from, through: last) : 0)
                + (countU ? s.count(EvalCounter.u, from: from, through: last) : 0)
            guard count >= r.atLeast, count <= (r.atMost ?? Int.max) else { continue }
            let bits = (countL ? EvalMark.late : 0) | (countU ? EvalMark.u : 0)
            let refs = sessions(s, from: from, through: last, bits: bits)
            let rung = r.atMost.map { $0 == r.atLeast ? "exactly \($0)" : "\(r.atLeast) to \($0)" } ?? "\(r.atLeast) or more"
            let what = countL && countU ? "late arrivals (L or U)" : countU ? "unauthorised late arrivals (U)" : "late arrivals (L)"
            var reason = "\(count) \(what) \(words), since \(EvalWords.date(date(from))): the rung for \(rung) (\(r.name))."
            if let letter = r.letter { reason += " Send the '\(letter)' letter." }
            var figures: [String: Double] = ["count": Double(count), "at_least": Double(r.atLeast)]
            if let m = r.atMost { figures["at_most"] = Double(m) }
            out.append(action(p, .lateness, rule: "lateness.\(r.id)", anchor: date(from),
                              due: date(dayOfNth(s, r.atLeast, bits: bits, from: from, through: last)), reason: reason, sessions: refs,
                              figures: figures, action: r.action))
        }
    }

    // MARK: Continuous absence: illness evidence (consecutive days), missing education, vulnerable pupils, long illness

    func absenceRuns(_ p: PupilFacts, _ cw: Casework, _ s: inout EvalScratch, _ out: inout [DueAction]) {
        // Walk back from today over the pupil's school days. A day counts when every marked session that is a possible
        // session is an absence; sessions not yet marked today are left out, an unmarked earlier day ends the run.
        s.run.removeAll(keepingCapacity: true)
        var gnoDays = 0, illDays = 0
        var gnoAlive = true, illAlive = true
        let table = EvalMark.table
        var i = last
        walk: while i >= 0 {
            var considered = false, absent = true, gno = true, ill = true
            for k in 0..<2 {
                let v = s.sess[2 * i + k]
                if v == EvalMark.offRoll { break walk }
                if v == EvalMark.closed { continue }
                if v == 0 { if i == last { continue } else { break walk } }
                let f = table[Int(v)]
                if f & EvalMark.neutral != 0 { continue }
                considered = true
                if f & EvalMark.attended != 0 { absent = false }
                if f & EvalMark.gnou == 0 || f & EvalMark.u != 0 { gno = false }
                if f & EvalMark.illness == 0 { ill = false }
            }
            if considered {
                if !absent { break }
                s.run.append(Int32(i))
                if gnoAlive { if gno { gnoDays += 1 } else { gnoAlive = false } }
                if illAlive { if ill { illDays += 1 } else { illAlive = false } }
            }
            i -= 1
        }
        let run = s.run
        let total = run.count
        guard total > 0 else { return }
        /// The t-th day (1-based) of the run of the latest `length` days.
        func nth(_ t: Int, of length: Int) -> LocalDate { date(Int(run[length - t])) }
        /// The absences of the run of the latest `length` days (every possible session in it is one).
        func refs(_ length: Int) -> [SessionRef] { sessions(s, from: Int(run[length - 1]), through: last, bits: EvalMark.possible) }
        let began = nth(1, of: total)
        let me = policy.missingEducation

        // Illness evidence: consecutive school days of illness.
        for r in policy.illnessEvidence where r.measure == .consecutiveSchoolDays && illDays >= r.count {
            let from = nth(1, of: illDays)
            let reason = "Illness (I) on \(illDays) consecutive school days since \(EvalWords.date(from)), the rule being \(r.count) "
                + "(\(r.name)): ask the family for medical evidence."
            out.append(action(p, .illnessEvidence, rule: "illness_evidence.\(r.id)", anchor: from, due: nth(r.count, of: illDays),
                              reason: reason, sessions: refs(illDays), figures: ["school_days": Double(illDays), "count": Double(r.count)],
                              action: .evidenceRequest))
        }

        // No contact from the family since the absence began.
        let contacted = cw.lastFamilyContact.map { $0 >= began } ?? false
        let thresholds = me.noContactSchoolDays
        if !contacted {
            for (j, t) in thresholds.enumerated() where total >= t {
                let final = j == thresholds.count - 1
                let reason = "Absent \(total) consecutive school days since \(EvalWords.date(began)) with no contact from the family "
                    + "since the absence began: day \(t). "
                    + (final ? "Refer to the LA as a child missing education; keep the pupil on roll until the LA's enquiries are complete."
                             : "Make reasonable enquiries: call every contact, consider a home visit.")
                out.append(action(p, .missingEducation, rule: "missing_education.no_contact_school_days", anchor: began, suffix: "day-\(t)",
                                  due: nth(t, of: total), reason: reason, sessions: refs(total),
                                  figures: ["school_days": Double(total), "threshold_school_days": Double(t)],
                                  action: final ? .laReferral : .call, contacts: contactLines(p.contacts)))
            }
        }

        // Vulnerable pupils.
        if p.vulnerable, let v = me.vulnerableAfterSchoolDays, total >= v {
            let reason = "Vulnerable pupil (child protection or child in need plan, or looked after) absent \(total) consecutive "
                + "school days since \(EvalWords.date(began)): at \(v), escalate to children's social care and the lead professional. "
                + (contacted ? "The family has been in contact since the absence began." : "No contact from the family since the absence began.")
            out.append(action(p, .vulnerableAbsence, rule: "missing_education.vulnerable_after_school_days", anchor: began,
                              due: nth(v, of: total), reason: reason, sessions: refs(total),
                              figures: ["school_days": Double(total), "threshold_school_days": Double(v)],
                              action: .socialCareReferral, contacts: contactLines(p.contacts)))
        }

        // Continuous unauthorised absence (G, N, O throughout).
        let cu = me.continuousUnauthorisedSchoolDays
        if gnoDays >= cu {
            let from = nth(1, of: gnoDays)
            let reason = "\(gnoDays) continuous school days of unauthorised absence (G, N or O) since \(EvalWords.date(from)): at \(cu), "
                + "make enquiries and inform the LA. This is a deletion ground only after the school and the LA have both made "
                + "reasonable enquiries and the pupil's whereabouts are still unknown: do not delete from the roll yet."
            out.append(action(p, .missingEducation, rule: "missing_education.continuous_unauthorised_school_days", anchor: from,
                              due: nth(cu, of: gnoDays), reason: reason, sessions: refs(gnoDays),
                              figures: ["school_days": Double(gnoDays), "threshold_school_days": Double(cu)], action: .laReferral))
        }

        // Long illness: over the policy's school days, inform the LA.
        if let d = me.illnessSchoolDays, illDays > d {
            let from = nth(1, of: illDays)
            let reason = "Absent through illness (I) for \(illDays) consecutive school days since \(EvalWords.date(from)): over \(d), "
                + "inform the LA, which must arrange suitable education for a child unable to attend because of their health."
            out.append(action(p, .informLA, rule: "missing_education.illness_school_days", anchor: from, due: nth(d + 1, of: illDays),
                              reason: reason, sessions: refs(illDays), figures: ["school_days": Double(illDays), "threshold_school_days": Double(d)],
                              action: .informLA))
        }
    }

    // MARK: Illness evidence by sessions in the term or year

    func illnessCounts(_ p: PupilFacts, _ s: EvalScratch, _ out: inout [DueAction]) {
        for r in policy.illnessEvidence where r.measure != .consecutiveSchoolDays {
            let from: Int?
            let words: String
            if r.measure == .sessionsInTerm { from = termStart; words = "this term" + (term.map { " (\($0.name))" } ?? "") }
            else { from = yearStart; words = "this school year (\(AcademicYear(containing: asOf)))" }
            guard let from else { continue }
            let count = s.count(EvalCounter.illness, from: from, through: last)
            guard count >= r.count else { continue }
            let reason = "\(EvalWords.count(count, "session")) of illness (I) \(words), the rule being \(r.count) (\(r.name))\(r.letter.map { ", with the '\($0)' letter" } ?? ""): "
                + "ask the family for medical evidence."
            out.append(action(p, .illnessEvidence, rule: "illness_evidence.\(r.id)", anchor: date(from),
                              due: date(dayOfNth(s, r.count, bits: EvalMark.illness, from: from, through: last)), reason: reason,
                              sessions: sessions(s, from: from, through: last, bits: EvalMark.illness),
                              figures: ["sessions": Double(count), "count": Double(r.count)], action: .evidenceRequest))
        }
    }

    // MARK: Penalty notices

    /// The national penalty-notice test for one pupil of compulsory school age: 10 (the policy's threshold) or more
    /// sessions of G, N, O or U, each on a day of compulsory school age, in the rolling window of school weeks.
    /// Sessions a notice has dealt with do not count again. One home for the test: the threshold rule and any stage
    /// whose step is a legal one read it.
    struct PenaltyTest {
        let plan: EvalPlan
        let casework: Casework

        /// One episode: the first school day on which the threshold was reached (and has stayed reached since), and
        /// the window that reached it on that day.
        struct Episode {
            /// Day index of `due`: the first school day on which the count reached the threshold.
            var due: Int
            /// The first day the cited window counts from (its first school week's Monday, or the day after a notice).
            var from: Int
            var countAtDue: Int
            var countNow: Int
            /// The notice after which sessions count.
            var after: LocalDate?
            /// The threshold was already met on the first day whose window the evaluation reads (the episode began
            /// earlier, last school year): `due` is the day it is known to have been reached by.
            var reachedEarlier: Bool
        }

        /// The episode counting only sessions after `after` (a notice's date), nil when the threshold is not met today.
        func episode(_ scratch: EvalScratch, after: LocalDate?) -> Episode? {
            let pn = plan.policy.penaltyNotice
            guard let starts = plan.windowStart[pn.windowSchoolWeeks] else { return nil }
            let cut = after.map { plan.index($0) + 1 } ?? 0
            func from(_ i: Int) -> Int? { let w = Int(starts[i]); return w >= 0 ? max(w, cut) : nil }
            func count(_ i: Int) -> Int? { from(i).map { scratch.count(EvalCounter.gnou, from: $0, through: i) } }
            guard let now = count(plan.last), now >= pn.thresholdSessions else { return nil }
            var first = plan.last
            var reachedEarlier = false
            while first > 0 {
                guard let c = count(first - 1) else { reachedEarlier = true; break }
                guard c >= pn.thresholdSessions else { break }
                first -= 1
            }
            // The count rises only on a school day; the episode starts on another day only where it reaches back
            // past the days scanned, and then the first school day in it is the first day it is known to be met.
            var due = first
            while due < plan.last && !plan.isSchoolDay(due) { due += 1 }
            guard let f = from(due), let c = count(due) else { return nil }
            return Episode(due: due, from: f, countAtDue: c, countNow: now, after: after, reachedEarlier: reachedEarlier)
        }

        /// G, N, O and U sessions (of compulsory school age) in the window ending today, after `after`.
        func countNow(_ scratch: EvalScratch, after: LocalDate?) -> Int {
            guard let w = plan.windowStart[plan.policy.penaltyNotice.windowSchoolWeeks]?[plan.last], w >= 0 else { return 0 }
            return scratch.count(EvalCounter.gnou, from: max(Int(w), after.map { plan.index($0) + 1 } ?? 0), through: plan.last)
        }

        /// The latest notice of any kind on or before the evaluation date: sessions before it count for nobody.
        var latestNotice: LocalDate? { casework.notices.filter { $0.issued <= plan.asOf }.map(\.issued).max() }
        /// The latest Notice to Improve, or penalty notice to this parent: the sessions it dealt with do not count again
        /// for this parent (another parent's notice for the same sessions is theirs to receive).
        func latestNotice(for parent: String) -> LocalDate? {
            casework.notices.filter { $0.issued <= plan.asOf && ($0.kind == .noticeToImprove || $0.parent == parent) }.map(\.issued).max()
        }
    }

    func penaltyWords(_ e: PenaltyTest.Episode, _ s: EvalScratch) -> (head: String, refs: [SessionRef], figures: [String: Double]) {
        let pn = policy.penaltyNotice
        let weeksFrom = date(Int(windowStart[pn.windowSchoolWeeks]![e.due]))
        var head = "\(EvalWords.count(e.countAtDue, "session")) of unauthorised absence (G, N, O or U) in the "
            + "\(EvalWords.count(pn.windowSchoolWeeks, "school week")) from \(EvalWords.date(weeksFrom)) to \(EvalWords.date(date(e.due)))"
        if let n = e.after { head += " (after the notice of \(EvalWords.date(n)))" }
        head += e.reachedEarlier
            ? ": the threshold of \(pn.thresholdSessions) had been reached by \(EvalWords.date(date(e.due))), the first school day this evaluation reads."
            : ": the threshold of \(pn.thresholdSessions) was reached on \(EvalWords.date(date(e.due)))."
        if e.countNow > e.countAtDue {
            head += " Since then the count has risen: \(e.countNow) in the \(EvalWords.count(pn.windowSchoolWeeks, "school week")) to "
                + "\(EvalWords.date(asOf))."
        }
        head += " "
        let refs = sessions(s, from: max(e.from, s.csaFrom), through: min(e.due, s.csaTo), bits: EvalMark.gnou)
        let figures: [String: Double] = ["sessions": Double(e.countAtDue), "sessions_now": Double(e.countNow),
                                         "threshold_sessions": Double(pn.thresholdSessions), "window_school_weeks": Double(pn.windowSchoolWeeks)]
        return (head, refs, figures)
    }

    func penaltyThreshold(_ p: PupilFacts, _ cw: Casework, _ s: EvalScratch, _ test: PenaltyTest, _ out: inout [DueAction]) {
        let pn = policy.penaltyNotice
        // No notice counts sessions from before the window's start, so below the threshold here nothing can fire.
        guard test.countNow(s, after: nil) >= pn.thresholdSessions else { return }
        let rule = "penalty_notice"
        let threeYears = Evaluation.yearsBefore(asOf, 3)
        let recent = cw.notices.filter { $0.issued > threeYears && $0.issued <= asOf }
        let parents = p.contacts.filter(\.parentalResponsibility).sorted { $0.priority < $1.priority }
        let ntiRecently = recent.contains { $0.kind == .noticeToImprove }
        let offerNTI = pn.noticeToImprove != .never && !ntiRecently
        let offerPN = pn.noticeToImprove != .always || ntiRecently

        if offerNTI, let e = test.episode(s, after: test.latestNotice) {
            let (head, refs, figures) = penaltyWords(e, s)
            var reason = head
            if pn.noticeToImprove == .always {
                reason += "The policy uses a Notice to Improve first and none has been issued for this child in the last 3 years: "
                    + "issue a Notice to Improve"
            } else {
                reason += "The policy leaves the route to the school (notice to improve: discretionary): a Notice to Improve, "
                    + "or a penalty notice to each parent (proposed beside this); recording one closes the other. Notice to Improve"
            }
            if let w = pn.improvementSchoolWeeks { reason += " with an improvement period of \(EvalWords.count(w, "school week"))" }
            reason += "."
            var f = figures
            f["notice_number"] = 0
            let anchor = date(e.due)
            out.append(action(p, .penaltyThreshold, rule: rule, anchor: anchor, suffix: "notice-to-improve", due: anchor, reason: reason,
                              sessions: refs, figures: f, action: .noticeToImprove, contacts: contactLines(parents)))
        }
        guard offerPN else { return }
        guard !parents.isEmpty else {
            guard let e = test.episode(s, after: test.latestNotice) else { return }
            let (head, refs, figures) = penaltyWords(e, s)
            let reason = head + "No parent with parental responsibility is on the admission register: add them before a notice can be requested."
            out.append(action(p, .penaltyThreshold, rule: rule, anchor: date(e.due), due: date(e.due), reason: reason, sessions: refs,
                              figures: figures, action: .review))
            return
        }
        for parent in parents {
            guard let e = test.episode(s, after: test.latestNotice(for: parent.name)) else { continue }
            let (head, refs, figures) = penaltyWords(e, s)
            let theirs = recent.filter { $0.kind == .penaltyNotice && $0.parent == parent.name }
            let previous = theirs.count
            var f = figures
            f["previous_notices"] = Double(previous)
            let elsewhere = Set(theirs.compactMap(\.recordedAt)).sorted()
            let whereFrom = elsewhere.isEmpty ? "" : " (recorded at \(elsewhere.joined(separator: " and ")) as well as here)"
            let reason: String
            let kind: Policy.ActionKind
            switch previous {
            case 0:
                reason = head + "First penalty notice to \(parent.name) for this child: £160 if paid within 28 days, "
                    + "reduced to £80 if paid within 21 days."
                f["notice_number"] = 1; f["amount_gbp"] = 160; f["reduced_amount_gbp"] = 80
                kind = .penaltyNotice
            case 1:
                reason = head + "Second penalty notice to \(parent.name) for this child within 3 years\(whereFrom): £160 flat, paid within 28 days "
                    + "(no reduced amount)."
                f["notice_number"] = 2; f["amount_gbp"] = 160
                kind = .penaltyNotice
            default:
                reason = head + "\(parent.name) has had \(previous) penalty notices for this child in the last 3 years\(whereFrom), the most allowed: "
                    + "no further notice. Other action is needed instead, such as prosecution (s444), a parenting order or "
                    + "an education supervision order."
                f["notice_number"] = Double(previous + 1); f["amount_gbp"] = 0
                kind = .laReferral
            }
            let anchor = date(e.due)
            var a = action(p, .penaltyThreshold, rule: rule, anchor: anchor, suffix: parent.name, due: anchor, reason: reason,
                           sessions: refs, figures: f, action: kind, contacts: contactLines([parent]))
            a.parent = parent.name
            out.append(a)
        }
    }

    /// After a notice: the end of a Notice to Improve's improvement period, and a penalty notice not known to be paid
    /// by day 28 (RULES: "Unpaid after 28 days: the LA decides whether to prosecute").
    func noticeFollowUps(_ p: PupilFacts, _ cw: Casework, _ s: EvalScratch, _ out: inout [DueAction]) {
        let pn = policy.penaltyNotice
        let mine = cw.notices.filter { $0.recordedAt == nil && $0.issued <= asOf }
        if let weeks = pn.improvementSchoolWeeks, let nti = mine.filter({ $0.kind == .noticeToImprove }).max(by: { $0.issued < $1.issued }),
           let end = Evaluation.monitoringEnd(entered: nti.issued, schoolWeeks: weeks, calendar: calendar), asOf >= end {
            let a = max(0, index(nti.issued) + 1), b = min(last, index(end))
            let unauthorised = s.count(EvalCounter.gnou, from: a, through: b)
            let refs = sessions(s, from: a, through: b, bits: EvalMark.gnou)
            let improved = unauthorised == 0
            var reason = "The improvement period of the Notice to Improve issued on \(EvalWords.date(nti.issued)) "
                + "(\(EvalWords.count(weeks, "school week"))) ended on \(EvalWords.date(end)): "
                + "\(EvalWords.count(unauthorised, "session")) of unauthorised absence (G, N, O or U) in it. "
            reason += improved
                ? "Improved: no further unauthorised absence. Tell the family and close the notice."
                : "Not improved: under the LA's code of conduct a penalty notice may now be issued to each parent with parental "
                    + "responsibility; record it on the timeline when issued."
            out.append(action(p, .noticeToImproveReview, rule: "penalty_notice.improvement_school_weeks", anchor: nti.issued, due: end,
                              reason: reason, sessions: refs,
                              figures: ["unauthorised_sessions": Double(unauthorised), "improvement_school_weeks": Double(weeks),
                                        "improved": improved ? 1 : 0], action: .review))
        }
        for notice in mine where notice.kind == .penaltyNotice && notice.paidWithin21Days != true {
            let day28 = notice.issued.adding(days: 28)
            guard asOf > day28 else { continue }
            let reason = "Penalty notice issued to \(notice.parent) on \(EvalWords.date(notice.issued)) is not recorded as paid by day 28 "
                + "(\(EvalWords.date(day28))): check with the LA, which decides whether to prosecute (s444)."
            out.append(action(p, .penaltyNoticeUnpaid, rule: "penalty_notice", anchor: notice.issued, suffix: notice.parent,
                              due: day28.adding(days: 1), reason: reason, action: .review, contacts: []))
        }
    }

    // MARK: Not back after leave

    func notBackAfterLeave(_ p: PupilFacts, _ cw: Casework, _ out: inout [DueAction]) {
        guard let ended = cw.leaveEnded, ended < asOf else { return }
        let limit = policy.missingEducation.notBackAfterLeaveSchoolDays
        var days = 0
        var dueDay: LocalDate?
        var refs: [SessionRef] = []
        var d = ended.adding(days: 1)
        while d <= asOf {
            if p.enrolment.isOnRoll(d) {
                let g = p.enrolment.yearGroup(in: AcademicYear(containing: d))
                var open = false
                for s in Session.allCases where calendar.isOpen(d, s, yearGroup: g) {
                    let code = p.codes[d, s]
                    if let c = code, c.isAttendance { return }
                    if code == nil && d == asOf { continue }
                    open = true
                    refs.append(SessionRef(date: d, session: s, code: code?.symbol ?? ""))
                }
                if open {
                    days += 1
                    if days == limit { dueDay = d }
                }
            }
            d = d.adding(days: 1)
        }
        guard let dueDay else { return }
        let reason = "Not back \(days) school days after agreed leave ended on \(EvalWords.date(ended)): no attendance since. "
            + "At \(limit), make enquiries and inform the LA. Deletion from the roll is a ground only if the pupil's whereabouts "
            + "are still unknown after the school and the LA have made reasonable enquiries."
        out.append(action(p, .missingEducation, rule: "missing_education.not_back_after_leave_school_days", anchor: ended, due: dueDay,
                          reason: reason, sessions: refs, figures: ["school_days": Double(days), "threshold_school_days": Double(limit)],
                          action: .laReferral, contacts: contactLines(p.contacts)))
    }
}

// MARK: - EvalWords

enum EvalWords {
    /// "3 November 2025"
    static func date(_ d: LocalDate) -> String { d.longDate }
    /// A rate with one decimal: "91.3%".
    static func percent(_ r: Double) -> String { let t = Int((r * 1000).rounded()); return "\(t / 10).\(t % 10)%" }
    /// A threshold without a needless decimal: "93%", "94.5%".
    static func threshold(_ r: Double) -> String { AbsenceThresholds.figure(r) }
    static func count(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
    static func round3(_ r: Double) -> Double { (r * 1000).rounded() / 1000 }
    static func round4(_ r: Double) -> Double { (r * 10000).rounded() / 10000 }
}
