import Foundation
import RollbookCore
import RollbookStore
import Vapor

// The LA told when a part-time timetable starts and ends: the worklist's `inform_la` for `part_time.inform_la` is
// previewed at `/worklist/letter` and, when staff complete it, goes to the policy's `local_authority.email` through the
// outbox (or is recorded as told by hand when the policy has no LA address).
extension WorklistController {
    struct LANoticeContent: Encodable {
        var key, upn, name, reason, subject, body: String
        var back: String?
        var note: String?
        /// The LA's address from the policy; nil when it has none (then only "told by hand" is offered).
        var laEmail: String?
        var laName: String?
        var preview: String
    }

    /// The C2 grant an `inform_la` action is about, and the message to the LA for it.
    func partTimeNotice(
        _ req: Request, _ u: StaffUser, _ a: DueAction, pupil p: PupilRow, policy: Policy,
        about: (from: LocalDate, edge: PartTimeLANotice.Edge)
    ) async throws -> (letter: Letter, la: Policy.LocalAuthority?) {
        guard
            let grant = try await req.store.leaveRequests(pupilID: p.id!).filter({ $0.state == .granted }).compactMap(\.leaveGrant)
                .first(where: { $0.code == .c2 && $0.from == about.from })
        else { throw APIError.invalid("key", "the part-time timetable this action is about is no longer granted") }
        let calendar = try await req.store.calendar(schoolID: p.schoolID)
        let school = try await req.store.school(p.schoolID).name
        let la = policy.localAuthority
        let (subject, body) = PartTimeLANotice.message(
            about.edge, grant: grant,
            pupil: .init(name: p.displayName, upn: p.upn, yearGroup: p.yearGroup, dateOfBirth: p.dateOfBirthDay),
            codedSessions: grant.codedSessions(calendar: calendar, enrolment: p.enrolment).count, school: school, laName: la?.name,
            from: "\(u.name)\n\(u.position), \(school)")
        let letter = Letter(
            subject: subject, body: body, school: school, date: PupilYearGrid.longDate(req.clock.now().date),
            to: la?.name ?? la?.email ?? "The local authority")
        return (letter, la)
    }

    /// The message to the LA, to read (and edit) before it goes.
    func draftPartTimeNotice(
        _ req: Request, _ u: StaffUser, _ a: DueAction, pupil p: PupilRow, policy: Policy,
        about: (from: LocalDate, edge: PartTimeLANotice.Edge)
    ) async throws -> View {
        let (letter, la) = try await partTimeNotice(req, u, a, pupil: p, policy: policy, about: about)
        try await SensitiveAccessLog.actions(req, user: u, [a])
        return try await req.render(
            "Casework/la-part-time", title: "Tell the LA: \(p.displayName)",
            LANoticeContent(
                key: a.key, upn: p.upn, name: p.displayName, reason: a.reason, subject: letter.subject, body: letter.body,
                back: req.query[String.self, at: "back"], note: req.query[String.self, at: "note"], laEmail: la?.email,
                laName: la?.name, preview: letter.html))
    }

    /// Completes the action: by email to the LA through the outbox (`channel` `email`, the default), or recorded as
    /// told by hand (`by_hand`, with how in the note). The message is kept on the timeline exactly as sent.
    func completePartTimeNotice(
        _ req: Request, _ u: StaffUser, _ form: Decision, _ a: DueAction, pupil p: PupilRow, policy: Policy,
        about: (from: LocalDate, edge: PartTimeLANotice.Edge)
    ) async throws -> Response {
        guard form.subject != nil, form.body != nil else { return req.redirect(to: Self.draftPath(form)) }
        let subject = (form.subject ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let body = (form.body ?? "").replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !subject.isEmpty, !subject.contains("\n") else { throw APIError.invalid("subject", "give the message a subject on one line") }
        guard !body.isEmpty else { throw APIError.invalid("body", "the message is empty") }
        let note = form.note?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        let now = req.clock.now()
        let (drafted, la) = try await partTimeNotice(req, u, a, pupil: p, policy: policy, about: about)
        var letter = drafted
        letter.subject = subject
        letter.body = body
        let how: String
        switch form.channel ?? "email" {
        case "email":
            guard let la else {
                throw APIError.invalid(
                    "local_authority.email",
                    "the policy has no LA address to send to: set local_authority.email, or record it as told by hand")
            }
            how = "Emailed to \(la.email) through the outbox."
        case "by_hand":
            guard let note else { throw APIError.invalid("note", "say how the LA was told (e.g. the LA portal, by phone)") }
            how = "Told by hand: \(note)."
        default: throw APIError.invalid("channel", "send it by email to the LA, or record it as told by hand (by_hand)")
        }
        let entry = CaseworkRow(
            pupilID: p.id!, kind: .informed, actionKey: a.key, happenedOn: now.date,
            summary: "\(Worklist.title(a.kind)): \(a.reason) \(how)", outcome: note, parent: nil, document: letter.html,
            recordedAt: now.timestamp, by: u.actor)
        try await req.store.addCasework(entry)
        if form.channel ?? "email" == "email", let la {
            try await req.store.enqueue([
                OutboxRow(
                    schoolID: p.schoolID, pupilID: p.id!, caseworkID: entry.id, template: .laNotice, channel: "email",
                    recipient: la.email, recipientName: la.name ?? "Local authority", subject: letter.subject, body: letter.text,
                    html: letter.html, dedupeKey: "la_part_time:\(a.key)", about: "la:part_time", at: now.instant)
            ])
        }
        req.session.data["flash"] = "The LA told of \(p.displayName)'s part-time timetable. \(how) The message is on the timeline."
        return form.redirect(req)
    }
}
