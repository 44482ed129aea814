import FluentKit
import Foundation
import RollbookCore
import SQLKit

// The change feed (issue 18): every change to marks, pupils, contacts and casework, readable in commit order from a
// cursor (`GET /api/v1/changes?since=CURSOR`), the pull-side twin of webhooks. docs/changes.md explains it to receivers.
//
// Order without gaps. On SQLite there is one writer at a time and it holds the write lock from its first insert to its
// commit, so ids are given out in commit order and the cursor is the last id read. On PostgreSQL ids are given out at
// insert, not at commit: a reader could see id 11 committed while id 10 is still in flight and, moving its cursor to
// 11, skip 10 for ever. So each row also keeps its writer's transaction id (`pg_current_xact_id()`), the feed is read
// in (xid, id) order, and a reader returns only rows whose xid is below the oldest transaction still running
// (`pg_snapshot_xmin(pg_current_snapshot())`). Every transaction below that horizon has finished, and every
// transaction that finishes later has an xid at or above it, so a later read can only find rows after the cursor:
// no gap, no duplicate, and no lock: writers (of any school, on any instance) never wait for each other here. The
// cost: a change appears once every transaction older than its own has finished (a long transaction delays the
// feed, never loses from it).

/// What a change is to.
public enum ChangeKind: String, Sendable, Codable, CaseIterable {
    /// A session (AM/PM) or lesson mark in the attendance register.
    case mark
    /// A pupil on the admission register.
    case pupil
    /// A pupil's contact list (the whole list, in priority order).
    case contact
    /// An entry on a pupil's casework timeline.
    case casework
}

/// A change to record: see `Store.recordChanges(_:at:on:)`.
public struct Change: Sendable, Equatable {
    public var kind: ChangeKind
    /// What happened: `created`, `amended`, `updated`, `replaced`, `deleted`.
    public var operation: String
    public var schoolID: Int
    public var upn: String
    /// The entity's key within its kind, e.g. `UPN/2025-09-09/am` for a mark.
    public var key: String
    /// The entity's new value: a JSON object.
    public var value: String

    public init(kind: ChangeKind, operation: String, schoolID: Int, upn: String, key: String, value: String) {
        self.kind = kind
        self.operation = operation
        self.schoolID = schoolID
        self.upn = upn
        self.key = key
        self.value = value
    }

    /// `s` as a JSON string literal (the core's `jsonString`).
    public static func quoted(_ s: String) -> String { jsonString(s) }

    /// A change whose value is `fields` as a JSON object (keys sorted; nil values as null).
    public init(kind: ChangeKind, operation: String, schoolID: Int, upn: String, key: String, fields: [String: (any Sendable)?]) {
        let object = fields.mapValues { $0 ?? NSNull() }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        self.init(kind: kind, operation: operation, schoolID: schoolID, upn: upn, key: key, value: String(decoding: data, as: UTF8.self))
    }
}

/// A position in the feed: the last change a reader has seen. Written `v1.XID.ID`; anything else is not a cursor.
public struct ChangeCursor: Sendable, Hashable, CustomStringConvertible {
    public var xid: Int
    public var id: Int
    /// Before every change.
    public static let start = ChangeCursor(xid: 0, id: 0)
    public init(xid: Int, id: Int) {
        self.xid = xid
        self.id = id
    }
    /// Nil unless `text` is a cursor Rollbook wrote.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1",
            parts[1].count <= 18, parts[2].count <= 18,
            parts[1].allSatisfy(\.isASCIIDigit), parts[2].allSatisfy(\.isASCIIDigit),
            let x = Int(parts[1]), let i = Int(parts[2])
        else { return nil }
        self.init(xid: x, id: i)
    }
    public var description: String { "v1.\(xid).\(id)" }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// A change as the feed returns it.
public struct RecordedChange: Sendable, Equatable {
    public var cursor: ChangeCursor
    public var kind: ChangeKind
    public var operation: String
    public var upn: String
    public var key: String
    /// JSON object text.
    public var value: String
    public var committedAt: String
}

/// One page of the feed: the changes after the cursor, the cursor to ask from next, and whether more are waiting.
public struct ChangePage: Sendable {
    public var changes: [RecordedChange]
    public var next: ChangeCursor
    public var more: Bool
}

extension Store {
    /// The largest page `changes(schoolID:since:limit:kinds:)` returns.
    public static let maxChangePage = 5000

    /// Records changes in the feed, inside the caller's write transaction: pass the `db` that `Store.write` hands its
    /// body, so the changes commit with the write they describe and vanish with it if it rolls back.
    /// Marks written by `Store.record`, pupils and casework entries saved through their Fluent models, and contact
    /// lists replaced by the Store's pupil functions are recorded already; call this from any other code that writes
    /// those (bulk imports, group marking) with SQL of its own. `now`: the write's time (nil: `changeTime`, else this
    /// machine's clock).
    public static func recordChanges(_ changes: [Change], at now: String?, on db: any Database) async throws {
        guard !changes.isEmpty else { return }
        let sql = db as! any SQLDatabase
        let at = now ?? Self.wallClock()
        // The one place the databases differ when writing: PostgreSQL keeps the writer's transaction id.
        let xid: any SQLExpression = Self.isPostgres(sql) ? SQLRaw("pg_current_xact_id()::text::bigint") : SQLLiteral.numeric("0")
        for chunk in changes.chunks(of: 500) {
            var q = sql.insert(into: "changes").columns(
                "xid", "school_id", "kind", "operation", "upn", "entity_key", "value", "committed_at")
            for c in chunk {
                q = q.values(
                    xid, SQLBind(c.schoolID), SQLBind(c.kind.rawValue), SQLBind(c.operation), SQLBind(c.upn), SQLBind(c.key),
                    SQLBind(c.value), SQLBind(at))
            }
            try await q.run()
        }
    }

    static func isPostgres(_ sql: any SQLDatabase) -> Bool { sql.dialect.name == "postgresql" }

    /// The time of writes that carry none of their own: the server sets it to its (injectable) clock for each request.
    @TaskLocal public static var changeTime: String?

    static func wallClock() -> String { changeTime ?? ISO8601DateFormatter().string(from: Date()) }

    /// The school's changes after `since`, oldest first, at most `limit` (1...`maxChangePage`); `kinds` narrows them.
    public func changes(schoolID: Int, since: ChangeCursor, limit: Int = 500, kinds: Set<ChangeKind> = Set(ChangeKind.allCases))
        async throws -> ChangePage
    {
        let limit = min(max(limit, 1), Self.maxChangePage)
        guard !kinds.isEmpty else { return ChangePage(changes: [], next: since, more: false) }
        var q = sql.select().columns("id", "xid", "kind", "operation", "upn", "entity_key", "value", "committed_at").from("changes")
            .where("school_id", .equal, SQLBind(schoolID))
            .where { g in
                g.where("xid", .greaterThan, SQLBind(since.xid)).orWhere { g in
                    g.where("xid", .equal, SQLBind(since.xid)).where("id", .greaterThan, SQLBind(since.id))
                }
            }
        if kinds.count < ChangeKind.allCases.count {
            q = q.where("kind", .in, SQLBind.group(kinds.map(\.rawValue).sorted()))
        }
        // The one place the databases differ when reading: on PostgreSQL, only what every older transaction has
        // finished behind (see the top of this file).
        if Self.isPostgres(sql) {
            q = q.where(SQLIdentifier("xid"), .lessThan, SQLRaw("pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
        }
        let rows = try await q.orderBy("xid").orderBy("id").limit(limit + 1).all()
        var out: [RecordedChange] = []
        out.reserveCapacity(min(rows.count, limit))
        for r in rows.prefix(limit) {
            let kindText = try r.decode(column: "kind", as: String.self)
            guard let kind = ChangeKind(rawValue: kindText) else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "changes.kind: unknown '\(kindText)'"))
            }
            out.append(
                RecordedChange(
                    cursor: ChangeCursor(xid: try r.decode(column: "xid", as: Int.self), id: try r.decode(column: "id", as: Int.self)),
                    kind: kind, operation: try r.decode(column: "operation", as: String.self),
                    upn: try r.decode(column: "upn", as: String.self), key: try r.decode(column: "entity_key", as: String.self),
                    value: try r.decode(column: "value", as: String.self),
                    committedAt: try r.decode(column: "committed_at", as: String.self)))
        }
        return ChangePage(changes: out, next: out.last?.cursor ?? since, more: rows.count > limit)
    }

    // MARK: The central places that record

    /// The mark changes of one write by `Store.record`: first entries `created`, changes `amended` (with the old code).
    static func recordMarkChanges(
        created: [Entry], amended: [(old: String, entry: Entry)], register: Register, by actor: Actor, at now: String,
        on db: any Database
    ) async throws {
        guard !created.isEmpty || !amended.isEmpty else { return }
        let pupils = try await pupilKeys(Array(Set(created.map(\.pupilID) + amended.map(\.entry.pupilID))), on: db as! any SQLDatabase)
        var changes: [Change] = []
        changes.reserveCapacity(created.count + amended.count)
        let by = Change.quoted(actor.name)
        // Written by hand, not through JSONSerialization: this is on every register write's path.
        func add(_ e: Entry, old: String?) {
            guard let p = pupils[e.pupilID] else { return }
            let slot = register.auditSlot(e.slot)
            let upn = Change.quoted(p.upn)
            let value =
                "{\"code\":\(Change.quoted(e.code.symbol)),\"date\":\"\(e.date.iso)\",\"minutes_late\":\(e.minutesLate.map(String.init) ?? "null"),"
                + "\"previous_code\":\(old.map(Change.quoted) ?? "null"),\"recorded_by\":\(by),\"session\":\(Change.quoted(slot)),\"upn\":\(upn)}"
            changes.append(
                Change(
                    kind: .mark, operation: old == nil ? "created" : "amended", schoolID: p.school, upn: p.upn,
                    key: "\(p.upn)/\(e.date.iso)/\(slot)", value: value))
        }
        for e in created { add(e, old: nil) }
        for (old, e) in amended { add(e, old: old) }
        try await recordChanges(changes, at: now, on: db)
    }

    /// Records the current contact lists of `pupilIDs` (each list one `replaced` change).
    static func recordContactChanges(pupilIDs: [Int], at now: String?, on db: any Database) async throws {
        guard !pupilIDs.isEmpty else { return }
        let sql = db as! any SQLDatabase
        let pupils = try await pupilKeys(pupilIDs, on: sql)
        var lists: [Int: [Contact]] = [:]
        for chunk in Array(Set(pupilIDs)).chunks(of: 500) {
            for c in try await ContactRow.query(on: db).filter(\.$pupilID ~~ Array(chunk)).sort(\.$priority).all() {
                lists[c.pupilID, default: []].append(c.contact)
            }
        }
        var changes: [Change] = []
        for id in pupilIDs {
            guard let p = pupils[id] else { continue }
            let contacts: [[String: any Sendable]] = (lists[id] ?? []).map { c in
                [
                    "priority": c.priority, "name": c.name, "relationship": c.relationship,
                    "parental_responsibility": c.parentalResponsibility, "lives_with": c.livesWith, "phone": c.phone,
                    "email": c.email, "address": c.address,
                ]
            }
            changes.append(
                Change(
                    kind: .contact, operation: "replaced", schoolID: p.school, upn: p.upn, key: p.upn,
                    fields: ["upn": p.upn, "contacts": contacts]))
        }
        try await recordChanges(changes, at: now, on: db)
    }

    /// UPN and school of each pupil id.
    static func pupilKeys(_ ids: [Int], on sql: any SQLDatabase) async throws -> [Int: (upn: String, school: Int)] {
        var out: [Int: (upn: String, school: Int)] = [:]
        for chunk in ids.chunks(of: 500) {
            for r in try await sql.select().columns("id", "upn", "school_id").from(PupilRow.schema)
                .where("id", .in, SQLBind.group(Array(chunk))).all()
            {
                out[try r.decode(column: "id", as: Int.self)] = (
                    try r.decode(column: "upn", as: String.self), try r.decode(column: "school_id", as: Int.self)
                )
            }
        }
        return out
    }
}

/// Records every pupil saved through its model (admitted, updated, deleted from the roll: the value shows the leaving
/// day and ground) in the feed, in the same transaction.
struct PupilChangeMiddleware: AsyncModelMiddleware {
    func create(model: PupilRow, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        try await next.create(model, on: db)
        try await record(model, "created", on: db)
    }
    func update(model: PupilRow, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        let changed = model.hasChanges
        try await next.update(model, on: db)
        if changed { try await record(model, "updated", on: db) }
    }
    func record(_ p: PupilRow, _ operation: String, on db: any Database) async throws {
        let change = Change(
            kind: .pupil, operation: operation, schoolID: p.schoolID, upn: p.upn, key: p.upn,
            fields: [
                "upn": p.upn, "legal_surname": p.legalSurname, "legal_forename": p.legalForename,
                "preferred_forename": p.preferredForename, "year_group": p.yearGroup, "form": p.form, "house": p.house,
                "starting_day": p.startingDay, "leaving_day": p.leavingDay, "deletion_ground": p.deletionGround,
            ])
        try await Store.recordChanges([change], at: nil, on: db)
    }
}

/// Records every casework entry created, changed or deleted through its model in the feed, in the same transaction.
struct CaseworkChangeMiddleware: AsyncModelMiddleware {
    func create(model: CaseworkRow, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        try await next.create(model, on: db)
        try await record(model, "created", on: db)
    }
    func update(model: CaseworkRow, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        let changed = model.hasChanges
        try await next.update(model, on: db)
        if changed { try await record(model, "updated", on: db) }
    }
    func delete(model: CaseworkRow, force: Bool, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        try await next.delete(model, force: force, on: db)
        try await record(model, "deleted", on: db)
    }
    func record(_ c: CaseworkRow, _ operation: String, on db: any Database) async throws {
        guard let id = c.id, let p = try await Store.pupilKeys([c.pupilID], on: db as! any SQLDatabase)[c.pupilID] else { return }
        let change = Change(
            kind: .casework, operation: operation, schoolID: p.school, upn: p.upn, key: String(id),
            fields: [
                "id": id, "upn": p.upn, "kind": c.kind, "action_key": c.actionKey, "stage_id": c.stageID,
                "happened_on": c.happenedOn, "summary": c.summary, "outcome": c.outcome, "recorded_at": c.recordedAt,
                "by_name": c.byName, "by_position": c.byPosition,
            ])
        try await Store.recordChanges([change], at: c.recordedAt, on: db)
    }
}

extension Databases {
    /// The feed's model middleware, on the database `id` (every Rollbook database registers it).
    func useChangeFeed(on id: DatabaseID) {
        middleware.use(PupilChangeMiddleware(), on: id)
        middleware.use(CaseworkChangeMiddleware(), on: id)
    }
}
