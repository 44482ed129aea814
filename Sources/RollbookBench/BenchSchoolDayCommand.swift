import ArgumentParser
import Foundation
import RollbookCore
import RollbookServer
import RollbookStore

/// `rollbook bench school-day`: lesson registers at the start of a period, the "in school, not in lesson" scan and
/// the on-site view, each against a reference measured in the same run. Figures only: nothing passes or fails.
struct BenchSchoolDay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "school-day",
        abstract: "Time lesson registers at the start of a period, the not-in-lesson scan and the on-site view.",
        discussion: """
            Creates the 1,200-pupil demo secondary in a fresh SQLite file (marks to the school day before --as-of) and replaces \
            its timetable from --as-of by a 6-period day: the roll cut into --sets teaching sets, each taught every period, \
            P1 the AM registration, the policy's school_day.not_in_lesson at 10 minutes. Requests go through the whole \
            responder in this process (API token, routing, queries, JSON; no network). The clock is moved through the day: \
            at 8:31 every set's P1 register is submitted at once (everyone present; P1 gives the AM marks), at 10:46 every \
            set's P3 register at once (two of each set absent); at 10:56 the not-in-lesson scan of the whole school runs \
            (the first raising the alerts, then --runs more, as each load of Today does), the rule alone on the day's \
            record (--runs), and the on-site view (GET /api/v1/on-site, --runs, one after another); then from 11:46 every set's \
            P4 register, evenly spaced over --spread seconds (the target's first 2 minutes). References in the same \
            run: a bare JSON route in the same app (as many at once, and one after another), and whole AM registers of the \
            two school days before submitted as many at once. Build with -c release for real figures.
            """)
    @Option(help: "SQLite file for the demo school; must not exist yet and is kept (default: a temporary file, removed afterwards).")
    var database: String?
    @Option(help: "The school day measured (default: the last school day up to today).") var asOf: String?
    @Option(help: "Teaching sets, each a lesson register a period: the registers submitted at once.") var sets = 50
    @Option(help: "Runs of the scan, the rule and the on-site view.") var runs = 50
    @Option(help: "Seconds over which the P4 registers arrive, evenly spaced (the target's first 2 minutes of a period).") var spread =
        120.0

    func validate() throws {
        guard (1...400).contains(sets) else { throw UsageError("--sets must be 1 to 400") }
        guard (1...10_000).contains(runs) else { throw UsageError("--runs must be 1 to 10,000") }
        guard (0...3600).contains(spread) else { throw UsageError("--spread must be 0 to 3,600 seconds") }
    }

    func run() async throws {
        _ = try benchSettings()
        let day = try benchDay(asOf, flag: "--as-of")
        let dir = try benchFolder("school-day")
        defer { try? FileManager.default.removeItem(at: dir) }
        let dbPath = database ?? dir.appendingPathComponent("school-day.sqlite").path
        if database != nil, FileManager.default.fileExists(atPath: dbPath) {
            throw UsageError("--database: \(dbPath) exists; give a new file")
        }
        #if DEBUG
            let build = "debug build (build with -c release for figures worth keeping)"
        #else
            let build = "release build"
        #endif
        let started = Date()
        let r = try await SchoolDayBench.run(database: .sqlite(path: dbPath), day: day, sets: sets, runs: runs, spread: spread)
        say(
            "rollbook bench school-day: \(build), \(ProcessInfo.processInfo.activeProcessorCount) cores, SQLite, in process (no network); "
                + String(format: "%.0f s in all", Date().timeIntervalSince(started)))
        say(
            "  demo secondary, \(r.pupils) pupils, \(r.day): 6 periods, \(r.sets) sets of "
                + String(format: "%.1f", r.setSize) + " pupils, registration at P1, not-in-lesson after 10 minutes")
        say("")
        say("  " + "what".padding(toLength: 62, withPad: " ", startingAt: 0) + "     p50       p99       max   target")
        func line(_ label: String, _ s: SchoolDayBench.Series, target: String = "") {
            say(
                "  " + label.padding(toLength: 62, withPad: " ", startingAt: 0)
                    + String(format: "%7.1f ms %7.1f ms %7.1f ms", s.ms(0.5), s.ms(0.99), s.ms(1)) + "   \(target)")
        }
        line("P1 (registration) lesson registers, \(r.sets) at once", r.p1, target: "p99 < 50 ms")
        line("P3 lesson registers, \(r.sets) at once", r.p3, target: "p99 < 50 ms")
        line("P4 lesson registers, \(r.sets) over " + String(format: "%.0f", r.spread) + " s", r.p4, target: "p99 < 50 ms")
        line(
            "  reference: AM registers (" + String(format: "%.0f", r.amPupils) + " pupils each), \(r.amRegisters.runs.count) at once",
            r.amRegisters)
        line("  reference: bare JSON route, \(r.bare.runs.count) at once", r.bare)
        line("not-in-lesson scan, whole school (read, rule, store)", r.scan, target: "< 20 ms")
        say(
            "  " + "  the first scan, raising \(r.alerts) alerts".padding(toLength: 62, withPad: " ", startingAt: 0)
                + String(format: "%7.1f ms", r.scanFirst * 1000))
        line("  the rule alone on the day's record (Core, no database)", r.scanKernel)
        line("on-site view, GET /api/v1/on-site (\(r.onSite) on site)", r.onSiteView, target: "< 30 ms")
        line("  reference: bare JSON route, one after another", r.bareSequential)
    }
}
