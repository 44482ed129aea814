/// Statutory grounds for deleting a pupil from the admission register (regulation 9, 2024).
public enum DeletionGround: String, Sendable, Codable, CaseIterable {
    case transferred = "transferred_to_another_school"
    case electiveHomeEducation = "elective_home_education"
    case ceasedCompulsorySchoolAge = "ceased_compulsory_school_age"
    case permanentlyExcluded = "permanently_excluded"
    case died = "died"
    case movedAway = "moved_beyond_reasonable_distance"
    case notReturnedFromLeave = "not_returned_after_leave_whereabouts_unknown"
    case continuousUnauthorisedAbsence = "twenty_days_unauthorised_whereabouts_unknown"
    case detained = "detained_four_months_or_more"
    case schoolAttendanceOrder = "school_attendance_order_names_another_school"
    case medicallyUnfit = "medically_unfit_unlikely_to_return"
    case sixthFormLeft = "sixth_form_ceased_to_attend"
    case dualRegistrationEnded = "dual_registration_ended"

    public var explanation: String {
        switch self {
        case .transferred: "Registered at another school"
        case .electiveHomeEducation: "Parent has told the school in writing that the pupil is educated otherwise than at school"
        case .ceasedCompulsorySchoolAge: "Ceased to be of compulsory school age and not continuing"
        case .permanentlyExcluded: "Permanently excluded and the review process is complete"
        case .died: "Has died"
        case .movedAway: "No longer lives within reasonable distance of the school"
        case .notReturnedFromLeave: "Not returned 10 school days after agreed leave; whereabouts unknown after enquiries"
        case .continuousUnauthorisedAbsence:
            "20 continuous school days of unauthorised absence; whereabouts unknown after school and LA enquiries"
        case .detained: "Detained for four months or more"
        case .schoolAttendanceOrder: "A school attendance order names another school"
        case .medicallyUnfit: "Medical officer certifies the pupil unlikely to be fit to attend before compulsory school age ends"
        case .sixthFormLeft: "Above compulsory school age and has ceased to attend"
        case .dualRegistrationEnded: "Dual registration at this school has ended"
        }
    }
}

/// Special educational needs provision as recorded in the school census: none, SEN support (K) or an EHC plan (E).
public enum SENProvision: String, Sendable, Codable, CaseIterable {
    case none = ""
    case senSupport = "K"
    case ehcp = "E"
}

/// A pupil's characteristics, used for cohorts and safeguarding.
public struct Characteristics: Sendable, Hashable, Codable {
    public var sen: SENProvision = .none
    public var freeSchoolMeals = false
    public var pupilPremium = false
    public var englishAdditionalLanguage = false
    public var ethnicity = ""
    public var lookedAfter = false
    public var previouslyLookedAfter = false
    public var childInNeed = false
    public var childProtectionPlan = false
    public var youngCarer = false
    public var socialWorkerName = ""
    public var socialWorkerContact = ""
    /// The youth offending team worker, if any: told of a deletion as the social worker is.
    public var youthOffendingWorkerName = ""
    public var youthOffendingWorkerContact = ""
    /// Vulnerable in another way the school records, with the reason (seed 001 "vulnerable in other ways"); empty: not.
    public var vulnerableReason = ""
    /// From a Traveller family (seed 002 §4.4.7): read by `penalty_notice.traveller_protection_sessions`.
    public var traveller = false
    public init() {}

    /// A child protection or child in need plan, looked after, or vulnerable in another way the school records: the
    /// missing-education rule for vulnerable pupils applies.
    public var isVulnerable: Bool { childProtectionPlan || childInNeed || lookedAfter || !vulnerableReason.isEmpty }

    /// Why the pupil is vulnerable, in staff words: "child protection plan; vulnerable: young carer at home".
    public var vulnerableWords: String {
        var out: [String] = []
        if childProtectionPlan { out.append("child protection plan") }
        if childInNeed { out.append("child in need plan") }
        if lookedAfter { out.append("looked after") }
        if !vulnerableReason.isEmpty { out.append("vulnerable: \(vulnerableReason)") }
        return out.joined(separator: "; ")
    }

    /// Names used in filters (`characteristic=fsm`) across the API, pages and reports.
    public static let filterNames = [
        "sen_support", "ehcp", "sen", "fsm", "pupil_premium", "eal", "looked_after",
        "previously_looked_after", "child_in_need", "child_protection", "young_carer",
    ]

    public func has(_ name: String) -> Bool? {
        switch name {
        case "sen_support": sen == .senSupport
        case "ehcp": sen == .ehcp
        case "sen": sen != .none
        case "fsm": freeSchoolMeals
        case "pupil_premium": pupilPremium
        case "eal": englishAdditionalLanguage
        case "looked_after": lookedAfter
        case "previously_looked_after": previouslyLookedAfter
        case "child_in_need": childInNeed
        case "child_protection": childProtectionPlan
        case "young_carer": youngCarer
        default: nil
        }
    }
}

/// One contact on the admission register, in priority order. A contact with parental responsibility is a parent for
/// the register (Pupil Registration Regulations 2024): their name and address, whether the pupil normally lives with them, and at
/// least one emergency telephone number (`phone`).
public struct Contact: Sendable, Hashable, Codable {
    public var priority: Int
    public var name: String
    public var relationship: String
    public var parentalResponsibility: Bool
    /// The pupil normally lives with this contact.
    public var livesWith: Bool
    /// The emergency telephone number.
    public var phone: String
    public var email: String
    /// Postal address, lines separated by commas or new lines; empty when not known.
    public var address: String
    public init(
        priority: Int, name: String, relationship: String, parentalResponsibility: Bool, livesWith: Bool, phone: String, email: String,
        address: String = ""
    ) {
        self.priority = priority
        self.name = name
        self.relationship = relationship
        self.parentalResponsibility = parentalResponsibility
        self.livesWith = livesWith
        self.phone = phone
        self.email = email
        self.address = address
    }

    /// A parent for the admission register: someone with parental responsibility.
    public var isParent: Bool { parentalResponsibility }
    public var hasEmergencyPhone: Bool { !phone.trimmingCharacters(in: .whitespaces).isEmpty }
    public var hasAddress: Bool { !address.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }

    /// Checks a contact's fields; `field` is its path (e.g. `contacts[0]`).
    public func validate(field: String) throws(ValidationError) {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError(field: "\(field).name", reason: "is required")
        }
        guard priority >= 1 else { throw ValidationError(field: "\(field).priority", reason: "must be 1 or more (1 is contacted first)") }
        guard address.count <= 500 else { throw ValidationError(field: "\(field).address", reason: "must be at most 500 characters") }
    }
}

/// The school a pupil last attended (Pupil Registration Regulations 2024: its name and address, if any).
public struct LastSchool: Sendable, Hashable, Codable {
    public var name: String
    public var address: String
    public init(name: String, address: String = "") {
        self.name = name
        self.address = address
    }
}

/// Where a pupil is staying while away from school for 15 school days or more (seed 004: on extended leave the parent
/// "should advise the school of the temporary address").
public struct TemporaryAddress: Sendable, Hashable, Codable {
    public var address: String
    /// The first and last day away at this address.
    public var from: LocalDate
    public var to: LocalDate
    public init(address: String, from: LocalDate, to: LocalDate) {
        self.address = address
        self.from = from
        self.to = to
    }
}

/// A pupil's entry on the admission register.
public struct PupilRecord: Sendable, Hashable, Codable {
    public var upn: String
    public var legalSurname: String
    public var legalForename: String
    public var preferredForename: String
    public var dateOfBirth: LocalDate
    public var sex: String
    public var yearGroup: String
    public var form: String
    public var house: String
    public var startingDay: LocalDate
    public var leavingDay: LocalDate?
    public var deletionGround: DeletionGround?
    public var characteristics: Characteristics
    public var contacts: [Contact]
    /// The school last attended, if any (Pupil Registration Regulations 2024).
    public var lastSchool: LastSchool?
    /// The day the pupil first attends or is first expected to (Pupil Registration Regulations 2024); nil: the starting day.
    public var firstExpectedDay: LocalDate?
    /// Where the pupil stays while away 15 school days or more (seed 004).
    public var temporaryAddress: TemporaryAddress?

    public init(
        upn: String, legalSurname: String, legalForename: String, preferredForename: String = "", dateOfBirth: LocalDate,
        sex: String, yearGroup: String, form: String, house: String = "", startingDay: LocalDate, leavingDay: LocalDate? = nil,
        deletionGround: DeletionGround? = nil, characteristics: Characteristics = .init(), contacts: [Contact] = [],
        lastSchool: LastSchool? = nil, firstExpectedDay: LocalDate? = nil, temporaryAddress: TemporaryAddress? = nil
    ) {
        self.upn = upn
        self.legalSurname = legalSurname
        self.legalForename = legalForename
        self.preferredForename = preferredForename
        self.dateOfBirth = dateOfBirth
        self.sex = sex
        self.yearGroup = yearGroup
        self.form = form
        self.house = house
        self.startingDay = startingDay
        self.leavingDay = leavingDay
        self.deletionGround = deletionGround
        self.characteristics = characteristics
        self.contacts = contacts
        self.lastSchool = lastSchool
        self.firstExpectedDay = firstExpectedDay
        self.temporaryAddress = temporaryAddress
    }

    /// The name staff use: preferred forename if any.
    public var displayName: String { "\(preferredForename.isEmpty ? legalForename : preferredForename) \(legalSurname)" }

    /// Checks a pupil's fields; the error names the field.
    public func validate() throws(ValidationError) {
        guard UPN.isValid(upn) else {
            throw ValidationError(field: "upn", reason: "'\(upn)' is not a UPN: one letter then 12 digits, or 12 digits and a letter")
        }
        guard !legalSurname.isEmpty else { throw ValidationError(field: "legal_surname", reason: "is required") }
        guard !legalForename.isEmpty else { throw ValidationError(field: "legal_forename", reason: "is required") }
        guard ["M", "F"].contains(sex) else { throw ValidationError(field: "sex", reason: "'\(sex)' must be M or F") }
        guard YearGroup.isValid(yearGroup) else {
            throw ValidationError(field: "year_group", reason: "'\(yearGroup)' must be one of \(YearGroup.all.joined(separator: ", "))")
        }
        guard dateOfBirth < startingDay else { throw ValidationError(field: "date_of_birth", reason: "must be before the starting day") }
        if let l = leavingDay, l < startingDay {
            throw ValidationError(field: "leaving_day", reason: "\(l) is before the starting day \(startingDay)")
        }
        if deletionGround != nil && leavingDay == nil {
            throw ValidationError(field: "leaving_day", reason: "is required with a deletion ground")
        }
        for (i, c) in contacts.enumerated() { try c.validate(field: "contacts[\(i)]") }
        if let s = lastSchool {
            guard !s.name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError(field: "last_school.name", reason: "is required when the school last attended is given")
            }
        }
        if let f = firstExpectedDay, f < startingDay {
            throw ValidationError(field: "first_expected_day", reason: "\(f) is before the starting day \(startingDay)")
        }
        if let t = temporaryAddress {
            guard !t.address.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ValidationError(field: "temporary_address.address", reason: "is required")
            }
            guard t.from <= t.to else { throw ValidationError(field: "temporary_address.to", reason: "\(t.to) is before \(t.from)") }
        }
    }
}

public enum UPN {
    /// A unique pupil number: a check letter and 12 digits (temporary UPNs end with a letter instead).
    public static func isValid(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 13 else { return false }
        func letter(_ c: UInt8) -> Bool { c >= 65 && c <= 90 }
        func digit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        return (letter(u[0]) && u[1...12].allSatisfy(digit)) || (letter(u[0]) && u[1...11].allSatisfy(digit) && letter(u[12]))
    }
}
