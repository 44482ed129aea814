import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/worklist`: the actions due today, drafting their letters, and recording them done or dismissed.
struct WorklistController {
    struct StageGroup: Encodable {
        var stage: String
        var pupils: [StagePupil]
    }
    struct StagePupil: Encodable {
        var upn, name, entered: String
        var review: String?
    }
    struct WorklistContent: Encodable {
        var date: String
        var policy: String
        var dueToday: [Worklist.Item]
        var overdue: [Worklist.Item]
        /// How many actions each list has in all, when it shows only the first `shown`.
        var dueTodayTotal: Int
        var overdueTotal: Int
        var byKind: [KindCount]
        var stages: [StageGroup]
        var flash: String?
    }
    struct KindCount: Encodable {
        var kind: String
        var value: String
        var count: Int
        var selected: Bool
    }
    func worklist(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let today = req.clock.now().date
        let (policy, allActions, allItems, pupils) = try await Worklist.items(req, schoolID: u.schoolID)
        // ?kind=stage_entry shows one kind only.
        let only = req.query[String.self, at: "kind"].flatMap(DueAction.Kind.init(rawValue:))
        let chosen = zip(allActions, allItems).filter { only == nil || $0.0.kind == only }
        var counts: [DueAction.Kind: Int] = [:]
        for a in allActions { counts[a.kind, default: 0] += 1 }
        // Pupils by the stage they are in, with when monitoring ends.
        var byStage: [String: [StagePupil]] = [:]
        var timelines: [Int: [CaseworkRow]] = [:]
        for r in try await req.store.casework(schoolID: u.schoolID) { timelines[r.pupilID, default: []].append(r) }
        let calendar = try await req.store.calendar(schoolID: u.schoolID)
        for p in pupils {
            guard let rows = timelines[p.id], let stage = Casework(timeline: rows).stage else { continue }
            byStage[stage.stage, default: []].append(
                StagePupil(
                    upn: p.upn, name: p.displayName, entered: stage.entered.iso,
                    review: stage.monitoringEnds(policy: policy, calendar: calendar)?.iso))
        }
        let stages = policy.stages.compactMap { s in byStage[s.id].map { StageGroup(stage: s.name, pupils: $0) } }
        let listed = [chosen.filter { $0.0.due >= today }, chosen.filter { $0.0.due < today }].flatMap {
            $0.prefix(only == nil ? Self.shown : .max).map(\.0)
        }
        try await SensitiveAccessLog.actions(req, user: u, listed)
        let flash = req.session.data["flash"]
        req.session.data["flash"] = nil
        return try await req.render(
            "Casework/worklist", title: "Worklist",
            WorklistContent(
                date: today.iso, policy: "\(policy.name) (in force from \(policy.effectiveFrom))",
                dueToday: Array(chosen.filter { $0.0.due >= today }.map(\.1).prefix(only == nil ? Self.shown : .max)),
                overdue: Array(chosen.filter { $0.0.due < today }.map(\.1).prefix(only == nil ? Self.shown : .max)),
                dueTodayTotal: chosen.filter { $0.0.due >= today }.count, overdueTotal: chosen.filter { $0.0.due < today }.count,
                byKind: DueAction.Kind.allCases.compactMap { k in
                    counts[k].map { KindCount(kind: Worklist.title(k), value: k.rawValue, count: $0, selected: k == only) }
                },
                stages: stages, flash: flash))
    }

    /// Each list shows this many actions until a kind is chosen.
    static let shown = 50

    struct Decision: Content {
        var key: String
        var upn: String
        var note: String?
        /// A letter as the sender edited it (`/worklist/letter`), and how it goes: `email`, `post` or `both`.
        var subject: String?
        var body: String?
        var channel: String?
        /// "pupil" to return to the pupil's page rather than the worklist.
        var back: String?
        func redirect(_ req: Request) -> Response { req.redirect(to: back == "pupil" ? "/pupils/\(upn)#timeline" : "/worklist") }
    }

    /// Finds a proposed action by key, evaluated afresh, so what is recorded is what the policy says today.
    func proposed(_ req: Request, _ u: StaffUser, key: String) async throws -> (Policy, DueAction, PupilRow) {
        let today = req.clock.now().date
        let (policy, actions) = try await req.store.evaluate(schoolID: u.schoolID, asOf: today)
        guard let a = actions.first(where: { $0.key == key }) else {
            throw APIError.invalid("key", "that action is no longer due (it may have been done already)")
        }
        guard let p = try await req.store.pupil(schoolID: u.schoolID, upn: a.upn) else { throw Abort(.notFound) }
        return (policy, a, p)
    }

    /// Records a proposed action as done on the pupil's timeline: a letter is rendered and kept exactly as sent,
    /// a stage entry records the stage, N marks past the limit are amended to O.
    func complete(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let form = try req.content.decode(Decision.self)
        let (policy, a, p) = try await proposed(req, u, key: form.key)
        if let about = PartTimeLANotice.about(a) {
            return try await completePartTimeNotice(req, u, form, a, pupil: p, policy: policy, about: about)
        }
        let now = req.clock.now()
        let note = form.note?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        // A letter is seen, and may be edited, before it goes: without the edited letter, the form to write it.
        var letter: SentLetter?
        if Worklist.sendsLetter(a) {
            guard form.subject != nil, form.body != nil else { return req.redirect(to: Self.draftPath(form)) }
            letter = try await sentLetter(req, form, a, pupil: p, policy: policy, date: now.date)
        }
        var message = "\(Worklist.title(a.kind)) recorded for \(p.displayName)."
        switch a.kind {
        case .nToO:
            let n = try await DailyJobs.applyNToO(
                [a], policy: policy, schoolID: u.schoolID, store: req.store, by: u.actor, at: now.timestamp)
            message = "\(n) N marks amended to O for \(p.displayName)."
        case .leaveUnauthorised:
            let n = try await DailyJobs.applyLeaveG([a], schoolID: u.schoolID, store: req.store, by: u.actor, at: now.timestamp)
            message = "\(n) marks amended to G for \(p.displayName)."
        default:
            if let change = a.amendment {
                let n = try await DailyJobs.applyAmendments([a], schoolID: u.schoolID, store: req.store, by: u.actor, at: now.timestamp)
                message = "\(n) mark\(n == 1 ? "" : "s") amended to \(change.code) for \(p.displayName)."
            }
        }
        let document = letter?.letter.html
        let kind: CaseworkKind =
            switch a.action {
            case .call: .call
            case .letter, .evidenceRequest: .letterSent
            case .meeting: .meeting
            case .earlyHelpPlan: .earlyHelpPlan
            case .attendanceContract: .attendanceContract
            case .partTimeTimetable: .partTimeTimetable
            case .noticeToImprove: .noticeToImprove
            case .penaltyNotice: .penaltyNotice
            case .laReferral, .socialCareReferral: .referral
            case .informLA, .informSocialWorker: .informed
            case .alternativeProvision: .alternativeProvision
            case .homeVisit: .homeVisit
            case .review: letter == nil ? .note : .letterSent
            }
        let entry = CaseworkRow(
            pupilID: p.id!, kind: a.kind == .nToO || a.audience == .pupil ? .note : kind, actionKey: a.key,
            happenedOn: now.date, summary: "\(Worklist.title(a.kind)): \(a.reason)\(letter.map { " \($0.summary)" } ?? "")", outcome: note,
            parent: a.parent, document: document, recordedAt: now.timestamp, by: u.actor)
        try await req.store.addCasework(entry)
        if a.action == .evidenceRequest, !a.sessions.isEmpty {
            // The request the evidence deadline counts from, for exactly the sessions the rule found.
            try await req.store.addCasework(
                CaseworkRow(
                    pupilID: p.id!, kind: .evidenceRequested, actionKey: nil, happenedOn: now.date,
                    summary:
                        "Evidence asked for: \(a.sessions.map { "\($0.date) \($0.session.rawValue) (\($0.code))" }.joined(separator: ", "))",
                    outcome: a.rule, sessions: a.sessions.map { ($0.date, $0.session) }, recordedAt: now.timestamp, by: u.actor))
        }
        if let letter, letter.email {
            // By email to each parent with parental responsibility: the text and HTML parts of the letter as kept.
            let n = try await Outbox.toParents(
                store: req.store, pupil: p, template: a.action == .meeting ? .meetingInvitation : .letter,
                subject: letter.letter.subject, body: letter.letter.text, caseworkID: entry.id,
                about: "casework:\(entry.id!)", dedupe: "letter:\(entry.id!)", html: letter.letter.html, at: now.instant)
            if n > 0 { message += " Emailed to \(n) parent\(n == 1 ? "" : "s")." }
        }
        if a.kind == .lateness || a.kind == .latenessReview {
            // The lateness ladder: a rung entered, the next rung, or out of the ladder (improved, or handed over to a stage).
            if let rung = a.proposedRung {
                try await req.store.addCasework(
                    CaseworkRow(
                        pupilID: p.id!, kind: .latenessRungEntered, actionKey: nil, stageID: rung, happenedOn: now.date,
                        summary: "Entered \(policy.latenessRung(rung)?.name ?? rung)", recordedAt: now.timestamp, by: u.actor))
                message += " Now at \(policy.latenessRung(rung)?.name ?? rung)."
            } else if a.kind == .latenessReview, a.figures["improved"] == 1 || a.proposedStage != nil {
                try await req.store.addCasework(
                    CaseworkRow(
                        pupilID: p.id!, kind: .latenessRungEnded, actionKey: nil, happenedOn: now.date,
                        summary: a.proposedStage == nil ? "Lateness monitoring ended: improved" : "Handed over to the attendance stages",
                        recordedAt: now.timestamp, by: u.actor))
            }
        }
        let current = Casework(timeline: try await req.store.casework(pupilID: p.id!).reversed()).stage
        if let stage = a.proposedStage, [.stageEntry, .stageReview, .latenessReview].contains(a.kind) {
            if a.kind == .stageEntry && current?.stage == stage {
                // A stage that repeats each term: this term's letter, the pupil stays in the stage from when they entered.
                message += " Still in \(policy.stage(stage)?.name ?? stage)."
            } else {
                try await req.store.addCasework(
                    CaseworkRow(
                        pupilID: p.id!, kind: .stageEntered, actionKey: nil, stageID: stage, happenedOn: now.date,
                        summary: "Entered \(policy.stage(stage)?.name ?? stage)", figure: a.figures["attendance_rate"],
                        recordedAt: now.timestamp, by: u.actor))
                message += " Now in \(policy.stage(stage)?.name ?? stage)."
            }
        } else if a.kind == .stageExit {
            try await req.store.addCasework(
                CaseworkRow(
                    pupilID: p.id!, kind: .stageEnded, actionKey: nil, happenedOn: now.date,
                    summary:
                        "Left \(current.flatMap { policy.stage($0.stage)?.name } ?? "the stage"): attendance back above its exit level",
                    recordedAt: now.timestamp, by: u.actor))
            message += " The stage has ended."
        } else if a.kind == .stageReview, a.figures["improved"] == 1 {
            // Improved: the pupil leaves the stage. Not improved at the last stage: they stay in it while staff decide.
            try await req.store.addCasework(
                CaseworkRow(
                    pupilID: p.id!, kind: .stageEnded, actionKey: nil, happenedOn: now.date,
                    summary: "Monitoring ended: improved", recordedAt: now.timestamp, by: u.actor))
        }
        req.session.data["flash"] = message + (document != nil ? " The letter is on the timeline." : "")
        if let letter, letter.post { return req.redirect(to: "/casework/\(entry.id!)/letter") }
        return form.redirect(req)
    }

    func dismiss(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let form = try req.content.decode(Decision.self)
        guard let reason = form.note?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty else {
            throw APIError.invalid("note", "say why the action is not needed")
        }
        let (_, a, p) = try await proposed(req, u, key: form.key)
        let now = req.clock.now()
        try await req.store.addCasework(
            CaseworkRow(
                pupilID: p.id!, kind: .dismissed, actionKey: a.key, happenedOn: now.date,
                summary: "\(Worklist.title(a.kind)) not done: \(a.reason)", outcome: reason,
                recordedAt: now.timestamp, by: u.actor))
        req.session.data["flash"] = "\(Worklist.title(a.kind)) for \(p.displayName) dismissed: \(reason)."
        return form.redirect(req)
    }
}

// MARK: - Sending a letter from the worklist

extension WorklistController {
    /// A letter as the sender sends it, and how.
    struct SentLetter {
        var id: String
        var letter: Letter
        var email: Bool
        var post: Bool
        /// For the casework entry, which staff read.
        var summary: String {
            "Letter '\(id)' sent by \([email ? "email" : nil, post ? "post" : nil].compactMap { $0 }.joined(separator: " and "))."
        }
    }

    static func draftPath(_ form: Decision) -> String {
        func q(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }
        return "/worklist/letter?key=\(q(form.key))&upn=\(q(form.upn))" + (form.back == "pupil" ? "&back=pupil" : "")
            + (form.note.map { "&note=\(q($0))" } ?? "")
    }

    struct DraftContent: Encodable {
        var key, upn, name, kind, reason, letterID, title, subject, body: String
        var back: String?
        var note: String?
        var email: Bool
        var recipients: [String]
        var preview: String
    }

    /// The letter for a due action, merged for the pupil, in a form the sender may edit before sending.
    func draft(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        guard let key = req.query[String.self, at: "key"] else { throw APIError.invalid("key", "choose an action on the worklist") }
        let (policy, a, p) = try await proposed(req, u, key: key)
        if let about = PartTimeLANotice.about(a) {
            return try await draftPartTimeNotice(req, u, a, pupil: p, policy: policy, about: about)
        }
        guard Worklist.sendsLetter(a) else { throw APIError.invalid("key", "this action sends no letter") }
        let today = req.clock.now().date
        let (id, template) = try await Letters.resolve(req.store, schoolID: u.schoolID, action: a, policy: policy)
        let values = try await Letters.values(req, u, pupil: p, action: a, policy: policy, date: today)
        let (subject, body) = try template.merge(values)
        let letter = Letter(
            subject: subject, body: body, school: values[.school] ?? "", date: values[.date] ?? "", to: values[.parents] ?? "")
        let recipients = try await req.store.contacts(pupilID: p.id!).filter { $0.parentalResponsibility && !$0.email.isEmpty }.map {
            "\($0.name) <\($0.email)>"
        }
        try await SensitiveAccessLog.actions(req, user: u, [a])
        return try await req.render(
            "Casework/worklist-letter", title: "Letter for \(p.displayName)",
            DraftContent(
                key: a.key, upn: p.upn, name: p.displayName, kind: Worklist.title(a.kind), reason: a.reason, letterID: id,
                title: Letters.title(id), subject: subject, body: body, back: req.query[String.self, at: "back"],
                note: req.query[String.self, at: "note"], email: !recipients.isEmpty, recipients: recipients, preview: letter.html))
    }

    /// The letter exactly as the sender sent it: their subject and body, with the school, date and parents.
    func sentLetter(_ req: Request, _ form: Decision, _ a: DueAction, pupil p: PupilRow, policy: Policy, date: LocalDate) async throws
        -> SentLetter
    {
        let subject = (form.subject ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let body = (form.body ?? "").replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !subject.isEmpty, !subject.contains("\n") else { throw APIError.invalid("subject", "give the letter a subject on one line") }
        guard !body.isEmpty else { throw APIError.invalid("body", "the letter is empty") }
        let (email, post): (Bool, Bool) =
            switch form.channel ?? "email" {
            case "email": (true, false)
            case "post": (false, true)
            case "both": (true, true)
            default: throw APIError.invalid("channel", "send the letter by email, by post or both")
            }
        let contacts = try await req.store.contacts(pupilID: p.id!)
        if email, !contacts.contains(where: { $0.parentalResponsibility && !$0.email.isEmpty }) {
            throw APIError.invalid("channel", "no parent with parental responsibility has an email address: send the letter by post")
        }
        let school = try await req.store.school(p.schoolID).name
        let id = try await Letters.resolve(req.store, schoolID: p.schoolID, action: a, policy: policy).id
        return SentLetter(
            id: id,
            letter: Letter(
                subject: subject, body: body, school: school, date: PupilYearGrid.longDate(date),
                to: Letters.addressee(contacts, pupil: p)), email: email, post: post)
    }
}
