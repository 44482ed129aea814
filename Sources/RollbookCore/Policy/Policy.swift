import Foundation

/// A school's attendance policy: every setting the daily rules read. Versioned by the day it takes effect, so a
/// decision is always explained by the version in force on its date. Stored and exchanged as JSON (`PolicyFile`).
public struct Policy: Sendable, Hashable, Codable {
    /// The file format's version: 1.
    public var rollbookPolicy: Int
    public var name: String
    /// The first day this version applies; the previous version applies up to the day before.
    public var effectiveFrom: LocalDate
    /// Where each setting comes from: the clause of the school's written policy or the regulation it follows.
    public var clauses: [Clause]
    public var register: RegisterTimes
    /// The school's attendance target, a fraction (0.96 for 96%).
    public var attendanceTarget: Double
    /// Attendance bands, highest first: each from its lower bound (inclusive).
    public var bands: [AttendanceBands.Band]
    /// Overall absence at or above which a pupil is persistently (0.10) or severely (0.50) absent.
    public var persistentAbsence: Double
    public var severeAbsence: Double
    public var noReason: NoReason
    public var dayOne: DayOne
    /// Escalation stages in order; a pupil moves to the next only after a monitoring period ends without improvement.
    public var stages: [Stage]
    public var lateness: [LatenessRule]
    public var illnessEvidence: [IllnessEvidenceRule]
    public var missingEducation: MissingEducation
    public var penaltyNotice: PenaltyNotice
    public var leave: LeaveRules
    /// What the admission register must hold beyond the regulations' floor; absent: the floor.
    public var admissionRegister: AdmissionRegisterRules?
    /// Where the LA is told of new pupils and deletions; absent: staff tell it by hand.
    public var localAuthority: LocalAuthority?
    /// What happens at each late arrival (L or U), wherever it is written; absent: `LateArrival.standard`.
    public var lateArrival: LateArrival?
    /// The truancy ladder and who is told of a truancy; absent: no truancy rules.
    public var truancy: Truancy?
    /// Deadlines for evidence asked of the family, allowances and medical appointments; absent: no deadlines.
    public var evidence: Evidence?
    /// Recurring reviews of a casework plan (e.g. an education supervision order every 3 months); absent: none.
    public var planReviews: [PlanReview]? = nil
    /// Suspensions and permanent exclusions: the parents' notice and alternative provision; absent: no exclusion actions.
    public var exclusions: Exclusions? = nil
    /// Who is told of an absence flagged as possibly bullying-related; absent: nobody beyond the worklist.
    public var barriers: Barriers? = nil
    /// How often the policy is reviewed and who approves it (PolicyReview.swift); absent: no review reminder by default.
    public var review: Review? = nil
    /// What parents are shown in the portal about the policy, written by the school; absent: a summary generated from
    /// the policy (`ParentSummary`).
    public var parentSummary: String? = nil
    /// Reports the daily job sends staff through the outbox on a schedule (ScheduledReports.swift); absent: none.
    public var reports: [ScheduledReport]? = nil
    /// Part-time timetables (C2): the longest in school weeks; absent: no limit.
    public var partTime: PartTime? = nil
    /// A letter to every family each term by attendance band (TermlyLetters.swift); absent: no termly run.
    public var termlyLetters: TermlyLetters? = nil
    /// Rewards beyond 100%: improving attendance (Analytics/AnalyticsRewards.swift); absent: none.
    public var rewards: Rewards? = nil
    /// The school day as it happens: registration periods, lesson truancy, collection, lunchtime leave, missing from
    /// site, end of day (SchoolDay/, Policy/SchoolDayPolicy.swift); absent: none of them.
    public var schoolDay: SchoolDayPolicy? = nil
    /// Sending the parents' summary at the start of the year and on admission (ParentSummarySending.swift); absent: never.
    public var sendParentSummary: SendParentSummary? = nil
    /// Traveller pupils' base school (Evaluation/TravellerBaseSchool.swift); absent: no base-school check.
    public var traveller: Traveller? = nil
    /// Lesson lates (L on a lesson register) count towards the lateness rungs and `late_count` triggers
    /// (Evaluation/LessonLateness.swift, seed 000 §5.4.4); absent: they do not.
    public var latenessIncludesLessons: Bool? = nil
    /// Which codes the office may write for a group at once (Register/GroupMarking.swift); absent: the standard list.
    public var groupMarking: GroupMarkingPolicy? = nil

    public struct Clause: Sendable, Hashable, Codable {
        /// A setting's path in the file, e.g. `attendance_target`, `stages.stage-2`, `lateness.weekly-1`.
        public var setting: String
        public var source: String
        public init(_ setting: String, _ source: String) {
            self.setting = setting
            self.source = source
        }
    }

    public struct NoReason: Sendable, Hashable, Codable {
        /// An N still without a reason after this many school days becomes O.
        public var nToOSchoolDays: Int
        public init(nToOSchoolDays: Int) { self.nToOSchoolDays = nToOSchoolDays }
    }

    public struct DayOne: Sendable, Hashable, Codable {
        /// Parents of a pupil absent with no reason are contacted by this time on the first day.
        public var contactBy: TimeOfDay
        /// Contact again on each further day the absence stays unexplained.
        public var repeatDaily: Bool
        /// When every contact has been tried on an unexplained absence and nobody reached: the next steps to offer
        /// (seed 000 §5.5.1 "the police, MASH"), in order. Nil: no such action.
        public var allContactsFailed: [NextStep]? = nil
        public init(contactBy: TimeOfDay, repeatDaily: Bool, allContactsFailed: [NextStep]? = nil) {
            self.contactBy = contactBy
            self.repeatDaily = repeatDaily
            self.allContactsFailed = allContactsFailed
        }

        /// A step after every contact has failed.
        public enum NextStep: String, Sendable, Hashable, Codable, CaseIterable {
            case homeVisit = "home_visit"
            case police
            /// The multi-agency safeguarding hub.
            case mash
            case socialCare = "social_care"

            public var words: String {
                switch self {
                case .homeVisit: "a home visit"
                case .police: "the police (a welfare check)"
                case .mash: "the MASH (multi-agency safeguarding hub)"
                case .socialCare: "children's social care"
                }
            }
        }
    }

    /// What a rule asks staff to do.
    public enum ActionKind: String, Sendable, Hashable, Codable, CaseIterable {
        case call, letter, meeting
        case earlyHelpPlan = "early_help_plan"
        case attendanceContract = "attendance_contract"
        case partTimeTimetable = "part_time_timetable"
        case noticeToImprove = "notice_to_improve"
        case penaltyNotice = "penalty_notice"
        case laReferral = "la_referral"
        case socialCareReferral = "social_care_referral"
        case evidenceRequest = "evidence_request"
        case informLA = "inform_la"
        case informSocialWorker = "inform_social_worker"
        case review
        /// Arrange full-time education elsewhere for an excluded pupil.
        case alternativeProvision = "alternative_provision"
        /// A visit to the family's home by staff or the education welfare officer.
        case homeVisit = "home_visit"

        /// A step the law allows only for a child of compulsory school age, and only past the national threshold.
        public var isLegalStep: Bool { self == .noticeToImprove || self == .penaltyNotice }
    }

    public struct Stage: Sendable, Hashable, Codable {
        /// A short stable id, e.g. `stage-1`; `next` and casework refer to it.
        public var id: String
        public var name: String
        /// Entered when attendance over the window falls below this fraction.
        public var below: Double
        /// The window in school weeks up to the evaluation date; nil for the year to date.
        public var windowSchoolWeeks: Int?
        public var action: ActionKind
        /// The letter template sent on entry, if any.
        public var letter: String?
        /// School weeks of monitoring after entry; nil when the stage has none (e.g. a referral).
        public var monitoringSchoolWeeks: Int?
        /// Attendance over the monitoring period that counts as improved; nil means the stage's own `below`.
        public var improvementTarget: Double?
        /// The stage that follows when monitoring ends without improvement.
        public var next: String?
        /// True when a pupil not yet in any stage may enter this one directly (otherwise only from the stage before).
        public var directEntry: Bool
        /// The fewest possible sessions in the window before the stage can fire, so one absence in the first days of
        /// September is not a concern; when absent from the file, `defaultMinimumSessions` (a school week).
        public var minimumSessions: Int?
        public static let defaultMinimumSessions = 10
        public var minimum: Int { minimumSessions ?? Self.defaultMinimumSessions }
        // The school's own ladder (StageLadder.swift; all optional, so earlier files still read).
        /// What enters the stage instead of attendance below `below`; nil: the attendance rate. `below` stays the line
        /// a review judges improvement against by default.
        public var trigger: StageTrigger? = nil
        /// Several triggers, any of which enters the stage (`attendance_rate` among them is the rate rule with `below`).
        public var triggers: [StageTrigger]? = nil
        /// `Characteristics.filterNames`: the stage applies only to pupils with any of them; nil: every pupil.
        public var groups: [String]? = nil
        /// While the trigger holds, the stage's action is proposed again in each new term or half term.
        public var `repeat`: Period? = nil
        /// A pupil in the stage whose rate over the stage's window is back at or above this leaves it (`stage_exit`).
        public var exitAbove: Double? = nil
        /// The monitoring period in school weeks, half terms, terms or months; replaces `monitoring_school_weeks`.
        public var monitoring: PeriodLength? = nil
        /// What counts as improved at the review; nil: `improvement_target`, else `below`.
        public var improvement: Improvement? = nil
        /// The letter an improved review proposes (e.g. congratulations).
        public var improvedLetter: String? = nil
        /// The stage an improved review moves the pupil into (e.g. light monitoring) instead of leaving.
        public var afterImprovement: String? = nil
        /// While a pupil is in the stage, a check-in recurs every period (`stage_check_in`).
        public var reviewEvery: PeriodLength? = nil
        /// Actions with the pupil (not the family) proposed alongside the stage's entry.
        public var pupilActions: [PupilAction]? = nil
        /// `trigger` and `triggers` together; empty: the attendance rate.
        public var triggerList: [StageTrigger] { (trigger.map { [$0] } ?? []) + (triggers ?? []) }
        /// The monitoring period: `monitoring`, else `monitoring_school_weeks` school weeks.
        public var monitoringPeriod: PeriodLength? {
            monitoring ?? monitoringSchoolWeeks.map { PeriodLength(count: $0, unit: .schoolWeek) }
        }
        public init(
            id: String, name: String, below: Double, windowSchoolWeeks: Int? = nil, action: ActionKind, letter: String? = nil,
            monitoringSchoolWeeks: Int? = nil, improvementTarget: Double? = nil, next: String? = nil, directEntry: Bool = false
        ) {
            self.id = id
            self.name = name
            self.below = below
            self.windowSchoolWeeks = windowSchoolWeeks
            self.action = action
            self.letter = letter
            self.monitoringSchoolWeeks = monitoringSchoolWeeks
            self.improvementTarget = improvementTarget
            self.next = next
            self.directEntry = directEntry
        }
    }

    /// Lateness ladder: so many late arrivals in a period leads to an action. A rung with `monitoring` (or one another
    /// rung's `next` names) is a ladder rung: the pupil is in it from entry (casework "lateness rung entered") until a
    /// review when the monitoring ends moves them on (`next`, or `hand_over` to an attendance stage). A rung with
    /// neither is a simple rung: an action once per period, nothing recorded.
    public struct LatenessRule: Sendable, Hashable, Codable {
        public var id: String
        public var name: String
        /// The codes counted: ["L", "U"] for every late arrival, ["U"] for unauthorised lates only.
        public var codes: [String]
        public var per: Period
        /// With `per: school_weeks`: the rolling window's length in school weeks, ending with the evaluation's week.
        public var schoolWeeks: Int?
        public var atLeast: Int
        /// Upper bound of this rung (inclusive), so rungs do not overlap; nil for no upper bound.
        public var atMost: Int?
        public var action: ActionKind
        public var letter: String?
        /// The monitoring period after entry; nil for a rung without one.
        public var monitoring: PeriodLength?
        /// Late arrivals (of `codes`) over the monitoring period that still count as improved; nil: `at_least - 1`,
        /// so monitoring improves when the period alone would not reach the rung again.
        public var improvedAtMost: Int?
        /// The rung that follows when monitoring ends without improvement.
        public var next: String?
        /// The attendance stage the pupil moves to when this rung's monitoring ends without improvement.
        public var handOver: String?
        /// Whether a pupil in no rung may enter this one on the count alone; nil: true (a rung only `next` reaches
        /// says false).
        public var directEntry: Bool?

        public init(
            id: String, name: String, codes: [String], per: Period, schoolWeeks: Int? = nil, atLeast: Int, atMost: Int? = nil,
            action: ActionKind, letter: String? = nil, monitoring: PeriodLength? = nil, improvedAtMost: Int? = nil, next: String? = nil,
            handOver: String? = nil, directEntry: Bool? = nil
        ) {
            self.id = id
            self.name = name
            self.codes = codes
            self.per = per
            self.schoolWeeks = schoolWeeks
            self.atLeast = atLeast
            self.atMost = atMost
            self.action = action
            self.letter = letter
            self.monitoring = monitoring
            self.improvedAtMost = improvedAtMost
            self.next = next
            self.handOver = handOver
            self.directEntry = directEntry
        }

        /// The most late arrivals over the monitoring period that count as improved.
        public var improvedLimit: Int { improvedAtMost ?? (atLeast - 1) }
        public var allowsDirectEntry: Bool { directEntry ?? true }
        /// The period in words: "this week", "in the last 6 school weeks".
        public var periodWords: String { per.words(schoolWeeks: schoolWeeks) }
    }

    /// A calendar period a count is taken over, ending on the evaluation date's period; or a rolling window of
    /// `school_weeks` school weeks (lateness rungs only).
    public enum Period: String, Sendable, Hashable, Codable {
        case week
        case halfTerm = "half_term"
        case term
        case year
        case schoolWeeks = "school_weeks"

        /// "this week", "this half term", "in the last 6 school weeks".
        public func words(schoolWeeks: Int? = nil) -> String {
            switch self {
            case .week: "this week"
            case .halfTerm: "this half term"
            case .term: "this term"
            case .year: "this school year"
            case .schoolWeeks: "in the last \(schoolWeeks ?? 0) school week\(schoolWeeks == 1 ? "" : "s")"
            }
        }
    }

    /// Truancy: a pupil who left the site without permission, or missed a lesson while present at registration.
    /// Each rung reached in its period proposes a `truancy` action; `notify` says who the server tells when one is
    /// recorded.
    public struct Truancy: Sendable, Hashable, Codable {
        public var ladder: [Rung]
        public var notify: [Notify]
        public enum Notify: String, Sendable, Hashable, Codable, CaseIterable {
            case head, parents
        }
        public struct Rung: Sendable, Hashable, Codable {
            public var id: String
            public var name: String
            /// Days with a truancy record in the period (several records on one day are one incident).
            public var atLeast: Int
            /// `week`, `half_term`, `term` or `year`.
            public var per: Period
            public var action: ActionKind
            public var letter: String?
            public init(id: String, name: String, atLeast: Int, per: Period, action: ActionKind, letter: String? = nil) {
                self.id = id
                self.name = name
                self.atLeast = atLeast
                self.per = per
                self.action = action
                self.letter = letter
            }
        }
        public init(ladder: [Rung], notify: [Notify]) {
            self.ladder = ladder
            self.notify = notify
        }
        /// Whether the server tells `who` when a truancy is recorded.
        public func notifies(_ who: Notify) -> Bool { notify.contains(who) }
    }

    /// When illness (I) needs medical evidence.
    public struct IllnessEvidenceRule: Sendable, Hashable, Codable {
        public var id: String
        public var name: String
        public var measure: Measure
        public var count: Int
        /// The letter asking for evidence (e.g. seed 003's Medical 1 and Medical 2 letters), if the school has one.
        public var letter: String?
        public enum Measure: String, Sendable, Hashable, Codable {
            /// Consecutive school days coded I (both sessions).
            case consecutiveSchoolDays = "consecutive_school_days"
            case sessionsInTerm = "sessions_in_term"
            case sessionsInYear = "sessions_in_year"
        }
        public init(id: String, name: String, measure: Measure, count: Int) {
            self.id = id
            self.name = name
            self.measure = measure
            self.count = count
        }
    }

    /// Children missing education and safeguarding triggers, in school days.
    public struct MissingEducation: Sendable, Hashable, Codable {
        /// Continuous absence without contact from the family: an action at each of these days (e.g. [5, 10]).
        public var noContactSchoolDays: [Int]
        /// Pupils with a child protection or child in need plan, or looked after: escalate after this many days' absence.
        public var vulnerableAfterSchoolDays: Int?
        /// Continuous unauthorised absence that is a deletion ground after enquiries (20 by regulation).
        public var continuousUnauthorisedSchoolDays: Int
        /// Illness over this many school days: inform the LA (nil: no such rule).
        public var illnessSchoolDays: Int?
        /// Not back this many school days after agreed leave ended.
        public var notBackAfterLeaveSchoolDays: Int
        /// Tell the social worker of any unexplained absence of a pupil who has one.
        public var tellSocialWorker: Bool
        /// Continuous unauthorised absence (G, N, O), with or without contact from the family: enquiries at each of
        /// these school days, the last a CME referral (seed 001 "5 days continuous unauthorised absence"). Nil or
        /// absent: no such rule.
        public var unauthorisedEnquirySchoolDays: [Int]?
        public init(
            noContactSchoolDays: [Int], vulnerableAfterSchoolDays: Int?, continuousUnauthorisedSchoolDays: Int,
            illnessSchoolDays: Int?, notBackAfterLeaveSchoolDays: Int, tellSocialWorker: Bool, unauthorisedEnquirySchoolDays: [Int]? = nil
        ) {
            self.unauthorisedEnquirySchoolDays = unauthorisedEnquirySchoolDays
            self.noContactSchoolDays = noContactSchoolDays
            self.vulnerableAfterSchoolDays = vulnerableAfterSchoolDays
            self.continuousUnauthorisedSchoolDays = continuousUnauthorisedSchoolDays
            self.illnessSchoolDays = illnessSchoolDays
            self.notBackAfterLeaveSchoolDays = notBackAfterLeaveSchoolDays
            self.tellSocialWorker = tellSocialWorker
        }
    }

    /// The national penalty-notice threshold and the school's use of it.
    public struct PenaltyNotice: Sendable, Hashable, Codable {
        /// Sessions of unauthorised absence (G, N, O, U) that must be considered (10 nationally).
        public var thresholdSessions: Int
        /// The rolling window in school weeks, ending with the week of the evaluation date (10 nationally).
        public var windowSchoolWeeks: Int
        /// Whether a Notice to Improve comes before a penalty notice (the LA's code of conduct decides).
        public var noticeToImprove: NoticeToImproveUse
        /// The Notice to Improve's improvement period, in school weeks (3 to 6).
        public var improvementSchoolWeeks: Int?
        /// A pupil from a Traveller family with at least this many attendances (sessions attended) in the 12 months to
        /// date is protected from penalty-notice proposals (Education Act 1996 s444(6): 200). Nil: no such rule.
        public var travellerProtectionSessions: Int?
        /// Repeated unauthorised absence below the threshold (holidays, birthdays): a discretionary referral review at
        /// `count` separate episodes in `within_school_weeks`. Nil: no such rule.
        public var repeatedEpisodes: RepeatedEpisodes?
        public init(
            thresholdSessions: Int = NationalRules.penaltyThresholdSessions,
            windowSchoolWeeks: Int = NationalRules.penaltyWindowSchoolWeeks, noticeToImprove: NoticeToImproveUse,
            improvementSchoolWeeks: Int?, travellerProtectionSessions: Int? = nil, repeatedEpisodes: RepeatedEpisodes? = nil
        ) {
            self.travellerProtectionSessions = travellerProtectionSessions
            self.repeatedEpisodes = repeatedEpisodes
            self.thresholdSessions = thresholdSessions
            self.windowSchoolWeeks = windowSchoolWeeks
            self.noticeToImprove = noticeToImprove
            self.improvementSchoolWeeks = improvementSchoolWeeks
        }

        enum CodingKeys: String, CodingKey {
            case thresholdSessions, windowSchoolWeeks, noticeToImprove, improvementSchoolWeeks, travellerProtectionSessions
            case repeatedEpisodes
            /// Before `notice_to_improve`: true meant `always`. Read from versions saved then; never written.
            case noticeToImproveFirst
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            thresholdSessions = try c.decode(Int.self, forKey: .thresholdSessions)
            windowSchoolWeeks = try c.decode(Int.self, forKey: .windowSchoolWeeks)
            improvementSchoolWeeks = try c.decodeIfPresent(Int.self, forKey: .improvementSchoolWeeks)
            travellerProtectionSessions = try c.decodeIfPresent(Int.self, forKey: .travellerProtectionSessions)
            repeatedEpisodes = try c.decodeIfPresent(RepeatedEpisodes.self, forKey: .repeatedEpisodes)
            if let use = try c.decodeIfPresent(NoticeToImproveUse.self, forKey: .noticeToImprove) {
                noticeToImprove = use
            } else if let first = try c.decodeIfPresent(Bool.self, forKey: .noticeToImproveFirst) {
                noticeToImprove = first ? .always : .never
            } else {
                throw DecodingError.keyNotFound(CodingKeys.noticeToImprove, .init(codingPath: c.codingPath, debugDescription: "missing"))
            }
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(thresholdSessions, forKey: .thresholdSessions)
            try c.encode(windowSchoolWeeks, forKey: .windowSchoolWeeks)
            try c.encode(noticeToImprove, forKey: .noticeToImprove)
            try c.encode(improvementSchoolWeeks, forKey: .improvementSchoolWeeks)
            try c.encodeIfPresent(travellerProtectionSessions, forKey: .travellerProtectionSessions)
            try c.encodeIfPresent(repeatedEpisodes, forKey: .repeatedEpisodes)
        }
    }

    /// Separate episodes of unauthorised absence (G, N, O) that stay below the penalty-notice threshold.
    public struct RepeatedEpisodes: Sendable, Hashable, Codable {
        /// Episodes at which the review is raised.
        public var count: Int
        /// The rolling window, in school weeks ending with the week of the evaluation date.
        public var withinSchoolWeeks: Int
        public init(count: Int, withinSchoolWeeks: Int) {
            self.count = count
            self.withinSchoolWeeks = withinSchoolWeeks
        }
    }

    /// Whether a Notice to Improve is used before a penalty notice ("where used": seeds 000, 003, 004).
    public enum NoticeToImproveUse: String, Sendable, Hashable, Codable, CaseIterable {
        /// A Notice to Improve first, unless one was issued for this child in the last 3 years.
        case always
        /// The school chooses case by case: the worklist offers both routes.
        case discretionary
        /// Straight to a penalty notice.
        case never
    }

    public struct LeaveRules: Sendable, Hashable, Codable {
        /// Requests must arrive this many calendar days before the leave starts (unless marked exceptional).
        public var noticeDays: Int
        /// Refused when the pupil's authorised absence this year is already above this fraction (nil: no such rule).
        public var refuseWhenAuthorisedAbove: Double?
        /// Periods when leave is not granted (e.g. statutory assessments).
        public var blackouts: [Blackout]
        /// Days of absence just before or after a leave need evidence within this many days, else they are unauthorised.
        public var adjacentDaysEvidenceDays: Int?
        /// Leave is refused when it would take the pupil's attendance, projected to the end of the academic year, below
        /// this fraction (seed 004 'Performances'; `LeaveProjection`); nil: no such rule.
        public var refuseBelowProjectedAttendance: Double? = nil
        /// The grant codes the floor applies to (e.g. ["C1"]); nil: every leave.
        public var projectedAttendanceCodes: [String]? = nil
        /// Religious observance (R) asked for as leave: limit per event, notice, the religious body's advice.
        public var religiousObservance: ReligiousObservance? = nil
        public struct Blackout: Sendable, Hashable, Codable {
            public var from: LocalDate
            public var to: LocalDate
            public var reason: String
            /// The year groups it applies to (e.g. ["6"] for the key stage 2 tests); absent for the whole school.
            public var yearGroups: [String]?
            public init(from: LocalDate, to: LocalDate, reason: String, yearGroups: [String]? = nil) {
                self.from = from
                self.to = to
                self.reason = reason
                self.yearGroups = yearGroups
            }
            public func applies(to yearGroup: String) -> Bool { yearGroups.map { $0.contains(yearGroup) } ?? true }
        }
        public init(noticeDays: Int, refuseWhenAuthorisedAbove: Double?, blackouts: [Blackout], adjacentDaysEvidenceDays: Int?) {
            self.noticeDays = noticeDays
            self.refuseWhenAuthorisedAbove = refuseWhenAuthorisedAbove
            self.blackouts = blackouts
            self.adjacentDaysEvidenceDays = adjacentDaysEvidenceDays
        }
    }

    /// The admission register's contacts: how many each pupil needs.
    public struct AdmissionRegisterRules: Sendable, Hashable, Codable {
        /// Contacts each pupil should have (1 to 10); fewer puts the pupil on the "contacts to chase" list.
        public var minimumContacts: Int
        public init(minimumContacts: Int) { self.minimumContacts = minimumContacts }
    }

    /// The local authority's address for notices of new pupils and deletions.
    public struct LocalAuthority: Sendable, Hashable, Codable {
        public var name: String?
        /// The email address the outbox sends notices to.
        public var email: String
        public init(name: String? = nil, email: String) {
            self.name = name
            self.email = email
        }
    }

    /// What happens at each late arrival, from the register page, the late book, the API or a lesson register.
    public struct LateArrival: Sendable, Hashable, Codable {
        /// The codes that count as a late arrival here: L, U or both.
        public var codes: [String]
        /// Recorded on the pupil's timeline with each late arrival (seed 000 "late to learning detention"); nil for none.
        public var sanction: String?
        /// How the family is told, once a day: by `sms`, `email` or both; empty for not at all.
        public var notify: [Channel]
        /// Who is told: the priority-1 contact (seed 003) or every contact with parental responsibility.
        public var recipients: Recipients
        /// The reasons the late book offers (seeds 000 and 003: the pupil is asked why); the analytics count them.
        public var reasons: [String]
        /// The late book refuses an arrival without a reason.
        public var reasonRequired: Bool

        public enum Channel: String, Sendable, Hashable, Codable, CaseIterable { case sms, email }
        public enum Recipients: String, Sendable, Hashable, Codable { case first, parents }

        public init(
            codes: [String], sanction: String? = nil, notify: [Channel], recipients: Recipients, reasons: [String],
            reasonRequired: Bool
        ) {
            self.codes = codes
            self.sanction = sanction
            self.notify = notify
            self.recipients = recipients
            self.reasons = reasons
            self.reasonRequired = reasonRequired
        }

        /// Rollbook's behaviour for a policy that sets none: the first contact with an email hears of any late arrival.
        public static let standard = LateArrival(
            codes: ["L", "U"], notify: [.email], recipients: .first,
            reasons: ["Transport or traffic", "Overslept", "Medical or dental appointment", "Caring or family reasons", "Other"],
            reasonRequired: false)

        public func counts(_ code: AttendanceCode) -> Bool {
            (code == .late && codes.contains("L")) || (code == .u && codes.contains("U"))
        }
    }

    /// The late-arrival follow-up in force: the policy's, else `LateArrival.standard`.
    public var arrivals: LateArrival { lateArrival ?? .standard }

    /// Evidence asked of the family: the deadline, the warning before it and what happens after (Evaluation/Evidence.swift).
    public struct Evidence: Sendable, Hashable, Codable {
        /// School days after a request is sent (or an M session) by which evidence must arrive.
        public var deadlineSchoolDays: Int
        /// Tell the parents this many school days before the deadline that the sessions will otherwise be
        /// unauthorised; nil: no reminder (the deadline then needs none).
        public var tellParentsSchoolDaysBefore: Int?
        /// The letter that tells them; nil: the general `evidence-reminder`.
        public var reminderLetter: String?
        /// Report sessions recorded unauthorised for want of evidence to the LA's attendance team.
        public var reportToLA: Bool
        /// Staff may ask for evidence by hand for any absence where there is doubt.
        public var byHand: Bool
        /// Absence authorised without evidence a number of times a year (seed 003's D&V).
        public var allowances: [Allowance]
        /// Medical or dental appointments (M) need advance notice and/or evidence, else they become O.
        public var medicalAppointments: MedicalAppointments?

        public struct Allowance: Sendable, Hashable, Codable {
            public var id: String
            public var name: String
            /// The longest run of school days of illness one allowance covers.
            public var maxSchoolDays: Int
            /// Runs covered each school year (the first ones).
            public var perYear: Int
            /// Illness whose recorded reason contains this text (any case) qualifies, e.g. "D&V".
            public var reasonContains: String
            public init(id: String, name: String, maxSchoolDays: Int, perYear: Int, reasonContains: String) {
                self.id = id
                self.name = name
                self.maxSchoolDays = maxSchoolDays
                self.perYear = perYear
                self.reasonContains = reasonContains
            }
        }

        public struct MedicalAppointments: Sendable, Hashable, Codable {
            /// An M session the parent did not report before the day is unauthorised.
            public var advanceNotice: Bool
            /// An M session needs evidence by the deadline.
            public var evidence: Bool
            public init(advanceNotice: Bool, evidence: Bool) {
                self.advanceNotice = advanceNotice
                self.evidence = evidence
            }
        }

        public static let defaultReminderLetter = "evidence-reminder"
        public var reminderLetterID: String { reminderLetter ?? Self.defaultReminderLetter }

        public init(
            deadlineSchoolDays: Int, tellParentsSchoolDaysBefore: Int? = nil, reminderLetter: String? = nil, reportToLA: Bool = false,
            byHand: Bool = false, allowances: [Allowance] = [], medicalAppointments: MedicalAppointments? = nil
        ) {
            self.deadlineSchoolDays = deadlineSchoolDays
            self.tellParentsSchoolDaysBefore = tellParentsSchoolDaysBefore
            self.reminderLetter = reminderLetter
            self.reportToLA = reportToLA
            self.byHand = byHand
            self.allowances = allowances
            self.medicalAppointments = medicalAppointments
        }

        enum CodingKeys: String, CodingKey {
            case deadlineSchoolDays, tellParentsSchoolDaysBefore, reminderLetter, byHand, allowances, medicalAppointments
            case reportToLA = "reportToLa"
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                deadlineSchoolDays: try c.decode(Int.self, forKey: .deadlineSchoolDays),
                tellParentsSchoolDaysBefore: try c.decodeIfPresent(Int.self, forKey: .tellParentsSchoolDaysBefore),
                reminderLetter: try c.decodeIfPresent(String.self, forKey: .reminderLetter),
                reportToLA: try c.decodeIfPresent(Bool.self, forKey: .reportToLA) ?? false,
                byHand: try c.decodeIfPresent(Bool.self, forKey: .byHand) ?? false,
                allowances: try c.decodeIfPresent([Allowance].self, forKey: .allowances) ?? [],
                medicalAppointments: try c.decodeIfPresent(MedicalAppointments.self, forKey: .medicalAppointments))
        }
    }

    /// Suspensions and permanent exclusions (Evaluation/Exclusions.swift), read from `Casework.exclusions`.
    public struct Exclusions: Sendable, Hashable, Codable {
        /// Alternative provision is due on this consecutive school day of exclusion; nil: the statutory sixth.
        public var alternativeProvisionFromSchoolDay: Int?
        /// The letter telling the parents of the days the child must not be in a public place; nil: the built-in one.
        public var noticeLetter: String?
        public static let defaultNoticeLetter = "exclusion-public-places"
        public var provisionDay: Int { alternativeProvisionFromSchoolDay ?? NationalRules.alternativeProvisionSchoolDay }
        public var noticeLetterID: String { noticeLetter ?? Self.defaultNoticeLetter }
        public init(alternativeProvisionFromSchoolDay: Int? = nil, noticeLetter: String? = nil) {
            self.alternativeProvisionFromSchoolDay = alternativeProvisionFromSchoolDay
            self.noticeLetter = noticeLetter
        }
    }

    /// Contacts each pupil should have: the policy's, else 1 (the regulations ask for an emergency number).
    public var minimumContacts: Int { admissionRegister?.minimumContacts ?? 1 }

    public var attendanceBands: AttendanceBands { AttendanceBands(bands: bands) }
    /// The school's own persistent and severe absence thresholds, for its lists; national statistics keep the DfE's.
    public var absenceThresholds: AbsenceThresholds { AbsenceThresholds(persistent: persistentAbsence, severe: severeAbsence) }

    public func stage(_ id: String) -> Stage? { stages.first { $0.id == id } }
    public func latenessRung(_ id: String) -> LatenessRule? { lateness.first { $0.id == id } }
    /// Whether the server tells `who` when a truancy is recorded (false without a truancy setting).
    public func truancyNotifies(_ who: Truancy.Notify) -> Bool { truancy?.notifies(who) ?? false }

    /// The clause a setting follows, or the regulation for national rules.
    public func clause(_ path: String) -> String {
        clauses.first { $0.setting == path }?.source ?? Self.nationalSources[path] ?? "\(name): \(path)"
    }

    /// National rules the policy may not make weaker, with their source.
    public static let nationalSources: [String: String] = [
        "no_reason":
            "School Attendance (Pupil Registration) (England) Regulations 2024: N replaced within \(NationalRules.noReasonSchoolDays) school days",
        "penalty_notice":
            "Education (Penalty Notices) (England) (Amendment) Regulations 2024: \(NationalRules.penaltyThresholdSessions) sessions in \(NationalRules.penaltyWindowSchoolWeeks) school weeks",
        "missing_education.continuous_unauthorised_school_days":
            "Pupil Registration Regulations 2024 reg 9: \(NationalRules.continuousUnauthorisedSchoolDays) continuous school days",
        "missing_education.not_back_after_leave_school_days":
            "Pupil Registration Regulations 2024 reg 9: \(NationalRules.notBackAfterLeaveSchoolDays) school days after leave",
        "persistent_absence": "DfE: overall absence of \(AbsenceThresholds.figure(NationalRules.persistentAbsence)) or more",
        "admission_register.minimum_contacts":
            "Pupil Registration Regulations 2024: at least one emergency telephone number for each parent",
        "local_authority.email":
            "Pupil Registration Regulations 2024: the LA is told of every new pupil (within \(NationalRules.newPupilNoticeDays) days) and every deletion",
        "exclusions.alternative_provision_from_school_day":
            "Education (Provision of Full-Time Education for Excluded Pupils) (England) Regulations 2007: full-time education from the \(NationalRules.alternativeProvisionSchoolDay)th school day of exclusion",
        "exclusions.notice_letter":
            "Education and Inspections Act 2006 ss.103-104: the parents told in writing of the first \(NationalRules.exclusionPublicPlaceSchoolDays) school days, when the child must not be in a public place",
        "severe_absence": "DfE: overall absence of \(AbsenceThresholds.figure(NationalRules.severeAbsence)) or more",
    ]
}

// MARK: - Validation

extension Policy {
    /// Checks every setting; the error names the setting's path in the file and the reason.
    public func validate() throws(ValidationError) {
        func fail(_ field: String, _ reason: String) -> ValidationError { ValidationError(field: field, reason: reason) }
        func fraction(_ v: Double, _ field: String) throws(ValidationError) {
            guard v > 0, v <= 1 else { throw fail(field, "must be a fraction above 0 and at most 1, e.g. 0.96 for 96%") }
        }
        guard rollbookPolicy == 1 else { throw fail("rollbook_policy", "this Rollbook reads format 1, not \(rollbookPolicy)") }
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail("name", "must not be empty") }
        var cited: Set<String> = []
        for (i, c) in clauses.enumerated() where !cited.insert(c.setting).inserted {
            throw fail("clauses[\(i)].setting", "'\(c.setting)' is cited twice; give each setting one source")
        }
        try register.am.validate(field: "register.am")
        try register.pm.validate(field: "register.pm")
        guard register.am.closes < register.pm.opens else {
            throw fail("register.pm.opens", "must be after the AM register closes (\(register.am.closes))")
        }
        try fraction(attendanceTarget, "attendance_target")
        guard !bands.isEmpty else { throw fail("bands", "needs at least one band") }
        for (i, b) in bands.enumerated() {
            guard (0...1).contains(b.from) else { throw fail("bands[\(i)].from", "must be a fraction from 0 to 1") }
            guard !b.name.isEmpty else { throw fail("bands[\(i)].name", "must not be empty: bands are shown in words as well as colour") }
            if i > 0, b.from >= bands[i - 1].from {
                throw fail("bands[\(i)].from", "bands go from highest to lowest; \(b.from) is not below \(bands[i - 1].from)")
            }
        }
        guard bands.last?.from == 0 else {
            throw fail("bands[\(bands.count - 1)].from", "the lowest band must start at 0 so every rate has a band")
        }
        try fraction(persistentAbsence, "persistent_absence")
        try fraction(severeAbsence, "severe_absence")
        guard persistentAbsence < severeAbsence else { throw fail("severe_absence", "must be above persistent_absence") }
        let nLimit = NationalRules.noReasonSchoolDays
        guard (1...nLimit).contains(noReason.nToOSchoolDays) else {
            throw fail("no_reason.n_to_o_school_days", "must be 1 to \(nLimit): the regulations allow at most \(nLimit) school days")
        }
        var ids: Set<String> = []
        for (i, s) in stages.enumerated() {
            let f = "stages[\(i)]"
            guard !s.id.isEmpty, ids.insert(s.id).inserted else { throw fail("\(f).id", "must be present and unique ('\(s.id)')") }
            try fraction(s.below, "\(f).below")
            if let w = s.windowSchoolWeeks, !(1...52).contains(w) {
                throw fail("\(f).window_school_weeks", "must be 1 to 52, or absent for the year to date")
            }
            if let m = s.monitoringSchoolWeeks, !(1...39).contains(m) { throw fail("\(f).monitoring_school_weeks", "must be 1 to 39") }
            if let t = s.improvementTarget { try fraction(t, "\(f).improvement_target") }
            if let m = s.minimumSessions, !(1...400).contains(m) { throw fail("\(f).minimum_sessions", "must be 1 to 400 sessions") }
            if s.next != nil && s.monitoringPeriod == nil {
                throw fail("\(f).monitoring_school_weeks", "a stage with a next stage needs a monitoring period to decide on it")
            }
        }
        for (i, s) in stages.enumerated() {
            if let n = s.next {
                guard let j = stages.firstIndex(where: { $0.id == n }) else {
                    throw fail("stages[\(i)].next", "no stage has the id '\(n)'")
                }
                guard j > i else { throw fail("stages[\(i)].next", "must be a later stage, so escalation cannot loop") }
            }
        }
        if let first = stages.first, !first.directEntry { throw fail("stages[0].direct_entry", "the first stage must allow direct entry") }
        try validateLadder()
        for (i, r) in lateness.enumerated() {
            let f = "lateness[\(i)]"
            guard !r.id.isEmpty, lateness.firstIndex(where: { $0.id == r.id }) == i else {
                throw fail("\(f).id", "must be present and unique ('\(r.id)')")
            }
            guard !r.codes.isEmpty, r.codes.allSatisfy({ $0 == "L" || $0 == "U" }) else {
                throw fail("\(f).codes", "must list L, U or both")
            }
            guard r.atLeast >= 1 else { throw fail("\(f).at_least", "must be at least 1") }
            if let m = r.atMost, m < r.atLeast { throw fail("\(f).at_most", "must be at least at_least (\(r.atLeast))") }
            if r.per == .schoolWeeks, !(1...52).contains(r.schoolWeeks ?? 0) {
                throw fail("\(f).school_weeks", "must be 1 to 52 with per school_weeks: the rolling window's length")
            }
            if r.per != .schoolWeeks, r.schoolWeeks != nil { throw fail("\(f).school_weeks", "is read only with per school_weeks") }
            try r.monitoring?.validate("\(f).monitoring")
            if let m = r.improvedAtMost, m < 0 { throw fail("\(f).improved_at_most", "must not be negative") }
            if r.monitoring == nil, r.next != nil || r.handOver != nil || r.improvedAtMost != nil {
                throw fail("\(f).monitoring", "a rung with next, hand_over or improved_at_most needs a monitoring period to decide on it")
            }
            if r.next != nil, r.handOver != nil { throw fail("\(f).hand_over", "give next or hand_over, not both") }
            if let n = r.next {
                guard let j = lateness.firstIndex(where: { $0.id == n }) else {
                    throw fail("\(f).next", "no lateness rung has the id '\(n)'")
                }
                guard j > i else { throw fail("\(f).next", "must be a later rung, so escalation cannot loop") }
            }
            if let h = r.handOver, stage(h) == nil { throw fail("\(f).hand_over", "no stage has the id '\(h)'") }
            if !r.allowsDirectEntry, !lateness.contains(where: { $0.next == r.id }) {
                throw fail("\(f).direct_entry", "no rung's next names '\(r.id)', so it could never be entered")
            }
        }
        if let t = truancy {
            for (i, r) in t.ladder.enumerated() {
                let f = "truancy.ladder[\(i)]"
                guard !r.id.isEmpty, t.ladder.firstIndex(where: { $0.id == r.id }) == i else {
                    throw fail("\(f).id", "must be present and unique ('\(r.id)')")
                }
                guard r.atLeast >= 1 else { throw fail("\(f).at_least", "must be at least 1") }
                guard r.per != .schoolWeeks else { throw fail("\(f).per", "must be week, half_term, term or year") }
            }
            if let d = t.notify.enumerated().first(where: { t.notify.firstIndex(of: $0.element) != $0.offset }) {
                throw fail("truancy.notify[\(d.offset)]", "'\(d.element.rawValue)' is listed twice")
            }
        }
        for (i, r) in illnessEvidence.enumerated() where r.count < 1 {
            throw fail("illness_evidence[\(i)].count", "must be at least 1")
        }
        let me = missingEducation
        guard me.noContactSchoolDays.allSatisfy({ $0 >= 1 }), me.noContactSchoolDays == me.noContactSchoolDays.sorted() else {
            throw fail("missing_education.no_contact_school_days", "must be school-day counts of at least 1, in order")
        }
        if let days = me.unauthorisedEnquirySchoolDays {
            let f = "missing_education.unauthorised_enquiry_school_days"
            guard !days.isEmpty else { throw fail(f, "must list at least one school day, or be left out for no such rule") }
            guard days.allSatisfy({ (1...me.continuousUnauthorisedSchoolDays).contains($0) }) else {
                throw fail(
                    f, "must be school-day counts of 1 to \(me.continuousUnauthorisedSchoolDays) (continuous_unauthorised_school_days)")
            }
            guard zip(days, days.dropFirst()).allSatisfy({ $0 < $1 }) else { throw fail(f, "must be in order, each day once") }
        }
        let cu = NationalRules.continuousUnauthorisedSchoolDays
        let afterLeave = NationalRules.notBackAfterLeaveSchoolDays
        guard (1...cu).contains(me.continuousUnauthorisedSchoolDays) else {
            throw fail(
                "missing_education.continuous_unauthorised_school_days", "must be 1 to \(cu): the regulations' deletion ground is \(cu)")
        }
        guard (1...afterLeave).contains(me.notBackAfterLeaveSchoolDays) else {
            throw fail(
                "missing_education.not_back_after_leave_school_days",
                "must be 1 to \(afterLeave): the regulations' deletion ground is \(afterLeave)")
        }
        let pn = penaltyNotice
        let threshold = NationalRules.penaltyThresholdSessions
        let window = NationalRules.penaltyWindowSchoolWeeks
        guard (1...threshold).contains(pn.thresholdSessions) else {
            throw fail("penalty_notice.threshold_sessions", "must be 1 to \(threshold): the national threshold is \(threshold)")
        }
        guard (1...window).contains(pn.windowSchoolWeeks) else {
            throw fail("penalty_notice.window_school_weeks", "must be 1 to \(window): the national window is \(window) school weeks")
        }
        let nti = NationalRules.noticeToImproveSchoolWeeks
        if let w = pn.improvementSchoolWeeks, !nti.contains(w) {
            throw fail(
                "penalty_notice.improvement_school_weeks",
                "a Notice to Improve's improvement period is \(nti.lowerBound) to \(nti.upperBound) weeks")
        }
        if pn.noticeToImprove != .never && pn.improvementSchoolWeeks == nil {
            throw fail(
                "penalty_notice.improvement_school_weeks",
                "needed when notice_to_improve is \(pn.noticeToImprove.rawValue): the Notice to Improve's improvement period")
        }
        if let t = pn.travellerProtectionSessions, !(1...400).contains(t) {
            throw fail(
                "penalty_notice.traveller_protection_sessions",
                "must be 1 to 400 sessions attended in 12 months (Education Act 1996 s444(6): 200)")
        }
        if let r = pn.repeatedEpisodes {
            guard (2...20).contains(r.count) else {
                throw fail("penalty_notice.repeated_episodes.count", "must be 2 to 20 separate episodes: one episode is not a pattern")
            }
            guard (1...52).contains(r.withinSchoolWeeks) else {
                throw fail("penalty_notice.repeated_episodes.within_school_weeks", "must be 1 to 52 school weeks (39 is a school year)")
            }
        }
        guard leave.noticeDays >= 0 else { throw fail("leave.notice_days", "must not be negative") }
        if let a = leave.refuseWhenAuthorisedAbove { try fraction(a, "leave.refuse_when_authorised_above") }
        if let f = leave.refuseBelowProjectedAttendance { try fraction(f, "leave.refuse_below_projected_attendance") }
        if let pt = partTime, !(1...12).contains(pt.maxSchoolWeeks) {
            throw fail("part_time.max_school_weeks", "must be 1 to 12 school weeks: a part-time timetable is temporary")
        }
        if let r = leave.religiousObservance {
            if let m = r.maxDaysPerEvent, !(1...10).contains(m) {
                throw fail("leave.religious_observance.max_days_per_event", "must be 1 to 10 school days per religious event")
            }
            if let n = r.noticeDays, !(0...90).contains(n) {
                throw fail("leave.religious_observance.notice_days", "must be 0 to 90 calendar days")
            }
        }
        if let codes = leave.projectedAttendanceCodes {
            let allowed = LeaveGrant.codes.map(\.symbol)
            guard leave.refuseBelowProjectedAttendance != nil else {
                throw fail(
                    "leave.projected_attendance_codes", "is set without leave.refuse_below_projected_attendance: set both or neither")
            }
            guard !codes.isEmpty else { throw fail("leave.projected_attendance_codes", "must not be empty: leave it out for every leave") }
            for (i, c) in codes.enumerated() where !allowed.contains(c) {
                throw fail(
                    "leave.projected_attendance_codes[\(i)]", "'\(c)' is not a leave code; use \(allowed.joined(separator: ", "))")
            }
        }
        for (i, b) in leave.blackouts.enumerated() where b.to < b.from {
            throw fail("leave.blackouts[\(i)].to", "\(b.to) is before \(b.from)")
        }
        if let e = evidence {
            guard (1...60).contains(e.deadlineSchoolDays) else {
                throw fail("evidence.deadline_school_days", "must be 1 to 60 school days after the request")
            }
            if let t = e.tellParentsSchoolDaysBefore, !(1..<e.deadlineSchoolDays).contains(t) {
                throw fail(
                    "evidence.tell_parents_school_days_before",
                    "must be 1 to \(e.deadlineSchoolDays - 1): the parents are told after the request and before the deadline")
            }
            if let l = e.reminderLetter, l.trimmingCharacters(in: .whitespaces).isEmpty {
                throw fail("evidence.reminder_letter", "must name a letter, or be left out for the general one")
            }
            var ids: Set<String> = []
            for (i, a) in e.allowances.enumerated() {
                let f = "evidence.allowances[\(i)]"
                guard !a.id.isEmpty, ids.insert(a.id).inserted else { throw fail("\(f).id", "must be present and unique ('\(a.id)')") }
                guard (1...20).contains(a.maxSchoolDays) else { throw fail("\(f).max_school_days", "must be 1 to 20 school days") }
                guard (1...10).contains(a.perYear) else { throw fail("\(f).per_year", "must be 1 to 10 runs a school year") }
                guard !a.reasonContains.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw fail("\(f).reason_contains", "must not be empty: it picks out the illness the allowance covers")
                }
            }
            if let m = e.medicalAppointments, !m.advanceNotice && !m.evidence {
                throw fail("evidence.medical_appointments", "asks for neither advance_notice nor evidence: leave it out instead")
            }
        }
        if let steps = dayOne.allContactsFailed {
            guard !steps.isEmpty, Set(steps).count == steps.count else {
                throw fail("day_one.all_contacts_failed", "must list each next step once: leave it out for no such action")
            }
        }
        if let b = barriers {
            guard !b.bullyingNotify.isEmpty else { throw fail("barriers.bullying_notify", "must name someone: leave barriers out instead") }
            for (i, e) in b.bullyingNotify.enumerated() where !Barriers.valid(e) {
                throw fail(
                    "barriers.bullying_notify[\(i)]",
                    "'\(e)' must be form_tutor, \(Barriers.roles.joined(separator: ", ")) or position:<a staff position>")
            }
        }
        if let x = exclusions {
            let day = NationalRules.alternativeProvisionSchoolDay
            if let d = x.alternativeProvisionFromSchoolDay, !(1...day).contains(d) {
                throw fail(
                    "exclusions.alternative_provision_from_school_day",
                    "must be 1 to \(day): the law requires full-time alternative provision from the \(day)th school day of exclusion")
            }
            if let l = x.noticeLetter, l.trimmingCharacters(in: .whitespaces).isEmpty {
                throw fail(
                    "exclusions.notice_letter", "must name a letter, or be left out for the built-in '\(Exclusions.defaultNoticeLetter)'")
            }
        }
        try validateReview()
        try validateSendParentSummary()
        try validateReports()
        if let a = admissionRegister, !(1...10).contains(a.minimumContacts) {
            throw fail("admission_register.minimum_contacts", "must be 1 to 10: the regulations ask for at least one emergency contact")
        }
        if let a = lateArrival {
            guard !a.codes.isEmpty, a.codes.allSatisfy({ $0 == "L" || $0 == "U" }), Set(a.codes).count == a.codes.count else {
                throw fail("late_arrival.codes", "must list L, U or both, once each")
            }
            if let s = a.sanction, s.trimmingCharacters(in: .whitespaces).isEmpty {
                throw fail("late_arrival.sanction", "must not be empty: leave it out for no sanction")
            }
            if Set(a.notify).count != a.notify.count { throw fail("late_arrival.notify", "lists a channel twice") }
            for (i, r) in a.reasons.enumerated() where r.trimmingCharacters(in: .whitespaces).isEmpty || r.count > 60 {
                throw fail("late_arrival.reasons[\(i)]", "must be 1 to 60 characters")
            }
            if a.reasonRequired && a.reasons.isEmpty {
                throw fail("late_arrival.reasons", "needs at least one reason when reason_required is true")
            }
        }
        try termlyLetters?.validate(bands: bands, rewards: rewards)
        try rewards?.validate()
        try schoolDay?.validate()
        try traveller?.validate()
        try validateLessonLateness()
        try groupMarking?.validate()
        if let la = localAuthority {
            let e = la.email.trimmingCharacters(in: .whitespaces)
            let parts = e.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !e.contains(" ") else {
                throw fail("local_authority.email", "'\(la.email)' is not an email address")
            }
        }
    }
}

// MARK: - File

/// The policy file: JSON with snake_case keys, dates `YYYY-MM-DD`, times `H:MM`. Errors name the setting.
public enum PolicyFile {
    public static func decode(_ data: Data) throws(ValidationError) -> Policy {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        let p: Policy
        do { p = try d.decode(Policy.self, from: data) } catch let e as DecodingError { throw Self.describe(e) } catch {
            throw ValidationError(field: "file", reason: "is not a policy file: \(error)")
        }
        try p.validate()
        return p
    }

    public static func encode(_ p: Policy) -> Data {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? e.encode(p)) ?? Data()
    }

    static func snake(_ key: String) -> String {
        var out = ""
        for c in key {
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
        return out
    }

    static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for k in keys {
            if let i = k.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + snake(k.stringValue) }
        }
        return out.isEmpty ? "file" : out
    }

    static func describe(_ e: DecodingError) -> ValidationError {
        switch e {
        case .keyNotFound(let k, let c):
            return ValidationError(field: path(c.codingPath + [k]), reason: "is missing")
        case .typeMismatch(let t, let c):
            return ValidationError(
                field: path(c.codingPath),
                reason:
                    "should be \(t == String.self ? "text" : t == Double.self ? "a number" : t == Int.self ? "a whole number" : t == Bool.self ? "true or false" : "\(t)")"
            )
        case .valueNotFound(_, let c):
            return ValidationError(field: path(c.codingPath), reason: "must not be null")
        case .dataCorrupted(let c):
            return ValidationError(field: path(c.codingPath), reason: c.codingPath.isEmpty ? "is not valid JSON" : c.debugDescription)
        @unknown default:
            return ValidationError(field: "file", reason: "\(e)")
        }
    }
}

// MARK: - The default

extension Policy {
    /// What Rollbook applies to a school that has not set its own policy: the national rules, register times
    /// that open for 30 minutes, a 96% target with the common bands, and a simple two-stage escalation.
    public static func standard(
        name: String = "Rollbook standard policy", effectiveFrom: LocalDate = LocalDate(year: 2024, month: 8, day: 19)!
    ) -> Policy {
        Policy(
            rollbookPolicy: 1, name: name, effectiveFrom: effectiveFrom,
            clauses: [
                Clause("attendance_target", "DfE 'Working together to improve school attendance' (2024): schools set a target"),
                Clause("day_one", "Working together (2024): contact on the first day of an unexplained absence"),
            ],
            register: .standard, attendanceTarget: 0.96, bands: AttendanceBands.standard.bands,
            persistentAbsence: NationalRules.persistentAbsence, severeAbsence: NationalRules.severeAbsence,
            noReason: NoReason(nToOSchoolDays: NationalRules.noReasonSchoolDays),
            dayOne: DayOne(contactBy: TimeOfDay(hour: 10, minute: 0)!, repeatDaily: true),
            stages: [
                Stage(
                    id: "stage-1", name: "Concern letter", below: 0.95, action: .letter, letter: "concern",
                    monitoringSchoolWeeks: 4, improvementTarget: 0.95, next: "stage-2", directEntry: true),
                Stage(
                    id: "stage-2", name: "Meeting with parents", below: 0.95, action: .meeting, letter: "meeting-invitation",
                    monitoringSchoolWeeks: 6, improvementTarget: 0.95),
            ],
            lateness: [], illnessEvidence: [],
            missingEducation: MissingEducation(
                noContactSchoolDays: [10], vulnerableAfterSchoolDays: nil,
                continuousUnauthorisedSchoolDays: NationalRules.continuousUnauthorisedSchoolDays,
                illnessSchoolDays: nil, notBackAfterLeaveSchoolDays: NationalRules.notBackAfterLeaveSchoolDays,
                tellSocialWorker: true),
            penaltyNotice: PenaltyNotice(noticeToImprove: .never, improvementSchoolWeeks: nil),
            leave: LeaveRules(noticeDays: 14, refuseWhenAuthorisedAbove: nil, blackouts: [], adjacentDaysEvidenceDays: nil))
    }
}
