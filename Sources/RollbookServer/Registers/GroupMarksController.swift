import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/group-marks` (the office's page) and `POST /api/v1/group-marks`: a trip, a fixture, study leave or an enforced
/// closure for many pupils and sessions in one step, previewed before it is written. Office, attendance lead and head.
struct GroupMarksController {
    // MARK: API

    func api(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let r = try await GroupMarks.run(try req.content.decode(GroupMarksRequest.self), req: req, user: u)
        let resp = try await r.encodeResponse(for: req)
        resp.status = r.preview ? .ok : .created
        return resp
    }

    struct BatchDTO: Content {
        var id: Int
        var code: String
        var reason: String
        var from: String
        var to: String
        var sessions: String
        var scope: String
        var pupils: Int
        var written: Int
        var amended: Int
        var kept: Int
        var createdBy: String
        var createdAt: String
    }

    struct BatchesDTO: Content {
        var batches: [BatchDTO]
    }

    /// The school's last 20 group markings, newest first.
    func listAPI(req: Request) async throws -> BatchesDTO {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        return BatchesDTO(
            batches: try await req.store.groupMarkBatches(schoolID: u.schoolID).map { b in
                BatchDTO(
                    id: b.id ?? 0, code: b.code, reason: b.reason, from: b.firstDay, to: b.lastDay, sessions: b.sessions, scope: b.scope,
                    pupils: b.pupils, written: b.written, amended: b.amended, kept: b.kept, createdBy: b.createdBy, createdAt: b.createdAt)
            })
    }

    // MARK: Page

    /// The page's form: one field per choice, as typed.
    struct PageForm: Content {
        /// `list`, `form`, `year` or `school`.
        var who: String?
        var upns: String?
        var form: String?
        var yearGroups: [String]?
        var from: String?
        var to: String?
        var sessions: String?
        var code: String?
        var reason: String?
        var replaceExisting: String?
        /// `preview` or `confirm`.
        var action: String?
    }

    struct Batch: Encodable {
        var words: String
        var by: String
        var at: String
    }

    struct YearOption: Encodable {
        var year: String
        var checked: Bool
    }

    struct PageModel: Encodable {
        var flash: String?
        var error: String?
        var form: PageForm
        var forms: [String]
        var years: [YearOption]
        var codes: [CodeOption]
        var preview: GroupMarksDTO?
        /// What the confirm button writes, in words.
        var confirmWords: String?
        /// Marks the confirm button writes (new and replacing).
        var writes: Int
        var batches: [Batch]
    }

    static func model(_ req: Request, _ u: StaffUser, form f: PageForm, preview: GroupMarksDTO?, error: String?) async throws -> PageModel {
        let today = req.clock.now().date
        let listings = try await req.store.listings(
            schoolID: u.schoolID, filter: PupilFilter(onRollDuring: DateRange(from: today, to: today)))
        let forms = Set(listings.map(\.form)).filter { !$0.isEmpty }.sorted(by: formOrder)
        let years = YearGroup.all.filter { y in listings.contains { $0.yearGroup == y } }
        let allowed =
            try await req.store.policy(schoolID: u.schoolID, on: today).groupMarking?.codes?.compactMap(AttendanceCode.lookup)
            ?? GroupMarking.allowedCodes
        var form = f
        if form.from == nil { form.from = today.iso }
        if form.who == nil { form.who = "list" }
        let batches = try await req.store.groupMarkBatches(schoolID: u.schoolID).map { b in
            Batch(
                words:
                    "\(b.code) for \(b.scope), \(b.firstDay)\(b.lastDay == b.firstDay ? "" : " to \(b.lastDay)") (\(b.sessions)): \(b.reason). "
                    + "\(b.written) written, \(b.amended) amended, \(b.kept) kept.",
                by: b.createdBy, at: b.createdAt)
        }
        return PageModel(
            flash: req.takeFlash(), error: error, form: form, forms: forms,
            years: years.map { YearOption(year: $0, checked: f.yearGroups?.contains($0) ?? false) }, codes: allowed.map { CodeOption($0) },
            preview: preview,
            confirmWords: preview.map { p in
                "Write \(p.counts.write + p.counts.amend) mark\(p.counts.write + p.counts.amend == 1 ? "" : "s")"
            }, writes: preview.map { $0.counts.write + $0.counts.amend } ?? 0, batches: batches)
    }

    static func request(_ f: PageForm, preview: Bool) -> GroupMarksRequest {
        let who = f.who ?? "list"
        let upns = (f.upns ?? "").split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" || $0 == "\r" }).map(String.init)
        return GroupMarksRequest(
            upns: who == "list" ? upns : nil, form: who == "form" ? f.form : nil, yearGroups: who == "year" ? (f.yearGroups ?? []) : nil,
            wholeSchool: who == "school" ? true : nil, from: f.from ?? "", to: f.to, sessions: f.sessions, code: f.code ?? "",
            reason: f.reason ?? "", preview: preview, replaceExisting: f.replaceExisting == "on" || f.replaceExisting == "true")
    }

    func render(_ req: Request, _ m: PageModel, status: HTTPResponseStatus = .ok) async throws -> Response {
        let r = try await req.render("Registers/group-marks", title: "Mark a group", m).encodeResponse(for: req)
        r.status = status
        return r
    }

    func page(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        return try await render(req, try await Self.model(req, u, form: PageForm(), preview: nil, error: nil))
    }

    /// Preview shows what would be written (nothing is); confirm writes it and goes back to the page.
    func submit(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let f = try req.content.decode(PageForm.self)
        let confirm = f.action == "confirm"
        do {
            let r = try await GroupMarks.run(Self.request(f, preview: !confirm), req: req, user: u)
            if confirm {
                req.session.data["flash"] =
                    "\(r.code) for \(r.scope): \(r.counts.write) written, \(r.counts.amend) amended, \(r.counts.keep) kept, \(r.counts.unchanged) already \(r.code)."
                return req.redirect(to: "/group-marks")
            }
            return try await render(req, try await Self.model(req, u, form: f, preview: r, error: nil))
        } catch let e as APIError {
            let m = try await Self.model(
                req, u, form: f, preview: nil, error: "\(e.field.map { "\($0): " } ?? "")\(e.reason). Nothing was saved.")
            return try await render(req, m, status: e.status)
        } catch let e as ValidationError {
            let m = try await Self.model(req, u, form: f, preview: nil, error: "\(e.field): \(e.reason). Nothing was saved.")
            return try await render(req, m, status: .unprocessableEntity)
        }
    }
}
