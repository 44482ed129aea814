import FluentKit
import Foundation
import RollbookCore
@testable import RollbookServer
import RollbookStore
import SQLKit
import Testing

extension ServerTests {
@Suite("Storage") struct StorageTests {
    @Test("amendments cannot be edited or removed, even with SQL", arguments: Backend.available)
    func appendOnly(_ b: Backend) async throws {
        try await withRollbook(b, tinyMarks: true) { f in
            let id = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000001")!.id!
            let s = try await f.store.record([MarkWrite(pupilID: id, mark: Mark(date: day("2025-09-18"), session: .am, code: .i), reason: "GP letter")],
                                             by: Actor(name: "Olu Office", position: "Attendance officer"), at: "2025-09-19T09:00:00Z")
            #expect(s.amended == 1)
            let sql = f.app.db as! any SQLDatabase
            await #expect(throws: (any Error).self) { try await sql.raw("UPDATE amendments SET reason = 'forged'").run() }
            await #expect(throws: (any Error).self) { try await sql.raw("DELETE FROM amendments").run() }
            let a = try await f.store.amendments(pupilID: id)
            #expect(a.map(\.reason) == ["GP letter"])
            #expect(a.first?.originalCode == "N")
        }
    }

    @Test("importing marks is all or nothing: an unknown UPN names its line", arguments: Backend.available)
    func importAllOrNothing(_ b: Backend) async throws {
        try await withRollbook(b) { f in
            let text = "upn,date,session,code,minutes_late\nA100000000001,2025-09-05,AM,/,\nA100000000009,2025-09-05,PM,\\,\n"
            let rows = try Interchange.readMarks(file: "marks.csv", text: text)
            await #expect(throws: ImportError(file: "marks.csv", line: 3, column: "upn", reason: "no pupil with UPN A100000000009 on the admission register")) {
                _ = try await f.store.importMarks(schoolID: f.schoolID, file: "marks.csv", rows: rows, at: "now")
            }
            let id = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000001")!.id!
            #expect(try await f.store.marks(pupilID: id).isEmpty)
        }
    }

    @Test("re-importing a changed mark is an amendment with reason 'import'", arguments: Backend.available)
    func reimport(_ b: Backend) async throws {
        try await withRollbook(b, tinyMarks: true) { f in
            let rows = try Interchange.readMarks(file: "fix.csv", text: "upn,date,session,code,minutes_late\nA100000000001,2025-09-18,AM,I,\nA100000000001,2025-09-19,AM,/,\n")
            let s = try await f.store.importMarks(schoolID: f.schoolID, file: "fix.csv", rows: rows, at: "2025-09-22T09:00:00Z")
            #expect(s.amended == 1)
            #expect(s.unchanged == 1)
            let id = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000001")!.id!
            let a = try await f.store.amendments(pupilID: id)
            #expect(a.map { "\($0.originalCode)>\($0.newCode) \($0.reason)" } == ["N>I import"])
        }
    }

    @Test("a failing write in a register submission leaves no partial register", arguments: Backend.available)
    func transactionRollsBack(_ b: Backend) async throws {
        try await withRollbook(b, tinyMarks: true) { f in
            let p1 = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000001")!.id!
            // The first write is a new mark, the second a change without a reason: nothing may be written.
            await #expect(throws: StoreError.self) {
                _ = try await f.store.record([
                    MarkWrite(pupilID: p1, mark: Mark(date: day("2025-09-17"), session: .pm, code: .presentPM)),
                    MarkWrite(pupilID: p1, mark: Mark(date: day("2025-09-16"), session: .am, code: .c)),
                ], by: Actor(name: "X", position: "Office"), at: "now")
            }
            #expect(try await f.store.marks(pupilID: p1, range: DateRange(from: day("2025-09-17"), to: day("2025-09-17"))).count == 1)
        }
    }
}
}
