import Fluent
import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// The office's side of the parent loop: the outbox of every message, parents' absence reports to accept or
/// decline, and invitations to the parent portal.
struct OutboxController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.grouped(SessionAuthenticator(), CSRFMiddleware(), StaffUser.redirectMiddleware(path: "/"))
        staff.get("outbox", use: outbox)
        staff.get("reports", use: reports)
        staff.post("reports", ":id", "accept", use: accept)
        staff.post("reports", ":id", "decline", use: decline)
        staff.post("pupils", ":upn", "contacts", ":priority", "invite", use: invite)
    }

    // MARK: The outbox

    struct OutboxContent: Encodable {
        struct Line: Encodable {
            var id: Int; var created: String; var template: String; var channel: String; var recipient: String; var recipientName: String
            var subject: String; var state: String; var stateTone: String; var attempts: Int; var lastError: String?; var upn: String?; var pupil: String?
        }
        var lines: [Line]
        var counts: [Count]
        var state: String?
        var configured: String
        struct Count: Encodable { var state: String; var n: Int; var link: String }
    }

    func outbox(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let state = req.query[String.self, at: "state"].flatMap(OutboxState.init(rawValue:))
        let rows = try await req.store.outbox(schoolID: u.schoolID, state: state)
        let ids = Array(Set(rows.compactMap(\.pupilID)))
        let pupils = ids.isEmpty ? [:] : Dictionary(try await PupilRow.query(on: req.db).filter(\.$id ~~ ids).all().map { ($0.id!, $0) },
                                                    uniquingKeysWith: { a, _ in a })
        let counts = try await req.store.outboxCounts(schoolID: u.schoolID)
        let t = req.application.transports
        var channels: [String] = []
        if let s = req.application.options.messages.smtp { channels.append("email through SMTP (\(s.host):\(s.port))") }
        else if t.email != nil { channels.append("email through GOV.UK Notify") }
        if t.sms != nil { channels.append("SMS through GOV.UK Notify") }
        let configured = channels.isEmpty ? "No channel is configured: messages wait here until one is (see the README, 'Messages')."
            : "Sending " + channels.joined(separator: " and ") + "."
        return try await req.render("outbox", title: "Outbox", OutboxContent(
            lines: rows.map { m in
                let p = m.pupilID.flatMap { pupils[$0] }
                return .init(id: m.id!, created: String(m.createdAt.prefix(16)).replacingOccurrences(of: "T", with: " "),
                             template: MessageTemplate(rawValue: m.template)?.title ?? m.template, channel: m.channel == "sms" ? "SMS" : "Email",
                             recipient: m.recipient, recipientName: m.recipientName, subject: m.subject, state: m.state,
                             stateTone: [.sent, .delivered].contains(m.status) ? "present" : m.status == .failed ? "unauthorised" : "none",
                             attempts: m.attempts, lastError: m.lastError, upn: p?.upn, pupil: p?.displayName)
            },
            counts: OutboxState.allCases.map { .init(state: $0.rawValue, n: counts[$0] ?? 0, link: "/outbox?state=\($0.rawValue)") },
            state: state?.rawValue, configured: configured))
    }

    // MARK: Parents' absence reports

    struct ReportLine: Encodable {
        var id: Int; var upn: String; var pupil: String; var form: String; var dates: String; var sessions: String
        var category: String; var note: String; var reportedBy: String; var via: String; var received: String
        var expectedReturn: String?; var suggested: String
    }
    struct ReportsContent: Encodable { var reports: [ReportLine]; var codes: [PageController.CodeOption]; var flash: String? }

    static func line(_ r: AbsenceReportRow, _ p: PupilRow) -> ReportLine {
        ReportLine(id: r.id!, upn: p.upn, pupil: p.displayName, form: p.form, dates: ParentWords.range(r.fromDay, r.toDay),
                   sessions: r.sessions == "both" ? "AM and PM" : r.sessions.uppercased(), category: r.category_.title, note: r.note,
                   reportedBy: r.reportedBy, via: r.via == "link" ? "reply link" : r.via,
                   received: String(r.createdAt.prefix(16)).replacingOccurrences(of: "T", with: " "),
                   expectedReturn: r.expectedReturnDay.map(ParentWords.date), suggested: r.category_.suggestedCode.symbol)
    }

    static var codeOptions: [PageController.CodeOption] { ReasonsController.reasonCodes.map { PageController.CodeOption(code: $0.symbol, label: "\($0.symbol) – \($0.meaning)") } }

    func reports(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let lines = try await req.store.pendingAbsenceReports(schoolID: u.schoolID).map(Self.line)
        return try await req.render("reports", title: "Reported absences", ReportsContent(reports: lines, codes: Self.codeOptions, flash: req.takeFlash()))
    }

    func report(_ req: Request, _ u: StaffUser) async throws -> (AbsenceReportRow, PupilRow) {
        guard let id = req.parameters.get("id", as: Int.self), let r = try await req.store.absenceReport(id: id),
              let p = try await PupilRow.find(r.pupilID, on: req.db), p.schoolID == u.schoolID else {
            throw Abort(.notFound, reason: "No such report.")
        }
        return (r, p)
    }

    struct DecisionForm: Content { var code: String?; var note: String?; var back: String? }

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
        guard ReasonsController.reasonCodes.contains(code) else { throw APIError.invalid("code", "\(code.symbol) is not set from a parent's report") }
        let calendar = try await req.store.calendar(schoolID: u.schoolID)
        let writes = try await ReasonsController.skippingAttendance(ReasonsController.writes(
            pupil: p, calendar: calendar, from: r.fromDay, to: r.toDay, sessions: r.sessionList, code: code,
            reason: "Reported by \(r.reportedBy) (\(r.category_.title.lowercased()))\(r.note.isEmpty ? "" : ": \(r.note)")"), store: req.store)
        let now = req.clock.now()
        guard try await req.store.decideAbsenceReport(id: r.id!, state: .accepted, code: code.symbol, note: nil, by: u.actor, at: now.timestamp) else {
            throw APIError(.conflict, field: nil, reason: "this report has already been decided")
        }
        let s = writes.isEmpty ? WriteSummary() : try await req.store.record(writes, by: u.actor, at: now.timestamp)
        r.state = .accepted
        let (subject, body) = MessageText.reportAnswered(p, report: r, accepted: true, code: code, school: try await req.store.school(p.schoolID).name)
        try await Outbox.toParents(store: req.store, pupil: p, template: .absenceReportReceived, subject: subject, body: body, caseworkID: nil,
                                   about: "report:\(r.id!)", dedupe: "report:\(r.id!)", onlyEmail: try await reporterEmail(req, r, p), at: now.instant)
        req.session.data["flash"] = "\(p.displayName): \(code.symbol) (\(code.meaning)) recorded for \(writes.count) sessions (\(s.created) new, \(s.amended) changed)."
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
        guard try await req.store.decideAbsenceReport(id: r.id!, state: .declined, code: nil, note: note, by: u.actor, at: now.timestamp) else {
            throw APIError(.conflict, field: nil, reason: "this report has already been decided")
        }
        r.state = .declined; r.decisionNote = note
        let (subject, body) = MessageText.reportAnswered(p, report: r, accepted: false, code: nil, school: try await req.store.school(p.schoolID).name)
        try await Outbox.toParents(store: req.store, pupil: p, template: .absenceReportReceived, subject: subject, body: body, caseworkID: nil,
                                   about: "report:\(r.id!)", dedupe: "report:\(r.id!)", onlyEmail: try await reporterEmail(req, r, p), at: now.instant)
        req.session.data["flash"] = "Report for \(p.displayName) declined; the family will be told."
        return back(req, form, p)
    }

    /// The email of the contact who reported, when it can be told (a parent account's, or the named contact's).
    func reporterEmail(_ req: Request, _ r: AbsenceReportRow, _ p: PupilRow) async throws -> String? {
        try await req.store.contacts(pupilID: p.id!).first { $0.name == r.reportedBy && !$0.email.isEmpty }?.email
    }

    // MARK: Invitations

    /// Invites a contact with parental responsibility to the portal: a one-time link by email, valid 14 days.
    func invite(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let upn = req.parameters.get("upn") ?? ""
        guard let p = try await req.store.pupil(schoolID: u.schoolID, upn: upn) else { throw Abort(.notFound, reason: "No pupil with UPN \(upn).") }
        let priority = req.parameters.get("priority", as: Int.self)
        guard let c = try await req.store.contacts(pupilID: p.id!).first(where: { $0.priority == priority }) else {
            throw APIError.invalid("priority", "no contact with that priority")
        }
        guard c.parentalResponsibility else { throw APIError.invalid("priority", "\(c.name) does not have parental responsibility: only those who do get an account") }
        guard !c.email.isEmpty else { throw APIError.invalid("priority", "\(c.name) has no email address on the admission register") }
        let now = req.clock.now()
        let token = APIToken.generate()
        let account = try await req.store.inviteParent(schoolID: u.schoolID, email: c.email, name: c.name, tokenHash: APIToken.hash(token),
                                                       expiresAt: OutboxTime.string(now.instant.addingTimeInterval(14 * 24 * 3600)),
                                                       by: u.actor, at: now.timestamp)
        let link = "\(req.application.options.messages.publicURL)/parent/invitation/\(token)"
        let school = try await req.store.school(u.schoolID).name
        let (subject, body) = MessageText.invitation(name: c.name, school: school, link: link)
        try await req.store.enqueue([OutboxRow(schoolID: u.schoolID, pupilID: p.id!, template: .portalInvitation, channel: "email", recipient: c.email,
                                               recipientName: c.name, contactPriority: c.priority, subject: subject, body: body, dedupeKey: nil,
                                               about: "invitation:\(account.id!)", at: now.instant)])
        var flash = "Invitation to the parent portal queued for \(c.name) (\(c.email))."
        if req.application.options.demoMode { flash += " Demo: the link is \(link)" }
        req.session.data["flash"] = flash
        return req.redirect(to: "/pupils/\(p.upn)")
    }
}
