import Foundation
import RollbookCore
import RollbookDemo
import RollbookServer
import RollbookStore
import Vapor

/// Server time of the staff pages on a demo school: each request goes through the whole responder (sessions,
/// CSRF, routing, queries, Leaf) in process, with no network in between. Figures only: nothing passes or fails.
public enum PageBench {
    public struct Timing: Sendable {
        public var page: String
        public var path: String
        public var bytes: Int
        /// Seconds, one per run.
        public var runs: [Double]
    }

    /// Creates the demo school in `database` (which must be empty), signs in as the attendance lead and times each page
    /// (or those whose name contains `only`) `runs` times.
    public static func run(database: DatabaseLocation, phase: DemoOptions.Phase, through: LocalDate, runs: Int, only: String? = nil)
        async throws -> (
            pupils: Int, timings: [Timing]
        )
    {
        let clock = FixedClock(date: through, time: TimeOfDay(hour: 10, minute: 0)!)
        let app = try await Application.make(Environment(name: "production", arguments: ["rollbook"]))
        app.logger.logLevel = .warning
        do {
            try await configure(app, ServerOptions(database: database, clock: clock, bcryptCost: 4))
            let store = Store(db: app.db)
            let (schoolID, pupils) = try await DemoSeeder.seed(
                store: store, options: DemoOptions(phase: phase, through: through),
                bcryptCost: 4, now: clock.now().timestamp)
            try await app.asyncBoot()
            let roll = try await store.pupils(schoolID: schoolID, filter: PupilFilter(onRollDuring: DateRange(from: through, to: through)))
            let form = Dictionary(grouping: roll, by: \.form).max { $0.value.count < $1.value.count }!.key
            let pupil = roll.first { $0.form == form }!
            let lead = try await signIn(
                app, email: try await store.staff(schoolID: schoolID).first { $0.staffRole == .attendanceLead }!.email)
            let encodedForm = form.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? form
            let pages = [
                ("register (form \(form), AM)", "/registers/\(through.iso)/AM?form=\(encodedForm)"),
                ("pupil page", "/pupils/\(pupil.upn)"),
                ("today", "/today"),
                ("lists (whole school, year to date)", "/lists"),
                ("worklist (whole school)", "/worklist"),
                ("policy", "/policy"),
            ]
            var out: [Timing] = []
            for (name, path) in pages where only.map(name.contains) ?? true {
                var t = Timing(page: name, path: path, bytes: 0, runs: [])
                for _ in 0..<(max(1, runs) + 2) {  // two warm-up requests
                    let start = Date()
                    let res = try await send(app, .GET, path, cookie: lead)
                    guard res.status == .ok else { throw Abort(.internalServerError, reason: "\(path) answered \(res.status.code)") }
                    t.runs.append(Date().timeIntervalSince(start))
                    t.bytes = res.body.buffer?.readableBytes ?? 0
                }
                t.runs.removeFirst(2)
                out.append(t)
            }
            try await app.asyncShutdown()
            return (pupils, out)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    static func send(_ app: Application, _ method: HTTPMethod, _ path: String, cookie: String?, form: String? = nil) async throws
        -> Response
    {
        var headers = HTTPHeaders()
        if let cookie { headers.add(name: .cookie, value: cookie) }
        if form != nil { headers.contentType = .urlEncodedForm }
        let req = Request(
            application: app, method: method, url: URI(string: path), headers: headers,
            collectedBody: form.map { ByteBuffer(string: $0) }, on: app.eventLoopGroup.next())
        return try await app.responder.current.respond(to: req).get()
    }

    /// Signs in through the page form (CSRF token and all) and returns the session cookie.
    static func signIn(_ app: Application, email: String) async throws -> String {
        let home = try await send(app, .GET, "/", cookie: nil)
        let html = home.body.string ?? ""
        guard let cookie = home.headers.first(name: .setCookie)?.split(separator: ";").first.map(String.init),
            let r = html.range(of: #"name="csrf" value="[^"]+""#, options: .regularExpression)
        else {
            throw Abort(.internalServerError, reason: "the sign-in page has no session or CSRF token")
        }
        let token = html[r].dropFirst(#"name="csrf" value=""#.count).dropLast()
        let body = [("csrf", String(token)), ("email", email), ("password", DemoAccounts.password)]
            .map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&")
        let res = try await send(app, .POST, "/sign-in", cookie: cookie, form: body)
        guard res.status == .seeOther, let session = res.headers.first(name: .setCookie)?.split(separator: ";").first.map(String.init)
        else {
            throw Abort(.internalServerError, reason: "signing in as \(email) answered \(res.status.code)")
        }
        return session
    }
}
