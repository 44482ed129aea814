import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Casework: each pupil's timeline of what staff did, and recording it (attendance lead, head).
struct CaseworkController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.grouped(SessionAuthenticator(), CSRFMiddleware(), StaffUser.redirectMiddleware(path: "/"))
        staff.post("pupils", ":upn", "casework", use: record)
        staff.get("worklist", use: worklist)
        staff.get("worklist", "letter", use: draft)
        staff.post("worklist", "complete", use: complete)
        staff.post("worklist", "dismiss", use: dismiss)
        staff.get("casework", ":id", "letter", use: letter)
    }

    /// What staff record by hand; stage entries, dismissals and letters are recorded by the worklist.
    static let recordable: [CaseworkKind] = [.call, .familyContact, .meeting, .earlyHelpPlan, .attendanceContract, .partTimeTimetable,
                                             .noticeToImprove, .penaltyNotice, .penaltyNoticePaidEarly, .referral, .educationSupervisionOrder,
                                             .leaveEnded, .informed, .note]

    struct Entry: Encodable { var date: String; var kind: String; var summary: String; var outcome: String?; var by: String; var letter: Bool; var id: Int }
    struct Option: Encodable { var value: String; var label: String }

    static func timeline(_ rows: [CaseworkRow]) -> [Entry] {
        rows.map { r in
            Entry(date: r.happenedOn, kind: r.caseworkKind?.title ?? r.kind, summary: r.summary, outcome: r.outcome,
                  by: "\(r.byName), \(r.byPosition)", letter: r.document != nil, id: r.id ?? 0)
        }
    }
    static let options: [Option] = recordable.map { Option(value: $0.rawValue, label: $0.title) }

    struct Form: Content { var kind: String; var date: String; var summary: String; var outcome: String?; var parent: String? }

    func record(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let upn = req.parameters.get("upn") ?? ""
        guard let p = try await req.store.pupil(schoolID: u.schoolID, upn: upn) else { throw Abort(.notFound, reason: "No pupil with UPN \(upn).") }
        let form = try req.content.decode(Form.self)
        guard let kind = CaseworkKind(rawValue: form.kind), Self.recordable.contains(kind) else {
            throw APIError.invalid("kind", "choose what happened from the list")
        }
        let date = try parseDate(form.date, field: "date")
        let now = req.clock.now()
        guard date <= now.date else { throw APIError.invalid("date", "\(date) is in the future: record what has happened") }
        let summary = form.summary.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !summary.isEmpty else { throw APIError.invalid("summary", "say what happened, e.g. who was at the meeting and what was agreed") }
        let outcome = form.outcome?.trimmingCharacters(in: .whitespacesAndNewlines)
        // Notices are each parent's own: the next notice's amount depends on how many that parent has had for this child.
        let notice: Set<CaseworkKind> = [.noticeToImprove, .penaltyNotice, .penaltyNoticePaidEarly]
        let parent = form.parent?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        // Legal steps only for a child of compulsory school age on the day (Education Act 1996 s444; RULES.md).
        if [.noticeToImprove, .penaltyNotice, .educationSupervisionOrder].contains(kind),
           let why = CompulsorySchoolAge.legalStepsUnavailable(dateOfBirth: p.dateOfBirthDay, on: date) {
            throw APIError.invalid("kind", why)
        }
        if notice.contains(kind) {
            let parents = try await req.store.contacts(pupilID: p.id!).filter(\.parentalResponsibility).map(\.name)
            guard let parent, parents.contains(parent) else {
                throw APIError.invalid("parent", "a notice is issued to a parent with parental responsibility: choose \(parents.isEmpty ? "one (none is on the admission register)" : parents.joined(separator: " or "))")
            }
        }
        try await req.store.addCasework(CaseworkRow(pupilID: p.id!, kind: kind, actionKey: nil, happenedOn: date, summary: summary,
                                                    outcome: outcome?.isEmpty == false ? outcome : nil, parent: notice.contains(kind) ? parent : nil,
                                                    recordedAt: now.timestamp, by: u.actor))
        req.session.data["flash"] = "\(kind.title) recorded on \(p.displayName)'s timeline."
        return req.redirect(to: "/pupils/\(p.upn)#timeline")
    }

    // MARK: The worklist

    struct Item: Encodable {
        var key, upn, name, kind, reason, rule, source, due, action: String
        var overdue: Bool
        var sessions: String?
        var contacts: [String]
        var letter: Bool
        var proposedStage: String?
    }
    struct StageGroup: Encodable { var stage: String; var pupils: [StagePupil] }
    struct StagePupil: Encodable { var upn, name, entered: String; var review: String? }
    struct WorklistContent: Encodable {
        var date: String
        var policy: String
        var dueToday: [Item]
        var overdue: [Item]
        /// How many actions each list has in all, when it shows only the first `shown`.
        var dueTodayTotal: Int
        var overdueTotal: Int
        var byKind: [KindCount]
        var stages: [StageGroup]
        var flash: String?
    }
    struct KindCount: Encodable { var kind: String; var value: String; var count: Int; var selected: Bool }

    static func title(_ k: DueAction.Kind) -> String {
        switch k {
        case .dayOneContact: "First-day contact"
        case .nToO: "N becomes O"
        case .stageEntry: "Stage entry"
        case .stageReview: "End of monitoring"
        case .lateness: "Lateness"
        case .illnessEvidence: "Illness evidence"
        case .penaltyThreshold: "Penalty-notice threshold"
        case .noticeToImproveReview: "End of a Notice to Improve's improvement period"
        case .penaltyNoticeUnpaid: "Penalty notice not paid by day 28"
        case .missingEducation: "Children missing education"
        case .vulnerableAbsence: "Vulnerable pupil absent"
        case .informLA: "Inform the LA"
        case .socialWorker: "Tell the social worker"
        case .leaveUnauthorised: "Leave not agreed: code G"
        case .leaveEvidence: "Evidence for absence next to leave"
        }
    }

    /// Actions that send a letter to the parents when done; an improved review sends the congratulations letter.
    static func sendsLetter(_ a: DueAction) -> Bool {
        ([.letter, .meeting, .attendanceContract, .earlyHelpPlan, .noticeToImprove, .penaltyNotice, .evidenceRequest].contains(a.action)
            && a.kind != .nToO && a.kind != .dayOneContact) || (a.kind == .stageReview && a.figures["improved"] == 1)
    }

    /// The actions due today (for some pupils, or all), as the worklist shows them.
    static func items(_ req: Request, schoolID: Int, upns: [String]? = nil) async throws
        -> (policy: Policy, actions: [DueAction], items: [Item], pupils: [PupilListing]) {
        let today = req.clock.now().date
        let (policy, actions) = try await req.store.evaluate(schoolID: schoolID, asOf: today, upns: upns)
        let pupils = try await req.store.listings(schoolID: schoolID, filter: PupilFilter(onRollDuring: DateRange(from: today, to: today), upns: upns))
        let names = Dictionary(pupils.map { ($0.upn, $0.displayName) }, uniquingKeysWith: { a, _ in a })
        let items = actions.map { a in
            Item(key: a.key, upn: a.upn, name: names[a.upn] ?? a.upn, kind: Self.title(a.kind), reason: a.reason, rule: a.rule, source: a.source,
                 due: a.due.iso, action: a.action.rawValue.replacingOccurrences(of: "_", with: " "), overdue: a.due < today,
                 sessions: a.sessions.isEmpty ? nil : a.sessions.map { "\($0.date) \($0.session.rawValue) \($0.code)" }.joined(separator: ", "),
                 contacts: a.contacts, letter: Self.sendsLetter(a), proposedStage: a.proposedStage.flatMap { policy.stage($0)?.name })
        }
        return (policy, actions, items, pupils)
    }

    func worklist(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let today = req.clock.now().date
        let (policy, allActions, allItems, pupils) = try await Self.items(req, schoolID: u.schoolID)
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
            byStage[stage.stage, default: []].append(StagePupil(upn: p.upn, name: p.displayName, entered: stage.entered.iso,
                                                                review: stage.monitoringEnds(policy: policy, calendar: calendar)?.iso))
        }
        let stages = policy.stages.compactMap { s in byStage[s.id].map { StageGroup(stage: s.name, pupils: $0) } }
        let listed = [chosen.filter { $0.0.due >= today }, chosen.filter { $0.0.due < today }].flatMap { $0.prefix(only == nil ? Self.shown : .max).map(\.0) }
        try await SensitiveAccessLog.actions(req, user: u, listed)
        let flash = req.session.data["flash"]
        req.session.data["flash"] = nil
        return try await PageController().render(req, "worklist", title: "Worklist", WorklistContent(
            date: today.iso, policy: "\(policy.name) (in force from \(policy.effectiveFrom))",
            dueToday: Array(chosen.filter { $0.0.due >= today }.map(\.1).prefix(only == nil ? Self.shown : .max)),
            overdue: Array(chosen.filter { $0.0.due < today }.map(\.1).prefix(only == nil ? Self.shown : .max)),
            dueTodayTotal: chosen.filter { $0.0.due >= today }.count, overdueTotal: chosen.filter { $0.0.due < today }.count,
            byKind: DueAction.Kind.allCases.compactMap { k in counts[k].map { KindCount(kind: Self.title(k), value: k.rawValue, count: $0, selected: k == only) } },
            stages: stages, flash: flash))
    }

    /// Each list shows this many actions until a kind is chosen.
    static let shown = 50

    struct Decision: Content {
        var key: String; var upn: String; var note: String?
        /// A letter as the sender edited it (`/worklist/letter`), and how it goes: `email`, `post` or `both`.
        var subject: String?; var body: String?; var channel: String?
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
        let now = req.clock.now()
        let note = form.note?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        // A letter is seen, and may be edited, before it goes: without the edited letter, the form to write it.
        var letter: SentLetter?
        if Self.sendsLetter(a) {
            guard form.subject != nil, form.body != nil else { return req.redirect(to: Self.draftPath(form)) }
            letter = try await sentLetter(req, form, a, pupil: p, policy: policy, date: now.date)
        }
        var message = "\(Self.title(a.kind)) recorded for \(p.displayName)."
        switch a.kind {
        case .nToO:
            let n = try await DailyJobs.applyNToO([a], policy: policy, schoolID: u.schoolID, store: req.store, at: now.timestamp)
            message = "\(n) N marks amended to O for \(p.displayName)."
        case .leaveUnauthorised:
            let n = try await DailyJobs.applyLeaveG([a], schoolID: u.schoolID, store: req.store, at: now.timestamp)
            message = "\(n) marks amended to G for \(p.displayName)."
        default:
            break
        }
        let document = letter?.letter.html
        let kind: CaseworkKind = switch a.action {
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
        case .review: letter == nil ? .note : .letterSent
        }
        let entry = CaseworkRow(pupilID: p.id!, kind: a.kind == .nToO ? .note : kind, actionKey: a.key,
                                happenedOn: now.date, summary: "\(Self.title(a.kind)): \(a.reason)\(letter.map { " \($0.summary)" } ?? "")", outcome: note,
                                parent: a.parent, document: document, recordedAt: now.timestamp, by: u.actor)
        try await req.store.addCasework(entry)
        if let letter, letter.email {
            // By email to each parent with parental responsibility: the text and HTML parts of the letter as kept.
            let n = try await Outbox.toParents(store: req.store, pupil: p, template: a.action == .meeting ? .meetingInvitation : .letter,
                                               subject: letter.letter.subject, body: letter.letter.text, caseworkID: entry.id,
                                               about: "casework:\(entry.id!)", dedupe: "letter:\(entry.id!)", html: letter.letter.html, at: now.instant)
            if n > 0 { message += " Emailed to \(n) parent\(n == 1 ? "" : "s")." }
        }
        if let stage = a.proposedStage, a.kind == .stageEntry || a.kind == .stageReview {
            try await req.store.addCasework(CaseworkRow(pupilID: p.id!, kind: .stageEntered, actionKey: nil, stageID: stage, happenedOn: now.date,
                                                        summary: "Entered \(policy.stage(stage)?.name ?? stage)", recordedAt: now.timestamp, by: u.actor))
            message += " Now in \(policy.stage(stage)?.name ?? stage)."
        } else if a.kind == .stageReview, a.figures["improved"] == 1 {
            // Improved: the pupil leaves the stage. Not improved at the last stage: they stay in it while staff decide.
            try await req.store.addCasework(CaseworkRow(pupilID: p.id!, kind: .stageEnded, actionKey: nil, happenedOn: now.date,
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
        try await req.store.addCasework(CaseworkRow(pupilID: p.id!, kind: .dismissed, actionKey: a.key, happenedOn: now.date,
                                                    summary: "\(Self.title(a.kind)) not done: \(a.reason)", outcome: reason,
                                                    recordedAt: now.timestamp, by: u.actor))
        req.session.data["flash"] = "\(Self.title(a.kind)) for \(p.displayName) dismissed: \(reason)."
        return form.redirect(req)
    }

    struct LetterContent: Encodable { var html: String; var upn: String; var name: String; var date: String; var flash: String? }

    /// A letter exactly as sent, printable.
    func letter(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        guard let id = req.parameters.get("id", as: Int.self), let row = try await CaseworkRow.find(id, on: req.db), let html = row.document,
              let p = try await PupilRow.find(row.pupilID, on: req.db), p.schoolID == u.schoolID else {
            throw Abort(.notFound, reason: "No such letter.")
        }
        let flash = req.session.data["flash"]
        req.session.data["flash"] = nil
        return try await PageController().render(req, "letter", title: "Letter", LetterContent(html: html, upn: p.upn, name: p.displayName,
                                                                                              date: row.happenedOn, flash: flash))
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
