import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `GET /api/v1/feeds/daily` (issue 18, docs/daily-feed.md): the daily attendance feed, as JSON or CSV, for a
/// collector's service account (scope daily-feed) or for the office, attendance lead, head and LA officer.
struct DailyFeedController {
    /// Staff who may read the whole school's feed.
    static let staffRoles: Set<Role> = [.office, .attendanceLead, .head, .laOfficer]

    enum Format: String { case json, csv }

    func daily(req: Request) async throws -> Response {
        let schoolID: Int
        if let s = req.auth.get(ServiceUser.self) {
            schoolID = s.schoolID
        } else {
            let u = try req.auth.require(StaffUser.self)
            guard Self.staffRoles.contains(u.role) else {
                throw APIError(
                    .forbidden, field: nil,
                    reason:
                        "a \(u.role.title.lowercased()) may not read the whole school's daily feed; the office, attendance lead, head and LA officer may"
                )
            }
            schoolID = u.schoolID
        }
        let q = req.query
        let format: Format
        if let f = q[String.self, at: "format"] {
            guard let v = Format(rawValue: f) else { throw APIError.invalid("format", "'\(f)' is not a format; csv or json") }
            format = v
        } else {
            format = req.headers.accept.contains { $0.mediaType == HTTPMediaType(type: "text", subType: "csv") } ? .csv : .json
        }
        let calendar = try await req.store.calendar(schoolID: schoolID)
        let range = try DailyFeed.range(
            date: q[String.self, at: "date"], from: q[String.self, at: "from"], to: q[String.self, at: "to"],
            today: req.clock.now().date, calendar: calendar)
        let since = try q[String.self, at: "amended_since"].map { ($0, try DailyFeed.moment($0)) }
        let feed = try await req.store.dailyFeed(schoolID: schoolID, range: range, amendedSince: since)
        let name = "daily-attendance-\(range.from.iso)\(range.days > 1 ? "-to-\(range.to.iso)" : "")"
        switch format {
        case .csv:
            return Response(
                status: .ok,
                headers: [
                    "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": "attachment; filename=\"\(name).csv\"",
                ],
                body: .init(string: feed.csv))
        case .json:
            return Response(status: .ok, headers: ["Content-Type": "application/json; charset=utf-8"], body: .init(string: feed.json))
        }
    }
}
