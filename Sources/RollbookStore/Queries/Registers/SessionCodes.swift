import FluentKit
import Foundation
import RollbookCore
import SQLKit

/// Each pupil's AM/PM marks for an academic year as one byte a session (AM, PM, from 1 September; 0 = no mark):
/// the compact form the statistics engine scans. `marks` and `amendments` stay the record; this table is derived
/// from them, kept in step inside every write transaction, and can always be rebuilt from them.
enum SessionCodes {
    static let table = "session_codes"
    /// Two bytes a day for 366 days.
    static let size = 732

    static func slot(_ d: LocalDate, _ session: Session) -> (year: Int, index: Int) {
        let year = AcademicYear(containing: d)
        return (year.startYear, year.range.from.days(to: d) * 2 + session.index)
    }

    /// Applies current codes (nil: no mark) to the pupils' year arrays: one SELECT of the arrays (locked with FOR UPDATE
    /// on PostgreSQL; SQLite has one writer) and one multi-row upsert, per few hundred arrays. The school's row, locked
    /// first by `bumpVersions`, also serialises writers of one school, so no byte is ever lost.
    static func apply(_ changes: [(pupilID: Int, date: LocalDate, session: Session, code: AttendanceCode?)], on sql: any SQLDatabase)
        async throws
    {
        let versions = try await bumpVersions(pupilIDs: Array(Set(changes.map(\.pupilID))), on: sql)
        var byRow: [PupilYear: [(Int, UInt8)]] = [:]
        for c in changes {
            let s = slot(c.date, c.session)
            byRow[PupilYear(pupilID: c.pupilID, year: s.year), default: []].append((s.index, c.code?.rawValue ?? 0))
        }
        let keys = byRow.keys.sorted { ($0.pupilID, $0.year) < ($1.pupilID, $1.year) }
        for chunk in keys.chunks(of: 300) {
            let wanted = Set(chunk)
            var current: [PupilYear: [UInt8]] = [:]
            for r in try await sql.select().column("pupil_id").column("academic_year").column("codes").from(table)
                .where("pupil_id", .in, SQLBind.group(Array(Set(chunk.map(\.pupilID))))).where(
                    "academic_year", .in, SQLBind.group(Array(Set(chunk.map(\.year))))
                )
                .orderBy("pupil_id").orderBy("academic_year").for(.update).all()
            {
                let k = PupilYear(
                    pupilID: try r.decode(column: "pupil_id", as: Int.self), year: try r.decode(column: "academic_year", as: Int.self))
                if wanted.contains(k) { current[k] = [UInt8](try r.decode(column: "codes", as: Data.self)) }
            }
            var q = sql.insert(into: table).columns("pupil_id", "academic_year", "codes", "version")
            for k in chunk {
                var codes = current[k] ?? [UInt8](repeating: 0, count: size)
                if codes.count < size { codes += [UInt8](repeating: 0, count: size - codes.count) }
                for (i, b) in byRow[k]! { codes[i] = b }
                q = q.values(SQLBind(k.pupilID), SQLBind(k.year), SQLBind(Data(codes)), SQLBind(versions[k.pupilID] ?? 0))
            }
            try await q.onConflict(with: ["pupil_id", "academic_year"]) { $0.set(excludedValueOf: "codes").set(excludedValueOf: "version") }
                .run()
        }
    }

    /// Raises the `data_version` of the pupils' schools by one and returns each pupil's new school version. The
    /// school's row stays locked to the end of the transaction, so versions follow the order writes commit in.
    static func bumpVersions(pupilIDs: [Int], on sql: any SQLDatabase) async throws -> [Int: Int] {
        guard !pupilIDs.isEmpty else { return [:] }
        var out: [Int: Int] = [:]
        for chunk in pupilIDs.chunks(of: 500) {
            let schools = try await sql.select().distinct().column("school_id").from(PupilRow.schema)
                .where("id", .in, SQLBind.group(Array(chunk))).all().map { try $0.decode(column: "school_id", as: Int.self) }
            guard !schools.isEmpty else { continue }
            try await sql.raw("UPDATE schools SET data_version = data_version + 1 WHERE id IN \(SQLBind.group(schools))").run()
            for r in try await sql.select().column(SQLColumn("id", table: "pupils")).column(SQLColumn("data_version", table: "schools"))
                .from(PupilRow.schema).join(
                    "schools", on: SQLColumn("school_id", table: "pupils"), .equal, SQLColumn("id", table: "schools")
                )
                .where(SQLColumn("id", table: "pupils"), .in, SQLBind.group(Array(chunk))).all()
            {
                out[try r.decode(column: "id", as: Int.self)] = try r.decode(column: "data_version", as: Int.self)
            }
        }
        return out
    }

    struct PupilYear: Hashable {
        var pupilID: Int
        var year: Int
    }

    /// Inserts whole year arrays (for pupils that have none yet), 300 a statement.
    static func insert(_ rows: [(PupilYear, [UInt8])], on sql: any SQLDatabase) async throws {
        for chunk in rows.chunks(of: 300) {
            var q = sql.insert(into: table).columns("pupil_id", "academic_year", "codes")
            for (k, codes) in chunk { q = q.values(SQLBind(k.pupilID), SQLBind(k.year), SQLBind(Data(codes))) }
            try await q.run()
        }
    }

    /// Builds every array from `marks` (for a database whose marks predate this table).
    static func rebuild(on sql: any SQLDatabase) async throws {
        final class Rows: @unchecked Sendable { var arrays: [PupilYear: [UInt8]] = [:] }
        let out = Rows()
        try await sql.select().column("pupil_id").column("date").column("session").column("code").from(MarkRow.schema).run { row in
            guard let p = try? row.decode(column: "pupil_id", as: Int.self),
                let d = (try? row.decode(column: "date", as: String.self)).flatMap({ LocalDate(iso: $0) }),
                let s = (try? row.decode(column: "session", as: String.self)).flatMap(Session.init(rawValue:)),
                let c = (try? row.decode(column: "code", as: String.self)).flatMap(AttendanceCode.lookup)
            else { return }
            let at = slot(d, s)
            out.arrays[PupilYear(pupilID: p, year: at.year), default: [UInt8](repeating: 0, count: size)][at.index] = c.rawValue
        }
        try await sql.delete(from: table).run()
        try await insert(
            out.arrays.sorted { ($0.key.pupilID, $0.key.year) < ($1.key.pupilID, $1.key.year) }.map { ($0.key, $0.value) }, on: sql)
    }
}

/// The compact session arrays, with what they were built from.
struct M003SessionCodes: AsyncMigration {
    var name: String { "M003SessionCodes" }

    func prepare(on db: any Database) async throws {
        try await db.schema(SessionCodes.table)
            .field("id", .int, .identifier(auto: true))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("academic_year", .int, .required)
            .field("codes", .data, .required)
            .unique(on: "pupil_id", "academic_year")
            .create()
        try await SessionCodes.rebuild(on: db as! any SQLDatabase)
    }

    func revert(on db: any Database) async throws {
        try await db.schema(SessionCodes.table).delete()
    }
}
