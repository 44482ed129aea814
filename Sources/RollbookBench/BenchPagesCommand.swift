import ArgumentParser
import Foundation
import RollbookCore
import RollbookDemo
import RollbookServer
import RollbookStore

/// `rollbook bench pages`: server time of the register, pupil, Today and Lists pages on the demo secondary.
struct BenchPages: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pages",
        abstract: "Time the staff pages (server time, in process, as the attendance lead) on the 1,200-pupil demo secondary.")
    @Option(help: "Timed requests of each page (after two warm-up requests).") var runs = 50
    @Option(help: "The school day the demo runs to and the pages show (default: the last school day up to today).") var through: String?
    @Option(help: "Time only the pages whose name contains this (e.g. today), to profile one page.") var only: String?

    func run() async throws {
        _ = try benchSettings()
        let day = try benchDay(through, flag: "--through")
        let dir = try benchFolder("pages")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (pupils, timings) = try await PageBench.run(
            database: .sqlite(path: dir.appendingPathComponent("pages.sqlite").path),
            phase: .secondary, through: day, runs: runs, only: only)
        say("rollbook bench pages: demo secondary, \(pupils) pupils, SQLite, day \(day), \(runs) requests each, server time in process")
        for t in timings {
            let s = t.runs.sorted()
            say(
                "  " + t.page.padding(toLength: 36, withPad: " ", startingAt: 0)
                    + String(
                        format: "median %6.1f ms  p95 %6.1f ms  max %6.1f ms  (%d KiB)",
                        s[s.count / 2] * 1000, s[min(s.count - 1, s.count * 95 / 100)] * 1000, s.last! * 1000, t.bytes / 1024))
        }
    }
}
