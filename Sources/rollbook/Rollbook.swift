import ArgumentParser
import RollbookBench

@main
struct Rollbook: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollbook",
        abstract: "School attendance registers for England: admission register, attendance register, statistics.",
        subcommands: [
            ServeCommand.self, MigrateCommand.self, DemoCommand.self, ImportCommand.self, PolicyCommand.self, EvaluateCommand.self,
            ReportCommand.self, TokenCommand.self, MessagesCommand.self, Bench.self, BackupCommand.self, RestoreCommand.self,
            CTFCommand.self, ExportCommand.self,
        ])
}
