import FluentKit
import Foundation
import RollbookCore

/// A pupil missing from the site (seed 004): when it began and who raised it, each step done (who, when, what), and
/// once found, the time, the written report and its outcome.
public final class MissingIncidentRow: Model, @unchecked Sendable {
    public static let schema = "missing_incidents"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    @Field(key: "pupil_id") public var pupilID: Int
    @Field(key: "date") public var date: String
    /// School-local `HH:MM`.
    @Field(key: "started_at") public var startedAt: String
    /// "Name, position".
    @Field(key: "started_by") public var startedBy: String
    /// `[StepDone]` as JSON, in the order done.
    @Field(key: "steps") public var steps: String
    @Field(key: "contacts_exhausted") public var contactsExhausted: Bool
    /// School-local `HH:MM` once found.
    @OptionalField(key: "found_at") public var foundAt: String?
    @OptionalField(key: "report") public var report: String?
    @OptionalField(key: "outcome") public var outcome: String?
    @OptionalField(key: "closed_by") public var closedBy: String?
    public init() {}

    /// One step staff marked done.
    public struct StepDone: Sendable, Hashable, Codable {
        public var step: MissingIncident.Step
        /// "Name, position".
        public var by: String
        /// School-local `HH:MM`.
        public var at: String
        /// What was done: who was told, or the police reference.
        public var note: String
        public init(step: MissingIncident.Step, by: String, at: String, note: String) {
            self.step = step
            self.by = by
            self.at = at
            self.note = note
        }
    }

    public func stepList() -> [StepDone] { (try? JSONDecoder().decode([StepDone].self, from: Data(steps.utf8))) ?? [] }

    /// The incident as the core sees it.
    public func incident(upn: String) -> MissingIncident {
        MissingIncident(
            upn: upn, date: LocalDate(iso: date) ?? LocalDate(year: 2000, month: 1, day: 1)!,
            startedAt: TimeOfDay(startedAt) ?? TimeOfDay(minutes: 0), done: Set(stepList().map(\.step)),
            contactsExhausted: contactsExhausted, foundAt: foundAt.flatMap { TimeOfDay($0) })
    }
}

/// The incident was closed already: nothing more is recorded on it.
public struct MissingIncidentClosed: Error, Sendable {
    public var foundAt: String
    public var closedBy: String
}

extension Store {
    public func startMissingIncident(schoolID: Int, pupilID: Int, date: LocalDate, at time: TimeOfDay, by actor: Actor) async throws
        -> MissingIncidentRow
    {
        let row = MissingIncidentRow()
        row.schoolID = schoolID
        row.pupilID = pupilID
        row.date = date.iso
        row.startedAt = time.padded
        row.startedBy = "\(actor.name), \(actor.position)"
        row.steps = "[]"
        row.contactsExhausted = false
        try await write { db in try await row.create(on: db) }
        return row
    }

    /// An incident of the school; nil when there is none with that id there.
    public func missingIncident(schoolID: Int, id: Int) async throws -> MissingIncidentRow? {
        try await MissingIncidentRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$id == id).first()
    }

    /// The school's incidents not yet closed, oldest first.
    public func openMissingIncidents(schoolID: Int) async throws -> [MissingIncidentRow] {
        try await MissingIncidentRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$foundAt == nil).sort(\.$id).all()
    }

    /// Records steps done on an open incident (a step done twice keeps both records); `exhausted` marks the parents
    /// and emergency contacts tried without news. Throws `MissingIncidentClosed` once closed.
    public func recordMissingSteps(id: Int, _ steps: [MissingIncidentRow.StepDone], contactsExhausted exhausted: Bool? = nil)
        async throws
    {
        try await write { db in
            guard let row = try await MissingIncidentRow.find(id, on: db) else { throw StoreError.notFound("no incident \(id)") }
            if let f = row.foundAt { throw MissingIncidentClosed(foundAt: f, closedBy: row.closedBy ?? "") }
            row.steps = String(decoding: try JSONEncoder().encode(row.stepList() + steps), as: UTF8.self)
            if let exhausted { row.contactsExhausted = exhausted }
            try await row.update(on: db)
        }
    }

    /// Closes an open incident as found, with the report and the found step, and puts `entry` (the report) on the
    /// pupil's timeline in the same transaction. Throws `MissingIncidentClosed` when it was closed already.
    public func closeMissingIncident(
        id: Int, foundAt: TimeOfDay, report: String, outcome: String, step: MissingIncidentRow.StepDone, by actor: Actor,
        entry: CaseworkRow
    ) async throws {
        try await write { db in
            guard let row = try await MissingIncidentRow.find(id, on: db) else { throw StoreError.notFound("no incident \(id)") }
            if let f = row.foundAt { throw MissingIncidentClosed(foundAt: f, closedBy: row.closedBy ?? "") }
            row.steps = String(decoding: try JSONEncoder().encode(row.stepList() + [step]), as: UTF8.self)
            row.foundAt = foundAt.padded
            row.report = report
            row.outcome = outcome
            row.closedBy = "\(actor.name), \(actor.position)"
            try await row.update(on: db)
            try await entry.create(on: db)
        }
    }
}
