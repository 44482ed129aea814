import FluentKit
import Foundation
import RollbookCore

/// An evacuation roll call: the pupils on site when it began (`RollCall.Pupil`s as JSON), and once closed, who closed it
/// and the record of who was still unaccounted for (`RollCall.Record` as JSON).
public final class RollCallRow: Model, @unchecked Sendable {
    public static let schema = "roll_calls"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    @Field(key: "date") public var date: String
    @Field(key: "started_at") public var startedAt: String
    /// "Name, position".
    @Field(key: "started_by") public var startedBy: String
    /// `RollCall.Grouping`'s raw value.
    @Field(key: "grouping") public var grouping: String
    @Field(key: "pupils") public var pupils: String
    @OptionalField(key: "closed_at") public var closedAt: String?
    @OptionalField(key: "closed_by") public var closedBy: String?
    @OptionalField(key: "closing") public var closing: String?
    public init() {}

    public func pupilList() throws -> [RollCall.Pupil] { try JSONDecoder().decode([RollCall.Pupil].self, from: Data(pupils.utf8)) }
    public func record() throws -> RollCall.Record? {
        try closing.map { try JSONDecoder().decode(RollCall.Record.self, from: Data($0.utf8)) }
    }
}

/// One tick on a roll call from one device.
public final class RollCallTickRow: Model, @unchecked Sendable {
    public static let schema = "roll_call_ticks"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "roll_call_id") public var rollCallID: Int
    @Field(key: "upn") public var upn: String
    @Field(key: "accounted") public var accounted: Bool
    @Field(key: "device") public var device: String
    /// Milliseconds after the roll call began, as the server received it.
    @Field(key: "at") public var at: Int
    @Field(key: "by") public var by: String
    public init() {}

    public var tick: RollCall.Tick { RollCall.Tick(upn: upn, accounted: accounted, device: device, at: at, by: by) }
}

/// A roll call already closed: no tick and no second closing is taken.
public struct RollCallClosed: Error, Sendable {
    public var closedAt: String
    public var closedBy: String
}

extension Store {
    /// Starts a roll call of `pupils`.
    public func startRollCall(
        schoolID: Int, date: LocalDate, grouping: RollCall.Grouping, pupils: [RollCall.Pupil], by actor: Actor, at now: String
    ) async throws -> RollCallRow {
        let row = RollCallRow()
        row.schoolID = schoolID
        row.date = date.iso
        row.startedAt = now
        row.startedBy = "\(actor.name), \(actor.position)"
        row.grouping = grouping.rawValue
        row.pupils = String(decoding: try JSONEncoder().encode(pupils), as: UTF8.self)
        try await write { db in try await row.create(on: db) }
        return row
    }

    /// A roll call of the school; nil when there is none with that id there.
    public func rollCall(schoolID: Int, id: Int) async throws -> RollCallRow? {
        try await RollCallRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$id == id).first()
    }

    /// The school's roll calls, latest first.
    public func rollCalls(schoolID: Int) async throws -> [RollCallRow] {
        try await RollCallRow.query(on: db).filter(\.$schoolID == schoolID).sort(\.$startedAt, .descending).sort(\.$id, .descending)
            .all()
    }

    /// Every tick of a roll call, in the order received.
    public func rollCallTicks(id: Int) async throws -> [RollCall.Tick] {
        try await RollCallTickRow.query(on: db).filter(\.$rollCallID == id).sort(\.$id).all().map(\.tick)
    }

    /// Adds ticks to an open roll call, stamped in the order received: the first at `at` or just after the latest tick
    /// already taken, each next one a millisecond on, so a later tick always wins the merge. Throws `RollCallClosed`
    /// once it is closed, adding none.
    public func addRollCallTicks(id: Int, _ ticks: [RollCall.Tick], at: Int) async throws {
        try await write { db in
            guard let row = try await RollCallRow.find(id, on: db) else { throw StoreError.notFound("no roll call \(id)") }
            if let at = row.closedAt { throw RollCallClosed(closedAt: at, closedBy: row.closedBy ?? "") }
            let latest = try await RollCallTickRow.query(on: db).filter(\.$rollCallID == id).max(\.$at)
            var stamp = max(at, (latest ?? -1) + 1)
            for t in ticks {
                let r = RollCallTickRow()
                r.rollCallID = id
                r.upn = t.upn
                r.accounted = t.accounted
                r.device = t.device
                r.at = stamp
                stamp += 1
                r.by = t.by
                try await r.create(on: db)
            }
        }
    }

    /// Closes a roll call with the record `make` computes from its pupils and every tick, read in the same transaction so
    /// no tick is missed; throws `RollCallClosed` when it was closed already.
    @discardableResult
    public func closeRollCall(
        id: Int, _ make: @escaping @Sendable ([RollCall.Pupil], [RollCall.Tick]) throws -> RollCall.Record
    ) async throws -> RollCall.Record {
        try await write { db in
            guard let row = try await RollCallRow.find(id, on: db) else { throw StoreError.notFound("no roll call \(id)") }
            if let at = row.closedAt { throw RollCallClosed(closedAt: at, closedBy: row.closedBy ?? "") }
            let ticks = try await RollCallTickRow.query(on: db).filter(\.$rollCallID == id).sort(\.$id).all().map(\.tick)
            let record = try make(try row.pupilList(), ticks)
            row.closedAt = record.closedAt
            row.closedBy = record.closedBy
            row.closing = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
            try await row.update(on: db)
            return record
        }
    }
}
