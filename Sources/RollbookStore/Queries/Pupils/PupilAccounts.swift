import FluentKit
import Foundation
import RollbookCore

/// A pupil's own account: it sees that pupil's attendance and nothing else.
public final class PupilAccountRow: Model, @unchecked Sendable {
    public static let schema = "pupil_accounts"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    @Field(key: "pupil_id") public var pupilID: Int
    @Field(key: "email") public var email: String
    /// Nil until the invitation is accepted.
    @OptionalField(key: "password_hash") public var passwordHash: String?
    /// SHA-256 of the invitation token, while it is outstanding.
    @OptionalField(key: "invite_token_hash") public var inviteTokenHash: String?
    @OptionalField(key: "invite_expires_at") public var inviteExpiresAt: String?
    @Field(key: "invited_at") public var invitedAt: String
    @Field(key: "invited_by") public var invitedBy: String
    @OptionalField(key: "activated_at") public var activatedAt: String?
    public init() {}
}

extension Store {
    /// Creates or renews the pupil's invitation (a new token; the email may change). The caller checks that no other
    /// pupil's account uses the email (the database refuses it too).
    public func invitePupil(
        schoolID: Int, pupilID: Int, email: String, tokenHash: String, expiresAt: String, by actor: Actor, at now: String
    ) async throws -> PupilAccountRow {
        let email = email.lowercased()
        return try await write { db in
            let row = try await PupilAccountRow.query(on: db).filter(\.$pupilID == pupilID).first() ?? PupilAccountRow()
            row.schoolID = schoolID
            row.pupilID = pupilID
            row.email = email
            row.inviteTokenHash = tokenHash
            row.inviteExpiresAt = expiresAt
            row.invitedAt = now
            row.invitedBy = "\(actor.name), \(actor.position)"
            try await row.save(on: db)
            return row
        }
    }

    /// The pupil an account belongs to.
    public func pupil(accountPupilID id: Int) async throws -> PupilRow? { try await PupilRow.find(id, on: db) }

    public func pupilAccount(id: Int) async throws -> PupilAccountRow? { try await PupilAccountRow.find(id, on: db) }

    public func pupilAccount(pupilID: Int) async throws -> PupilAccountRow? {
        try await PupilAccountRow.query(on: db).filter(\.$pupilID == pupilID).first()
    }

    public func pupilAccounts(email: String) async throws -> [PupilAccountRow] {
        try await PupilAccountRow.query(on: db).filter(\.$email == email.lowercased()).all()
    }

    public func pupilAccounts(schoolID: Int) async throws -> [PupilAccountRow] {
        try await PupilAccountRow.query(on: db).filter(\.$schoolID == schoolID).sort(\.$id).all()
    }

    public func pupilAccount(inviteTokenHash: String) async throws -> PupilAccountRow? {
        try await PupilAccountRow.query(on: db).filter(\.$inviteTokenHash == inviteTokenHash).first()
    }

    /// Sets the password and spends the invitation.
    public func activatePupilAccount(id: Int, passwordHash: String, at now: String) async throws {
        try await write { db in
            guard let row = try await PupilAccountRow.find(id, on: db) else { throw StoreError.notFound("no pupil account \(id)") }
            row.passwordHash = passwordHash
            row.inviteTokenHash = nil
            row.inviteExpiresAt = nil
            if row.activatedAt == nil { row.activatedAt = now }
            try await row.save(on: db)
        }
    }
}
