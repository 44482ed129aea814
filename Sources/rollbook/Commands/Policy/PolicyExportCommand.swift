import ArgumentParser
import Foundation
import RollbookCore
import RollbookStore

extension PolicyCommand {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the policy in force on a day (default today) as a policy file.")
        @Option(help: "The day (YYYY-MM-DD).") var on: String?
        @OptionGroup var db: DatabaseOptions
        func run() async throws {
            guard let day = on.map({ LocalDate(iso: $0) }) ?? now().date else {
                throw UsageError("--on: not a date in the form YYYY-MM-DD")
            }
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
