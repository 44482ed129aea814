import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import RollbookCore
import SQLKit

extension Store {
    /// Rows written so far and the rows to write, reported as a large import goes.
    public typealias ImportProgress = @Sendable (_ done: Int, _ total: Int) -> Void

    /// Imports a marks file in one transaction, all or nothing: each mark for a session with no mark yet is a first
    /// entry written in bulk (the same row today's `record` writes: recorded by `import`, note `import`); a session that
    /// already has a mark goes through `record`, so a change is an audited amendment with reason `import`. The session
    /// arrays are built alongside. An unknown UPN fails the whole file with the line it first appears on.
    public func importMarks(schoolID: Int, marks: MarkFile, at now: String, progress: ImportProgress? = nil) async throws
        -> WriteSummary
    {
        let pupilIDs = try await pupilIDs(schoolID: schoolID, marks: marks)
        guard let range = marks.range else { return WriteSummary() }
        return try await write { db in
            try await BulkMarks(file: marks, pupilIDs: pupilIDs, schoolID: schoolID, now: now, progress: progress).run(range: range, on: db)
        }
    }
}

extension Store {
    /// The pupil id of each of the file's UPNs; an unknown UPN fails with the line it first appears on.
    func pupilIDs(schoolID: Int, marks: MarkFile) async throws -> [Int] {
        var byUPN: [String: Int] = [:]
        for r in try await sql.select().column("id").column("upn").from(PupilRow.schema).where("school_id", .equal, SQLBind(schoolID)).all()
        {
            byUPN[try r.decode(column: "upn", as: String.self)] = try r.decode(column: "id", as: Int.self)
        }
        var ids: [Int] = []
        ids.reserveCapacity(marks.upns.count)
        var unknown: (line: Int, upn: String)? = nil
        for (i, upn) in marks.upns.enumerated() {
            if let id = byUPN[upn] {
                ids.append(id)
            } else {
                ids.append(0)
                if unknown == nil || marks.firstLine[i] < unknown!.line { unknown = (marks.firstLine[i], upn) }
            }
        }
        if let unknown {
            throw ImportError(
                file: marks.file, line: unknown.line, column: "upn", reason: "no pupil with UPN \(unknown.upn) on the admission register")
        }
        return ids
    }

    /// Benchmarks only: the rows a bulk import writes, inserted the same way into `bench_bare_marks` (the columns of
    /// `marks`, no index, no session arrays), in one transaction. Returns the seconds the inserts took.
    public func benchBareInsert(schoolID: Int, marks: MarkFile) async throws -> Double {
        let pupilIDs = try await pupilIDs(schoolID: schoolID, marks: marks)
        try await sql.raw("DROP TABLE IF EXISTS bench_bare_marks").run()
        try await sql.raw(
            """
            CREATE TABLE bench_bare_marks (pupil_id INTEGER NOT NULL, date TEXT NOT NULL, session TEXT NOT NULL, code TEXT NOT NULL,
            minutes_late INTEGER, recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL, note TEXT)
            """
        ).run()
        let start = Date()
        try await write { db in
            try await BulkMarks.insert(
                file: marks, rows: (0..<Int32(marks.count)).map { $0 }, pupilIDs: pupilIDs, now: "bench", table: "bench_bare_marks",
                on: db
            ) { _ in }
        }
        let seconds = Date().timeIntervalSince(start)
        try await sql.raw("DROP TABLE bench_bare_marks").run()
        return seconds
    }
}

/// One marks file written inside one transaction: the first entries in bulk, the rest through `record`.
struct BulkMarks {
    let file: MarkFile
    /// Pupil id by the file's pupil number.
    let pupilIDs: [Int]
    let schoolID: Int
    let now: String
    let progress: Store.ImportProgress?
    static let actor = Actor(name: "import", position: "Rollbook import")
    static let reason = "import"

    func run(range: DateRange, on db: any Database) async throws -> WriteSummary {
        let sql = db as! any SQLDatabase
        var summary = WriteSummary()
        var existing: [Int32] = []
        // Each pupil's first entries written in bulk: count, first and last day (for the change feed).
        var imported: [Int32: (count: Int, from: Int32, to: Int32)] = [:]
        // The school's row first (as `SessionCodes.apply` locks it), then its arrays.
        try await sql.raw("UPDATE schools SET data_version = data_version + 1 WHERE id = \(bind: schoolID)").run()
        let version = try await sql.select().column("data_version").from("schools").where("id", .equal, SQLBind(schoolID)).first()!
            .decode(column: "data_version", as: Int.self)
        let firstYear = AcademicYear(containing: range.from).startYear
        let lastYear = AcademicYear(containing: range.to).startYear
        // One academic year at a time: its arrays for every pupil in the file, one buffer.
        var yearOf: [Int32]? = nil
        if lastYear > firstYear {
            yearOf = file.day.map { Int32(AcademicYear(containing: LocalDate(dayNumber: $0)).startYear) }
        }
        for year in firstYear...lastYear {
            let start = AcademicYear(startYear: year).range.from.dayNumber
            var arrays = try await YearArrays(year: year, pupilIDs: pupilIDs, schoolID: schoolID, on: sql)
            var fresh: [Int32] = []
            fresh.reserveCapacity(file.count)
            for i in 0..<file.count {
                if let y = yearOf, y[i] != Int32(year) { continue }
                let at = Int(file.pupil[i]) * SessionCodes.size + Int(file.day[i] - start) * 2 + Int(file.session[i])
                if arrays.codes[at] != 0 {
                    existing.append(Int32(i))
                } else {
                    fresh.append(Int32(i))
                }
                arrays.codes[at] = file.code[i]
                arrays.touched[Int(file.pupil[i])] = true
            }
            let before = summary.created
            let total = file.count
            let progress = self.progress
            try await Self.insert(file: file, rows: fresh, pupilIDs: pupilIDs, now: now, on: db) { done in
                progress?(before + done, total)
            }
            summary.created += fresh.count
            for i in fresh.lazy.map(Int.init) {
                let p = file.pupil[i]
                let d = file.day[i]
                if let e = imported[p] {
                    imported[p] = (e.count + 1, min(e.from, d), max(e.to, d))
                } else {
                    imported[p] = (1, d, d)
                }
            }
            try await arrays.save(version: version, on: sql)
        }
        // Sessions that had a mark: today's audited path decides first entry, amendment or unchanged.
        if !existing.isEmpty {
            let entries = existing.map { i -> Store.Entry in
                let (_, m) = file.row(Int(i))
                return Store.Entry(
                    pupilID: pupilIDs[Int(file.pupil[Int(i)])], date: m.date, slot: m.session.rawValue, code: m.code,
                    minutesLate: m.minutesLate, reason: Self.reason)
            }
            let s = try await Store.record(entries, in: .sessions, by: Self.actor, at: now, on: db)
            summary.amended = s.amended
            summary.unchanged = s.unchanged
            summary.created += s.created
        }
        progress?(file.count, file.count)
        try await queueEvents(on: sql)
        try await Self.recordChanges(imported, file: file, schoolID: schoolID, at: now, on: db)
        return summary
    }

    /// The change feed gets one `imported` mark change per pupil for the first entries written in bulk (one per mark
    /// would cost as much as the marks): key `UPN/FROM/TO`, value the file, the count and the days, so a reader fetches
    /// that pupil's marks for those days. Amendments went through `record`, which records each.
    static func recordChanges(
        _ imported: [Int32: (count: Int, from: Int32, to: Int32)], file: MarkFile, schoolID: Int, at now: String, on db: any Database
    ) async throws {
        let changes = imported.sorted { $0.key < $1.key }.map { p, e in
            let upn = file.upns[Int(p)]
            let from = LocalDate(dayNumber: e.from).iso
            let to = LocalDate(dayNumber: e.to).iso
            return Change(
                kind: .mark, operation: "imported", schoolID: schoolID, upn: upn, key: "\(upn)/\(from)/\(to)",
                value: #"{"file":\#(Change.quoted(file.file)),"marks":\#(e.count),"from":"\#(from)","to":"\#(to)"}"#)
        }
        try await Store.recordChanges(changes, at: now, on: db)
    }

    /// `mark.changed` for the first entries, as `record` queues it, when the school has webhook subscribers.
    private func queueEvents(on sql: any SQLDatabase) async throws {
        guard let first = pupilIDs.first, try await Store.subscribers(pupilID: first, on: sql) != nil else { return }
        var written: [Store.Entry] = []
        for i in 0..<file.count {
            let (_, m) = file.row(i)
            written.append(
                Store.Entry(
                    pupilID: pupilIDs[Int(file.pupil[i])], date: m.date, slot: m.session.rawValue, code: m.code,
                    minutesLate: m.minutesLate, reason: Self.reason))
        }
        try await Store.queueMarkEvents(
            written: written, register: written, taken: nil, previous: [:], by: Self.actor, at: now, on: sql)
    }

    /// Writes first entries into `marks`: the one place where the two databases differ. SQLite: an INSERT of a batch of
    /// rows bound as JSON. PostgreSQL: COPY FROM STDIN.
    static func insert(
        file: MarkFile, rows: [Int32], pupilIDs: [Int], now: String, table: String = MarkRow.schema, on db: any Database,
        progress: @escaping @Sendable (Int) -> Void
    ) async throws {
        guard !rows.isEmpty else { return }
        if let sqlite = db as? any SQLiteDatabase {
            // The three indexes on `marks` each take inserts at a few thousand places at once: with SQLite's default
            // 2 MB page cache they spill to disk inside the transaction. A larger cache for this write, then the old one.
            let cache = try await sqlite.query("PRAGMA cache_size").first?.column("cache_size")?.integer ?? -2000
            try await sqlite.query("PRAGMA cache_size = -262144") { _ in }
            do {
                // An import at least as large as the register so far: the two date indexes dropped and built again after
                // (sorting once is cheaper than adding to each at every day's place). Inside the transaction, so other
                // readers keep them, and a failure keeps them too.
                let registered = try await sqlite.query("SELECT max(rowid) AS n FROM marks").first?.column("n")?.integer ?? 0
                let rebuild = table == MarkRow.schema && rows.count >= registered
                let sql = db as! any SQLDatabase
                if rebuild { for (name, _) in Self.dateIndexes { try await sql.drop(index: name).run() } }
                try await insertSQLite(file: file, rows: rows, pupilIDs: pupilIDs, now: now, table: table, on: sqlite, progress: progress)
                if rebuild {
                    for (name, columns) in Self.dateIndexes {
                        var index = sql.create(index: name).on(MarkRow.schema)
                        for c in columns { index = index.column(c) }
                        try await index.run()
                    }
                }
            } catch {
                try? await sqlite.query("PRAGMA cache_size = \(cache)") { _ in }
                throw error
            }
            try await sqlite.query("PRAGMA cache_size = \(cache)") { _ in }
        } else if let postgres = db as? any PostgresDatabase {
            // Text format: tab-separated, \N for null; the constant columns need no escaping beyond these.
            func escaped(_ s: String) -> String {
                s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t")
                    .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
            }
            let tail = Array("\t\(escaped(BulkMarks.actor.name))\t\(escaped(now))\t\(escaped(BulkMarks.reason))\n".utf8)
            let codeBytes = (0...255).map { Array(escaped(AttendanceCode(rawValue: UInt8($0))?.symbol ?? "").utf8) }
            let rowsCopy = rows
            let chunk = 20_000
            try await postgres.withConnection { conn in
                conn.eventLoop.makeFutureWithTask {
                    try await conn.copyFrom(
                        table: table,
                        columns: ["pupil_id", "date", "session", "code", "minutes_late", "recorded_by", "recorded_at", "note"],
                        logger: conn.logger
                    ) { writer in
                        var isoBytes: [Int32: [UInt8]] = [:]
                        var done = 0
                        while done < rowsCopy.count {
                            let n = min(chunk, rowsCopy.count - done)
                            var buffer = ByteBuffer()
                            buffer.reserveCapacity(n * 64)
                            for k in done..<(done + n) {
                                let i = Int(rowsCopy[k])
                                let d = file.day[i]
                                buffer.writeString(String(pupilIDs[Int(file.pupil[i])]))
                                buffer.writeInteger(UInt8(9))
                                if let b = isoBytes[d] {
                                    buffer.writeBytes(b)
                                } else {
                                    let b = Array(LocalDate(dayNumber: d).iso.utf8)
                                    isoBytes[d] = b
                                    buffer.writeBytes(b)
                                }
                                buffer.writeStaticString(file.session[i] == 0 ? "\tAM\t" : "\tPM\t")
                                buffer.writeBytes(codeBytes[Int(file.code[i])])
                                buffer.writeInteger(UInt8(9))
                                let m = file.minutesLate[i]
                                if m < 0 { buffer.writeStaticString("\\N") } else { buffer.writeString(String(m)) }
                                buffer.writeBytes(tail)
                            }
                            try await writer.write(buffer)
                            done += n
                            progress(done)
                        }
                    }
                }
            }.get()
        } else {
            throw StoreError.invalid(ValidationError(field: "database", reason: "bulk import needs SQLite or PostgreSQL"))
        }
    }

    /// The indexes on `marks` besides its key (as the migrations create them): by day, and by code and day.
    static let dateIndexes = [("marks_date", ["date"]), ("marks_code_date", ["code", "date"])]

    /// One INSERT a batch of 50,000 rows, the rows bound as one JSON array read by `json_each`: SQLiteNIO prepares
    /// every statement anew, so the statement stays short and its values are not bound one by one.
    private static func insertSQLite(
        file: MarkFile, rows: [Int32], pupilIDs: [Int], now: String, table: String, on sqlite: any SQLiteDatabase,
        progress: @escaping @Sendable (Int) -> Void
    ) async throws {
        // A statement that may fail half way keeps a journal of the first copy of each page it changes. The file comes
        // pupil by pupil, so each statement adds to about as many pages of the date indexes as there are days: the more
        // rows a statement carries, the less is copied per row.
        let batch = 50_000
        let statement = """
            INSERT INTO \(table) (pupil_id, date, session, code, minutes_late, recorded_by, recorded_at, note)
            SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, ?1, ?2, ?3 FROM json_each(?4)
            """
        // Each code as a JSON string (`\\` for the backslash).
        let codes = (0...255).map { b -> [UInt8] in
            let s = AttendanceCode(rawValue: UInt8(b))?.symbol ?? ""
            return Array("\"\(s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\"".utf8)
        }
        let sessions = [Array(",\"AM\",".utf8), Array(",\"PM\",".utf8)]
        var dates: [Int32: [UInt8]] = [:]
        var json: [UInt8] = []
        json.reserveCapacity(batch * 48)
        var done = 0
        while done < rows.count {
            let n = min(batch, rows.count - done)
            json.removeAll(keepingCapacity: true)
            json.append(UInt8(ascii: "["))
            for k in done..<(done + n) {
                let i = Int(rows[k])
                let d = file.day[i]
                if k > done { json.append(UInt8(ascii: ",")) }
                json.append(UInt8(ascii: "["))
                json.append(contentsOf: String(pupilIDs[Int(file.pupil[i])]).utf8)
                json.append(UInt8(ascii: ","))
                if let b = dates[d] {
                    json.append(contentsOf: b)
                } else {
                    let b = Array("\"\(LocalDate(dayNumber: d).iso)\"".utf8)
                    dates[d] = b
                    json.append(contentsOf: b)
                }
                json.append(contentsOf: sessions[Int(file.session[i])])
                json.append(contentsOf: codes[Int(file.code[i])])
                json.append(UInt8(ascii: ","))
                let m = file.minutesLate[i]
                if m < 0 { json.append(contentsOf: "null".utf8) } else { json.append(contentsOf: String(m).utf8) }
                json.append(UInt8(ascii: "]"))
            }
            json.append(UInt8(ascii: "]"))
            let binds: [SQLiteData] = [
                .text(BulkMarks.actor.name), .text(now), .text(BulkMarks.reason), .text(String(decoding: json, as: UTF8.self)),
            ]
            try await sqlite.query(statement, binds) { _ in }
            done += n
            progress(done)
        }
    }
}

/// One academic year's session arrays for every pupil of a file, in one flat buffer (`SessionCodes.size` bytes a pupil).
struct YearArrays {
    let year: Int
    let pupilIDs: [Int]
    var codes: [UInt8]
    /// Pupils the file writes to.
    var touched: [Bool]

    init(year: Int, pupilIDs: [Int], schoolID: Int, on sql: any SQLDatabase) async throws {
        self.year = year
        self.pupilIDs = pupilIDs
        let n = pupilIDs.count
        var codes = [UInt8](repeating: 0, count: n * SessionCodes.size)
        var number: [Int: Int] = [:]
        for (i, id) in pupilIDs.enumerated() { number[id] = i }
        let t = SessionCodes.table
        let rows = try await sql.select().column(SQLColumn("pupil_id", table: t)).column(SQLColumn("codes", table: t)).from(t)
            .join(PupilRow.schema, on: SQLColumn("id", table: PupilRow.schema), .equal, SQLColumn("pupil_id", table: t))
            .where(SQLColumn("school_id", table: PupilRow.schema), .equal, SQLBind(schoolID))
            .where(SQLColumn("academic_year", table: t), .equal, SQLBind(year)).for(.update).all()
        for r in rows {
            guard let i = number[try r.decode(column: "pupil_id", as: Int.self)] else { continue }
            let data = try r.decode(column: "codes", as: Data.self)
            let base = i * SessionCodes.size
            for (k, b) in data.prefix(SessionCodes.size).enumerated() { codes[base + k] = b }
        }
        self.codes = codes
        self.touched = [Bool](repeating: false, count: n)
    }

    /// Writes the touched arrays, stamped with the school's data version of this write.
    func save(version: Int, on sql: any SQLDatabase) async throws {
        let touchedPupils = (0..<pupilIDs.count).filter { touched[$0] }
        guard !touchedPupils.isEmpty else { return }
        for chunk in touchedPupils.chunks(of: 300) {
            var q = sql.insert(into: SessionCodes.table).columns("pupil_id", "academic_year", "codes", "version")
            for i in chunk {
                let base = i * SessionCodes.size
                q = q.values(
                    SQLBind(pupilIDs[i]), SQLBind(year), SQLBind(Data(codes[base..<(base + SessionCodes.size)])), SQLBind(version))
            }
            try await q.onConflict(with: ["pupil_id", "academic_year"]) { $0.set(excludedValueOf: "codes").set(excludedValueOf: "version") }
                .run()
        }
    }
}
