import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

extension ServerTests {
    @Suite("Empty lists in queries (PostgreSQL refuses IN ())") struct EmptyListTests {
        @Test("a teacher with no forms yet sees no pupils, rather than an error", arguments: Backend.available)
        func teacherWithoutForms(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                try await f.store.addStaff(
                    StaffRow(
                        schoolID: f.schoolID, name: "New Teacher", email: "new@tiny.example.org", position: "Teacher",
                        role: .teacher, passwordHash: try Bcrypt.hash("correct horse", cost: 4), forms: []))
                let token = try await createAPIToken(store: f.store, email: "new@tiny.example.org", now: "2025-09-01T08:00:00Z")
                let r = try await f.call(.GET, "/api/v1/pupils", token: token)
                #expect(r.status == .ok, "\(r.text)")
                #expect(r.array.isEmpty)
                #expect(try await f.call(.GET, "/api/v1/pupils/A100000000001", token: token).status == .forbidden)
            }
        }
    }
}
