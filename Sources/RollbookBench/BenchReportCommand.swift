import ArgumentParser
import Foundation
import RollbookCore
import RollbookDemo
import RollbookServer
import RollbookStore

/// `rollbook bench report`: how long `report` takes on the demo secondary school and on a large generated roll.
struct BenchReport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Time the per-pupil report on the 1,200-pupil demo secondary and on a large generated roll.")
    @Option(help: "Pupils in the large roll.") var pupils = 50_000
    @Option(help: "Timed runs of each report (the median and the fastest are printed).") var runs = 3
    @Option(help: "The day marks run to and the report ends (default today).") var through: String?
    @Option(help: "Folder for the SQLite files (default: a temporary folder; they are removed afterwards).") var folder: String?

    func run() async throws {
        let settings = try benchSettings()
        guard let today = through.map({ LocalDate(iso: $0) }) ?? SystemClock().now().date else {
            throw UsageError("--through: not a date in the form YYYY-MM-DD")
        }
        let dir =
            folder
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("rollbook-bench-\(ProcessInfo.processInfo.processIdentifier)")
            .path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if folder == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let postgres = settings.postgresURL
        say(
            "rollbook bench: \(ProcessInfo.processInfo.activeProcessorCount) cores, database \(postgres == nil ? "SQLite in \(dir)" : "PostgreSQL (DATABASE_URL)")"
        )

        let thisYear = AcademicYear(containing: today)
        let lastYear = AcademicYear(startYear: thisYear.startYear - 1)
        try await measure(
            label: "demo secondary", options: DemoOptions(phase: .secondary, through: today),
            location: postgres.map { .postgres(url: $0) } ?? .sqlite(path: dir + "/demo.sqlite"),
            ranges: [
                ("year to date \(thisYear)", DateRange(from: thisYear.range.from, to: today)),
                ("full year \(lastYear)", lastYear.range),
            ])
        // The large roll: a whole year of marks (2025/26).
        try await measure(
            label: "\(pupils)-pupil roll", options: DemoOptions(phase: .secondary, pupils: pupils, through: lastYear.range.to),
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
            let schoolID = try await db.store.loadGeneratedSchool(school, recordedBy: "bench", at: SystemClock().now().timestamp)
            say("  loaded into the database in \(secs(t)) (\(Int(Double(marks) / Date().timeIntervalSince(t))) marks/s)")
            for (name, range) in ranges {
                var totals: [Double] = []
                var reads: [Double] = []
                var roll: [Double] = []
                var engine: [Double] = []
                var lines = 0
                var bytes = 0
                for _ in 0..<max(1, runs) {
                    let t0 = Date()
                    // Exactly what `rollbook report` does...
                    let stats = try await db.store.pupilStatistics(schoolID: schoolID, range: range)
                    let json = ReportLine.json(stats.map { ReportLine(upn: $0.0.upn, counts: $0.1) })
                    totals.append(Date().timeIntervalSince(t0))
                    lines = stats.count
                    bytes = json.utf8.count
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
                    for p in pupilRows {
                        possible += engineUnderTest.counts(arrays[p.id] ?? empty, enrolment: p.enrolment, range: range).possible
                    }
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
    func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s[s.count / 2]
    }
}
