import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/pupils/:upn/parenting-orders` (the pupil page's form) and `/api/v1/pupils/:upn/parenting-orders`: a parenting order
/// a court has made (seed 000 §6.5.6), with the responsible officer named on it. Rollbook never proposes one; it records
/// it on the timeline, and the evaluation proposes its review dates (`parenting_order_review`).
struct ParentingOrderController {
    struct Form: Content {
        var madeOn: String
        var months: Int
        var court: String
        /// The parent the order was made against: a contact with parental responsibility.
        var parent: String
        var officerName: String
        var officerOrganisation: String
        var requirements: String
        var reviewDates: [String]?
    }

    /// The page's form: months as typed, review dates in one field.
    struct PageForm: Content {
        var madeOn: String
        var months: String
        var court: String
        var parent: String
        var officerName: String
        var officerOrganisation: String
        var requirements: String
        var reviewDates: String?
    }

    struct Recorded: Content {
        var id: Int
        var upn: String
        var madeOn: String
        var lastDay: String
        var months: Int
        var court: String
        var parent: String
        var officerName: String
        var officerOrganisation: String
        var requirements: String
        var reviewDates: [String]
        var caseworkID: Int
    }

    /// Checks the form and records the order; nothing is written when a field is wrong.
    static func record(_ req: Request, _ u: StaffUser, _ p: PupilRow, _ form: Form) async throws -> Recorded {
        try u.require(.casework)
        let made = try parseDate(form.madeOn, field: "made_on")
        let reviews = try (form.reviewDates ?? []).map { try parseDate($0.trimmingCharacters(in: .whitespaces), field: "review_dates") }
        let now = req.clock.now()
        let order: ParentingOrderRecord
        do {
            order = try ParentingOrderRecord(
                madeOn: made, months: form.months, court: form.court, parent: form.parent, officerName: form.officerName,
                officerOrganisation: form.officerOrganisation, requirements: form.requirements, reviewDates: reviews
            ).checked(today: now.date)
        } catch { throw APIError.invalid(error.field, error.reason) }
        let parents = try await req.store.contacts(pupilID: p.id!).filter(\.parentalResponsibility).map(\.name)
        guard parents.contains(order.parent) else {
            throw APIError.invalid(
                "parent",
                "'\(order.parent)' is not a contact of \(p.displayName) with parental responsibility"
                    + (parents.isEmpty ? "" : " (\(parents.joined(separator: ", ")))"))
        }
        let reviewWords = order.reviewDates.isEmpty ? "no review dates" : "reviews " + order.reviewDates.map(\.iso).joined(separator: ", ")
        let entry = CaseworkRow(
            pupilID: p.id!, kind: .parentingOrder, actionKey: nil, happenedOn: made,
            summary:
                "Parenting order made by \(order.court) against \(order.parent) for \(order.months) month\(order.months == 1 ? "" : "s") "
                + "(to \(order.lastDay.iso)); responsible officer \(order.officerName), \(order.officerOrganisation); "
                + "requirements: \(order.requirements); \(reviewWords).",
            parent: order.parent, figure: Double(order.months), recordedAt: now.timestamp, by: u.actor)
        let saved = try await req.store.recordParentingOrder(order, pupilID: p.id!, entry: entry)
        return Recorded(
            id: saved.id, upn: p.upn, madeOn: saved.madeOn.iso, lastDay: saved.lastDay.iso, months: saved.months, court: saved.court,
            parent: saved.parent, officerName: saved.officerName, officerOrganisation: saved.officerOrganisation,
            requirements: saved.requirements, reviewDates: saved.reviewDates.map(\.iso), caseworkID: entry.id!)
    }

    func page(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let p = try await req.pupil(u)
        let f = try req.content.decode(PageForm.self)
        let m = f.months.trimmingCharacters(in: .whitespaces)
        guard let months = Int(m) else { throw APIError.invalid("months", "'\(m)' is not a whole number of months") }
        let dates = (f.reviewDates ?? "").split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }).map(String.init)
        let r = try await Self.record(
            req, u, p,
            Form(
                madeOn: f.madeOn, months: months, court: f.court, parent: f.parent, officerName: f.officerName,
                officerOrganisation: f.officerOrganisation, requirements: f.requirements, reviewDates: dates))
        req.session.data["flash"] =
            "Parenting order recorded for \(p.displayName) until \(r.lastDay)"
            + (r.reviewDates.isEmpty ? "." : "; the worklist proposes each review on its date.")
        return req.redirect(to: "/pupils/\(p.upn)#casework")
    }

    func api(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let p = try await APIController().pupil(req, u)
        let r = try await Self.record(req, u, p, try req.content.decode(Form.self))
        let resp = try await r.encodeResponse(for: req)
        resp.status = .created
        return resp
    }
}
