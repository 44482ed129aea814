import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// The policy's scheduled reports (`reports`): an attendance summary (figures only) or a link to the spreadsheet
/// (behind sign-in: the outbox carries no attachments), queued in the outbox for the staff of the roles named, once
/// the report day's afternoon register has closed. Each report is claimed once per school, kind, interval and day in
/// the database (`job_runs`) and each message has a dedupe key, so running the job twice, or on several instances,
/// sends once.
enum ScheduledReports {
    static func runDue(app: Application) async {
        do {
            let n = try await run(store: app.store, cache: app.analytics, settings: app.options.messages, now: app.options.clock.now())
            if n > 0 { app.logger.info("Scheduled reports: \(n) messages queued.") }
        } catch {
            app.logger.error("Scheduled reports failed: \(error)")
        }
    }

    /// Queues every report due by now; returns how many messages were queued.
    static func run(store: Store, cache: AnalyticsCache, settings: MessageSettings, now: SchoolNow) async throws -> Int {
        var queued = 0
        for school in try await store.schools() {
            let id = school.id!
            let policy = try await store.policy(schoolID: id, on: now.date)
            guard let reports = policy.reports, !reports.isEmpty else { continue }
            let through = figuresThrough(now, policy: policy)
            let roll = try await cache.roll(store, schoolID: id, year: AcademicYear(containing: through))
            let staff = try await store.staff(schoolID: id)
            for r in reports {
                guard let due = r.due(through: through, schoolDays: roll.schoolDays) else { continue }
                let job = "report:\(r.kind.rawValue):\(r.every.rawValue)"
                guard try await store.claimJob(schoolID: id, job: job, day: due.day, at: now.timestamp) else { continue }
                let (subject, body) =
                    switch r.kind {
                    case .attendanceSummary:
                        summary(roll, range: due.range, every: r.every, policy: policy, school: school.name, settings: settings)
                    case .spreadsheet: spreadsheet(range: due.range, every: r.every, school: school.name, settings: settings)
                    }
                let rows = staff.filter { r.to.contains($0.role) && !$0.email.isEmpty }.map {
                    OutboxRow(
                        schoolID: id, pupilID: nil, template: .attendanceReport, channel: "email", recipient: $0.email,
                        recipientName: $0.name, subject: subject, body: body, dedupeKey: "\(job):\(id):\(due.day.iso):\($0.id!)",
                        about: "report:\(due.range.from.iso):\(due.range.to.iso)", at: now.instant)
                }
                let n = try await store.enqueue(rows).count
                queued += n
                try await store.finishJob(schoolID: id, job: job, day: due.day, summary: "\(n) messages queued")
            }
        }
        return queued
    }

    static func words(_ range: DateRange, _ every: ScheduledReport.Every) -> String {
        every == .week ? "the week \(ParentWords.range(range.from, range.to))" : "the academic year to \(ParentWords.date(range.to))"
    }

    /// The school's, each year group's and form's figures for the period, the year to date and the characteristic
    /// groups: figures only, no pupil.
    static func summary(
        _ roll: AnalyticsRoll, range: DateRange, every: ScheduledReport.Every, policy: Policy, school: String, settings: MessageSettings
    ) -> (String, String) {
        let period = roll.overview(range, trend: false).statistics
        let ytdRange = DateRange(from: roll.year.range.from, to: range.to)
        let ytd = roll.overview(ytdRange, trend: false).statistics
        func line(_ g: GroupStatistics) -> String {
            "\(percent(g.sessions.attendanceRate)) attendance (\(g.pupils) \(g.pupils == 1 ? "pupil" : "pupils"))"
        }
        var body = "Attendance at \(school) for \(words(range, every)).\n\n"
        body +=
            "\(every == .week ? "This week" : "This year"): \(line(period)); the target is \(percent(policy.attendanceTarget)). Authorised absence \(percent(period.sessions.authorisedAbsenceRate)), unauthorised \(percent(period.sessions.unauthorisedAbsenceRate)).\n"
        if every == .week {
            body += "Year to date: \(line(ytd)).\n"
        }
        body +=
            "Persistently absent (10% or more) over the year to date: \(ytd.persistentAbsence) (\(percent(ytd.persistentAbsenceRate))); severely absent (50% or more): \(ytd.severeAbsence) (\(percent(ytd.severeAbsenceRate))).\n"
        let cohorts = roll.cohorts(range)
        for (title, dimension) in [("Year groups", AnalyticsGroup.Dimension.yearGroup), ("Forms", .form), ("Groups", .characteristic)] {
            let rows = cohorts.filter { $0.group.dimension == dimension && $0.members.pupils > 0 }
            guard !rows.isEmpty else { continue }
            body += "\n\(title):\n" + rows.map { "  \($0.group.label): \(line($0.members))" }.joined(separator: "\n") + "\n"
        }
        body += "\nThe details, by group and pupil, are in Rollbook: \(settings.publicURL)/analytics\n"
        return ("Attendance summary: \(words(range, every))", body)
    }

    /// The spreadsheet's link: it names pupils, so it stays behind sign-in rather than travelling by email.
    static func spreadsheet(range: DateRange, every: ScheduledReport.Every, school: String, settings: MessageSettings) -> (
        String, String
    ) {
        let link = "\(settings.publicURL)/analytics/reports/spreadsheet?from=\(range.from.iso)&to=\(range.to.iso)"
        let body =
            "The attendance spreadsheet for \(school), \(words(range, every)), is ready: every pupil's attendance for the period and the year to date.\n\n\(link)\n\nSign in to Rollbook to open it. It names pupils: keep it within the school.\n"
        return ("Attendance spreadsheet: \(words(range, every))", body)
    }
}

/// The spreadsheet the scheduled report links to (seed 004 appendix 1): one row per pupil this user may see, with
/// their attendance over the dates asked for and the year to date. Pupils' names: not for governors.
struct ReportSpreadsheetController {
    func download(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.readPupils)
        let now = req.clock.now()
        let policy = try await req.store.policy(schoolID: u.schoolID, on: now.date)
        let through = figuresThrough(now, policy: policy)
        let from =
            try req.query[String.self, at: "from"].map { try parseDate($0, field: "from") } ?? AcademicYear(containing: through).range.from
        let to = try req.query[String.self, at: "to"].map { try parseDate($0, field: "to") } ?? through
        guard from <= to else { throw APIError.invalid("to", "\(to.iso) is before \(from.iso)") }
        let year = AcademicYear(containing: from)
        guard AcademicYear(containing: to) == year else { throw APIError.invalid("to", "the dates lie within one academic year") }
        let roll = try await req.application.analytics.roll(req.store, schoolID: u.schoolID, year: year)
        let filter: AnalyticsFilter? = u.ownForms.map { .anyOf($0.map { .form($0) }) }
        let range = DateRange(from: from, to: to)
        let counts = roll.pupilCounts(range, filter: filter)
        let ytd = roll.pupilCounts(DateRange(from: year.range.from, to: to), filter: filter)
        var rows: [[Spreadsheet.Cell]] = []
        for p in roll.pupils.indices.sorted(by: {
            (roll.pupils[$0].form, roll.pupils[$0].name) < (roll.pupils[$1].form, roll.pupils[$1].name)
        }) {
            guard let c = counts[p], let y = ytd[p], c.possible > 0 || y.possible > 0 else { continue }
            let x = roll.pupils[p]
            rows.append([
                .text(x.id), .text(x.name), .text(x.yearGroup), .text(x.form), .integer(c.possible),
                .integer(c.present + c.approvedActivity),
                .rate(c.attendanceRate), .integer(c.authorised), .integer(c.unauthorised), .rate(y.attendanceRate),
                .text(y.isPersistentAbsence ? "yes" : "no"),
            ])
        }
        return try Spreadsheet(
            name: "Attendance",
            header: [
                "upn", "name", "year_group", "form", "possible_sessions", "attended_sessions", "attendance", "authorised_sessions",
                "unauthorised_sessions", "attendance_year_to_date", "persistent_absence_year_to_date",
            ], rows: rows
        ).response(format: "xlsx", name: "attendance-\(from.iso)-\(to.iso)")
    }
}
