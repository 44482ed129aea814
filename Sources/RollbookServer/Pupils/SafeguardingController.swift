import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// A pupil's safeguarding flags (`/pupils/:upn/safeguarding`), barriers to attendance (`/pupils/:upn/barriers`), and
/// the school's barriers counted (`/barriers`).
struct SafeguardingController {
    struct FlagsForm: Content {
        /// A checkbox: present ("on") when ticked.
        var traveller: String?
        var vulnerableReason: String?
    }

    func flags(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let p = try await req.pupil(u)
        let form = try req.content.decode(FlagsForm.self)
        let reason = (form.vulnerableReason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard reason.count <= 500 else { throw APIError.invalid("vulnerable_reason", "keep the reason under 500 characters") }
        let traveller = form.traveller != nil
        let c = p.characteristics
        guard traveller != c.traveller || reason != c.vulnerableReason else {
            req.session.data["flash"] = "Nothing changed."
            return req.redirect(to: "/pupils/\(p.upn)#safeguarding")
        }
        var changes: [String] = []
        if traveller != c.traveller {
            changes.append(traveller ? "from a Traveller family" : "no longer marked as from a Traveller family")
        }
        if reason != c.vulnerableReason {
            changes.append(reason.isEmpty ? "no longer vulnerable in other ways" : "vulnerable in other ways: \(reason)")
        }
        let now = req.clock.now()
        let entry = CaseworkRow(
            pupilID: p.id!, kind: .safeguardingFlags, actionKey: nil, happenedOn: now.date,
            summary: changes.joined(separator: "; ").capitalizingFirst, recordedAt: now.timestamp, by: u.actor)
        try await req.store.setSafeguardingFlags(pupilID: p.id!, traveller: traveller, vulnerableReason: reason, entry: entry)
        req.session.data["flash"] = "Saved: \(changes.joined(separator: "; "))."
        return req.redirect(to: "/pupils/\(p.upn)#safeguarding")
    }

    struct BarrierForm: Content {
        var category: String
        var note: String
        /// An absence the barrier may explain (optional): its date and `both`, `am` or `pm`.
        var absenceDate: String?
        var sessions: String?
    }

    func barrier(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await req.pupil(u)
        let form = try req.content.decode(BarrierForm.self)
        guard let category = Barrier(rawValue: form.category) else {
            throw APIError.invalid(
                "category", "'\(form.category)' must be one of \(Barrier.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let note = form.note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !note.isEmpty else { throw APIError.invalid("note", "say what the barrier is") }
        guard note.count <= 1000 else { throw APIError.invalid("note", "keep the note under 1,000 characters") }
        let now = req.clock.now()
        var sessions: [(LocalDate, RollbookCore.Session)] = []
        if let d = form.absenceDate.flatMap({ $0.isEmpty ? nil : $0 }) {
            let date = try parseDate(d, field: "absence_date")
            guard date <= now.date else { throw APIError.invalid("absence_date", "\(date) is in the future") }
            let which: [RollbookCore.Session] =
                switch form.sessions ?? "both" {
                case "am": [.am]
                case "pm": [.pm]
                case "both", "": [.am, .pm]
                default: throw APIError.invalid("sessions", "choose both, am or pm")
                }
            let marks = try await req.store.marks(pupilID: p.id!, range: DateRange(from: date, to: date))
            let absent = which.filter { s in
                marks.contains { $0.session == s.rawValue && AttendanceCode.lookup($0.code)?.isAbsence == true }
            }
            guard !absent.isEmpty else {
                throw APIError.invalid("absence_date", "\(p.displayName) has no absence marked on \(date) for the sessions chosen")
            }
            sessions = absent.map { (date, $0) }
        }
        let flagged = category == .bullying && !sessions.isEmpty
        let entry = CaseworkRow(
            pupilID: p.id!, kind: .barrier, actionKey: nil, happenedOn: sessions.first?.0 ?? now.date,
            summary: (flagged ? "Absence possibly bullying-related: " : "\(category.title): ") + note, outcome: category.rawValue,
            sessions: sessions, recordedAt: now.timestamp, by: u.actor)
        try await req.store.recordBarrier(entry, schoolID: p.schoolID)
        var message = "\(category.title) recorded for \(p.displayName)."
        if flagged {
            let told = try await Self.tellStaff(req, pupil: p, entry: entry, note: note, by: u, now: now)
            message += told.isEmpty ? " The policy names nobody to tell." : " Told by email: \(told.joined(separator: ", "))."
        }
        req.session.data["flash"] = message
        return req.redirect(to: "/pupils/\(p.upn)#safeguarding")
    }

    /// Emails the staff the policy's `barriers.bullying_notify` names, through the outbox; their names, for the flash.
    static func tellStaff(_ req: Request, pupil p: PupilRow, entry: CaseworkRow, note: String, by u: StaffUser, now: SchoolNow)
        async throws -> [String]
    {
        let policy = try await req.store.policy(schoolID: p.schoolID, on: now.date)
        guard let names = policy.barriers?.bullyingNotify else { return [] }
        let staff = try await req.store.staff(schoolID: p.schoolID).filter { !$0.email.isEmpty }
        var chosen: [StaffRow] = []
        for n in names {
            let found: [StaffRow]
            if n == "form_tutor" {
                found = staff.filter { $0.staffRole == .teacher && $0.formList.contains(p.form) }
            } else if n.hasPrefix("position:") {
                let position = n.dropFirst("position:".count).trimmingCharacters(in: .whitespaces).lowercased()
                found = staff.filter { $0.position.lowercased() == position }
            } else {
                found = staff.filter { $0.role == n }
            }
            for s in found where !chosen.contains(where: { $0.id == s.id }) { chosen.append(s) }
        }
        let days = entry.sessionList.map { "\(ParentWords.date($0.date)) \($0.session == .am ? "morning" : "afternoon")" }
        let school = try await req.store.school(p.schoolID).name
        let rows = chosen.map { s in
            OutboxRow(
                schoolID: p.schoolID, pupilID: p.id!, caseworkID: entry.id, template: .bullyingConcern, channel: "email",
                recipient: s.email, recipientName: s.name, subject: "Absence possibly bullying-related: \(p.displayName) (\(p.form))",
                body:
                    "\(u.name), \(u.position), flagged \(p.displayName)'s absence (\(days.joined(separator: ", "))) as possibly bullying-related: \(note)\n\nPlease record on the pupil's timeline in Rollbook what you do about it.\n\n\(school)",
                dedupeKey: "bullying:\(entry.id!):\(s.id!)", about: "casework:\(entry.id!)", at: now.instant)
        }
        try await req.store.enqueue(rows)
        return chosen.map { "\($0.name) (\($0.position))" }
    }

    struct BarrierCount: Content {
        var category: String
        var title: String
        var pupils: Int
        var flaggedAbsences: Int
    }
    struct BarrierPupil: Content {
        var upn, name, form, category, date, summary: String
    }
    struct BarriersContent: Content {
        var from: String
        var counts: [BarrierCount]
        var pupils: [BarrierPupil]
    }

    /// Barriers to attendance recorded this school year: pupils per category, and the entries.
    func page(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let today = req.clock.now().date
        let from = AcademicYear(containing: today).range.from
        let rows = try await req.store.barriers(schoolID: u.schoolID, from: from)
        let pupils = Dictionary(
            try await req.store.listings(schoolID: u.schoolID).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let counts = Barrier.allCases.map { b in
            let these = rows.filter { $0.outcome == b.rawValue }
            return BarrierCount(
                category: b.rawValue, title: b.title, pupils: Set(these.map(\.pupilID)).count,
                flaggedAbsences: these.filter { $0.sessions != nil }.count)
        }
        let content = BarriersContent(
            from: from.iso, counts: counts,
            pupils: rows.reversed().compactMap { r in
                guard let p = pupils[r.pupilID] else { return nil }
                return BarrierPupil(
                    upn: p.upn, name: p.displayName, form: p.form, category: Barrier(rawValue: r.outcome ?? "")?.title ?? "",
                    date: r.happenedOn, summary: r.summary)
            })
        if req.query[String.self, at: "format"] == "json" { return try await content.encodeResponse(for: req) }
        return try await req.render("Pupils/barriers", title: "Barriers to attendance", content).encodeResponse(for: req)
    }
}

extension String {
    fileprivate var capitalizingFirst: String { prefix(1).uppercased() + dropFirst() }
}
