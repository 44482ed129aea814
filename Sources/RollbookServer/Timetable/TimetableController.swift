import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// The school's timetable (docs/timetable-csv.md): versions imported from CSV, each in force from its date; the page
/// (attendance lead, head) and the API. Anyone who may read registers may see the day's timetable.
struct TimetableController {
    /// A whole secondary school's timetable (1,500 pupils in a dozen groups each) is well under this.
    static let maxFile = 8 * 1024 * 1024

    struct Imported: Content {
        var effectiveFrom: String
        var cycleDays: Int
        var cycleStart: String
        var periods: Int
        var groups: Int
        var lessons: Int
        var replaced: Bool
    }

    /// Reads and saves one version; every error in the file at once, as one 422 naming the first error's column.
    static func importFile(
        _ req: Request, user u: StaffUser, filename: String, text: String, effectiveFrom: LocalDate, cycleStart: LocalDate,
        cycleDays: Int
    ) async throws -> Imported {
        let calendar = try await req.store.calendar(schoolID: u.schoolID)
        guard calendar.isSchoolDay(cycleStart) else {
            throw APIError.invalid("cycle_start", "\(cycleStart.iso) is not a school day: day 1 of the cycle is a day the school is open")
        }
        switch TimetableCSV.read(file: filename, text: text, effectiveFrom: effectiveFrom, cycleStart: cycleStart, cycleDays: cycleDays) {
        case .failure(let e):
            let first = e.errors.first
            let shown = e.errors.prefix(20).map(\.description).joined(separator: "; ")
            let more = e.errors.count > 20 ? " (and \(e.errors.count - 20) more)" : ""
            throw APIError.invalid(first?.column ?? "file", "\(e.errors.count) error\(e.errors.count == 1 ? "" : "s"): \(shown)\(more)")
        case .success(let t):
            let saved = try await req.store.saveTimetable(
                schoolID: u.schoolID, t, filename: filename, by: u.actor, at: req.clock.now().timestamp)
            return Imported(
                effectiveFrom: t.effectiveFrom.iso, cycleDays: t.cycleDays, cycleStart: t.cycleStart.iso, periods: t.periods.count,
                groups: t.groups.count, lessons: t.lessons.count, replaced: saved.replaced)
        }
    }

    // MARK: API

    /// `POST /api/v1/timetable?effective_from=&cycle_days=&cycle_start=`: the body is the CSV file.
    func importAPI(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.manageRoll)
        let today = req.clock.now().date
        let from = try req.query[String.self, at: "effective_from"].map { try parseDate($0, field: "effective_from") } ?? today
        let start = try req.query[String.self, at: "cycle_start"].map { try parseDate($0, field: "cycle_start") } ?? from
        let daysText = req.query[String.self, at: "cycle_days"] ?? "5"
        guard let days = Int(daysText) else { throw APIError.invalid("cycle_days", "'\(daysText)' must be 5 or 10") }
        guard let body = req.body.data, body.readableBytes > 0 else {
            throw APIError.invalid("body", "send the timetable CSV file as the request body")
        }
        let r = try await Self.importFile(
            req, user: u, filename: "timetable.csv", text: String(decoding: Data(buffer: body), as: UTF8.self), effectiveFrom: from,
            cycleStart: start, cycleDays: days)
        let response = Response(status: r.replaced ? .ok : .created)
        try response.content.encode(r)
        return response
    }

    struct DayDTO: Content {
        struct Lesson: Content {
            var period: String
            var start: String
            var end: String
            var group: String
            var teacher: String
            var room: String
            var register: String
            var pupils: [String]
        }
        var date: String
        /// Nil when no timetable is in force or the school is closed.
        var cycleDay: Int?
        var effectiveFrom: String?
        var lessons: [Lesson]
    }

    /// `GET /api/v1/timetable?date=`: the day's lessons from the version in force that day.
    func dayAPI(req: Request) async throws -> DayDTO {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.readRegisters)
        let date = try req.query[String.self, at: "date"].map { try parseDate($0, field: "date") } ?? req.clock.now().date
        let t = try await req.store.timetable(schoolID: u.schoolID, on: date)
        let day = t?.day(date, calendar: try await req.store.calendar(schoolID: u.schoolID))
        return DayDTO(
            date: date.iso, cycleDay: day?.cycleDay, effectiveFrom: t?.effectiveFrom.iso,
            lessons: (day?.lessons ?? []).map {
                .init(
                    period: $0.period, start: $0.start.padded, end: $0.end.padded, group: $0.group, teacher: $0.teacher, room: $0.room,
                    register: $0.registerName, pupils: $0.pupils)
            })
    }

    // MARK: The page

    struct PageContent: Encodable {
        struct Version: Encodable {
            var effectiveFrom: String
            var filename: String
            var cycle: String
            var periods: Int
            var groups: Int
            var lessons: Int
            var imported: String
            var inForce: Bool
        }
        var versions: [Version]
        var today: String
        var todaySummary: String
        var canImport: Bool
        var flash: String?
        var error: String?
    }

    func page(req: Request) async throws -> Response {
        try await render(req, error: nil, status: .ok)
    }

    func render(_ req: Request, error: String?, status: HTTPResponseStatus) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.readRegisters)
        let today = req.clock.now().date
        let rows = try await req.store.timetableVersions(schoolID: u.schoolID)
        let inForce = rows.last { $0.effectiveFrom <= today.iso }?.id
        var versions: [PageContent.Version] = []
        var todayTimetable: Timetable?
        for r in rows.reversed() {
            let t = try r.timetable()
            if r.id == inForce { todayTimetable = t }
            versions.append(
                .init(
                    effectiveFrom: r.effectiveFrom, filename: r.filename,
                    cycle: t.cycleDays == 10 ? "Two weeks from \(t.cycleStart.iso)" : "One week from \(t.cycleStart.iso)",
                    periods: t.periods.count, groups: t.groups.count, lessons: t.lessons.count,
                    imported: "\(r.importedAt.prefix(16).replacingOccurrences(of: "T", with: " ")) by \(r.importedBy)",
                    inForce: r.id == inForce))
        }
        var summary = "No timetable is in force today."
        if let t = todayTimetable {
            if let day = t.day(today, calendar: try await req.store.calendar(schoolID: u.schoolID)) {
                summary =
                    "Today is day \(day.cycleDay) of the \(t.cycleDays == 10 ? "two-week" : "one-week") cycle: \(day.periods.count) periods, \(day.lessons.count) lessons."
            } else {
                summary = "The school is closed today."
            }
        }
        let content = PageContent(
            versions: versions, today: today.iso, todaySummary: summary, canImport: u.can(.manageRoll), flash: req.takeFlash(),
            error: error)
        let r = try await req.render("Timetable/timetable", title: "Timetable", content).encodeResponse(for: req)
        r.status = status
        return r
    }

    struct Upload: Codable {
        var file: File?
        var effectiveFrom: String?
        var cycleDays: String?
        var cycleStart: String?
    }

    func upload(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.manageRoll)
        let form = try? req.content.decode(Upload.self)
        func failed(_ message: String) async throws -> Response { try await render(req, error: message, status: .unprocessableEntity) }
        guard let f = form?.file, f.data.readableBytes > 0 else { return try await failed("file: choose the timetable CSV file") }
        guard f.data.readableBytes <= Self.maxFile else { return try await failed("file: the file is larger than 8 MB") }
        let fromText = form?.effectiveFrom ?? ""
        guard let from = LocalDate(iso: fromText) else {
            return try await failed("effective_from: '\(fromText)' is not a date in the form YYYY-MM-DD")
        }
        let startText = form?.cycleStart ?? ""
        guard let start = startText.isEmpty ? from : LocalDate(iso: startText) else {
            return try await failed("cycle_start: '\(startText)' is not a date in the form YYYY-MM-DD")
        }
        let r: Imported
        do {
            r = try await Self.importFile(
                req, user: u, filename: f.filename.isEmpty ? "timetable.csv" : f.filename,
                text: String(decoding: Data(buffer: f.data), as: UTF8.self), effectiveFrom: from, cycleStart: start,
                cycleDays: Int(form?.cycleDays ?? "") ?? 0)
        } catch let e as APIError {
            return try await failed("\(e.field.map { "\($0): " } ?? "")\(e.reason)")
        }
        req.session.data["flash"] =
            "\(r.replaced ? "Replaced the" : "Imported the") timetable in force from \(r.effectiveFrom): \(r.periods) periods, \(r.groups) groups, \(r.lessons) lessons."
        return req.redirect(to: "/timetable")
    }
}
