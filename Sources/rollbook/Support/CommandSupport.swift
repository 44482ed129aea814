import ArgumentParser
import Foundation
import RollbookCore
import RollbookServer
import RollbookStore

/// A bad command line: ArgumentParser prints it with the usage.
typealias UsageError = ArgumentParser.ValidationError

/// The environment's settings; a bad value is a usage error naming the variable.
func loadSettings() throws -> Settings {
    do { return try Settings.fromProcess() } catch let e as RollbookCore.ValidationError { throw UsageError("\(e.field): \(e.reason)") }
}

struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "SQLite file (default: ROLLBOOK_DATABASE, else DATABASE_URL for PostgreSQL, else ./rollbook.sqlite).")
    var database: String?
    var location: DatabaseLocation { get throws { try loadSettings().database(path: database) } }
}

/// The school-local now, for audit stamps in commands.
func now() -> SchoolNow { SystemClock().now() }

/// A school-local moment from `--now`, or the wall clock.
func schoolNow(_ raw: String?) throws -> SchoolNow {
    guard let raw else { return now() }
    let parts = raw.split(separator: "T")
    guard parts.count == 2, let d = LocalDate(iso: String(parts[0])), let t = TimeOfDay(String(parts[1])) else {
        throw UsageError("--now: '\(raw)' is not a time in the form YYYY-MM-DDTHH:MM")
    }
    return FixedClock(date: d, time: t).now()
}

func withDatabase<T: Sendable>(_ options: DatabaseOptions, _ body: (Store) async throws -> T) async throws -> T {
    let settings = try loadSettings()
    settings.bootstrapLogging(.warning)
    let db = try await StandaloneDatabase(settings.database(path: options.database))
    do {
        let r = try await body(db.store)
        await db.shutdown()
        return r
    } catch {
        await db.shutdown()
        throw error
    }
}
