// Rules of the admission register beyond a single record's fields (School Attendance (Pupil Registration) (England)
// Regulations 2024: the register's contents, and regulation 9; seeds 000 §6.3.3, 002 §5.1, 004):
//
// - Contacts: a pupil has at least the policy's minimum number of contacts (`admission_register.minimum_contacts`,
//   1 by default: the regulations ask for one emergency number for each parent), and each parent (a contact with
//   parental responsibility) has an address and an emergency telephone number. A pupil short of either is on the
//   "contacts to chase" list.
// - Temporary address: recorded only for a time away of 15 school days or more (seed 004). "Away" is the span the
//   address is for, from its first to its last day: it must hold at least 15 school days, counted as days with a
//   session open for the pupil's year group in the school calendar (weekends, holidays and closures do not count).
// - Deletion on the 10-day ground (not back after leave) or the 20-day ground (continuous unauthorised absence)
//   needs a recorded confirmation that the school's and the LA's enquiries are complete: the day each finished and
//   who at the LA confirmed. The leaving day is not before either (000 §6.3.3: "will not be removed from the School
//   roll until notified by the Local Authority that their enquiries are complete"), and neither day is in the future.
// - The LA is told of each new pupil and each deletion, through the outbox or by hand; a new pupil is overdue only
//   while not yet told and past the deadline (`LAReturns`).

extension DeletionGround {
    /// Grounds that need the school's and the LA's enquiries to be complete (reg 9; 000 §6.3.3; 002 §5.1).
    public var needsEnquiries: Bool { self == .notReturnedFromLeave || self == .continuousUnauthorisedAbsence }
}

/// That the school's and the LA's enquiries into a missing pupil's whereabouts are complete.
public struct EnquiriesConfirmation: Sendable, Hashable, Codable {
    /// The day the school's own enquiries were complete.
    public var schoolCompletedOn: LocalDate
    /// The day the LA said its enquiries were complete.
    public var laCompletedOn: LocalDate
    /// Who at the LA confirmed it (name and role).
    public var laConfirmedBy: String
    public var note: String
    public init(schoolCompletedOn: LocalDate, laCompletedOn: LocalDate, laConfirmedBy: String, note: String = "") {
        self.schoolCompletedOn = schoolCompletedOn
        self.laCompletedOn = laCompletedOn
        self.laConfirmedBy = laConfirmedBy
        self.note = note
    }
}

public enum AdmissionRules {
    /// A temporary address is for a time away of this many school days or more (seed 004).
    public static let temporaryAddressSchoolDays = 15

    /// Checks a deletion before it is made; the error names the field and nothing changes.
    public static func checkDeletion(
        ground: DeletionGround, leavingDay: LocalDate, startingDay: LocalDate,
        enquiries: EnquiriesConfirmation?, today: LocalDate
    ) throws(ValidationError) {
        guard leavingDay >= startingDay else {
            throw ValidationError(field: "leaving_day", reason: "\(leavingDay) is before the starting day \(startingDay)")
        }
        guard ground.needsEnquiries else { return }
        let why =
            ground == .notReturnedFromLeave ? "not back 10 school days after leave" : "20 continuous school days of unauthorised absence"
        guard let e = enquiries else {
            throw ValidationError(
                field: "enquiries",
                reason: "deletion on the ground '\(why)' needs a confirmation that the school's and the LA's enquiries are complete")
        }
        guard !e.laConfirmedBy.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError(field: "enquiries.la_confirmed_by", reason: "name who at the LA confirmed its enquiries are complete")
        }
        guard e.schoolCompletedOn <= today else {
            throw ValidationError(field: "enquiries.school_completed_on", reason: "\(e.schoolCompletedOn) is in the future")
        }
        guard e.laCompletedOn <= today else {
            throw ValidationError(field: "enquiries.la_completed_on", reason: "\(e.laCompletedOn) is in the future")
        }
        guard leavingDay >= e.schoolCompletedOn else {
            throw ValidationError(
                field: "leaving_day", reason: "\(leavingDay) is before the school's enquiries were complete (\(e.schoolCompletedOn))")
        }
        guard leavingDay >= e.laCompletedOn else {
            throw ValidationError(
                field: "leaving_day",
                reason: "\(leavingDay) is before the LA's enquiries were complete (\(e.laCompletedOn)): the pupil stays on roll until then")
        }
    }

    /// School days from `from` to `to` with a session open for `yearGroup`.
    public static func schoolDays(from: LocalDate, to: LocalDate, yearGroup: String, calendar: SchoolCalendar) -> Int {
        var n = 0
        var d = from
        while d <= to {
            if Session.allCases.contains(where: { calendar.isOpen(d, $0, yearGroup: yearGroup) }) { n += 1 }
            d = d.adding(days: 1)
        }
        return n
    }

    /// Checks a temporary address against the calendar: it is for a time away of 15 school days or more.
    public static func checkTemporaryAddress(_ t: TemporaryAddress, yearGroup: String, calendar: SchoolCalendar) throws(ValidationError) {
        guard !t.address.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError(field: "temporary_address.address", reason: "is required")
        }
        guard t.from <= t.to else { throw ValidationError(field: "temporary_address.to", reason: "\(t.to) is before \(t.from)") }
        guard t.from.days(to: t.to) <= 400 else {
            throw ValidationError(field: "temporary_address.to", reason: "a temporary address is for at most a year")
        }
        let n = schoolDays(from: t.from, to: t.to, yearGroup: yearGroup, calendar: calendar)
        guard n >= temporaryAddressSchoolDays else {
            throw ValidationError(
                field: "temporary_address.to",
                reason:
                    "\(t.from) to \(t.to) holds \(n) school days: a temporary address is for a time away of \(temporaryAddressSchoolDays) school days or more"
            )
        }
    }

    // MARK: Contacts to chase

    /// A pupil whose contacts fall short of what the register and the policy ask.
    public struct ContactsToChase: Sendable, Hashable {
        public var upn: String
        public var name: String
        public var form: String
        public var yearGroup: String
        public var contacts: Int
        /// What is missing, in words, one line each.
        public var missing: [String]
    }

    /// What a pupil's contacts lack: fewer than `minimum`, or a parent without an address or an emergency number.
    public static func missing(_ contacts: [Contact], minimum: Int) -> [String] {
        var out: [String] = []
        if contacts.count < minimum {
            out.append("\(contacts.count) \(contacts.count == 1 ? "contact" : "contacts"); the policy asks for \(minimum)")
        }
        for c in contacts.sorted(by: { $0.priority < $1.priority }) where c.isParent {
            let who = "\(c.name) (\(c.relationship.isEmpty ? "parent" : c.relationship.lowercased()))"
            if !c.hasEmergencyPhone { out.append("\(who): no emergency telephone number") }
            if !c.hasAddress { out.append("\(who): no address") }
        }
        return out
    }

    /// Pupils on roll on `on`, or admitted to start later, with contacts to chase, by form then name.
    public static func contactsToChase(_ pupils: [PupilRecord], minimum: Int, on: LocalDate) -> [ContactsToChase] {
        pupils.compactMap { p -> ContactsToChase? in
            if let l = p.leavingDay, l < on { return nil }
            let m = missing(p.contacts, minimum: minimum)
            guard !m.isEmpty else { return nil }
            return ContactsToChase(
                upn: p.upn, name: p.displayName, form: p.form, yearGroup: p.yearGroup, contacts: p.contacts.count, missing: m)
        }.sorted { ($0.form, $0.name, $0.upn) < ($1.form, $1.name, $1.upn) }
    }
}

// MARK: Telling the LA

/// What the LA is told of.
public enum LANoticeEvent: String, Sendable, Hashable, Codable, CaseIterable {
    case newPupil = "new_pupil"
    case deletion
}

/// How the LA was told.
public enum LANoticeMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// A message queued in the outbox to the LA's address in the policy.
    case outbox
    /// Told some other way (a portal, a phone call) and marked so by a member of staff.
    case byHand = "by_hand"
}

/// That the LA was told of a new pupil or a deletion: when, how and by whom.
public struct LANotice: Sendable, Hashable, Codable {
    public var event: LANoticeEvent
    public var method: LANoticeMethod
    public var on: LocalDate
    public var by: String
    /// Where it went (the LA's address) for the outbox, or a note of how for by hand.
    public var detail: String
    public init(event: LANoticeEvent, method: LANoticeMethod, on: LocalDate, by: String, detail: String = "") {
        self.event = event
        self.method = method
        self.on = on
        self.by = by
        self.detail = detail
    }
}

extension LANotice {
    /// The message to the LA about a new pupil.
    public static func newPupilMessage(_ p: PupilRecord, school: String) -> (subject: String, body: String) {
        var lines = [
            "\(school) tells the local authority of a new pupil on its admission register (Pupil Registration Regulations 2024).", "",
            "Name: \(p.legalForename) \(p.legalSurname)", "UPN: \(p.upn)", "Date of birth: \(p.dateOfBirth.iso)", "Sex: \(p.sex)",
            "Year group: \(p.yearGroup)", "Starting day: \(p.startingDay.iso)",
        ]
        if let f = p.firstExpectedDay { lines.append("First expected to attend: \(f.iso)") }
        if let s = p.lastSchool { lines.append("School last attended: \(s.name)\(s.address.isEmpty ? "" : ", \(s.address)")") }
        for c in p.contacts.sorted(by: { $0.priority < $1.priority }) where c.isParent {
            lines.append(
                "Parent: \(c.name) (\(c.relationship))\(c.livesWith ? ", lives with the pupil" : ""); \(c.address.isEmpty ? "address not known" : c.address)"
            )
        }
        return ("New pupil: \(p.legalForename) \(p.legalSurname), starting \(p.startingDay.iso)", lines.joined(separator: "\n"))
    }

    /// The message to the LA, or to a social worker or youth offending team worker, about a deletion.
    public static func deletionMessage(
        _ p: PupilRecord, ground: DeletionGround?, leavingDay: LocalDate, school: String,
        enquiries: EnquiriesConfirmation?
    ) -> (subject: String, body: String) {
        var lines = [
            "\(school) has deleted a pupil from its admission register.", "",
            "Name: \(p.legalForename) \(p.legalSurname)", "UPN: \(p.upn)", "Date of birth: \(p.dateOfBirth.iso)",
            "Year group: \(p.yearGroup)", "Leaving day: \(leavingDay.iso)", "Ground: \(ground?.explanation ?? "none recorded")",
        ]
        if let e = enquiries {
            lines.append(
                "School's enquiries complete: \(e.schoolCompletedOn.iso); LA's enquiries complete: \(e.laCompletedOn.iso) (confirmed by \(e.laConfirmedBy))"
            )
        }
        return (
            "Deletion from the roll: \(p.legalForename) \(p.legalSurname), leaving day \(leavingDay.iso)", lines.joined(separator: "\n")
        )
    }
}
