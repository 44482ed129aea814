import ArgumentParser
import RollbookServer

/// `rollbook bench`: figures only, nothing here passes or fails.
public struct Bench: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Benchmarks: the report (default) and the staff pages.",
        subcommands: [BenchReport.self, BenchPages.self, BenchEvaluate.self, BenchLoad.self, BenchAnalytics.self],
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
