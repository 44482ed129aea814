import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/pupils/:upn/school-attendance-order`: recording a school attendance order from the LA, with its dates.
struct SchoolAttendanceOrderController {
    struct OrderForm: Content {
        var from: String
        /// The day the LA revoked it; blank while it stands.
        var to: String?
    }

    func record(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let p = try await req.pupil(u)
        let form = try req.content.decode(OrderForm.self)
        let order = SchoolAttendanceOrder(
            from: try parseDate(form.from, field: "from"), to: try formField(form.to).map { try parseDate($0, field: "to") })
        do { try order.validate() } catch { throw APIError.invalid(error.field, error.reason) }
        let now = req.clock.now()
        let words = "from \(order.from.iso)\(order.to.map { " to \($0.iso) (revoked)" } ?? ", not revoked")"
        let entry = CaseworkRow(
            pupilID: p.id!, kind: .note, actionKey: nil, happenedOn: now.date, summary: "School attendance order recorded: \(words)",
            recordedAt: now.timestamp, by: u.actor)
        try await req.store.addSchoolAttendanceOrder(
            SchoolAttendanceOrderRow(pupilID: p.id!, order: order, by: u.actor, at: now.timestamp), entry: entry)
        req.session.data["flash"] = "School attendance order recorded: \(words)."
        return req.redirect(to: "/pupils/\(p.upn)#safeguarding")
    }
}
