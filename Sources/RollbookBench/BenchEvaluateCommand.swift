import ArgumentParser
import Foundation
import RollbookCore
import RollbookDemo
import RollbookServer
import RollbookStore

/// `rollbook bench evaluate`: the daily evaluation (reading marks, casework and the policy, then the rules) on the demo
/// secondary and on a large roll.
struct BenchEvaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Time the daily evaluation on the 1,200-pupil demo secondary and on a large generated roll.")
    @Option(help: "Pupils in the large roll.") var pupils = 50_000
    @Option(help: "Timed runs (the median is printed).") var runs = 3
    @Option(help: "The evaluation day, a school day (marks run to it).") var asOf = "2026-03-11"
    @Option(help: "A policy file to evaluate under (e.g. Policies/seed-004-trust-primary.json); default: the demo's.")
    var policy: String?

    func run() async throws {
        _ = try benchSettings()
        guard let day = LocalDate(iso: asOf) else { throw UsageError("--as-of: '\(asOf)' is not a date in the form YYYY-MM-DD") }
        let chosen = try policy.map { path in
            do { return try PolicyFile.decode(try Data(contentsOf: URL(fileURLWithPath: path))) } catch let e
                as RollbookCore.ValidationError
            {
                throw UsageError("--policy: \(path): \(e)")
            }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "rollbook-bench-evaluate-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        say(
            "rollbook bench evaluate: \(ProcessInfo.processInfo.activeProcessorCount) cores, SQLite, as of \(day), policy: \(chosen?.name ?? "the demo's")"
        )
        for (label, n) in [("demo secondary", 1_200), ("\(pupils)-pupil roll", pupils)] {
            let db = try await StandaloneDatabase(.sqlite(path: dir.appendingPathComponent("\(n).sqlite").path))
            do {
                let id = try await db.store.loadGeneratedSchool(
                    Demo.generate(DemoOptions(phase: .secondary, pupils: n, through: day)), recordedBy: "bench",
                    at: SystemClock().now().timestamp)
                if var p = chosen {
                    p.effectiveFrom = min(p.effectiveFrom, AcademicYear(containing: day).range.from)
                    _ = try await db.store.savePolicy(
                        schoolID: id, p, document: String(decoding: PolicyFile.encode(p), as: UTF8.self),
                        by: Actor(name: "bench", position: "bench"), at: SystemClock().now().timestamp)
                }
                var times: [Double] = []
                var count = 0
                for _ in 0..<max(1, runs) {
                    let t = Date()
                    count = try await db.store.evaluate(schoolID: id, asOf: day).actions.count
                    times.append(Date().timeIntervalSince(t))
                }
                say(
                    String(
                        format: "  %@: %d pupils, %d actions, median %.0f ms (database reads and the rules)", label, n, count,
                        times.sorted()[times.count / 2] * 1000))
            } catch {
                await db.shutdown()
                throw error
            }
            await db.shutdown()
        }
    }
}
