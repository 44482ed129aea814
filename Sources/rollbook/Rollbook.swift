import ArgumentParser
import Foundation
import Logging
import RollbookCore
import RollbookServer
import RollbookStore

@main
struct Rollbook: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollbook",
        abstract: "School attendance registers for England: admission register, attendance register, statistics.",
        subcommands: [Serve.self, Migrate.self, DemoCommand.self, Import.self, PolicyCommand.self, Evaluate.self, Report.self, Token.self, Messages.self, Bench.self, Backup.self, Restore.self, CTFCommand.self])
}

/// Logs go to standard error, so `report` output on standard output stays clean.
/// Commands log warnings and worse; `serve` logs requests too (ROLLBOOK_LOG_LEVEL overrides).
func bootstrapLogging(_ level: Logger.Level) {
    let chosen = ProcessInfo.processInfo.environment["ROLLBOOK_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? level
    LoggingSystem.bootstrap { label in
        var h = StreamLogHandler.standardError(label: label)
        h.logLevel = chosen
        return h
    }
}

struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "SQLite file (default: ROLLBOOK_DATABASE, else DATABASE_URL for PostgreSQL, else ./rollbook.sqlite).")
    var database: String?
    var location: DatabaseLocation { DatabaseLocation.resolve(path: database) }
}

/// A bad command line: ArgumentParser prints it with the usage.
typealias UsageError = ArgumentParser.ValidationError

/// The school-local now, for audit stamps in commands.
func now() -> SchoolNow { SystemClock().now() }

func withDatabase<T: Sendable>(_ options: DatabaseOptions, _ body: (Store) async throws -> T) async throws -> T {
    bootstrapLogging(.warning)
    let db = try await StandaloneDatabase(options.location)
    do {
        let r = try await body(db.store)
        await db.shutdown()
        return r
    } catch {
        await db.shutdown()
        throw error
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the web app and JSON API.")
    @Option var hostname = "127.0.0.1"
    @Option var port = 8080
    @Flag(help: "Create the demo school if the database is empty, and list the demo accounts on the sign-in page.")
    var demo = false
    @Option(help: "bcrypt cost for passwords, 4 to 31 (default: ROLLBOOK_BCRYPT_COST, else 12).") var bcryptCost: Int?
    @Option(help: "Start the clock at this school-local time (YYYY-MM-DDTHH:MM) and let it run on: for demos and browser tests.")
    var now: String?
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        bootstrapLogging(.info)
        let env = ProcessInfo.processInfo.environment
        let cost = try bcryptCost ?? env["ROLLBOOK_BCRYPT_COST"].flatMap { $0.isEmpty ? nil : $0 }.map {
            guard let n = Int($0) else { throw UsageError("ROLLBOOK_BCRYPT_COST: '\($0)' is not a whole number") }
            return n
        } ?? 12
        guard (4...31).contains(cost) else { throw UsageError("bcrypt cost: \(cost) is outside 4 to 31") }
        var options = ServerOptions(database: db.location, demoMode: demo, bcryptCost: cost, dailyJobs: true)
        do {
            options.messages = try MessageSettings.fromEnvironment()
            options.security = try SecuritySettings.fromEnvironment()
        } catch let e as RollbookCore.ValidationError { throw UsageError("\(e.field): \(e.reason)") }
        if options.messages.publicURL == MessageSettings().publicURL { options.messages.publicURL = "http://\(hostname):\(port)" }
        if let now {
            guard let clock = ShiftedClock(start: now) else { throw UsageError("--now: '\(now)' is not a time in the form YYYY-MM-DDTHH:MM") }
            options.clock = clock
        }
        try await runServer(hostname: hostname, port: port, options: options)
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or update the database schema.")
    @OptionGroup var db: DatabaseOptions
    func run() async throws {
        try await withDatabase(db) { _ in print("The database schema is up to date (\(db.location)).") }
    }
}

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Generate a fictional demo school.")
    @Flag(help: "A 1,200-pupil secondary instead of a 420-pupil primary.") var secondary = false
    @Option(help: "Number of pupils (default 420 primary, 1,200 secondary).") var pupils: Int?
    @Option(help: "Mark registers up to this day (YYYY-MM-DD; default today).") var through: String?
    @Option(help: "Random seed: the same seed gives the same school.") var seed: UInt64 = 2025
    @Option(help: "bcrypt cost for the demo accounts' password.") var bcryptCost = 12
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let day = try through.map { s -> LocalDate in
            guard let d = LocalDate(iso: s) else { throw UsageError("--through: '\(s)' is not a date in the form YYYY-MM-DD") }
            return d
        } ?? now().date
        if let n = pupils, n < 1 || n > 200_000 { throw UsageError("--pupils: must be 1 to 200000") }
        try await withDatabase(db) { store in
            guard try await store.isEmpty() else {
                throw UsageError("the database \(db.location) already holds a school; use a new --database file")
            }
            let started = Date()
            let stamp = now()
            let r = try await DemoSeeder.seed(store: store, options: DemoOptions(phase: secondary ? .secondary : .primary, pupils: pupils, through: day, seed: seed),
                                              time: day == stamp.date ? stamp.time : nil, bcryptCost: bcryptCost, now: stamp.timestamp)
            print("Created a demo \(secondary ? "secondary" : "primary") school with \(r.pupils) fictional pupils, marked to \(day), in \(String(format: "%.1f", Date().timeIntervalSince(started))) s.")
            print("Demo accounts share the password '\(DemoAccounts.password)'.")
        }
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Import calendar.csv, pupils.csv or marks.csv (all or nothing per file).")
    enum Kind: String, ExpressibleByArgument, CaseIterable { case calendar, pupils, marks }
    @Argument(help: "calendar, pupils or marks") var kind: Kind
    @Argument(help: "The CSV file.") var file: String
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch { throw UsageError("\(file): cannot be read as UTF-8 text") }
        do {
            try await withDatabase(db) { store in
                let school = try await store.defaultSchool()
                let stamp = now()
                switch kind {
                case .calendar:
                    let entries = try Interchange.readCalendar(file: file, text: text)
                    try await store.replaceCalendar(schoolID: school.id!, entries: entries)
                    print("Imported \(entries.count) calendar rows into \(school.name).")
                case .pupils:
                    let records = try Interchange.readPupils(file: file, text: text)
                    // Year groups are for the academic year of the school's calendar (this year, or its last if it ended earlier).
                    let span = try await store.calendar(schoolID: school.id!).span
                    let year = AcademicYear(containing: min(stamp.date, span?.to ?? stamp.date))
                    let (admitted, updated) = try await store.savePupils(schoolID: school.id!, records, yearGroupYear: year)
                    print("Imported \(records.count) pupils: \(admitted) admitted, \(updated) updated (year groups for \(year)).")
                case .marks:
                    let rows = try Interchange.readMarks(file: file, text: text)
                    let s = try await store.importMarks(schoolID: school.id!, file: file, rows: rows, at: stamp.timestamp)
                    print("Imported \(rows.count) marks: \(s.created) new, \(s.amended) amended (reason 'import'), \(s.unchanged) unchanged.")
                }
            }
        } catch let e as ImportError {
            throw UsageError("\(e.description). Nothing was imported from this file.")
        } catch let e as StoreError {
            throw UsageError("\(file): \(e.description). Nothing was imported from this file.")
        }
    }
}

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Per-pupil attendance statistics over a date range.")
    enum Format: String, ExpressibleByArgument { case json, csv }
    @Option(help: "First day (YYYY-MM-DD).") var from: String
    @Option(help: "Last day (YYYY-MM-DD).") var to: String
    @Option var format: Format = .json
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        guard let f = LocalDate(iso: from) else { throw UsageError("--from: '\(from)' is not a date in the form YYYY-MM-DD") }
        guard let t = LocalDate(iso: to) else { throw UsageError("--to: '\(to)' is not a date in the form YYYY-MM-DD") }
        guard f <= t else { throw UsageError("--to: \(t) is before --from \(f)") }
        let out = try await withDatabase(db) { store -> String in
            let school = try await store.defaultSchool()
            let lines = try await store.pupilStatistics(schoolID: school.id!, range: DateRange(from: f, to: t))
                .map { ReportLine(upn: $0.0.upn, counts: $0.1) }
            return format == .json ? ReportLine.json(lines) + "\n" : ReportLine.csv(lines)
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Personal API tokens.", subcommands: [Create.self])
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token for a staff member and print it once.")
        @Option(help: "The staff member's email.") var email: String
        @OptionGroup var db: DatabaseOptions
        func run() async throws {
            let token = try await withDatabase(db) { store in
                do { return try await createAPIToken(store: store, email: email, now: now().timestamp) }
                catch let e as StoreError { throw UsageError("--email: \(e.description)") }
            }
            print(token)
        }
    }
}
