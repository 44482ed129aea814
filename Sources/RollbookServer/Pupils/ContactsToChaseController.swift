import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/contacts-to-chase`: pupils with fewer emergency contacts on the admission register than the school asks for.
struct ContactsToChaseController {
    /// Who sees the contacts to chase: those, and teachers for their own forms.
    static let chaseRoles: [Role] = [.teacher, .office, .attendanceLead, .head]

    struct ChaseLine: Content {
        var upn, name, form, yearGroup: String
        var contacts: Int
        var missing: [String]
    }
    struct ChaseContent: Content {
        var minimumContacts: Int
        var clause: String
        var pupils: [ChaseLine]
        var on: String
    }

    func chase(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        guard Self.chaseRoles.contains(u.role) else {
            throw APIError(
                .forbidden, field: nil, reason: "contacts to chase are for the office, the attendance lead, the head and form teachers")
        }
        let today = req.clock.now().date
        let policy = try await req.store.policy(schoolID: u.schoolID, on: today)
        let rows = try await req.store.pupils(schoolID: u.schoolID, filter: u.scoped(PupilFilter()))
        let contacts = try await req.store.registerContacts(schoolID: u.schoolID)
        let lines = AdmissionRules.contactsToChase(
            rows.map { $0.record(contacts: contacts[$0.id!] ?? []) }, minimum: policy.minimumContacts, on: today
        )
        .map { ChaseLine(upn: $0.upn, name: $0.name, form: $0.form, yearGroup: $0.yearGroup, contacts: $0.contacts, missing: $0.missing) }
        let content = ChaseContent(
            minimumContacts: policy.minimumContacts, clause: policy.clause("admission_register.minimum_contacts"),
            pupils: lines, on: today.iso)
        if req.query[String.self, at: "format"] == "json" { return try await content.encodeResponse(for: req) }
        return try await req.render("Pupils/contacts-to-chase", title: "Contacts to chase", content).encodeResponse(for: req)
    }
}
