import ArgumentParser
import Foundation
import RollbookCore
import RollbookServer
import RollbookStore

/// `rollbook serve`: the web app and JSON API, until interrupted.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the web app and JSON API.")
    @Option var hostname = "127.0.0.1"
    @Option var port = 8080
    @Flag(help: "Create the demo school if the database is empty, and list the demo accounts on the sign-in page.")
    var demo = false
    @Option(help: "bcrypt cost for passwords, 4 to 31 (default: ROLLBOOK_BCRYPT_COST, else 12).") var bcryptCost: Int?
    @Option(help: "Start the clock at this school-local time (YYYY-MM-DDTHH:MM) and let it run on: for demos and browser tests.")
    var now: String?
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let settings = try loadSettings()
        settings.bootstrapLogging(.info)
        let cost = bcryptCost ?? settings.bcryptCost ?? 12
        guard (4...31).contains(cost) else { throw UsageError("bcrypt cost: \(cost) is outside 4 to 31") }
        var options = ServerOptions(
            database: settings.database(path: db.database), demoMode: demo, bcryptCost: cost, dailyJobs: true,
            messages: settings.messages, security: settings.security)
        if settings.publicURL == nil { options.messages.publicURL = "http://\(hostname):\(port)" }
        if let now {
            guard let clock = ShiftedClock(start: now) else {
                throw UsageError("--now: '\(now)' is not a time in the form YYYY-MM-DDTHH:MM")
            }
            options.clock = clock
        }
        try await runServer(hostname: hostname, port: port, options: options)
    }
}
