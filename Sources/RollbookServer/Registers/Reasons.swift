import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Reasons for absence set by the office: which codes a parent's report may lead to, and the marks for a reason over some days.
enum Reasons {
    /// Codes a parent's report can lead to. Leave (C, C1, J1, S, C2) needs the head's decision and suspension (E) the school's, so neither is set here.
    static let reasonCodes: [AttendanceCode] = [.i, .m, .r, .t, .g, .o]

    /// The reason codes as a page offers them.
    static var codeOptions: [CodeOption] { reasonCodes.map { CodeOption($0) } }

    /// A form's `from` and optional `to` days (at most 62 days apart), and its `sessions` (`am`, `pm` or `both`).
    static func days(from: String, to: String?) throws -> (from: LocalDate, to: LocalDate) {
        let first = try parseDate(from, field: "from")
        let last = try to.flatMap { $0.isEmpty ? nil : $0 }.map { try parseDate($0, field: "to") } ?? first
        guard first <= last else { throw APIError.invalid("to", "\(last) is before \(first)") }
        guard first.days(to: last) <= 62 else { throw APIError.invalid("to", "at most 62 days at a time") }
        return (first, last)
    }

    static func sessions(_ raw: String?) throws -> [Session] {
        switch raw ?? "both" {
        case "am": [.am]
        case "pm": [.pm]
        case "both": [.am, .pm]
        default: throw APIError.invalid("sessions", "must be am, pm or both")
        }
    }

    /// The marks for a reason over some days: every session the school is open for the pupil while on roll.
    static func writes(
        pupil p: PupilRow, calendar: SchoolCalendar, from: LocalDate, to: LocalDate, sessions: [Session], code: AttendanceCode,
        reason: String
    ) -> [MarkWrite] {
        var out: [MarkWrite] = []
        var d = from
        while d <= to {
            let year = p.enrolment.yearGroup(in: AcademicYear(containing: d))
            for s in sessions where p.enrolment.isOnRoll(d) && calendar.isOpen(d, s, yearGroup: year) {
                out.append(MarkWrite(pupilID: p.id!, mark: Mark(date: d, session: s, code: code), reason: reason))
            }
            d = d.adding(days: 1)
        }
        return out
    }

    /// Leaves out writes for sessions the pupil attended (present, late, or on an approved activity): a reason for an
    /// absence, or leave, never overwrites attendance already recorded.
    static func skippingAttendance(_ writes: [MarkWrite], store: Store) async throws -> [MarkWrite] {
        guard let first = writes.map(\.mark.date).min(), let last = writes.map(\.mark.date).max() else { return writes }
        var attended = Set<String>()
        for id in Set(writes.map(\.pupilID)) {
            for m in try await store.marks(pupilID: id, range: DateRange(from: first, to: last)) {
                guard let c = AttendanceCode.lookup(m.code), !c.isAbsence, c.statisticalMeaning != .notPossible else { continue }
                attended.insert("\(id)|\(m.date)|\(m.session)")
            }
        }
        return writes.filter { !attended.contains("\($0.pupilID)|\($0.mark.date.iso)|\($0.mark.session.rawValue)") }
    }
}
