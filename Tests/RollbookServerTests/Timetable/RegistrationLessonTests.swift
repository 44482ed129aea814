import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

/// Saves the standard policy with `school_day`, in force from 1 September 2025.
func saveSchoolDay(_ f: Fixture, _ schoolDay: SchoolDayPolicy) async throws {
    var policy = Policy.standard(name: "Tiny Test School policy", effectiveFrom: day("2025-09-01"))
    policy.schoolDay = schoolDay
    _ = try await f.store.savePolicy(
        schoolID: f.schoolID, policy, document: String(decoding: PolicyFile.encode(policy), as: UTF8.self),
        by: Actor(name: "Head Person", position: "Head"), at: "2025-09-01T08:00:00Z")
}

extension ServerTests {
    @Suite("Registration lessons give the AM/PM marks") struct RegistrationLessonTests {
        typealias T = TimetableServerTests

        func amMark(_ f: Fixture, _ upn: String, _ session: RollbookCore.Session = .am) async throws -> SessionMark? {
            let id = try #require(try await f.store.pupils(schoolID: f.schoolID).first { $0.upn == upn }?.id)
            return try await f.store.marks(pupilIDs: [id], date: day("2025-09-10"), session: session)[id]
        }

        @Test(
            "seed 000 §4.5: P1 named as the AM registration: its marks become the AM marks, a late mark decided again against the register times (L until it closes, U after), an illness reported before the register stands against the lesson's N, and a correction is an audited amendment",
            arguments: Backend.available)
        func registrationPeriod(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: day("2025-09-10"), time: TimeOfDay(hour: 9, minute: 20)!)) { f in
                try await saveSchoolDay(f, SchoolDayPolicy(registration: .init(am: "P1", pm: nil)))
                #expect(
                    try await T.upload(f, "effective_from=2025-09-08&cycle_start=2025-09-08&cycle_days=5", T.csv()).status == .created)
                // The office records Zofia's illness before the register.
                let office = try await f.call(
                    .POST, "/api/v1/registers/2025-09-10/AM", as: .office, json: #"{"marks":[{"upn":"A100000000003","code":"I"}]}"#)
                #expect(office.status == .ok, "\(office.text)")
                // P1 starts at 9:00; the AM register opens at 8:40 and closes at 9:10.
                let p1 = try await f.call(
                    .POST, T.p1, as: .teacher,
                    json: #"{"marks":[{"upn":"A100000000001","code":"L","minutes_late":5},{"upn":"A100000000003","code":"N"}]}"#)
                #expect(p1.status == .ok, "\(p1.text)")
                let mia = try #require(try await amMark(f, T.mia))
                #expect(mia.code == "L" && mia.minutesLate == 25, "arrived 9:05, 25 minutes after the register opened")
                #expect(try await amMark(f, T.zofia)?.code == "I")
                // Arriving 15 minutes into P1 is after the register closed: U.
                let later = try await f.call(
                    .POST, T.p1, as: .teacher, json: #"{"marks":[{"upn":"A100000000001","code":"L","minutes_late":15}]}"#)
                #expect(later.status == .ok, "\(later.text)")
                #expect(try await amMark(f, T.mia)?.code == "U")
                // A correction to present is an amendment naming the lesson.
                let fixed = try await f.call(.POST, T.p1, as: .teacher, json: #"{"marks":[{"upn":"A100000000001","code":"/"}]}"#)
                #expect(fixed.status == .ok, "\(fixed.text)")
                #expect(try await amMark(f, T.mia)?.code == "/")
                let id = try #require(try await f.store.pupils(schoolID: f.schoolID).first { $0.upn == T.mia }?.id)
                let amendments = try await f.store.amendments(pupilID: id, date: day("2025-09-10"), session: .am)
                #expect(amendments.map(\.newCode) == ["U", "/"], "\(amendments.map(\.newCode))")
                #expect(amendments.allSatisfy { $0.reason == "from the registration lesson P1 6x/Ma1" })
                // P3 is not a registration period: PM stays untaken.
                let p3 = try await f.call(
                    .POST, "/api/v1/lessons/2025-09-10/P3%206x%2FMa1", as: .teacher,
                    json: #"{"marks":[{"upn":"A100000000001","code":"/"}]}"#)
                #expect(p3.status == .ok, "\(p3.text)")
                #expect(try await amMark(f, T.mia, .pm) == nil)
            }
        }

        @Test("without school_day.registration a lesson register leaves the AM/PM register alone", arguments: Backend.available)
        func noRegistrationPeriod(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: day("2025-09-10"), time: TimeOfDay(hour: 9, minute: 20)!)) { f in
                #expect(
                    try await T.upload(f, "effective_from=2025-09-08&cycle_start=2025-09-08&cycle_days=5", T.csv()).status == .created)
                let p1 = try await f.call(.POST, T.p1, as: .teacher, json: #"{"marks":[{"upn":"A100000000001","code":"/"}]}"#)
                #expect(p1.status == .ok, "\(p1.text)")
                #expect(try await amMark(f, T.mia) == nil)
            }
        }
    }
}
