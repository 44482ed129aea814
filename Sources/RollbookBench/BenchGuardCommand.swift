import ArgumentParser
import Foundation
import RollbookCore
import RollbookDemo
import RollbookServer
import RollbookStore
import SQLKit
import Vapor

/// `callgrind-guard`: the hot paths the CI's instruction-count guard measures (`scripts/callgrind-guard.sh`), each
/// three times after two warm-up runs, each time between calls to `callgrindGuardStart` and `callgrindGuardStop`, which
/// callgrind zeroes and dumps its counts at (`--zero-before`, `--dump-before`); the script keeps each path's least.
/// Outside valgrind it only runs the paths.
public struct BenchGuard: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "callgrind-guard",
        abstract: "Run the instruction-count guard's hot paths once each on a demo database (run it under callgrind).")

    @ArgumentParser.Option(
        help: "A demo database (SQLite file) made by `rollbook demo --through` the school day before --as-of; it is written to.")
    var database: String
    @ArgumentParser.Option(name: .customLong("as-of"), help: "The school day whose AM registers are taken (YYYY-MM-DD).") var asOf: String
    @ArgumentParser.Option(
        name: .customLong("page"), help: "To profile: these staff pages (GET, as the attendance lead) instead of the guard's paths.")
    var pages: [String] = []

    /// Measured runs of each path.
    static let measured = 3

    public init() {}

    public func run() async throws {
        _ = try benchSettings()
        guard let day = LocalDate(iso: asOf) else { throw UsageError("--as-of: '\(asOf)' is not a date in the form YYYY-MM-DD") }
        let clock = FixedClock(date: day, time: TimeOfDay(hour: 9, minute: 30)!)
        let app = try await Application.make(Environment(name: "production", arguments: ["rollbook"]))
        app.logger.logLevel = .warning
        do {
            try await configure(app, ServerOptions(database: .sqlite(path: database), clock: clock, bcryptCost: 4))
            try await app.asyncBoot()
            // The demo's writes out of the write-ahead log first, so no path pays for moving them.
            try await (app.db as! any SQLDatabase).raw("PRAGMA wal_checkpoint(TRUNCATE)").run()
            try await Self.paths(app, day: day, clock: clock, pages: pages) { name, body in
                for _ in 0..<2 { try await body() }
                for _ in 0..<Self.measured {
                    callgrindGuardStart()
                    try await body()
                    callgrindGuardStop()
                    print(name)
                }
            }
            try await app.asyncShutdown()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    /// Each path by name, run by `measure` as often as it likes.
    static func paths(
        _ app: Application, day: LocalDate, clock: FixedClock, pages: [String] = [],
        measure: (String, () async throws -> Void) async throws -> Void
    ) async throws {
        let store = Store(db: app.db)
        let school = try await store.defaultSchool()
        let schoolID = school.id!
        let calendar = try await store.calendar(schoolID: schoolID)
        guard calendar.isSchoolDay(day) else { throw UsageError("--as-of: \(day) is not a school day of the demo") }
        var before = day.adding(days: -1)
        while !calendar.isSchoolDay(before) { before = before.adding(days: -1) }
        let staff = try await store.staff(schoolID: schoolID)
        guard let office = staff.first(where: { $0.staffRole == .office }),
            let lead = staff.first(where: { $0.staffRole == .attendanceLead })
        else { throw UsageError("--database: not a demo school (no office or attendance lead account)") }
        let token = try await createAPIToken(store: store, email: office.email, now: clock.now().timestamp)
        let client = BenchClient(app: app, token: token)
        let cookie = try await PageBench.signIn(app, email: lead.email)
        for path in pages {
            try await measure("page \(path)") {
                let res = try await PageBench.send(app, .GET, path, cookie: cookie)
                guard res.status == .ok else { throw Abort(.internalServerError, reason: "\(path) answered \(res.status.code)") }
            }
        }
        if !pages.isEmpty { return }
        let roll = try await store.pupils(schoolID: schoolID, filter: PupilFilter(onRollDuring: DateRange(from: day, to: day)))
        let forms = Dictionary(grouping: roll, by: \.form).sorted { $0.key < $1.key }
        guard forms.count > 2 + measured else { throw UsageError("--database: the demo needs at least \(3 + measured) forms") }
        func encoded(_ form: String) -> String { form.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? form }

        try await measure("register GET (API, one form, taken)") {
            _ = try await client.timed("GET", "/api/v1/registers/\(before.iso)/AM?form=\(encoded(forms[0].key))", nil)
        }
        // Each run takes another form's register of the day: a real first entry of every mark, audited and committed.
        var next = 1
        try await measure("register POST (API, one form, first entries)") {
            let (form, pupils) = forms[next]
            next += 1
            let marks = pupils.enumerated().map { i, p in #"{"upn":"\#(p.upn)","code":"\#(i % 9 == 0 ? "N" : "/")"}"# }
            _ = try await client.timed(
                "POST", "/api/v1/registers/\(day.iso)/AM", #"{"form":"\#(form)","marks":[\#(marks.joined(separator: ","))]}"#)
        }
        try await measure("register page (Leaf, one form, taken)") {
            let res = try await PageBench.send(app, .GET, "/registers/\(before.iso)/AM?form=\(encoded(forms[0].key))", cookie: cookie)
            guard res.status == .ok else { throw Abort(.internalServerError, reason: "the register page answered \(res.status.code)") }
        }
        try await measure("evaluate (the whole school's worklist)") {
            _ = try await store.evaluate(schoolID: schoolID, asOf: day)
        }
    }
}

/// Marks for callgrind: it zeroes its counts on entering the first and dumps them on entering the second. They must
/// stay real calls.
nonisolated(unsafe) private var callgrindGuardCalls = 0

@inline(never) func callgrindGuardStart() { callgrindGuardCalls += 1 }

@inline(never) func callgrindGuardStop() { callgrindGuardCalls += 1 }
