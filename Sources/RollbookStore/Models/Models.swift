import FluentKit
import Foundation
import RollbookCore

// Fluent models. Dates are ISO `YYYY-MM-DD` text and times `HH:MM`, the same on SQLite and PostgreSQL.

public final class SchoolRow: Model, @unchecked Sendable {
    public static let schema = "schools"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "name") public var name: String
    @Field(key: "am_opens") public var amOpens: String
    @Field(key: "am_late_after") public var amLateAfter: String
    @Field(key: "am_closes") public var amCloses: String
    @Field(key: "pm_opens") public var pmOpens: String
    @Field(key: "pm_late_after") public var pmLateAfter: String
    @Field(key: "pm_closes") public var pmCloses: String
    /// The school's attendance target as a fraction (0.96 for 96%), if it has set one.
    @OptionalField(key: "attendance_target") public var attendanceTarget: Double?
    /// The fields listed, not found by reflection (see `PupilRow.properties`).
    public var properties: [any AnyProperty] {
        [$id, $name, $amOpens, $amLateAfter, $amCloses, $pmOpens, $pmLateAfter, $pmCloses, $attendanceTarget]
    }
    public init() {}

    public init(name: String, times: RegisterTimes) {
        self.name = name
        self.registerTimes = times
    }

    public var registerTimes: RegisterTimes {
        get {
            func t(_ s: String) -> TimeOfDay { TimeOfDay(s) ?? TimeOfDay(minutes: 0) }
            return RegisterTimes(
                am: RegisterWindow(opens: t(amOpens), lateAfter: t(amLateAfter), closes: t(amCloses)),
                pm: RegisterWindow(opens: t(pmOpens), lateAfter: t(pmLateAfter), closes: t(pmCloses)))
        }
        set {
            amOpens = newValue.am.opens.description
            amLateAfter = newValue.am.lateAfter.description
            amCloses = newValue.am.closes.description
            pmOpens = newValue.pm.opens.description
            pmLateAfter = newValue.pm.lateAfter.description
            pmCloses = newValue.pm.closes.description
        }
    }
}

/// Staff roles, from least to most access; what each may do is in `Permission`.
public enum Role: String, Sendable, Codable, CaseIterable {
    case teacher, office
    case attendanceLead = "attendance_lead"
    case head, governor
    case laOfficer = "la_officer"

    public var title: String {
        switch self {
        case .teacher: "Teacher"
        case .office: "Office"
        case .attendanceLead: "Attendance lead"
        case .head: "Head"
        case .governor: "Governor"
        case .laOfficer: "LA officer"
        }
    }
}

public enum Permission: Sendable {
    /// See pupils' names and details.
    case readPupils
    /// See registers and marks.
    case readRegisters
    /// Take a register while it is open.
    case takeRegister
    /// Change a mark after the register has closed (with a reason), record reasons.
    case amendMarks
    /// Admit and delete pupils, import files, edit the calendar.
    case manageRoll
    /// See figures.
    case readStatistics
    /// Save new versions of the school's attendance policy.
    case managePolicy
    /// See and record casework: the worklist, letters, meetings, notices.
    case casework

    public func granted(to role: Role) -> Bool {
        switch self {
        case .readPupils, .readRegisters: role != .governor
        case .takeRegister: [.teacher, .office, .attendanceLead, .head].contains(role)
        case .amendMarks: [.office, .attendanceLead, .head].contains(role)
        case .manageRoll: [.attendanceLead, .head].contains(role)
        case .readStatistics: true
        case .managePolicy, .casework: [.attendanceLead, .head].contains(role)
        }
    }
}

public final class StaffRow: Model, @unchecked Sendable {
    public static let schema = "staff"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    @Field(key: "name") public var name: String
    @Field(key: "email") public var email: String
    @Field(key: "position") public var position: String
    @Field(key: "role") public var role: String
    @Field(key: "password_hash") public var passwordHash: String
    /// For teachers: the forms they register, `;`-separated.
    @Field(key: "forms") public var forms: String
    /// Authorised by the head to decide leave of absence (the head always may).
    @Field(key: "decides_leave") public var decidesLeave: Bool
    public init() {}
    /// The fields listed, not found by reflection (see `PupilRow.properties`).
    public var properties: [any AnyProperty] { [$id, $schoolID, $name, $email, $position, $role, $passwordHash, $forms, $decidesLeave] }
    public init(schoolID: Int, name: String, email: String, position: String, role: Role, passwordHash: String, forms: [String] = []) {
        self.schoolID = schoolID
        self.name = name
        self.email = email.lowercased()
        self.position = position
        self.role = role.rawValue
        self.passwordHash = passwordHash
        self.forms = forms.joined(separator: ";")
        self.decidesLeave = false
    }
    public var staffRole: Role { Role(rawValue: role) ?? .teacher }
    public var formList: [String] { forms.split(separator: ";").map(String.init) }
    public var actor: Actor { Actor(name: name, position: position) }
}

public final class APITokenRow: Model, @unchecked Sendable {
    public static let schema = "api_tokens"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "staff_id") public var staffID: Int
    /// SHA-256 of the token, hex: the token itself is never stored.
    @Field(key: "token_hash") public var tokenHash: String
    @Field(key: "created_at") public var createdAt: String
    public init() {}
    public init(staffID: Int, tokenHash: String, createdAt: String) {
        self.staffID = staffID
        self.tokenHash = tokenHash
        self.createdAt = createdAt
    }
}

public final class PupilRow: Model, @unchecked Sendable {
    public static let schema = "pupils"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    @Field(key: "upn") public var upn: String
    @Field(key: "legal_surname") public var legalSurname: String
    @Field(key: "legal_forename") public var legalForename: String
    @Field(key: "preferred_forename") public var preferredForename: String
    @Field(key: "date_of_birth") public var dateOfBirth: String
    @Field(key: "sex") public var sex: String
    @Field(key: "year_group") public var yearGroup: String
    /// The academic year (its first calendar year) that `year_group` is for.
    @Field(key: "year_group_year") public var yearGroupYear: Int
    @Field(key: "form") public var form: String
    @Field(key: "house") public var house: String
    @Field(key: "starting_day") public var startingDay: String
    @OptionalField(key: "leaving_day") public var leavingDay: String?
    @OptionalField(key: "deletion_ground") public var deletionGround: String?
    @Field(key: "sen") public var sen: String
    @Field(key: "fsm") public var fsm: Bool
    @Field(key: "pupil_premium") public var pupilPremium: Bool
    @Field(key: "eal") public var eal: Bool
    @Field(key: "ethnicity") public var ethnicity: String
    @Field(key: "looked_after") public var lookedAfter: Bool
    @Field(key: "previously_looked_after") public var previouslyLookedAfter: Bool
    @Field(key: "child_in_need") public var childInNeed: Bool
    @Field(key: "child_protection") public var childProtection: Bool
    @Field(key: "young_carer") public var youngCarer: Bool
    @Field(key: "social_worker_name") public var socialWorkerName: String
    @Field(key: "social_worker_contact") public var socialWorkerContact: String
    @Field(key: "yot_worker_name") public var youthOffendingWorkerName: String
    @Field(key: "yot_worker_contact") public var youthOffendingWorkerContact: String
    @Field(key: "vulnerable_reason") public var vulnerableReason: String
    @Field(key: "traveller") public var traveller: Bool
    /// The school last attended (name and address); empty name: none recorded.
    @Field(key: "last_school_name") public var lastSchoolName: String
    @Field(key: "last_school_address") public var lastSchoolAddress: String
    @OptionalField(key: "first_expected_day") public var firstExpectedDay: String?
    @OptionalField(key: "temporary_address") public var temporaryAddress: String?
    @OptionalField(key: "temporary_address_from") public var temporaryAddressFrom: String?
    @OptionalField(key: "temporary_address_to") public var temporaryAddressTo: String?
    /// The fields listed, not found by reflection as FluentKit does by default: reflection was 30% of a register's read
    /// and write, on every row. `ModelPropertiesTests` checks each list against reflection.
    public var properties: [any AnyProperty] {
        [
            $id, $schoolID, $upn, $legalSurname, $legalForename, $preferredForename, $dateOfBirth, $sex, $yearGroup, $yearGroupYear, $form,
            $house, $startingDay, $leavingDay, $deletionGround, $sen, $fsm, $pupilPremium, $eal, $ethnicity, $lookedAfter,
            $previouslyLookedAfter, $childInNeed, $childProtection, $youngCarer, $socialWorkerName, $socialWorkerContact,
            $youthOffendingWorkerName, $youthOffendingWorkerContact, $vulnerableReason, $traveller, $lastSchoolName, $lastSchoolAddress,
            $firstExpectedDay, $temporaryAddress, $temporaryAddressFrom, $temporaryAddressTo,
        ]
    }
    public init() {}

    public init(schoolID: Int, record p: PupilRecord, yearGroupYear: AcademicYear) {
        self.schoolID = schoolID
        self.yearGroupYear = yearGroupYear.startYear
        apply(p)
    }

    /// Copies a record's fields (not its contacts) onto the row.
    public func apply(_ p: PupilRecord) {
        upn = p.upn
        legalSurname = p.legalSurname
        legalForename = p.legalForename
        preferredForename = p.preferredForename
        dateOfBirth = p.dateOfBirth.iso
        sex = p.sex
        yearGroup = p.yearGroup
        form = p.form
        house = p.house
        startingDay = p.startingDay.iso
        leavingDay = p.leavingDay?.iso
        deletionGround = p.deletionGround?.rawValue
        let c = p.characteristics
        sen = c.sen.rawValue
        fsm = c.freeSchoolMeals
        pupilPremium = c.pupilPremium
        eal = c.englishAdditionalLanguage
        ethnicity = c.ethnicity
        lookedAfter = c.lookedAfter
        previouslyLookedAfter = c.previouslyLookedAfter
        childInNeed = c.childInNeed
        childProtection = c.childProtectionPlan
        youngCarer = c.youngCarer
        socialWorkerName = c.socialWorkerName
        socialWorkerContact = c.socialWorkerContact
        youthOffendingWorkerName = c.youthOffendingWorkerName
        youthOffendingWorkerContact = c.youthOffendingWorkerContact
        vulnerableReason = c.vulnerableReason
        traveller = c.traveller
        lastSchoolName = p.lastSchool?.name ?? ""
        lastSchoolAddress = p.lastSchool?.address ?? ""
        firstExpectedDay = p.firstExpectedDay?.iso
        temporaryAddress = p.temporaryAddress?.address
        temporaryAddressFrom = p.temporaryAddress?.from.iso
        temporaryAddressTo = p.temporaryAddress?.to.iso
    }

    public var characteristics: Characteristics {
        var c = Characteristics()
        c.sen = SENProvision(rawValue: sen) ?? .none
        c.freeSchoolMeals = fsm
        c.pupilPremium = pupilPremium
        c.englishAdditionalLanguage = eal
        c.ethnicity = ethnicity
        c.lookedAfter = lookedAfter
        c.previouslyLookedAfter = previouslyLookedAfter
        c.childInNeed = childInNeed
        c.childProtectionPlan = childProtection
        c.youngCarer = youngCarer
        c.socialWorkerName = socialWorkerName
        c.socialWorkerContact = socialWorkerContact
        c.youthOffendingWorkerName = youthOffendingWorkerName
        c.youthOffendingWorkerContact = youthOffendingWorkerContact
        c.vulnerableReason = vulnerableReason
        c.traveller = traveller
        return c
    }

    /// `date_of_birth` as a day: only valid ISO dates are written.
    public var dateOfBirthDay: LocalDate { LocalDate(iso: dateOfBirth)! }

    public var lastSchool: LastSchool? { lastSchoolName.isEmpty ? nil : LastSchool(name: lastSchoolName, address: lastSchoolAddress) }
    public var temporary: TemporaryAddress? {
        guard let a = temporaryAddress, let f = temporaryAddressFrom.flatMap(LocalDate.init(iso:)),
            let t = temporaryAddressTo.flatMap(LocalDate.init(iso:))
        else { return nil }
        return TemporaryAddress(address: a, from: f, to: t)
    }

    public func record(contacts: [Contact] = []) -> PupilRecord {
        PupilRecord(
            upn: upn, legalSurname: legalSurname, legalForename: legalForename, preferredForename: preferredForename,
            dateOfBirth: LocalDate(iso: dateOfBirth)!, sex: sex, yearGroup: yearGroup, form: form, house: house,
            startingDay: LocalDate(iso: startingDay)!, leavingDay: leavingDay.flatMap { LocalDate(iso: $0) },
            deletionGround: deletionGround.flatMap(DeletionGround.init(rawValue:)), characteristics: characteristics,
            contacts: contacts, lastSchool: lastSchool, firstExpectedDay: firstExpectedDay.flatMap { LocalDate(iso: $0) },
            temporaryAddress: temporary)
    }

    public var enrolment: Enrolment {
        Enrolment(
            startingDay: LocalDate(iso: startingDay)!, leavingDay: leavingDay.flatMap { LocalDate(iso: $0) },
            yearGroup: yearGroup, yearGroupYear: AcademicYear(startYear: yearGroupYear))
    }
    public var displayName: String { "\(preferredForename.isEmpty ? legalForename : preferredForename) \(legalSurname)" }
}

public final class ContactRow: Model, @unchecked Sendable {
    public static let schema = "contacts"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "pupil_id") public var pupilID: Int
    @Field(key: "priority") public var priority: Int
    @Field(key: "name") public var name: String
    @Field(key: "relationship") public var relationship: String
    @Field(key: "parental_responsibility") public var parentalResponsibility: Bool
    @Field(key: "lives_with") public var livesWith: Bool
    @Field(key: "phone") public var phone: String
    @Field(key: "email") public var email: String
    @Field(key: "address") public var address: String
    public init() {}
    /// The fields listed, not found by reflection (see `PupilRow.properties`).
    public var properties: [any AnyProperty] {
        [$id, $pupilID, $priority, $name, $relationship, $parentalResponsibility, $livesWith, $phone, $email, $address]
    }
    public init(pupilID: Int, contact c: Contact) {
        self.pupilID = pupilID
        priority = c.priority
        name = c.name
        relationship = c.relationship
        parentalResponsibility = c.parentalResponsibility
        livesWith = c.livesWith
        phone = c.phone
        email = c.email
        address = c.address
    }
    public var contact: Contact {
        Contact(
            priority: priority, name: name, relationship: relationship, parentalResponsibility: parentalResponsibility,
            livesWith: livesWith, phone: phone, email: email, address: address)
    }
}

public final class CalendarEntryRow: Model, @unchecked Sendable {
    public static let schema = "calendar_entries"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    @Field(key: "start") public var start: String
    @Field(key: "end") public var end: String
    @Field(key: "kind") public var kind: String
    @Field(key: "year_groups") public var yearGroups: String
    @Field(key: "label") public var label: String
    /// The fields listed, not found by reflection (see `PupilRow.properties`).
    public var properties: [any AnyProperty] { [$id, $schoolID, $start, $end, $kind, $yearGroups, $label] }
    public init() {}
    public init(schoolID: Int, entry e: CalendarEntry) {
        self.schoolID = schoolID
        start = e.start.iso
        end = e.end.iso
        kind = e.kind.rawValue
        yearGroups = e.yearGroups.joined(separator: ";")
        label = e.label
    }
    public var entry: CalendarEntry? {
        guard let s = LocalDate(iso: start), let e = LocalDate(iso: end), let k = CalendarEntry.Kind(rawValue: kind) else { return nil }
        return CalendarEntry(start: s, end: e, kind: k, yearGroups: yearGroups.split(separator: ";").map(String.init), label: label)
    }
}

/// The current mark for a pupil's AM or PM session (one row per pupil, date and session).
public final class MarkRow: Model, @unchecked Sendable {
    public static let schema = "marks"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "pupil_id") public var pupilID: Int
    @Field(key: "date") public var date: String
    @Field(key: "session") public var session: String
    @Field(key: "code") public var code: String
    @OptionalField(key: "minutes_late") public var minutesLate: Int?
    @Field(key: "recorded_by") public var recordedBy: String
    @Field(key: "recorded_at") public var recordedAt: String
    /// The reason given with the current code (a parent's report, a late-book entry, an amendment's reason).
    @OptionalField(key: "note") public var note: String?
    public init() {}
    /// The fields listed, not found by reflection (see `PupilRow.properties`).
    public var properties: [any AnyProperty] { [$id, $pupilID, $date, $session, $code, $minutesLate, $recordedBy, $recordedAt, $note] }

    /// `date` as a day: only valid ISO dates are written.
    public var day: LocalDate { LocalDate(iso: date)! }
}

/// A lesson register mark (secondary schools): not statutory, kept apart from the AM/PM marks.
public final class LessonMarkRow: Model, @unchecked Sendable {
    public static let schema = "lesson_marks"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "pupil_id") public var pupilID: Int
    @Field(key: "date") public var date: String
    @Field(key: "lesson") public var lesson: String
    @Field(key: "code") public var code: String
    @OptionalField(key: "minutes_late") public var minutesLate: Int?
    @Field(key: "recorded_by") public var recordedBy: String
    @Field(key: "recorded_at") public var recordedAt: String
    /// The reason given with the current code (a parent's report, a late-book entry, an amendment's reason).
    @OptionalField(key: "note") public var note: String?
    public init() {}
}

/// An amendment to a mark: append-only (the database refuses UPDATE and DELETE on this table).
public final class AmendmentRow: Model, @unchecked Sendable {
    public static let schema = "amendments"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "pupil_id") public var pupilID: Int
    @Field(key: "date") public var date: String
    /// `AM`, `PM`, or `lesson:NAME` for a lesson mark.
    @Field(key: "session") public var session: String
    @Field(key: "original_code") public var originalCode: String
    @Field(key: "new_code") public var newCode: String
    @OptionalField(key: "original_minutes_late") public var originalMinutesLate: Int?
    @OptionalField(key: "new_minutes_late") public var newMinutesLate: Int?
    @Field(key: "reason") public var reason: String
    @Field(key: "amended_at") public var amendedAt: String
    @Field(key: "by_name") public var byName: String
    @Field(key: "by_position") public var byPosition: String
    public init() {}
}

/// A pupil signed out during the day (appointment, illness) and, when they return, back in.
/// The register's marks are not changed by it: the pupil was present at registration.
public final class SignOutRow: Model, @unchecked Sendable {
    public static let schema = "sign_outs"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "pupil_id") public var pupilID: Int
    @Field(key: "date") public var date: String
    @Field(key: "out_at") public var outAt: String
    @Field(key: "reason") public var reason: String
    @Field(key: "out_by") public var outBy: String
    @OptionalField(key: "back_at") public var backAt: String?
    @OptionalField(key: "back_by") public var backBy: String?
    /// Who took the pupil ("walking alone" when they walked), and the sign-out check's decision and reason, if checked.
    @OptionalField(key: "collector") public var collector: String?
    @OptionalField(key: "check_decision") public var checkDecision: String?
    @OptionalField(key: "check_reason") public var checkReason: String?
    public init() {}
    public init(pupilID: Int, date: LocalDate, outAt: TimeOfDay, reason: String, by: Actor) {
        self.pupilID = pupilID
        self.date = date.iso
        self.outAt = outAt.description
        self.reason = reason
        self.outBy = "\(by.name), \(by.position)"
    }
}
