import ArgumentParser
import Foundation
import RollbookCore
import RollbookStore

/// `rollbook evaluate`: the daily evaluation offline, the same actions the attendance lead's worklist shows.
struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "The actions the school's policy says are due on a day (the worklist), as JSON or text.")
    enum Format: String, ExpressibleByArgument { case json, text }
    @Option(name: .customLong("as-of"), help: "The day (YYYY-MM-DD; default today).") var asOf: String?
    @Option var format: Format = .json
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        guard let day = asOf.map({ LocalDate(iso: $0) }) ?? now().date else {
            throw UsageError("--as-of: not a date in the form YYYY-MM-DD")
        }
        let (policy, actions) = try await withDatabase(db) { store in
            try await store.evaluate(schoolID: try await store.defaultSchool().id!, asOf: day)
        }
        switch format {
        case .json:
            FileHandle.standardOutput.write(DueAction.json(actions) + Data("\n".utf8))
        case .text:
            print("\(actions.count) actions due on \(day) under '\(policy.name)' (in force from \(policy.effectiveFrom)).")
            for a in actions {
                print("\(a.due)  \(a.upn)  \(a.kind.rawValue)  \(a.reason)")
                if !a.sessions.isEmpty {
                    print("      sessions: \(a.sessions.map { "\($0.date) \($0.session.rawValue) \($0.code)" }.joined(separator: ", "))")
                }
                print("      rule \(a.rule): \(a.source)")
            }
        }
    }
}
