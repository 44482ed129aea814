import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/la-returns/notices`: recording that the LA was told of new pupils and deletions.
struct LANoticesController {
    struct NoticeForm: Content {
        var upn: String
        /// `new_pupil` or `deletion`.
        var event: String
        /// `outbox` or `by_hand`.
        var method: String
        /// By hand: how the LA was told (e.g. "LA portal").
        var note: String?
        /// By hand: the day told (default today).
        var toldOn: String?
        var back: String?
    }

    func tellLA(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        guard LANotices.roles.contains(u.role) else {
            throw APIError(.forbidden, field: nil, reason: "the head and the attendance lead record what the school tells the LA")
        }
        let f = try req.content.decode(NoticeForm.self)
        guard let event = LANoticeEvent(rawValue: f.event) else {
            throw APIError.invalid("event", "'\(f.event)' must be new_pupil or deletion")
        }
        guard let method = LANoticeMethod(rawValue: f.method) else {
            throw APIError.invalid("method", "'\(f.method)' must be outbox or by_hand")
        }
        guard let p = try await req.store.pupil(schoolID: u.schoolID, upn: f.upn) else {
            throw APIError(.notFound, field: "upn", reason: "no pupil with UPN '\(f.upn)'")
        }
        if event == .deletion, p.leavingDay == nil { throw APIError.invalid("event", "\(p.upn) has not been deleted from the roll") }
        let now = req.clock.now()
        var day = now.date
        var detail = formField(f.note) ?? ""
        var message: OutboxRow?
        switch method {
        case .outbox:
            let policy = try await req.store.policy(schoolID: u.schoolID, on: now.date)
            guard let la = policy.localAuthority else {
                throw APIError.invalid(
                    "method", "the policy has no local_authority.email to send to; set it, or mark the LA as told by hand")
            }
            let school = try await req.store.school(u.schoolID).name
            let record = p.record(contacts: try await req.store.contacts(pupilID: p.id!))
            let (subject, body): (String, String)
            if event == .newPupil {
                (subject, body) = LANotice.newPupilMessage(record, school: school)
            } else {
                let e = try await req.store.deletionEnquiries(pupilID: p.id!)?.confirmation
                (subject, body) = LANotice.deletionMessage(
                    record, ground: record.deletionGround, leavingDay: record.leavingDay!,
                    school: school, enquiries: e)
            }
            message = OutboxRow(
                schoolID: u.schoolID, pupilID: p.id!, template: .laNotice, channel: "email", recipient: la.email,
                recipientName: la.name ?? "Local authority", subject: subject, body: body,
                dedupeKey: "la_notice:\(p.id!):\(event.rawValue)", about: "la:\(event.rawValue)", at: now.instant)
            detail = la.email
        case .byHand:
            if let d = formField(f.toldOn) {
                day = try parseDate(d, field: "told_on")
                guard day <= now.date else { throw APIError.invalid("told_on", "\(day) is in the future") }
            }
            if detail.isEmpty { detail = "told by hand" }
        }
        let saved = try await req.store.recordLANotice(
            schoolID: u.schoolID, pupilID: p.id!, event: event, method: method, on: day, detail: detail,
            message: message, by: u.actor, at: now.timestamp)
        let what = event == .newPupil ? "new pupil" : "deletion"
        req.session.data["flash"] =
            saved == nil
            ? "The LA had already been told of \(p.displayName)'s \(what)."
            : method == .outbox
                ? "Queued a notice of \(p.displayName)'s \(what) to \(detail)."
                : "Recorded: the LA was told of \(p.displayName)'s \(what) on \(day)."
        let back = formField(f.back).flatMap { $0.hasPrefix("/la-returns") ? $0 : nil } ?? "/la-returns"
        return req.redirect(to: back)
    }
}

/// Who records that the LA was told: those who make the returns at the school.
enum LANotices {
    static let roles: [Role] = [.head, .attendanceLead]
}
