import Crypto
import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// The signed-in staff member for a request (from an API token or a web session).
struct StaffUser: Authenticatable {
    let id: Int
    let schoolID: Int
    let name: String
    let email: String
    let position: String
    let role: Role
    let forms: [String]
    /// Authorised by the head to decide leave of absence.
    let decidesLeave: Bool

    init(_ row: StaffRow) {
        id = row.id!
        schoolID = row.schoolID
        name = row.name
        email = row.email
        position = row.position
        role = row.staffRole
        forms = row.formList
        decidesLeave = row.decidesLeave
    }

    /// Leave of absence is decided by the head, or by staff the head authorises (reg 11).
    var mayDecideLeave: Bool { role == .head || (decidesLeave && role != .governor && role != .laOfficer) }
    var actor: Actor { Actor(name: name, position: position) }

    func can(_ p: Permission) -> Bool { p.granted(to: role) }

    /// A teacher's own forms: the only pupils and registers they see. Nil for every other role (every form).
    var ownForms: [String]? { role == .teacher ? forms : nil }

    /// Teachers register their own forms only; everyone else who may take registers, any.
    func mayTakeRegister(form: String?) -> Bool {
        guard can(.takeRegister) else { return false }
        guard let own = ownForms else { return true }
        return form.map(own.contains) ?? false
    }

    func require(_ p: Permission) throws {
        guard can(p) else { throw APIError(.forbidden, field: nil, reason: "a \(role.title.lowercased()) may not do this") }
    }

    /// The filter narrowed to the pupils this user may see.
    func scoped(_ filter: PupilFilter) -> PupilFilter {
        var f = filter
        if let own = ownForms { f.forms = own }
        return f
    }

    /// Refuses a form outside a teacher's own.
    func requireForm(_ form: String?) throws {
        guard let own = ownForms, let form, !own.contains(form) else { return }
        throw APIError(
            .forbidden, field: "form",
            reason: "a teacher sees only their own forms' registers and pupils (\(own.joined(separator: ", "))), not \(form)")
    }

    func requireRead(_ p: PupilRow) throws {
        try require(.readPupils)
        try requireForm(p.form)
    }
}

enum APIToken {
    /// A new random token: 32 bytes, URL-safe base64.
    static func generate() -> String {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
        return "rb_"
            + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// Creates an API token for a staff member; the token is returned once and stored only as a hash.
public func createAPIToken(store: Store, email: String, now: String) async throws -> String {
    guard let staff = try await store.staff(email: email) else { throw StoreError.notFound("no staff member with email \(email)") }
    let token = APIToken.generate()
    try await store.addToken(staffID: staff.id!, tokenHash: APIToken.hash(token), createdAt: now)
    return token
}

/// `Authorization: Bearer TOKEN` for the JSON API.
struct BearerAuthenticator: AsyncBearerAuthenticator {
    func authenticate(bearer: BearerAuthorization, for request: Request) async throws {
        if let s = try await request.store.staff(tokenHash: APIToken.hash(bearer.token)) { request.auth.login(StaffUser(s)) }
    }
}

/// Every API route needs a valid token: 401 with a JSON error otherwise.
struct RequireAPIUser: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.auth.has(StaffUser.self) else {
            if let s = request.auth.get(ServiceUser.self) { throw s.outOfScope() }
            throw APIError(
                .unauthorized, field: "Authorization",
                reason: "send a valid personal API token as 'Authorization: Bearer TOKEN' (rollbook token create --email EMAIL)")
        }
        return try await next.respond(to: request)
    }
}

extension RoutesBuilder {
    /// A POST whose body may be up to `limit` (a form with files): the route collects that much, and `CSRFMiddleware`,
    /// which reads the form before the route does, reads as much.
    @discardableResult
    func post<Response: AsyncResponseEncodable>(
        _ path: PathComponent..., upTo limit: ByteCount, use closure: @Sendable @escaping (Request) async throws -> Response
    ) -> Route {
        let route = on(.POST, path, body: .collect(maxSize: limit), use: closure)
        route.userInfo[CSRFMiddleware.bodyLimit] = limit.value
        return route
    }
}

/// Web sessions: the staff id is kept in the session.
struct SessionAuthenticator: AsyncRequestAuthenticator {
    func authenticate(request: Request) async throws {
        guard let id = request.session.data["staff"].flatMap(Int.init), let s = try await request.store.staff(id: id) else { return }
        request.auth.login(StaffUser(s))
    }
}

/// A synchronizer token per session, checked on every form POST.
struct CSRFMiddleware: AsyncMiddleware {
    /// The key under which a route made by `post(_:upTo:use:)` keeps its body limit, in bytes.
    static let bodyLimit: AnySendableHashable = "rollbook.bodyLimit"

    static func token(for req: Request) -> String {
        if let t = req.session.data["csrf"] { return t }
        let t = APIToken.generate()
        req.session.data["csrf"] = t
        return t
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.method == .POST {
            // The form may arrive in several pieces: read all of it before looking for the token, up to the route's own
            // limit (forms with files) for someone signed in, else the default.
            let signedIn = request.auth.has(StaffUser.self) || request.auth.has(ParentUser.self) || request.auth.has(PupilUser.self)
            let max =
                (signedIn ? request.route?.userInfo[Self.bodyLimit] as? Int : nil)
                ?? request.application.routes.defaultMaxBodySize.value
            _ = try await request.body.collect(max: max).get()
            let sent = try? request.content.get(String.self, at: "csrf")
            guard let expected = request.session.data["csrf"], let sent, sent == expected else {
                throw Abort(
                    .forbidden, reason: "The form had expired or did not come from Rollbook. Go back, reload the page and try again.")
            }
        }
        return try await next.respond(to: request)
    }
}
