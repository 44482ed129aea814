import FluentKit
import Foundation
import RollbookCore

/// An approval of the school's attendance policy (seeds 000, 001, 002, 004: reviewed annually or every two years,
/// approved by the governors): who approved it, their position, when, and when it is next to be reviewed.
public final class PolicyApprovalRow: Model, @unchecked Sendable {
    public static let schema = "policy_approvals"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    @Field(key: "approved_on") public var approvedOn: String
    @Field(key: "approver_name") public var approverName: String
    @Field(key: "approver_position") public var approverPosition: String
    @Field(key: "review_due") public var reviewDue: String
    @Field(key: "recorded_at") public var recordedAt: String
    @Field(key: "recorded_by") public var recordedBy: String
    public init() {}
    public init(
        schoolID: Int, approvedOn: LocalDate, approverName: String, approverPosition: String, reviewDue: LocalDate, recordedAt: String,
        by actor: Actor
    ) {
        self.schoolID = schoolID
        self.approvedOn = approvedOn.iso
        self.approverName = approverName
        self.approverPosition = approverPosition
        self.reviewDue = reviewDue.iso
        self.recordedAt = recordedAt
        self.recordedBy = "\(actor.name), \(actor.position)"
    }
}

/// Approvals of the policy, kept (never changed): the latest says when the next review is due.
struct M023PolicyApprovals: AsyncMigration {
    var name: String { "M023PolicyApprovals" }

    func prepare(on db: any Database) async throws {
        try await db.schema("policy_approvals")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("approved_on", .string, .required)
            .field("approver_name", .string, .required)
            .field("approver_position", .string, .required)
            .field("review_due", .string, .required)
            .field("recorded_at", .string, .required)
            .field("recorded_by", .string, .required)
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("policy_approvals").delete()
    }
}

extension Store {
    public func addPolicyApproval(_ row: PolicyApprovalRow) async throws {
        try await write { try await row.create(on: $0) }
    }

    /// Every approval, the latest (by approval day, then as recorded) first.
    public func policyApprovals(schoolID: Int) async throws -> [PolicyApprovalRow] {
        try await PolicyApprovalRow.query(on: db).filter(\.$schoolID == schoolID).sort(\.$approvedOn, .descending)
            .sort(\.$id, .descending).all()
    }
}
