import FluentKit
import Foundation
import RollbookCore
import SQLKit
import Testing

@testable import RollbookServer
@testable import RollbookStore

extension ServerTests {
    @Suite("Storage") struct StorageTests {
        @Test("amendments cannot be edited or removed, even with SQL", arguments: Backend.available)
        func appendOnly(_ b: Backend) async throws {
            try await withRollbook(b, tinyMarks: true) { f in
                let id = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000001")!.id!
                let s = try await f.store.record(
                    [MarkWrite(pupilID: id, mark: Mark(date: day("2025-09-18"), session: .am, code: .i), reason: "GP letter")],
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

        @Test("the compact session arrays always agree with the marks, and can be rebuilt from them", arguments: Backend.available)
        func sessionArraysFollowMarks(_ b: Backend) async throws {
            try await withRollbook(b, tinyMarks: true) { f in
                let mia = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000001")!.id!
                let danny = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000002")!.id!
                _ = try await f.store.record(
                    [
                        MarkWrite(pupilID: mia, mark: Mark(date: day("2025-09-18"), session: .am, code: .i), reason: "GP letter"),
                        MarkWrite(pupilID: danny, mark: Mark(date: day("2025-09-11"), session: .am, code: .o)),
                        MarkWrite(pupilID: danny, mark: Mark(date: day("2026-01-05"), session: .pm, code: .m)),
                    ], by: Actor(name: "Olu Office", position: "Attendance officer"), at: "2025-09-22T09:00:00Z")
                let range = DateRange(from: day("2025-08-01"), to: day("2026-02-01"))
                func fromMarks() async throws -> [Int: SessionArray] {
                    var out: [Int: SessionArray] = [:]
                    for p in try await f.store.pupils(schoolID: f.schoolID) {
                        var a = SessionArray(covering: range)
                        for m in try await f.store.marks(pupilID: p.id!) {
                            a[LocalDate(iso: m.date)!, Session(rawValue: m.session)!] = AttendanceCode.lookup(m.code)
                        }
                        out[p.id!] = a
                    }
                    return out
                }
                let expected = try await fromMarks()
                let arrays = try await f.store.sessionArrays(schoolID: f.schoolID, range: range)
                #expect(arrays[mia]?[day("2025-09-18"), .am] == .i)
                #expect(arrays[danny]?[day("2026-01-05"), .pm] == .m)
                for (id, a) in expected { #expect(arrays[id] == a, "pupil \(id)") }
                try await SessionCodes.rebuild(on: f.app.db as! any SQLDatabase)
                let rebuilt = try await f.store.sessionArrays(schoolID: f.schoolID, range: range)
                for (id, a) in expected { #expect(rebuilt[id] == a, "pupil \(id) after rebuild") }
                // A range inside one year, starting mid-year.
                let part = DateRange(from: day("2025-09-09"), to: day("2025-09-10"))
                let partial = try await f.store.sessionArrays(schoolID: f.schoolID, pupilIDs: [mia], range: part)
                #expect(partial[mia]?.bytes == [AttendanceCode.late, .presentPM, .u, .presentPM].map(\.rawValue))
            }
        }

        @Test("importing marks is all or nothing: an unknown UPN names its line", arguments: Backend.available)
        func importAllOrNothing(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let text = "upn,date,session,code,minutes_late\nA100000000001,2025-09-05,AM,/,\nA100000000009,2025-09-05,PM,\\,\n"
                let rows = try Interchange.readMarks(file: "marks.csv", text: text)
                await #expect(
                    throws: ImportError(
                        file: "marks.csv", line: 3, column: "upn", reason: "no pupil with UPN A100000000009 on the admission register")
                ) {
                    _ = try await f.store.importMarks(schoolID: f.schoolID, file: "marks.csv", rows: rows, at: "now")
                }
                let id = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000001")!.id!
                #expect(try await f.store.marks(pupilID: id).isEmpty)
            }
        }

        @Test("re-importing a changed mark is an amendment with reason 'import'", arguments: Backend.available)
        func reimport(_ b: Backend) async throws {
            try await withRollbook(b, tinyMarks: true) { f in
                let rows = try Interchange.readMarks(
                    file: "fix.csv",
                    text: "upn,date,session,code,minutes_late\nA100000000001,2025-09-18,AM,I,\nA100000000001,2025-09-19,AM,/,\n")
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
                    _ = try await f.store.record(
                        [
                            MarkWrite(pupilID: p1, mark: Mark(date: day("2025-09-17"), session: .pm, code: .presentPM)),
                            MarkWrite(pupilID: p1, mark: Mark(date: day("2025-09-16"), session: .am, code: .c)),
                        ], by: Actor(name: "X", position: "Office"), at: "now")
                }
                #expect(try await f.store.marks(pupilID: p1, range: DateRange(from: day("2025-09-17"), to: day("2025-09-17"))).count == 1)
            }
        }

        @Test(
            "policy versions: the one in force on a day decides; versions are not replaced; the API no longer edits what the policy sets",
            arguments: Backend.available)
        func policyVersions(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let actor = Actor(name: "Lee Lead", position: "Attendance lead")
                // Before any version: the standard policy with the school's own register times.
                #expect(try await f.store.policy(schoolID: f.schoolID, on: day("2025-09-09")).register == Fixture.times)
                var autumn = Policy.standard(name: "Autumn", effectiveFrom: day("2025-09-01"))
                autumn.attendanceTarget = 0.95
                var later = autumn
                later.name = "From October"
                later.effectiveFrom = day("2025-10-01")
                later.noReason.nToOSchoolDays = 3
                for p in [autumn, later] {
                    _ = try await f.store.savePolicy(
                        schoolID: f.schoolID, p, document: String(decoding: PolicyFile.encode(p), as: UTF8.self), by: actor, at: "t")
                }
                #expect(try await f.store.policy(schoolID: f.schoolID, on: day("2025-09-30")).name == "Autumn")
                #expect(try await f.store.policy(schoolID: f.schoolID, on: day("2025-10-01")).noReason.nToOSchoolDays == 3)
                await #expect(throws: StoreError.self) {
                    _ = try await f.store.savePolicy(schoolID: f.schoolID, later, document: "{}", by: actor, at: "t")
                }
                #expect(try await f.store.policyVersions(schoolID: f.schoolID).count == 2)
                let school = try await f.call(.GET, "/api/v1/school").object
                #expect(school["attendance_target"] as? Double == 0.95)
                let put = try await f.call(.PUT, "/api/v1/school", json: #"{"attendance_target": 0.9}"#)
                #expect(put.status == .conflict && put.errorField == "attendance_target")
            }
        }

        @Test("a daily job is claimed once per school and day, however many instances ask", arguments: Backend.available)
        func jobClaimedOnce(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let claims = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for _ in 0..<8 {
                        group.addTask { try await f.store.claimJob(schoolID: f.schoolID, job: "evaluate", day: day("2025-09-09"), at: "t") }
                    }
                    return try await group.reduce(into: [Bool]()) { $0.append($1) }
                }
                #expect(claims.filter { $0 }.count == 1)
                #expect(try await f.store.claimJob(schoolID: f.schoolID, job: "evaluate", day: day("2025-09-10"), at: "t"))
            }
        }

        @Test(
            "the daily job amends N marks past the policy's limit to O, with the reason, once a day however often it runs",
            arguments: Backend.available)
        func dailyNToO(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: day("2025-09-19"), time: TimeOfDay(hour: 10, minute: 0)!)) { f in
                let mia = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000001")!.id!
                let teacher = Actor(name: "Sam Teacher", position: "Teacher")
                _ = try await f.store.record(
                    [
                        MarkWrite(pupilID: mia, mark: Mark(date: day("2025-09-08"), session: .am, code: .n)),
                        MarkWrite(pupilID: mia, mark: Mark(date: day("2025-09-18"), session: .am, code: .n)),
                    ], by: teacher, at: "t")
                await DailyJobs.runDue(app: f.app)
                await DailyJobs.runDue(app: f.app)
                let marks = Dictionary(
                    try await f.store.marks(pupilID: mia).map { ("\($0.date) \($0.session)", $0.code) }, uniquingKeysWith: { a, _ in a })
                #expect(marks["2025-09-08 AM"] == "O", "more than 5 school days without a reason")
                #expect(marks["2025-09-18 AM"] == "N", "1 school day old")
                let amendments = try await f.store.amendments(pupilID: mia)
                #expect(amendments.count == 1)
                #expect(amendments.first?.reason.contains("N becomes O") == true && amendments.first?.byName == "Rollbook")
            }
        }
    }
}
