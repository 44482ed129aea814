import ArgumentParser
import Foundation
import RollbookCore
import RollbookServer
import RollbookStore

/// `rollbook bench`: figures only, nothing here passes or fails.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks: the report (default) and the staff pages.",
                                                    subcommands: [BenchReport.self, BenchPages.self, BenchEvaluate.self, BenchLoad.self, BenchAnalytics.self], defaultSubcommand: BenchReport.self)
}

/// `rollbook bench pages`: server time of the register, pupil, Today and Lists pages on the demo secondary.
struct BenchPages: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pages",
        abstract: "Time the staff pages (server time, in process, as the attendance lead) on the 1,200-pupil demo secondary.")
    @Option(help: "Timed requests of each page (after two warm-up requests).") var runs = 50
    @Option(help: "The school day the demo runs to and the pages show (default: the last school day up to today).") var through: String?

    func run() async throws {
        bootstrapLogging(.warning)
        var day: LocalDate
        if let through {
            guard let d = LocalDate(iso: through) else { throw UsageError("--through: '\(through)' is not a date in the form YYYY-MM-DD") }
            day = d
        } else {
            day = now().date
            let calendar = SchoolCalendar(entries: Demo.calendar(phase: .secondary))
            while !calendar.isSchoolDay(day) { day = day.adding(days: -1) }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rollbook-bench-pages-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (pupils, timings) = try await PageBench.run(database: .sqlite(path: dir.appendingPathComponent("pages.sqlite").path),
                                                        phase: .secondary, through: day, runs: runs)
        say("rollbook bench pages: demo secondary, \(pupils) pupils, SQLite, day \(day), \(runs) requests each, server time in process")
        for t in timings {
            let s = t.runs.sorted()
            say("  " + t.page.padding(toLength: 36, withPad: " ", startingAt: 0) + String(format: "median %6.1f ms  p95 %6.1f ms  max %6.1f ms  (%d KiB)",
                       s[s.count / 2] * 1000, s[min(s.count - 1, s.count * 95 / 100)] * 1000, s.last! * 1000, t.bytes / 1024))
        }
    }
}

/// `rollbook bench evaluate`: the daily evaluation (reading marks, casework and the policy, then the rules) on the demo
/// secondary and on a large roll.
struct BenchEvaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "evaluate",
        abstract: "Time the daily evaluation on the 1,200-pupil demo secondary and on a large generated roll.")
    @Option(help: "Pupils in the large roll.") var pupils = 50_000
    @Option(help: "Timed runs (the median is printed).") var runs = 3
    @Option(help: "The evaluation day, a school day (marks run to it).") var asOf = "2026-03-11"

    func run() async throws {
        bootstrapLogging(.warning)
        guard let day = LocalDate(iso: asOf) else { throw UsageError("--as-of: '\(asOf)' is not a date in the form YYYY-MM-DD") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rollbook-bench-evaluate-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        say("rollbook bench evaluate: \(ProcessInfo.processInfo.activeProcessorCount) cores, SQLite, as of \(day)")
        for (label, n) in [("demo secondary", 1_200), ("\(pupils)-pupil roll", pupils)] {
            let db = try await StandaloneDatabase(.sqlite(path: dir.appendingPathComponent("\(n).sqlite").path))
            do {
                let id = try await db.store.loadGeneratedSchool(Demo.generate(DemoOptions(phase: .secondary, pupils: n, through: day)), recordedBy: "bench", at: now().timestamp)
                var times: [Double] = []
                var count = 0
                for _ in 0..<max(1, runs) {
                    let t = Date()
                    count = try await db.store.evaluate(schoolID: id, asOf: day).actions.count
                    times.append(Date().timeIntervalSince(t))
                }
                say(String(format: "  %@: %d pupils, %d actions, median %.0f ms (database reads and the rules)", label, n, count, times.sorted()[times.count / 2] * 1000))
            } catch {
                await db.shutdown()
                throw error
            }
            await db.shutdown()
        }
    }
}

/// `rollbook bench report`: how long `report` takes on the demo secondary school and on a large generated roll.
struct BenchReport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report",
        abstract: "Time the per-pupil report on the 1,200-pupil demo secondary and on a large generated roll.")
    @Option(help: "Pupils in the large roll.") var pupils = 50_000
    @Option(help: "Timed runs of each report (the median and the fastest are printed).") var runs = 3
    @Option(help: "The day marks run to and the report ends (default today).") var through: String?
    @Option(help: "Folder for the SQLite files (default: a temporary folder; they are removed afterwards).") var folder: String?

    func run() async throws {
        bootstrapLogging(.warning)
        guard let today = through.map({ LocalDate(iso: $0) }) ?? now().date else { throw UsageError("--through: not a date in the form YYYY-MM-DD") }
        let dir = folder ?? FileManager.default.temporaryDirectory.appendingPathComponent("rollbook-bench-\(ProcessInfo.processInfo.processIdentifier)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if folder == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let postgres = ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        say("rollbook bench: \(ProcessInfo.processInfo.activeProcessorCount) cores, database \(postgres == nil ? "SQLite in \(dir)" : "PostgreSQL (DATABASE_URL)")")

        let thisYear = AcademicYear(containing: today)
        let lastYear = AcademicYear(startYear: thisYear.startYear - 1)
        try await measure(label: "demo secondary", options: DemoOptions(phase: .secondary, through: today),
                          location: postgres.map { .postgres(url: $0) } ?? .sqlite(path: dir + "/demo.sqlite"),
                          ranges: [("year to date \(thisYear)", DateRange(from: thisYear.range.from, to: today)),
                                   ("full year \(lastYear)", lastYear.range)])
        // The large roll: a whole year of marks (2025/26).
        try await measure(label: "\(pupils)-pupil roll", options: DemoOptions(phase: .secondary, pupils: pupils, through: lastYear.range.to),
                          location: postgres.map { .postgres(url: $0) } ?? .sqlite(path: dir + "/large.sqlite"),
                          ranges: [("full year \(lastYear)", lastYear.range)])
    }

    func measure(label: String, options: DemoOptions, location: DatabaseLocation, ranges: [(String, DateRange)]) async throws {
        if case .postgres = location { try await resetPostgres(location) }
        var t = Date()
        let school = Demo.generate(options)
        let marks = school.pupils.reduce(0) { $0 + $1.marks.bytes.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }
        say("\n\(label): \(school.pupils.count) pupils, \(marks) marks, generated in \(secs(t))")
        let db = try await StandaloneDatabase(location)
        do {
            t = Date()
            let schoolID = try await db.store.loadGeneratedSchool(school, recordedBy: "bench", at: now().timestamp)
            say("  loaded into the database in \(secs(t)) (\(Int(Double(marks) / Date().timeIntervalSince(t))) marks/s)")
            for (name, range) in ranges {
                var totals: [Double] = [], reads: [Double] = [], roll: [Double] = [], engine: [Double] = []
                var lines = 0, bytes = 0
                for _ in 0..<max(1, runs) {
                    let t0 = Date()
                    // Exactly what `rollbook report` does...
                    let stats = try await db.store.pupilStatistics(schoolID: schoolID, range: range)
                    let json = ReportLine.json(stats.map { ReportLine(upn: $0.0.upn, counts: $0.1) })
                    totals.append(Date().timeIntervalSince(t0))
                    lines = stats.count; bytes = json.utf8.count
                    // ...and its parts: reading marks, reading the roll, and the statistics engine.
                    let t1 = Date()
                    let arrays = try await db.store.sessionArrays(schoolID: schoolID, range: range)
                    reads.append(Date().timeIntervalSince(t1))
                    let t3 = Date()
                    let pupilRows = try await db.store.roll(schoolID: schoolID, filter: PupilFilter(onRollDuring: range))
                    roll.append(Date().timeIntervalSince(t3))
                    let engineUnderTest = StatisticsEngine(calendar: try await db.store.calendar(schoolID: schoolID))
                    let t2 = Date()
                    let empty = SessionArray(base: range.from, days: 0)
                    var possible = 0
                    for p in pupilRows { possible += engineUnderTest.counts(arrays[p.id] ?? empty, enrolment: p.enrolment, range: range).possible }
                    engine.append(Date().timeIntervalSince(t2))
                    precondition(possible >= 0)
                }
                say("  report \(name) \(range.from)..\(range.to): \(lines) pupils, \(bytes / 1024) KiB JSON")
                say("    total   median \(ms(median(totals))), fastest \(ms(totals.min()!)) over \(totals.count) runs")
                say("    read    median \(ms(median(reads))) (marks from the database into session arrays)")
                say("    roll    median \(ms(median(roll))) (the pupils on roll from the admission register)")
                say("    engine  median \(ms(median(engine))) (statistics engine over the session arrays)")
            }
        } catch {
            await db.shutdown()
            throw error
        }
        await db.shutdown()
    }

    func resetPostgres(_ location: DatabaseLocation) async throws {
        let admin = try await StandaloneDatabase(location, migrate: false)
        try await admin.store.dropAllTables()
        await admin.shutdown()
    }

    func secs(_ since: Date) -> String { String(format: "%.2f s", Date().timeIntervalSince(since)) }
    func ms(_ s: Double) -> String { String(format: "%.0f ms", s * 1000) }
    func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }
}
