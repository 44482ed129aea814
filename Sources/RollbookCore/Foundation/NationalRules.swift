// The statutory figures, one home each. Sources:
// - "Working together": DfE, "Working together to improve school attendance" (August 2024), statutory guidance.
// - "Registration Regulations": the School Attendance (Pupil Registration) (England) Regulations 2024.
// - "Penalty Notices Regulations": the Education (Penalty Notices) (England) (Amendment) Regulations 2024.
// A school's policy may be stricter than some of these (a shorter N limit, its own persistent-absence line for its
// lists), never weaker: `Policy.validate` holds it to them.

/// The national rules every school's policy starts from.
public enum NationalRules {
    // MARK: Registers

    /// An N (no reason yet) is replaced within this many school days; after that it becomes O
    /// (Working together, code N; Registration Regulations).
    public static let noReasonSchoolDays = 5

    // MARK: Penalty notices

    /// Sessions of unauthorised absence (G, N, O, U) that must be considered for a penalty notice
    /// (Penalty Notices Regulations: the national threshold).
    public static let penaltyThresholdSessions = 10
    /// The rolling window, in school weeks, the threshold's sessions fall in (Penalty Notices Regulations).
    public static let penaltyWindowSchoolWeeks = 10
    /// A penalty notice's amount, in pounds, paid within `penaltyPaymentDays` (Penalty Notices Regulations).
    public static let penaltyAmountGBP = 160
    /// The first notice's reduced amount, in pounds, when paid within `penaltyReducedPaymentDays` (Penalty Notices Regulations).
    public static let penaltyReducedAmountGBP = 80
    /// Days within which the first notice's reduced amount may be paid (Penalty Notices Regulations).
    public static let penaltyReducedPaymentDays = 21
    /// Days within which a notice is paid; after them the LA decides whether to prosecute (Penalty Notices Regulations).
    public static let penaltyPaymentDays = 28
    /// At most this many penalty notices to one parent for the same child within `penaltyNoticeLimitYears`
    /// (Penalty Notices Regulations); after them, other action (prosecution, a parenting or education supervision order).
    public static let penaltyNoticesLimit = 2
    /// The period, in years, `penaltyNoticesLimit` counts over (Penalty Notices Regulations); also the period in which a
    /// Notice to Improve already issued means no second one.
    public static let penaltyNoticeLimitYears = 3
    /// A Notice to Improve's improvement period, in school weeks (Penalty Notices Regulations, the national framework).
    public static let noticeToImproveSchoolWeeks = 3...6

    // MARK: Absence

    /// Overall absence, as a fraction of possible sessions, at or above which a pupil is persistently absent
    /// (Working together; the DfE's national statistics).
    public static let persistentAbsence = 0.10
    /// Overall absence at or above which a pupil is severely absent (Working together; the DfE's national statistics).
    public static let severeAbsence = 0.50

    // MARK: Children missing education and the LA

    /// Continuous school days of unauthorised absence after which, once the school and the LA have made reasonable
    /// enquiries, the pupil may be deleted from the roll (Registration Regulations, reg 9).
    public static let continuousUnauthorisedSchoolDays = 20
    /// School days after agreed leave ended without the pupil's return after which, with the same enquiries, the pupil
    /// may be deleted from the roll (Registration Regulations, reg 9).
    public static let notBackAfterLeaveSchoolDays = 10
    /// Illness beyond this many school days is reported to the LA, which must arrange suitable education (Working
    /// together; read as a continuous spell of more than 15, as seed 004 words it).
    public static let illnessSchoolDays = 15
    /// The LA is told of each new pupil within this many days (days, not school days) of the starting day
    /// (Registration Regulations).
    public static let newPupilNoticeDays = 5

    // MARK: Exclusions

    /// For the first this many school days of a suspension or permanent exclusion, the parent must ensure the child is
    /// not in a public place during school hours without good reason, once told in writing (Education and Inspections
    /// Act 2006 ss.103-104).
    public static let exclusionPublicPlaceSchoolDays = 5
    /// A pupil may be suspended for at most this many school days in a school year (Suspension and Permanent
    /// Exclusion guidance 2024).
    public static let suspensionMaxSchoolDaysInYear = 45
    /// The head tells the LA of a suspension that takes the pupil past this many school days of suspension in a term,
    /// and of every permanent exclusion (School Discipline (Pupil Exclusions and Reviews) (England) Regulations 2012).
    public static let suspensionLANotifySchoolDaysInTerm = 5
    /// Full-time alternative provision is due from this consecutive school day of exclusion (Education and Inspections
    /// Act 2006 s.100; the Education (Provision of Full-Time Education for Excluded Pupils) (England) Regulations 2007).
    public static let alternativeProvisionSchoolDay = 6

    // MARK: Compulsory school age

    /// The prescribed days (month, day): compulsory school age starts on the first of them on or after the fifth
    /// birthday (Education Act 1996 s8; the Education (Start of Compulsory School Age) Order 1998).
    public static let prescribedDays: [(month: Int, day: Int)] = [(3, 31), (8, 31), (12, 31)]
}
