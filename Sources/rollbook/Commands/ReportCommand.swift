import ArgumentParser
import Foundation
import RollbookCore
import RollbookStore

/// `rollbook report`: per-pupil statistics over a date range, as JSON or CSV.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Per-pupil attendance statistics over a date range.")
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
