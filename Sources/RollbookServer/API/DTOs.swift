import Foundation
import RollbookCore
import RollbookStore
import Vapor

// JSON shapes of the API. Keys are snake_case on the wire (see `configureJSON`).

func configureJSON() {
    let enc = JSONEncoder()
    enc.keyEncodingStrategy = .convertToSnakeCase
    enc.outputFormatting = [.sortedKeys]
    let dec = JSONDecoder()
    dec.keyDecodingStrategy = .convertFromSnakeCase
    ContentConfiguration.global.use(encoder: enc, for: .json)
    ContentConfiguration.global.use(decoder: dec, for: .json)
}

/// camelCase to snake_case, for field names in errors.
func snakeCase(_ s: String) -> String {
    var out = ""
    for ch in s {
        if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
    }
    return out
}

struct PupilSummaryDTO: Content {
    var upn: String
    var legalSurname: String
    var legalForename: String
    var preferredForename: String
    var name: String
    var yearGroup: String
    var form: String
    var house: String
    var startingDay: String
    var leavingDay: String?
    var deletionGround: String?

    init(_ p: PupilRow) {
        upn = p.upn
        legalSurname = p.legalSurname
        legalForename = p.legalForename
        preferredForename = p.preferredForename
        name = p.displayName
        yearGroup = p.yearGroup
        form = p.form
        house = p.house
        startingDay = p.startingDay
        leavingDay = p.leavingDay
        deletionGround = p.deletionGround
    }
}

struct CharacteristicsDTO: Content {
    var sen: String
    var fsm, pupilPremium, eal, lookedAfter, previouslyLookedAfter, childInNeed, childProtection, youngCarer: Bool
    var ethnicity: String
    var socialWorkerName: String
    var socialWorkerContact: String
    /// The youth offending team worker; optional on input (default: none).
    var yotWorkerName: String?
    var yotWorkerContact: String?
    /// Vulnerable in another way, with the reason; optional on input (default: not).
    var vulnerableReason: String?
    /// From a Traveller family; optional on input (default: no).
    var traveller: Bool?
    init(_ c: Characteristics) {
        sen = c.sen.rawValue
        fsm = c.freeSchoolMeals
        pupilPremium = c.pupilPremium
        eal = c.englishAdditionalLanguage
        lookedAfter = c.lookedAfter
        previouslyLookedAfter = c.previouslyLookedAfter
        childInNeed = c.childInNeed
        childProtection = c.childProtectionPlan
        youngCarer = c.youngCarer
        ethnicity = c.ethnicity
        socialWorkerName = c.socialWorkerName
        socialWorkerContact = c.socialWorkerContact
        yotWorkerName = c.youthOffendingWorkerName
        yotWorkerContact = c.youthOffendingWorkerContact
        vulnerableReason = c.vulnerableReason
        traveller = c.traveller
    }
    var characteristics: Characteristics {
        var c = Characteristics()
        c.sen = SENProvision(rawValue: sen) ?? .none
        c.freeSchoolMeals = fsm
        c.pupilPremium = pupilPremium
        c.englishAdditionalLanguage = eal
        c.lookedAfter = lookedAfter
        c.previouslyLookedAfter = previouslyLookedAfter
        c.childInNeed = childInNeed
        c.childProtectionPlan = childProtection
        c.youngCarer = youngCarer
        c.ethnicity = ethnicity
        c.socialWorkerName = socialWorkerName
        c.socialWorkerContact = socialWorkerContact
        c.youthOffendingWorkerName = yotWorkerName ?? ""
        c.youthOffendingWorkerContact = yotWorkerContact ?? ""
        c.vulnerableReason = (vulnerableReason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        c.traveller = traveller ?? false
        return c
    }
}

struct ContactDTO: Content {
    var priority: Int
    var name: String
    var relationship: String
    var parentalResponsibility: Bool
    var livesWith: Bool
    var phone: String
    var email: String
    /// Optional on input (default: not known).
    var address: String?
    init(_ c: Contact) {
        priority = c.priority
        name = c.name
        relationship = c.relationship
        parentalResponsibility = c.parentalResponsibility
        livesWith = c.livesWith
        phone = c.phone
        email = c.email
        address = c.address
    }
    var contact: Contact {
        Contact(
            priority: priority, name: name, relationship: relationship, parentalResponsibility: parentalResponsibility,
            livesWith: livesWith, phone: phone, email: email, address: address ?? "")
    }
}

/// The admission register's entries beyond name and roll: school last attended, first expected day, temporary address.
struct RegisterDetailsDTO: Content {
    struct School: Content {
        var name: String
        var address: String?
    }
    struct Temporary: Content {
        var address: String
        var from: String
        var to: String
    }
    var lastSchool: School?
    var firstExpectedDay: String?
    var temporaryAddress: Temporary?
    init(_ p: PupilRecord) {
        lastSchool = p.lastSchool.map { School(name: $0.name, address: $0.address) }
        firstExpectedDay = p.firstExpectedDay?.iso
        temporaryAddress = p.temporaryAddress.map { Temporary(address: $0.address, from: $0.from.iso, to: $0.to.iso) }
    }
    /// Sets these details on a record (dates checked; the record's own validation follows).
    func apply(to r: inout PupilRecord) throws {
        r.lastSchool = lastSchool.map { LastSchool(name: $0.name, address: $0.address ?? "") }
        r.firstExpectedDay = try firstExpectedDay.map { try parseDate($0, field: "register.first_expected_day") }
        r.temporaryAddress = try temporaryAddress.map {
            TemporaryAddress(
                address: $0.address, from: try parseDate($0.from, field: "register.temporary_address.from"),
                to: try parseDate($0.to, field: "register.temporary_address.to"))
        }
    }
}

struct PupilDetailDTO: Content {
    var pupil: PupilSummaryDTO
    var dateOfBirth: String
    var sex: String
    var characteristics: CharacteristicsDTO
    var contacts: [ContactDTO]
    var register: RegisterDetailsDTO

    static func load(_ p: PupilRow, store: Store) async throws -> PupilDetailDTO {
        PupilDetailDTO(
            pupil: PupilSummaryDTO(p), dateOfBirth: p.dateOfBirth, sex: p.sex,
            characteristics: CharacteristicsDTO(p.characteristics),
            contacts: try await store.contacts(pupilID: p.id!).map(ContactDTO.init),
            register: RegisterDetailsDTO(p.record()))
    }
}

/// Body of `POST /api/v1/pupils`: admit a pupil.
struct AdmitPupilDTO: Content {
    var upn: String
    var legalSurname: String
    var legalForename: String
    var preferredForename: String?
    var dateOfBirth: String
    var sex: String
    var yearGroup: String
    var form: String
    var house: String?
    var startingDay: String
    var characteristics: CharacteristicsDTO?
    var contacts: [ContactDTO]?
    var register: RegisterDetailsDTO?

    func record() throws -> PupilRecord {
        if let sen = characteristics?.sen, SENProvision(rawValue: sen) == nil {
            throw APIError.invalid("characteristics.sen", "'\(sen)' must be empty (none), K (SEN support) or E (EHC plan)")
        }
        var r = PupilRecord(
            upn: upn, legalSurname: legalSurname, legalForename: legalForename, preferredForename: preferredForename ?? "",
            dateOfBirth: try parseDate(dateOfBirth, field: "date_of_birth"), sex: sex, yearGroup: yearGroup, form: form,
            house: house ?? "", startingDay: try parseDate(startingDay, field: "starting_day"),
            characteristics: characteristics?.characteristics ?? .init(),
            contacts: (contacts ?? []).map(\.contact))
        try register?.apply(to: &r)
        return r
    }
}

struct DeletionDTO: Content {
    struct Enquiries: Content {
        var schoolCompletedOn: String
        var laCompletedOn: String
        var laConfirmedBy: String
        var note: String?
        func confirmation() throws -> EnquiriesConfirmation {
            EnquiriesConfirmation(
                schoolCompletedOn: try parseDate(schoolCompletedOn, field: "enquiries.school_completed_on"),
                laCompletedOn: try parseDate(laCompletedOn, field: "enquiries.la_completed_on"),
                laConfirmedBy: laConfirmedBy, note: note ?? "")
        }
    }
    var ground: String
    var leavingDay: String
    /// Required for the 10- and 20-day grounds: the school's and the LA's enquiries are complete.
    var enquiries: Enquiries?
    /// Required for `elective_home_education`: the day the parent confirmed it in writing.
    var parentConfirmedOn: String?
    /// For `elective_home_education`: the day of the meeting with the parents, if one was held.
    var meetingOn: String?

    func homeEducation() throws -> HomeEducationSteps {
        HomeEducationSteps(
            parentConfirmedOn: try parentConfirmedOn.map { try parseDate($0, field: "parent_confirmed_on") },
            meetingOn: try meetingOn.map { try parseDate($0, field: "meeting_on") })
    }
}

func parseDate(_ s: String, field: String) throws -> LocalDate {
    guard let d = LocalDate(iso: s) else { throw APIError.invalid(field, "'\(s)' is not a date in the form YYYY-MM-DD") }
    return d
}

struct CountsDTO: Content {
    var possibleSessions, presentSessions, approvedActivitySessions, authorisedAbsenceSessions, unauthorisedAbsenceSessions,
        unmarkedSessions: Int
    var attendanceRate, absenceRate, authorisedAbsenceRate, unauthorisedAbsenceRate: Double?
    init(_ c: SessionCounts) {
        possibleSessions = c.possible
        presentSessions = c.present
        approvedActivitySessions = c.approvedActivity
        authorisedAbsenceSessions = c.authorised
        unauthorisedAbsenceSessions = c.unauthorised
        unmarkedSessions = c.unmarked
        attendanceRate = c.attendanceRate
        absenceRate = c.absenceRate
        authorisedAbsenceRate = c.authorisedAbsenceRate
        unauthorisedAbsenceRate = c.unauthorisedAbsenceRate
    }
}

struct PupilStatisticsDTO: Content {
    var upn: String
    var from: String
    var to: String
    var sessions: CountsDTO
    var persistentAbsence: Bool
    var severeAbsence: Bool
    var codes: [String: Int]
}

struct GroupStatisticsDTO: Content {
    var from: String
    var to: String
    var filter: [String: String]
    var pupils: Int
    var sessions: CountsDTO
    var persistentAbsencePupils: Int
    var severeAbsencePupils: Int
    var persistentAbsenceRate: Double?
    var severeAbsenceRate: Double?
    init(range: DateRange, filter: [String: String], stats g: GroupStatistics) {
        from = range.from.iso
        to = range.to.iso
        self.filter = filter
        pupils = g.pupils
        sessions = CountsDTO(g.sessions)
        persistentAbsencePupils = g.persistentAbsence
        severeAbsencePupils = g.severeAbsence
        persistentAbsenceRate = g.persistentAbsenceRate
        severeAbsenceRate = g.severeAbsenceRate
    }
}

struct AmendmentDTO: Content {
    var date: String
    var session: String
    var originalCode: String
    var newCode: String
    var originalMinutesLate: Int?
    var newMinutesLate: Int?
    var reason: String
    var amendedAt: String
    var byName: String
    var byPosition: String
    init(_ a: AmendmentRow) {
        date = a.date
        session = a.session
        originalCode = a.originalCode
        newCode = a.newCode
        originalMinutesLate = a.originalMinutesLate
        newMinutesLate = a.newMinutesLate
        reason = a.reason
        amendedAt = a.amendedAt
        byName = a.byName
        byPosition = a.byPosition
    }
}

struct MarkDTO: Content {
    var date: String
    var session: String
    var code: String
    var meaning: String
    var statisticalMeaning: String
    var minutesLate: Int?
    var recordedBy: String
    var recordedAt: String
    var amendments: [AmendmentDTO]
}

struct CodeDTO: Content {
    var code: String
    var meaning: String
    var group: String
    var statisticalMeaning: String
    var legacy: Bool
    init(_ c: AttendanceCode) {
        code = c.symbol
        meaning = c.meaning
        group = c.group.rawValue
        statisticalMeaning = c.statisticalMeaning.rawValue
        legacy = c.isLegacy
    }
}

struct CalendarDayDTO: Content {
    var date: String
    var am: Bool
    var pm: Bool
}

struct CalendarDTO: Content {
    struct Entry: Content {
        var start, end, kind, label: String
        var yearGroups: [String]
    }
    var entries: [Entry]
    var terms: [TermDTO]
    var days: [CalendarDayDTO]
}

struct TermDTO: Content {
    var name: String
    var start: String
    var end: String
    var halfTerms: [[String]]
    init(_ t: Term) {
        name = t.name
        start = t.range.from.iso
        end = t.range.to.iso
        halfTerms = t.halfTerms.map { [$0.from.iso, $0.to.iso] }
    }
}

struct OverdueDTO: Content {
    var upn: String
    var name: String
    var form: String
    var date: String
    var session: String
}
