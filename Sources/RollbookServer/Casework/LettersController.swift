import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// The school's letters, by the policy's letter ids: read and edited by the attendance lead and head, previewed on a
/// real pupil. A school's own version replaces the built-in one; removing it brings the built-in one back.
struct LettersController {
    struct Row: Encodable {
        var id, title: String
        var usedBy: String?
        var own: Bool
        var saved: String?
    }
    struct ListContent: Encodable {
        var policy: [Row]
        var general: [Row]
        var flash: String?
    }

    /// Where the policy uses a letter id, in words.
    static func uses(_ policy: Policy) -> [String: String] {
        var out: [String: String] = [:]
        for s in policy.stages { if let l = s.letter { out[l, default: ""] += (out[l] == nil ? "" : "; ") + s.name } }
        for r in policy.lateness { if let l = r.letter { out[l, default: ""] += (out[l] == nil ? "" : "; ") + r.name } }
        for r in policy.illnessEvidence { if let l = r.letter { out[l, default: ""] += (out[l] == nil ? "" : "; ") + r.name } }
        return out
    }

    func list(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let policy = try await req.store.policy(schoolID: u.schoolID, on: req.clock.now().date)
        let own = try await req.store.letterTemplates(schoolID: u.schoolID)
        let uses = Self.uses(policy)
        func row(_ id: String) -> Row {
            Row(
                id: id, title: Letters.title(id), usedBy: uses[id], own: own[id] != nil,
                saved: own[id].map { "\($0.savedByName), \($0.savedByPosition), \($0.savedAt.prefix(10))" })
        }
        let named = LetterTemplate.letterIDs(in: policy)
        let general = LetterTemplate.builtIns.map(\.id).filter { !named.contains($0) }
        let flash = req.session.data["flash"]
        req.session.data["flash"] = nil
        return try await req.render(
            "Casework/letters", title: "Letters",
            ListContent(policy: named.map(row), general: general.map(row), flash: flash))
    }

    struct FieldInfo: Encodable { var name, meaning: String }
    struct PupilOption: Encodable {
        var upn, name: String
        var selected: Bool
    }
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
        var subject: String?
        var body: String?
        var upn: String?
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
        return try await page(
            req, u, id: id, policy: policy, own: own, draft: t, upn: req.query[String.self, at: "upn"], error: nil, flash: flash)
    }

    func save(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let id = req.parameters.get("id") ?? ""
        let (policy, own) = try await known(req, u, id)
        let form = try req.content.decode(Form.self)
        let back =
            "/letters/\(id)" + (form.upn.map { "?upn=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" } ?? "")
        if form.action == "reset" {
            try await req.store.removeLetterTemplate(schoolID: u.schoolID, letterID: id)
            req.session.data["flash"] = "The school's version of '\(id)' is removed: the built-in letter is used."
            return req.redirect(to: back)
        }
        let draft = LetterTemplate(subject: form.subject ?? "", body: (form.body ?? "").replacingOccurrences(of: "\r\n", with: "\n"))
        do {
            try draft.validate()
        } catch {
            let r = try await page(
                req, u, id: id, policy: policy, own: own, draft: draft, upn: form.upn, error: error.description, flash: nil
            )
            .encodeResponse(for: req)
            r.status = .unprocessableEntity
            return r
        }
        if form.action == "preview" {
            return try await page(req, u, id: id, policy: policy, own: own, draft: draft, upn: form.upn, error: nil, flash: nil)
                .encodeResponse(for: req)
        }
        try await req.store.saveLetterTemplate(schoolID: u.schoolID, letterID: id, draft, by: u.actor, at: req.clock.now().timestamp)
        req.session.data["flash"] = "Letter '\(id)' saved: it is used from now on."
        return req.redirect(to: back)
    }

    /// The editing page with the draft previewed on a pupil on roll (the one chosen, else the first with this letter
    /// due, else the first), with the figures of a due action that uses this letter when the pupil has one.
    func page(
        _ req: Request, _ u: StaffUser, id: String, policy: Policy, own: LetterTemplateRow?, draft: LetterTemplate, upn: String?,
        error: String?, flash: String?
    ) async throws -> View {
        let today = req.clock.now().date
        let pupils = try await req.store.listings(
            schoolID: u.schoolID, filter: u.scoped(PupilFilter(onRollDuring: DateRange(from: today, to: today))))
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
            preview =
                Letter(subject: subject, body: body, school: values[.school] ?? "", date: values[.date] ?? "", to: values[.parents] ?? "")
                .html
            try await SensitiveAccessLog.actions(req, user: u, a.map { [$0] } ?? [])
        }
        return try await req.render(
            "Casework/letter-edit", title: "Letter: \(Letters.title(id))",
            EditContent(
                id: id, title: Letters.title(id), usedBy: Self.uses(policy)[id], subject: draft.subject, body: draft.body, own: own != nil,
                saved: own.map { "\($0.savedByName), \($0.savedByPosition), \($0.savedAt.prefix(10))" },
                fields: LetterTemplate.Field.allCases.map { FieldInfo(name: "{\($0.rawValue)}", meaning: $0.meaning) },
                pupils: pupils.map { PupilOption(upn: $0.upn, name: "\($0.displayName) (\($0.form))", selected: $0.upn == chosen?.upn) },
                preview: preview, previewName: chosen?.displayName, error: error, flash: flash))
    }
}
