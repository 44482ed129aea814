import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Dates the change feed's entries written during a request by the server's clock (injected in tests and demos).
struct ChangeTimeMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        try await Store.$changeTime.withValue(request.clock.now().timestamp) { try await next.respond(to: request) }
    }
}

/// `GET /api/v1/changes?since=CURSOR&limit=N`: every change to marks, pupils, contacts and casework after the
/// cursor, in commit order, with the cursor to ask from next (docs/changes.md). The pull-side twin of webhooks.
struct ChangesController {
    /// Staff who may read the whole school's pupils and marks: the office, the attendance lead, the head and the LA
    /// officer. Casework is in the feed only for those who may see casework (the attendance lead and head). Teachers
    /// see their own forms only, so not the whole school's feed; governors see no pupils.
    static func kinds(for u: StaffUser) throws -> Set<ChangeKind> {
        guard u.can(.readPupils), u.can(.readRegisters), u.ownForms == nil else {
            throw APIError(
                .forbidden, field: nil,
                reason: "a \(u.role.title.lowercased()) may not read the whole school's change feed")
        }
        var kinds: Set<ChangeKind> = [.mark, .pupil, .contact]
        if u.can(.casework) { kinds.insert(.casework) }
        return kinds
    }

    func list(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        let kinds = try Self.kinds(for: u)
        let since: ChangeCursor
        if let text = req.query[String.self, at: "since"] {
            guard let c = ChangeCursor(text) else {
                throw APIError(
                    .badRequest, field: "since",
                    reason:
                        "'\(text.prefix(60))' is not a cursor Rollbook gave: pass the 'next' of the last page (or leave since out, to start)"
                )
            }
            since = c
        } else {
            since = .start
        }
        var limit = 500
        if let text = req.query[String.self, at: "limit"] {
            guard let n = Int(text), (1...Store.maxChangePage).contains(n) else {
                throw APIError(.badRequest, field: "limit", reason: "must be a whole number from 1 to \(Store.maxChangePage)")
            }
            limit = n
        }
        let page = try await req.store.changes(schoolID: u.schoolID, since: since, limit: limit, kinds: kinds)
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(string: Self.json(page)))
    }

    /// The page as JSON, written directly: each change's value is stored as a JSON object and passed through as it is.
    static func json(_ page: ChangePage) -> String {
        var out = "{\"changes\":["
        for (i, c) in page.changes.enumerated() {
            if i > 0 { out += "," }
            out += "{\"cursor\":\(quoted(c.cursor.description)),\"kind\":\(quoted(c.kind.rawValue)),"
            out += "\"operation\":\(quoted(c.operation)),\"upn\":\(quoted(c.upn)),\"key\":\(quoted(c.key)),"
            out += "\"value\":\(c.value),\"committed_at\":\(quoted(c.committedAt))}"
        }
        out += "],\"next\":\(quoted(page.next.description)),\"more\":\(page.more)}"
        return out
    }

    static func quoted(_ s: String) -> String { Change.quoted(s) }
}
