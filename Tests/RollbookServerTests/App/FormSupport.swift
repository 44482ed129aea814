import Foundation
import NIOCore
import RollbookCore
import RollbookStore
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

// Browsing as a person does: a session cookie, the page's form token, and forms posted with it.

/// Sends a request with a session cookie and, for a form, its fields URL-encoded.
func formSend(_ f: Fixture, _ method: HTTPMethod, _ path: String, cookie: String?, form: [(String, String)]? = nil) async throws
    -> Reply
{
    var headers = HTTPHeaders()
    if let cookie { headers.add(name: .cookie, value: cookie) }
    var body: ByteBuffer?
    if let form {
        headers.contentType = .urlEncodedForm
        body = ByteBuffer(
            string: form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&"))
    }
    let res = try await f.app.testing().sendRequest(method, path, headers: headers, body: body)
    return Reply(status: res.status, headers: res.headers, text: res.body.string)
}

/// The first capture group of `pattern` in `text`.
func firstCapture(_ pattern: String, in text: String) -> String? {
    let re = try! NSRegularExpression(pattern: pattern)
    guard let m = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), let r = Range(m.range(at: 1), in: text) else {
        return nil
    }
    return String(text[r])
}

/// The form token on a page.
func pageToken(_ r: Reply) -> String? { firstCapture(#"name="csrf" value="([^"]+)""#, in: r.text) }
/// The session cookie a response sets.
func sessionCookie(_ r: Reply) -> String? { r.headers.first(name: .setCookie)?.split(separator: ";").first.map(String.init) }
/// Where a redirect goes.
func redirectTarget(_ r: Reply) -> String? { r.headers.first(name: .location) }

/// A signed-in staff member (the fixture's `ROLE@tiny.example.org`): the session cookie and a form token.
func staffSession(_ f: Fixture, _ role: Role) async throws -> (cookie: String, csrf: String) {
    let home = try await formSend(f, .GET, "/", cookie: nil)
    let first: String = try #require(sessionCookie(home))
    let ok = try await formSend(
        f, .POST, "/sign-in", cookie: first,
        form: [("csrf", try #require(pageToken(home))), ("email", "\(role.rawValue)@tiny.example.org"), ("password", "correct horse")])
    let cookie = try #require(sessionCookie(ok))
    let today = try await formSend(f, .GET, "/today", cookie: cookie)
    return (cookie, try #require(pageToken(today)))
}
