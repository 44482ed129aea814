import Foundation
import LeafKit
import RollbookCore
import RollbookStore
import Vapor

/// Newsletter figures (seeds 003 and 004): the school's and each form's attendance for a week (the week just ended
/// unless one is chosen) or a half term, with a plain-text and an HTML fragment ready to paste or publish. Figures
/// only, never a pupil; every role that sees the whole school's figures may read them (not a teacher, whose figures are
/// their own forms').
struct NewsletterController {
    struct Form: Content {
        var rank: String
        var form: String
        var attendance: String
        var attendanceRate: Double?
        var pupils: Int
    }
    struct NewsletterContent: Content {
        var period: String
        var from: String
        var to: String
        var dates: String
        var openDays: [String]
        var closedDays: [String]
        var opening: String
        var attendance: String
        var attendanceRate: Double?
        var target: String
        var pupils: Int
        var forms: [Form]
        var text: String
        var html: String
        var previous: String?
        var next: String?
    }

    func build(_ req: Request) async throws -> NewsletterContent {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.readStatistics)
        if u.ownForms != nil {
            throw APIError(
                .forbidden, field: nil,
                reason: "newsletter figures are the whole school's; a teacher sees their own forms' figures on Analytics")
        }
        let now = req.clock.now()
        let policy = try await req.store.policy(schoolID: u.schoolID, on: now.date)
        let through = figuresThrough(now, policy: policy)
        let period = req.query[String.self, at: "period"] ?? "week"
        guard period == "week" || period == "half_term" else { throw APIError.invalid("period", "must be week or half_term") }
        let chosen = try req.query[String.self, at: "date"].map { try parseDate($0, field: "date") }
        let year = AcademicYear(containing: chosen ?? through)
        let roll = try await req.application.analytics.roll(req.store, schoolID: u.schoolID, year: year)
        // The week asked for, else the week just ended (the current week before any has ended); a half term, or
        // the day itself when no half term has begun by then.
        let range: DateRange
        if period == "week" {
            let d = chosen ?? roll.weekJustEnded(through: through) ?? through
            range = DateRange(from: d.weekStart, to: d.weekStart.adding(days: 4))
        } else {
            let d = chosen ?? through
            range = roll.calendar.halfTerm(containing: d) ?? DateRange(from: d, to: d)
        }
        let n = roll.newsletter(range, through: through)
        let forms = n.forms.map {
            Form(
                rank: $0.rank.map(String.init) ?? "–", form: $0.group.value, attendance: percent($0.attendanceRate),
                attendanceRate: $0.attendanceRate, pupils: $0.statistics.pupils)
        }
        let dates = ParentWords.range(range.from, range.to)
        let opening = Self.opening(n, through: through)
        let heading = period == "week" ? "Attendance for the week \(dates)" : "Attendance for the half term \(dates)"
        let school = percent(n.school.sessions.attendanceRate)
        var text = "\(heading)\n\(opening)\nWhole school: \(school) (our target is \(percent(policy.attendanceTarget)))\n"
        if !forms.isEmpty { text += "Classes:\n" + forms.map { "\($0.rank). \($0.form): \($0.attendance)" }.joined(separator: "\n") + "\n" }
        func e(_ s: String) -> String { s.htmlEscaped() }
        var html = "<h2>\(e(heading))</h2>\n<p>\(e(opening))</p>\n"
        html += "<p>Whole school: <strong>\(e(school))</strong> (our target is \(e(percent(policy.attendanceTarget))))</p>\n"
        if !forms.isEmpty {
            html += "<table>\n<thead><tr><th>Rank</th><th>Class</th><th>Attendance</th></tr></thead>\n<tbody>\n"
            html += forms.map { "<tr><td>\(e($0.rank))</td><td>\(e($0.form))</td><td>\(e($0.attendance))</td></tr>\n" }.joined()
            html += "</tbody>\n</table>\n"
        }
        func link(_ d: LocalDate) -> String { "/analytics/newsletter?period=\(period)&date=\(d.iso)" }
        // The week or half term before (within the academic year), and the one after (once it has begun).
        let before: LocalDate? =
            period == "week" ? range.from.adding(days: -7) : roll.calendar.halfTerm(containing: range.from.adding(days: -1))?.from
        let after: LocalDate? =
            period == "week" ? range.from.adding(days: 7) : roll.calendar.terms.flatMap(\.halfTerms).first { $0.from > range.to }?.from
        return NewsletterContent(
            period: period, from: range.from.iso, to: range.to.iso, dates: dates, openDays: n.openDays.map(\.iso),
            closedDays: n.closedDays.map(\.iso), opening: opening, attendance: school, attendanceRate: n.school.sessions.attendanceRate,
            target: percent(policy.attendanceTarget), pupils: n.school.pupils, forms: forms, text: text, html: html,
            previous: before.flatMap { year.range.contains($0) ? link($0) : nil },
            next: after.flatMap { $0 <= through && year.range.contains($0) ? link($0) : nil })
    }

    /// Which days the school was open, in words: "The school was open 4 days; closed Friday 5 September 2025."
    static func opening(_ n: NewsletterFigures, through: LocalDate) -> String {
        let days = n.openDays.count
        if days == 0 { return "No school day of these dates has been counted yet (figures run to \(ParentWords.date(through)))." }
        var s = "The school was open \(days) \(days == 1 ? "day" : "days")"
        if n.closedDays.isEmpty {
            s += "."
        } else if n.closedDays.count <= 3 {
            s += "; closed " + n.closedDays.map(ParentWords.date).joined(separator: ", ") + "."
        } else {
            s += "; closed \(n.closedDays.count) other weekdays."
        }
        if through < n.range.to { s += " Figures to \(ParentWords.date(through))." }
        return s
    }

    func page(req: Request) async throws -> Response {
        let content = try await build(req)
        if req.query[String.self, at: "format"] == "json" { return try await content.encodeResponse(for: req) }
        return try await req.render("Analytics/newsletter", title: "Newsletter figures", content).encodeResponse(for: req)
    }

    func api(req: Request) async throws -> NewsletterContent { try await build(req) }
}
