import FluentKit
import Foundation
import RollbookCore
import SQLKit

/// One group marking (M045): what was chosen and what it wrote.
public final class GroupMarkBatchRow: Model, @unchecked Sendable {
    public static let schema = "group_mark_batches"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    @Field(key: "code") public var code: String
    @Field(key: "reason") public var reason: String
    @Field(key: "first_day") public var firstDay: String
    @Field(key: "last_day") public var lastDay: String
    /// `am`, `pm` or `both`.
    @Field(key: "sessions") public var sessions: String
    /// Who was chosen, in words: "year 11", "form 6A", "3 pupils", "whole school".
    @Field(key: "scope") public var scope: String
    @Field(key: "pupils") public var pupils: Int
    @Field(key: "written") public var written: Int
    @Field(key: "amended") public var amended: Int
    /// Sessions that kept a different mark.
    @Field(key: "kept") public var kept: Int
    /// Name and position.
    @Field(key: "created_by") public var createdBy: String
    @Field(key: "created_at") public var createdAt: String
    public init() {}
    public init(
        schoolID: Int, code: String, reason: String, firstDay: LocalDate, lastDay: LocalDate, sessions: String, scope: String,
        pupils: Int, by actor: Actor, at now: String
    ) {
        self.schoolID = schoolID
        self.code = code
        self.reason = reason
        self.firstDay = firstDay.iso
        self.lastDay = lastDay.iso
        self.sessions = sessions
        self.scope = scope
        self.pupils = pupils
        self.written = 0
        self.amended = 0
        self.kept = 0
        self.createdBy = "\(actor.name), \(actor.position)"
        self.createdAt = now
    }
}

extension Store {
    /// The current codes of these pupils' sessions from `from` to `to`, keyed by pupil id, then by `date|session`.
    public func sessionCodes(pupilIDs: [Int], from: LocalDate, to: LocalDate) async throws -> [Int: [String: String]] {
        var out: [Int: [String: String]] = [:]
        for chunk in pupilIDs.chunks(of: 500) {
            let rows = try await sql.select().column("pupil_id").column("date").column("session").column("code").from(MarkRow.schema)
                .where("pupil_id", .in, SQLBind.group(Array(chunk))).where("date", .greaterThanOrEqual, SQLBind(from.iso))
                .where("date", .lessThanOrEqual, SQLBind(to.iso)).all()
            for r in rows {
                let id = try r.decode(column: "pupil_id", as: Int.self)
                let key = "\(try r.decode(column: "date", as: String.self))|\(try r.decode(column: "session", as: String.self))"
                out[id, default: [:]][key] = try r.decode(column: "code", as: String.self)
            }
        }
        return out
    }

    /// Writes a group's marks through the audited write and keeps the batch's record, in one transaction: all or nothing.
    /// Every change to an existing mark is an amendment carrying the batch's reason, name and position.
    public func recordGroupMarks(_ writes: [MarkWrite], batch: GroupMarkBatchRow, kept: Int, by actor: Actor, at now: String)
        async throws -> WriteSummary
    {
        let entries = writes.map(Entry.init)
        return try await write { db in
            let summary = try await Self.record(entries, in: .sessions, by: actor, at: now, on: db)
            batch.written = summary.created
            batch.amended = summary.amended
            batch.kept = kept
            try await batch.create(on: db)
            return summary
        }
    }

    /// The school's group markings, newest first.
    public func groupMarkBatches(schoolID: Int, limit: Int = 20) async throws -> [GroupMarkBatchRow] {
        try await GroupMarkBatchRow.query(on: db).filter(\.$schoolID == schoolID).sort(\.$id, .descending).limit(limit).all()
    }
}
