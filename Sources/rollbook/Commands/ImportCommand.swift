import ArgumentParser
import Foundation
import RollbookCore
import RollbookStore

/// `rollbook import`: the calendar, pupils or marks from CSV, all or nothing per file.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import calendar.csv, pupils.csv, marks.csv or cards.csv (all or nothing per file).")
    enum Kind: String, ExpressibleByArgument, CaseIterable { case calendar, pupils, marks, cards }
    @Argument(help: "calendar, pupils, marks or cards") var kind: Kind
    @Argument(help: "The CSV file.") var file: String
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch { throw UsageError("\(file): cannot be read as UTF-8 text") }
        do {
            try await withDatabase(db) { store in
                let school = try await store.defaultSchool()
                let stamp = now()
                switch kind {
                case .calendar:
                    let entries = try Interchange.readCalendar(file: file, text: text)
                    try await store.replaceCalendar(schoolID: school.id!, entries: entries)
                    print("Imported \(entries.count) calendar rows into \(school.name).")
                case .pupils:
                    let records = try Interchange.readPupils(file: file, text: text)
                    // Year groups are for the academic year of the school's calendar (this year, or its last if it ended earlier).
                    let span = try await store.calendar(schoolID: school.id!).span
                    let year = AcademicYear(containing: min(stamp.date, span?.to ?? stamp.date))
                    let (admitted, updated) = try await store.savePupils(schoolID: school.id!, records, yearGroupYear: year)
                    print("Imported \(records.count) pupils: \(admitted) admitted, \(updated) updated (year groups for \(year)).")
                case .marks:
                    let rows = try Interchange.readMarks(file: file, text: text)
                    let s = try await store.importMarks(schoolID: school.id!, file: file, rows: rows, at: stamp.timestamp)
                    print(
                        "Imported \(rows.count) marks: \(s.created) new, \(s.amended) amended (reason 'import'), \(s.unchanged) unchanged.")
                case .cards:
                    let rows = try Interchange.readCards(file: file, text: text)
                    try await store.importCards(
                        schoolID: school.id!, file: file, rows: rows, by: Actor(name: "rollbook import", position: "Command line"),
                        at: stamp.timestamp)
                    print("Imported \(rows.count) pupil card numbers into \(school.name).")
                }
            }
        } catch let e as ImportError {
            throw UsageError("\(e.description). Nothing was imported from this file.")
        } catch let e as StoreError {
            throw UsageError("\(file): \(e.description). Nothing was imported from this file.")
        }
    }
}
