import ArgumentParser
import Foundation
import RollbookCore
import RollbookStore

extension PolicyCommand {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a policy file and say what it sets.")
        @Argument(help: "The policy file (JSON).") var file: String
        func run() async throws {
            let (p, _) = try PolicyCommand.read(file)
            print("\(file): a valid policy, '\(p.name)', in force from \(p.effectiveFrom).")
            print(
                "  registers AM \(p.register.am.opens)-\(p.register.am.closes) (late after \(p.register.am.lateAfter)), PM \(p.register.pm.opens)-\(p.register.pm.closes)"
            )
            print(
                "  target \(Rates.percent(p.attendanceTarget)); \(p.stages.count) stages, \(p.lateness.count) lateness rules, \(p.illnessEvidence.count) illness evidence rules; N becomes O after \(p.noReason.nToOSchoolDays) school days"
            )
        }
    }
}
