import Foundation
import NIOCore
import RollbookCore
import RollbookStore
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

/// The databases the storage and API tests run on: SQLite always, PostgreSQL when
/// ROLLBOOK_TEST_POSTGRES_URL is set (`.ci/run` starts one).
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    static var postgresURL: String? { ProcessInfo.processInfo.environment["ROLLBOOK_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 } }
    static var available: [Backend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }
    var testDescription: String { rawValue }
}

/// All server tests share one parent suite that runs serially: the PostgreSQL tests share one database.
@Suite(.serialized) enum ServerTests {}

func day(_ s: String) -> LocalDate { LocalDate(iso: s)! }

/// A school set up like the tiny example: calendar, three pupils, one staff member of each role with an API token.
struct Fixture {
    let app: Application
    let schoolID: Int
    let tokens: [Role: String]
    var store: Store { Store(db: app.db) }

    /// AM: opens 8:45, late after 8:55, closes 9:15. PM: opens 13:00, closes 13:15.
    static let times = RegisterTimes(
        am: RegisterWindow(
            opens: TimeOfDay(hour: 8, minute: 45)!, lateAfter: TimeOfDay(hour: 8, minute: 55)!, closes: TimeOfDay(hour: 9, minute: 15)!),
        pm: RegisterWindow(opens: TimeOfDay(hour: 13, minute: 0)!, closes: TimeOfDay(hour: 13, minute: 15)!))

    /// The worked "tiny" example, kept in the repository.
    static let sharedExamples: URL = {
        // Walk up from this file to the directory with Package.swift, so moving the file cannot break it.
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path), dir.pathComponents.count > 1 {
            dir.deleteLastPathComponent()
        }
        return dir.appendingPathComponent("Tests/Fixtures/tiny")
    }()

    static func text(_ name: String) throws -> String {
        try String(contentsOf: sharedExamples.appendingPathComponent(name), encoding: .utf8)
    }

    func token(_ r: Role) -> String { tokens[r]! }

    /// Sends a request; `json` is the raw request body.
    func call(
        _ method: HTTPMethod, _ path: String, as role: Role? = .head, token: String? = nil, json: String? = nil,
        headers extra: HTTPHeaders = [:]
    ) async throws -> Reply {
        var headers = extra
        if let t = token ?? role.map({ self.token($0) }) { headers.add(name: .authorization, value: "Bearer \(t)") }
        var body: ByteBuffer? = nil
        if let json {
            headers.contentType = .json
            body = ByteBuffer(string: json)
        }
        let res = try await app.testing().sendRequest(method, path, headers: headers, body: body)
        return Reply(status: res.status, headers: res.headers, text: res.body.string)
    }
}

struct Reply {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var text: String
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
    var errorField: String? { (object["error"] as? [String: Any])?["field"] as? String }
    var errorReason: String { (object["error"] as? [String: Any])?["reason"] as? String ?? "" }
}

/// Runs `body` against a fresh Rollbook on `backend`, at `clock`'s moment.
func withRollbook(
    _ backend: Backend, at clock: FixedClock = FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: 8, minute: 50)!),
    tinyMarks: Bool = false, security: SecuritySettings = SecuritySettings(),
    _ body: (Fixture) async throws -> Void
) async throws {
    let location: DatabaseLocation
    var file: String? = nil
    switch backend {
    case .sqlite:
        file = FileManager.default.temporaryDirectory.appendingPathComponent("rollbook-test-\(UUID().uuidString).sqlite").path
        location = .sqlite(path: file!)
    case .postgres:
        location = .postgres(url: Backend.postgresURL!)
        let admin = try await StandaloneDatabase(location, migrate: false)
        try await admin.store.dropAllTables()
        await admin.shutdown()
    }
    let app = try await Application.make(.testing)
    do {
        try await configure(app, ServerOptions(database: location, clock: clock, bcryptCost: 4, security: security))
        let store = Store(db: app.db)
        let school = try await store.createSchool(name: "Tiny Test School", times: Fixture.times)
        let id = school.id!
        try await store.replaceCalendar(
            schoolID: id, entries: try Interchange.readCalendar(file: "calendar.csv", text: Fixture.text("calendar.csv")))
        var pupils = try Interchange.readPupils(file: "pupils.csv", text: Fixture.text("pupils.csv"))
        pupils[0].contacts = [
            Contact(
                priority: 1, name: "Rosa Fielding", relationship: "Mother", parentalResponsibility: true, livesWith: true,
                phone: "07700 900101", email: "rosa@example.org"),
            Contact(
                priority: 2, name: "Tom Fielding", relationship: "Father", parentalResponsibility: true, livesWith: false,
                phone: "07700 900102", email: "tom@example.org"),
        ]
        try await store.savePupils(schoolID: id, pupils, yearGroupYear: AcademicYear(startYear: 2025))
        if tinyMarks {
            let rows = try Interchange.readMarks(file: "marks.csv", text: Fixture.text("marks.csv"))
            _ = try await store.importMarks(schoolID: id, file: "marks.csv", rows: rows, at: "2025-09-20T10:00:00Z")
        }
        var tokens: [Role: String] = [:]
        let hash = try Bcrypt.hash("correct horse", cost: 4)
        for role in Role.allCases {
            let email = "\(role.rawValue)@tiny.example.org"
            try await store.addStaff(
                StaffRow(
                    schoolID: id, name: "\(role.title) Person", email: email, position: role.title,
                    role: role, passwordHash: hash, forms: role == .teacher ? ["RA"] : []))
            tokens[role] = try await createAPIToken(store: store, email: email, now: "2025-09-01T08:00:00Z")
        }
        try await body(Fixture(app: app, schoolID: id, tokens: tokens))
    } catch {
        try? await app.asyncShutdown()
        if let file { try? FileManager.default.removeItem(atPath: file) }
        throw error
    }
    try await app.asyncShutdown()
    if let file {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
    }
}
