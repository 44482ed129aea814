import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Service accounts (issue 18): tokens for a collector (the DfE's agent, the LA, the trust) that read the daily feed and
/// nothing else. The head creates, lists and revokes them, on `/settings/service-accounts` and through the API; a new
/// token is shown once and stored only as a hash.
struct ServiceAccountsController {
    static func requireHead(_ u: StaffUser) throws {
        guard u.role == .head else {
            throw APIError(
                .forbidden, field: nil, reason: "a \(u.role.title.lowercased()) may not manage service accounts; the head does")
        }
    }

    struct AccountDTO: Content {
        var id: Int
        var name, scope, createdBy, createdAt: String
        var revokedBy, revokedAt: String?
        /// The route the token reads.
        var reads: String
        init(_ r: ServiceAccountRow) {
            id = r.id!
            name = r.name
            scope = r.scope
            createdBy = r.createdBy
            createdAt = r.createdAt
            revokedBy = r.revokedBy
            revokedAt = r.revokedAt
            reads = r.serviceScope?.route ?? ""
        }
    }

    struct CreatedDTO: Content {
        var account: AccountDTO
        /// The token, shown this once.
        var token: String
    }

    struct CreateBody: Content {
        var name: String
        var scope: String?
    }

    // MARK: API

    func listAPI(req: Request) async throws -> [AccountDTO] {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireHead(u)
        return try await req.store.serviceAccounts(schoolID: u.schoolID).map(AccountDTO.init)
    }

    func createAPI(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireHead(u)
        let body = try req.content.decode(CreateBody.self)
        let made = try await createServiceToken(
            store: req.store, schoolID: u.schoolID, name: body.name, scope: body.scope ?? ServiceScope.dailyFeed.rawValue,
            by: "\(u.name) (\(u.position))", now: req.clock.now().timestamp)
        let r = try await CreatedDTO(account: AccountDTO(made.account), token: made.token).encodeResponse(for: req)
        r.status = .created
        return r
    }

    func revokeAPI(req: Request) async throws -> AccountDTO {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireHead(u)
        return AccountDTO(try await revoke(req, u))
    }

    func revoke(_ req: Request, _ u: StaffUser) async throws -> ServiceAccountRow {
        guard let s = req.parameters.get("id"), let id = Int(s) else { throw APIError.invalid("id", "must be a service account's number") }
        do {
            return try await req.store.revokeServiceAccount(
                schoolID: u.schoolID, id: id, by: "\(u.name) (\(u.position))", at: req.clock.now().timestamp)
        } catch StoreError.notFound(let m) {
            throw APIError(.notFound, field: "id", reason: m)
        }
    }

    // MARK: Page

    struct PageContent: Encodable {
        var accounts: [AccountDTO]
        var scopes: [String]
        var urn: String
        /// The token just created, shown once, and whose it is.
        var token: String?
        var tokenFor: String?
        var flash: String?
        var error: String?
    }

    func page(req: Request) async throws -> View {
        try await render(req)
    }

    func render(_ req: Request, token: String? = nil, tokenFor: String? = nil, error: String? = nil) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireHead(u)
        let flash = req.session.data["flash"]
        req.session.data["flash"] = nil
        return try await req.render(
            "Settings/service-accounts", title: "Service accounts",
            PageContent(
                accounts: try await req.store.serviceAccounts(schoolID: u.schoolID).map(AccountDTO.init),
                scopes: ServiceScope.allCases.map(\.rawValue), urn: try await req.store.urn(schoolID: u.schoolID) ?? "",
                token: token, tokenFor: tokenFor, flash: flash, error: error))
    }

    struct CreateForm: Content {
        var name: String?
        var scope: String?
    }

    /// Creates the account and shows its token on the page, once (not a redirect: the token is never kept).
    func createPage(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireHead(u)
        let form = try req.content.decode(CreateForm.self)
        do {
            let made = try await createServiceToken(
                store: req.store, schoolID: u.schoolID, name: form.name ?? "", scope: form.scope ?? ServiceScope.dailyFeed.rawValue,
                by: "\(u.name) (\(u.position))", now: req.clock.now().timestamp)
            let r = try await render(req, token: made.token, tokenFor: made.account.name).encodeResponse(for: req)
            r.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            return r
        } catch StoreError.invalid(let e) {
            let r = try await render(req, error: "\(e.field): \(e.reason). Nothing was changed.").encodeResponse(for: req)
            r.status = .unprocessableEntity
            return r
        }
    }

    func revokePage(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireHead(u)
        let row = try await revoke(req, u)
        req.session.data["flash"] = "The token of '\(row.name)' is revoked: it no longer reads anything."
        return req.redirect(to: "/settings/service-accounts")
    }

    struct URNForm: Content {
        var urn: String?
    }

    func saveURN(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireHead(u)
        let urn = (try req.content.decode(URNForm.self).urn ?? "").trimmingCharacters(in: .whitespaces)
        do { try await req.store.setURN(schoolID: u.schoolID, urn: urn.isEmpty ? nil : urn) } catch StoreError.invalid(let e) {
            let r = try await render(req, error: "\(e.field): \(e.reason). Nothing was changed.").encodeResponse(for: req)
            r.status = .unprocessableEntity
            return r
        }
        req.session.data["flash"] = urn.isEmpty ? "The school's URN is cleared." : "The school's URN is \(urn)."
        return req.redirect(to: "/settings/service-accounts")
    }
}
