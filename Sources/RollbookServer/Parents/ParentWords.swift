import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Plain words for parents.
enum ParentWords {
    struct Report: Encodable {
        var dates: String
        var category: String
        var note: String
        var state: String
        var stateTone: String
    }
    struct LeaveLine: Encodable {
        var id: Int
        var dates: String
        var reason: String
        var state: String
        var stateTone: String
        var decision: String?
    }

    static func date(_ d: LocalDate) -> String { "\(d.weekdayName) \(d.day) \(d.monthName) \(d.year)" }

    static func range(_ from: LocalDate, _ to: LocalDate) -> String { from == to ? date(from) : "\(date(from)) to \(date(to))" }

    /// Sessions by day: "Monday 3 November 2025 (morning and afternoon); Tuesday 4 November 2025 (morning)".
    static func sessions(_ list: [(date: LocalDate, session: Session)]) -> String {
        var days: [LocalDate] = []
        var parts: [LocalDate: Set<Session>] = [:]
        for s in list {
            if parts[s.date] == nil { days.append(s.date) }
            parts[s.date, default: []].insert(s.session)
        }
        return days.sorted().map { d in
            let p = parts[d]!
            return "\(date(d)) (\(p.count == 2 ? "morning and afternoon" : p.contains(.am) ? "morning" : "afternoon"))"
        }.joined(separator: "; ")
    }

    static func meaning(_ c: AttendanceCode, on d: LocalDate) -> String {
        switch c.statisticalMeaning {
        case .authorisedAbsence: "\(c.meaning(on: d)) (authorised)"
        case .unauthorisedAbsence: c == .n ? "No reason received yet" : "\(c.meaning(on: d)) (unauthorised)"
        default: c.meaning(on: d)
        }
    }

    static func report(_ r: AbsenceReportRow) -> Report {
        let state: String
        let toneWord: String
        switch r.state {
        case .accepted:
            state = "Recorded\(r.code.flatMap(AttendanceCode.lookup).map { c in " as \(c.meaning(on: r.fromDay).lowercased())" } ?? "")"
            toneWord = "authorised"
        case .declined:
            state = "Not accepted\(r.decisionNote.map { ": \($0)" } ?? "")"
            toneWord = "unauthorised"
        case .pending:
            state = "Waiting for the office"
            toneWord = "none"
        }
        let sessions = r.sessions == "am" ? " (mornings)" : r.sessions == "pm" ? " (afternoons)" : ""
        return .init(
            dates: range(r.fromDay, r.toDay) + sessions, category: r.absenceCategory.title, note: r.note, state: state, stateTone: toneWord)
    }

    static func leave(_ r: LeaveRequestRow) -> LeaveLine {
        let request = r.leaveRequest
        let dates = request.map { range($0.from, $0.to) } ?? ""
        let (state, toneWord): (String, String) =
            switch r.state {
            case .granted: ("Granted", "authorised")
            case .refused: ("Refused", "unauthorised")
            case .withdrawn: ("Withdrawn", "none")
            case .pending: ("Waiting for the headteacher's decision", "none")
            }
        var decision: String?
        if r.state == .refused { decision = r.refusalReason }
        if r.state == .granted, let g = r.leaveGrant {
            decision = "Granted for \(range(g.from, g.to)): \(g.code.meaning(on: g.from).lowercased())."
        }
        return .init(id: r.id!, dates: dates, reason: request?.reason ?? "", state: state, stateTone: toneWord, decision: decision)
    }
}
