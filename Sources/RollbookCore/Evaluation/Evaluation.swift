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
    /// From the admission register: decides the stages with `groups` (pupil premium, SEN, ...).
    public var characteristics: Characteristics
    /// From a Traveller family (the admission register): read by `penalty_notice.traveller_protection_sessions`.
    public var traveller: Bool
    /// The last day marked present or at an approved educational activity here, for a Traveller pupil when the policy
    /// sets `traveller.base_school_months`; nil when never.
    public var lastAttended: LocalDate? = nil

    public init(
        upn: String, name: String, dateOfBirth: LocalDate, enrolment: Enrolment, codes: SessionArray, vulnerable: Bool = false,
        socialWorker: Bool = false, contacts: [Contact] = [], characteristics: Characteristics = Characteristics(), traveller: Bool = false
    ) {
        self.traveller = traveller
        self.upn = upn
        self.name = name
        self.dateOfBirth = dateOfBirth
        self.enrolment = enrolment
        self.codes = codes
        self.vulnerable = vulnerable
        self.socialWorker = socialWorker
        self.contacts = contacts
        self.characteristics = characteristics
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
    /// The improvement target agreed at the meeting (a fraction): the latest "target agreed" casework entry recorded
    /// while the pupil is in the stage; nil while none is.
    public var agreedTarget: Double?
    /// The entry action's `attendance_rate` figure, recorded when the stage was entered (for `improvement.kind: rise`).
    public var rateAtEntry: Double?
    public init(stage: String, entered: LocalDate, left: LocalDate? = nil, agreedTarget: Double? = nil, rateAtEntry: Double? = nil) {
        self.stage = stage
        self.entered = entered
        self.left = left
        self.agreedTarget = agreedTarget
        self.rateAtEntry = rateAtEntry
    }

    /// The last day of the stage's monitoring period, nil when the stage has none (or the calendar ends first).
    public func monitoringEnds(policy: Policy, calendar: SchoolCalendar) -> LocalDate? {
        guard let period = policy.stage(stage)?.monitoringPeriod else { return nil }
        return Evaluation.periodEnd(from: entered, period, calendar: calendar)
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
    /// Paid within `NationalRules.penaltyReducedPaymentDays` (21) days, the reduced first-notice amount; nil while unknown.
    public var paidWithin21Days: Bool?
    /// The school that recorded it, when another school of the deployment did (the same child, by UPN); nil for this one.
    public var recordedAt: String?
    public init(parent: String, kind: Kind, issued: LocalDate, paidWithin21Days: Bool? = nil, recordedAt: String? = nil) {
        self.parent = parent
        self.kind = kind
        self.issued = issued
        self.paidWithin21Days = paidWithin21Days
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
    /// Casework plans (education supervision order, individual attendance plan, ...), open or closed, for `plan_reviews`.
    public var plans: [PlanState]

    /// The lateness ladder rung the pupil is in (`stage` is the rung's id), from casework "lateness rung entered/ended".
    public var latenessRung: StageState? = nil
    /// Lateness rungs the pupil has been in and left, any order.
    public var latenessHistory: [StageState] = []
    /// Truancies recorded by staff or found from lesson marks, any order.
    public var truancies: [TruancyRecord] = []
    /// Evidence requests sent to the family (Evidence.swift): by a rule's completed action, or by hand.
    public var evidenceRequests: [EvidenceRequestRecord] = []
    /// Sessions for which evidence arrived (a parent's upload, or staff recording it): satisfies every request for them.
    public var evidenceReceived: Set<SessionSlot> = []
    /// Sessions a parent reported before the day (an absence report or a request made before it).
    public var advanceNotice: Set<SessionSlot> = []
    /// The reason recorded with an illness (I) session, e.g. "D&V", read by the policy's allowances.
    public var illnessReasons: [SessionSlot: String] = [:]
    /// Suspensions and permanent exclusions, any order (Exclusions.swift).
    public var exclusions: [ExclusionRecord] = []
    /// Attempts to reach a contact that failed (no answer, wrong number), by contact priority.
    public var failedContacts: [ContactAttempt] = []
    /// Parenting orders made by a court (ParentingOrders.swift), any order.
    public var parentingOrders: [ParentingOrderRecord] = []
    /// Lessons marked L, for the policy's `lateness_includes_lessons` (LessonLateness.swift), any order.
    public var lessonLates: [LessonLate] = []

    public init(
        stage: StageState? = nil, stageHistory: [StageState] = [], lastFamilyContact: LocalDate? = nil,
        leaveEnded: LocalDate? = nil, notices: [NoticeRecord] = [], done: Set<String> = [],
        evidenceRequests: [EvidenceRequestRecord] = [], evidenceReceived: Set<SessionSlot> = [], advanceNotice: Set<SessionSlot> = [],
        illnessReasons: [SessionSlot: String] = [:], plans: [PlanState] = [], exclusions: [ExclusionRecord] = []
    ) {
        self.stage = stage
        self.stageHistory = stageHistory
        self.lastFamilyContact = lastFamilyContact
        self.leaveEnded = leaveEnded
        self.notices = notices
        self.done = done
        self.evidenceRequests = evidenceRequests
        self.evidenceReceived = evidenceReceived
        self.advanceNotice = advanceNotice
        self.illnessReasons = illnessReasons
        self.plans = plans
        self.exclusions = exclusions
    }
}

/// A truancy: the pupil left the site without permission, or missed a lesson while present at registration.
public struct TruancyRecord: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case leftSite = "left_site"
        case missedLesson = "missed_lesson"
    }
    public var date: LocalDate
    /// The session it happened in, when known.
    public var session: Session?
    public var kind: Kind
    /// The lesson missed, for `missed_lesson`.
    public var lesson: String?
    public init(date: LocalDate, session: Session? = nil, kind: Kind, lesson: String? = nil) {
        self.date = date
        self.session = session
        self.kind = kind
        self.lesson = lesson
    }
}

/// Evidence asked of the family for some sessions: recorded when staff send the request.
public struct EvidenceRequestRecord: Sendable, Hashable, Codable {
    /// The day the request was sent; the policy's deadline counts from it.
    public var raised: LocalDate
    public var sessions: [SessionSlot]
    /// The rule that raised it (e.g. `illness_evidence.illness-5-consecutive-days`), or `evidence.by_hand`.
    public var rule: String
    public init(raised: LocalDate, sessions: [SessionSlot], rule: String) {
        self.raised = raised
        self.sessions = sessions
        self.rule = rule
    }
    public static let byHand = "evidence.by_hand"
}

// MARK: - Output

/// One session an action is about.
public struct SessionRef: Sendable, Hashable, Codable {
    public var date: LocalDate
    public var session: Session
    /// The mark's symbol, e.g. "N".
    public var code: String
    public init(date: LocalDate, session: Session, code: String) {
        self.date = date
        self.session = session
        self.code = code
    }
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
        /// A lateness rung's monitoring has ended: improved, the next rung (`proposedRung`) or an attendance stage
        /// (`proposedStage`, the rung's `hand_over`).
        case latenessReview = "lateness_review"
        /// A truancy ladder rung reached in its period, with the incidents.
        case truancy
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
        /// Absence on the school days just before or after agreed leave: ask for evidence.
        case leaveEvidence = "leave_evidence"
        /// Tell the parents, before an evidence deadline, that without evidence the sessions become unauthorised.
        case evidenceReminder = "evidence_reminder"
        /// An evidence deadline passed: amend the sessions still without evidence (to O, or G next to leave).
        case evidenceDeadline = "evidence_deadline"
        /// A medical appointment (M) without advance notice or evidence: amend to O.
        case medicalUnauthorised = "medical_unauthorised"
        // The stage ladder (StageLadder.swift).
        /// Attendance is back at or above a stage's `exit_above`: completing it ends the stage.
        case stageExit = "stage_exit"
        /// A recurring check-in while the pupil is in a stage with `review_every`.
        case stageCheckIn = "stage_check_in"
        /// A recurring review of a casework plan (`plan_reviews`), until the plan ends.
        case planReview = "plan_review"
        /// Something done with the pupil (not the family) alongside a stage entry; never a letter.
        case pupilAction = "pupil_action"
        /// The penalty-notice threshold is met for a pupil from a Traveller family with enough attendances in the last
        /// 12 months to protect the parents (`penalty_notice.traveller_protection_sessions`): a review, never a notice.
        case travellerProtection = "traveller_protection"
        /// Separate episodes of unauthorised absence below the penalty-notice threshold (`penalty_notice.repeated_episodes`):
        /// a review of whether to refer to the LA, never a notice.
        case repeatedAbsence = "repeated_absence"
        // Exclusions (Exclusions.swift).
        /// Tell the parents in writing of the first school days of an exclusion, when the child must not be in a public place.
        case exclusionNotice = "exclusion_notice"
        /// The consecutive school days of exclusion have reached the policy's day: arrange full-time alternative provision.
        case alternativeProvision = "alternative_provision"
        /// Every contact has been tried on an unexplained absence without reaching anyone (`day_one.all_contacts_failed`).
        case allContactsFailed = "all_contacts_failed"
        // Part-time timetables (Leave/PartTime.swift).
        /// A part-time timetable (C2) has reached its review date: review it; completing it records the review.
        case partTimeReview = "part_time_review"
        // Parenting orders (Evaluation/ParentingOrders.swift).
        /// A review date of a parenting order the court made (seed 000 §6.5.6), with its responsible officer.
        case parentingOrderReview = "parenting_order_review"
        // Traveller base school (Evaluation/TravellerBaseSchool.swift).
        /// A Traveller pupil has not attended here within `traveller.base_school_months`: review whether the school is
        /// still the base school, rather than keeping the place open silently.
        case travellerBaseSchool = "traveller_base_school"

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
    /// The lateness rung proposed: the rung to enter, or the next rung after a review without improvement.
    public var proposedRung: String? = nil
    /// The letter id the action sends (the policy's), when it sends one.
    public var letter: String? = nil
    /// The audited amendment completing the action makes to `sessions` (evidence deadlines, medical appointments).
    public var amendment: ProposedAmendment? = nil
    /// The day evidence is due by (an evidence reminder), for the letter that tells the parents.
    public var deadline: LocalDate? = nil
    /// Who the action is with: the family (default) or the pupil (never sent to parents).
    public var audience: Audience = .family
    public enum Audience: String, Sendable, Hashable, Codable { case family, pupil }

    /// Worklist order: due date, then kind, then UPN.
    public static func worklistOrder(_ a: DueAction, _ b: DueAction) -> Bool {
        if a.due != b.due { return a.due < b.due }
        if a.kind != b.kind { return a.kind.order < b.kind.order }
        return a.upn < b.upn
    }
}

/// Amend each of an action's sessions to `code`, with `reason` as the amendment's reason (audited, like N to O).
public struct ProposedAmendment: Sendable, Hashable, Codable {
    /// The code's symbol: "O" or "G".
    public var code: String
    public var reason: String
    public init(code: String, reason: String) {
        self.code = code
        self.reason = reason
    }
}

// MARK: - The evaluation

public enum Evaluation {
    /// Every action due on `asOf` for `pupils` under `policy`, sorted by due date, kind and UPN (then as proposed).
    /// Casework is by UPN; a pupil with none has no stage, notices or completed actions.
    public static func run(
        policy: Policy, calendar: SchoolCalendar, asOf: LocalDate, pupils: [PupilFacts],
        casework: [String: Casework]
    ) -> [DueAction] {
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
            let a = keys[i]
            let b = keys[j]
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

    /// The last day of a monitoring period of `schoolWeeks` school weeks after `entered` (see `periodEnd`).
    public static func monitoringEnd(entered: LocalDate, schoolWeeks: Int, calendar: SchoolCalendar) -> LocalDate? {
        periodEnd(from: entered, Policy.PeriodLength(count: schoolWeeks, unit: .schoolWeek), calendar: calendar)
    }

    /// The same day `years` years earlier (29 February becomes 1 March).
    static func yearsBefore(_ d: LocalDate, _ years: Int) -> LocalDate {
        let c = d.components
        return LocalDate(year: c.year - years, month: c.month, day: c.day) ?? LocalDate(year: c.year - years, month: 3, day: 1)!
    }
}
