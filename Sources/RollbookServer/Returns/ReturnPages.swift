import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// What the LA returns and the census pages share: who may see them, the schools and rolls they cover, the format asked for.
enum ReturnPages {
    static let returnRoles: [Role] = [.laOfficer, .head, .attendanceLead]
    static let censusRoles: [Role] = [.laOfficer, .head, .attendanceLead, .office]

    static func require(_ u: StaffUser, _ roles: [Role], _ what: String) throws {
        guard roles.contains(u.role) else {
            throw APIError(.forbidden, field: nil, reason: "\(what), not for a \(u.role.title.lowercased())")
        }
    }

    /// The schools a user's returns cover: every school of the deployment for the LA officer, else their own.
    static func schools(_ req: Request, _ u: StaffUser) async throws -> [SchoolRow] {
        u.role == .laOfficer ? try await req.store.schools() : [try await req.store.school(u.schoolID)]
    }

    /// Everyone ever on a school's roll, with their marks over `range`.
    static func roll(_ req: Request, schoolID: Int, range: DateRange) async throws -> [ReturnPupil] {
        let rows = try await req.store.pupils(schoolID: schoolID)
        let arrays = try await req.store.sessionArrays(schoolID: schoolID, range: range)
        return rows.map { p in
            ReturnPupil(
                record: p.record(), yearGroupYear: AcademicYear(startYear: p.yearGroupYear),
                marks: arrays[p.id!] ?? SessionArray(base: range.from, days: 0))
        }
    }

    static func format(_ req: Request) throws -> String {
        let f = req.query[String.self, at: "format"] ?? "html"
        guard ["html", "json", "csv", "xlsx"].contains(f) else {
            throw APIError.invalid("format", "'\(f)' must be html, json, csv or xlsx")
        }
        return f
    }

    struct Link: Content {
        var label: String
        var href: String
        var current: Bool
    }
}
