import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// The school's letters, by the policy's letter ids: read and edited by the attendance lead and head, previewed on a
/// real pupil. A school's own version replaces the built-in one; removing it brings the built-in one back.
struct LettersController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.grouped(SessionAuthenticator(), CSRFMiddleware(), StaffUser.redirectMiddleware(path: "/"))
        staff.get("letters", use: list)
        staff.get("letters", ":id", use: edit)
        staff.post("letters", ":id", use: save)
    }

    struct Row: Encodable { var id, title: String; var usedBy: String?; var own: Bool; var saved: String? }
    struct ListContent: Encodable { var policy: [Row]; var general: [Row]; var flash: String? }

    /// Where the policy uses a letter id, in words.
    static func uses(_ policy: Policy) -> [String: String] {
        var out: [String: String] = [:]
        for s in policy.stages { if let l = s.letter { out[l, default: ""] += (out[l] == nil ? "" : "; ") + s.name } }
        for r in policy.lateness { if let l = r.letter { out[l, default: ""] += (out[l] == nil ? "" : "; ") + r.name } }
        for r in policy.illnessEvidence { if let l = r.letter { out[l, default: ""] += (out[l] == nil ? "" : "; ") + r.name } }
        return out
    }

    static func title(_ id: String) -> String {
        LetterTemplate.builtIn(id)?.title ?? id.replacingOccurrences(of: "-", with: " ").capitalized
    }

    func list(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let policy = try await req.store.policy(schoolID: u.schoolID, on: req.clock.now().date)
        let own = try await req.store.letterTemplates(schoolID: u.schoolID)
        let uses = Self.uses(policy)
        func row(_ id: String) -> Row {
            Row(id: id, title: Self.title(id), usedBy: uses[id], own: own[id] != nil,
                saved: own[id].map { "\($0.savedByName), \($0.savedByPosition), \($0.savedAt.prefix(10))" })
        }
        let named = LetterTemplate.letterIDs(in: policy)
        let general = LetterTemplate.builtIns.map(\.id).filter { !named.contains($0) }
        let flash = req.session.data["flash"]
        req.session.data["flash"] = nil
        return try await PageController().render(req, "Casework/letters", title: "Letters",
                                                 ListContent(policy: named.map(row), general: general.map(row), flash: flash))
    }

    struct FieldInfo: Encodable { var name, meaning: String }
    struct PupilOption: Encodable { var upn, name: String; var selected: Bool }
    struct EditContent: Encodable {
        var id, title: String
        var usedBy: String?
        var subject, body: String
        var own: Bool
        var saved: String?
        var fields: [FieldInfo]
        var pupils: [PupilOption]
        var preview: String?
        var previewName: String?
        var error: String?
        var flash: String?
    }

    struct Form: Content {
        var subject: String?; var body: String?; var upn: String?
        /// `save`, `preview` or `reset`.
        var action: String?
    }

    /// A letter id the school may edit: one its policy names, a built-in one, or one it has saved.
    func known(_ req: Request, _ u: StaffUser, _ id: String) async throws -> (Policy, LetterTemplateRow?) {
        let policy = try await req.store.policy(schoolID: u.schoolID, on: req.clock.now().date)
        let own = try await req.store.letterTemplate(schoolID: u.schoolID, letterID: id)
        guard own != nil || LetterTemplate.builtIn(id) != nil || LetterTemplate.letterIDs(in: policy).contains(id) else {
            throw Abort(.notFound, reason: "No letter '\(id)'.")
        }
        return (policy, own)
    }

    func edit(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let id = req.parameters.get("id") ?? ""
        let (policy, own) = try await known(req, u, id)
        let t = own?.template ?? LetterTemplate.builtIn(id)?.template ?? LetterTemplate(subject: "", body: "")
        let flash = req.session.data["flash"]
        req.session.data["flash"] = nil
        return try await page(req, u, id: id, policy: policy, own: own, draft: t, upn: req.query[String.self, at: "upn"], error: nil, flash: flash)
    }

    func save(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let id = req.parameters.get("id") ?? ""
        let (policy, own) = try await known(req, u, id)
        let form = try req.content.decode(Form.self)
        let back = "/letters/\(id)" + (form.upn.map { "?upn=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" } ?? "")
        if form.action == "reset" {
            try await req.store.removeLetterTemplate(schoolID: u.schoolID, letterID: id)
            req.session.data["flash"] = "The school's version of '\(id)' is removed: the built-in letter is used."
            return req.redirect(to: back)
        }
        let draft = LetterTemplate(subject: form.subject ?? "", body: (form.body ?? "").replacingOccurrences(of: "\r\n", with: "\n"))
        do {
            try draft.validate()
        } catch {
            let r = try await page(req, u, id: id, policy: policy, own: own, draft: draft, upn: form.upn, error: error.description, flash: nil)
                .encodeResponse(for: req)
            r.status = .unprocessableEntity
            return r
        }
        if form.action == "preview" {
            return try await page(req, u, id: id, policy: policy, own: own, draft: draft, upn: form.upn, error: nil, flash: nil).encodeResponse(for: req)
        }
        try await req.store.saveLetterTemplate(schoolID: u.schoolID, letterID: id, draft, by: u.actor, at: req.clock.now().timestamp)
        req.session.data["flash"] = "Letter '\(id)' saved: it is used from now on."
        return req.redirect(to: back)
    }

    /// The editing page with the draft previewed on a pupil on roll (the one chosen, else the first with this letter
    /// due, else the first), with the figures of a due action that uses this letter when the pupil has one.
    func page(_ req: Request, _ u: StaffUser, id: String, policy: Policy, own: LetterTemplateRow?, draft: LetterTemplate, upn: String?,
              error: String?, flash: String?) async throws -> View {
        let today = req.clock.now().date
        let pupils = try await req.store.listings(schoolID: u.schoolID, filter: u.scoped(PupilFilter(onRollDuring: DateRange(from: today, to: today))))
        var due: String?
        if upn == nil {
            due = try await req.store.evaluate(schoolID: u.schoolID, asOf: today).actions
                .first { LetterTemplate.letterID(for: $0, policy: policy) == id }?.upn
        }
        let chosen = pupils.first { $0.upn == (upn ?? due) } ?? pupils.first
        var preview: String?
        if error == nil, let chosen, let p = try await req.store.pupil(schoolID: u.schoolID, upn: chosen.upn) {
            let (_, actions) = try await req.store.evaluate(schoolID: u.schoolID, asOf: today, upns: [p.upn])
            let a = actions.first { LetterTemplate.letterID(for: $0, policy: policy) == id }
            var values = try await Letters.values(req, u, pupil: p, action: a, policy: policy, date: today)
            // Figures only an action gives are shown as their field's name when the pupil has no such action.
            for f in LetterTemplate.Field.allCases where values[f] == nil { values[f] = "[\(f.rawValue)]" }
            let (subject, body) = try draft.merge(values)
            preview = Letter(subject: subject, body: body, school: values[.school] ?? "", date: values[.date] ?? "", to: values[.parents] ?? "").html
            try await SensitiveAccessLog.actions(req, user: u, a.map { [$0] } ?? [])
        }
        return try await PageController().render(req, "Casework/letter-edit", title: "Letter: \(Self.title(id))", EditContent(
            id: id, title: Self.title(id), usedBy: Self.uses(policy)[id], subject: draft.subject, body: draft.body, own: own != nil,
            saved: own.map { "\($0.savedByName), \($0.savedByPosition), \($0.savedAt.prefix(10))" },
            fields: LetterTemplate.Field.allCases.map { FieldInfo(name: "{\($0.rawValue)}", meaning: $0.meaning) },
            pupils: pupils.map { PupilOption(upn: $0.upn, name: "\($0.displayName) (\($0.form))", selected: $0.upn == chosen?.upn) },
            preview: preview, previewName: chosen?.displayName, error: error, flash: flash))
    }
}

// MARK: - Sending a letter from the worklist

extension CaseworkController {
    /// A letter as the sender sends it, and how.
    struct SentLetter {
        var id: String
        var letter: Letter
        var email: Bool
        var post: Bool
        /// For the casework entry, which staff read.
        var summary: String {
            "Letter '\(id)' sent by \([email ? "email" : nil, post ? "post" : nil].compactMap { $0 }.joined(separator: " and "))."
        }
    }

    static func draftPath(_ form: Decision) -> String {
        func q(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }
        return "/worklist/letter?key=\(q(form.key))&upn=\(q(form.upn))" + (form.back == "pupil" ? "&back=pupil" : "")
            + (form.note.map { "&note=\(q($0))" } ?? "")
    }

    struct DraftContent: Encodable {
        var key, upn, name, kind, reason, letterID, title, subject, body: String
        var back: String?
        var note: String?
        var email: Bool
        var recipients: [String]
        var preview: String
    }

    /// The letter for a due action, merged for the pupil, in a form the sender may edit before sending.
    func draft(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        guard let key = req.query[String.self, at: "key"] else { throw APIError.invalid("key", "choose an action on the worklist") }
        let (policy, a, p) = try await proposed(req, u, key: key)
        guard Self.sendsLetter(a) else { throw APIError.invalid("key", "this action sends no letter") }
        let today = req.clock.now().date
        let (id, template) = try await Letters.resolve(req.store, schoolID: u.schoolID, action: a, policy: policy)
        let values = try await Letters.values(req, u, pupil: p, action: a, policy: policy, date: today)
        let (subject, body) = try template.merge(values)
        let letter = Letter(subject: subject, body: body, school: values[.school] ?? "", date: values[.date] ?? "", to: values[.parents] ?? "")
        let recipients = try await req.store.contacts(pupilID: p.id!).filter { $0.parentalResponsibility && !$0.email.isEmpty }.map { "\($0.name) <\($0.email)>" }
        try await SensitiveAccessLog.actions(req, user: u, [a])
        return try await PageController().render(req, "Casework/worklist-letter", title: "Letter for \(p.displayName)", DraftContent(
            key: a.key, upn: p.upn, name: p.displayName, kind: Self.title(a.kind), reason: a.reason, letterID: id,
            title: LettersController.title(id), subject: subject, body: body, back: req.query[String.self, at: "back"],
            note: req.query[String.self, at: "note"], email: !recipients.isEmpty, recipients: recipients, preview: letter.html))
    }

    /// The letter exactly as the sender sent it: their subject and body, with the school, date and parents.
    func sentLetter(_ req: Request, _ form: Decision, _ a: DueAction, pupil p: PupilRow, policy: Policy, date: LocalDate) async throws -> SentLetter {
        let subject = (form.subject ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let body = (form.body ?? "").replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !subject.isEmpty, !subject.contains("\n") else { throw APIError.invalid("subject", "give the letter a subject on one line") }
        guard !body.isEmpty else { throw APIError.invalid("body", "the letter is empty") }
        let (email, post): (Bool, Bool) = switch form.channel ?? "email" {
        case "email": (true, false)
        case "post": (false, true)
        case "both": (true, true)
        default: throw APIError.invalid("channel", "send the letter by email, by post or both")
        }
        let contacts = try await req.store.contacts(pupilID: p.id!)
        if email, !contacts.contains(where: { $0.parentalResponsibility && !$0.email.isEmpty }) {
            throw APIError.invalid("channel", "no parent with parental responsibility has an email address: send the letter by post")
        }
        let school = try await req.store.school(p.schoolID).name
        let id = try await Letters.resolve(req.store, schoolID: p.schoolID, action: a, policy: policy).id
        return SentLetter(id: id, letter: Letter(subject: subject, body: body, school: school, date: PupilYearGrid.longDate(date),
                                                 to: Letters.addressee(contacts, pupil: p)), email: email, post: post)
    }
}
