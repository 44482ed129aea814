import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Permissions on the admission register (issue 17; seed 003 walking home alone and who may collect, seed 004
/// lunchtime leave): recorded and withdrawn by the office, the attendance lead and the head, on the pupil page and
/// through `/api/v1/pupils/:upn/permissions`.
struct PermissionsController {
    struct PermissionDTO: Content {
        var id: Int
        var kind: String
        var form: String
        var validFrom: String
        var validTo: String?
        /// The last day it holds (its end, the day before withdrawal, or for lunchtime leave the end of its term).
        var lastDay: String?
        /// In force today.
        var current: Bool
        var collectorName: String?
        var siblingUpn: String?
        var approvedBy: String?
        var recordedBy: String
        var recordedAt: String
        var withdrawn: String?
        var withdrawnBy: String?
        /// In words, for the page.
        var words: String
    }

    struct PermissionsDTO: Content {
        var upn: String
        var permissions: [PermissionDTO]
    }

    /// A new permission; dates `YYYY-MM-DD`, `valid_from` today when left out.
    struct NewPermission: Content {
        var kind: String
        var form: String
        var validFrom: String?
        var validTo: String?
        var collectorName: String?
        var siblingUpn: String?
        var approvedBy: String?
    }

    static func words(_ p: PupilPermission) -> String {
        let what: String =
            switch p.kind {
            case .walkHomeAlone: "Walks home alone"
            case .siblingCollects: "May go home with their sibling \(p.siblingUPN ?? "")"
            case .emergencyCollection: "One-off collection by \(p.collectorName ?? "")"
            case .lunchtimeLeave: "Lunchtime leave"
            }
        let how = p.form == .written ? "written permission" : "verbal permission\(p.approvedBy.map { ", accepted by \($0)" } ?? "")"
        return "\(what) (\(how))"
    }

    static func dto(_ row: PupilPermissionRow, calendar: SchoolCalendar, today: LocalDate) -> PermissionDTO? {
        guard let p = row.permission else { return nil }
        return PermissionDTO(
            id: row.id ?? 0, kind: p.kind.rawValue, form: p.form.rawValue, validFrom: p.validFrom.iso, validTo: p.validTo?.iso,
            lastDay: p.lastDay(calendar: calendar)?.iso, current: p.isValid(on: today, calendar: calendar), collectorName: p.collectorName,
            siblingUpn: p.siblingUPN, approvedBy: p.approvedBy, recordedBy: p.recordedBy, recordedAt: p.recordedAt,
            withdrawn: row.withdrawn, withdrawnBy: row.withdrawnBy, words: words(p))
    }

    static func list(_ req: Request, _ u: StaffUser, _ p: PupilRow) async throws -> [PermissionDTO] {
        let calendar = try await req.store.calendar(schoolID: u.schoolID)
        let today = req.clock.now().date
        return try await req.store.permissions(pupilID: p.id!).compactMap { dto($0, calendar: calendar, today: today) }
    }

    /// Checks a new permission: each field named in the error, with the reason.
    static func permission(_ b: NewPermission, _ req: Request, _ u: StaffUser, pupil: PupilRow) async throws -> PupilPermission {
        func trimmed(_ s: String?) -> String? {
            let t = (s ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            return t.isEmpty ? nil : t
        }
        guard let kind = PupilPermission.Kind(rawValue: b.kind) else {
            throw APIError.invalid(
                "kind", "'\(b.kind)' must be one of \(PupilPermission.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let form = PupilPermission.Form(rawValue: b.form) else {
            throw APIError.invalid("form", "'\(b.form)' must be written or verbal")
        }
        let now = req.clock.now()
        var from = now.date
        if let raw = b.validFrom {
            guard let d = LocalDate(iso: raw) else { throw APIError.invalid("valid_from", "'\(raw)' is not a date YYYY-MM-DD") }
            from = d
        }
        var to: LocalDate? = nil
        if let raw = b.validTo {
            guard let d = LocalDate(iso: raw) else { throw APIError.invalid("valid_to", "'\(raw)' is not a date YYYY-MM-DD") }
            guard d >= from else { throw APIError.invalid("valid_to", "\(d.iso) is before valid_from \(from.iso)") }
            to = d
        }
        var collector: String? = nil
        var sibling: String? = nil
        var approvedBy: String? = nil
        switch kind {
        case .walkHomeAlone, .siblingCollects:
            // Seed 003: walking alone with a permission letter; a sibling with written permission.
            guard form == .written else { throw APIError.invalid("form", "\(kind.rawValue) needs the parents' written permission") }
        case .lunchtimeLeave: break
        case .emergencyCollection:
            guard let name = trimmed(b.collectorName), name.count <= 100 else {
                throw APIError.invalid("collector_name", "name the person who will collect, 1 to 100 characters")
            }
            collector = name
            // A one-off: the day it starts unless the end is given.
            to = to ?? from
            if form == .verbal {
                // Seed 003: verbal permission for someone else to collect is accepted by a senior leader.
                guard let slt = trimmed(b.approvedBy), slt.count <= 100 else {
                    throw APIError.invalid("approved_by", "verbal permission needs the senior leader who accepted it, 1 to 100 characters")
                }
                approvedBy = slt
            }
        }
        if kind == .siblingCollects {
            guard let upn = trimmed(b.siblingUpn) else { throw APIError.invalid("sibling_upn", "give the older sibling's UPN") }
            guard upn != pupil.upn, let s = try await req.store.pupil(schoolID: u.schoolID, upn: upn) else {
                throw APIError.invalid("sibling_upn", "'\(upn)' is not another pupil on roll here")
            }
            guard let sDOB = LocalDate(iso: s.dateOfBirth), let pDOB = LocalDate(iso: pupil.dateOfBirth), sDOB < pDOB else {
                throw APIError.invalid("sibling_upn", "\(s.displayName) is not older than \(pupil.displayName)")
            }
            // Seed 003: 'an older sibling who is in Years 5 or 6', the years the policy lets walk home alone.
            if let years = try await req.store.policy(schoolID: u.schoolID, on: now.date).schoolDay?.collection?.walkAloneYearGroups,
                !years.isEmpty, !years.contains(s.yearGroup)
            {
                throw APIError.invalid(
                    "sibling_upn",
                    "\(s.displayName) is in Year \(s.yearGroup); the policy lets only Year \(years.joined(separator: " and Year ")) take a sibling home"
                )
            }
            sibling = upn
        }
        return PupilPermission(
            kind: kind, form: form, validFrom: from, validTo: to, collectorName: collector, siblingUPN: sibling, approvedBy: approvedBy,
            recordedBy: "\(u.name), \(u.position)", recordedAt: now.timestamp)
    }

    static func withdrawn(_ req: Request, _ u: StaffUser, _ p: PupilRow) async throws -> PupilPermissionRow {
        let raw = req.parameters.get("id") ?? ""
        do {
            guard let id = Int(raw), id > 0, id <= Int(Int32.max),
                let row = try await req.store.withdrawPermission(pupilID: p.id!, id: id, on: req.clock.now().date, by: u.actor)
            else { throw APIError(.notFound, field: "id", reason: "no permission '\(raw)' for this pupil") }
            return row
        } catch let e as PermissionWithdrawn {
            throw APIError(.conflict, field: "id", reason: "it was withdrawn already on \(e.on) by \(e.by)")
        }
    }

    // MARK: API

    func listAPI(req: Request) async throws -> PermissionsDTO {
        let (u, p) = try await req.staffAndPupil(requiring: .amendMarks)
        return PermissionsDTO(upn: p.upn, permissions: try await Self.list(req, u, p))
    }

    func addAPI(req: Request) async throws -> Response {
        let (u, p) = try await req.staffAndPupil(requiring: .amendMarks)
        let permission = try await Self.permission(try req.content.decode(NewPermission.self), req, u, pupil: p)
        let row = PupilPermissionRow(pupilID: p.id!, permission: permission)
        try await req.store.addPermission(row)
        let r = Response(status: .created)
        try r.content.encode(
            Self.dto(row, calendar: try await req.store.calendar(schoolID: u.schoolID), today: req.clock.now().date)!)
        return r
    }

    func withdrawAPI(req: Request) async throws -> PermissionDTO {
        let (u, p) = try await req.staffAndPupil(requiring: .amendMarks)
        let row = try await Self.withdrawn(req, u, p)
        return Self.dto(row, calendar: try await req.store.calendar(schoolID: u.schoolID), today: req.clock.now().date)!
    }

    // MARK: Pages (the pupil page's "Permissions" card)

    /// The form on the pupil page: one field per detail; blank ones are left out.
    struct PageForm: Content {
        var kind: String
        var form: String
        var from: String?
        var to: String?
        var collector: String?
        var sibling: String?
        var approvedBy: String?
    }

    /// A form's field left blank: not given.
    func blank(_ s: String?) -> String? { (s ?? "").trimmingCharacters(in: .whitespaces).isEmpty ? nil : s }

    func addPage(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await req.pupil(u)
        let f = try req.content.decode(PageForm.self)
        let permission = try await Self.permission(
            NewPermission(
                kind: f.kind, form: f.form, validFrom: blank(f.from), validTo: blank(f.to), collectorName: f.collector,
                siblingUpn: f.sibling,
                approvedBy: f.approvedBy), req, u, pupil: p)
        try await req.store.addPermission(PupilPermissionRow(pupilID: p.id!, permission: permission))
        req.session.data["flash"] = "Permission recorded: \(Self.words(permission))."
        return req.redirect(to: "/pupils/\(p.upn)#permissions")
    }

    func withdrawPage(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await req.pupil(u)
        let row = try await Self.withdrawn(req, u, p)
        req.session.data["flash"] = "Permission withdrawn: \(row.permission.map(Self.words) ?? row.kind)."
        return req.redirect(to: "/pupils/\(p.upn)#permissions")
    }
}
