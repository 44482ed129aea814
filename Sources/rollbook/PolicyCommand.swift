import ArgumentParser
import Foundation
import RollbookCore
import RollbookStore

/// `rollbook policy`: a school's attendance policy as a file, checked, imported as a new version, exported.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "policy", abstract: "The school's attendance policy file (Policies/README.md).",
                                                    subcommands: [Check.self, ImportPolicy.self, Export.self])

    static func read(_ file: String) throws -> (Policy, String) {
        guard let data = FileManager.default.contents(atPath: file) else { throw UsageError("\(file): cannot be read") }
        do { return (try PolicyFile.decode(data), String(decoding: data, as: UTF8.self)) } catch {
            throw UsageError("\(file): \(error.field): \(error.reason). Nothing was changed.")
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a policy file and say what it sets.")
        @Argument(help: "The policy file (JSON).") var file: String
        func run() async throws {
            let (p, _) = try PolicyCommand.read(file)
            print("\(file): a valid policy, '\(p.name)', in force from \(p.effectiveFrom).")
            print("  registers AM \(p.register.am.opens)-\(p.register.am.closes) (late after \(p.register.am.lateAfter)), PM \(p.register.pm.opens)-\(p.register.pm.closes)")
            print("  target \(String(format: "%.1f%%", p.attendanceTarget * 100)); \(p.stages.count) stages, \(p.lateness.count) lateness rules, \(p.illnessEvidence.count) illness evidence rules; N becomes O after \(p.noReason.nToOSchoolDays) school days")
        }
    }

    struct ImportPolicy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "import", abstract: "Save a policy file as a new version for the school.")
        @Argument(help: "The policy file (JSON).") var file: String
        @OptionGroup var db: DatabaseOptions
        func run() async throws {
            let (p, text) = try PolicyCommand.read(file)
            do {
                try await withDatabase(db) { store in
                    let school = try await store.defaultSchool()
                    _ = try await store.savePolicy(schoolID: school.id!, p, document: text, by: Actor(name: "rollbook policy import", position: "Command line"), at: now().timestamp)
                    print("Saved '\(p.name)' for \(school.name), in force from \(p.effectiveFrom).")
                }
            } catch let e as StoreError {
                throw UsageError("\(file): \(e.description). Nothing was changed.")
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the policy in force on a day (default today) as a policy file.")
        @Option(help: "The day (YYYY-MM-DD).") var on: String?
        @OptionGroup var db: DatabaseOptions
        func run() async throws {
            guard let day = on.map({ LocalDate(iso: $0) }) ?? now().date else { throw UsageError("--on: not a date in the form YYYY-MM-DD") }
            let text = try await withDatabase(db) { store -> String in
                let school = try await store.defaultSchool()
                let versions = try await store.policyVersions(schoolID: school.id!)
                if let v = versions.first(where: { $0.effectiveFrom <= day.iso }) { return v.document }
                return String(decoding: PolicyFile.encode(try await store.policy(schoolID: school.id!, on: day)), as: UTF8.self)
            }
            FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
        }
    }
}
