import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// The end of the day (seed 003 'Close of the day', issue 17): a collection list per class of the pupils still in
/// school (from the registers and the signing-out book, as on site now), each marked collected and by whom; a child
/// not collected by the policy's `collect_by` is at the after-school club with the contacts to ring in order; at
/// `social_services_at` social services are to be contacted for any child still not collected, recorded when done.
struct EndOfDayController {
    struct ContactDTO: Content {
        var name: String
        var relationship: String
        var phone: String
    }
    struct LineDTO: Content {
        var upn: String
        var name: String
        var form: String
        /// `awaiting`, `collected`, `after_school_club` or `contact_social_services`.
        var state: String
        var collectedBy: String?
        var collectedAt: String?
        var recordedBy: String?
        /// Collected after `collect_by`: from the after-school club.
        var fromAfterSchoolClub: Bool
        /// While at the after-school club: the contacts to ring, in priority order.
        var contactsToRing: [ContactDTO]
        var socialServicesContactedAt: String?
        var socialServicesBy: String?
        var socialServicesNote: String?
    }
    struct ClassDTO: Content {
        var form: String
        var lines: [LineDTO]
    }
    struct EndOfDayDTO: Content {
        var date: String
        var time: String
        var collectBy: String
        var socialServicesAt: String
        var classes: [ClassDTO]
        /// Children still not collected at `social_services_at` with social services not yet contacted.
        var socialServicesDue: [LineDTO]
    }
    struct CollectBody: Content {
        var upn: String
        /// Who took the child: "Mum", "Grandad (Ray)".
        var collectedBy: String
        /// `HH:MM`, not after now; absent: now.
        var at: String?
    }
    struct SocialServicesBody: Content {
        var upn: String
        /// Who was spoken to and what was agreed.
        var note: String
    }

    static func policy(_ req: Request, schoolID: Int, on date: LocalDate) async throws -> SchoolDayPolicy.EndOfDay {
        guard let e = try await req.store.policy(schoolID: schoolID, on: date).schoolDay?.endOfDay else {
            throw APIError(
                .conflict, field: "school_day.end_of_day",
                reason: "the school's policy sets no end of day: add school_day.end_of_day (collect_by, social_services_at)")
        }
        return e
    }

    /// The lists now, for the forms the user sees (a teacher: their own), or one form.
    static func load(_ req: Request, _ u: StaffUser, form: String?) async throws -> EndOfDayDTO {
        try u.require(.takeRegister)
        let now = req.clock.now()
        let policy = try await Self.policy(req, schoolID: u.schoolID, on: now.date)
        let onSite = try await OnSiteNow.load(store: req.store, schoolID: u.schoolID, now: now)
        let book = try await req.store.collections(schoolID: u.schoolID, date: now.date)
        var upns = Set(onSite.forms.flatMap { $0.pupils.map(\.upn) })
        let pupils = try await req.store.pupils(schoolID: u.schoolID).filter { p in
            // Collected children stay on the list, whatever the signing-out book says since.
            if let id = p.id, book[id]?.collectedAt != nil { upns.insert(p.upn) }
            return upns.contains(p.upn) && (u.ownForms?.contains(p.form) ?? true) && (form.map { $0 == p.form } ?? true)
        }
        let contacts = try await req.store.contacts(schoolID: u.schoolID, pupilIDs: pupils.compactMap(\.id))
        var pickups: [String: EndOfDayCollection.Pickup] = [:]
        var rowOf: [String: CollectionRow] = [:]
        for p in pupils {
            guard let id = p.id, let row = book[id] else { continue }
            rowOf[p.upn] = row
            if let at = row.collectedAt.flatMap({ TimeOfDay($0) }) {
                pickups[p.upn] = .init(by: row.collectedBy ?? "", at: at)
            }
        }
        let records = pupils.map { p in p.record(contacts: contacts[p.id ?? 0] ?? []) }
        let lists = EndOfDayCollection.lists(pupils: records, collections: pickups, now: now.time, policy: policy)
        let classes = lists.map { c in
            ClassDTO(
                form: c.form,
                lines: c.lines.map { l in
                    let row = rowOf[l.upn]
                    return LineDTO(
                        upn: l.upn, name: l.name, form: c.form, state: l.state.rawValue, collectedBy: l.collectedBy,
                        collectedAt: l.collectedAt?.padded, recordedBy: row?.collectedAt == nil ? nil : row?.recordedBy,
                        fromAfterSchoolClub: l.collectedAt.map { $0 > policy.collectBy } ?? false,
                        contactsToRing: l.contactsToRing.map { ContactDTO(name: $0.name, relationship: $0.relationship, phone: $0.phone) },
                        socialServicesContactedAt: row?.socialServicesAt, socialServicesBy: row?.socialServicesBy,
                        socialServicesNote: row?.socialServicesNote)
                })
        }
        return EndOfDayDTO(
            date: now.date.iso, time: now.time.padded, collectBy: policy.collectBy.padded, socialServicesAt: policy.socialServicesAt.padded,
            classes: classes,
            socialServicesDue: classes.flatMap(\.lines).filter {
                $0.state == EndOfDayCollection.State.contactSocialServices.rawValue && $0.socialServicesContactedAt == nil
            })
    }

    static func line(_ d: EndOfDayDTO, upn: String) throws -> LineDTO {
        guard let l = d.classes.flatMap(\.lines).first(where: { $0.upn == upn }) else {
            throw APIError.invalid("upn", "'\(upn)' is not on today's collection list")
        }
        return l
    }

    /// Records who collected a child on the list.
    func collect(_ req: Request, _ u: StaffUser, _ body: CollectBody) async throws -> EndOfDayDTO {
        try u.require(.takeRegister)
        let upn = body.upn.trimmingCharacters(in: .whitespaces)
        let who = body.collectedBy.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(who.count) else {
            throw APIError.invalid("collected_by", "say who collected the child, 1 to 100 characters")
        }
        let now = req.clock.now()
        var at = now.time
        if let raw = body.at.map({ $0.trimmingCharacters(in: .whitespaces) }), !raw.isEmpty {
            guard let t = TimeOfDay(raw) else { throw APIError.invalid("at", "'\(raw)' is not a time in the form HH:MM") }
            guard t <= now.time else { throw APIError.invalid("at", "\(t) is after now (\(now.time)): record what has happened") }
            at = t
        }
        let list = try await Self.load(req, u, form: nil)
        let line = try Self.line(list, upn: upn)
        if let by = line.collectedBy, let when = line.collectedAt {
            throw APIError(.conflict, field: "upn", reason: "\(line.name) was collected at \(when) by \(by) already")
        }
        guard let p = try await req.store.pupil(schoolID: u.schoolID, upn: upn), let id = p.id else {
            throw APIError.invalid("upn", "'\(upn)' is not on today's collection list")
        }
        let recorder = "\(u.name), \(u.position)"
        let time = at.padded
        try await req.store.updateCollection(schoolID: u.schoolID, pupilID: id, date: now.date) { row in
            row.collectedAt = time
            row.collectedBy = who
            row.recordedBy = recorder
        }
        return try await Self.load(req, u, form: nil)
    }

    /// Records social services contacted for a child still not collected at the final time, on the pupil's timeline.
    func socialServices(_ req: Request, _ u: StaffUser, _ body: SocialServicesBody) async throws -> EndOfDayDTO {
        try u.require(.amendMarks)
        let upn = body.upn.trimmingCharacters(in: .whitespaces)
        let note = body.note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...1000).contains(note.count) else {
            throw APIError.invalid("note", "say who at social services was spoken to and what was agreed, 1 to 1,000 characters")
        }
        let now = req.clock.now()
        let list = try await Self.load(req, u, form: nil)
        let line = try Self.line(list, upn: upn)
        guard line.state == EndOfDayCollection.State.contactSocialServices.rawValue else {
            throw APIError(
                .conflict, field: "upn",
                reason: line.collectedAt != nil
                    ? "\(line.name) was collected at \(line.collectedAt!)" : "social services are contacted from \(list.socialServicesAt)")
        }
        if let at = line.socialServicesContactedAt {
            throw APIError(.conflict, field: "upn", reason: "social services were contacted at \(at) by \(line.socialServicesBy ?? "")")
        }
        guard let p = try await req.store.pupil(schoolID: u.schoolID, upn: upn), let id = p.id else {
            throw APIError.invalid("upn", "'\(upn)' is not on today's collection list")
        }
        let by = "\(u.name), \(u.position)"
        try await req.store.updateCollection(schoolID: u.schoolID, pupilID: id, date: now.date) { row in
            row.socialServicesAt = now.time.padded
            row.socialServicesBy = by
            row.socialServicesNote = note
        }
        try await req.store.addCasework(
            CaseworkRow(
                pupilID: id, kind: .notCollected, actionKey: "not_collected:\(now.date.iso)", happenedOn: now.date,
                summary: "Not collected by \(list.socialServicesAt): social services contacted at \(now.time.padded). \(note)",
                recordedAt: now.timestamp, by: u.actor))
        return try await Self.load(req, u, form: nil)
    }

    // MARK: API

    func getAPI(req: Request) async throws -> EndOfDayDTO {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.takeRegister)
        return try await Self.load(req, u, form: try Self.form(req))
    }

    func collectAPI(req: Request) async throws -> EndOfDayDTO {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.takeRegister)
        return try await collect(req, u, try req.content.decode(CollectBody.self))
    }

    func socialServicesAPI(req: Request) async throws -> EndOfDayDTO {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        return try await socialServices(req, u, try req.content.decode(SocialServicesBody.self))
    }

    static func form(_ req: Request) throws -> String? {
        guard let f = req.query[String.self, at: "form"]?.trimmingCharacters(in: .whitespaces), !f.isEmpty else { return nil }
        guard f.count <= 20 else { throw APIError.invalid("form", "a form's name is at most 20 characters") }
        return f
    }

    // MARK: Pages

    struct PageModel: Encodable {
        var list: EndOfDayDTO
        var forms: [String]
        var form: String?
        var mayContactSocialServices: Bool
        var flash: String?
        var now: String
        /// The policy sets no end of day.
        var unset: Bool
    }

    func page(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.takeRegister)
        let form = try Self.form(req)
        let now = req.clock.now()
        guard try await req.store.policy(schoolID: u.schoolID, on: now.date).schoolDay?.endOfDay != nil else {
            return try await req.render(
                "SchoolDay/end-of-day", title: "End of day",
                PageModel(
                    list: EndOfDayDTO(
                        date: now.date.iso, time: now.time.padded, collectBy: "", socialServicesAt: "", classes: [], socialServicesDue: []),
                    forms: [], form: nil, mayContactSocialServices: false, flash: req.takeFlash(), now: now.time.padded, unset: true))
        }
        let all = try await Self.load(req, u, form: nil)
        var list = all
        if let form { list.classes = all.classes.filter { $0.form == form } }
        return try await req.render(
            "SchoolDay/end-of-day", title: "End of day",
            PageModel(
                list: list, forms: all.classes.map(\.form), form: form, mayContactSocialServices: u.can(.amendMarks),
                flash: req.takeFlash(), now: now.time.padded, unset: false))
    }

    struct CollectForm: Content {
        var upn: String?
        var collectedBy: String?
        var at: String?
        var form: String?
    }

    func collectPage(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.takeRegister)
        let f = try req.content.decode(CollectForm.self)
        let d = try await collect(req, u, CollectBody(upn: f.upn ?? "", collectedBy: f.collectedBy ?? "", at: f.at))
        let l = try Self.line(d, upn: f.upn ?? "")
        req.session.data["flash"] = "\(l.name) collected at \(l.collectedAt ?? "") by \(l.collectedBy ?? "")."
        return req.redirect(to: "/end-of-day" + Self.back(f.form))
    }

    struct SocialServicesForm: Content {
        var upn: String?
        var note: String?
        var form: String?
    }

    func socialServicesPage(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let f = try req.content.decode(SocialServicesForm.self)
        let d = try await socialServices(req, u, SocialServicesBody(upn: f.upn ?? "", note: f.note ?? ""))
        let l = try Self.line(d, upn: f.upn ?? "")
        req.session.data["flash"] = "Social services contact recorded for \(l.name), on the pupil's timeline."
        return req.redirect(to: "/end-of-day" + Self.back(f.form))
    }

    static func back(_ form: String?) -> String {
        guard let f = form, !f.isEmpty, f.count <= 20 else { return "" }
        return "?form=" + (f.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
    }

    /// For Today: how many children still need social services contacted (the office and leaders).
    static func today(_ req: Request, _ u: StaffUser) async throws -> Int {
        guard u.can(.amendMarks) else { return 0 }
        let now = req.clock.now()
        guard let e = try await req.store.policy(schoolID: u.schoolID, on: now.date).schoolDay?.endOfDay, now.time >= e.socialServicesAt
        else { return 0 }
        return try await load(req, u, form: nil).socialServicesDue.count
    }
}
