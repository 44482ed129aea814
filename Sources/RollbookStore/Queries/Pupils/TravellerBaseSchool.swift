import Foundation
import RollbookCore
import SQLKit

extension Store {
    /// Each pupil's last day marked present or at an approved educational activity here, by pupil id; pupils never so
    /// marked are left out.
    public func lastAttended(pupilIDs: [Int]) async throws -> [Int: LocalDate] {
        let codes = TravellerBaseSchool.attendedCodes.map(\.symbol)
        var out: [Int: LocalDate] = [:]
        for chunk in pupilIDs.chunks(of: 500) {
            let rows = try await sql.select().column(SQLColumn("pupil_id"))
                .column(SQLFunction("MAX", args: SQLColumn("date")), as: "last")
                .from(MarkRow.schema).where(SQLColumn("pupil_id"), .in, SQLBind.group(Array(chunk)))
                .where(SQLColumn("code"), .in, SQLBind.group(codes)).groupBy(SQLColumn("pupil_id")).all()
            for r in rows {
                let id = try r.decode(column: "pupil_id", as: Int.self)
                if let d = LocalDate(iso: try r.decode(column: "last", as: String.self)) { out[id] = d }
            }
        }
        return out
    }
}
