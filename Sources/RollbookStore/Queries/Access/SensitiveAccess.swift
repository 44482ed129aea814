import FluentKit
import Foundation
import RollbookCore
import SQLKit

/// A pupil's safeguarding details: seeing them is recorded in `sensitive_access`.
public enum SensitiveDetail: String, CaseIterable, Sendable, Codable {
    case childProtection = "child_protection"
    case childInNeed = "child_in_need"
    case lookedAfter = "looked_after"
    case previouslyLookedAfter = "previously_looked_after"
    case socialWorker = "social_worker"

    public var title: String {
        switch self {
        case .childProtection: "Child protection plan"
        case .childInNeed: "Child in need"
        case .lookedAfter: "Looked after"
        case .previouslyLookedAfter: "Previously looked after"
        case .socialWorker: "Social worker"
        }
    }

    /// The safeguarding details a pupil has, in this order; empty when there are none.
    public static func held(in c: Characteristics) -> [SensitiveDetail] {
        allCases.filter { d in
            switch d {
            case .childProtection: c.childProtectionPlan
            case .childInNeed: c.childInNeed
            case .lookedAfter: c.lookedAfter
            case .previouslyLookedAfter: c.previouslyLookedAfter
            case .socialWorker:
                !c.socialWorkerName.trimmingCharacters(in: .whitespaces).isEmpty
                    || !c.socialWorkerContact.trimmingCharacters(in: .whitespaces).isEmpty
            }
        }
    }
}

/// One time a staff member was shown a pupil's safeguarding details. The staff member's name and role are as they
/// were at the time; `at` comes from the school's clock.
public struct SensitiveAccessEntry: Sendable, Hashable {
    public var id: Int?
    public var schoolID: Int
    public var staffID: Int
    public var staffName: String
    public var staffRole: String
    public var staffPosition: String
    public var pupilID: Int
    public var upn: String
    public var pupilName: String
    public var shown: [SensitiveDetail]
    /// The method and path shown, e.g. `GET /pupils/A100000000001`.
    public var route: String
    public var at: String
    public init(
        id: Int? = nil, schoolID: Int, staffID: Int, staffName: String, staffRole: String, staffPosition: String, pupilID: Int,
        upn: String, pupilName: String, shown: [SensitiveDetail], route: String, at: String
    ) {
        self.id = id
        self.schoolID = schoolID
        self.staffID = staffID
        self.staffName = staffName
        self.staffRole = staffRole
        self.staffPosition = staffPosition
        self.pupilID = pupilID
        self.upn = upn
        self.pupilName = pupilName
        self.shown = shown
        self.route = route
        self.at = at
    }
}

/// The access log of safeguarding details. Append-only: the database refuses UPDATE and DELETE, as for amendments.
struct M009SensitiveAccess: AsyncMigration {
    var name: String { "M009SensitiveAccess" }

    func prepare(on db: any Database) async throws {
        try await db.schema("sensitive_access")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required)
            .field("staff_id", .int, .required)
            .field("staff_name", .string, .required)
            .field("staff_role", .string, .required)
            .field("staff_position", .string, .required)
            .field("pupil_id", .int, .required)
            .field("upn", .string, .required)
            .field("pupil_name", .string, .required)
            .field("shown", .string, .required)
            .field("route", .string, .required)
            .field("at", .string, .required)
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "sensitive_access_upn").on("sensitive_access").column("school_id").column("upn").run()
        try await sql.create(index: "sensitive_access_staff").on("sensitive_access").column("school_id").column("staff_id").run()
        try await AppendOnly.create("sensitive_access", message: "the sensitive access log is append-only", on: sql)
    }

    func revert(on db: any Database) async throws {
        try await AppendOnly.drop("sensitive_access", on: db as! any SQLDatabase)
        try await db.schema("sensitive_access").delete()
    }
}

extension Store {
    /// Appends entries in one transaction.
    public func recordSensitiveAccess(_ entries: [SensitiveAccessEntry]) async throws {
        guard !entries.isEmpty else { return }
        try await write { db in
            let sql = db as! any SQLDatabase
            for chunk in entries.chunks(of: 50) {
                var q = sql.insert(into: "sensitive_access").columns(
                    "school_id", "staff_id", "staff_name", "staff_role", "staff_position",
                    "pupil_id", "upn", "pupil_name", "shown", "route", "at")
                for e in chunk {
                    q = q.values(
                        SQLBind(e.schoolID), SQLBind(e.staffID), SQLBind(e.staffName), SQLBind(e.staffRole), SQLBind(e.staffPosition),
                        SQLBind(e.pupilID), SQLBind(e.upn), SQLBind(e.pupilName), SQLBind(e.shown.map(\.rawValue).joined(separator: ";")),
                        SQLBind(e.route), SQLBind(e.at))
                }
                try await q.run()
            }
        }
    }

    /// A school's entries, newest first, optionally for one pupil (UPN) and one staff member; `limit` nil for all.
    /// Returns the page and the number of entries matching.
    public func sensitiveAccess(
        schoolID: Int, upn: String? = nil, staffID: Int? = nil, limit: Int? = nil,
        offset: Int = 0
    ) async throws -> (entries: [SensitiveAccessEntry], total: Int) {
        func filtered(_ q: SQLSelectBuilder) -> SQLSelectBuilder {
            var q = q.from("sensitive_access").where("school_id", .equal, SQLBind(schoolID))
            if let upn { q = q.where("upn", .equal, SQLBind(upn)) }
            if let staffID { q = q.where("staff_id", .equal, SQLBind(staffID)) }
            return q
        }
        let total =
            try await filtered(sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")).first()?
            .decode(column: "n", as: Int.self) ?? 0
        var q = filtered(
            sql.select().columns(
                "id", "school_id", "staff_id", "staff_name", "staff_role", "staff_position", "pupil_id", "upn",
                "pupil_name", "shown", "route", "at")
        )
        .orderBy("id", .descending)
        if let limit { q = q.limit(limit).offset(offset) }
        let rows = try await q.all()
        let entries = try rows.map { r in
            SensitiveAccessEntry(
                id: try r.decode(column: "id", as: Int.self), schoolID: try r.decode(column: "school_id", as: Int.self),
                staffID: try r.decode(column: "staff_id", as: Int.self), staffName: try r.decode(column: "staff_name", as: String.self),
                staffRole: try r.decode(column: "staff_role", as: String.self),
                staffPosition: try r.decode(column: "staff_position", as: String.self),
                pupilID: try r.decode(column: "pupil_id", as: Int.self), upn: try r.decode(column: "upn", as: String.self),
                pupilName: try r.decode(column: "pupil_name", as: String.self),
                shown: try r.decode(column: "shown", as: String.self).split(separator: ";").compactMap {
                    SensitiveDetail(rawValue: String($0))
                },
                route: try r.decode(column: "route", as: String.self), at: try r.decode(column: "at", as: String.self))
        }
        return (entries, total)
    }

    /// The staff members who appear in a school's log, by id, with a name recorded for them, by name.
    public func sensitiveAccessViewers(schoolID: Int) async throws -> [(id: Int, name: String)] {
        let rows = try await sql.select().column("staff_id").column(SQLFunction("MAX", args: SQLColumn("staff_name")), as: "name")
            .from("sensitive_access").where("school_id", .equal, SQLBind(schoolID)).groupBy("staff_id").all()
        return try rows.map { (try $0.decode(column: "staff_id", as: Int.self), try $0.decode(column: "name", as: String.self)) }
            .sorted { $0.name < $1.name }
    }
}
