import ArgumentParser
import Foundation
import RollbookCore
import RollbookStore

extension CTFCommand {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a pupil's CTF (on roll or a leaver): details and attendance, every year here and at earlier schools.")
        @Option(help: "The pupil's UPN.") var upn: String
        @Option(help: "Write to this file (default: standard output).") var out: String?
        @OptionGroup var db: DatabaseOptions
        func run() async throws {
            let when = now()
            let xml = try await withDatabase(db) { store -> String in
                let school = try await store.defaultSchool()
                do {
                    return try await store.ctfExport(
                        schoolID: school.id!, upn: upn, asOf: when.date, dateTime: "\(when.date.iso)T\(when.time.padded):00"
                    ).xml
                } catch let e as StoreError { throw UsageError("--upn \(upn): \(e.description)") }
            }
            if let out {
                guard FileManager.default.createFile(atPath: out, contents: Data(xml.utf8)) else {
                    throw UsageError("--out \(out): cannot be written")
                }
            } else {
                FileHandle.standardOutput.write(Data(xml.utf8))
            }
        }
    }
}
