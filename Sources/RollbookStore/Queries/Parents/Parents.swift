import FluentKit
import Foundation
import RollbookCore
import SQLKit

// Parents and carers: their accounts, what they report (absences, leave requests), and the one-time links that let
// them answer a message without signing in.

/// A parent's or carer's account. Their children are the pupils whose admission-register contacts with parental
/// responsibility carry the account's email: the school links them, the parent cannot.
public final class ParentAccountRow: Model, @unchecked Sendable {
    public static let schema = "parent_accounts"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    @Field(key: "email") public var email: String
    @Field(key: "name") public var name: String
    /// Nil until the invitation is accepted.
    @OptionalField(key: "password_hash") public var passwordHash: String?
    /// SHA-256 of the invitation token, while it is outstanding.
    @OptionalField(key: "invite_token_hash") public var inviteTokenHash: String?
    @OptionalField(key: "invite_expires_at") public var inviteExpiresAt: String?
    @Field(key: "invited_at") public var invitedAt: String
    @Field(key: "invited_by") public var invitedBy: String
    @OptionalField(key: "activated_at") public var activatedAt: String?
    public init() {}
}

/// A parent's report of an absence (today or to come). It never sets a code by itself: the office accepts it and
/// chooses the code, or declines it.
public final class AbsenceReportRow: Model, @unchecked Sendable {
    public static let schema = "absence_reports"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "pupil_id") public var pupilID: Int
    @Field(key: "reported_by") public var reportedBy: String
    /// `portal`, `link` (a one-time link in a message) or `office`.
    @Field(key: "via") public var via: String
    @Field(key: "from_date") public var from: String
    @Field(key: "to_date") public var to: String
    /// `am`, `pm` or `both`.
    @Field(key: "sessions") public var sessions: String
    @Field(key: "category") public var category: String
    @Field(key: "note") public var note: String
    @OptionalField(key: "expected_return") public var expectedReturn: String?
    /// `AbsenceReport.State`'s raw value; read and written through `state`.
    @Field(key: "state") public var stateText: String
    @Field(key: "created_at") public var createdAt: String
    @OptionalField(key: "decided_at") public var decidedAt: String?
    @OptionalField(key: "decided_by") public var decidedBy: String?
    @OptionalField(key: "code") public var code: String?
    @OptionalField(key: "decision_note") public var decisionNote: String?
    public init() {}

    public var fromDay: LocalDate { LocalDate(iso: from)! }
    public var toDay: LocalDate { LocalDate(iso: to)! }
    public var expectedReturnDay: LocalDate? { expectedReturn.flatMap(LocalDate.init(iso:)) }
    public var sessionList: [Session] { sessions == "am" ? [.am] : sessions == "pm" ? [.pm] : [.am, .pm] }
    /// True when the report covers that session.
    public func covers(_ d: LocalDate, _ s: Session) -> Bool { from <= d.iso && d.iso <= to && sessionList.contains(s) }
    public var absenceCategory: AbsenceCategory { AbsenceCategory(rawValue: category) ?? .other }
    /// Only `State` raw values are ever written.
    public var state: AbsenceReport.State {
        get { AbsenceReport.State(rawValue: stateText) ?? .pending }
        set { stateText = newValue.rawValue }
    }
}

/// What a parent says the absence is for: plain words, with the code it usually leads to (the office decides).
public enum AbsenceCategory: String, Sendable, CaseIterable, Codable {
    case illness, medical, religious, family, other

    public var title: String {
        switch self {
        case .illness: "Illness"
        case .medical: "Medical or dental appointment"
        case .religious: "Religious observance"
        case .family: "Family emergency"
        case .other: "Something else"
        }
    }

    /// The code the office is offered first when accepting.
    public var suggestedCode: AttendanceCode {
        switch self {
        case .illness: .i
        case .medical: .m
        case .religious: .r
        case .family, .other: .o
        }
    }
}

/// A request for leave of absence and, once decided, the decision. The request and grant are JSON of the core's
/// `LeaveRequest` and `LeaveGrant`; `findings` is what the decider was shown.
public final class LeaveRequestRow: Model, @unchecked Sendable {
    public static let schema = "leave_requests"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "pupil_id") public var pupilID: Int
    @OptionalField(key: "parent_id") public var parentID: Int?
    @Field(key: "requested_by") public var requestedBy: String
    @Field(key: "request") public var request: String
    /// `LeaveRequest.State`'s raw value; read and written through `state`.
    @Field(key: "state") public var stateText: String
    @Field(key: "created_at") public var createdAt: String
    @OptionalField(key: "grant") public var grant: String?
    @OptionalField(key: "refusal_reason") public var refusalReason: String?
    @OptionalField(key: "findings") public var findings: String?
    @OptionalField(key: "decided_at") public var decidedAt: String?
    @OptionalField(key: "decided_by") public var decidedBy: String?
    public init() {}
    /// The fields listed, not found by reflection (see `PupilRow.properties`).
    public var properties: [any AnyProperty] {
        [
            $id, $pupilID, $parentID, $requestedBy, $request, $stateText, $createdAt, $grant, $refusalReason, $findings, $decidedAt,
            $decidedBy,
        ]
    }

    public var leaveRequest: LeaveRequest? { try? JSONDecoder().decode(LeaveRequest.self, from: Data(request.utf8)) }
    public var leaveGrant: LeaveGrant? { grant.flatMap { try? JSONDecoder().decode(LeaveGrant.self, from: Data($0.utf8)) } }
    /// Only `State` raw values are ever written.
    public var state: LeaveRequest.State {
        get { LeaveRequest.State(rawValue: stateText) ?? .pending }
        set { stateText = newValue.rawValue }
    }
    /// The day of `decided_at` (a school-local date-time), nil while undecided.
    public var decidedOn: LocalDate? { decidedAt.flatMap { LocalDate(iso: String($0.prefix(10))) } }
    /// The decision as the evaluation reads it; nil while pending or withdrawn.
    public var decision: LeaveDecisionFacts? {
        guard state == .granted || state == .refused, let r = leaveRequest, let day = decidedOn else { return nil }
        return LeaveDecisionFacts(request: r, grant: state == .granted ? leaveGrant : nil, decidedOn: day)
    }
    public static func json<T: Encodable>(_ value: T) -> String {
        String(decoding: (try? JSONEncoder().encode(value)) ?? Data(), as: UTF8.self)
    }
}

/// A document sent with a leave request (a letter, an appointment card), kept with it.
public final class LeaveDocumentRow: Model, @unchecked Sendable {
    public static let schema = "leave_documents"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "request_id") public var requestID: Int
    @Field(key: "filename") public var filename: String
    @Field(key: "content_type") public var contentType: String
    @Field(key: "data") public var data: Data
    @Field(key: "uploaded_at") public var uploadedAt: String
    public init() {}
}

/// A one-time link in a message: whoever holds it may give the reason for one pupil's absence on one day, once,
/// before it expires. Only its hash is stored.
public final class ReplyLinkRow: Model, @unchecked Sendable {
    public static let schema = "reply_links"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "token_hash") public var tokenHash: String
    @Field(key: "pupil_id") public var pupilID: Int
    @Field(key: "date") public var date: String
    @Field(key: "contact_name") public var contactName: String
    @Field(key: "expires_at") public var expiresAt: String
    @OptionalField(key: "used_at") public var usedAt: String?
    public init() {}

    /// `date` as a day: only valid ISO dates are written.
    public var day: LocalDate { LocalDate(iso: date)! }
}

extension Store {
    // MARK: Parent accounts

    /// Creates or renews the invitation for `email` (an account not yet activated gets a new token).
    public func inviteParent(
        schoolID: Int, email: String, name: String, tokenHash: String, expiresAt: String,
        by actor: Actor, at now: String
    ) async throws -> ParentAccountRow {
        let email = email.lowercased()
        return try await write { db in
            let row =
                try await ParentAccountRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$email == email).first()
                ?? ParentAccountRow()
            row.schoolID = schoolID
            row.email = email
            row.name = name
            row.inviteTokenHash = tokenHash
            row.inviteExpiresAt = expiresAt
            row.invitedAt = now
            row.invitedBy = "\(actor.name), \(actor.position)"
            try await row.save(on: db)
            return row
        }
    }

    public func parent(id: Int) async throws -> ParentAccountRow? { try await ParentAccountRow.find(id, on: db) }

    public func parents(email: String) async throws -> [ParentAccountRow] {
        try await ParentAccountRow.query(on: db).filter(\.$email == email.lowercased()).all()
    }

    public func parents(schoolID: Int, emails: [String]) async throws -> [ParentAccountRow] {
        guard !emails.isEmpty else { return [] }
        return try await ParentAccountRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$email ~~ emails.map { $0.lowercased() })
            .all()
    }

    public func parent(inviteTokenHash: String) async throws -> ParentAccountRow? {
        try await ParentAccountRow.query(on: db).filter(\.$inviteTokenHash == inviteTokenHash).first()
    }

    /// Sets the password and spends the invitation.
    public func activateParent(id: Int, passwordHash: String, at now: String) async throws {
        try await write { db in
            guard let row = try await ParentAccountRow.find(id, on: db) else { throw StoreError.notFound("no parent account \(id)") }
            row.passwordHash = passwordHash
            row.inviteTokenHash = nil
            row.inviteExpiresAt = nil
            if row.activatedAt == nil { row.activatedAt = now }
            try await row.save(on: db)
        }
    }

    /// The pupils on roll on `day` for whom the account's email is a contact with parental responsibility.
    public func children(of parent: ParentAccountRow, on day: LocalDate) async throws -> [PupilRow] {
        let ids = try await sql.select().distinct().column(SQLColumn("pupil_id", table: "contacts")).from("contacts")
            .join("pupils", on: SQLColumn("pupil_id", table: "contacts"), .equal, SQLColumn("id", table: "pupils"))
            .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(parent.schoolID))
            .where(SQLFunction("lower", args: SQLColumn("email", table: "contacts")), .equal, SQLBind(parent.email))
            .where(SQLColumn("parental_responsibility", table: "contacts"), .equal, SQLLiteral.boolean(true))
            .all().map { try $0.decode(column: "pupil_id", as: Int.self) }
        guard !ids.isEmpty else { return [] }
        return try await PupilRow.query(on: db).filter(\.$id ~~ ids).sort(\.$yearGroup).sort(\.$legalForename).all()
            .filter { $0.enrolment.isOnRoll(day) || ($0.leavingDay ?? "") >= day.adding(days: -31).iso }
    }

    // MARK: Absence reports

    public func addAbsenceReport(_ row: AbsenceReportRow) async throws {
        try await write { try await row.create(on: $0) }
    }

    public func absenceReports(pupilID: Int) async throws -> [AbsenceReportRow] {
        try await AbsenceReportRow.query(on: db).filter(\.$pupilID == pupilID).sort(\.$from, .descending).sort(\.$id, .descending).all()
    }

    public func absenceReport(id: Int) async throws -> AbsenceReportRow? { try await AbsenceReportRow.find(id, on: db) }

    /// Reports still waiting for the office, oldest first, with their pupils.
    public func pendingAbsenceReports(schoolID: Int) async throws -> [(AbsenceReportRow, PupilRow)] {
        try await AbsenceReportRow.query(on: db).join(PupilRow.self, on: \AbsenceReportRow.$pupilID == \PupilRow.$id)
            .filter(PupilRow.self, \.$schoolID == schoolID).filter(\.$stateText == AbsenceReport.State.pending.rawValue).sort(\.$from).sort(
                \.$id
            ).all()
            .map { ($0, try $0.joined(PupilRow.self)) }
    }

    /// Reports (pending or accepted) covering `day` for these pupils: an absence they cover is not unexplained.
    public func absenceReports(pupilIDs: [Int], covering day: LocalDate) async throws -> [AbsenceReportRow] {
        var out: [AbsenceReportRow] = []
        for chunk in pupilIDs.chunks(of: 500) {
            out += try await AbsenceReportRow.query(on: db).filter(\.$pupilID ~~ Array(chunk)).filter(\.$from <= day.iso)
                .filter(\.$to >= day.iso).filter(\.$stateText != AbsenceReport.State.declined.rawValue).all()
        }
        return out
    }

    /// Records the office's decision on a pending report; false when it was no longer pending.
    public func decideAbsenceReport(id: Int, state: AbsenceReport.State, code: String?, note: String?, by actor: Actor, at now: String)
        async throws -> Bool
    {
        try await write { db in
            guard let row = try await AbsenceReportRow.find(id, on: db), row.state == .pending else { return false }
            row.state = state
            row.code = code
            row.decisionNote = note
            row.decidedAt = now
            row.decidedBy = "\(actor.name), \(actor.position)"
            try await row.save(on: db)
            return true
        }
    }

    // MARK: Leave requests

    /// Saves a request and its documents together.
    public func addLeaveRequest(_ row: LeaveRequestRow, documents: [LeaveDocumentRow]) async throws {
        try await write { db in
            try await row.create(on: db)
            for d in documents {
                d.requestID = row.id!
                try await d.create(on: db)
            }
        }
    }

    public func leaveRequest(id: Int) async throws -> LeaveRequestRow? { try await LeaveRequestRow.find(id, on: db) }

    public func leaveRequests(pupilID: Int) async throws -> [LeaveRequestRow] {
        try await LeaveRequestRow.query(on: db).filter(\.$pupilID == pupilID).sort(\.$id, .descending).all()
    }

    /// Leave requests of some pupils, or of every pupil of the school.
    public func leaveRequests(pupilIDs: [Int]?, schoolID: Int) async throws -> [LeaveRequestRow] {
        guard let pupilIDs else {
            return try await LeaveRequestRow.query(on: db).join(PupilRow.self, on: \LeaveRequestRow.$pupilID == \PupilRow.$id)
                .filter(PupilRow.self, \.$schoolID == schoolID).sort(\.$id).all()
        }
        var out: [LeaveRequestRow] = []
        for chunk in pupilIDs.chunks(of: 500) {
            out += try await LeaveRequestRow.query(on: db).filter(\.$pupilID ~~ Array(chunk)).sort(\.$id).all()
        }
        return out
    }

    /// A school's requests with their pupils: pending first (oldest first), then decided (newest first).
    public func leaveRequests(schoolID: Int) async throws -> [(LeaveRequestRow, PupilRow)] {
        let rows = try await LeaveRequestRow.query(on: db).join(PupilRow.self, on: \LeaveRequestRow.$pupilID == \PupilRow.$id)
            .filter(PupilRow.self, \.$schoolID == schoolID).sort(\.$id).all().map { ($0, try $0.joined(PupilRow.self)) }
        return rows.filter { $0.0.state == .pending } + rows.filter { $0.0.state != .pending }.reversed()
    }

    public func leaveDocuments(requestID: Int) async throws -> [LeaveDocumentRow] {
        try await LeaveDocumentRow.query(on: db).filter(\.$requestID == requestID).sort(\.$id).all()
    }

    public func leaveDocument(id: Int) async throws -> LeaveDocumentRow? { try await LeaveDocumentRow.find(id, on: db) }

    /// Records a decision, the marks it sets and its timeline entry in one transaction; false when the request was
    /// no longer pending (decided elsewhere meanwhile).
    public func decideLeave(
        id: Int, state: LeaveRequest.State, grant: String?, refusalReason: String?, findings: String, marks: [MarkWrite],
        casework: CaseworkRow, by actor: Actor, at now: String
    ) async throws -> Bool {
        try await write { db in
            guard let row = try await LeaveRequestRow.find(id, on: db), row.state == .pending else { return false }
            row.state = state
            row.grant = grant
            row.refusalReason = refusalReason
            row.findings = findings
            row.decidedAt = now
            row.decidedBy = "\(actor.name), \(actor.position)"
            try await row.save(on: db)
            if !marks.isEmpty {
                _ = try await Store.record(marks.map(Entry.init), in: .sessions, by: actor, at: now, on: db)
            }
            try await casework.create(on: db)
            return true
        }
    }

    /// The head's choice of staff who may decide leave (besides the head).
    public func setLeaveDeciders(schoolID: Int, staffIDs: Set<Int>) async throws {
        try await write { db in
            for s in try await StaffRow.query(on: db).filter(\.$schoolID == schoolID).all() where s.decidesLeave != staffIDs.contains(s.id!)
            {
                s.decidesLeave = staffIDs.contains(s.id!)
                try await s.save(on: db)
            }
        }
    }

    // MARK: Reply links

    public func addReplyLink(_ row: ReplyLinkRow) async throws {
        try await write { try await row.create(on: $0) }
    }

    public func replyLink(tokenHash: String) async throws -> ReplyLinkRow? {
        try await ReplyLinkRow.query(on: db).filter(\.$tokenHash == tokenHash).first()
    }

    /// Spends a link and files the report it carried, together; false when it was already used.
    public func redeemReplyLink(id: Int, report: AbsenceReportRow, at now: String) async throws -> Bool {
        try await write { db in
            guard let link = try await ReplyLinkRow.find(id, on: db), link.usedAt == nil else { return false }
            link.usedAt = now
            try await link.save(on: db)
            try await report.create(on: db)
            return true
        }
    }
}
