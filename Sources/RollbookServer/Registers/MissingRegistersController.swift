import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/registers/missing`: registers not taken by their close.
struct MissingRegistersController {
    struct MissingRow: Encodable {
        var date, weekday, session, form: String
        var unmarked, pupils: Int
        var link: String
    }
    struct MissingContent: Encodable {
        var weeks: Int
        var from: String
        var rows: [MissingRow]
        /// Timetabled lessons whose register was not taken.
        var lessons: [MissingLessonRegisters.Row]
    }

    /// Every form's AM/PM register, today and in the last `weeks` weeks, with pupils still unmarked after it closed.
    func missingRegisters(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.readRegisters)
        let weeks = req.query[Int.self, at: "weeks"] ?? 2
        guard (1...52).contains(weeks) else { throw APIError.invalid("weeks", "must be 1 to 52") }
        let now = req.clock.now()
        let times = try await req.store.policy(schoolID: u.schoolID, on: now.date).register
        let calendar = try await req.store.calendar(schoolID: u.schoolID)
        let range = DateRange(from: now.date.weekStart.adding(days: -7 * weeks), to: now.date)
        let pupils = try await req.store.listings(schoolID: u.schoolID, filter: u.scoped(PupilFilter(onRollDuring: range)))
        let arrays = try await req.store.sessionArrays(schoolID: u.schoolID, range: range)
        var rows: [MissingRow] = []
        var d = range.to
        while d >= range.from {
            for s in Session.allCases.reversed() where d < now.date || times[s].closes < now.time {
                var byForm: [String: (unmarked: Int, pupils: Int)] = [:]
                for p in pupils where p.enrolment.isOnRoll(d) && calendar.isOpen(d, s, yearGroup: p.yearGroup) {
                    var t = byForm[p.form] ?? (0, 0)
                    t.pupils += 1
                    if arrays[p.id]?[d, s] == nil { t.unmarked += 1 }
                    byForm[p.form] = t
                }
                for (form, t) in byForm.sorted(by: { formOrder($0.key, $1.key) }) where t.unmarked > 0 {
                    rows.append(
                        MissingRow(
                            date: d.iso, weekday: d.weekdayName, session: s.rawValue, form: form,
                            unmarked: t.unmarked, pupils: t.pupils,
                            link:
                                "/registers/\(d.iso)/\(s.rawValue)?form=\(form.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? form)"
                        ))
                }
            }
            d = d.adding(days: -1)
        }
        let lessons = try await MissingLessonRegisters.rows(req: req, user: u, range: range, now: now)
        return try await req.render(
            "Registers/missing", title: "Missing registers",
            MissingContent(weeks: weeks, from: range.from.iso, rows: rows, lessons: lessons))
    }
}
