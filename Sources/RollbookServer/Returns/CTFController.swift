import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Common Transfer Files (docs/ctf.md): a pupil's CTF to download (office, attendance lead, head), and admitting
/// pupils from another school's CTF with their attendance history (attendance lead, head). The same in the API.
struct CTFController {
    /// The largest CTF accepted: a whole class with several years each is well under this.
    static let maxFile = 8 * 1024 * 1024

    static func requireExport(_ u: StaffUser) throws {
        guard u.mayExportCTF else {
            throw APIError(
                .forbidden, field: nil,
                reason:
                    "a \(u.role.title.lowercased()) may not export a Common Transfer File; office staff, the attendance lead and the head may"
            )
        }
    }

    // MARK: Export

    func download(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireExport(u)
        let upn = req.parameters.get("upn") ?? ""
        let now = req.clock.now()
        let doc: CTFDocument
        do {
            doc = try await req.store.ctfExport(
                schoolID: u.schoolID, upn: upn, asOf: now.date, dateTime: "\(now.date.iso)T\(now.time.padded):00")
        } catch StoreError.notFound(let s) {
            throw APIError(.notFound, field: "upn", reason: s)
        }
        let s = doc.header.source
        return Response(
            status: .ok,
            headers: [
                "Content-Type": "application/xml; charset=utf-8",
                "Content-Disposition": "attachment; filename=\"\(s.la)\(s.estab)_CTF_MMMMMMM_\(upn).xml\"",
            ],
            body: .init(string: doc.xml))
    }

    // MARK: Import

    struct ImportResult: Content {
        var admitted: [String]
        var attendanceYears: Int
        /// What was accepted but changed, each naming its element.
        var warnings: [CTFWarning]
    }

    /// `POST /api/v1/ctf`: the body is the file; `starting_day` (default today) and `form` are query parameters.
    func importAPI(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.manageRoll)
        let starting =
            try req.query[String.self, at: "starting_day"].map { try parseDate($0, field: "starting_day") } ?? req.clock.now().date
        let form = req.query[String.self, at: "form"] ?? ""
        guard let body = req.body.data, body.readableBytes > 0 else {
            throw APIError.invalid("body", "send the CTF (XML) as the request body")
        }
        let summary = try await Self.importFile(
            req, user: u, text: String(decoding: Data(buffer: body), as: UTF8.self), startingDay: starting, form: form)
        let r = Response(status: .created)
        try r.content.encode(ImportResult(admitted: summary.admitted, attendanceYears: summary.years, warnings: summary.warnings))
        return r
    }

    static func importFile(_ req: Request, user u: StaffUser, text: String, startingDay: LocalDate, form: String) async throws
        -> CTFImportSummary
    {
        let doc = try CTFDocument.parse(text)
        return try await req.store.ctfImport(schoolID: u.schoolID, doc, startingDay: startingDay, form: form, at: req.clock.now().timestamp)
    }

    // MARK: The page

    struct PageContent: Encodable {
        var la: String
        var estab: String
        var numbersSet: Bool
        var today: String
        var forms: [String]
        var flash: String?
        var error: String?
        /// The last import's warnings, "element: reason".
        var warnings: [String]
    }

    func page(req: Request) async throws -> View {
        try await render(req, error: nil)
    }

    func render(_ req: Request, error: String?) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.manageRoll)
        let here = try await req.store.ctfSchool(schoolID: u.schoolID)
        let forms = Set(try await req.store.listings(schoolID: u.schoolID).map(\.form)).filter { !$0.isEmpty }.sorted(by: formOrder)
        let flash = req.session.data["flash"]
        req.session.data["flash"] = nil
        let warnings = (req.session.data["ctf_warnings"] ?? "").split(separator: "\n").map(String.init)
        req.session.data["ctf_warnings"] = nil
        return try await req.render(
            "Returns/ctf-import", title: "Common Transfer Files",
            PageContent(
                la: here?.la ?? "", estab: here?.estab ?? "", numbersSet: here != nil, today: req.clock.now().date.iso, forms: forms,
                flash: flash, error: error, warnings: warnings))
    }

    struct Upload: Codable {
        var file: File?
        var startingDay: String?
        var form: String?
    }

    func upload(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.manageRoll)
        let form = try? req.content.decode(Upload.self)
        guard let f = form?.file, f.data.readableBytes > 0 else { return try await failed(req, "file: choose a CTF file (XML) to import") }
        guard f.data.readableBytes <= Self.maxFile else { return try await failed(req, "file: the file is larger than 8 MB") }
        let startingText = form?.startingDay ?? ""
        guard let starting = startingText.isEmpty ? req.clock.now().date : LocalDate(iso: startingText) else {
            return try await failed(req, "starting_day: '\(startingText)' is not a date in the form YYYY-MM-DD")
        }
        let summary: CTFImportSummary
        do {
            summary = try await Self.importFile(
                req, user: u, text: String(decoding: Data(buffer: f.data), as: UTF8.self), startingDay: starting,
                form: form?.form ?? "")
        } catch let e as ValidationError {
            return try await failed(req, "\(e.field): \(e.reason)")
        } catch let e as StoreError {
            return try await failed(req, e.description)
        }
        let names = summary.admitted.joined(separator: ", ")
        req.session.data["flash"] =
            "Admitted \(summary.admitted.count) pupil\(summary.admitted.count == 1 ? "" : "s") (\(names)) from \(starting), with \(summary.years) year\(summary.years == 1 ? "" : "s") of attendance at previous schools."
        // With warnings, the CTF page shows them; otherwise a single pupil's page.
        guard summary.warnings.isEmpty else {
            req.session.data["ctf_warnings"] = summary.warnings.map { "\($0.field): \($0.reason)" }.joined(separator: "\n")
            return req.redirect(to: "/ctf")
        }
        return req.redirect(to: summary.admitted.count == 1 ? "/pupils/\(summary.admitted[0])" : "/ctf")
    }

    struct Numbers: Codable {
        var la: String?
        var estab: String?
    }

    func saveNumbers(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.manageRoll)
        let n = try req.content.decode(Numbers.self)
        let la = (n.la ?? "").trimmingCharacters(in: .whitespaces)
        let estab = (n.estab ?? "").trimmingCharacters(in: .whitespaces)
        do { try await req.store.setCTFNumbers(schoolID: u.schoolID, la: la, estab: estab) } catch let e as StoreError {
            return try await failed(
                req,
                e.description.replacingOccurrences(of: "school/LEA", with: "la").replacingOccurrences(of: "school/Estab", with: "estab"))
        }
        req.session.data["flash"] = "The school's LA number is \(la) and its establishment number \(estab)."
        return req.redirect(to: "/ctf")
    }

    func failed(_ req: Request, _ message: String) async throws -> Response {
        let r = try await render(req, error: "\(message). Nothing was changed.").encodeResponse(for: req)
        r.status = .unprocessableEntity
        return r
    }
}

extension StaffUser {
    /// Who may send a pupil's record to another school.
    var mayExportCTF: Bool { [.office, .attendanceLead, .head].contains(role) }
}
