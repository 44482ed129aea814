import Fluent
import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/reports`: parents' absence reports for the office to accept (setting a code) or decline.
struct ReportsController {
    struct ReportsContent: Encodable {
        var reports: [AbsenceReportLine]
        var codes: [CodeOption]
        var flash: String?
    }

    func reports(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let lines = try await req.store.pendingAbsenceReports(schoolID: u.schoolID).map(AbsenceReportLine.init)
        return try await req.render(
            "Parents/reports", title: "Reported absences",
            ReportsContent(reports: lines, codes: Reasons.codeOptions, flash: req.takeFlash()))
    }

    func report(_ req: Request, _ u: StaffUser) async throws -> (AbsenceReportRow, PupilRow) {
        guard let id = req.parameters.get("id", as: Int.self), let r = try await req.store.absenceReport(id: id),
            let p = try await PupilRow.find(r.pupilID, on: req.db), p.schoolID == u.schoolID
        else {
            throw Abort(.notFound, reason: "No such report.")
        }
        return (r, p)
    }

    struct DecisionForm: Content {
        var code: String?
        var note: String?
        var back: String?
    }

    func back(_ req: Request, _ form: DecisionForm, _ p: PupilRow) -> Response {
        req.redirect(to: form.back == "pupil" ? "/pupils/\(p.upn)" : form.back == "today" ? "/today" : "/reports")
    }

    /// Accepting sets the chosen code on the report's open sessions (an audited amendment where a mark exists) and
    /// tells the parent; the report itself never set a code.
    func accept(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let (r, p) = try await report(req, u)
        let form = try req.content.decode(DecisionForm.self)
        guard r.state == .pending else { throw APIError(.conflict, field: nil, reason: "this report has already been \(r.state.rawValue)") }
        let code: AttendanceCode
        do { code = try AttendanceCode.parse(form.code ?? "", on: r.fromDay) } catch { throw APIError.invalid("code", error.description) }
        guard Reasons.reasonCodes.contains(code) else { throw APIError.invalid("code", "\(code.symbol) is not set from a parent's report") }
        let calendar = try await req.store.calendar(schoolID: u.schoolID)
        let writes = try await Reasons.skippingAttendance(
            Reasons.writes(
                pupil: p, calendar: calendar, from: r.fromDay, to: r.toDay, sessions: r.sessionList, code: code,
                reason: "Reported by \(r.reportedBy) (\(r.absenceCategory.title.lowercased()))\(r.note.isEmpty ? "" : ": \(r.note)")"),
            store: req.store)
        let now = req.clock.now()
        guard
            try await req.store.decideAbsenceReport(
                id: r.id!, state: .accepted, code: code.symbol, note: nil, by: u.actor, at: now.timestamp)
        else {
            throw APIError(.conflict, field: nil, reason: "this report has already been decided")
        }
        let s = writes.isEmpty ? WriteSummary() : try await req.store.record(writes, by: u.actor, at: now.timestamp)
        r.state = .accepted
        let (subject, body) = MessageText.reportAnswered(
            p, report: r, accepted: true, code: code, school: try await req.store.school(p.schoolID).name)
        try await Outbox.toParents(
            store: req.store, pupil: p, template: .absenceReportReceived, subject: subject, body: body, caseworkID: nil,
            about: "report:\(r.id!)", dedupe: "report:\(r.id!)", onlyEmail: try await reporterEmail(req, r, p), at: now.instant)
        req.session.data["flash"] =
            "\(p.displayName): \(code.symbol) (\(code.meaning)) recorded for \(writes.count) sessions (\(s.created) new, \(s.amended) changed)."
        return back(req, form, p)
    }

    func decline(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let (r, p) = try await report(req, u)
        let form = try req.content.decode(DecisionForm.self)
        let note = (form.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !note.isEmpty else { throw APIError.invalid("note", "say why the report is not accepted; the family is told") }
        let now = req.clock.now()
        guard try await req.store.decideAbsenceReport(id: r.id!, state: .declined, code: nil, note: note, by: u.actor, at: now.timestamp)
        else {
            throw APIError(.conflict, field: nil, reason: "this report has already been decided")
        }
        r.state = .declined
        r.decisionNote = note
        let (subject, body) = MessageText.reportAnswered(
            p, report: r, accepted: false, code: nil, school: try await req.store.school(p.schoolID).name)
        try await Outbox.toParents(
            store: req.store, pupil: p, template: .absenceReportReceived, subject: subject, body: body, caseworkID: nil,
            about: "report:\(r.id!)", dedupe: "report:\(r.id!)", onlyEmail: try await reporterEmail(req, r, p), at: now.instant)
        req.session.data["flash"] = "Report for \(p.displayName) declined; the family will be told."
        return back(req, form, p)
    }

    /// The email of the contact who reported, when it can be told (a parent account's, or the named contact's).
    func reporterEmail(_ req: Request, _ r: AbsenceReportRow, _ p: PupilRow) async throws -> String? {
        try await req.store.contacts(pupilID: p.id!).first { $0.name == r.reportedBy && !$0.email.isEmpty }?.email
    }
}

/// A parent's absence report waiting for the office, as `/reports` and a pupil's page list it.
struct AbsenceReportLine: Encodable {
    var id: Int
    var upn: String
    var pupil: String
    var form: String
    var dates: String
    var sessions: String
    var category: String
    var note: String
    var reportedBy: String
    var via: String
    var received: String
    var expectedReturn: String?
    var suggested: String

    init(_ r: AbsenceReportRow, _ p: PupilRow) {
        self.init(
            id: r.id!, upn: p.upn, pupil: p.displayName, form: p.form, dates: ParentWords.range(r.fromDay, r.toDay),
            sessions: r.sessions == "both" ? "AM and PM" : r.sessions.uppercased(), category: r.absenceCategory.title, note: r.note,
            reportedBy: r.reportedBy, via: r.via == "link" ? "reply link" : r.via,
            received: String(r.createdAt.prefix(16)).replacingOccurrences(of: "T", with: " "),
            expectedReturn: r.expectedReturnDay.map(ParentWords.date), suggested: r.absenceCategory.suggestedCode.symbol)
    }

    init(
        id: Int, upn: String, pupil: String, form: String, dates: String, sessions: String, category: String, note: String,
        reportedBy: String,
        via: String, received: String, expectedReturn: String?, suggested: String
    ) {
        self.id = id
        self.upn = upn
        self.pupil = pupil
        self.form = form
        self.dates = dates
        self.sessions = sessions
        self.category = category
        self.note = note
        self.reportedBy = reportedBy
        self.via = via
        self.received = received
        self.expectedReturn = expectedReturn
        self.suggested = suggested
    }
}
