import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/pupils/:upn/casework` (recording what staff did on a pupil's timeline) and `/casework/:id/letter` (a letter as sent).
struct CaseworkController {
    struct Form: Content {
        var kind: String
        var date: String
        var summary: String
        var outcome: String?
        var parent: String?
        /// For `target_agreed`: the attendance target agreed, in percent (e.g. "94" or "94.5").
        var target: String?
        /// For `plan_ended`: the plan closed (`education_supervision_order`, ...).
        var plan: String?
    }

    func record(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let upn = req.parameters.get("upn") ?? ""
        guard let p = try await req.store.pupil(schoolID: u.schoolID, upn: upn) else {
            throw Abort(.notFound, reason: "No pupil with UPN \(upn).")
        }
        let form = try req.content.decode(Form.self)
        guard let kind = CaseworkKind(rawValue: form.kind), Timeline.recordable.contains(kind) else {
            throw APIError.invalid("kind", "choose what happened from the list")
        }
        let date = try parseDate(form.date, field: "date")
        let now = req.clock.now()
        guard date <= now.date else { throw APIError.invalid("date", "\(date) is in the future: record what has happened") }
        let summary = form.summary.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !summary.isEmpty else {
            throw APIError.invalid("summary", "say what happened, e.g. who was at the meeting and what was agreed")
        }
        let outcome = form.outcome?.trimmingCharacters(in: .whitespacesAndNewlines)
        // Notices are each parent's own: the next notice's amount depends on how many that parent has had for this child.
        let notice: Set<CaseworkKind> = [.noticeToImprove, .penaltyNotice, .penaltyNoticePaidEarly]
        let parent = form.parent?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        // Legal steps only for a child of compulsory school age on the day (Education Act 1996 s444; RULES.md).
        if [.noticeToImprove, .penaltyNotice, .educationSupervisionOrder].contains(kind),
            let why = CompulsorySchoolAge.legalStepsUnavailable(dateOfBirth: p.dateOfBirthDay, on: date)
        {
            throw APIError.invalid("kind", why)
        }
        if notice.contains(kind) {
            let parents = try await req.store.contacts(pupilID: p.id!).filter(\.parentalResponsibility).map(\.name)
            guard let parent, parents.contains(parent) else {
                throw APIError.invalid(
                    "parent",
                    "a notice is issued to a parent with parental responsibility: choose \(parents.isEmpty ? "one (none is on the admission register)" : parents.joined(separator: " or "))"
                )
            }
        }
        var figure: Double?
        var recordedOutcome = outcome?.isEmpty == false ? outcome : nil
        if kind == .targetAgreed {
            // The target the stage's review measures against (seeds 000 and 004 "set targets").
            guard let raw = form.target?.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "%", with: ""), let t = Double(raw),
                t > 0, t <= 100
            else { throw APIError.invalid("target", "give the agreed attendance target as a percentage, e.g. 95") }
            let rows = try await req.store.casework(pupilID: p.id!)
            guard Casework(timeline: rows.reversed()).stage != nil else {
                throw APIError.invalid("kind", "\(p.displayName) is in no stage: a target agreed applies to the stage's review")
            }
            figure = t / 100
        }
        if kind == .planEnded {
            guard let plan = form.plan.flatMap(CaseworkKind.init(rawValue:)), Timeline.plans.contains(plan) else {
                throw APIError.invalid("plan", "choose the plan that has ended")
            }
            recordedOutcome = plan.rawValue
        }
        try await req.store.addCasework(
            CaseworkRow(
                pupilID: p.id!, kind: kind, actionKey: nil, happenedOn: date, summary: summary,
                outcome: recordedOutcome, parent: notice.contains(kind) ? parent : nil, figure: figure,
                recordedAt: now.timestamp, by: u.actor))
        req.session.data["flash"] = "\(kind.title) recorded on \(p.displayName)'s timeline."
        return req.redirect(to: "/pupils/\(p.upn)#timeline")
    }

    struct LetterContent: Encodable {
        var html: String
        var upn: String
        var name: String
        var date: String
        var flash: String?
    }

    /// A letter exactly as sent, printable.
    func letter(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        guard let id = req.parameters.get("id", as: Int.self), let row = try await CaseworkRow.find(id, on: req.db),
            let html = row.document,
            let p = try await PupilRow.find(row.pupilID, on: req.db), p.schoolID == u.schoolID
        else {
            throw Abort(.notFound, reason: "No such letter.")
        }
        let flash = req.session.data["flash"]
        req.session.data["flash"] = nil
        return try await req.render(
            "Casework/letter", title: "Letter",
            LetterContent(
                html: html, upn: p.upn, name: p.displayName,
                date: row.happenedOn, flash: flash))
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
