import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// The guided import (issue 18): a school coming from another system uploads its pupils or marks CSV with the other
/// system's column names, maps them onto Rollbook's (the mapping is saved for next time), sees the first rows and
/// every error by row and column, then imports the whole file or nothing, with its progress on the page. Office
/// staff, the attendance lead, the head.
struct GuidedImportController {
    /// The largest file the page takes (a year of marks for a large primary is well under this; bigger files go
    /// through `rollbook import`).
    static let maxFile = 20 * 1024 * 1024
    /// The largest preview or import form: the file posted back as a field, URL-encoded (up to 3 bytes a byte).
    static let maxForm = 64 * 1024 * 1024

    struct Option: Encodable {
        var value: String
        var label: String
        var selected: Bool
    }
    struct Target: Encodable {
        var name: String
        var id: String
        var required: Bool
        var options: [Option]
    }
    struct ErrorLine: Encodable {
        var line: Int
        var column: String
        var reason: String
    }
    struct PageContent: Encodable {
        /// upload, map or preview.
        var step: String
        var kinds: [Option]
        var kind: String = ""
        var kindTitle: String = ""
        var fileName: String = ""
        var text: String = ""
        var targets: [Target] = []
        var savedMapping = false
        var previewHeader: [String] = []
        var previewRows: [[String]] = []
        var rowCount = 0
        var errors: [ErrorLine] = []
        var errorCount = 0
        var errorHeading = ""
        /// Rollbook's column (value) and the file's (label), as the import posts them back.
        var chosen: [Option] = []
        var canImport = false
        var flash: String?
        var error: String?
    }

    static func requireImport(_ u: StaffUser) throws {
        guard u.can(.amendMarks) else {
            throw APIError(
                .forbidden, field: nil,
                reason: "a \(u.role.title.lowercased()) may not import files; office staff, the attendance lead and the head may")
        }
    }

    static func kinds(_ selected: GuidedImport.Kind?) -> [Option] {
        GuidedImport.Kind.allCases.map { Option(value: $0.rawValue, label: $0.title, selected: $0 == selected) }
    }

    func page(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireImport(u)
        let flash = req.session.data["flash"]
        req.session.data["flash"] = nil
        return try await req.render(
            "Pupils/import", title: "Import from another system", PageContent(step: "upload", kinds: Self.kinds(nil), flash: flash))
    }

    struct Upload: Codable {
        var kind: String?
        var file: File?
    }

    /// Step 2: the file's columns against Rollbook's, mapped from the saved mapping or by name.
    func upload(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireImport(u)
        let form = try? req.content.decode(Upload.self)
        guard let kind = form?.kind.flatMap(GuidedImport.Kind.init(rawValue:)) else {
            return try await failed(req, "kind: choose pupils, contacts or marks")
        }
        guard let f = form?.file, f.data.readableBytes > 0 else { return try await failed(req, "file: choose a CSV file to import") }
        guard f.data.readableBytes <= Self.maxFile else {
            return try await failed(req, "file: the file is larger than 20 MB; import it with `rollbook import \(kind.rawValue)`")
        }
        guard let text = String(data: Data(buffer: f.data), encoding: .utf8) else {
            return try await failed(req, "file: \(f.filename) cannot be read as UTF-8 text")
        }
        let name = f.filename.isEmpty ? "upload.csv" : f.filename
        let source: GuidedImport.Source
        do { source = try GuidedImport.read(file: name, text: text) } catch { return try await failed(req, error.description) }
        let saved = try await req.store.importMapping(schoolID: u.schoolID, kind: kind)
        let mapping = GuidedImport.suggest(kind, header: source.header, saved: saved)
        var c = Self.mapped(kind: kind, name: name, text: text, source: source, mapping: mapping)
        c.step = "map"
        c.savedMapping = saved != nil
        return try await req.render("Pupils/import", title: "Import from another system", c).encodeResponse(for: req)
    }

    static func mapped(kind: GuidedImport.Kind, name: String, text: String, source: GuidedImport.Source, mapping: GuidedImport.Mapping)
        -> PageContent
    {
        let targets = kind.targets.map { t in
            Target(
                name: t, id: "map-\(t.replacingOccurrences(of: "_", with: "-"))", required: kind.required.contains(t),
                options: [Option(value: "", label: "Leave empty", selected: (mapping[t] ?? "").isEmpty)]
                    + source.header.map { Option(value: $0, label: $0, selected: mapping[t] == $0) })
        }
        return PageContent(
            step: "map", kinds: kinds(kind), kind: kind.rawValue, kindTitle: kind.title, fileName: name, text: text, targets: targets)
    }

    /// The mapping, kind, file name and text a preview or an import posts back.
    struct Mapped {
        var kind: GuidedImport.Kind
        var name: String
        var text: String
        var mapping: GuidedImport.Mapping
        var source: GuidedImport.Source
    }

    func mappedForm(_ req: Request) throws -> Mapped {
        let form = (try? req.content.decode([String: String].self)) ?? [:]
        guard let kind = form["kind"].flatMap(GuidedImport.Kind.init(rawValue:)) else {
            throw APIError.invalid("kind", "choose pupils, contacts or marks")
        }
        guard let text = form["text"], !text.isEmpty else { throw APIError.invalid("text", "upload the file again") }
        let name = form["fileName"].flatMap { $0.isEmpty ? nil : $0 } ?? "upload.csv"
        var mapping: GuidedImport.Mapping = [:]
        for t in kind.targets { if let v = form["map_\(t)"], !v.isEmpty { mapping[t] = v } }
        let source: GuidedImport.Source
        do { source = try GuidedImport.read(file: name, text: text) } catch { throw APIError.invalid("text", error.description) }
        return Mapped(kind: kind, name: name, text: text, mapping: mapping, source: source)
    }

    func previewContent(_ m: Mapped) -> (PageContent, GuidedImport.Preview) {
        let p = GuidedImport.preview(m.kind, source: m.source, mapping: m.mapping)
        var c = Self.mapped(kind: m.kind, name: m.name, text: m.text, source: m.source, mapping: m.mapping)
        c.step = "preview"
        c.previewHeader = p.header
        c.previewRows = p.firstRows
        c.rowCount = p.rowCount
        c.errors = p.errors.map { ErrorLine(line: $0.line, column: $0.column, reason: $0.reason) }
        c.errorCount = p.errors.count
        c.errorHeading =
            "\(p.errors.count) error\(p.errors.count == 1 ? "" : "s"): nothing can be imported until \(p.errors.count == 1 ? "it is" : "they are") put right"
        c.chosen = m.mapping.sorted { $0.key < $1.key }.map { Option(value: $0.key, label: $0.value, selected: true) }
        c.canImport = p.errors.isEmpty && p.rowCount > 0
        return (c, p)
    }

    /// Step 3: saves the mapping, then shows the first rows and every error.
    func preview(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireImport(u)
        let m: Mapped
        do { m = try mappedForm(req) } catch let e as APIError { return try await failed(req, "\(e.field ?? "-"): \(e.reason)") }
        try await req.store.saveImportMapping(schoolID: u.schoolID, kind: m.kind, m.mapping, by: u.actor, at: req.clock.now().timestamp)
        let (c, _) = previewContent(m)
        return try await req.render("Pupils/import", title: "Import from another system", c).encodeResponse(for: req)
    }

    /// Imports the whole mapped file, or nothing.
    func run(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireImport(u)
        let m: Mapped
        do { m = try mappedForm(req) } catch let e as APIError { return try await failed(req, "\(e.field ?? "-"): \(e.reason)") }
        var (c, p) = previewContent(m)
        guard c.canImport else {
            c.error = p.rowCount == 0 ? "The file has no rows. Nothing was imported." : "Correct the errors below. Nothing was imported."
            let r = try await req.render("Pupils/import", title: "Import from another system", c).encodeResponse(for: req)
            r.status = .unprocessableEntity
            return r
        }
        let now = req.clock.now()
        // The application's store: the import outlives the request.
        let store = req.application.store
        let school = u.schoolID
        let span = try await store.calendar(schoolID: school).span
        let canonical = p.canonical
        let (kind, name) = (m.kind, m.name)
        let id = req.application.importJobs.start(schoolID: school, kind: kind, fileName: name, rows: p.rowCount) { progress in
            do {
                switch kind {
                case .pupils:
                    let records = try Interchange.readPupils(file: name, text: canonical)
                    let year = AcademicYear(containing: min(now.date, span?.to ?? now.date))
                    let (admitted, updated) = try await store.savePupils(schoolID: school, records, yearGroupYear: year)
                    return "Imported \(records.count) pupils from \(name): \(admitted) admitted, \(updated) updated."
                case .contacts:
                    let rows = try Interchange.readContacts(file: name, text: canonical)
                    let n = try await store.importContacts(schoolID: school, file: name, rows)
                    return
                        "Imported \(n.contacts) contacts from \(name) for \(n.pupils) pupils; each pupil's earlier contacts were replaced."
                case .marks:
                    let file = try MarkFile(file: name, bytes: Array(canonical.utf8))
                    let s = try await store.importMarks(schoolID: school, marks: file, at: now.timestamp, progress: progress)
                    return
                        "Imported \(file.count) marks from \(name): \(s.created) new, \(s.amended) amended (reason 'import'), \(s.unchanged) unchanged."
                }
            } catch let e as ImportError {
                throw ImportJobs.Failure(message: "\(e.description). Nothing was imported.")
            } catch let e as StoreError {
                throw ImportJobs.Failure(message: "\(e.description). Nothing was imported.")
            }
        }
        return req.redirect(to: "/import/jobs/\(id)")
    }

    struct JobContent: Encodable {
        var id: String
        var kindTitle: String
        var fileName: String
        var running: Bool
        var failed: Bool
        var done: Int
        var total: Int
        var words: String
        var message: String
    }

    func job(_ req: Request) throws -> (String, ImportJobs.Job) {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireImport(u)
        guard let id = req.parameters.get("id"), let job = req.application.importJobs.job(id, schoolID: u.schoolID) else {
            throw Abort(.notFound, reason: "no such import: imports are kept for an hour after they finish")
        }
        return (id, job)
    }

    /// An import under way: rows done, rows a second and time left, followed by the page until it finishes.
    func jobPage(req: Request) async throws -> View {
        let (id, j) = try job(req)
        let c = JobContent(
            id: id, kindTitle: j.kind.title, fileName: j.fileName, running: j.finished == nil, failed: j.failed, done: j.done,
            total: j.total, words: j.pace.words(), message: j.message ?? "")
        return try await req.render("Pupils/import-job", title: "Import of \(j.fileName)", c)
    }

    struct JobProgress: Content {
        /// running, imported or failed.
        var state: String
        var done: Int
        var total: Int
        var percent: Int
        var words: String
        var message: String?
    }

    /// The same, as JSON for the page's script.
    func jobProgress(req: Request) async throws -> JobProgress {
        let (_, j) = try job(req)
        let pace = j.pace
        return JobProgress(
            state: j.finished == nil ? "running" : j.failed ? "failed" : "imported", done: pace.done, total: pace.total,
            percent: pace.percent, words: pace.words(), message: j.message)
    }

    func failed(_ req: Request, _ message: String) async throws -> Response {
        let c = PageContent(
            step: "upload", kinds: Self.kinds(nil),
            error: message.hasSuffix("imported") ? "\(message)." : "\(message). Nothing was imported.")
        let r = try await req.render("Pupils/import", title: "Import from another system", c).encodeResponse(for: req)
        r.status = .unprocessableEntity
        return r
    }
}
