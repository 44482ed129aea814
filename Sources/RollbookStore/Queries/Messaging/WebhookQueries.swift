import FluentKit
import Foundation
import RollbookCore
import SQLKit

/// Webhooks: a school subscribes a URL to events; each event becomes one delivery per subscription, written in the
/// same transaction as the change it reports, then sent (signed) and retried by the background jobs.
struct M012Webhooks: AsyncMigration {
    var name: String { "M012Webhooks" }

    func prepare(on db: any Database) async throws {
        try await db.schema("webhooks")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("url", .string, .required)
            .field("secret", .string, .required)
            .field("events", .string, .required)
            .field("active", .bool, .required)
            .field("created_by", .string, .required)
            .field("created_at", .string, .required)
            .create()
        try await db.schema("webhook_deliveries")
            .field("id", .int, .identifier(auto: true))
            .field("webhook_id", .int, .required, .references("webhooks", "id"))
            .field("event", .string, .required)
            .field("payload", .string, .required)
            .field("state", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .string, .required)
            .field("updated_at", .string, .required)
            .field("last_status", .int)
            .field("last_error", .string)
            .field("created_at", .string, .required)
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "webhook_deliveries_due").on("webhook_deliveries").column("state").column("next_attempt_at").run()
        try await sql.create(index: "webhooks_school").on("webhooks").column("school_id").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("webhook_deliveries").delete()
        try await db.schema("webhooks").delete()
    }
}

/// What a school can subscribe to.
public enum WebhookEvent: String, Sendable, Codable, CaseIterable {
    /// Marks written or amended in the attendance register (one event per write, listing its marks).
    case markChanged = "mark.changed"
    /// A form's register submitted for a session.
    case registerTaken = "register.taken"
    /// The actions the school's policy makes due, today or overdue (once a day, from the daily job).
    case actionDue = "action.due"
}

public struct Webhook: Sendable, Codable, Equatable {
    public var id: Int
    public var url: String
    public var events: [WebhookEvent]
    public var active: Bool
    public var createdBy: String
    public var createdAt: String
}

/// Where a webhook delivery stands; the raw values are the text stored.
public enum WebhookDeliveryState: String, Sendable, Codable, CaseIterable {
    case queued, sending, delivered, failed, cancelled
}

public struct WebhookDelivery: Sendable, Codable, Equatable {
    public var id: Int
    public var webhookID: Int
    public var event: String
    public var payload: String
    public var state: WebhookDeliveryState
    public var attempts: Int
    public var nextAttemptAt: String
    public var lastStatus: Int?
    public var lastError: String?
    public var createdAt: String
    /// Filled when claimed for sending.
    public var url: String = ""
    public var secret: String = ""
}

/// A register submission, reported as `register.taken`.
public struct TakenRegister: Sendable, Codable {
    public var form: String?
    public var yearGroup: String?
    public var date: LocalDate
    public var session: Session
    public init(form: String?, yearGroup: String?, date: LocalDate, session: Session) {
        self.form = form
        self.yearGroup = yearGroup
        self.date = date
        self.session = session
    }
}

extension Store {
    public func createWebhook(schoolID: Int, url: String, events: [WebhookEvent], secret: String, by: String, at now: String) async throws
        -> Int
    {
        try await write { db in
            let row = try await (db as! any SQLDatabase).insert(into: "webhooks")
                .columns("school_id", "url", "secret", "events", "active", "created_by", "created_at")
                .values(
                    SQLBind(schoolID), SQLBind(url), SQLBind(secret), SQLBind(events.map(\.rawValue).joined(separator: ",")), SQLBind(true),
                    SQLBind(by), SQLBind(now)
                )
                .returning("id").first()
            return try row!.decode(column: "id", as: Int.self)
        }
    }

    public func webhooks(schoolID: Int) async throws -> [Webhook] {
        try await sql.select().columns("id", "url", "events", "active", "created_by", "created_at").from("webhooks")
            .where("school_id", .equal, SQLBind(schoolID)).orderBy("id").all().map { r in
                Webhook(
                    id: try r.decode(column: "id", as: Int.self), url: try r.decode(column: "url", as: String.self),
                    events: try r.decode(column: "events", as: String.self).split(separator: ",").compactMap {
                        WebhookEvent(rawValue: String($0))
                    },
                    active: try r.decode(column: "active", as: Bool.self), createdBy: try r.decode(column: "created_by", as: String.self),
                    createdAt: try r.decode(column: "created_at", as: String.self))
            }
    }

    /// Stops a subscription (its deliveries stay as the record); false if the school has no such webhook.
    public func deactivateWebhook(schoolID: Int, id: Int) async throws -> Bool {
        try await write { db in
            let rows = try await (db as! any SQLDatabase).update("webhooks").set("active", to: SQLBind(false))
                .where("id", .equal, SQLBind(id)).where("school_id", .equal, SQLBind(schoolID)).returning("id").all()
            if !rows.isEmpty {
                try await (db as! any SQLDatabase).update("webhook_deliveries").set(
                    "state", to: SQLBind(WebhookDeliveryState.cancelled.rawValue)
                )
                .where("webhook_id", .equal, SQLBind(id)).where("state", .equal, SQLBind(WebhookDeliveryState.queued.rawValue)).run()
            }
            return !rows.isEmpty
        }
    }

    public func webhookDeliveries(schoolID: Int, webhookID: Int, limit: Int = 100) async throws -> [WebhookDelivery] {
        try await sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("d"))).from(
            SQLAlias(SQLIdentifier("webhook_deliveries"), as: SQLIdentifier("d"))
        )
        .join(
            SQLAlias(SQLIdentifier("webhooks"), as: SQLIdentifier("w")), method: SQLJoinMethod.inner,
            on: SQLColumn("id", table: "w"), .equal, SQLColumn("webhook_id", table: "d")
        )
        .where(SQLColumn("school_id", table: "w"), .equal, SQLBind(schoolID)).where(
            SQLColumn("webhook_id", table: "d"), .equal, SQLBind(webhookID)
        )
        .orderBy(SQLColumn("id", table: "d"), SQLDirection.descending).limit(limit).all().map(Self.delivery)
    }

    static func delivery(_ r: any SQLRow) throws -> WebhookDelivery {
        let stateText = try r.decode(column: "state", as: String.self)
        guard let state = WebhookDeliveryState(rawValue: stateText) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "webhook_deliveries.state: unknown '\(stateText)'"))
        }
        return WebhookDelivery(
            id: try r.decode(column: "id", as: Int.self), webhookID: try r.decode(column: "webhook_id", as: Int.self),
            event: try r.decode(column: "event", as: String.self), payload: try r.decode(column: "payload", as: String.self),
            state: state, attempts: try r.decode(column: "attempts", as: Int.self),
            nextAttemptAt: try r.decode(column: "next_attempt_at", as: String.self),
            lastStatus: try r.decode(column: "last_status", as: Int?.self), lastError: try r.decode(column: "last_error", as: String?.self),
            createdAt: try r.decode(column: "created_at", as: String.self))
    }

    /// Queues `event` for every active subscription of the school, on `db` (inside the caller's transaction).
    /// The payload is `data` with the event's name, the school and the time added; `data` is only built if someone
    /// subscribes.
    /// An active subscription: its id and the events it takes.
    struct Subscriber {
        var id: Int
        var events: Set<String>
    }

    /// The school's active subscriptions, or the subscriptions of the school of pupil `pupilID`, with that school.
    static func subscribers(schoolID: Int? = nil, pupilID: Int? = nil, on sql: any SQLDatabase) async throws -> (school: Int, [Subscriber])?
    {
        var q = sql.select().column(SQLColumn("id", table: "w")).column(SQLColumn("events", table: "w")).column(
            SQLColumn("school_id", table: "w")
        )
        .from(SQLAlias(SQLIdentifier("webhooks"), as: SQLIdentifier("w"))).where(SQLColumn("active", table: "w"), .equal, SQLBind(true))
        if let schoolID { q = q.where(SQLColumn("school_id", table: "w"), .equal, SQLBind(schoolID)) }
        if let pupilID {
            q = q.join(
                SQLAlias(SQLIdentifier("pupils"), as: SQLIdentifier("p")), method: SQLJoinMethod.inner,
                on: SQLColumn("school_id", table: "p"), .equal, SQLColumn("school_id", table: "w")
            )
            .where(SQLColumn("id", table: "p"), .equal, SQLBind(pupilID))
        }
        let rows = try await q.all()
        guard let first = rows.first else { return nil }
        return (
            try first.decode(column: "school_id", as: Int.self),
            try rows.map {
                Subscriber(
                    id: try $0.decode(column: "id", as: Int.self),
                    events: Set(try $0.decode(column: "events", as: String.self).split(separator: ",").map(String.init)))
            }
        )
    }

    /// Queues `event` for those of `subscribers` that take it; `data` is only built if one does.
    static func queueWebhookEvent(
        _ event: WebhookEvent, schoolID: Int, subscribers all: [Subscriber], at now: String, on sql: any SQLDatabase,
        data: () async throws -> [String: any Sendable]
    ) async throws {
        let subscribers = all.filter { $0.events.contains(event.rawValue) }
        guard !subscribers.isEmpty else { return }
        var envelope = try await data()
        envelope["event"] = event.rawValue
        envelope["school_id"] = schoolID
        envelope["occurred_at"] = now
        let payload = String(decoding: try JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys]), as: UTF8.self)
        let due = ISO8601DateFormatter().date(from: now).map(OutboxTime.string) ?? OutboxTime.string(Date())
        var q = sql.insert(into: "webhook_deliveries").columns(
            "webhook_id", "event", "payload", "state", "attempts", "next_attempt_at",
            "updated_at", "created_at")
        for s in subscribers {
            q = q.values(
                SQLBind(s.id), SQLBind(event.rawValue), SQLBind(payload), SQLBind(WebhookDeliveryState.queued.rawValue),
                SQLBind(0), SQLBind(due), SQLBind(due), SQLBind(now))
        }
        try await q.run()
    }

    /// Queues `event` in a transaction of its own.
    public func queueWebhookEvent(_ event: WebhookEvent, schoolID: Int, data: [String: any Sendable], at now: String) async throws {
        try await write { db in
            let sql = db as! any SQLDatabase
            guard let (_, subscribers) = try await Self.subscribers(schoolID: schoolID, on: sql) else { return }
            try await Self.queueWebhookEvent(event, schoolID: schoolID, subscribers: subscribers, at: now, on: sql) { data }
        }
    }

    /// Deliveries due now, each claimed by a conditional update so two instances never send the same one; one left
    /// `sending` for 10 minutes (its sender died) is claimed again.
    public func claimDueDeliveries(now: Date, limit: Int = 50) async throws -> [WebhookDelivery] {
        let nowText = OutboxTime.string(now)
        let stale = OutboxTime.string(now.addingTimeInterval(-600))
        let rows = try await sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("d")))
            .column(SQLColumn("url", table: "w")).column(SQLColumn("secret", table: "w"))
            .column(SQLColumn("updated_at", table: "d"), as: "claimed_updated_at")
            .from(SQLAlias(SQLIdentifier("webhook_deliveries"), as: SQLIdentifier("d")))
            .join(
                SQLAlias(SQLIdentifier("webhooks"), as: SQLIdentifier("w")), method: SQLJoinMethod.inner,
                on: SQLColumn("id", table: "w"), .equal, SQLColumn("webhook_id", table: "d")
            )
            .where(SQLColumn("active", table: "w"), .equal, SQLBind(true))
            .where { g in
                g.where {
                    $0.where(SQLColumn("state", table: "d"), .equal, SQLBind(WebhookDeliveryState.queued.rawValue)).where(
                        SQLColumn("next_attempt_at", table: "d"), .lessThanOrEqual, SQLBind(nowText))
                }
                .orWhere {
                    $0.where(SQLColumn("state", table: "d"), .equal, SQLBind(WebhookDeliveryState.sending.rawValue)).where(
                        SQLColumn("updated_at", table: "d"), .lessThanOrEqual, SQLBind(stale))
                }
            }
            .orderBy(SQLColumn("id", table: "d"), SQLDirection.ascending).limit(limit).all()
        var candidates: [WebhookDelivery] = []
        var keys: [(id: Int, state: String, updatedAt: String)] = []
        for r in rows {
            var d = try Self.delivery(r)
            d.url = try r.decode(column: "url", as: String.self)
            d.secret = try r.decode(column: "secret", as: String.self)
            keys.append((d.id, d.state.rawValue, try r.decode(column: "claimed_updated_at", as: String.self)))
            candidates.append(d)
        }
        guard !keys.isEmpty else { return [] }
        // Through the write gate, like every other write.
        let won: Set<Int> = try await write { [keys] db in
            var won: Set<Int> = []
            for k in keys {
                let rows = try await (db as! any SQLDatabase).update("webhook_deliveries")
                    .set("state", to: SQLBind(WebhookDeliveryState.sending.rawValue)).set("updated_at", to: SQLBind(nowText))
                    .where("id", .equal, SQLBind(k.id)).where("state", .equal, SQLBind(k.state))
                    .where("updated_at", .equal, SQLBind(k.updatedAt)).returning("id").all()
                if !rows.isEmpty { won.insert(k.id) }
            }
            return won
        }
        return candidates.filter { won.contains($0.id) }.map {
            var d = $0
            d.state = .sending
            return d
        }
    }

    /// Records an attempt: delivered, or queued again for `retryAt`, or failed for good when `retryAt` is nil.
    public func finishDelivery(id: Int, delivered: Bool, status: Int?, error: String?, retryAt: Date?, at now: Date) async throws {
        let state: WebhookDeliveryState = delivered ? .delivered : (retryAt == nil ? .failed : .queued)
        try await write { db in
            var q = (db as! any SQLDatabase).update("webhook_deliveries").set("state", to: SQLBind(state.rawValue))
                .set("attempts", to: SQLRaw("attempts + 1")).set("last_status", to: SQLBind(status)).set("last_error", to: SQLBind(error))
                .set("updated_at", to: SQLBind(OutboxTime.string(now)))
            if let retryAt { q = q.set("next_attempt_at", to: SQLBind(OutboxTime.string(retryAt))) }
            try await q.where("id", .equal, SQLBind(id)).run()
        }
    }

    /// `mark.changed` for a write of session marks (and `register.taken` when it was a register), inside its transaction.
    static func queueMarkEvents(
        written: [Entry], register entries: [Entry], taken: TakenRegister?, previous: [String: String], by actor: Actor,
        at now: String, on sql: any SQLDatabase
    ) async throws {
        // One query finds the school's subscriptions (usually none: then nothing more is done).
        guard let first = entries.first, let (school, subscribers) = try await Self.subscribers(pupilID: first.pupilID, on: sql) else {
            return
        }
        func upns() async throws -> [Int: String] {
            var out: [Int: String] = [:]
            for chunk in Array(Set(entries.map(\.pupilID))).chunks(of: 500) {
                for r in try await sql.select().column("id").column("upn").from("pupils").where("id", .in, SQLBind.group(Array(chunk)))
                    .all()
                {
                    out[try r.decode(column: "id", as: Int.self)] = try r.decode(column: "upn", as: String.self)
                }
            }
            return out
        }
        if !written.isEmpty {
            try await queueWebhookEvent(.markChanged, schoolID: school, subscribers: subscribers, at: now, on: sql) {
                let upn = try await upns()
                let marks: [[String: any Sendable]] = written.map { e in
                    var m: [String: any Sendable] = [
                        "upn": upn[e.pupilID] ?? "", "date": e.date.iso, "session": e.slot, "code": e.code.symbol,
                    ]
                    m["previous_code"] = previous["\(e.pupilID)|\(e.date.iso)|\(e.slot)"] ?? NSNull()
                    m["minutes_late"] = e.minutesLate ?? NSNull()
                    return m
                }
                return ["marks": marks, "by": actor.name, "position": actor.position]
            }
        }
        if let taken {
            try await queueWebhookEvent(.registerTaken, schoolID: school, subscribers: subscribers, at: now, on: sql) {
                var d: [String: any Sendable] = [
                    "date": taken.date.iso, "session": taken.session.rawValue, "pupils": entries.count,
                    "by": actor.name, "position": actor.position,
                ]
                d["form"] = taken.form ?? NSNull()
                d["year_group"] = taken.yearGroup ?? NSNull()
                d["absent"] = entries.filter { $0.code.isAbsence }.count
                return d
            }
        }
    }
}
