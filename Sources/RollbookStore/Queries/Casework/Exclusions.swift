import FluentKit
import Foundation
import RollbookCore

extension CaseworkRow {
    /// The exclusion an `exclusion` entry records: its kind in `outcome`, a suspension's school days in `figure`, the
    /// first day in `happened_on`.
    public var exclusion: ExclusionRecord? {
        guard caseworkKind == .exclusion, let kind = ExclusionRecord.Kind(rawValue: outcome ?? ""),
            let first = LocalDate(iso: happenedOn)
        else { return nil }
        return ExclusionRecord(kind: kind, firstDay: first, schoolDays: figure.map { Int($0) }, reason: summary)
    }
}

extension Store {
    /// Records a suspension or permanent exclusion and codes its sessions E, in one transaction: the marks go through
    /// the audited write, so an existing mark is amended with `marks`' reason.
    public func recordExclusion(_ entry: CaseworkRow, marks: [MarkWrite], by actor: Actor, at now: String) async throws -> WriteSummary {
        try await write { db in
            try await entry.create(on: db)
            guard !marks.isEmpty else { return WriteSummary() }
            return try await Store.record(marks.map(Entry.init), in: .sessions, by: actor, at: now, on: db)
        }
    }

    /// The suspensions and permanent exclusions recorded for a school's pupils that start in `range`, by UPN.
    public func exclusions(schoolID: Int, startingIn range: DateRange) async throws -> [String: [ExclusionRecord]] {
        let rows = try await CaseworkRow.query(on: db).join(PupilRow.self, on: \CaseworkRow.$pupilID == \PupilRow.$id)
            .filter(PupilRow.self, \.$schoolID == schoolID).filter(\.$kind == CaseworkKind.exclusion.rawValue)
            .filter(\.$happenedOn >= range.from.iso).filter(\.$happenedOn <= range.to.iso)
            .sort(\.$happenedOn).sort(\.$id).all()
        var out: [String: [ExclusionRecord]] = [:]
        for r in rows { if let x = r.exclusion { out[try r.joined(PupilRow.self).upn, default: []].append(x) } }
        return out
    }
}
