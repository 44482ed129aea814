import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// A pupil missing from the site (seed 004 'Pupils missing from site', issue 17): any member of staff who takes
/// registers raises it from the pupil page or Today. The staff linked to the pupil are told at once through the outbox;
/// the page shows the timer and `MissingIncident`'s prompts; after the policy's minutes the parents and then the
/// emergency contacts are told (a preview, then send; parents' words only); then the police (who called, the
/// reference); once found, the written report goes on the pupil's timeline.
struct MissingIncidentController {
    // MARK: JSON

    struct StepDTO: Content {
        var step: String
        var by: String
        var at: String
        var note: String
    }
    struct PromptDTO: Content {
        var step: String
        var due: String
        var who: [String]
        var reason: String
    }
    struct IncidentDTO: Content {
        var id: Int
        var upn: String
        var name: String
        var form: String
        var date: String
        var startedAt: String
        var startedBy: String
        /// Minutes since it began, at the server's clock (to the found time once found).
        var minutes: Int
        var notifyParentsAfterMinutes: Int
        var open: Bool
        var contactsExhausted: Bool
        var stepsDone: [StepDTO]
        /// The steps due now and not yet done, in order.
        var prompts: [PromptDTO]
        var foundAt: String?
        var report: String?
        var outcome: String?
        var closedBy: String?
    }
    struct RecipientDTO: Content {
        var name: String
        var relationship: String
        var parent: Bool
        var priority: Int
        var channel: String
        var address: String
    }
    struct NotificationDTO: Content {
        var subject: String
        var body: String
        /// The parents first, then the emergency contacts, each in priority order.
        var recipients: [RecipientDTO]
        var due: Bool
        var sent: Bool
    }
    struct StartDTO: Content {
        var upn: String
    }
    struct StepBody: Content {
        /// `search`, `linked_staff` or `police`; the parents are told with the notification, the found step at closing.
        var step: String?
        var note: String?
        /// For `police`: the reference the police gave.
        var reference: String?
        /// The parents and every emergency contact were tried and none has heard from the pupil.
        var contactsExhausted: Bool?
    }
    struct CloseBody: Content {
        var report: String
        var outcome: String
        /// Who was told the pupil is found (parents, agencies).
        var told: String
        /// `HH:MM`, not after now; absent: now.
        var foundAt: String?
    }

    struct Loaded {
        var row: MissingIncidentRow
        var pupil: PupilRow
        var policy: SchoolDayPolicy.MissingFromSite
    }

    static func policy(_ req: Request, schoolID: Int, on date: LocalDate) async throws -> SchoolDayPolicy.MissingFromSite {
        guard let m = try await req.store.policy(schoolID: schoolID, on: date).schoolDay?.missingFromSite else {
            throw APIError(
                .conflict, field: "school_day.missing_from_site",
                reason: "the school's policy sets no missing-from-site steps: add school_day.missing_from_site to the policy")
        }
        return m
    }

    static func load(_ req: Request, _ u: StaffUser) async throws -> Loaded {
        try u.require(.takeRegister)
        let raw = req.parameters.get("id") ?? ""
        guard let id = Int(raw), id > 0, id <= Int(Int32.max), let row = try await req.store.missingIncident(schoolID: u.schoolID, id: id),
            let pupil = try await PupilRow.find(row.pupilID, on: req.db)
        else { throw APIError(.notFound, field: "id", reason: "no missing-from-site incident '\(raw)' in this school") }
        let date = LocalDate(iso: row.date) ?? req.clock.now().date
        let m =
            try await req.store.policy(schoolID: u.schoolID, on: date).schoolDay?.missingFromSite
            ?? SchoolDayPolicy.MissingFromSite(notifyParentsAfterMinutes: 20)
        return Loaded(row: row, pupil: pupil, policy: m)
    }

    static func dto(_ l: Loaded, now: SchoolNow) -> IncidentDTO {
        let incident = l.row.incident(upn: l.pupil.upn)
        // On a later day the whole incident has passed: its prompts are those at the end of its day.
        let at = now.date.iso == l.row.date ? now.time : TimeOfDay(minutes: 1439)
        let minutes = incident.minutes(at: incident.foundAt ?? at)
        return IncidentDTO(
            id: l.row.id!, upn: l.pupil.upn, name: l.pupil.displayName, form: l.pupil.form, date: l.row.date, startedAt: l.row.startedAt,
            startedBy: l.row.startedBy, minutes: minutes, notifyParentsAfterMinutes: l.policy.notifyParentsAfterMinutes,
            open: l.row.foundAt == nil, contactsExhausted: l.row.contactsExhausted,
            stepsDone: l.row.stepList().map { StepDTO(step: $0.step.rawValue, by: $0.by, at: $0.at, note: $0.note) },
            prompts: incident.prompts(at: at, characteristics: l.pupil.characteristics, policy: l.policy).map {
                PromptDTO(step: $0.step.rawValue, due: $0.due.padded, who: $0.who, reason: $0.reason)
            }, foundAt: l.row.foundAt, report: l.row.report, outcome: l.row.outcome, closedBy: l.row.closedBy)
    }

    static func closedError(_ e: MissingIncidentClosed) -> APIError { closedError(foundAt: e.foundAt, by: e.closedBy) }
    static func closedError(foundAt: String, by: String) -> APIError {
        APIError(.conflict, field: "id", reason: "the pupil was found at \(foundAt) and the incident closed by \(by)")
    }

    /// Starts an incident for a pupil on roll today and tells the linked staff at once.
    func start(_ req: Request, _ u: StaffUser, upn raw: String) async throws -> (Loaded, [String]) {
        try u.require(.takeRegister)
        let upn = raw.trimmingCharacters(in: .whitespaces)
        guard !upn.isEmpty else { throw APIError.invalid("upn", "choose the pupil who is missing") }
        let now = req.clock.now()
        guard let p = try await req.store.pupil(schoolID: u.schoolID, upn: upn), p.enrolment.isOnRoll(now.date) else {
            throw APIError.invalid("upn", "no pupil with UPN '\(upn)' is on roll today")
        }
        let policy = try await Self.policy(req, schoolID: u.schoolID, on: now.date)
        if let open = try await req.store.openMissingIncidents(schoolID: u.schoolID).first(where: { $0.pupilID == p.id }) {
            throw APIError(
                .conflict, field: "upn", reason: "\(p.displayName) is already missing since \(open.startedAt) (incident \(open.id!))")
        }
        let row = try await req.store.startMissingIncident(schoolID: u.schoolID, pupilID: p.id!, date: now.date, at: now.time, by: u.actor)
        let told = policy.notifyLinkedStaff ?? true ? try await Self.tellLinkedStaff(req, row: row, pupil: p, by: u, now: now) : []
        if !told.isEmpty {
            try await req.store.recordMissingSteps(
                id: row.id!,
                [.init(step: .linkedStaff, by: "Rollbook", at: now.time.padded, note: "Emailed at once: \(told.joined(separator: ", "))")])
        }
        let fresh = try await req.store.missingIncident(schoolID: u.schoolID, id: row.id!) ?? row
        return (Loaded(row: fresh, pupil: p, policy: policy), told)
    }

    /// The social worker (as recorded on the admission register), the staff recorded as Designated Safeguarding Lead
    /// for a looked-after child and as SENCO for a pupil with SEND: a staff message each through the outbox.
    static func tellLinkedStaff(_ req: Request, row: MissingIncidentRow, pupil p: PupilRow, by u: StaffUser, now: SchoolNow)
        async throws -> [String]
    {
        let c = p.characteristics
        let school = try await req.store.school(p.schoolID).name
        let subject = "Missing from site: \(p.displayName) (\(p.form))"
        let body =
            "\(p.displayName) (\(p.form)) has been missing from the school site since \(row.startedAt) today (\(ParentWords.date(now.date))). Raised by \(u.name), \(u.position). Staff are searching the premises; the school will tell you when \(MessageText.forename(p)) is found.\n\n\(school)"
        var rows: [OutboxRow] = []
        var told: [String] = []
        func add(_ key: String, channel: String, address: String, name: String, words: String) {
            rows.append(
                OutboxRow(
                    schoolID: p.schoolID, pupilID: p.id!, template: .missingFromSiteStaff, channel: channel, recipient: address,
                    recipientName: name, subject: subject, body: body, dedupeKey: "missing:\(row.id!):\(key)",
                    about: "missing:\(row.id!)", at: now.instant))
            told.append(words)
        }
        if let (channel, address) = RollDeletion.route(c.socialWorkerContact) {
            let name = c.socialWorkerName.isEmpty ? "the social worker" : c.socialWorkerName
            add("social_worker", channel: channel, address: address, name: name, words: "\(name) (social worker)")
        }
        let staff = try await req.store.staff(schoolID: p.schoolID).filter { !$0.email.isEmpty }
        func holding(_ match: (String) -> Bool) -> [StaffRow] { staff.filter { match($0.position.lowercased()) } }
        if c.lookedAfter {
            for s in holding({ $0.contains("safeguarding lead") || $0 == "dsl" }) {
                add("staff:\(s.id!)", channel: "email", address: s.email, name: s.name, words: "\(s.name) (\(s.position))")
            }
        }
        if c.sen != .none {
            for s in holding({ $0.contains("senco") }) where !rows.contains(where: { $0.recipient == s.email }) {
                add("staff:\(s.id!)", channel: "email", address: s.email, name: s.name, words: "\(s.name) (\(s.position))")
            }
        }
        try await req.store.enqueue(rows)
        return told
    }

    /// The message to the parents and emergency contacts: the family's words only.
    static func parentWords(_ p: PupilRow, startedAt: String, school: String, channel: String) -> (String, String) {
        let name = MessageText.forename(p)
        let subject = "Please contact \(school) at once about \(name)"
        if channel == "sms" {
            return (
                subject,
                "\(school): we cannot find \(name) at school and have been searching since \(startedAt). If \(name) is with you or you know where \(name) may be, please phone the school office at once."
            )
        }
        return (
            subject,
            "We cannot find \(name) at school. Staff have been searching the school and its grounds since \(startedAt) today.\n\nIf \(name) is with you, or you know where \(name) may be, please phone the school office at once. We will contact you again as soon as we have news.\n\n\(school)"
        )
    }

    /// The parents (parental responsibility) first, then the emergency contacts, each in priority order; by email,
    /// else by SMS to their phone.
    static func recipients(_ contacts: [Contact]) -> [RecipientDTO] {
        let ordered =
            contacts.filter(\.parentalResponsibility).sorted { $0.priority < $1.priority }
            + contacts.filter { !$0.parentalResponsibility }.sorted { $0.priority < $1.priority }
        return ordered.compactMap { c in
            let email = c.email.trimmingCharacters(in: .whitespaces)
            let phone = c.phone.trimmingCharacters(in: .whitespaces)
            guard !email.isEmpty || !phone.isEmpty else { return nil }
            return RecipientDTO(
                name: c.name, relationship: c.relationship, parent: c.parentalResponsibility, priority: c.priority,
                channel: email.isEmpty ? "sms" : "email", address: email.isEmpty ? phone : email)
        }
    }

    static func notification(_ req: Request, _ l: Loaded) async throws -> NotificationDTO {
        let school = try await req.store.school(l.pupil.schoolID).name
        let (subject, body) = parentWords(l.pupil, startedAt: l.row.startedAt, school: school, channel: "email")
        let due = dto(l, now: req.clock.now()).prompts.contains { $0.step == MissingIncident.Step.notifyParents.rawValue }
        return NotificationDTO(
            subject: subject, body: body, recipients: recipients(try await req.store.contacts(pupilID: l.pupil.id!)), due: due,
            sent: l.row.stepList().contains { $0.step == .notifyParents })
    }

    /// Queues the message to every recipient, in order, and records the step.
    func notify(_ req: Request, _ u: StaffUser) async throws -> (Loaded, Int) {
        let l = try await Self.load(req, u)
        if let f = l.row.foundAt { throw Self.closedError(foundAt: f, by: l.row.closedBy ?? "") }
        if let done = l.row.stepList().first(where: { $0.step == .notifyParents }) {
            throw APIError(.conflict, field: "id", reason: "the parents and emergency contacts were told at \(done.at) by \(done.by)")
        }
        let now = req.clock.now()
        let school = try await req.store.school(l.pupil.schoolID).name
        let to = Self.recipients(try await req.store.contacts(pupilID: l.pupil.id!))
        guard !to.isEmpty else {
            throw APIError.invalid("id", "\(l.pupil.displayName) has no contact with an email address or phone number: ring round by hand")
        }
        let rows = to.map { r in
            let (subject, body) = Self.parentWords(l.pupil, startedAt: l.row.startedAt, school: school, channel: r.channel)
            return OutboxRow(
                schoolID: l.pupil.schoolID, pupilID: l.pupil.id!, template: .missingFromSite, channel: r.channel, recipient: r.address,
                recipientName: r.name, contactPriority: r.priority, subject: subject, body: body,
                dedupeKey: "missing:\(l.row.id!):contact:\(r.priority)", about: "missing:\(l.row.id!)", at: now.instant)
        }
        let n = try await req.store.enqueue(rows).count
        do {
            try await req.store.recordMissingSteps(
                id: l.row.id!,
                [
                    .init(
                        step: .notifyParents, by: "\(u.name), \(u.position)", at: now.time.padded,
                        note: "Sent through the outbox to \(to.map { "\($0.name) (\($0.relationship))" }.joined(separator: ", "))")
                ])
        } catch let e as MissingIncidentClosed { throw Self.closedError(e) }
        return (try await Self.load(req, u), n)
    }

    /// Records a step done (or the contacts tried without news).
    func step(_ req: Request, _ u: StaffUser, _ body: StepBody) async throws -> Loaded {
        let l = try await Self.load(req, u)
        if let f = l.row.foundAt { throw Self.closedError(foundAt: f, by: l.row.closedBy ?? "") }
        let now = req.clock.now()
        let note = (body.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard note.count <= 1000 else { throw APIError.invalid("note", "keep the note under 1,000 characters") }
        guard (body.reference ?? "").count <= 100 else { throw APIError.invalid("reference", "keep the reference to 100 characters") }
        var steps: [MissingIncidentRow.StepDone] = []
        let by = "\(u.name), \(u.position)"
        if let raw = body.step.map({ $0.trimmingCharacters(in: .whitespaces) }), !raw.isEmpty {
            guard let s = MissingIncident.Step(rawValue: raw) else {
                throw APIError.invalid("step", "'\(raw)' must be search, linked_staff or police")
            }
            switch s {
            case .notifyParents:
                throw APIError.invalid("step", "the parents are told by sending the notification: preview it, then send")
            case .found: throw APIError.invalid("step", "record the pupil found by closing the incident with the report")
            case .police:
                let reference = (body.reference ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                guard (1...100).contains(reference.count) else {
                    throw APIError.invalid("reference", "give the reference the police gave, 1 to 100 characters")
                }
                steps.append(
                    .init(
                        step: .police, by: by, at: now.time.padded,
                        note: "Police called by \(by), reference \(reference)" + (note.isEmpty ? "" : ": \(note)")))
            case .search, .linkedStaff:
                steps.append(.init(step: s, by: by, at: now.time.padded, note: note))
            }
        } else if body.contactsExhausted == nil {
            throw APIError.invalid("step", "name the step done (search, linked_staff or police), or say whether the contacts are exhausted")
        }
        do {
            try await req.store.recordMissingSteps(id: l.row.id!, steps, contactsExhausted: body.contactsExhausted)
        } catch let e as MissingIncidentClosed { throw Self.closedError(e) }
        return try await Self.load(req, u)
    }

    /// Closes the incident as found, with the written report on the pupil's timeline.
    func close(_ req: Request, _ u: StaffUser, _ body: CloseBody) async throws -> Loaded {
        let l = try await Self.load(req, u)
        let now = req.clock.now()
        let report = body.report.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...4000).contains(report.count) else {
            throw APIError.invalid("report", "write the report: where the pupil was found and what happened, up to 4,000 characters")
        }
        let outcome = body.outcome.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(outcome.count) else { throw APIError.invalid("outcome", "give the outcome in 1 to 200 characters") }
        let told = body.told.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...500).contains(told.count) else {
            throw APIError.invalid("told", "say who was told the pupil is found (the parents, agencies), 1 to 500 characters")
        }
        let started = TimeOfDay(l.row.startedAt) ?? TimeOfDay(minutes: 0)
        var found = now.date.iso == l.row.date ? now.time : TimeOfDay(minutes: 1439)
        if let raw = body.foundAt.map({ $0.trimmingCharacters(in: .whitespaces) }), !raw.isEmpty {
            guard let t = TimeOfDay(raw) else { throw APIError.invalid("found_at", "'\(raw)' is not a time in the form HH:MM") }
            guard t >= started, t <= found else {
                throw APIError.invalid("found_at", "\(t) must be between the start \(started) and now \(found)")
            }
            found = t
        }
        if let f = l.row.foundAt { throw Self.closedError(foundAt: f, by: l.row.closedBy ?? "") }
        let minutes = found.minutes - started.minutes
        let entry = CaseworkRow(
            pupilID: l.pupil.id!, kind: .missingFromSite, actionKey: "missing:\(l.row.id!)",
            happenedOn: LocalDate(iso: l.row.date) ?? now.date,
            summary: "Missing from site \(started)–\(found) (\(minutes) minutes). Found; told: \(told). Report: \(report)",
            outcome: outcome,
            recordedAt: now.timestamp, by: u.actor)
        do {
            try await req.store.closeMissingIncident(
                id: l.row.id!, foundAt: found, report: report, outcome: outcome,
                step: .init(step: .found, by: "\(u.name), \(u.position)", at: found.padded, note: "Told: \(told)"), by: u.actor,
                entry: entry)
        } catch let e as MissingIncidentClosed { throw Self.closedError(e) }
        // Seed 004: 'Parents ... will be informed immediately when the pupil has been located': everyone the
        // notification went to is told, in the family's words.
        if l.row.stepList().contains(where: { $0.step == .notifyParents }) {
            let school = try await req.store.school(l.pupil.schoolID).name
            let name = MessageText.forename(l.pupil)
            let rows = Self.recipients(try await req.store.contacts(pupilID: l.pupil.id!)).map { r in
                OutboxRow(
                    schoolID: l.pupil.schoolID, pupilID: l.pupil.id!, caseworkID: entry.id, template: .missingFromSite,
                    channel: r.channel, recipient: r.address, recipientName: r.name, contactPriority: r.priority,
                    subject: "\(name) has been found",
                    body: r.channel == "sms"
                        ? "\(school): we have found \(name) (\(found)). Thank you. Please phone the school office, who will tell you more."
                        : "We have found \(name) (at \(found) today). Thank you for your help.\n\nPlease phone the school office, who will tell you more.\n\n\(school)",
                    dedupeKey: "missing:\(l.row.id!):found:\(r.priority)", about: "missing:\(l.row.id!)", at: now.instant)
            }
            try await req.store.enqueue(rows)
        }
        return try await Self.load(req, u)
    }

    // MARK: API

    func startAPI(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.takeRegister)
        let (l, _) = try await start(req, u, upn: try req.content.decode(StartDTO.self).upn)
        let r = Response(status: .created)
        try r.content.encode(Self.dto(l, now: req.clock.now()))
        return r
    }

    func getAPI(req: Request) async throws -> IncidentDTO {
        let u = try req.auth.require(StaffUser.self)
        return Self.dto(try await Self.load(req, u), now: req.clock.now())
    }

    func stepAPI(req: Request) async throws -> IncidentDTO {
        let u = try req.auth.require(StaffUser.self)
        _ = try await Self.load(req, u)
        return Self.dto(try await step(req, u, try req.content.decode(StepBody.self)), now: req.clock.now())
    }

    func previewAPI(req: Request) async throws -> NotificationDTO {
        let u = try req.auth.require(StaffUser.self)
        return try await Self.notification(req, try await Self.load(req, u))
    }

    func notifyAPI(req: Request) async throws -> IncidentDTO {
        let u = try req.auth.require(StaffUser.self)
        return Self.dto(try await notify(req, u).0, now: req.clock.now())
    }

    func closeAPI(req: Request) async throws -> IncidentDTO {
        let u = try req.auth.require(StaffUser.self)
        _ = try await Self.load(req, u)
        return Self.dto(try await close(req, u, try req.content.decode(CloseBody.self)), now: req.clock.now())
    }

    // MARK: Pages

    struct IncidentPage: Encodable {
        var incident: IncidentDTO
        var notification: NotificationDTO
        var notifyDue: Bool
        var policeDue: Bool
        var flash: String?
        var now: String
    }

    func page(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        let l = try await Self.load(req, u)
        let d = Self.dto(l, now: req.clock.now())
        return try await req.render(
            "SchoolDay/missing-incident", title: "Missing from site",
            IncidentPage(
                incident: d, notification: try await Self.notification(req, l),
                notifyDue: d.prompts.contains { $0.step == MissingIncident.Step.notifyParents.rawValue },
                policeDue: d.prompts.contains { $0.step == MissingIncident.Step.police.rawValue }, flash: req.takeFlash(),
                now: req.clock.now().time.padded))
    }

    func startPage(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.takeRegister)
        let (l, told) = try await start(req, u, upn: (try? req.content.decode(StartDTO.self))?.upn ?? "")
        req.session.data["flash"] =
            "\(l.pupil.displayName) reported missing at \(l.row.startedAt). Search the premises and tell the head and the office."
            + (told.isEmpty ? "" : " Emailed at once: \(told.joined(separator: ", ")).")
        return req.redirect(to: "/missing-incidents/\(l.row.id!)")
    }

    struct StepForm: Content {
        var step: String?
        var note: String?
        var reference: String?
        var contactsExhausted: String?
    }

    func stepPage(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        _ = try await Self.load(req, u)
        let f = try req.content.decode(StepForm.self)
        let exhausted: Bool? =
            switch f.contactsExhausted ?? "" {
            case "": nil
            case "1": true
            case "0": false
            default: throw APIError.invalid("contacts_exhausted", "must be 1 (none has heard from the pupil) or 0")
            }
        let l = try await step(req, u, StepBody(step: f.step, note: f.note, reference: f.reference, contactsExhausted: exhausted))
        req.session.data["flash"] = "Recorded."
        return req.redirect(to: "/missing-incidents/\(l.row.id!)")
    }

    func notifyPage(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        let (l, n) = try await notify(req, u)
        req.session.data["flash"] = "Sent through the outbox to \(n) contact\(n == 1 ? "" : "s") of \(l.pupil.displayName), in order."
        return req.redirect(to: "/missing-incidents/\(l.row.id!)")
    }

    func closePage(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        _ = try await Self.load(req, u)
        let l = try await close(req, u, try req.content.decode(CloseBody.self))
        req.session.data["flash"] = "\(l.pupil.displayName) found at \(l.row.foundAt ?? ""). The report is on the pupil's timeline."
        return req.redirect(to: "/missing-incidents/\(l.row.id!)")
    }

    /// Open incidents for Today: the office, the attendance lead and the head.
    struct TodayLine: Encodable {
        var id: Int
        var name: String
        var startedAt: String
        var minutes: Int
    }

    static func today(_ req: Request, _ u: StaffUser) async throws -> [TodayLine] {
        guard u.can(.amendMarks) else { return [] }
        let now = req.clock.now()
        var out: [TodayLine] = []
        for row in try await req.store.openMissingIncidents(schoolID: u.schoolID) {
            guard let p = try await PupilRow.find(row.pupilID, on: req.db) else { continue }
            let minutes = row.incident(upn: p.upn).minutes(at: now.date.iso == row.date ? now.time : TimeOfDay(minutes: 1439))
            out.append(TodayLine(id: row.id!, name: p.displayName, startedAt: row.startedAt, minutes: minutes))
        }
        return out
    }
}
