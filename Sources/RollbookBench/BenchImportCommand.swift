import ArgumentParser
import Foundation
import RollbookCore
import RollbookDemo
import RollbookStore

/// `rollbook bench import`: a year of marks for a generated roll, written as marks.csv and imported the way
/// `rollbook import marks` does, with references in the same run: the old reader and the old write path on a slice
/// of the same file, and a bare insert of the same rows into a table with no index.
struct BenchImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Time `rollbook import marks` on a year of marks for a generated roll, with the old path and a bare insert as references."
    )

    @Option(help: "Pupils in the generated roll.") var pupils = 50_000
    @Option(help: "Rows of the file for the old reader and the old write path (they are slow).") var slice = 300_000
    @Option(help: "PostgreSQL URL (its database is emptied); default: SQLite files in a scratch folder.") var postgres: String?
    @Option(help: "Seed of the generated roll.") var seed: UInt64 = 2025

    static let year = AcademicYear(startYear: 2025)

    func run() async throws {
        _ = try benchSettings()
        let dir = try benchFolder("import")
        defer { try? FileManager.default.removeItem(at: dir) }
        say("rollbook bench import: \(pupils) pupils, full year \(Self.year), \(postgres == nil ? "SQLite" : "PostgreSQL")")
        var t = Date()
        let school = Demo.generate(DemoOptions(phase: .secondary, pupils: pupils, through: Self.year.range.to, seed: seed))
        say("  generated the roll in \(secs(t))")
        // marks.csv, as another system would export it: pupil by pupil, day by day.
        t = Date()
        let (bytes, sliceBytes) = Self.csv(school, slice: slice)
        let path = dir.appendingPathComponent("marks.csv").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        say("  wrote marks.csv (\(bytes.count / 1_000_000) MB) in \(secs(t))")
        // The school without its marks.
        var empty = school
        for i in empty.pupils.indices {
            empty.pupils[i].marks = SessionArray(base: Demo.firstDay, days: 0)
            empty.pupils[i].minutesLate = [:]
        }

        // Reading.
        t = Date()
        let file = try MarkFile(file: "marks.csv", bytes: bytes)
        let read = Date().timeIntervalSince(t)
        let n = file.count
        say("\n  read (MarkFile)                   \(n) rows in \(secs(read)): \(rate(n, read)) rows/s")
        let sliceText = String(decoding: sliceBytes, as: UTF8.self)
        t = Date()
        let oldRows = try Interchange.readMarks(file: "slice.csv", text: sliceText)
        let oldRead = Date().timeIntervalSince(t)
        say(
            "  read (Interchange.readMarks)      \(oldRows.count) rows in \(secs(oldRead)): \(rate(oldRows.count, oldRead)) rows/s (reference)"
        )
        let sliceFile = try MarkFile(file: "slice.csv", bytes: sliceBytes)

        // Writing: the bulk import of the whole file into an empty register.
        let bulkDB = try await open(dir.appendingPathComponent("bulk.sqlite").path)
        do {
            let id = try await bulkDB.store.loadGeneratedSchool(empty, recordedBy: "bench", at: "bench")
            t = Date()
            let s = try await bulkDB.store.importMarks(schoolID: id, marks: file, at: "bench")
            let write = Date().timeIntervalSince(t)
            precondition(s.created == n)
            say("  import (bulk path, whole file)    \(n) marks in \(secs(write)): \(rate(n, write)) marks/s")
            say("  read + import                     \(secs(read + write)): \(rate(n, read + write)) marks/s")
            let bare = try await bulkDB.store.benchBareInsert(schoolID: id, marks: file)
            say("  bare insert (same rows, no index) \(n) rows in \(secs(bare)): \(rate(n, bare)) rows/s (reference)")
        } catch {
            await bulkDB.shutdown()
            throw error
        }
        await bulkDB.shutdown()

        // The same slice through both write paths, each into an empty register.
        let oldDB = try await open(dir.appendingPathComponent("old.sqlite").path)
        do {
            let id = try await oldDB.store.loadGeneratedSchool(empty, recordedBy: "bench", at: "bench")
            t = Date()
            let s = try await oldDB.store.importMarks(schoolID: id, file: "slice.csv", rows: oldRows, at: "bench")
            let write = Date().timeIntervalSince(t)
            precondition(s.created == oldRows.count)
            say(
                "  import (old path, slice)          \(oldRows.count) marks in \(secs(write)): \(rate(oldRows.count, write)) marks/s (reference)"
            )
        } catch {
            await oldDB.shutdown()
            throw error
        }
        await oldDB.shutdown()
        let sliceDB = try await open(dir.appendingPathComponent("slice.sqlite").path)
        do {
            let id = try await sliceDB.store.loadGeneratedSchool(empty, recordedBy: "bench", at: "bench")
            t = Date()
            _ = try await sliceDB.store.importMarks(schoolID: id, marks: sliceFile, at: "bench")
            let write = Date().timeIntervalSince(t)
            say("  import (bulk path, slice)         \(sliceFile.count) marks in \(secs(write)): \(rate(sliceFile.count, write)) marks/s")
        } catch {
            await sliceDB.shutdown()
            throw error
        }
        await sliceDB.shutdown()
    }

    /// A fresh database: a SQLite file, or the emptied PostgreSQL database.
    func open(_ sqlitePath: String) async throws -> StandaloneDatabase {
        guard let postgres else { return try await StandaloneDatabase(.sqlite(path: sqlitePath)) }
        let admin = try await StandaloneDatabase(.postgres(url: postgres), migrate: false)
        try await admin.store.dropAllTables()
        await admin.shutdown()
        return try await StandaloneDatabase(.postgres(url: postgres))
    }

    /// The whole file, and its first `slice` rows as a file of their own.
    static func csv(_ school: DemoSchool, slice: Int) -> ([UInt8], [UInt8]) {
        var out: [UInt8] = []
        out.reserveCapacity(school.pupils.count * 380 * 34)
        out += Array("upn,date,session,code,minutes_late\n".utf8)
        var sliceEnd = 0
        var rows = 0
        var isoCache: [Int32: [UInt8]] = [:]
        let am = Array(",AM,".utf8)
        let pm = Array(",PM,".utf8)
        let symbols = (0...255).map { Array((AttendanceCode(rawValue: UInt8($0))?.symbol ?? "").utf8) }
        for p in school.pupils {
            let upn = Array(p.record.upn.utf8)
            let bytes = p.marks.bytes
            for i in 0..<bytes.count where bytes[i] != 0 {
                let d = p.marks.base.adding(days: i / 2)
                guard Self.year.range.contains(d) else { continue }
                out += upn
                out.append(44)
                if let c = isoCache[d.dayNumber] {
                    out += c
                } else {
                    let c = Array(d.iso.utf8)
                    isoCache[d.dayNumber] = c
                    out += c
                }
                out += i % 2 == 0 ? am : pm
                out += symbols[Int(bytes[i])]
                out.append(44)
                if let m = p.minutesLate[i] { out += Array(String(m).utf8) }
                out.append(10)
                rows += 1
                if rows == slice { sliceEnd = out.count }
            }
        }
        if sliceEnd == 0 { sliceEnd = out.count }
        return (out, Array(out[0..<sliceEnd]))
    }

    func say(_ s: String) { print(s) }
    func secs(_ since: Date) -> String { secs(Date().timeIntervalSince(since)) }
    func secs(_ s: Double) -> String { String(format: "%.2f s", s) }
    func rate(_ n: Int, _ s: Double) -> String { s > 0 ? String(Int(Double(n) / s)) : "-" }
}
