import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// An API failure that names the field at fault.
struct APIError: AbortError {
    var status: HTTPResponseStatus
    var field: String?
    var reason: String
    var headers: HTTPHeaders = [:]
    init(_ status: HTTPResponseStatus, field: String?, reason: String) {
        self.status = status
        self.field = field
        self.reason = reason
    }
    static func invalid(_ field: String, _ reason: String) -> APIError { APIError(.unprocessableEntity, field: field, reason: reason) }
}

struct ErrorBody: Content {
    struct Detail: Content {
        var status: Int
        var field: String?
        var reason: String
    }
    var error: Detail
}

/// API errors as JSON `{"error": {"status", "field", "reason"}}`; page errors as a readable page.
struct RollbookErrorMiddleware: AsyncMiddleware {
    let environment: Environment

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            let error = request.url.path.hasPrefix("/api/") && error is RouteNotFound ? Self.methodNotAllowed(request) ?? error : error
            let (status, field, reason) = describe(error)
            if status == .internalServerError { request.logger.report(error: error) }
            if request.url.path.hasPrefix("/api/") {
                let r = Response(status: status, headers: (error as? APIError)?.headers ?? [:])
                try r.content.encode(ErrorBody(error: .init(status: Int(status.code), field: field, reason: reason)))
                return r
            }
            if status == .unauthorized {
                return request.redirect(
                    to: "/?next=" + (request.url.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
            }
            let body = try await request.view.render(
                "Layout/error",
                ErrorPage(
                    status: Int(status.code), title: status.reasonPhrase, reason: reason,
                    signedIn: request.auth.has(StaffUser.self))
            ).encodeResponse(for: request)
            body.status = status
            return body
        }
    }

    /// 405 with `Allow` when the API has the path but not the method (Vapor's router answers 404 to both).
    static func methodNotAllowed(_ request: Request) -> APIError? {
        let segments = request.url.path.split(separator: "/").map(String.init)
        func matches(_ route: Route) -> Bool {
            let path = route.path.filter { $0 != .constant("") }
            for (i, component) in path.enumerated() {
                switch component {
                case .catchall: return segments.count > i
                case .constant(let c): guard i < segments.count, segments[i] == c else { return false }
                case .parameter, .anything: guard i < segments.count else { return false }
                }
            }
            return path.count == segments.count
        }
        let methods = Set(request.application.routes.all.filter(matches).map(\.method.rawValue))
        guard !methods.isEmpty else { return nil }
        let allowed = (methods.contains("GET") ? methods.union(["HEAD"]) : methods).sorted()
        var e = APIError(
            .methodNotAllowed, field: nil,
            reason: "\(request.method.rawValue) is not allowed here; allowed: \(allowed.joined(separator: ", "))")
        e.headers.replaceOrAdd(name: .allow, value: allowed.joined(separator: ", "))
        return e
    }

    private func describe(_ error: any Error) -> (HTTPResponseStatus, String?, String) {
        switch error {
        case let e as APIError: return (e.status, e.field, e.reason)
        case let e as ValidationError: return (.unprocessableEntity, e.field, e.reason)
        case let e as ImportError: return (.unprocessableEntity, e.column, e.description)
        case let e as StoreError:
            switch e {
            case .notFound(let s): return (.notFound, nil, s)
            case .invalid(let v): return (.unprocessableEntity, v.field, v.reason)
            }
        case let e as DecodingError: return (.badRequest, Self.path(of: e).map(snakeCase), Self.reason(of: e))
        case let e as any AbortError: return (e.status, nil, e.reason)
        default:
            return (.internalServerError, nil, environment.isRelease ? "Something went wrong on the server." : String(describing: error))
        }
    }

    static func path(of e: DecodingError) -> String? {
        let keys: [any CodingKey]
        switch e {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): keys = c.codingPath
        case .keyNotFound(let k, let c): keys = c.codingPath + [k]
        @unknown default: return nil
        }
        let p = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(
            of: ".[", with: "[")
        return p.isEmpty ? nil : p
    }
    static func reason(of e: DecodingError) -> String {
        switch e {
        case .keyNotFound: "is required"
        case .typeMismatch(let t, _): "must be a \(t)"
        case .valueNotFound: "must not be null"
        case .dataCorrupted(let c): c.debugDescription
        @unknown default: "is not valid"
        }
    }
}

struct ErrorPage: Encodable {
    var status: Int
    var title: String
    var reason: String
    var signedIn: Bool
}
