import Fluent
import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Resolving an "in school, not in lesson" alert: truancy, a known reason, or a register error; once.
struct LessonAlertsController {
    struct Resolution: Content {
        var resolution: String
        var note: String?
    }

    struct AlertDTO: Content {
        var id: Int
        var upn: String
        var date: String
        var lesson: String
        var words: String
        var raisedAt: String
        var resolvedAt: String?
        var resolution: String?
        var resolvedBy: String?
        var note: String?
    }

    /// `POST /api/v1/lesson-alerts/:id/resolution`: office, attendance lead and head.
    func resolveAPI(req: Request) async throws -> AlertDTO {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let body = try req.content.decode(Resolution.self)
        return try await Self.resolve(req, u, id: req.parameters.get("id"), body)
    }

    static func resolve(_ req: Request, _ u: StaffUser, id raw: String?, _ body: Resolution) async throws -> AlertDTO {
        guard let id = raw.flatMap(Int.init) else { throw APIError(.notFound, field: "id", reason: "no such alert") }
        guard let resolution = NotInLessonResolution(rawValue: body.resolution) else {
            throw APIError.invalid(
                "resolution",
                "'\(body.resolution)' must be one of \(NotInLessonResolution.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let note = body.note?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let note, note.count > 500 { throw APIError.invalid("note", "must be at most 500 characters") }
        let alerts = try await req.store.lessonAlert(schoolID: u.schoolID, id: id)
        guard let alert = alerts else { throw APIError(.notFound, field: "id", reason: "no alert \(id) at this school") }
        guard alert.resolvedAt == nil else {
            throw APIError(.conflict, field: "id", reason: "alert \(id) was resolved already (\(alert.resolution ?? ""))")
        }
        guard
            let row = try await req.store.resolveLessonAlert(
                schoolID: u.schoolID, id: id, resolution, note: note?.isEmpty == true ? nil : note, by: u.actor,
                at: req.clock.now().timestamp)
        else { throw APIError(.conflict, field: "id", reason: "alert \(id) was resolved already") }
        return try await dto(req, row)
    }

    static func dto(_ req: Request, _ r: LessonAlertRow) async throws -> AlertDTO {
        let upn = try await PupilRow.find(r.pupilID, on: req.store.db)?.upn ?? ""
        return AlertDTO(
            id: r.id ?? 0, upn: upn, date: r.date, lesson: r.lesson, words: r.words, raisedAt: r.raisedAt, resolvedAt: r.resolvedAt,
            resolution: r.resolution, resolvedBy: r.resolvedBy, note: r.note)
    }
}

extension LessonAlertsController {
    /// An open alert on Today.
    struct Line: Encodable {
        var id: Int
        var upn: String
        var name: String
        var words: String
        var link: String
    }

    /// Whether the policy's `school_day.not_in_lesson.notify` names this member of staff for a pupil in `form`:
    /// a role (`office`, `attendance_lead`, `head`), the pupil's form tutor, or a head of year or pastoral position.
    static func notified(_ notify: [String], _ u: StaffUser, form: String) -> Bool {
        let position = u.position.lowercased()
        return notify.contains { n in
            switch n {
            case "form_tutor": u.role == .teacher && u.forms.contains(form)
            case "head_of_year": position.contains("head of year")
            case "pastoral": position.contains("pastoral")
            default: n == u.role.rawValue
            }
        }
    }

    /// Scans the day (raising what is due), then the open alerts this member of staff is told about.
    static func today(_ req: Request, _ u: StaffUser) async throws -> [Line] {
        let now = req.clock.now()
        let policy = try await req.store.policy(schoolID: u.schoolID, on: now.date)
        guard let notify = policy.schoolDay?.notInLesson?.notify else { return [] }
        try await LessonAlertScan.run(store: req.store, schoolID: u.schoolID, now: now)
        let open = try await req.store.lessonAlerts(schoolID: u.schoolID, date: now.date, open: true)
        guard !open.isEmpty else { return [] }
        let pupils = try await PupilRow.query(on: req.store.db).filter(\.$id ~~ open.map(\.pupilID)).all()
        let byID = Dictionary(pupils.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
        return open.compactMap { a in
            guard let p = byID[a.pupilID], notified(notify, u, form: p.form) else { return nil }
            return Line(id: a.id ?? 0, upn: p.upn, name: p.displayName, words: a.words, link: "/pupils/\(p.upn)")
        }
    }
}
