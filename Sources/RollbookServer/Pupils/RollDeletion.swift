import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Deletion from the roll (the API's way and the page's), and the messages it sends.
enum RollDeletion {
    /// The `ground` field of a deletion, from the API or the page: 422 naming it when it is no statutory ground.
    static func ground(_ raw: String) throws -> DeletionGround {
        guard let ground = DeletionGround(rawValue: raw) else {
            throw APIError.invalid("ground", "'\(raw)' must be one of \(DeletionGround.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return ground
    }

    /// Deletes a pupil (the API's way and the page's), then queues a message to the social worker and the youth
    /// offending team worker where recorded. Returns who is told.
    static func delete(
        _ req: Request, user u: StaffUser, pupil p: PupilRow, ground: DeletionGround, leavingDay: LocalDate,
        enquiries: EnquiriesConfirmation?, homeEducation: HomeEducationSteps
    ) async throws -> [String] {
        let now = req.clock.now()
        let orders = try await req.store.schoolAttendanceOrders(pupilID: p.id!)
        do {
            try HomeEducation.checkDeletion(ground: ground, leavingDay: leavingDay, orders: orders, steps: homeEducation, today: now.date)
        } catch {
            throw APIError.invalid(error.field, error.reason)
        }
        let row: PupilRow
        do {
            row = try await req.store.deleteFromRoll(
                schoolID: u.schoolID, upn: p.upn, ground: ground, leavingDay: leavingDay, enquiries: enquiries,
                today: now.date, by: u.actor, at: now.timestamp)
        } catch DeletionRefused.alreadyDeleted(let why) {
            throw APIError(.conflict, field: "upn", reason: why)
        }
        let school = try await req.store.school(u.schoolID).name
        var told = try await queueDeletionNotices(
            store: req.store, pupil: row, ground: ground, leavingDay: leavingDay, enquiries: enquiries,
            school: school, at: now.instant)
        if ground == .electiveHomeEducation {
            told += try await homeEducationSteps(req, user: u, pupil: row, steps: homeEducation, leavingDay: leavingDay, school: school)
        }
        return told
    }

    /// Elective home education (seed 001 §5): the meeting and the parent's written confirmation on the timeline, and
    /// the LA told through the outbox at the policy's `local_authority.email` (reg 13). Returns who is told.
    static func homeEducationSteps(
        _ req: Request, user u: StaffUser, pupil p: PupilRow, steps: HomeEducationSteps, leavingDay: LocalDate, school: String
    ) async throws -> [String] {
        let now = req.clock.now()
        if let m = steps.meetingOn {
            try await req.store.addCasework(
                CaseworkRow(
                    pupilID: p.id!, kind: .meeting, actionKey: nil, happenedOn: m,
                    summary: "Meeting with the parents about elective home education", recordedAt: now.timestamp, by: u.actor))
        }
        if let c = steps.parentConfirmedOn {
            try await req.store.addCasework(
                CaseworkRow(
                    pupilID: p.id!, kind: .note, actionKey: nil, happenedOn: c,
                    summary: "The parents confirmed in writing that \(p.displayName) is educated otherwise than at school",
                    recordedAt: now.timestamp, by: u.actor))
        }
        // The LA is told as the LA returns page tells it, so the return shows the deletion as told.
        let policy = try await req.store.policy(schoolID: u.schoolID, on: now.date)
        guard let la = policy.localAuthority else { return [] }
        let (subject, body) = LANotice.deletionMessage(
            p.record(contacts: try await req.store.contacts(pupilID: p.id!)), ground: .electiveHomeEducation, leavingDay: leavingDay,
            school: school, enquiries: nil)
        let message = OutboxRow(
            schoolID: u.schoolID, pupilID: p.id!, template: .laNotice, channel: "email", recipient: la.email,
            recipientName: la.name ?? "Local authority", subject: subject,
            body: body + (steps.parentConfirmedOn.map { "\n\nThe parents confirmed it in writing on \($0.iso)." } ?? ""),
            dedupeKey: "la_notice:\(p.id!):\(LANoticeEvent.deletion.rawValue)", about: "la:\(LANoticeEvent.deletion.rawValue)",
            at: now.instant)
        _ = try await req.store.recordLANotice(
            schoolID: u.schoolID, pupilID: p.id!, event: .deletion, method: .outbox, on: now.date, detail: la.email, message: message,
            by: u.actor, at: now.timestamp)
        return [la.name ?? "the LA"]
    }

    /// Messages about a deletion to the pupil's social worker and youth offending team worker, where recorded: email
    /// when the contact is an email address, else SMS. Returns who is told.
    static func queueDeletionNotices(
        store: Store, pupil p: PupilRow, ground: DeletionGround, leavingDay: LocalDate,
        enquiries: EnquiriesConfirmation?, school: String, at now: Date
    ) async throws -> [String] {
        let c = p.characteristics
        let (subject, body) = LANotice.deletionMessage(
            p.record(), ground: ground, leavingDay: leavingDay, school: school, enquiries: enquiries)
        var rows: [OutboxRow] = []
        var told: [String] = []
        for (role, name, contact) in [
            ("social_worker", c.socialWorkerName, c.socialWorkerContact),
            ("yot_worker", c.youthOffendingWorkerName, c.youthOffendingWorkerContact),
        ] {
            guard let (channel, address) = route(contact) else { continue }
            let who = role == "social_worker" ? "the social worker" : "the youth offending team worker"
            rows.append(
                OutboxRow(
                    schoolID: p.schoolID, pupilID: p.id!, template: .deletionNotice, channel: channel,
                    recipient: address, recipientName: name.isEmpty ? who : name, subject: subject, body: body,
                    dedupeKey: "deletion:\(p.id!):\(leavingDay.iso):\(role)", about: "deletion:\(leavingDay.iso)", at: now))
            told.append(name.isEmpty ? who : "\(name) (\(who.dropFirst(4)))")
        }
        try await store.enqueue(rows)
        return told
    }

    /// Where a recorded contact ("07700 900123, sam@example.org", an email or a number) is reached: its email
    /// address if it has one, else its number by SMS; nil when it has neither.
    static func route(_ contact: String) -> (channel: String, address: String)? {
        let parts = contact.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == " " }).map(String.init)
        if let e = parts.first(where: { $0.contains("@") }) { return ("email", e) }
        let digits = contact.filter { $0.isNumber || $0 == "+" }
        return digits.count >= 10 ? ("sms", contact.trimmingCharacters(in: .whitespaces)) : nil
    }
}
