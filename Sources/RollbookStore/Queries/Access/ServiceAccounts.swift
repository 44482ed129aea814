import FluentKit
import Foundation
import RollbookCore
import SQLKit

/// What a service account's token may read. One scope for now: the daily attendance feed.
public enum ServiceScope: String, Sendable, CaseIterable, Codable {
    case dailyFeed = "daily-feed"

    /// The one route (method and path) the scope opens.
    public var route: String {
        switch self {
        case .dailyFeed: "GET /api/v1/feeds/daily"
        }
    }
}

/// A collector's account (M040): its name, scope and the hash of its token; revoked accounts are kept, with who
/// revoked them and when.
public final class ServiceAccountRow: Model, @unchecked Sendable {
    public static let schema = "service_accounts"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    @Field(key: "name") public var name: String
    @Field(key: "scope") public var scope: String
    /// SHA-256 of the token, hex: the token itself is never stored.
    @Field(key: "token_hash") public var tokenHash: String
    @Field(key: "created_by") public var createdBy: String
    @Field(key: "created_at") public var createdAt: String
    @OptionalField(key: "revoked_by") public var revokedBy: String?
    @OptionalField(key: "revoked_at") public var revokedAt: String?
    public init() {}

    public var serviceScope: ServiceScope? { ServiceScope(rawValue: scope) }
    public var isRevoked: Bool { revokedAt != nil }
}

extension Store {
    /// The longest name a service account may have.
    public static let serviceNameLimit = 80

    /// Adds a service account holding `tokenHash`. A blank or overlong name, or an unknown scope, is refused naming
    /// the field.
    public func addServiceAccount(
        schoolID: Int, name: String, scope: String, tokenHash: String, by createdBy: String, at now: String
    ) async throws -> ServiceAccountRow {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw StoreError.invalid(ValidationError(field: "name", reason: "is empty: name who holds the token")) }
        guard name.count <= Self.serviceNameLimit else {
            throw StoreError.invalid(ValidationError(field: "name", reason: "is longer than \(Self.serviceNameLimit) characters"))
        }
        guard ServiceScope(rawValue: scope) != nil else {
            throw StoreError.invalid(
                ValidationError(
                    field: "scope",
                    reason: "'\(scope)' is not a scope; the scopes are \(ServiceScope.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        let row = ServiceAccountRow()
        row.schoolID = schoolID
        row.name = name
        row.scope = scope
        row.tokenHash = tokenHash
        row.createdBy = createdBy
        row.createdAt = now
        try await write { try await row.create(on: $0) }
        return row
    }

    /// A school's service accounts, newest first (revoked ones too).
    public func serviceAccounts(schoolID: Int) async throws -> [ServiceAccountRow] {
        try await ServiceAccountRow.query(on: db).filter(\.$schoolID == schoolID).sort(\.$id, .descending).all()
    }

    /// The service account holding a token (revoked or not).
    public func serviceAccount(tokenHash: String) async throws -> ServiceAccountRow? {
        try await ServiceAccountRow.query(on: db).filter(\.$tokenHash == tokenHash).first()
    }

    /// Revokes a school's service account: its token stops working at once. Revoking it again changes nothing.
    public func revokeServiceAccount(schoolID: Int, id: Int, by revokedBy: String, at now: String) async throws -> ServiceAccountRow {
        try await write { db in
            guard let row = try await ServiceAccountRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$id == id).first() else {
                throw StoreError.notFound("no service account \(id)")
            }
            guard row.revokedAt == nil else { return row }
            row.revokedAt = now
            row.revokedBy = revokedBy
            try await row.update(on: db)
            return row
        }
    }
}
