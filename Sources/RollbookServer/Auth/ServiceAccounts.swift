import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// A collector calling the API with a service account's token (issue 18): it reads its scope's route and nothing else.
struct ServiceUser: Authenticatable {
    let id: Int
    let schoolID: Int
    let name: String
    let scope: ServiceScope

    /// The 403 for any route outside the scope.
    func outOfScope() -> APIError {
        APIError(
            .forbidden, field: "Authorization",
            reason: "this is the service account '\(name)', whose token reads only \(scope.route) (scope \(scope.rawValue))")
    }
}

/// `Authorization: Bearer TOKEN` holding a service account's token; a revoked account is not signed in (so 401).
struct ServiceBearerAuthenticator: AsyncBearerAuthenticator {
    func authenticate(bearer: BearerAuthorization, for request: Request) async throws {
        guard !request.auth.has(StaffUser.self),
            let row = try await request.store.serviceAccount(tokenHash: APIToken.hash(bearer.token)), !row.isRevoked,
            let scope = row.serviceScope
        else { return }
        request.auth.login(ServiceUser(id: row.id!, schoolID: row.schoolID, name: row.name, scope: scope))
    }
}

/// A route a service account of `scope` may call, as well as staff (whose role the handler checks): 401 with no valid
/// token, 403 for a service account of another scope.
struct RequireScope: AsyncMiddleware {
    let scope: ServiceScope
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let s = request.auth.get(ServiceUser.self) {
            guard s.scope == scope else { throw s.outOfScope() }
            return try await next.respond(to: request)
        }
        return try await RequireAPIUser().respond(to: request, chainingTo: next)
    }
}

/// Creates a service account with a new token; the token is returned once and stored only as a hash.
public func createServiceToken(
    store: Store, schoolID: Int, name: String, scope: String, by createdBy: String, now: String
) async throws -> (account: ServiceAccountRow, token: String) {
    let token = APIToken.generate()
    let row = try await store.addServiceAccount(
        schoolID: schoolID, name: name, scope: scope, tokenHash: APIToken.hash(token), by: createdBy, at: now)
    return (row, token)
}
