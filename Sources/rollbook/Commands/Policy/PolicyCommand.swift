import ArgumentParser
import Foundation
import RollbookCore

/// `rollbook policy`: a school's attendance policy as a file, checked, imported as a new version, exported.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "The school's attendance policy file (Policies/README.md).",
        subcommands: [Check.self, ImportPolicy.self, Export.self])

    static func read(_ file: String) throws -> (Policy, String) {
        guard let data = FileManager.default.contents(atPath: file) else { throw UsageError("\(file): cannot be read") }
        do { return (try PolicyFile.decode(data), String(decoding: data, as: UTF8.self)) } catch {
            throw UsageError("\(file): \(error.field): \(error.reason). Nothing was changed.")
        }
    }
}
