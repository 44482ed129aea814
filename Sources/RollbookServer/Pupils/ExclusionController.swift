import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/pupils/:upn/exclusions` (page) and `/api/v1/pupils/:upn/exclusions`: a suspension or permanent exclusion recorded
/// with its days. Its sessions are coded E through the audited write; the daily evaluation then proposes the parents'
/// notice of the first five days and alternative provision on the policy's day (`exclusions`).
struct ExclusionController {
    struct Form: Content {
        /// `suspension` or `permanent`.
        var kind: String
        var firstDay: String
        /// A suspension's length in school days; none for a permanent exclusion.
        var schoolDays: Int?
        /// The head teacher's reason, for staff.
        var reason: String
    }

    /// The page's form: a blank number of days is sent as an empty string.
    struct PageForm: Content {
        var kind: String
        var firstDay: String
        var schoolDays: String?
        var reason: String
    }

    struct Recorded: Content {
        var upn: String
        var kind: String
        var firstDay: String
        var schoolDays: Int?
        /// The sessions coded E (new marks and amendments).
        var sessionsCoded: Int
        var caseworkID: Int
    }

    /// Checks the form and records the exclusion; nothing is written when a field is wrong.
    static func record(_ req: Request, _ u: StaffUser, _ p: PupilRow, _ form: Form) async throws -> Recorded {
        try u.require(.casework)
        guard let kind = ExclusionRecord.Kind(rawValue: form.kind.lowercased()) else {
            throw APIError.invalid("kind", "'\(form.kind)' must be suspension or permanent")
        }
        let first = try parseDate(form.firstDay, field: "first_day")
        let reason = form.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw APIError.invalid("reason", "give the head teacher's reason") }
        guard reason.count <= 1000 else { throw APIError.invalid("reason", "keep the reason under 1,000 characters") }
        switch kind {
        case .suspension:
            // At most 45 school days of suspension in a school year, this one included.
            guard let n = form.schoolDays, (1...NationalRules.suspensionMaxSchoolDaysInYear).contains(n) else {
                throw APIError.invalid(
                    "school_days", "a suspension lasts 1 to \(NationalRules.suspensionMaxSchoolDaysInYear) school days")
            }
        case .permanent:
            guard form.schoolDays == nil else {
                throw APIError.invalid("school_days", "a permanent exclusion has no number of days: leave it out")
            }
        }
        if kind == .suspension, let n = form.schoolDays {
            let year = AcademicYear(containing: first)
            let before = (try await req.store.exclusions(schoolID: p.schoolID, startingIn: year.range)[p.upn] ?? [])
                .filter { $0.kind == .suspension }.reduce(0) { $0 + ($1.schoolDays ?? 0) }
            guard before + n <= NationalRules.suspensionMaxSchoolDaysInYear else {
                throw APIError.invalid(
                    "school_days",
                    "\(p.displayName) has \(before) school days of suspension this school year; with \(n) more it would pass the limit of \(NationalRules.suspensionMaxSchoolDaysInYear)"
                )
            }
        }
        guard p.enrolment.isOnRoll(first) else { throw APIError.invalid("first_day", "\(p.displayName) is not on roll on \(first)") }
        let calendar = try await req.store.calendar(schoolID: p.schoolID)
        let record = ExclusionRecord(kind: kind, firstDay: first, schoolDays: form.schoolDays, reason: reason)
        let sessions = record.sessions(calendar: calendar, enrolment: p.enrolment)
        guard let firstSchoolDay = sessions.first?.date else {
            throw APIError.invalid("first_day", "no school day for \(p.displayName) from \(first) in the school calendar")
        }
        let now = req.clock.now()
        let words =
            switch kind {
            case .suspension: "Suspended for \(form.schoolDays!) school day\(form.schoolDays == 1 ? "" : "s") from \(firstSchoolDay.iso)"
            case .permanent: "Permanently excluded from \(firstSchoolDay.iso)"
            }
        let entry = CaseworkRow(
            pupilID: p.id!, kind: .exclusion, actionKey: nil, happenedOn: firstSchoolDay, summary: "\(words): \(reason)",
            outcome: kind.rawValue, figure: form.schoolDays.map(Double.init), recordedAt: now.timestamp, by: u.actor)
        // A session the pupil attended (excluded at lunchtime, say) keeps its mark.
        let marks = try await Reasons.skippingAttendance(
            sessions.map {
                MarkWrite(
                    pupilID: p.id!, mark: Mark(date: $0.date, session: $0.session, code: .e), reason: "\(words) (recorded by \(u.name))")
            }, store: req.store)
        let written = try await req.store.recordExclusion(entry, marks: marks, by: u.actor, at: now.timestamp)
        return Recorded(
            upn: p.upn, kind: kind.rawValue, firstDay: firstSchoolDay.iso, schoolDays: form.schoolDays,
            sessionsCoded: written.created + written.amended, caseworkID: entry.id!)
    }

    func page(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let p = try await req.pupil(u)
        let f = try req.content.decode(PageForm.self)
        let days = (f.schoolDays ?? "").trimmingCharacters(in: .whitespaces)
        var n: Int?
        if f.kind != "permanent" && !days.isEmpty {
            guard let v = Int(days) else { throw APIError.invalid("school_days", "'\(days)' is not a whole number of school days") }
            n = v
        }
        let r = try await Self.record(req, u, p, Form(kind: f.kind, firstDay: f.firstDay, schoolDays: n, reason: f.reason))
        req.session.data["flash"] =
            "\(r.kind == "permanent" ? "Permanent exclusion" : "Suspension") recorded for \(p.displayName); \(r.sessionsCoded) sessions coded E. "
            + "The worklist proposes the parents' notice and alternative provision when the policy says."
        return req.redirect(to: "/pupils/\(p.upn)#casework")
    }

    func api(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let p = try await APIController().pupil(req, u)
        let r = try await Self.record(req, u, p, try req.content.decode(Form.self))
        let resp = try await r.encodeResponse(for: req)
        resp.status = .created
        return resp
    }
}
