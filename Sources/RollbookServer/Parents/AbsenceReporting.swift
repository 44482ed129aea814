import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// A parent's absence report: the form (on the portal or through a message's one-time link), its checks, and its record.
enum AbsenceReporting {
    struct FormPage: Encodable {
        var child: ChildSummary?
        var pupilName: String
        var action: String
        var today: String
        var categories: [Option]
        var form: Form
        var error: String?
        var errorField: String?
        /// True on the one-time link's page: the dates are fixed to that day.
        var oneDay: Bool
        /// Documents (evidence) the portal's form takes; the one-time link's page takes none.
        var maxDocuments: Int = 0
    }
    struct Option: Encodable {
        var value: String
        var label: String
    }
    struct Form: Content {
        var from: String?
        var to: String?
        var sessions: String?
        var category: String?
        var note: String?
        var expectedReturn: String?
        /// On the portal: photos or PDFs of evidence (an appointment card, a letter).
        var documents: [File]?
        /// The form as shown again after an error: files are not sent back.
        var shown: Form {
            var f = self
            f.documents = nil
            return f
        }
    }
    static let categories = AbsenceCategory.allCases.map { Option(value: $0.rawValue, label: $0.title) }

    /// Checks a report form; an error names the field.
    static func validate(_ f: Form, today: LocalDate, fixedDay: LocalDate? = nil) throws -> (
        LocalDate, LocalDate, String, AbsenceCategory, String, LocalDate?
    ) {
        let from: LocalDate
        if let fixedDay {
            from = fixedDay
        } else {
            guard let raw = f.from, !raw.isEmpty else { throw APIError.invalid("from", "give the first day of the absence") }
            from = try parseDate(raw, field: "from")
        }
        guard from >= today else {
            throw APIError.invalid(
                "from", "\(ParentWords.date(from)) has passed: report today's or a later absence (for an earlier one, contact the office)")
        }
        var to = from
        if fixedDay == nil, let raw = f.to, !raw.isEmpty { to = try parseDate(raw, field: "to") }
        guard to >= from else { throw APIError.invalid("to", "the last day is before the first day") }
        guard from.days(to: to) <= 62 else { throw APIError.invalid("to", "report at most 62 days at a time") }
        let sessions = f.sessions ?? "both"
        guard ["am", "pm", "both"].contains(sessions) else { throw APIError.invalid("sessions", "choose morning, afternoon or both") }
        guard let category = f.category.flatMap(AbsenceCategory.init(rawValue:)) else {
            throw APIError.invalid("category", "choose what the absence is for")
        }
        let note = (f.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard note.count <= 1000 else { throw APIError.invalid("note", "keep the note under 1,000 characters") }
        if category == .other && note.isEmpty { throw APIError.invalid("note", "say in a few words what the absence is for") }
        let back = try f.expectedReturn.flatMap { $0.isEmpty ? nil : $0 }.map { try parseDate($0, field: "expected_return") }
        if let back, back <= to { throw APIError.invalid("expected_return", "the day back must be after the last day of absence") }
        return (from, to, sessions, category, note, back)
    }

    static func reportRow(
        pupilID: Int, by: String, via: String, from: LocalDate, to: LocalDate, sessions: String, category: AbsenceCategory,
        note: String, back: LocalDate?, at now: String
    ) -> AbsenceReportRow {
        let row = AbsenceReportRow()
        row.pupilID = pupilID
        row.reportedBy = by
        row.via = via
        row.from = from.iso
        row.to = to.iso
        row.sessions = sessions
        row.category = category.rawValue
        row.note = note
        row.expectedReturn = back?.iso
        row.state = .pending
        row.createdAt = now
        return row
    }

    /// Documents sent with a report are evidence for the sessions it covers that the school is open for the pupil.
    static func recordEvidence(
        _ req: Request, pupil p: PupilRow, report: AbsenceReportRow, documents: [Uploads.Document], at now: SchoolNow
    )
        async throws
    {
        let calendar = try await req.store.calendar(schoolID: p.schoolID)
        var sessions: [(LocalDate, Session)] = []
        var d = report.fromDay
        while d <= report.toDay {
            for s in report.sessionList where calendar.isOpen(d, s, yearGroup: p.yearGroup) { sessions.append((d, s)) }
            d = d.adding(days: 1)
        }
        try await req.store.recordEvidence(
            CaseworkRow(
                pupilID: p.id!, kind: .evidenceReceived, actionKey: nil, happenedOn: now.date,
                summary:
                    "\(report.reportedBy) sent \(documents.count == 1 ? "a document" : "\(documents.count) documents") with an absence report for \(ParentWords.range(report.fromDay, report.toDay))",
                sessions: sessions, recordedAt: now.timestamp, by: Actor(name: report.reportedBy, position: "Parent or carer")),
            documents: Uploads.evidenceRows(documents, at: now.timestamp))
    }

    /// A parent's report is contact with the family: it goes on the timeline at once (the children-missing-education
    /// rules count days without contact).
    static func recordContact(_ req: Request, pupilID: Int, report: AbsenceReportRow, at now: SchoolNow) async throws {
        let how = report.via == "link" ? "through the link in a message" : "on the parent portal"
        try await req.store.addCasework(
            CaseworkRow(
                pupilID: pupilID, kind: .familyContact, actionKey: nil, happenedOn: now.date,
                summary:
                    "\(report.reportedBy) reported an absence \(how): \(report.absenceCategory.title), \(ParentWords.range(report.fromDay, report.toDay))\(report.note.isEmpty ? "" : ": \(report.note)")",
                recordedAt: now.timestamp, by: Actor(name: report.reportedBy, position: "Parent or carer")))
    }
}
