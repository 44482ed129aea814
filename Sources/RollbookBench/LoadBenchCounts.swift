import FluentKit
import Foundation
import RollbookCore
import RollbookStore
import SQLKit

/// What `rollbook bench load` reads back after the run, to check that every acknowledged register is in the database.
extension Store {
    private var sql: any SQLDatabase { db as! any SQLDatabase }

    /// AM marks per register (date and the pupil's form) over a range of days, in one grouped SQL count.
    func amMarkCountsByRegister(schoolID: Int, range: DateRange) async throws -> [String: Int] {
        let rows = try await sql.raw(
            """
            SELECT m.date AS day, p.form AS form, COUNT(*) AS n FROM marks m JOIN pupils p ON p.id = m.pupil_id
            WHERE p.school_id = \(bind: schoolID) AND m.session = 'AM' AND m.date >= \(bind: range.from.iso) AND m.date <= \(bind: range.to.iso)
            GROUP BY m.date, p.form
            """
        ).all()
        var out: [String: Int] = [:]
        for r in rows {
            out["\(try r.decode(column: "day", as: String.self))|\(try r.decode(column: "form", as: String.self))"] = try r.decode(
                column: "n", as: Int.self)
        }
        return out
    }

    /// Audit records of AM amendments over a range of days.
    func amAmendmentCount(schoolID: Int, range: DateRange) async throws -> Int {
        let row = try await sql.raw(
            """
            SELECT COUNT(*) AS n FROM amendments a JOIN pupils p ON p.id = a.pupil_id
            WHERE p.school_id = \(bind: schoolID) AND a.session = 'AM' AND a.date >= \(bind: range.from.iso) AND a.date <= \(bind: range.to.iso)
            """
        ).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }
}
