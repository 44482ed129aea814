import ArgumentParser
import Foundation
import RollbookCore
import RollbookStore

extension CTFCommand {
    struct ImportCTF: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract:
                "Admit every pupil in a CTF to the admission register with their attendance at the schools in the file. All or nothing.")
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
                do {
                    return try await store.ctfImport(schoolID: school.id!, doc, startingDay: starting, form: form, at: when.timestamp)
                } catch let e as StoreError { throw UsageError("\(file): \(e.description). Nothing was imported.") }
            }
            print(
                "Admitted \(summary.admitted.joined(separator: ", ")) from \(starting), with \(summary.years) year(s) of attendance at previous schools."
            )
            for w in summary.warnings { print("warning: \(w.field): \(w.reason)") }
        }
    }
}
