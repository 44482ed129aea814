import Fluent
import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/leave`: leave of absence decided by the head (or staff they authorise) with the policy's checks in front of them;
/// the decision goes to the parent in writing and onto the timeline, and a grant pre-fills the register.
struct LeaveController {
    static func requireDecider(_ u: StaffUser) throws {
        guard u.mayDecideLeave else {
            throw APIError(.forbidden, field: nil, reason: "leave of absence is decided by the head or staff the head authorises")
        }
    }

    struct ListContent: Encodable {
        struct Line: Encodable {
            var id: Int
            var upn: String
            var pupil: String
            var form: String
            var dates: String
            var sessions: Int
            var reason: String
            var requestedOn: String
            var state: String
            var stateTone: String
            var verdict: String?
        }
        var pending: [Line]
        var decided: [Line]
        /// For the head: the staff who may also decide leave.
        struct Decider: Encodable {
            var id: Int
            var name: String
            var position: String
            var role: String
            var decides: Bool
        }
        var deciders: [Decider]?
        var flash: String?
    }

    func list(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireDecider(u)
        let calendar = try await req.store.calendar(schoolID: u.schoolID)
        var pending: [ListContent.Line] = []
        var decided: [ListContent.Line] = []
        for (r, p) in try await req.store.leaveRequests(schoolID: u.schoolID) {
            guard let lr = r.leaveRequest else { continue }
            let line = ListContent.Line(
                id: r.id!, upn: p.upn, pupil: p.displayName, form: p.form, dates: ParentWords.range(lr.from, lr.to),
                sessions: lr.sessions(calendar: calendar, enrolment: p.enrolment).count, reason: lr.reason,
                requestedOn: lr.requestedOn.iso, state: r.state.rawValue.capitalized,
                stateTone: r.state == .granted ? "authorised" : r.state == .refused ? "unauthorised" : "none",
                verdict: nil)
            if r.state == .pending { pending.append(line) } else { decided.append(line) }
        }
        var deciders: [ListContent.Decider]?
        if u.role == .head {
            deciders = try await req.store.staff(schoolID: u.schoolID)
                .filter { [.office, .attendanceLead, .teacher].contains($0.staffRole) }
                .map { .init(id: $0.id!, name: $0.name, position: $0.position, role: $0.staffRole.title, decides: $0.decidesLeave) }
        }
        return try await req.render(
            "Casework/leave", title: "Leave requests",
            ListContent(
                pending: pending, decided: Array(decided.prefix(100)),
                deciders: deciders, flash: req.takeFlash()))
    }

    struct DecidersForm: Content { var staff: [Int]? }

    /// The head authorises staff to decide leave (reg 11: the head, or someone the head authorises).
    func setDeciders(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        guard u.role == .head else { throw APIError(.forbidden, field: nil, reason: "only the head authorises staff to decide leave") }
        let chosen = Set(try req.content.decode(DecidersForm.self).staff ?? [])
        let allowed = try await req.store.staff(schoolID: u.schoolID).filter {
            [.office, .attendanceLead, .teacher].contains($0.staffRole)
        }
        guard chosen.isSubset(of: Set(allowed.compactMap(\.id))) else {
            throw APIError.invalid("staff", "only this school's teachers, office and attendance staff can be authorised")
        }
        try await req.store.setLeaveDeciders(schoolID: u.schoolID, staffIDs: chosen)
        let names = allowed.filter { chosen.contains($0.id!) }.map(\.name)
        req.session.data["flash"] =
            names.isEmpty ? "Only you decide leave now." : "Besides you, \(names.joined(separator: ", ")) may decide leave."
        return req.redirect(to: "/leave")
    }

    struct DecideContent: Encodable {
        struct Finding: Encodable {
            var rule: String
            var verdict: String
            var message: String
            var source: String
            /// The numbers behind the verdict (the projected-attendance floor's), for JSON.
            var figures: [String: Double]?
        }
        struct Doc: Encodable {
            var id: Int
            var name: String
            var size: String
        }
        var id: Int
        var upn: String
        var pupil: String
        var form: String
        var yearGroup: String
        var requestedBy: String
        var requestedOn: String
        var dates: String
        var from: String, fromSession: String, to: String, toSession: String
        var sessions: Int
        var reason: String
        var exceptional: Bool
        /// What the leave is for, in words, when the request names a code.
        var purpose: String?
        /// Where the pupil stays while away (staff only): the decision's, else the request's.
        var temporaryAddress: String?
        var state: String
        var findings: [Finding]
        /// The projected-attendance floor's figures, when the policy has one (seed 004 'Performances').
        var projection: LeaveProjectionView?
        var refused: Bool
        var suggestedRefusal: String
        var documents: [Doc]
        var codes: [CodeOption]
        /// The weekly sessions a part-time timetable may leave out.
        struct Weekly: Encodable {
            var key: String
            var words: String
        }
        var weekly: [Weekly] = LeaveGrant.weeklySessions.map { Weekly(key: $0, words: LeaveGrant.weeklyWords($0)) }
        /// The weekdays a part-time timetable may agree a late start or early finish for.
        var weekdays: [Weekly] = LeaveGrant.weekdays.map { Weekly(key: $0, words: LeaveGrant.weekdayWords($0)) }
        var decision: String?
        var error: String?
        var flash: String?
    }

    func loadRequest(_ req: Request, _ u: StaffUser) async throws -> (LeaveRequestRow, LeaveRequest, PupilRow) {
        guard let id = req.parameters.get("id", as: Int.self), let r = try await req.store.leaveRequest(id: id), let lr = r.leaveRequest,
            let p = try await PupilRow.find(r.pupilID, on: req.db), p.schoolID == u.schoolID
        else {
            throw Abort(.notFound, reason: "No such leave request.")
        }
        return (r, lr, p)
    }

    /// `mon_am` before `mon_pm` before `tue_am`.
    static func weeklyOrder(_ a: String, _ b: String) -> Bool {
        (LeaveGrant.weeklySessions.firstIndex(of: a) ?? 99) < (LeaveGrant.weeklySessions.firstIndex(of: b) ?? 99)
    }

    /// The pupil's academic year to today, marked sessions only.
    func soFar(_ req: Request, _ p: PupilRow) async throws -> SessionCounts {
        let today = req.clock.now().date
        let (counts, _) = try await req.store.pupilStatistics(
            schoolID: p.schoolID, pupil: p, range: DateRange(from: AcademicYear(containing: today).range.from, to: today))
        return counts.markedOnly
    }

    /// The floor's figures in words for the staff record, from the findings.
    static func floorWords(_ found: [LeaveFinding]) -> String? {
        guard let f = found.first(where: { $0.rule == "leave.refuse_below_projected_attendance" })?.figures else { return nil }
        return LeaveProjectionView(f).words
    }

    func findings(_ req: Request, _ lr: LeaveRequest, _ p: PupilRow) async throws -> [LeaveFinding] {
        let today = req.clock.now().date
        let calendar = try await req.store.calendar(schoolID: p.schoolID)
        let policy = try await req.store.policy(schoolID: p.schoolID, on: today)
        let (counts, _) = try await req.store.pupilStatistics(
            schoolID: p.schoolID, pupil: p,
            range: DateRange(from: AcademicYear(containing: today).range.from, to: today))
        return LeaveCheck.findings(
            request: lr, policy: policy, calendar: calendar, enrolment: p.enrolment, asOf: today,
            authorisedAbsence: counts.markedOnly)
    }

    /// The decision page; with `?format=json`, its content (the request, the findings with their figures, the
    /// decision) as JSON.
    func decidePage(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireDecider(u)
        let (r, lr, p) = try await loadRequest(req, u)
        let content = try await decideContent(req, r, lr, p, error: nil)
        if req.query[String.self, at: "format"] == "json" {
            return try jsonResponse(content)
        }
        return try await req.render("Casework/leave-decide", title: "Leave request: \(p.displayName)", content).encodeResponse(for: req)
    }

    func jsonResponse<T: Encodable>(_ value: T, status: HTTPResponseStatus = .ok) throws -> Response {
        let enc = JSONEncoder()
        enc.keyEncodingStrategy = .convertToSnakeCase
        enc.outputFormatting = [.sortedKeys]
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: status, headers: headers, body: .init(data: try enc.encode(value)))
    }

    func decideView(_ req: Request, _ r: LeaveRequestRow, _ lr: LeaveRequest, _ p: PupilRow, error: String?) async throws -> View {
        try await req.render(
            "Casework/leave-decide", title: "Leave request: \(p.displayName)", try await decideContent(req, r, lr, p, error: error))
    }

    func decideContent(_ req: Request, _ r: LeaveRequestRow, _ lr: LeaveRequest, _ p: PupilRow, error: String?) async throws
        -> DecideContent
    {
        let found = try await findings(req, lr, p)
        let calendar = try await req.store.calendar(schoolID: p.schoolID)
        let docs = try await req.store.leaveDocuments(requestID: r.id!).map {
            DecideContent.Doc(
                id: $0.id!, name: $0.filename, size: ByteCountFormatter.string(fromByteCount: Int64($0.data.count), countStyle: .file))
        }
        // What the family receives: each refusing rule's words for parents, never the staff's.
        let refusal = found.filter { $0.verdict == .refuse }.compactMap(\.parent).joined(separator: " ")
        var decision: String?
        if r.state == .granted, let g = r.leaveGrant {
            decision =
                "Granted by \(r.decidedBy ?? "?") on \(r.decidedOn?.iso ?? ""): \(g.code.symbol) (\(g.code.meaning(on: g.from))) for \(ParentWords.range(g.from, g.to))."
                + (g.religiousBodyAdvice.map { " The religious body's advice: \($0)" } ?? "")
                + (g.notExpected.map { " Not expected in school each week: \($0.map(LeaveGrant.weeklyWords).joined(separator: ", "))." }
                    ?? "")
                + (g.agreedTimesWords.map { " Agreed times: \($0)." } ?? "")
                + (g.reviewDate.map { " Review on \($0.iso)." } ?? "")
        } else if r.state == .refused {
            decision = "Refused by \(r.decidedBy ?? "?") on \(r.decidedOn?.iso ?? ""): \(r.refusalReason ?? "")"
        }
        return DecideContent(
            id: r.id!, upn: p.upn, pupil: p.displayName, form: p.form, yearGroup: p.yearGroup, requestedBy: r.requestedBy,
            requestedOn: ParentWords.date(lr.requestedOn), dates: ParentWords.range(lr.from, lr.to),
            from: lr.from.iso, fromSession: lr.fromSession.rawValue.lowercased(), to: lr.to.iso,
            toSession: lr.toSession.rawValue.lowercased(),
            sessions: lr.sessions(calendar: calendar, enrolment: p.enrolment).count, reason: lr.reason, exceptional: lr.exceptional,
            purpose: lr.code.flatMap { c in LeaveRequest.purposes.first { $0.code == c }.map { "\($0.words) (\(c))" } },
            temporaryAddress: r.leaveGrant?.temporaryAddress ?? lr.temporaryAddress,
            state: r.state.rawValue,
            findings: found.map {
                .init(rule: $0.rule, verdict: $0.verdict.rawValue, message: $0.message, source: $0.source, figures: $0.figures)
            },
            projection: found.first { $0.rule == "leave.refuse_below_projected_attendance" }?.figures.map(LeaveProjectionView.init),
            refused: found.refused, suggestedRefusal: refusal, documents: docs,
            codes: LeaveGrant.codes.map { CodeOption($0) },
            decision: decision, error: error, flash: req.takeFlash())
    }

    struct GrantForm: Content {
        var code: String
        var from: String
        var fromSession: String?
        var to: String
        var toSession: String?
        var licenceReference: String?
        var timetable: String?
        var reviewDate: String?
        var religiousBodyAdvice: String?
        /// For C2: the weekly sessions not expected to attend (`mon_am` ... `fri_pm`).
        var notExpected: [String]?
        /// Where the pupil stays, for 15 school days or more when the request has none.
        var temporaryAddress: String?
        /// For C2: agreed late starts and early finishes by weekday (`agreedStart[mon]=10:00`); blanks are none.
        var agreedStart: [String: String]?
        var agreedFinish: [String: String]?
    }

    /// The agreed times a form gives, blanks left out; nil when none. A time that is not HH:MM names its field.
    static func agreedTimes(_ raw: [String: String]?, field: String) throws -> [String: TimeOfDay]? {
        var out: [String: TimeOfDay] = [:]
        for (k, v) in (raw ?? [:]).sorted(by: { $0.key < $1.key }) {
            let t = v.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let time = TimeOfDay(t) else { throw APIError.invalid("\(field).\(k)", "'\(t)' is not a time in the form HH:MM") }
            out[k] = time
        }
        return out.isEmpty ? nil : out
    }

    func grant(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireDecider(u)
        let (r, lr, p) = try await loadRequest(req, u)
        let form = try req.content.decode(GrantForm.self)
        let now = req.clock.now()
        do {
            guard let code = AttendanceCode.lookup(form.code.uppercased()) else {
                throw APIError.invalid("code", "'\(form.code)' is not a code")
            }
            func text(_ s: String?) -> String? {
                s.flatMap {
                    $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0.trimmingCharacters(in: .whitespacesAndNewlines)
                }
            }
            let grant = LeaveGrant(
                code: code, from: try parseDate(form.from, field: "from"),
                fromSession: try formSession(form.fromSession, field: "from_session"),
                to: try parseDate(form.to, field: "to"), toSession: try formSession(form.toSession ?? "pm", field: "to_session"),
                licenceReference: text(form.licenceReference), timetable: text(form.timetable),
                reviewDate: try text(form.reviewDate).map { try parseDate($0, field: "review_date") })
            var g = grant
            g.religiousBodyAdvice = text(form.religiousBodyAdvice)
            g.temporaryAddress = text(form.temporaryAddress)
            if code == .c2 { g.notExpected = form.notExpected.map { Array(Set($0)).sorted(by: Self.weeklyOrder) } }
            g.agreedStart = try Self.agreedTimes(form.agreedStart, field: "agreed_start")
            g.agreedFinish = try Self.agreedTimes(form.agreedFinish, field: "agreed_finish")
            guard (g.religiousBodyAdvice ?? "").count <= 2000 else {
                throw APIError.invalid("religious_body_advice", "keep the advice under 2,000 characters")
            }
            do { try g.validate(request: lr) } catch { throw APIError.invalid(error.field, error.reason) }
            guard g.from >= now.date else {
                throw APIError.invalid("from", "leave is never granted retrospectively (reg 11): the first day granted has passed")
            }
            let calendar = try await req.store.calendar(schoolID: p.schoolID)
            let policy = try await req.store.policy(schoolID: p.schoolID, on: now.date)
            let counts = try await soFar(req, p)
            let projection: LeaveProjection?
            do {
                projection = try LeaveCheck.checkFloor(
                    grant: g, policy: policy, calendar: calendar, enrolment: p.enrolment, asOf: now.date, soFar: counts)
            } catch { throw APIError.invalid(error.field, error.reason) }
            do {
                try LeaveCheck.checkReligious(grant: g, policy: policy, calendar: calendar, enrolment: p.enrolment)
                try LeaveCheck.checkPartTime(grant: g, policy: policy, calendar: calendar, enrolment: p.enrolment)
                try g.validateAgreedTimes(register: policy.register)
                try g.checkTemporaryAddress(request: lr, calendar: calendar, enrolment: p.enrolment)
            } catch { throw APIError.invalid(error.field, error.reason) }
            // A part-time timetable codes only the sessions the pupil is not expected to attend.
            let sessions = g.codedSessions(calendar: calendar, enrolment: p.enrolment)
            let extra = [
                g.licenceReference.map { "licence \($0)" }, g.timetable.map { "timetable: \($0)" }, g.reviewDate.map { "review \($0.iso)" },
                g.notExpected.map { "not expected: \($0.map(LeaveGrant.weeklyWords).joined(separator: ", "))" },
                g.agreedTimesWords,
            ]
            .compactMap { $0 }.joined(separator: "; ")
            let marks = try await Reasons.skippingAttendance(
                sessions.map {
                    MarkWrite(
                        pupilID: p.id!, mark: Mark(date: $0.date, session: $0.session, code: code),
                        reason: "Leave granted by \(u.name) (request \(r.id!))\(extra.isEmpty ? "" : ": \(extra)")")
                }, store: req.store)
            let found = try await findings(req, lr, p)
            let letter = LeaveLetters.granted(
                pupil: p, grant: g, sessions: sessions.count, decider: u, school: try await req.store.school(p.schoolID).name,
                policy: try await req.store.policy(schoolID: u.schoolID, on: now.date))
            let cw = CaseworkRow(
                pupilID: p.id!, kind: .leaveDecision, actionKey: nil, happenedOn: now.date,
                summary:
                    "Leave granted: \(code.symbol) for \(ParentWords.range(g.from, g.to)), \(sessions.count) sessions. Requested: \(lr.reason)"
                    + (projection.map { " Projected attendance: \($0.words)." } ?? "")
                    + (g.religiousBodyAdvice.map { " Religious body's advice: \($0)" } ?? ""),
                outcome: "granted", document: letter.body, recordedAt: now.timestamp, by: u.actor)
            guard
                try await req.store.decideLeave(
                    id: r.id!, state: .granted, grant: LeaveRequestRow.json(g), refusalReason: nil,
                    findings: LeaveRequestRow.json(found), marks: marks, casework: cw, by: u.actor, at: now.timestamp)
            else {
                throw APIError(.conflict, field: nil, reason: "this request has already been decided")
            }
            try await tellParent(req, r, p, subject: letter.subject, body: letter.body, caseworkID: cw.id, now: now)
            req.session.data["flash"] =
                "Leave granted; \(marks.count) sessions pre-filled with \(code.symbol). The decision is on its way to the family."
            return req.redirect(to: "/leave/\(r.id!)")
        } catch let e as APIError where e.status == .unprocessableEntity {
            let v = try await decideView(req, r, lr, p, error: "\(e.field.map { "\($0): " } ?? "")\(e.reason). Nothing was saved.")
            let resp = try await v.encodeResponse(for: req)
            resp.status = .unprocessableEntity
            return resp
        }
    }

    struct RefuseForm: Content {
        var reason: String?
        /// For R: the religious body's advice, kept in the staff record only.
        var religiousBodyAdvice: String?
    }

    func refuse(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireDecider(u)
        let (r, lr, p) = try await loadRequest(req, u)
        let form = try req.content.decode(RefuseForm.self)
        let reason = (form.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let advice = (form.religiousBodyAdvice ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else {
            let resp = try await decideView(
                req, r, lr, p, error: "reason: say why the leave is refused; the family receives it in writing. Nothing was saved."
            )
            .encodeResponse(for: req)
            resp.status = .unprocessableEntity
            return resp
        }
        let now = req.clock.now()
        let found = try await findings(req, lr, p)
        let letter = LeaveLetters.refused(
            pupil: p, request: lr, reason: reason, decider: u, school: try await req.store.school(p.schoolID).name,
            policy: try await req.store.policy(schoolID: u.schoolID, on: now.date))
        let cw = CaseworkRow(
            pupilID: p.id!, kind: .leaveDecision, actionKey: nil, happenedOn: now.date,
            summary: "Leave refused for \(ParentWords.range(lr.from, lr.to)): \(reason)"
                + (Self.floorWords(found).map { " Projected attendance: \($0)." } ?? "")
                + (advice.isEmpty ? "" : " Religious body's advice: \(String(advice.prefix(2000)))"),
            outcome: "refused",
            document: letter.body, recordedAt: now.timestamp, by: u.actor)
        guard
            try await req.store.decideLeave(
                id: r.id!, state: .refused, grant: nil, refusalReason: reason, findings: LeaveRequestRow.json(found),
                marks: [], casework: cw, by: u.actor, at: now.timestamp)
        else {
            throw APIError(.conflict, field: nil, reason: "this request has already been decided")
        }
        try await tellParent(req, r, p, subject: letter.subject, body: letter.body, caseworkID: cw.id, now: now)
        req.session.data["flash"] = "Leave refused. The decision is on its way to the family; absence on those days will be coded G."
        return req.redirect(to: "/leave/\(r.id!)")
    }

    /// The decision in writing: to the parent who asked (by their account's email) or, for a request the office
    /// entered, to every contact with parental responsibility.
    func tellParent(_ req: Request, _ r: LeaveRequestRow, _ p: PupilRow, subject: String, body: String, caseworkID: Int?, now: SchoolNow)
        async throws
    {
        var only: String?
        if let id = r.parentID { only = try await req.store.parent(id: id)?.email }
        try await Outbox.toParents(
            store: req.store, pupil: p, template: .leaveDecision, subject: subject, body: body, caseworkID: caseworkID,
            about: "leave:\(r.id!)", dedupe: "leave_decision:\(r.id!)", onlyEmail: only, at: now.instant)
    }

    func document(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try Self.requireDecider(u)
        let (r, _, _) = try await loadRequest(req, u)
        guard let docID = req.parameters.get("doc", as: Int.self), let d = try await req.store.leaveDocument(id: docID),
            d.requestID == r.id!
        else {
            throw Abort(.notFound, reason: "No such document.")
        }
        return Uploads.download(filename: d.filename, data: d.data)
    }
}

/// The decision letters.
enum LeaveLetters {
    /// Both letters remind the family of the policy's rule on absence next to leave (seed 003 proactive 10), if it has one.
    static func granted(pupil p: PupilRow, grant g: LeaveGrant, sessions: Int, decider: StaffUser, school: String, policy: Policy) -> (
        subject: String, body: String
    ) {
        let name = MessageText.forename(p)
        var body =
            "Dear parent or carer,\n\nYour request for leave of absence for \(name) has been granted for \(ParentWords.range(g.from, g.to)) (\(sessions) sessions). "
        body += "It will be recorded as: \(g.code.meaning(on: g.from).lowercased()).\n"
        if let ref = g.licenceReference { body += "Licence reference: \(ref).\n" }
        if let t = g.timetable { body += "Timetable: \(t).\n" }
        if let off = g.notExpected, !off.isEmpty {
            body += "Each week \(name) is not expected in school on: \(off.map(LeaveGrant.weeklyWords).joined(separator: ", ")).\n"
        }
        if let a = g.agreedTimesWords { body += "Agreed times: \(a). Arriving by an agreed start is not late.\n" }
        if let d = g.reviewDate { body += "We will review this on \(ParentWords.date(d)).\n" }
        body +=
            "\nAny absence beyond these days will be unauthorised. Please make sure \(name) is back in school on the next school day.\n\n"
            + (LeaveFollowUp.adjacentDaysReminder(policy: policy).map { "\($0)\n\n" } ?? "")
            + "\(decider.name)\n\(decider.position), \(school)"
        return ("Leave of absence for \(name): granted", body)
    }

    static func refused(pupil p: PupilRow, request r: LeaveRequest, reason: String, decider: StaffUser, school: String, policy: Policy)
        -> (subject: String, body: String)
    {
        let name = MessageText.forename(p)
        let body = """
            Dear parent or carer,

            Your request for leave of absence for \(name) for \(ParentWords.range(r.from, r.to)) has been refused.

            Reason: \(reason)

            If \(name) is absent on those days, the absence will be recorded as unauthorised (leave not granted, code G), and the local authority may issue a penalty notice.
            \(LeaveFollowUp.adjacentDaysReminder(policy: policy).map { "\n\($0)\n" } ?? "")
            \(decider.name)
            \(decider.position), \(school)
            """
        return ("Leave of absence for \(name): refused", body)
    }
}
