import Foundation
import RollbookCore
import RollbookStore
import SQLKit
import Testing

@testable import RollbookServer

extension ServerTests {
    @Suite("Retention: marks and pupils are kept 6 years") struct RetentionTests {
        /// The database's own date decides, so the test's dates are relative to today.
        static func iso(yearsAgo: Int, plusDays: Int) -> String {
            var cal = Calendar(identifier: .gregorian)
            cal.timeZone = TimeZone(identifier: "UTC")!
            let d = cal.date(byAdding: .day, value: plusDays, to: cal.date(byAdding: .year, value: -yearsAgo, to: Date())!)!
            let c = cal.dateComponents([.year, .month, .day], from: d)
            return LocalDate(year: c.year!, month: c.month!, day: c.day!)!.iso
        }

        @Test(
            "no one can delete a mark, a lesson mark or a pupil inside 6 years; older records can be lawfully deleted",
            arguments: Backend.available)
        func retention(_ backend: Backend) async throws {
            try await withRollbook(backend, tinyMarks: true) { f in
                let sql = f.app.db as! any SQLDatabase
                let pupil = try #require(try await f.store.pupils(schoolID: f.schoolID, filter: PupilFilter()).first)
                let pid = pupil.id!
                func insertMark(_ table: String, _ date: String) async throws {
                    let slot = table == "marks" ? "session" : "lesson"
                    try await sql.insert(into: table).columns("pupil_id", "date", slot, "code", "recorded_by", "recorded_at")
                        .values(SQLBind(pid), SQLBind(date), SQLBind("AM"), SQLBind("/"), SQLBind("Test"), SQLBind("2019-01-01T00:00:00Z"))
                        .run()
                }
                func count(_ table: String, _ date: String) async throws -> Int {
                    try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table)
                        .where("date", .equal, SQLBind(date)).first()!.decode(column: "n", as: Int.self)
                }
                let inside = Self.iso(yearsAgo: 6, plusDays: 2)
                let outside = Self.iso(yearsAgo: 6, plusDays: -2)
                for table in ["marks", "lesson_marks"] {
                    try await insertMark(table, inside)
                    try await insertMark(table, outside)
                    await #expect(throws: (any Error).self) {
                        try await sql.delete(from: table).where("date", .equal, SQLBind(inside)).run()
                    }
                    #expect(try await count(table, inside) == 1)
                    try await sql.delete(from: table).where("date", .equal, SQLBind(outside)).run()
                    #expect(try await count(table, outside) == 0)
                }
                // The tiny example's marks (September 2025) stay, and so does every amendment.
                let all = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("marks").first()!.decode(
                    column: "n", as: Int.self)
                #expect(all > 50)
                await #expect(throws: (any Error).self) { try await sql.raw("DELETE FROM marks").run() }
                #expect(
                    try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("marks").first()!.decode(
                        column: "n", as: Int.self) == all)
                // A pupil on roll cannot be deleted, nor one who left 5 years ago.
                await #expect(throws: (any Error).self) { try await sql.delete(from: "pupils").where("id", .equal, SQLBind(pid)).run() }
                let others = try await f.store.pupils(schoolID: f.schoolID, filter: PupilFilter()).map { $0.id! }.filter { $0 != pid }
                try await sql.update("pupils").set("leaving_day", to: SQLBind(Self.iso(yearsAgo: 5, plusDays: 0))).where(
                    "id", .equal, SQLBind(others[0])
                ).run()
                await #expect(throws: (any Error).self) {
                    try await sql.delete(from: "pupils").where("id", .equal, SQLBind(others[0])).run()
                }
                #expect(try await f.store.pupils(schoolID: f.schoolID, filter: PupilFilter()).count == 3)
            }
        }
    }
}
