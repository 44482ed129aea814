import FluentKit
import Foundation
import RollbookCore
import RollbookDemo
import SQLKit

extension Store {
    /// Loads a generated school (the demo, or a benchmark roll) in one transaction: school, calendar, pupils,
    /// contacts and every mark as a first entry. Returns the school's id.
    public func loadGeneratedSchool(_ school: DemoSchool, recordedBy: String, at now: String) async throws -> Int {
        let yearGroupYear = AcademicYear(containing: min(school.through, school.calendar.map(\.end).max() ?? school.through))
        return try await write { db in
            let sql = db as! any SQLDatabase
            let s = SchoolRow(name: school.name, times: school.registerTimes)
            try await s.create(on: db)
            let schoolID = s.id!
            for e in school.calendar { try await CalendarEntryRow(schoolID: schoolID, entry: e).create(on: db) }
            var ids: [Int] = []
            ids.reserveCapacity(school.pupils.count)
            for p in school.pupils {
                let row = PupilRow(schoolID: schoolID, record: p.record, yearGroupYear: yearGroupYear)
                try await row.create(on: db)
                ids.append(row.id!)
            }
            let contacts = zip(ids, school.pupils).flatMap { id, p in p.record.contacts.map { (id, $0) } }
            for chunk in contacts.chunks(of: 400) {
                var q = sql.insert(into: ContactRow.schema).columns(
                    "pupil_id", "priority", "name", "relationship",
                    "parental_responsibility", "lives_with", "phone", "email", "address")
                for (id, c) in chunk {
                    q = q.values(
                        SQLBind(id), SQLBind(c.priority), SQLBind(c.name), SQLBind(c.relationship),
                        SQLBind(c.parentalResponsibility), SQLBind(c.livesWith), SQLBind(c.phone), SQLBind(c.email), SQLBind(c.address))
                }
                try await q.run()
            }
            // Marks: 500 rows a statement (7 binds each, inside both databases' limits).
            var batch: [(Int, String, String, String, Int?)] = []
            batch.reserveCapacity(500)
            var isoCache: [Int32: String] = [:]
            func flush() async throws {
                guard !batch.isEmpty else { return }
                var q = sql.insert(into: MarkRow.schema).columns(
                    "pupil_id", "date", "session", "code", "minutes_late", "recorded_by", "recorded_at")
                for b in batch {
                    q = q.values(SQLBind(b.0), SQLBind(b.1), SQLBind(b.2), SQLBind(b.3), SQLBind(b.4), SQLBind(recordedBy), SQLBind(now))
                }
                try await q.run()
                batch.removeAll(keepingCapacity: true)
            }
            for (id, p) in zip(ids, school.pupils) {
                let bytes = p.marks.bytes
                for i in 0..<bytes.count where bytes[i] != 0 {
                    guard let code = AttendanceCode(rawValue: bytes[i]) else { continue }
                    let day = p.marks.base.adding(days: i / 2)
                    let iso: String
                    if let c = isoCache[day.dayNumber] {
                        iso = c
                    } else {
                        iso = day.iso
                        isoCache[day.dayNumber] = iso
                    }
                    batch.append((id, iso, i % 2 == 0 ? "AM" : "PM", code.symbol, p.minutesLate[i]))
                    if batch.count == 500 { try await flush() }
                }
            }
            try await flush()
            // The compact arrays, one per pupil and academic year with marks.
            var arrays: [(SessionCodes.PupilYear, [UInt8])] = []
            for (id, p) in zip(ids, school.pupils) {
                var byYear: [Int: [UInt8]] = [:]
                for i in 0..<p.marks.bytes.count where p.marks.bytes[i] != 0 {
                    let at = SessionCodes.slot(p.marks.base.adding(days: i / 2), i % 2 == 0 ? .am : .pm)
                    byYear[at.year, default: [UInt8](repeating: 0, count: SessionCodes.size)][at.index] = p.marks.bytes[i]
                }
                arrays += byYear.sorted { $0.key < $1.key }.map { (SessionCodes.PupilYear(pupilID: id, year: $0.key), $0.value) }
            }
            try await SessionCodes.insert(arrays, on: sql)
            return schoolID
        }
    }

    /// Whether the database holds any school yet.
    public func isEmpty() async throws -> Bool { try await SchoolRow.query(on: db).count() == 0 }
}
