import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/pupils/:upn/register`: a pupil's admission register entry beyond the roll (`AdmissionRules`): contacts with their
/// addresses, school last attended, first expected day, temporary address, youth offending team worker; and
/// `/pupils/:upn/deletion`, deletion from the roll with the enquiries confirmation the 10- and 20-day grounds need.
struct PupilRegisterController {
    /// Who edits the register's details: the office, the attendance lead and the head.
    static let editRoles: [Role] = [.office, .attendanceLead, .head]

    func pupil(_ req: Request, _ u: StaffUser) async throws -> PupilRow {
        try u.require(.readPupils)
        let upn = req.parameters.get("upn") ?? ""
        guard let p = try await req.store.pupil(schoolID: u.schoolID, upn: upn) else {
            throw Abort(.notFound, reason: "No pupil with UPN \(upn).")
        }
        try u.requireRead(p)
        return p
    }

    // MARK: The register page

    struct ContactLine: Encodable {
        var index: Int
        var priority: Int
        var name, relationship, phone, email, address: String
        var parentalResponsibility, livesWith: Bool
    }
    struct GroundOption: Encodable {
        var value: String
        var label: String
        var needsEnquiries: Bool
    }
    struct RegisterContent: Encodable {
        var upn, name: String
        var onRoll: Bool
        var startingDay: String
        var leavingDay: String?
        var ground: String?
        var lastSchoolName, lastSchoolAddress, firstExpectedDay: String
        var temporaryAddress, temporaryFrom, temporaryTo: String
        var yotName, yotContact: String
        var contacts: [ContactLine]
        var missing: [String]
        var minimumContacts: Int
        var canEdit, canDelete: Bool
        var grounds: [GroundOption]
        var enquiries: String?
        var today: String
        var flash: String?
    }

    func registerPage(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        let p = try await pupil(req, u)
        let today = req.clock.now().date
        let r = p.record(contacts: try await req.store.contacts(pupilID: p.id!))
        let policy = try await req.store.policy(schoolID: u.schoolID, on: today)
        let flash = req.session.data["flash"]
        req.session.data["flash"] = nil
        // The blank line after the contacts adds one.
        var contacts = r.contacts.enumerated().map { i, c in
            ContactLine(
                index: i, priority: c.priority, name: c.name, relationship: c.relationship, phone: c.phone, email: c.email,
                address: c.address,
                parentalResponsibility: c.parentalResponsibility, livesWith: c.livesWith)
        }
        contacts.append(
            ContactLine(
                index: contacts.count, priority: (r.contacts.map(\.priority).max() ?? 0) + 1, name: "", relationship: "",
                phone: "", email: "", address: "", parentalResponsibility: false, livesWith: false))
        let e = try await req.store.deletionEnquiries(pupilID: p.id!)
        let content = RegisterContent(
            upn: p.upn, name: p.displayName, onRoll: p.leavingDay == nil, startingDay: p.startingDay, leavingDay: p.leavingDay,
            ground: p.deletionGround.flatMap(DeletionGround.init(rawValue:))?.explanation,
            lastSchoolName: r.lastSchool?.name ?? "", lastSchoolAddress: r.lastSchool?.address ?? "",
            firstExpectedDay: r.firstExpectedDay?.iso ?? "",
            temporaryAddress: r.temporaryAddress?.address ?? "", temporaryFrom: r.temporaryAddress?.from.iso ?? "",
            temporaryTo: r.temporaryAddress?.to.iso ?? "",
            yotName: r.characteristics.youthOffendingWorkerName, yotContact: r.characteristics.youthOffendingWorkerContact,
            contacts: contacts, missing: AdmissionRules.missing(r.contacts, minimum: policy.minimumContacts),
            minimumContacts: policy.minimumContacts,
            canEdit: Self.editRoles.contains(u.role), canDelete: u.can(.manageRoll) && p.leavingDay == nil,
            grounds: DeletionGround.allCases.map {
                GroundOption(value: $0.rawValue, label: $0.explanation, needsEnquiries: $0.needsEnquiries)
            },
            enquiries: e.flatMap(\.confirmation).map {
                "School's enquiries complete \($0.schoolCompletedOn); LA's enquiries complete \($0.laCompletedOn), confirmed by \($0.laConfirmedBy)"
                    + "\($0.note.isEmpty ? "" : ": \($0.note)") (recorded by \(e!.byName))"
            },
            today: today.iso, flash: flash)
        return try await req.render("Pupils/pupil-register", title: "Admission register: \(p.displayName)", content)
    }

    /// The register form: fields by name, contacts as `contacts[i][field]`.
    struct RegisterForm: Content {
        struct ContactForm: Content {
            var name: String?
            var relationship: String?
            var phone: String?
            var email: String?
            var address: String?
            var priority: String?
            var parentalResponsibility: String?
            var livesWith: String?
        }
        var lastSchoolName: String?
        var lastSchoolAddress: String?
        var firstExpectedDay: String?
        var temporaryAddress: String?
        var temporaryFrom: String?
        var temporaryTo: String?
        var yotName: String?
        var yotContact: String?
        var contacts: [ContactForm]?
    }

    func saveRegister(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        guard Self.editRoles.contains(u.role) else {
            throw APIError(
                .forbidden, field: nil, reason: "the admission register's details are kept by the office, the attendance lead and the head")
        }
        let p = try await pupil(req, u)
        let f = try req.content.decode(RegisterForm.self)
        var contacts: [Contact] = []
        for (i, c) in (f.contacts ?? []).enumerated() {
            // A row with no name is left out (the blank row for a new contact).
            guard let name = formField(c.name) else { continue }
            let priority =
                try formField(c.priority).map { s -> Int in
                    guard let n = Int(s), (1...99).contains(n) else {
                        throw APIError.invalid("contacts[\(i)].priority", "'\(s)' must be 1 to 99")
                    }
                    return n
                } ?? (i + 1)
            contacts.append(
                Contact(
                    priority: priority, name: name, relationship: formField(c.relationship) ?? "",
                    parentalResponsibility: c.parentalResponsibility != nil, livesWith: c.livesWith != nil,
                    phone: formField(c.phone) ?? "", email: formField(c.email) ?? "", address: formField(c.address) ?? ""))
        }
        guard Set(contacts.map(\.priority)).count == contacts.count else {
            throw APIError.invalid("contacts", "two contacts have the same priority; give each its own")
        }
        contacts.sort { $0.priority < $1.priority }
        let first = try formField(f.firstExpectedDay).map { try parseDate($0, field: "first_expected_day") }
        var temporary: TemporaryAddress?
        if let a = formField(f.temporaryAddress) {
            guard let from = formField(f.temporaryFrom), let to = formField(f.temporaryTo) else {
                throw APIError.invalid("temporary_address.from", "give the first and last day away with a temporary address")
            }
            temporary = TemporaryAddress(
                address: a, from: try parseDate(from, field: "temporary_address.from"),
                to: try parseDate(to, field: "temporary_address.to"))
            let calendar = try await req.store.calendar(schoolID: u.schoolID)
            try AdmissionRules.checkTemporaryAddress(temporary!, yearGroup: p.yearGroup, calendar: calendar)
        }
        let lastSchool = formField(f.lastSchoolName).map { LastSchool(name: $0, address: formField(f.lastSchoolAddress) ?? "") }
        if lastSchool == nil, formField(f.lastSchoolAddress) != nil {
            throw APIError.invalid("last_school.name", "is required when the school last attended is given")
        }
        let yotName = formField(f.yotName) ?? ""
        let yotContact = formField(f.yotContact) ?? ""
        let away = temporary
        _ = try await req.store.updateRegisterDetails(
            schoolID: u.schoolID, upn: p.upn,
            { r in
                r.lastSchool = lastSchool
                r.firstExpectedDay = first
                r.temporaryAddress = away
                r.characteristics.youthOffendingWorkerName = yotName
                r.characteristics.youthOffendingWorkerContact = yotContact
            }, contacts: f.contacts == nil ? nil : contacts)
        req.session.data["flash"] = "Admission register details saved."
        return req.redirect(to: "/pupils/\(p.upn)/register")
    }

    // MARK: Deletion

    struct DeletionForm: Content {
        var ground: String
        var leavingDay: String
        var schoolCompletedOn: String?
        var laCompletedOn: String?
        var laConfirmedBy: String?
        var note: String?
        var parentConfirmedOn: String?
        var meetingOn: String?
    }

    func deletePupil(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.manageRoll)
        let p = try await pupil(req, u)
        let f = try req.content.decode(DeletionForm.self)
        let ground = try RollDeletion.ground(f.ground)
        let day = try parseDate(f.leavingDay, field: "leaving_day")
        var enquiries: EnquiriesConfirmation?
        if ground.needsEnquiries, let s = formField(f.schoolCompletedOn), let l = formField(f.laCompletedOn) {
            enquiries = EnquiriesConfirmation(
                schoolCompletedOn: try parseDate(s, field: "enquiries.school_completed_on"),
                laCompletedOn: try parseDate(l, field: "enquiries.la_completed_on"),
                laConfirmedBy: formField(f.laConfirmedBy) ?? "", note: formField(f.note) ?? "")
        }
        let steps = HomeEducationSteps(
            parentConfirmedOn: try formField(f.parentConfirmedOn).map { try parseDate($0, field: "parent_confirmed_on") },
            meetingOn: try formField(f.meetingOn).map { try parseDate($0, field: "meeting_on") })
        let told = try await RollDeletion.delete(
            req, user: u, pupil: p, ground: ground, leavingDay: day, enquiries: enquiries, homeEducation: steps)
        req.session.data["flash"] =
            "\(p.displayName) is deleted from the roll from \(day)."
            + (told.isEmpty ? "" : " Queued a message to \(told.joined(separator: " and ")).")
        return req.redirect(to: "/pupils/\(p.upn)/register")
    }

}
