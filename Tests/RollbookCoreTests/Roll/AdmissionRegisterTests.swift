import Foundation
import RollbookDemo
import Testing

@testable import RollbookCore

// The admission register's contents and rules: The School Attendance (Pupil Registration) (England) Regulations 2024
// (register contents, regulation 9 deletion grounds, telling the LA of new pupils and deletions); seed 000 §4.7 and
// §6.3.3, seed 002 §3.5 and §5.1, seed 004 (temporary address, two emergency contacts).

private func day(_ s: String) -> LocalDate {
    guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
    return d
}

/// Autumn 2025: term 3 September to 19 December, half term 27-31 October.
private let calendar = SchoolCalendar(entries: [
    CalendarEntry(start: day("2025-09-03"), end: day("2025-10-24"), kind: .term),
    CalendarEntry(start: day("2025-11-03"), end: day("2025-12-19"), kind: .term),
])

private func mother(phone: String = "07700 900101", address: String = "1 Mill Street, Westmere") -> Contact {
    Contact(
        priority: 1, name: "Rosa Fielding", relationship: "Mother", parentalResponsibility: true, livesWith: true, phone: phone,
        email: "rosa@example.org", address: address)
}

private func record(_ contacts: [Contact] = [mother()], upn: String = "A100000000001") -> PupilRecord {
    PupilRecord(
        upn: upn, legalSurname: "Fielding", legalForename: "Mia", dateOfBirth: day("2017-05-02"), sex: "F", yearGroup: "3",
        form: "3K", startingDay: day("2025-09-03"), contacts: contacts)
}

@Suite("Admission register (Pupil Registration Regulations 2024; seeds 000, 002, 004)")
struct AdmissionRegisterTests {
    // MARK: Contents

    @Test("a parent's address, whether the pupil lives with them, and an emergency number are held (2024 regulations)")
    func parentDetails() throws {
        let r = record()
        try r.validate()
        #expect(r.contacts[0].hasAddress && r.contacts[0].hasEmergencyPhone && r.contacts[0].livesWith && r.contacts[0].isParent)
        var bad = r
        bad.contacts[0].name = " "
        #expect(throws: ValidationError(field: "contacts[0].name", reason: "is required")) { try bad.validate() }
    }

    @Test("the school last attended (name and address) and the first day expected are held (2024 regulations)")
    func lastSchoolAndFirstDay() throws {
        var r = record()
        r.lastSchool = LastSchool(name: "Harbour Lane Primary", address: "2 Harbour Lane, Westmere")
        r.firstExpectedDay = day("2025-09-08")
        try r.validate()
        r.firstExpectedDay = day("2025-09-01")
        #expect(throws: ValidationError(field: "first_expected_day", reason: "2025-09-01 is before the starting day 2025-09-03")) {
            try r.validate()
        }
        r.firstExpectedDay = nil
        r.lastSchool = LastSchool(name: "", address: "2 Harbour Lane")
        #expect(throws: ValidationError.self) { try r.validate() }
    }

    // MARK: Temporary address (seed 004)

    @Test("a temporary address is for a time away of 15 school days or more (seed 004), counted in the calendar")
    func temporaryAddress() throws {
        // 6 October to 24 October: 15 school days (three weeks).
        let three = TemporaryAddress(address: "Flat 2, 9 Beacon Way, Ashcombe", from: day("2025-10-06"), to: day("2025-10-24"))
        #expect(AdmissionRules.schoolDays(from: three.from, to: three.to, yearGroup: "3", calendar: calendar) == 15)
        try AdmissionRules.checkTemporaryAddress(three, yearGroup: "3", calendar: calendar)
        // 13 October to 5 November spans half term: 13 school days, not 15, though 24 days long.
        let overHalfTerm = TemporaryAddress(address: "9 Beacon Way", from: day("2025-10-13"), to: day("2025-11-05"))
        #expect(throws: ValidationError.self) { try AdmissionRules.checkTemporaryAddress(overHalfTerm, yearGroup: "3", calendar: calendar) }
        do {
            try AdmissionRules.checkTemporaryAddress(overHalfTerm, yearGroup: "3", calendar: calendar)
        } catch {
            #expect(error.field == "temporary_address.to")
            #expect(error.reason.contains("holds 13 school days"))
        }
        var r = record()
        r.temporaryAddress = TemporaryAddress(address: "", from: day("2025-10-06"), to: day("2025-10-24"))
        #expect(throws: ValidationError(field: "temporary_address.address", reason: "is required")) { try r.validate() }
    }

    // MARK: Minimum contacts (policy; seeds 000 §4.7, 002 §3.5, 004)

    @Test("pupils below the policy's minimum number of contacts are on the contacts to chase list (seeds 002, 004)")
    func belowMinimum() {
        let father = Contact(
            priority: 2, name: "Tom Fielding", relationship: "Father", parentalResponsibility: true, livesWith: false,
            phone: "07700 900102", email: "", address: "4 Chapel Row, Ashcombe")
        let one = record([mother()], upn: "A100000000001")
        let two = record([mother(), father], upn: "A100000000002")
        #expect(AdmissionRules.contactsToChase([one, two], minimum: 1, on: day("2025-10-01")).isEmpty)
        let chase = AdmissionRules.contactsToChase([one, two], minimum: 2, on: day("2025-10-01"))
        #expect(chase.map(\.upn) == ["A100000000001"])
        #expect(chase[0].missing == ["1 contact; the policy asks for 2"])
    }

    @Test("a parent with no address or no emergency telephone number is chased (2024 regulations); others are not")
    func parentWithoutAddressOrPhone() {
        let friend = Contact(
            priority: 2, name: "Gwen Hale", relationship: "Family friend", parentalResponsibility: false, livesWith: false,
            phone: "", email: "", address: "")
        let r = record([mother(phone: " ", address: ""), friend])
        #expect(
            AdmissionRules.missing(r.contacts, minimum: 2) == [
                "Rosa Fielding (mother): no emergency telephone number", "Rosa Fielding (mother): no address",
            ])
        // Pupils who have left are not chased.
        var left = r
        left.leavingDay = day("2025-09-30")
        #expect(AdmissionRules.contactsToChase([left], minimum: 2, on: day("2025-10-01")).isEmpty)
    }

    @Test("the policy's minimum is 1 to 10, 1 when absent (the regulations' floor)")
    func policyMinimum() throws {
        var p = Policy.standard()
        #expect(p.minimumContacts == 1)
        p.admissionRegister = .init(minimumContacts: 2)
        try p.validate()
        #expect(p.minimumContacts == 2)
        p.admissionRegister = .init(minimumContacts: 0)
        #expect(throws: ValidationError.self) { try p.validate() }
        p.admissionRegister = nil
        p.localAuthority = .init(email: "pupil registration@example.org")
        #expect(throws: ValidationError.self) { try p.validate() }
        p.localAuthority = .init(name: "Westmere Council", email: "admissions@westmere.example.org")
        try p.validate()
        let decoded = try PolicyFile.decode(PolicyFile.encode(p))
        #expect(decoded.localAuthority?.email == "admissions@westmere.example.org")
        #expect(p.clause("admission_register.minimum_contacts").contains("2024"))
    }

    // MARK: Deletion (reg 9; seed 000 §6.3.3; seed 002 §5.1)

    @Test(
        "deletion on the 10-day and 20-day grounds needs the school's and the LA's enquiries complete (000 §6.3.3, 002 §5.1)",
        arguments: [DeletionGround.notReturnedFromLeave, .continuousUnauthorisedAbsence])
    func enquiriesRequired(ground: DeletionGround) throws {
        #expect(ground.needsEnquiries)
        let start = day("2025-09-03")
        let today = day("2025-12-01")
        #expect(throws: ValidationError.self) {
            try AdmissionRules.checkDeletion(
                ground: ground, leavingDay: day("2025-11-28"), startingDay: start, enquiries: nil, today: today)
        }
        let done = EnquiriesConfirmation(
            schoolCompletedOn: day("2025-11-20"), laCompletedOn: day("2025-11-27"), laConfirmedBy: "Lal Officer, CME team")
        try AdmissionRules.checkDeletion(ground: ground, leavingDay: day("2025-11-28"), startingDay: start, enquiries: done, today: today)
        // Not removed from the roll before the LA's enquiries are complete (000 §6.3.3).
        #expect(throws: ValidationError.self) {
            try AdmissionRules.checkDeletion(
                ground: ground, leavingDay: day("2025-11-26"), startingDay: start, enquiries: done, today: today)
        }
        var nobody = done
        nobody.laConfirmedBy = ""
        #expect(
            throws: ValidationError(field: "enquiries.la_confirmed_by", reason: "name who at the LA confirmed its enquiries are complete")
        ) {
            try AdmissionRules.checkDeletion(
                ground: ground, leavingDay: day("2025-11-28"), startingDay: start, enquiries: nobody, today: today)
        }
        var future = done
        future.laCompletedOn = day("2025-12-05")
        #expect(throws: ValidationError.self) {
            try AdmissionRules.checkDeletion(
                ground: ground, leavingDay: day("2025-12-05"), startingDay: start, enquiries: future, today: today)
        }
    }

    @Test("other grounds need no enquiries confirmation (reg 9)")
    func otherGrounds() throws {
        for g in DeletionGround.allCases where g != .notReturnedFromLeave && g != .continuousUnauthorisedAbsence {
            #expect(!g.needsEnquiries)
            try AdmissionRules.checkDeletion(
                ground: g, leavingDay: day("2025-11-28"), startingDay: day("2025-09-03"), enquiries: nil, today: day("2025-12-01"))
        }
        #expect(throws: ValidationError.self) {
            try AdmissionRules.checkDeletion(
                ground: .transferred, leavingDay: day("2025-09-01"), startingDay: day("2025-09-03"), enquiries: nil,
                today: day("2025-12-01"))
        }
    }

    // MARK: Telling the LA (2024 regulations: every new pupil within 5 days, every deletion)

    @Test("a new pupil is overdue only while not yet told and past the 5-day deadline")
    func overdueOnlyUntilTold() {
        var r = record()
        r.startingDay = day("2025-11-10")
        let p = ReturnPupil(
            record: r, yearGroupYear: AcademicYear(startYear: 2025), marks: SessionArray(covering: AcademicYear(startYear: 2025).range))
        let range = DateRange(from: day("2025-09-01"), to: day("2025-12-19"))
        let before = LAReturns.newPupils([p], calendar: calendar, range: range, asOf: day("2025-11-20"), entryYearGroups: ["R"])
        #expect(before.count == 1 && before[0].overdue && before[0].told == nil)
        let told = LANotice(event: .newPupil, method: .byHand, on: day("2025-11-21"), by: "Lee Lead", detail: "LA portal")
        let after = LAReturns.newPupils(
            [p], calendar: calendar, range: range, asOf: day("2025-11-25"), entryYearGroups: ["R"], told: [r.upn: told])
        #expect(after.count == 1 && !after[0].overdue && after[0].told == told)
    }

    @Test("every deletion stays on the LA return, told or not")
    func deletionsStayOnReturn() {
        var r = record()
        r.leavingDay = day("2025-11-14")
        r.deletionGround = .transferred
        let p = ReturnPupil(
            record: r, yearGroupYear: AcademicYear(startYear: 2025), marks: SessionArray(covering: AcademicYear(startYear: 2025).range))
        let range = DateRange(from: day("2025-09-01"), to: day("2025-12-19"))
        #expect(LAReturns.deletions([p], range: range).map(\.told) == [nil])
        let told = LANotice(
            event: .deletion, method: .outbox, on: day("2025-11-14"), by: "Lee Lead", detail: "admissions@westmere.example.org")
        #expect(LAReturns.deletions([p], range: range, told: [r.upn: told]).map(\.told) == [told])
    }

    @Test("the LA's messages name the pupil, the starting or leaving day, the ground and the enquiries")
    func messages() {
        var r = record()
        r.lastSchool = LastSchool(name: "Harbour Lane Primary")
        let (subject, body) = LANotice.newPupilMessage(r, school: "Westmere Primary")
        #expect(
            subject.contains("Mia Fielding") && body.contains("Starting day: 2025-09-03")
                && body.contains("School last attended: Harbour Lane Primary"))
        let e = EnquiriesConfirmation(schoolCompletedOn: day("2025-11-20"), laCompletedOn: day("2025-11-27"), laConfirmedBy: "Lal Officer")
        let (_, deletion) = LANotice.deletionMessage(
            r, ground: .continuousUnauthorisedAbsence, leavingDay: day("2025-11-28"), school: "Westmere Primary", enquiries: e)
        #expect(deletion.contains("Leaving day: 2025-11-28") && deletion.contains("confirmed by Lal Officer"))
    }

    @Test("demo contacts have fictional addresses; some parents living apart have none yet, some joiners no contacts (to chase)")
    func demoAddresses() {
        let big = Demo.generate(DemoOptions(phase: .secondary, through: day("2026-03-10")))
        #expect(
            !AdmissionRules.contactsToChase(big.pupils.map(\.record), minimum: 1, on: day("2026-03-10"))
                .filter { $0.contacts == 0 }.isEmpty, "a pupil below the regulations' minimum of one contact")
        let school = Demo.generate(DemoOptions(pupils: 120, through: day("2025-10-10")))
        let contacts = school.pupils.flatMap(\.record.contacts)
        let resident = contacts.filter { $0.livesWith }
        #expect(resident.allSatisfy { $0.hasAddress })
        #expect(contacts.contains { $0.isParent && !$0.hasAddress })
        #expect(!AdmissionRules.contactsToChase(school.pupils.map(\.record), minimum: 1, on: day("2025-10-10")).isEmpty)
    }
}
