import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Marking a group at once (issue 18): who, which sessions, the code and the reason given once; previewed, then written
/// through the audited write.
struct GroupMarksRequest: Content {
    /// Exactly one of these chooses the pupils.
    var upns: [String]?
    var form: String?
    var yearGroups: [String]?
    var wholeSchool: Bool?
    var from: String
    /// The last day; `from` when left out.
    var to: String?
    /// `am`, `pm` or `both` (the default).
    var sessions: String?
    var code: String
    var reason: String
    /// True: say what would be written and write nothing.
    var preview: Bool
    /// True: replace a different mark already there (an amendment with the reason); false (the default): keep it.
    var replaceExisting: Bool?
}

struct GroupMarksDTO: Content {
    struct Counts: Content {
        var write: Int
        var amend: Int
        var unchanged: Int
        var keep: Int
    }
    struct MarkLine: Content {
        var upn: String
        var name: String
        var date: String
        var session: String
        var code: String
        /// The mark there now, if any.
        var existing: String?
        /// `write`, `amend`, `unchanged` or `keep`.
        var change: String
    }
    struct PupilLine: Content {
        var upn: String
        var name: String
        var form: String
        var yearGroup: String
        var sessions: Int
        var write: Int
        var amend: Int
        var unchanged: Int
        var keep: Int
        /// The differing marks there now, in words: "2025-09-09 AM: / kept".
        var conflicts: [String]
    }
    struct NotOnRoll: Content {
        var upn: String
        var name: String
        var days: [String]
    }
    var preview: Bool
    /// The batch's record once written.
    var batchId: Int?
    var code: String
    var meaning: String
    var reason: String
    var from: String
    var to: String
    var sessions: String
    var scope: String
    var replaceExisting: Bool
    var counts: Counts
    /// Every session that is written, amended or kept (unchanged ones are counted only), at most `listLimit`.
    var marks: [MarkLine]
    /// False when `marks` stops at the limit; the counts are always whole.
    var listedAll: Bool
    var pupils: [PupilLine]
    var notOnRoll: [NotOnRoll]
}

enum GroupMarks {
    static let listLimit = 2000

    static func sessionsWord(_ s: [Session]) -> String { s.count == 2 ? "both" : s.first == .am ? "am" : "pm" }

    /// The pupils the request chooses, and the choice in words.
    static func pupils(_ b: GroupMarksRequest, user u: StaffUser, store: Store, range: DateRange) async throws -> ([PupilRow], String) {
        let upns = b.upns.map { $0.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        let form = formField(b.form)
        let years = b.yearGroups.map { $0.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        let chosen = [upns?.isEmpty == false, form != nil, years?.isEmpty == false, b.wholeSchool == true].filter { $0 }.count
        guard chosen == 1 else {
            throw APIError.invalid("upns", "choose the pupils one way: upns, form, year_groups or whole_school")
        }
        if let upns, !upns.isEmpty {
            guard upns.count <= 5000 else { throw APIError.invalid("upns", "at most 5000 pupils") }
            let rows = try await store.pupils(schoolID: u.schoolID, filter: PupilFilter(upns: upns))
            let byUPN = Dictionary(rows.map { ($0.upn, $0) }, uniquingKeysWith: { a, _ in a })
            var seen: Set<String> = []
            let out = try upns.enumerated().map { i, upn in
                guard let p = byUPN[upn] else {
                    throw APIError.invalid("upns[\(i)]", "no pupil with UPN '\(upn)' on the admission register")
                }
                guard seen.insert(upn).inserted else { throw APIError.invalid("upns[\(i)]", "\(upn) appears twice") }
                return p
            }
            return (out, "\(out.count) pupil\(out.count == 1 ? "" : "s")")
        }
        if let form {
            let rows = try await store.pupils(schoolID: u.schoolID, filter: PupilFilter(form: form, onRollDuring: range))
            guard !rows.isEmpty else { throw APIError.invalid("form", "no pupil of form '\(form)' is on roll in these days") }
            return (rows, "form \(form)")
        }
        if let years, !years.isEmpty {
            var out: [PupilRow] = []
            for (i, y) in years.enumerated() {
                guard YearGroup.isValid(y) else { throw APIError.invalid("year_groups[\(i)]", "'\(y)' is not a year group") }
                out += try await store.pupils(schoolID: u.schoolID, filter: PupilFilter(yearGroup: y, onRollDuring: range))
            }
            guard !out.isEmpty else { throw APIError.invalid("year_groups", "no pupil of these year groups is on roll in these days") }
            return (out, "year\(years.count == 1 ? "" : "s") \(years.joined(separator: ", "))")
        }
        return (try await store.pupils(schoolID: u.schoolID, filter: PupilFilter(onRollDuring: range)), "whole school")
    }

    /// Checks the request, works out every session, and (unless it is a preview) writes them in one transaction.
    static func run(_ b: GroupMarksRequest, req: Request, user u: StaffUser) async throws -> GroupMarksDTO {
        try u.require(.amendMarks)
        let store = req.store
        let from = try parseDate(b.from, field: "from")
        let to = try formField(b.to).map { try parseDate($0, field: "to") } ?? from
        let sessions = try Reasons.sessions(b.sessions.flatMap(formField))
        let code: AttendanceCode
        do {
            code = try AttendanceCode.parse(b.code, on: from)
            _ = try AttendanceCode.parse(b.code, on: to)
        } catch { throw APIError.invalid("code", error.description) }
        guard let reason = formField(b.reason), reason.count <= 500 else {
            throw APIError.invalid("reason", "give the reason once for every mark, 1 to 500 characters")
        }
        let allowed = try await store.policy(schoolID: u.schoolID, on: from).groupMarking?.codes?.compactMap(AttendanceCode.lookup)
        try GroupMarking.check(code: code, from: from, to: to, allowed: allowed)
        let (rows, scope) = try await pupils(b, user: u, store: store, range: DateRange(from: from, to: to))
        let calendar = try await store.calendar(schoolID: u.schoolID)
        let expansion = try GroupMarking.expand(
            pupils: rows.map { GroupMarking.Pupil(id: $0.id!, enrolment: $0.enrolment) }, from: from, to: to, sessions: sessions,
            calendar: calendar)
        let existing = try await store.sessionCodes(pupilIDs: rows.compactMap(\.id), from: from, to: to)
        let replace = b.replaceExisting ?? false
        let byID = Dictionary(rows.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
        var counts = GroupMarksDTO.Counts(write: 0, amend: 0, unchanged: 0, keep: 0)
        var lines: [GroupMarksDTO.MarkLine] = []
        var perPupil: [Int: GroupMarksDTO.PupilLine] = [:]
        var writes: [MarkWrite] = []
        for s in expansion.slots {
            let p = byID[s.pupilID]!
            let current = existing[s.pupilID]?["\(s.date.iso)|\(s.session.rawValue)"]
            let change = GroupMarking.change(existing: current.flatMap(AttendanceCode.lookup), code: code, replaceExisting: replace)
            var line =
                perPupil[s.pupilID]
                ?? .init(
                    upn: p.upn, name: p.displayName, form: p.form, yearGroup: p.yearGroup, sessions: 0, write: 0, amend: 0, unchanged: 0,
                    keep: 0, conflicts: [])
            line.sessions += 1
            switch change {
            case .write:
                counts.write += 1
                line.write += 1
            case .amend:
                counts.amend += 1
                line.amend += 1
            case .unchanged:
                counts.unchanged += 1
                line.unchanged += 1
            case .keep:
                counts.keep += 1
                line.keep += 1
            }
            if change == .amend || change == .keep {
                line.conflicts.append(
                    "\(s.date.iso) \(s.session.rawValue.uppercased()): \(current ?? "") \(change == .amend ? "replaced" : "kept")")
            }
            perPupil[s.pupilID] = line
            if change != .unchanged && lines.count < listLimit {
                lines.append(
                    .init(
                        upn: p.upn, name: p.displayName, date: s.date.iso, session: s.session.rawValue, code: code.symbol,
                        existing: current,
                        change: change.rawValue))
            }
            if change == .write || change == .amend {
                writes.append(MarkWrite(pupilID: s.pupilID, mark: Mark(date: s.date, session: s.session, code: code), reason: reason))
            }
        }
        let notOnRoll = rows.compactMap { p in
            expansion.notOnRoll[p.id!].map { GroupMarksDTO.NotOnRoll(upn: p.upn, name: p.displayName, days: $0.map(\.iso)) }
        }
        var batchID: Int? = nil
        if !b.preview {
            guard !writes.isEmpty else {
                throw APIError.invalid("from", "nothing to write: every session is already \(code.symbol), kept, or the school is closed")
            }
            let now = req.clock.now()
            let batch = GroupMarkBatchRow(
                schoolID: u.schoolID, code: code.symbol, reason: reason, firstDay: from, lastDay: to, sessions: sessionsWord(sessions),
                scope: scope, pupils: perPupil.count, by: u.actor, at: now.timestamp)
            _ = try await store.recordGroupMarks(writes, batch: batch, kept: counts.keep, by: u.actor, at: now.timestamp)
            batchID = batch.id
        }
        return GroupMarksDTO(
            preview: b.preview, batchId: batchID, code: code.symbol, meaning: code.meaning(on: from), reason: reason, from: from.iso,
            to: to.iso, sessions: sessionsWord(sessions), scope: scope, replaceExisting: replace, counts: counts, marks: lines,
            listedAll: lines.count == counts.write + counts.amend + counts.keep,
            pupils: rows.compactMap { perPupil[$0.id!] }, notOnRoll: notOnRoll)
    }
}
