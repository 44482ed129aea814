import ArgumentParser
import Foundation
import RollbookCore
import RollbookStore

/// `rollbook import`: the calendar, pupils, contacts, marks or card numbers from CSV, all or nothing per file.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import calendar.csv, pupils.csv, contacts.csv, marks.csv or cards.csv (all or nothing per file).")
    enum Kind: String, ExpressibleByArgument, CaseIterable { case calendar, pupils, contacts, marks, cards }
    @Argument(help: "calendar, pupils, contacts, marks or cards") var kind: Kind
    @Argument(help: "The CSV file.") var file: String
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let data = try readUserFile(file)
        if kind == .marks { return try await importMarks(data) }
        guard let text = String(data: data, encoding: .utf8) else { throw CommandFailure("\(file): cannot be read as UTF-8 text") }
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
                case .contacts:
                    let rows = try Interchange.readContacts(file: file, text: text)
                    let n = try await store.importContacts(schoolID: school.id!, file: file, rows)
                    print("Imported \(n.contacts) contacts for \(n.pupils) pupils; each pupil's earlier contacts were replaced.")
                case .marks: break
                case .cards:
                    let rows = try Interchange.readCards(file: file, text: text)
                    try await store.importCards(
                        schoolID: school.id!, file: file, rows: rows, by: Actor(name: "rollbook import", position: "Command line"),
                        at: stamp.timestamp)
                    print("Imported \(rows.count) pupil card numbers into \(school.name).")
                }
            }
        } catch let e as ImportError {
            throw CommandFailure("\(e.description). Nothing was imported from this file.")
        } catch let e as StoreError {
            throw CommandFailure("\(file): \(e.description). Nothing was imported from this file.")
        }
    }

    /// Marks in bulk: read straight from the bytes, first entries written at disk speed, progress on standard error.
    private func importMarks(_ data: Data) async throws {
        let bytes = [UInt8](data)
        guard String(validating: bytes, as: UTF8.self) != nil else { throw CommandFailure("\(file): cannot be read as UTF-8 text") }
        do {
            let reading = ProgressLine("Reading \(file)")
            let marks = try MarkFile(file: file, bytes: bytes) { reading.update(done: $0, total: bytes.count, unit: "bytes") }
            let writing = ProgressLine("Importing \(file)")
            try await withDatabase(db) { store in
                let school = try await store.defaultSchool()
                let s = try await store.importMarks(schoolID: school.id!, marks: marks, at: now().timestamp) { done, total in
                    writing.update(done: done, total: total)
                }
                print("Imported \(marks.count) marks: \(s.created) new, \(s.amended) amended (reason 'import'), \(s.unchanged) unchanged.")
            }
        } catch let e as ImportError {
            throw CommandFailure("\(e.description). Nothing was imported from this file.")
        } catch let e as StoreError {
            throw CommandFailure("\(file): \(e.description). Nothing was imported from this file.")
        }
    }
}
