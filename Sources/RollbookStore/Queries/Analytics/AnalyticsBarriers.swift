import FluentKit
import Foundation
import RollbookCore
import SQLKit

// Barriers to attendance as an analytics cohort (seed 004 "Barriers to attendance").

extension Store {
    /// The barriers recorded in `range` for a school's pupils, by pupil id (one query).
    public func barrierKinds(schoolID: Int, range: DateRange) async throws -> [Int: Set<Barrier>] {
        let t = CaseworkRow.schema
        let rows = try await sql.select().column(SQLColumn("pupil_id", table: t)).column(SQLColumn("outcome", table: t)).from(t)
            .join(PupilRow.schema, on: SQLColumn("id", table: PupilRow.schema), .equal, SQLColumn("pupil_id", table: t))
            .where(SQLColumn("school_id", table: PupilRow.schema), .equal, SQLBind(schoolID))
            .where(SQLColumn("kind", table: t), .equal, SQLBind(CaseworkKind.barrier.rawValue))
            .where(SQLColumn("happened_on", table: t), .greaterThanOrEqual, SQLBind(range.from.iso))
            .where(SQLColumn("happened_on", table: t), .lessThanOrEqual, SQLBind(range.to.iso)).all()
        var out: [Int: Set<Barrier>] = [:]
        for r in rows {
            guard let b = Barrier(rawValue: try r.decode(column: "outcome", as: String?.self) ?? "") else { continue }
            out[try r.decode(column: "pupil_id", as: Int.self), default: []].insert(b)
        }
        return out
    }

    /// Records a barrier on the pupil's timeline and marks the school's roll as changed, so the analytics cohorts
    /// count it at the next read.
    public func recordBarrier(_ entry: CaseworkRow, schoolID: Int) async throws {
        try await write { db in
            try await entry.create(on: db)
            try await Self.rollChanged(schoolID: schoolID, on: db)
        }
    }
}
