import ArgumentParser
import Foundation
import RollbookCore
import RollbookStore

/// `rollbook ctf`: Common Transfer Files (docs/ctf.md).
struct CTFCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ctf", abstract: "Common Transfer Files: a pupil's CTF out, other schools' CTFs in.",
                                                    subcommands: [Export.self, ImportCTF.self, SchoolNumbers.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a pupil's CTF (on roll or a leaver): details and attendance, every year here and at earlier schools.")
        @Option(help: "The pupil's UPN.") var upn: String
        @Option(help: "Write to this file (default: standard output).") var out: String?
        @OptionGroup var db: DatabaseOptions
        func run() async throws {
            let when = now()
            let xml = try await withDatabase(db) { store -> String in
                let school = try await store.defaultSchool()
                do {
                    return try await store.ctfExport(schoolID: school.id!, upn: upn, asOf: when.date, dateTime: "\(when.date.iso)T\(when.time.padded):00").xml
                } catch let e as StoreError { throw UsageError("--upn \(upn): \(e.description)") }
            }
            if let out {
                guard FileManager.default.createFile(atPath: out, contents: Data(xml.utf8)) else { throw UsageError("--out \(out): cannot be written") }
            } else {
                FileHandle.standardOutput.write(Data(xml.utf8))
            }
        }
    }

    struct ImportCTF: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "import",
            abstract: "Admit every pupil in a CTF to the admission register with their attendance at the schools in the file. All or nothing.")
        @Argument(help: "The CTF (XML).") var file: String
        @Option(help: "Their starting day here (YYYY-MM-DD; default today).") var startingDay: String?
        @Option(help: "Their form here.") var form = ""
        @OptionGroup var db: DatabaseOptions
        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw UsageError("\(file): cannot be read") }
            let doc: CTFDocument
            do { doc = try CTFDocument.parse(String(decoding: data, as: UTF8.self)) } catch {
                throw UsageError("\(file): \(error.field): \(error.reason). Nothing was imported.")
            }
            let when = now()
            guard let starting = startingDay.map({ LocalDate(iso: $0) }) ?? when.date else {
                throw UsageError("--starting-day: '\(startingDay ?? "")' is not a date in the form YYYY-MM-DD")
            }
            let summary = try await withDatabase(db) { store -> CTFImportSummary in
                let school = try await store.defaultSchool()
                do { return try await store.ctfImport(schoolID: school.id!, doc, startingDay: starting, form: form, at: when.timestamp) }
                catch let e as StoreError { throw UsageError("\(file): \(e.description). Nothing was imported.") }
            }
            print("Admitted \(summary.admitted.joined(separator: ", ")) from \(starting), with \(summary.years) year(s) of attendance at previous schools.")
        }
    }

    struct SchoolNumbers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "school", abstract: "Set the school's LA and establishment numbers, which a CTF names it by.")
        @Option(help: "LA number (3 digits).") var la: String
        @Option(help: "Establishment number (4 digits).") var estab: String
        @OptionGroup var db: DatabaseOptions
        func run() async throws {
            try await withDatabase(db) { store in
                let school = try await store.defaultSchool()
                do { try await store.setCTFNumbers(schoolID: school.id!, la: la, estab: estab) } catch let e as StoreError { throw UsageError(e.description) }
                print("\(school.name): LA \(la), establishment \(estab).")
            }
        }
    }
}
