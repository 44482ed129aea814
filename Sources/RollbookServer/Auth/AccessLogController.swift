import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Records each time a staff member is shown a pupil's safeguarding details (child protection, child in need,
/// looked after, social worker).
enum SensitiveAccessLog {
    /// The request as the log names it: method, path and query.
    static func route(_ req: Request) -> String {
        "\(req.method.rawValue) \(req.url.path)" + (req.url.query.map { "?" + $0 } ?? "")
    }

    /// Logs `user` being shown each pupil's safeguarding details (only `only` when given); pupils with none are skipped.
    static func record(_ req: Request, user: StaffUser, pupils: [PupilRow], only: [SensitiveDetail]? = nil) async throws {
        try await record(req, user: user, pupils: pupils, only: { _ in only })
    }

    /// As above, with what was shown chosen for each pupil.
    static func record(_ req: Request, user: StaffUser, pupils: [PupilRow], only: (PupilRow) -> [SensitiveDetail]?) async throws {
        let at = req.clock.now().timestamp
        let entries = pupils.compactMap { p -> SensitiveAccessEntry? in
            let chosen = only(p)
            let shown = SensitiveDetail.held(in: p.characteristics).filter { chosen?.contains($0) ?? true }
            guard !shown.isEmpty, let id = p.id else { return nil }
            return SensitiveAccessEntry(
                schoolID: user.schoolID, staffID: user.id, staffName: user.name, staffRole: user.role.rawValue,
                staffPosition: user.position, pupilID: id, upn: p.upn, pupilName: p.displayName, shown: shown,
                route: route(req), at: at)
        }
        try await req.store.recordSensitiveAccess(entries)
    }

    /// A list filtered by a safeguarding characteristic (`characteristic=child_protection`) tells who has it: logs each pupil listed.
    static func listed(_ req: Request, user: StaffUser, upns: [String], characteristic: String?) async throws {
        guard let detail = characteristic.flatMap(SensitiveDetail.init(rawValue:)), !upns.isEmpty else { return }
        let pupils = try await req.store.pupils(schoolID: user.schoolID, filter: PupilFilter(upns: upns))
        try await record(req, user: user, pupils: pupils, only: [detail])
    }

    /// Proposed actions that say a pupil is vulnerable (child protection or child in need plan, looked after) or has a
    /// social worker: the worklist and the API's actions.
    static func actions(_ req: Request, user: StaffUser, _ actions: [DueAction]) async throws {
        let vulnerable = Set(actions.filter { $0.kind == .vulnerableAbsence }.map(\.upn))
        let social = Set(actions.filter { $0.kind == .socialWorker }.map(\.upn))
        guard !vulnerable.isEmpty || !social.isEmpty else { return }
        let pupils = try await req.store.pupils(schoolID: user.schoolID, filter: PupilFilter(upns: vulnerable.union(social).sorted()))
        try await record(req, user: user, pupils: pupils) { p in
            (vulnerable.contains(p.upn) ? [.childProtection, .childInNeed, .lookedAfter] : [])
                + (social.contains(p.upn) ? [.socialWorker] : [])
        }
    }

    /// An analytics page naming the pupils of one characteristic (`group=characteristic:child_protection`).
    static func group(_ req: Request, user: StaffUser, group: String?, upns: [String]) async throws {
        let prefix = "characteristic:"
        guard let g = group, g.hasPrefix(prefix) else { return }
        try await listed(req, user: user, upns: Array(Set(upns)).sorted(), characteristic: String(g.dropFirst(prefix.count)))
    }
}

/// The head's view of the log: `/access-log`, newest first, filtered by pupil and by staff member, paged, as CSV.
struct AccessLogController {
    static let pageSize = 50

    struct LogContent: Encodable {
        struct Line: Encodable {
            var when: String
            var staff: String
            var role: String
            var upn: String
            var pupil: String
            var shown: String
            var route: String
        }
        struct Option: Encodable {
            var value: String
            var label: String
            var selected: Bool
        }
        var lines: [Line]
        var upn: String
        var staff: [Option]
        var total: Int
        var page: Int
        var pages: Int
        var first: Int
        var last: Int
        var previous: String?
        var next: String?
        var csvLink: String
    }

    /// `YYYY-MM-DD HH:MM` from a stored timestamp.
    static func when(_ at: String) -> String { at.count >= 16 ? "\(at.prefix(10)) \(at.dropFirst(11).prefix(5))" : at }

    func log(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        guard u.role == .head else {
            throw APIError(.forbidden, field: nil, reason: "the log of who viewed pupils' safeguarding details is for the head")
        }
        let upn = (req.query[String.self, at: "upn"] ?? "").trimmingCharacters(in: .whitespaces).uppercased()
        let staffRaw = req.query[String.self, at: "staff"] ?? ""
        var staffID: Int?
        if !staffRaw.isEmpty {
            guard let id = Int(staffRaw), id > 0 else { throw APIError.invalid("staff", "'\(staffRaw)' is not a staff member's number") }
            staffID = id
        }
        let pageRaw = req.query[String.self, at: "page"] ?? "1"
        guard let page = Int(pageRaw), page >= 1 else { throw APIError.invalid("page", "'\(pageRaw)' must be a whole number from 1") }
        let format = req.query[String.self, at: "format"] ?? "html"
        guard ["html", "csv"].contains(format) else { throw APIError.invalid("format", "'\(format)' must be html or csv") }
        let upnFilter = upn.isEmpty ? nil : upn

        if format == "csv" {
            let all = try await req.store.sensitiveAccess(schoolID: u.schoolID, upn: upnFilter, staffID: staffID).entries
            let header = "at,staff_id,staff_name,staff_role,staff_position,upn,pupil_name,shown,route"
            let lines = all.map { e in
                [
                    e.at, String(e.staffID), e.staffName, e.staffRole, e.staffPosition, e.upn, e.pupilName,
                    e.shown.map(\.rawValue).joined(separator: ";"), e.route,
                ].map(csvField).joined(separator: ",")
            }
            return Response(
                status: .ok,
                headers: [
                    "Content-Type": "text/csv; charset=utf-8",
                    "Content-Disposition": "attachment; filename=\"access-log.csv\"",
                ],
                body: .init(string: ([header] + lines).joined(separator: "\n") + "\n"))
        }

        let (entries, total) = try await req.store.sensitiveAccess(
            schoolID: u.schoolID, upn: upnFilter, staffID: staffID,
            limit: Self.pageSize, offset: (page - 1) * Self.pageSize)
        let pages = max(1, (total + Self.pageSize - 1) / Self.pageSize)
        var viewers = try await req.store.sensitiveAccessViewers(schoolID: u.schoolID)
        if let staffID, !viewers.contains(where: { $0.id == staffID }) { viewers.append((staffID, "Staff member \(staffID)")) }
        func link(page p: Int? = nil, csv: Bool = false) -> String {
            var q: [String] = []
            if let upnFilter { q.append("upn=" + (upnFilter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")) }
            if let staffID { q.append("staff=\(staffID)") }
            if let p, p > 1 { q.append("page=\(p)") }
            if csv { q.append("format=csv") }
            return "/access-log" + (q.isEmpty ? "" : "?" + q.joined(separator: "&"))
        }
        let content = LogContent(
            lines: entries.map { e in
                .init(
                    when: Self.when(e.at), staff: "\(e.staffName), \(e.staffPosition)",
                    role: Role(rawValue: e.staffRole)?.title ?? e.staffRole,
                    upn: e.upn, pupil: e.pupilName, shown: e.shown.map(\.title).joined(separator: ", "), route: e.route)
            },
            upn: upn,
            staff: [.init(value: "", label: "Everyone", selected: staffID == nil)]
                + viewers.map { .init(value: String($0.id), label: $0.name, selected: $0.id == staffID) },
            total: total, page: page, pages: pages,
            first: total == 0 ? 0 : min(total, (page - 1) * Self.pageSize + 1), last: min(total, page * Self.pageSize),
            previous: page > 1 ? link(page: min(page - 1, pages)) : nil, next: page < pages ? link(page: page + 1) : nil,
            csvLink: link(csv: true))
        return try await req.render("Auth/access-log", title: "Access log", content).encodeResponse(for: req)
    }
}
