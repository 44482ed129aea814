import ArgumentParser
import Foundation
import RollbookCore
import RollbookDemo
import RollbookServer

/// `rollbook bench`: figures only, nothing here passes or fails.
public struct Bench: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Benchmarks: the report (default), the staff pages, the evaluation, marks under load, the analytics kernels.",
        subcommands: [
            BenchReport.self, BenchPages.self, BenchEvaluate.self, BenchLoad.self, BenchAnalytics.self, BenchSchoolDay.self,
            BenchImport.self,
        ],
        defaultSubcommand: BenchReport.self)
    public init() {}
}

/// A bad command line: ArgumentParser prints it with the usage.
typealias UsageError = ArgumentParser.ValidationError

/// The environment's settings, with `bench`'s logging (warnings and worse) set up.
func benchSettings() throws -> Settings {
    let settings = try Settings.fromProcess()
    settings.bootstrapLogging(.warning)
    return settings
}

/// The day a server benchmark runs as: `option` (named `flag` in errors) when given, else the last school day of the
/// demo secondary's calendar up to today.
func benchDay(_ option: String?, flag: String) throws -> LocalDate {
    if let option {
        guard let d = LocalDate(iso: option) else { throw UsageError("\(flag): '\(option)' is not a date in the form YYYY-MM-DD") }
        return d
    }
    var day = SystemClock().now().date
    let calendar = SchoolCalendar(entries: Demo.calendar(phase: .secondary))
    while !calendar.isSchoolDay(day) { day = day.adding(days: -1) }
    return day
}

/// A scratch folder for one benchmark run, named after it and this process.
func benchFolder(_ name: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
        "rollbook-bench-\(name)-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}
