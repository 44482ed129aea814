import ArgumentParser
import Foundation
import RollbookCore
import RollbookDemo
import RollbookServer
import RollbookStore

/// `rollbook demo`: a fictional demo school in an empty database.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Generate a fictional demo school.")
    @Flag(help: "A 1,200-pupil secondary instead of a 420-pupil primary.") var secondary = false
    @Option(help: "Number of pupils (default 420 primary, 1,200 secondary).") var pupils: Int?
    @Option(help: "Mark registers up to this day (YYYY-MM-DD; default today).") var through: String?
    @Option(help: "Random seed: the same seed gives the same school.") var seed: UInt64 = 2025
    @Option(help: "bcrypt cost for the demo accounts' password.") var bcryptCost = 12
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let day =
            try through.map { s -> LocalDate in
                guard let d = LocalDate(iso: s) else { throw UsageError("--through: '\(s)' is not a date in the form YYYY-MM-DD") }
                return d
            } ?? now().date
        if let n = pupils, n < 1 || n > 200_000 { throw UsageError("--pupils: must be 1 to 200000") }
        let location = try db.location
        try await withDatabase(db) { store in
            guard try await store.isEmpty() else {
                throw UsageError("the database \(location) already holds a school; use a new --database file")
            }
            let started = Date()
            let stamp = now()
            let r = try await DemoSeeder.seed(
                store: store, options: DemoOptions(phase: secondary ? .secondary : .primary, pupils: pupils, through: day, seed: seed),
                time: day == stamp.date ? stamp.time : nil, bcryptCost: bcryptCost, now: stamp.timestamp)
            print(
                "Created a demo \(secondary ? "secondary" : "primary") school with \(r.pupils) fictional pupils, marked to \(day), in \(String(format: "%.1f", Date().timeIntervalSince(started))) s."
            )
            print("Demo accounts share the password '\(DemoAccounts.password)'.")
        }
    }
}
