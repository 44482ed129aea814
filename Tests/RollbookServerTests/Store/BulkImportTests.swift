import FluentKit
import Foundation
import RollbookCore
import SQLKit
import Testing

@testable import RollbookServer
@testable import RollbookStore

extension ServerTests {
    @Suite("Bulk import of marks") struct BulkImportTests {
        /// Everything an import leaves behind, by UPN (ids and the moment aside, which both paths share).
        struct Written: Equatable {
            var marks: [String]
            var amendments: [String]
            var arrays: [String: SessionArray]
            var dataVersionRose: Bool
            /// The arrays stamped with a version after the import began (what the analytics cache reloads).
            var restamped: [String]
        }

        static func written(_ f: Fixture, versionBefore: Int) async throws -> Written {
            let sql = f.app.db as! any SQLDatabase
            let marks = try await sql.raw(
                """
                SELECT p.upn, m.date, m.session, m.code, m.minutes_late, m.recorded_by, m.recorded_at, m.note
                FROM marks m JOIN pupils p ON p.id = m.pupil_id ORDER BY p.upn, m.date, m.session
                """
            ).all().map { r in
                [
                    try r.decode(column: "upn", as: String.self), try r.decode(column: "date", as: String.self),
                    try r.decode(column: "session", as: String.self), try r.decode(column: "code", as: String.self),
                    "\(try r.decode(column: "minutes_late", as: Int?.self).map(String.init) ?? "-")",
                    try r.decode(column: "recorded_by", as: String.self), try r.decode(column: "recorded_at", as: String.self),
                    try r.decode(column: "note", as: String?.self) ?? "-",
                ].joined(separator: " ")
            }
            let amendments = try await sql.raw(
                """
                SELECT p.upn, a.date, a.session, a.original_code, a.new_code, a.original_minutes_late, a.new_minutes_late,
                       a.reason, a.amended_at, a.by_name, a.by_position
                FROM amendments a JOIN pupils p ON p.id = a.pupil_id ORDER BY p.upn, a.date, a.session, a.id
                """
            ).all().map { r in
                [
                    try r.decode(column: "upn", as: String.self), try r.decode(column: "date", as: String.self),
                    try r.decode(column: "session", as: String.self), try r.decode(column: "original_code", as: String.self),
                    try r.decode(column: "new_code", as: String.self),
                    "\(try r.decode(column: "original_minutes_late", as: Int?.self).map(String.init) ?? "-")",
                    "\(try r.decode(column: "new_minutes_late", as: Int?.self).map(String.init) ?? "-")",
                    try r.decode(column: "reason", as: String.self), try r.decode(column: "amended_at", as: String.self),
                    try r.decode(column: "by_name", as: String.self), try r.decode(column: "by_position", as: String.self),
                ].joined(separator: " ")
            }
            var arrays: [String: SessionArray] = [:]
            let range = DateRange(from: day("2024-09-01"), to: day("2026-08-31"))
            let byID = try await f.store.sessionArrays(schoolID: f.schoolID, range: range)
            for p in try await f.store.pupils(schoolID: f.schoolID) { arrays[p.upn] = byID[p.id!] }
            let restamped = try await sql.raw(
                """
                SELECT p.upn, s.academic_year FROM session_codes s JOIN pupils p ON p.id = s.pupil_id
                WHERE s.version > \(bind: versionBefore) ORDER BY p.upn, s.academic_year
                """
            ).all().map { "\(try $0.decode(column: "upn", as: String.self)) \(try $0.decode(column: "academic_year", as: Int.self))" }
            return Written(
                marks: marks, amendments: amendments, arrays: arrays,
                dataVersionRose: try await f.store.versions(schoolID: f.schoolID).data > versionBefore, restamped: restamped)
        }

        /// Imports `text` through today's path and through the bulk path, each on a fresh school, and returns both results.
        static func bothPaths(_ b: Backend, tinyMarks: Bool, _ text: String) async throws -> (old: Written, bulk: Written) {
            let at = "2026-01-12T16:00:00Z"
            var old: Written? = nil
            var bulk: Written? = nil
            try await withRollbook(b, tinyMarks: tinyMarks) { f in
                let before = try await f.store.versions(schoolID: f.schoolID).data
                let rows = try Interchange.readMarks(file: "m.csv", text: text)
                _ = try await f.store.importMarks(schoolID: f.schoolID, file: "m.csv", rows: rows, at: at)
                old = try await written(f, versionBefore: before)
            }
            try await withRollbook(b, tinyMarks: tinyMarks) { f in
                let before = try await f.store.versions(schoolID: f.schoolID).data
                let file = try MarkFile(file: "m.csv", bytes: Array(text.utf8))
                _ = try await f.store.importMarks(schoolID: f.schoolID, marks: file, at: at)
                bulk = try await written(f, versionBefore: before)
            }
            return (old!, bulk!)
        }

        static let head = "upn,date,session,code,minutes_late\n"

        @Test(
            "into an empty register: the bulk path writes exactly the marks and session arrays today's import writes",
            arguments: Backend.available)
        func sameAsRecordWhenEmpty(_ b: Backend) async throws {
            let text =
                try String(contentsOf: Fixture.sharedExamples.appendingPathComponent("marks.csv"), encoding: .utf8)
                + "A100000000003,2025-07-14,AM,/,\n"  // the year before
            let (old, bulk) = try await Self.bothPaths(b, tinyMarks: false, text)
            #expect(old.marks.count == 55)
            #expect(old.marks.allSatisfy { $0.hasSuffix(" import 2026-01-12T16:00:00Z import") })
            #expect(bulk == old)
            #expect(bulk.dataVersionRose)
            #expect(bulk.restamped == ["A100000000001 2025", "A100000000002 2025", "A100000000003 2024", "A100000000003 2025"])
        }

        @Test(
            "over existing marks: a changed mark is an audited amendment, an unchanged one is left, new ones are first entries, as today",
            arguments: Backend.available)
        func sameAsRecordOverExisting(_ b: Backend) async throws {
            let text =
                Self.head
                + "A100000000001,2025-09-18,AM,I,\n"  // was N: an amendment
                + "A100000000001,2025-09-19,AM,/,\n"  // unchanged
                + "A100000000002,2025-09-22,AM,L,7\n"  // new
                + "A100000000002,2025-09-22,PM,/,\n"
            let (old, bulk) = try await Self.bothPaths(b, tinyMarks: true, text)
            #expect(old.amendments == ["A100000000001 2025-09-18 AM N I - - import 2026-01-12T16:00:00Z import Rollbook import"])
            #expect(bulk == old)
        }

        @Test(
            "the change feed: one imported change per pupil for first entries written in bulk (its file, count and days), and one amended change per amended mark",
            arguments: Backend.available)
        func changeFeed(_ b: Backend) async throws {
            try await withRollbook(b, tinyMarks: true) { f in
                let start = try await f.store.changes(schoolID: f.schoolID, since: .start, limit: 5000).changes.last?.cursor ?? .start
                let text =
                    Self.head
                    + "A100000000001,2025-09-18,AM,I,\n"  // was N: an amendment
                    + "A100000000002,2025-09-23,AM,/,\n"  // new
                    + "A100000000002,2025-09-22,PM,/,\n"  // new
                    + "A100000000002,2025-09-24,AM,L,5\n"  // new
                let file = try MarkFile(file: "m.csv", bytes: Array(text.utf8))
                _ = try await f.store.importMarks(schoolID: f.schoolID, marks: file, at: "2026-01-12T16:00:00Z")
                let changes = try await f.store.changes(schoolID: f.schoolID, since: start, limit: 5000).changes
                #expect(
                    changes.map { "\($0.kind.rawValue) \($0.operation) \($0.key)" }.sorted() == [
                        "mark amended A100000000001/2025-09-18/AM", "mark imported A100000000002/2025-09-22/2025-09-24",
                    ])
                let imported = try #require(changes.first { $0.operation == "imported" })
                let value = try #require(try JSONSerialization.jsonObject(with: Data(imported.value.utf8)) as? [String: Any])
                #expect(value["file"] as? String == "m.csv" && value["marks"] as? Int == 3)
                #expect(value["from"] as? String == "2025-09-22" && value["to"] as? String == "2025-09-24")
            }
        }

        @Test("all or nothing: an unknown UPN in the middle names its line and writes nothing", arguments: Backend.available)
        func unknownPupil(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let text =
                    Self.head + "A100000000001,2025-09-05,AM,/,\nA100000000009,2025-09-05,PM,\\,\nA100000000002,2025-09-05,AM,/,\n"
                let file = try MarkFile(file: "m.csv", bytes: Array(text.utf8))
                await #expect(
                    throws: ImportError(
                        file: "m.csv", line: 3, column: "upn", reason: "no pupil with UPN A100000000009 on the admission register")
                ) {
                    _ = try await f.store.importMarks(schoolID: f.schoolID, marks: file, at: "now")
                }
                let sql = f.app.db as! any SQLDatabase
                #expect(try await sql.raw("SELECT COUNT(*) AS n FROM marks").first()!.decode(column: "n", as: Int.self) == 0)
            }
        }

        @Test("all or nothing: a write failing part-way through the file leaves no mark and no session array", arguments: Backend.available)
        func failingWriteRollsBack(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let sql = f.app.db as! any SQLDatabase
                let id = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000002")!.id!
                // A mark written around the session arrays (only a test does this): the bulk insert collides with it.
                try await sql.raw(
                    """
                    INSERT INTO marks (pupil_id, date, session, code, recorded_by, recorded_at)
                    VALUES (\(bind: id), '2025-09-05', 'PM', 'N', 'test', 'now')
                    """
                ).run()
                var text = Self.head
                for d in 0..<3 {
                    for u in ["A100000000001", "A100000000002", "A100000000003"] {
                        let date = day("2025-09-04").adding(days: d).iso
                        text += "\(u),\(date),AM,/,\n\(u),\(date),PM,/,\n"
                    }
                }
                let file = try MarkFile(file: "m.csv", bytes: Array(text.utf8))
                await #expect(throws: (any Error).self) { _ = try await f.store.importMarks(schoolID: f.schoolID, marks: file, at: "now") }
                #expect(try await sql.raw("SELECT COUNT(*) AS n FROM marks").first()!.decode(column: "n", as: Int.self) == 1)
                #expect(try await sql.raw("SELECT COUNT(*) AS n FROM session_codes").first()!.decode(column: "n", as: Int.self) == 0)
                // The date indexes (dropped for a large import on SQLite) are back with the rollback.
                let indexes = try await sql.raw(
                    "SELECT \(unsafeRaw: b == .sqlite ? "name FROM sqlite_master WHERE type = 'index' AND tbl_name" : "indexname AS name FROM pg_indexes WHERE tablename") = 'marks'"
                ).all()
                    .map { try $0.decode(column: "name", as: String.self) }
                #expect(Set(BulkMarks.dateIndexes.map(\.0)).isSubset(of: Set(indexes)))
            }
        }

        @Test("SQLite: the date indexes a large import drops and builds again are the migrations' own, after it lands or fails")
        func dateIndexesRebuilt() async throws {
            try await withRollbook(.sqlite) { f in
                let sql = f.app.db as! any SQLDatabase
                func indexes() async throws -> [String] {
                    try await sql.raw("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'marks' ORDER BY name").all()
                        .map {
                            "\(try $0.decode(column: "name", as: String.self)): \(try $0.decode(column: "sql", as: String?.self) ?? "-")"
                        }
                }
                let before = try await indexes()
                #expect(before.contains { $0.hasPrefix("marks_date: ") } && before.contains { $0.hasPrefix("marks_code_date: ") })
                var text = Self.head
                for u in ["A100000000001", "A100000000002"] { text += "\(u),2025-09-04,AM,/,\n\(u),2025-09-04,PM,N,\n" }
                let file = try MarkFile(file: "m.csv", bytes: Array(text.utf8))
                _ = try await f.store.importMarks(schoolID: f.schoolID, marks: file, at: "now")
                #expect(try await indexes() == before)
                // Used as before: the N marks of a day found through (code, date).
                let plan = try await sql.raw("EXPLAIN QUERY PLAN SELECT pupil_id FROM marks WHERE code = 'N' AND date = '2025-09-04'").all()
                    .map { try $0.decode(column: "detail", as: String.self) }
                #expect(plan.contains { $0.contains("marks_code_date") })
            }
        }

        @Test("SQLite: an analytics roll's read of the late marks goes through the partial index marks_late, not every mark")
        func lateMarksIndexed() async throws {
            try await withRollbook(.sqlite, tinyMarks: true) { f in
                let sql = f.app.db as! any SQLDatabase
                let plan = try await sql.raw(
                    """
                    EXPLAIN QUERY PLAN SELECT marks.pupil_id, marks.date, marks.session, marks.minutes_late FROM marks
                    JOIN pupils ON marks.pupil_id = pupils.id WHERE pupils.school_id = 1 AND marks.date >= '2025-09-01'
                    AND marks.date <= '2026-08-31' AND marks.minutes_late IS NOT NULL
                    """
                ).all().map { try $0.decode(column: "detail", as: String.self) }
                #expect(plan.contains { $0.contains("COVERING INDEX marks_late") }, "\(plan)")
                // What the roll reads is every late mark, as the marks hold them.
                let year = AcademicYear(startYear: 2025)
                let late = try await f.store.lateness(schoolID: f.schoolID, range: year.range)
                let count = try await sql.raw("SELECT COUNT(*) AS n FROM marks WHERE minutes_late IS NOT NULL").first()!
                    .decode(column: "n", as: Int.self)
                #expect(count > 0 && late.values.map(\.count).reduce(0, +) == count)
            }
        }

        @Test("progress is reported up to every row of the file", arguments: Backend.available)
        func progress(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let text = try String(contentsOf: Fixture.sharedExamples.appendingPathComponent("marks.csv"), encoding: .utf8)
                let file = try MarkFile(file: "m.csv", bytes: Array(text.utf8))
                final class Seen: @unchecked Sendable {
                    let lock = NSLock()
                    var values: [Int] = []
                }
                let seen = Seen()
                _ = try await f.store.importMarks(schoolID: f.schoolID, marks: file, at: "now") { done, total in
                    seen.lock.withLock { seen.values.append(done) }
                    #expect(total == 54)
                }
                #expect(seen.values.last == 54)
                #expect(seen.values == seen.values.sorted())
            }
        }
    }
}
