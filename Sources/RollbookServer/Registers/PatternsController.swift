import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/pupils/:upn/patterns` and `/api/v1/pupils/:upn/patterns`: a pupil's recurring patterns (alternative provision
/// every Tuesday afternoon, dual registration on set days). The register starts from a pattern's code on its sessions;
/// ending one keeps it, with who ended it. Office, attendance lead and head.
struct PatternsController {
    struct PatternDTO: Content {
        var id: Int
        var weekdays: [Int]
        var sessions: String
        var code: String
        var meaning: String
        var from: String
        var to: String?
        var note: String
        var words: String
        /// Begun and not yet over today.
        var current: Bool
        var createdBy: String
        var createdAt: String
        var endedBy: String?
        var endedAt: String?
    }

    struct PatternsDTO: Content {
        var upn: String
        var patterns: [PatternDTO]
    }

    struct NewPattern: Content {
        /// ISO weekdays, 1 Monday to 5 Friday.
        var weekdays: [Int]
        /// `am`, `pm` or `both`.
        var sessions: String
        var code: String
        var from: String
        var to: String?
        /// What it is (the provider, the other school): shown on the register.
        var note: String
    }

    struct EndPattern: Content {
        /// The last day it applies; yesterday when left out.
        var lastDay: String?
    }

    static func dto(_ row: RecurringPatternRow, today: LocalDate) -> PatternDTO? {
        guard let p = row.pattern else { return nil }
        return PatternDTO(
            id: row.id ?? 0, weekdays: p.weekdays, sessions: row.sessions, code: row.code, meaning: p.code.meaning, from: row.firstDay,
            to: row.lastDay, note: row.note, words: p.words, current: p.from <= today && (p.to.map { today <= $0 } ?? true),
            createdBy: row.createdBy, createdAt: row.createdAt, endedBy: row.endedBy, endedAt: row.endedAt)
    }

    static func list(_ req: Request, _ p: PupilRow) async throws -> [PatternDTO] {
        let today = req.clock.now().date
        return try await req.store.patterns(pupilID: p.id!).compactMap { dto($0, today: today) }
    }

    /// Checks a new pattern and records it; each wrong field is named.
    static func add(_ b: NewPattern, _ req: Request, _ u: StaffUser, _ p: PupilRow) async throws -> PatternDTO {
        let from = try parseDate(b.from, field: "from")
        let to = try formField(b.to).map { try parseDate($0, field: "to") }
        let sessions = try Reasons.sessions(b.sessions)
        let code: AttendanceCode
        do { code = try AttendanceCode.parse(b.code, on: from) } catch { throw APIError.invalid("code", error.description) }
        guard let note = formField(b.note), note.count <= 200 else {
            throw APIError.invalid("note", "say what it is (the provider or the other school), 1 to 200 characters")
        }
        let pattern = try RecurringPattern(weekdays: b.weekdays, sessions: sessions, code: code, from: from, to: to).checked()
        if let left = p.enrolment.leavingDay, from > left {
            throw APIError.invalid("from", "\(p.displayName) left the roll on \(left)")
        }
        let now = req.clock.now()
        let row = RecurringPatternRow(schoolID: u.schoolID, pupilID: p.id!, pattern: pattern, note: note, by: u.actor, at: now.timestamp)
        try await req.store.addPattern(row)
        return dto(row, today: now.date)!
    }

    static func end(_ req: Request, _ u: StaffUser, _ p: PupilRow, lastDay raw: String?) async throws -> PatternDTO {
        let now = req.clock.now()
        let last = try formField(raw).map { try parseDate($0, field: "last_day") } ?? now.date.adding(days: -1)
        let idText = req.parameters.get("id") ?? ""
        do {
            guard let id = Int(idText), id > 0, id <= Int(Int32.max),
                let row = try await req.store.endPattern(
                    pupilID: p.id!, id: id, by: u.actor, at: now.timestamp, ending: { try $0.ended(lastDay: last) })
            else { throw APIError(.notFound, field: "id", reason: "no pattern '\(idText)' for this pupil") }
            return dto(row, today: now.date)!
        } catch let e as PatternEnded {
            throw APIError(.conflict, field: "id", reason: "it was ended already at \(e.at) by \(e.by)")
        }
    }

    // MARK: API

    func listAPI(req: Request) async throws -> PatternsDTO {
        let (_, p) = try await req.staffAndPupil(requiring: .amendMarks)
        return PatternsDTO(upn: p.upn, patterns: try await Self.list(req, p))
    }

    func addAPI(req: Request) async throws -> Response {
        let (u, p) = try await req.staffAndPupil(requiring: .amendMarks)
        let d = try await Self.add(try req.content.decode(NewPattern.self), req, u, p)
        let r = try await d.encodeResponse(for: req)
        r.status = .created
        return r
    }

    func endAPI(req: Request) async throws -> PatternDTO {
        let (u, p) = try await req.staffAndPupil(requiring: .amendMarks)
        let body = req.body.data == nil ? EndPattern() : try req.content.decode(EndPattern.self)
        return try await Self.end(req, u, p, lastDay: body.lastDay)
    }

    // MARK: Pages

    struct PageForm: Content {
        var weekdays: [String]?
        var sessions: String?
        var code: String?
        var from: String?
        var to: String?
        var note: String?
    }

    struct PageModel: Encodable {
        var upn: String
        var name: String
        var flash: String?
        var today: String
        var yesterday: String
        var patterns: [PatternDTO]
        var codes: [CodeOption]
    }

    func page(req: Request) async throws -> View {
        let (_, p) = try await req.staffAndPupil(requiring: .amendMarks)
        let today = req.clock.now().date
        return try await req.render(
            "Registers/patterns", title: "Recurring patterns: \(p.displayName)",
            PageModel(
                upn: p.upn, name: p.displayName, flash: req.takeFlash(), today: today.iso, yesterday: today.adding(days: -1).iso,
                patterns: try await Self.list(req, p), codes: RecurringPattern.codes.map { CodeOption($0) }))
    }

    func addPage(req: Request) async throws -> Response {
        let (u, p) = try await req.staffAndPupil(requiring: .amendMarks)
        let f = try req.content.decode(PageForm.self)
        let days = try (f.weekdays ?? []).map { raw in
            guard let d = Int(raw) else { throw APIError.invalid("weekdays", "'\(raw)' is not a weekday number") }
            return d
        }
        let d = try await Self.add(
            NewPattern(weekdays: days, sessions: f.sessions ?? "", code: f.code ?? "", from: f.from ?? "", to: f.to, note: f.note ?? ""),
            req, u, p)
        req.session.data["flash"] = "Recurring pattern recorded: \(d.words)."
        return req.redirect(to: "/pupils/\(p.upn)/patterns")
    }

    func endPage(req: Request) async throws -> Response {
        let (u, p) = try await req.staffAndPupil(requiring: .amendMarks)
        let body = try req.content.decode(EndPattern.self)
        let d = try await Self.end(req, u, p, lastDay: body.lastDay)
        req.session.data["flash"] = "Pattern ended: \(d.words)."
        return req.redirect(to: "/pupils/\(p.upn)/patterns")
    }
}
