import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// The admission register's entries beyond the roll (`AdmissionRules`): a pupil's register page (contacts with their
/// addresses, school last attended, first expected day, temporary address, youth offending team worker), deletion
/// from the roll with the enquiries confirmation the 10- and 20-day grounds need, the "contacts to chase" list, and
/// telling the LA of new pupils and deletions.
struct AdmissionController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.grouped(SessionAuthenticator(), CSRFMiddleware(), StaffUser.redirectMiddleware(path: "/"))
        staff.get("pupils", ":upn", "register", use: registerPage)
        staff.post("pupils", ":upn", "register", use: saveRegister)
        staff.post("pupils", ":upn", "deletion", use: deletePupil)
        staff.get("contacts-to-chase", use: chase)
        staff.post("la-returns", "notices", use: tellLA)
    }

    /// Who edits the register's details: the office, the attendance lead and the head.
    static let editRoles: [Role] = [.office, .attendanceLead, .head]
    /// Who sees the contacts to chase: those, and teachers for their own forms.
    static let chaseRoles: [Role] = [.teacher, .office, .attendanceLead, .head]
    /// Who records that the LA was told: those who make the returns at the school.
    static let noticeRoles: [Role] = [.head, .attendanceLead]

    func pupil(_ req: Request, _ u: StaffUser) async throws -> PupilRow {
        try u.require(.readPupils)
        let upn = req.parameters.get("upn") ?? ""
        guard let p = try await req.store.pupil(schoolID: u.schoolID, upn: upn) else { throw Abort(.notFound, reason: "No pupil with UPN \(upn).") }
        try u.requireRead(p)
        return p
    }

    static func optional(_ s: String?) -> String? {
        guard let t = s?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty else { return nil }
        return t
    }

    // MARK: The register page

    struct ContactLine: Encodable {
        var index: Int; var priority: Int; var name, relationship, phone, email, address: String
        var parentalResponsibility, livesWith: Bool
    }
    struct GroundOption: Encodable { var value: String; var label: String; var needsEnquiries: Bool }
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
            ContactLine(index: i, priority: c.priority, name: c.name, relationship: c.relationship, phone: c.phone, email: c.email, address: c.address,
                        parentalResponsibility: c.parentalResponsibility, livesWith: c.livesWith)
        }
        contacts.append(ContactLine(index: contacts.count, priority: (r.contacts.map(\.priority).max() ?? 0) + 1, name: "", relationship: "",
                                    phone: "", email: "", address: "", parentalResponsibility: false, livesWith: false))
        let e = try await req.store.deletionEnquiries(pupilID: p.id!)
        let content = RegisterContent(
            upn: p.upn, name: p.displayName, onRoll: p.leavingDay == nil, startingDay: p.startingDay, leavingDay: p.leavingDay,
            ground: p.deletionGround.flatMap(DeletionGround.init(rawValue:))?.explanation,
            lastSchoolName: r.lastSchool?.name ?? "", lastSchoolAddress: r.lastSchool?.address ?? "", firstExpectedDay: r.firstExpectedDay?.iso ?? "",
            temporaryAddress: r.temporaryAddress?.address ?? "", temporaryFrom: r.temporaryAddress?.from.iso ?? "",
            temporaryTo: r.temporaryAddress?.to.iso ?? "",
            yotName: r.characteristics.youthOffendingWorkerName, yotContact: r.characteristics.youthOffendingWorkerContact,
            contacts: contacts, missing: AdmissionRules.missing(r.contacts, minimum: policy.minimumContacts), minimumContacts: policy.minimumContacts,
            canEdit: Self.editRoles.contains(u.role), canDelete: u.can(.manageRoll) && p.leavingDay == nil,
            grounds: DeletionGround.allCases.map { GroundOption(value: $0.rawValue, label: $0.explanation, needsEnquiries: $0.needsEnquiries) },
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
            var name: String?; var relationship: String?; var phone: String?; var email: String?; var address: String?
            var priority: String?; var parentalResponsibility: String?; var livesWith: String?
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
            throw APIError(.forbidden, field: nil, reason: "the admission register's details are kept by the office, the attendance lead and the head")
        }
        let p = try await pupil(req, u)
        let f = try req.content.decode(RegisterForm.self)
        var contacts: [Contact] = []
        for (i, c) in (f.contacts ?? []).enumerated() {
            // A row with no name is left out (the blank row for a new contact).
            guard let name = Self.optional(c.name) else { continue }
            let priority = try Self.optional(c.priority).map { s -> Int in
                guard let n = Int(s), (1...99).contains(n) else { throw APIError.invalid("contacts[\(i)].priority", "'\(s)' must be 1 to 99") }
                return n
            } ?? (i + 1)
            contacts.append(Contact(priority: priority, name: name, relationship: Self.optional(c.relationship) ?? "",
                                    parentalResponsibility: c.parentalResponsibility != nil, livesWith: c.livesWith != nil,
                                    phone: Self.optional(c.phone) ?? "", email: Self.optional(c.email) ?? "", address: Self.optional(c.address) ?? ""))
        }
        guard Set(contacts.map(\.priority)).count == contacts.count else {
            throw APIError.invalid("contacts", "two contacts have the same priority; give each its own")
        }
        contacts.sort { $0.priority < $1.priority }
        let first = try Self.optional(f.firstExpectedDay).map { try parseDate($0, field: "first_expected_day") }
        var temporary: TemporaryAddress?
        if let a = Self.optional(f.temporaryAddress) {
            guard let from = Self.optional(f.temporaryFrom), let to = Self.optional(f.temporaryTo) else {
                throw APIError.invalid("temporary_address.from", "give the first and last day away with a temporary address")
            }
            temporary = TemporaryAddress(address: a, from: try parseDate(from, field: "temporary_address.from"),
                                         to: try parseDate(to, field: "temporary_address.to"))
            let calendar = try await req.store.calendar(schoolID: u.schoolID)
            try AdmissionRules.checkTemporaryAddress(temporary!, yearGroup: p.yearGroup, calendar: calendar)
        }
        let lastSchool = Self.optional(f.lastSchoolName).map { LastSchool(name: $0, address: Self.optional(f.lastSchoolAddress) ?? "") }
        if lastSchool == nil, Self.optional(f.lastSchoolAddress) != nil {
            throw APIError.invalid("last_school.name", "is required when the school last attended is given")
        }
        let yotName = Self.optional(f.yotName) ?? "", yotContact = Self.optional(f.yotContact) ?? ""
        let away = temporary
        _ = try await req.store.updateRegisterDetails(schoolID: u.schoolID, upn: p.upn, { r in
            r.lastSchool = lastSchool; r.firstExpectedDay = first; r.temporaryAddress = away
            r.characteristics.youthOffendingWorkerName = yotName; r.characteristics.youthOffendingWorkerContact = yotContact
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
    }

    func deletePupil(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.manageRoll)
        let p = try await pupil(req, u)
        let f = try req.content.decode(DeletionForm.self)
        guard let ground = DeletionGround(rawValue: f.ground) else {
            throw APIError.invalid("ground", "'\(f.ground)' must be one of \(DeletionGround.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let day = try parseDate(f.leavingDay, field: "leaving_day")
        var enquiries: EnquiriesConfirmation?
        if ground.needsEnquiries, let s = Self.optional(f.schoolCompletedOn), let l = Self.optional(f.laCompletedOn) {
            enquiries = EnquiriesConfirmation(schoolCompletedOn: try parseDate(s, field: "enquiries.school_completed_on"),
                                              laCompletedOn: try parseDate(l, field: "enquiries.la_completed_on"),
                                              laConfirmedBy: Self.optional(f.laConfirmedBy) ?? "", note: Self.optional(f.note) ?? "")
        }
        let told = try await Self.delete(req, user: u, pupil: p, ground: ground, leavingDay: day, enquiries: enquiries)
        req.session.data["flash"] = "\(p.displayName) is deleted from the roll from \(day)."
            + (told.isEmpty ? "" : " Queued a message to \(told.joined(separator: " and ")).")
        return req.redirect(to: "/pupils/\(p.upn)/register")
    }

    /// Deletes a pupil (the API's way and the page's), then queues a message to the social worker and the youth
    /// offending team worker where recorded. Returns who is told.
    static func delete(_ req: Request, user u: StaffUser, pupil p: PupilRow, ground: DeletionGround, leavingDay: LocalDate,
                       enquiries: EnquiriesConfirmation?) async throws -> [String] {
        let now = req.clock.now()
        let row: PupilRow
        do {
            row = try await req.store.deleteFromRoll(schoolID: u.schoolID, upn: p.upn, ground: ground, leavingDay: leavingDay, enquiries: enquiries,
                                                     today: now.date, by: u.actor, at: now.timestamp)
        } catch DeletionRefused.alreadyDeleted(let why) {
            throw APIError(.conflict, field: "upn", reason: why)
        }
        let school = try await req.store.school(u.schoolID).name
        return try await queueDeletionNotices(store: req.store, pupil: row, ground: ground, leavingDay: leavingDay, enquiries: enquiries,
                                              school: school, at: now.instant)
    }

    /// Messages about a deletion to the pupil's social worker and youth offending team worker, where recorded: email
    /// when the contact is an email address, else SMS. Returns who is told.
    static func queueDeletionNotices(store: Store, pupil p: PupilRow, ground: DeletionGround, leavingDay: LocalDate,
                                     enquiries: EnquiriesConfirmation?, school: String, at now: Date) async throws -> [String] {
        let c = p.characteristics
        let (subject, body) = LANotice.deletionMessage(p.record(), ground: ground, leavingDay: leavingDay, school: school, enquiries: enquiries)
        var rows: [OutboxRow] = []
        var told: [String] = []
        for (role, name, contact) in [("social_worker", c.socialWorkerName, c.socialWorkerContact),
                                      ("yot_worker", c.youthOffendingWorkerName, c.youthOffendingWorkerContact)] {
            guard let (channel, address) = route(contact) else { continue }
            let who = role == "social_worker" ? "the social worker" : "the youth offending team worker"
            rows.append(OutboxRow(schoolID: p.schoolID, pupilID: p.id!, template: .deletionNotice, channel: channel,
                                  recipient: address, recipientName: name.isEmpty ? who : name, subject: subject, body: body,
                                  dedupeKey: "deletion:\(p.id!):\(leavingDay.iso):\(role)", about: "deletion:\(leavingDay.iso)", at: now))
            told.append(name.isEmpty ? who : "\(name) (\(who.dropFirst(4)))")
        }
        try await store.enqueue(rows)
        return told
    }

    /// Where a recorded contact ("07700 900123, sam@example.org", an email or a number) is reached: its email
    /// address if it has one, else its number by SMS; nil when it has neither.
    static func route(_ contact: String) -> (channel: String, address: String)? {
        let parts = contact.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == " " }).map(String.init)
        if let e = parts.first(where: { $0.contains("@") }) { return ("email", e) }
        let digits = contact.filter { $0.isNumber || $0 == "+" }
        return digits.count >= 10 ? ("sms", contact.trimmingCharacters(in: .whitespaces)) : nil
    }

    // MARK: Contacts to chase

    struct ChaseLine: Content { var upn, name, form, yearGroup: String; var contacts: Int; var missing: [String] }
    struct ChaseContent: Content { var minimumContacts: Int; var clause: String; var pupils: [ChaseLine]; var on: String }

    func chase(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        guard Self.chaseRoles.contains(u.role) else {
            throw APIError(.forbidden, field: nil, reason: "contacts to chase are for the office, the attendance lead, the head and form teachers")
        }
        let today = req.clock.now().date
        let policy = try await req.store.policy(schoolID: u.schoolID, on: today)
        let rows = try await req.store.pupils(schoolID: u.schoolID, filter: u.scoped(PupilFilter()))
        let contacts = try await req.store.registerContacts(schoolID: u.schoolID)
        let lines = AdmissionRules.contactsToChase(rows.map { $0.record(contacts: contacts[$0.id!] ?? []) }, minimum: policy.minimumContacts, on: today)
            .map { ChaseLine(upn: $0.upn, name: $0.name, form: $0.form, yearGroup: $0.yearGroup, contacts: $0.contacts, missing: $0.missing) }
        let content = ChaseContent(minimumContacts: policy.minimumContacts, clause: policy.clause("admission_register.minimum_contacts"),
                                   pupils: lines, on: today.iso)
        if req.query[String.self, at: "format"] == "json" { return try await content.encodeResponse(for: req) }
        return try await req.render("Pupils/contacts-to-chase", title: "Contacts to chase", content).encodeResponse(for: req)
    }

    // MARK: Telling the LA

    struct NoticeForm: Content {
        var upn: String
        /// `new_pupil` or `deletion`.
        var event: String
        /// `outbox` or `by_hand`.
        var method: String
        /// By hand: how the LA was told (e.g. "LA portal").
        var note: String?
        /// By hand: the day told (default today).
        var toldOn: String?
        var back: String?
    }

    func tellLA(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        guard Self.noticeRoles.contains(u.role) else {
            throw APIError(.forbidden, field: nil, reason: "the head and the attendance lead record what the school tells the LA")
        }
        let f = try req.content.decode(NoticeForm.self)
        guard let event = LANoticeEvent(rawValue: f.event) else { throw APIError.invalid("event", "'\(f.event)' must be new_pupil or deletion") }
        guard let method = LANoticeMethod(rawValue: f.method) else { throw APIError.invalid("method", "'\(f.method)' must be outbox or by_hand") }
        guard let p = try await req.store.pupil(schoolID: u.schoolID, upn: f.upn) else { throw APIError(.notFound, field: "upn", reason: "no pupil with UPN '\(f.upn)'") }
        if event == .deletion, p.leavingDay == nil { throw APIError.invalid("event", "\(p.upn) has not been deleted from the roll") }
        let now = req.clock.now()
        var day = now.date
        var detail = Self.optional(f.note) ?? ""
        var message: OutboxRow?
        switch method {
        case .outbox:
            let policy = try await req.store.policy(schoolID: u.schoolID, on: now.date)
            guard let la = policy.localAuthority else {
                throw APIError.invalid("method", "the policy has no local_authority.email to send to; set it, or mark the LA as told by hand")
            }
            let school = try await req.store.school(u.schoolID).name
            let record = p.record(contacts: try await req.store.contacts(pupilID: p.id!))
            let (subject, body): (String, String)
            if event == .newPupil {
                (subject, body) = LANotice.newPupilMessage(record, school: school)
            } else {
                let e = try await req.store.deletionEnquiries(pupilID: p.id!)?.confirmation
                (subject, body) = LANotice.deletionMessage(record, ground: record.deletionGround, leavingDay: record.leavingDay!,
                                                           school: school, enquiries: e)
            }
            message = OutboxRow(schoolID: u.schoolID, pupilID: p.id!, template: .laNotice, channel: "email", recipient: la.email,
                                recipientName: la.name ?? "Local authority", subject: subject, body: body,
                                dedupeKey: "la_notice:\(p.id!):\(event.rawValue)", about: "la:\(event.rawValue)", at: now.instant)
            detail = la.email
        case .byHand:
            if let d = Self.optional(f.toldOn) {
                day = try parseDate(d, field: "told_on")
                guard day <= now.date else { throw APIError.invalid("told_on", "\(day) is in the future") }
            }
            if detail.isEmpty { detail = "told by hand" }
        }
        let saved = try await req.store.recordLANotice(schoolID: u.schoolID, pupilID: p.id!, event: event, method: method, on: day, detail: detail,
                                                       message: message, by: u.actor, at: now.timestamp)
        let what = event == .newPupil ? "new pupil" : "deletion"
        req.session.data["flash"] = saved == nil ? "The LA had already been told of \(p.displayName)'s \(what)."
            : method == .outbox ? "Queued a notice of \(p.displayName)'s \(what) to \(detail)." : "Recorded: the LA was told of \(p.displayName)'s \(what) on \(day)."
        let back = Self.optional(f.back).flatMap { $0.hasPrefix("/la-returns") ? $0 : nil } ?? "/la-returns"
        return req.redirect(to: back)
    }
}
