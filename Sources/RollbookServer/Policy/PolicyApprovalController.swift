import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// The policy's approval and review (seeds 000 §10.1, 001 §9, 002's review sheet, 004): the head records who approved
/// the policy, their position and when, and the review date (from the policy's `review.every_months`, 12 when
/// absent, unless the head sets it); the Policy page shows the record, and Today tells the attendance lead and head
/// once the review is due. The Policy page also shows what parents see in the portal (`ParentSummary`).
struct PolicyApprovalController {
    struct Line: Encodable {
        var approvedOn: String
        var approver: String
        var position: String
        var reviewDue: String
        var recordedBy: String
    }
    struct Section: Encodable {
        var approvals: [Line]
        var reviewDue: String?
        var overdue: Bool
        var everyMonths: Int
        var approvedBy: String?
        var canRecord: Bool
        var today: String
        var error: String?
        /// What parents see about the policy in the portal, and whether the school wrote it.
        var parentSummary: [String]
        var parentSummaryOwn: Bool
    }

    static func section(_ req: Request, _ u: StaffUser, policy: Policy, today: LocalDate, error: String?) async throws -> Section {
        let approvals = try await req.store.policyApprovals(schoolID: u.schoolID)
        let due = approvals.first.flatMap { LocalDate(iso: $0.reviewDue) }
        return Section(
            approvals: approvals.map {
                Line(
                    approvedOn: $0.approvedOn, approver: $0.approverName, position: $0.approverPosition, reviewDue: $0.reviewDue,
                    recordedBy: $0.recordedBy)
            }, reviewDue: due?.iso, overdue: due.map { PolicyReview.isDue($0, today: today) } ?? false,
            everyMonths: policy.reviewEveryMonths, approvedBy: policy.review?.approvedBy, canRecord: u.role == .head, today: today.iso,
            error: error, parentSummary: ParentSummary.paragraphs(policy), parentSummaryOwn: policy.parentSummary != nil)
    }

    /// Today's reminder: the review date of the latest approval has come.
    static func reminder(_ store: Store, schoolID: Int, today: LocalDate) async throws -> String? {
        guard let a = try await store.policyApprovals(schoolID: schoolID).first, let due = LocalDate(iso: a.reviewDue),
            PolicyReview.isDue(due, today: today)
        else { return nil }
        return
            "The attendance policy is due for review: its review date was \(ParentWords.date(due)) (approved on \(a.approvedOn) by \(a.approverName), \(a.approverPosition))."
    }

    struct Form: Codable {
        var approvedOn: String?
        var approverName: String?
        var approverPosition: String?
        var reviewDue: String?
    }

    /// Records an approval (the head only). Bad input re-shows the page with the field and the reason, saving nothing.
    func record(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        guard u.role == .head else {
            throw APIError(.forbidden, field: nil, reason: "the head records the policy's approval")
        }
        let form = (try? req.content.decode(Form.self)) ?? Form()
        let now = req.clock.now()
        let policy = try await req.store.policy(schoolID: u.schoolID, on: now.date)
        func fail(_ field: String, _ reason: String) async throws -> Response {
            let r = try await PolicyController().render(req, error: nil, approvalError: "\(field): \(reason). Nothing was saved.")
                .encodeResponse(for: req)
            r.status = .unprocessableEntity
            return r
        }
        guard let raw = formField(form.approvedOn), let approved = LocalDate(iso: raw) else {
            return try await fail("approvedOn", "give the day the policy was approved, as YYYY-MM-DD")
        }
        guard approved <= now.date else { return try await fail("approvedOn", "\(approved.iso) is after today") }
        guard let name = formField(form.approverName), name.count <= 120 else {
            return try await fail("approverName", "give who approved the policy (a person or a body), at most 120 characters")
        }
        guard let position = formField(form.approverPosition), position.count <= 120 else {
            return try await fail("approverPosition", "give their position (e.g. Chair of governors), at most 120 characters")
        }
        var due = PolicyReview.due(approvedOn: approved, months: policy.reviewEveryMonths)
        if let r = formField(form.reviewDue) {
            guard let d = LocalDate(iso: r) else { return try await fail("reviewDue", "'\(r)' is not a date in the form YYYY-MM-DD") }
            guard d > approved else { return try await fail("reviewDue", "must be after the day of approval, \(approved.iso)") }
            due = d
        }
        try await req.store.addPolicyApproval(
            PolicyApprovalRow(
                schoolID: u.schoolID, approvedOn: approved, approverName: name, approverPosition: position, reviewDue: due,
                recordedAt: now.timestamp, by: u.actor))
        req.session.data["flash"] = "Recorded the approval of \(approved.iso) by \(name); the next review is due on \(due.iso)."
        return req.redirect(to: "/policy#review")
    }
}
