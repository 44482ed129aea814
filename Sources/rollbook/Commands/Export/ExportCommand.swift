import ArgumentParser
import Foundation
import RollbookCore
import RollbookStore

/// `rollbook export`: extracts for collectors.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Extracts for collectors (the DfE, the LA, the trust).", subcommands: [Daily.self])
}

extension ExportCommand {
    /// `rollbook export daily`: the daily attendance feed (docs/daily-feed.md), the same bytes as `GET /api/v1/feeds/daily`.
    struct Daily: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every session mark of a day (by default the last school day before today) or a range, as CSV or JSON.")
        enum Format: String, ExpressibleByArgument { case json, csv }
        @Option(help: "One day (YYYY-MM-DD).") var date: String?
        @Option(help: "First day of a range (YYYY-MM-DD), with --to.") var from: String?
        @Option(help: "Last day of a range (YYYY-MM-DD), with --from.") var to: String?
        @Option(help: "Also the marks of earlier days amended after this moment (e.g. 2026-11-24T18:00:00Z).")
        var amendedSince: String?
        @Option var format: Format = .csv
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            let out = try await withDatabase(db) { store -> String in
                let school = try await store.defaultSchool()
                let calendar = try await store.calendar(schoolID: school.id!)
                let range: DateRange
                let since: (String, Date)?
                do {
                    range = try DailyFeed.range(date: date, from: from, to: to, today: now().date, calendar: calendar, limit: nil)
                    since = try amendedSince.map { ($0, try DailyFeed.moment($0)) }
                } catch let e as RollbookCore.ValidationError {
                    throw UsageError("--\(e.field.replacingOccurrences(of: "_", with: "-")): \(e.reason)")
                }
                let feed = try await store.dailyFeed(schoolID: school.id!, range: range, amendedSince: since)
                return format == .json ? feed.json : feed.csv
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }
}
