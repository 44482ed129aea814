import FluentKit
import Foundation
import RollbookCore
import SQLKit

/// A pupil's recurring pattern (M046).
public final class RecurringPatternRow: Model, @unchecked Sendable {
    public static let schema = "recurring_patterns"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    @Field(key: "pupil_id") public var pupilID: Int
    /// ISO weekdays, comma-separated: "2" is Tuesday.
    @Field(key: "weekdays") public var weekdays: String
    /// `am`, `pm` or `both`.
    @Field(key: "sessions") public var sessions: String
    @Field(key: "code") public var code: String
    @Field(key: "first_day") public var firstDay: String
    @OptionalField(key: "last_day") public var lastDay: String?
    /// What it is, e.g. the provider's name: shown on the register as the known reason.
    @Field(key: "note") public var note: String
    @Field(key: "created_by") public var createdBy: String
    @Field(key: "created_at") public var createdAt: String
    @OptionalField(key: "ended_by") public var endedBy: String?
    @OptionalField(key: "ended_at") public var endedAt: String?
    public init() {}

    public init(schoolID: Int, pupilID: Int, pattern: RecurringPattern, note: String, by actor: Actor, at now: String) {
        self.schoolID = schoolID
        self.pupilID = pupilID
        self.weekdays = pattern.weekdays.map(String.init).joined(separator: ",")
        self.sessions = pattern.sessions.count == 2 ? "both" : pattern.sessions.first == .am ? "am" : "pm"
        self.code = pattern.code.symbol
        self.firstDay = pattern.from.iso
        self.lastDay = pattern.to?.iso
        self.note = note
        self.createdBy = "\(actor.name), \(actor.position)"
        self.createdAt = now
    }

    /// The pattern the row holds (rows are only written from checked patterns).
    public var pattern: RecurringPattern? {
        guard let code = AttendanceCode.lookup(code), let from = LocalDate(iso: firstDay) else { return nil }
        let s: [Session] = sessions == "am" ? [.am] : sessions == "pm" ? [.pm] : [.am, .pm]
        return RecurringPattern(
            weekdays: weekdays.split(separator: ",").compactMap { Int($0) }, sessions: s, code: code, from: from,
            to: lastDay.flatMap { LocalDate(iso: $0) })
    }
}

/// Ending a pattern that was ended already.
public struct PatternEnded: Error, Sendable {
    public var at: String
    public var by: String
}

extension Store {
    public func addPattern(_ row: RecurringPatternRow) async throws {
        try await write { try await row.create(on: $0) }
    }

    /// A pupil's patterns, ended ones included, oldest first.
    public func patterns(pupilID: Int) async throws -> [RecurringPatternRow] {
        try await RecurringPatternRow.query(on: db).filter(\.$pupilID == pupilID).sort(\.$id).all()
    }

    /// The patterns of these pupils that have begun by `date` and not ended before it, by pupil.
    public func patterns(pupilIDs: [Int], on date: LocalDate) async throws -> [Int: [RecurringPatternRow]] {
        var out: [Int: [RecurringPatternRow]] = [:]
        for chunk in pupilIDs.chunks(of: 500) {
            let rows = try await RecurringPatternRow.query(on: db).filter(\.$pupilID ~~ Array(chunk))
                .filter(\.$firstDay <= date.iso).all()
            for r in rows where (r.lastDay.map { $0 >= date.iso } ?? true) { out[r.pupilID, default: []].append(r) }
        }
        return out
    }

    /// Ends a pupil's pattern on `lastDay`, recording who and when; nil when the pupil has no such pattern.
    /// `ending` checks the new last day (it throws to refuse it); an ended pattern throws `PatternEnded`.
    public func endPattern(
        pupilID: Int, id: Int, by actor: Actor, at now: String, ending: @escaping @Sendable (RecurringPattern) throws -> RecurringPattern
    ) async throws -> RecurringPatternRow? {
        try await write { db in
            guard let row = try await RecurringPatternRow.query(on: db).filter(\.$id == id).filter(\.$pupilID == pupilID).first()
            else { return nil }
            if let at = row.endedAt { throw PatternEnded(at: at, by: row.endedBy ?? "") }
            guard let p = row.pattern else { return nil }
            let ended = try ending(p)
            row.lastDay = ended.to?.iso
            row.endedBy = "\(actor.name), \(actor.position)"
            row.endedAt = now
            try await row.update(on: db)
            return row
        }
    }
}
