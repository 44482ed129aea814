import FluentKit
import Foundation
import RollbookCore
import SQLKit

/// One message to a parent or carer (or to the LA, a social worker): every email and SMS Rollbook sends goes through here, queued first, then
/// delivered by the outbox worker with retries. Times are UTC `YYYY-MM-DDTHH:MM:SSZ`, so they compare as text.
public final class OutboxRow: Model, @unchecked Sendable {
    public static let schema = "outbox"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    @OptionalField(key: "pupil_id") public var pupilID: Int?
    /// The timeline entry the message belongs to (a letter, a leave decision), if any.
    @OptionalField(key: "casework_id") public var caseworkID: Int?
    /// A `MessageTemplate`.
    @Field(key: "template") public var template: String
    /// `email` or `sms`.
    @Field(key: "channel") public var channel: String
    @Field(key: "recipient") public var recipient: String
    @Field(key: "recipient_name") public var recipientName: String
    /// For messages to a pupil's contacts: the contact's priority on the admission register.
    @OptionalField(key: "contact_priority") public var contactPriority: Int?
    @Field(key: "subject") public var subject: String
    @Field(key: "body") public var body: String
    /// For letters: the HTML part sent with the plain-text body (both from the same letter).
    @OptionalField(key: "html") public var html: String?
    /// At most one message per key, ever (e.g. one day-1 message per pupil, day and channel).
    @OptionalField(key: "dedupe_key") public var dedupeKey: String?
    /// What the message is about, e.g. `absence:2026-11-25` (`absenceAbout`) or `leave:12`.
    @OptionalField(key: "about") public var about: String?
    /// `about` for a message about the absence on `day`.
    public static func absenceAbout(_ day: LocalDate) -> String { "absence:\(day.iso)" }
    /// The day of a message about an absence, nil for any other.
    public var absenceDay: LocalDate? {
        about.flatMap { $0.hasPrefix("absence:") ? LocalDate(iso: String($0.dropFirst("absence:".count))) : nil }
    }
    /// An `OutboxState`'s raw value; read it as `status`.
    @Field(key: "state") public var state: String
    /// Only `OutboxState` raw values are written.
    public var status: OutboxState { OutboxState(rawValue: state) ?? .queued }
    @Field(key: "attempts") public var attempts: Int
    @Field(key: "next_attempt_at") public var nextAttemptAt: String
    @OptionalField(key: "last_error") public var lastError: String?
    @OptionalField(key: "provider_id") public var providerID: String?
    @Field(key: "created_at") public var createdAt: String
    @Field(key: "updated_at") public var updatedAt: String
    public init() {}

    public init(
        schoolID: Int, pupilID: Int?, caseworkID: Int? = nil, template: MessageTemplate, channel: String, recipient: String,
        recipientName: String, contactPriority: Int? = nil, subject: String, body: String, html: String? = nil, dedupeKey: String?,
        about: String?, at now: Date
    ) {
        self.schoolID = schoolID
        self.pupilID = pupilID
        self.caseworkID = caseworkID
        self.template = template.rawValue
        self.channel = channel
        self.recipient = recipient
        self.recipientName = recipientName
        self.contactPriority = contactPriority
        self.subject = subject
        self.body = body
        self.html = html
        self.dedupeKey = dedupeKey
        self.about = about
        state = OutboxState.queued.rawValue
        attempts = 0
        nextAttemptAt = OutboxTime.string(now)
        createdAt = nextAttemptAt
        updatedAt = nextAttemptAt
    }

    public var outboxState: OutboxState { OutboxState(rawValue: state) ?? .queued }
}

public enum OutboxState: String, Sendable, CaseIterable {
    /// Waiting for its next attempt.
    case queued
    /// Claimed by a worker, being sent now.
    case sending
    /// Accepted by the mail server or Notify.
    case sent
    /// Notify reports it delivered to the phone or inbox.
    case delivered
    /// Given up: a permanent refusal, or every retry used.
    case failed
    /// Not sent because it was no longer needed (the absence was explained before it went).
    case cancelled
}

/// The messages Rollbook sends.
public enum MessageTemplate: String, Sendable, CaseIterable, Codable {
    case dayOneAbsence = "day_one_absence"
    case lateArrival = "late_arrival"
    case absenceReportReceived = "absence_report_received"
    case leaveDecision = "leave_decision"
    case letter
    case meetingInvitation = "meeting_invitation"
    case portalInvitation = "portal_invitation"
    /// To the LA: a new pupil or a deletion (`LANotice`).
    case laNotice = "la_notice"
    /// To a pupil's social worker or youth offending team worker: a deletion from the roll.
    case deletionNotice = "deletion_notice"
    /// To the head and the parents, as the policy says: the pupil left the site without permission.
    case truancyNotice = "truancy_notice"
    /// To the staff the policy names: an absence flagged as possibly bullying-related.
    case bullyingConcern = "bullying_concern"
    /// To staff, on the policy's schedule: an attendance summary or the link to a spreadsheet (`reports`).
    case attendanceReport = "attendance_report"
    /// To a pupil: their attendance tracker account (seed 000 §3.2).
    case pupilInvitation = "pupil_invitation"
    /// To the parents: a postcard for 100% or improved attendance over a period (seed 004).
    case postcard
    /// To parents: the policy in parents' words, at the start of the year and when a child starts (seed 003).
    case policySummary = "policy_summary"
    /// To the parents, then the emergency contacts: a pupil missing from the site after the policy's minutes (seed 004).
    case missingFromSite = "missing_from_site"
    /// To the staff linked to a pupil missing from the site: social worker, DSL, SENCO (seed 004).
    case missingFromSiteStaff = "missing_from_site_staff"
    /// To parents: lunchtime leave lapsed at the end of term; do they want it to continue (seed 004)?
    case lunchtimeLeaveRenewal = "lunchtime_leave_renewal"

    public var title: String {
        switch self {
        case .dayOneAbsence: "Absence today, no reason yet"
        case .lateArrival: "Late arrival"
        case .absenceReportReceived: "Absence report answered"
        case .leaveDecision: "Leave decision"
        case .letter: "Letter"
        case .meetingInvitation: "Meeting invitation"
        case .portalInvitation: "Parent portal invitation"
        case .laNotice: "Notice to the LA"
        case .deletionNotice: "Deletion from the roll"
        case .truancyNotice: "Truancy"
        case .bullyingConcern: "Absence possibly bullying-related"
        case .attendanceReport: "Attendance report to staff"
        case .pupilInvitation: "Attendance tracker invitation"
        case .postcard: "Postcard"
        case .policySummary: "Attendance policy summary"
        case .missingFromSite: "Missing from site (parents)"
        case .missingFromSiteStaff: "Missing from site (linked staff)"
        case .lunchtimeLeaveRenewal: "Lunchtime leave renewal"
        }
    }
}

public enum OutboxTime {
    public static func string(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }
}

extension Store {
    /// Queues messages; one whose `dedupe_key` was ever queued before is left out. Returns those queued.
    @discardableResult
    public func enqueue(_ rows: [OutboxRow]) async throws -> [OutboxRow] {
        guard !rows.isEmpty else { return [] }
        return try await write { db in
            var queued: [OutboxRow] = []
            for r in rows {
                if let key = r.dedupeKey, try await OutboxRow.query(on: db).filter(\.$dedupeKey == key).count() > 0 { continue }
                try await r.create(on: db)
                queued.append(r)
            }
            return queued
        }
    }

    public func dedupeKeysTaken(_ keys: [String]) async throws -> Set<String> {
        var taken = Set<String>()
        for chunk in keys.chunks(of: 500) {
            taken.formUnion(try await OutboxRow.query(on: db).filter(\.$dedupeKey ~~ Array(chunk)).all().compactMap(\.dedupeKey))
        }
        return taken
    }

    /// Claims up to `limit` messages due by `now` for sending: each goes to exactly one worker across every instance
    /// (a conditional update from `queued` to `sending`). A message left `sending` for 10 minutes (a worker that
    /// died mid-send) is claimable again.
    public func claimDueMessages(now: Date, limit: Int = 50) async throws -> [OutboxRow] {
        let nowText = OutboxTime.string(now)
        let stale = OutboxTime.string(now.addingTimeInterval(-600))
        let candidates = try await OutboxRow.query(on: db).group(.or) { g in
            g.group(.and) { $0.filter(\.$state == OutboxState.queued.rawValue).filter(\.$nextAttemptAt <= nowText) }
            g.group(.and) { $0.filter(\.$state == OutboxState.sending.rawValue).filter(\.$updatedAt <= stale) }
        }.sort(\.$nextAttemptAt).sort(\.$id).limit(limit).all()
        guard !candidates.isEmpty else { return [] }
        let keys = candidates.map { (id: $0.id!, state: $0.state, updatedAt: $0.updatedAt) }
        // Through the write gate, like every other write: a claim must not collide with a register being saved.
        let won: Set<Int> = try await write { db in
            var won: Set<Int> = []
            for k in keys {
                let rows = try await (db as! any SQLDatabase).update(OutboxRow.schema)
                    .set("state", to: SQLBind(OutboxState.sending.rawValue)).set("updated_at", to: SQLBind(nowText))
                    .where("id", .equal, SQLBind(k.id)).where("state", .equal, SQLBind(k.state))
                    .where("updated_at", .equal, SQLBind(k.updatedAt)).returning("id").all()
                if !rows.isEmpty { won.insert(k.id) }
            }
            return won
        }
        return candidates.filter { won.contains($0.id!) }.map {
            $0.state = OutboxState.sending.rawValue
            $0.updatedAt = nowText
            return $0
        }
    }

    /// Records an attempt's outcome.
    public func finishAttempt(id: Int, state: OutboxState, error: String?, providerID: String?, nextAttempt: Date?, at now: Date)
        async throws
    {
        try await write { db in
            guard let row = try await OutboxRow.find(id, on: db) else { return }
            row.state = state.rawValue
            if state != .delivered && state != .cancelled { row.attempts += 1 }
            row.lastError = error
            if let providerID { row.providerID = providerID }
            if let nextAttempt { row.nextAttemptAt = OutboxTime.string(nextAttempt) }
            row.updatedAt = OutboxTime.string(now)
            try await row.save(on: db)
        }
    }

    /// A school's messages, newest first, optionally only one state or one pupil.
    public func outbox(schoolID: Int, state: OutboxState? = nil, pupilID: Int? = nil, limit: Int = 200) async throws -> [OutboxRow] {
        var q = OutboxRow.query(on: db).filter(\.$schoolID == schoolID)
        if let state { q = q.filter(\.$state == state.rawValue) }
        if let pupilID { q = q.filter(\.$pupilID == pupilID) }
        return try await q.sort(\.$id, .descending).limit(limit).all()
    }

    /// Messages Notify accepted since `since` and has not yet reported on, oldest first. Older ones stay `sent`:
    /// Notify gives no further receipt for some (international texts), so asking stops.
    public func awaitingDeliveryReport(since: Date, limit: Int = 100) async throws -> [OutboxRow] {
        try await OutboxRow.query(on: db).filter(\.$state == OutboxState.sent.rawValue).filter(\.$providerID != nil)
            .filter(\.$updatedAt >= OutboxTime.string(since)).sort(\.$id).limit(limit).all()
    }

    public func outboxCounts(schoolID: Int) async throws -> [OutboxState: Int] {
        let rows = try await sql.select().column("state").column(SQLFunction("count", args: SQLLiteral.all), as: "n").from(OutboxRow.schema)
            .where("school_id", .equal, SQLBind(schoolID)).groupBy("state").all()
        var out: [OutboxState: Int] = [:]
        for r in rows {
            if let s = OutboxState(rawValue: try r.decode(column: "state", as: String.self)) {
                out[s] = try r.decode(column: "n", as: Int.self)
            }
        }
        return out
    }
}

extension Store {
    /// Pupils of a school (or of `pupilIDs`) whose mark for the session is N (absent, no reason yet).
    public func noReasonPupils(schoolID: Int, date: LocalDate, session: Session, pupilIDs: [Int]? = nil) async throws -> [Int] {
        var q = sql.select().column(SQLColumn("pupil_id", table: "marks")).from(MarkRow.schema)
            .join(PupilRow.schema, on: SQLColumn("pupil_id", table: "marks"), .equal, SQLColumn("id", table: "pupils"))
            .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(schoolID))
            .where(SQLColumn("code", table: "marks"), .equal, SQLBind(AttendanceCode.n.symbol))
            .where(SQLColumn("date", table: "marks"), .equal, SQLBind(date.iso))
            .where(SQLColumn("session", table: "marks"), .equal, SQLBind(session.rawValue))
        if let pupilIDs { q = q.where(SQLColumn("pupil_id", table: "marks"), .in, SQLBind.group(pupilIDs)) }
        return try await q.all().map { try $0.decode(column: "pupil_id", as: Int.self) }
    }

    public func parentAccounts(schoolID: Int) async throws -> [ParentAccountRow] {
        try await ParentAccountRow.query(on: db).filter(\.$schoolID == schoolID).sort(\.$id).all()
    }
}
