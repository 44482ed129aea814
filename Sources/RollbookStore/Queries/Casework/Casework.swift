import FluentKit
import Foundation
import RollbookCore
import SQLKit

/// One version of a school's policy, as the file the attendance lead imported.
public final class PolicyVersionRow: Model, @unchecked Sendable {
    public static let schema = "policy_versions"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    @Field(key: "effective_from") public var effectiveFrom: String
    @Field(key: "name") public var name: String
    /// The policy file (JSON), exactly as saved.
    @Field(key: "document") public var document: String
    @Field(key: "saved_at") public var savedAt: String
    @Field(key: "saved_by") public var savedBy: String
    public init() {}
    /// The fields listed, not found by reflection (see `PupilRow.properties`).
    public var properties: [any AnyProperty] { [$id, $schoolID, $effectiveFrom, $name, $document, $savedAt, $savedBy] }

    public var policy: Policy? { try? PolicyVersionRow.decodedDocuments.value(document) { try PolicyFile.decode(Data($0.utf8)) } }

    private static let decodedDocuments = DecodedDocuments<Policy>()
}

/// An entry on a pupil's casework timeline: what staff did (a letter sent, a call and its outcome, a meeting, a
/// contract, a notice...) or decided about a proposed action (dismissed, with the reason).
public final class CaseworkRow: Model, @unchecked Sendable {
    public static let schema = "casework"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "pupil_id") public var pupilID: Int
    /// A `CaseworkKind`.
    @Field(key: "kind") public var kind: String
    /// The proposed action this entry completes or dismisses, if any (`DueAction.key`).
    @OptionalField(key: "action_key") public var actionKey: String?
    /// For stage entries: the policy stage entered.
    @OptionalField(key: "stage_id") public var stageID: String?
    @Field(key: "happened_on") public var happenedOn: String
    @Field(key: "summary") public var summary: String
    @OptionalField(key: "outcome") public var outcome: String?
    /// For notices: the parent it was issued to, as named on the admission register.
    @OptionalField(key: "parent") public var parent: String?
    /// A letter exactly as sent (HTML), or other record.
    @OptionalField(key: "document") public var document: String?
    /// A number the entry records: an agreed target (a fraction), the attendance rate on entering a stage.
    @OptionalField(key: "figure") public var figure: Double?
    /// The sessions the entry is about, e.g. an evidence request's: `CaseworkRow.sessionText`.
    @OptionalField(key: "sessions") public var sessions: String?
    @Field(key: "recorded_at") public var recordedAt: String
    @Field(key: "by_name") public var byName: String
    @Field(key: "by_position") public var byPosition: String
    public init() {}
    /// The fields listed, not found by reflection (see `PupilRow.properties`).
    public var properties: [any AnyProperty] {
        [
            $id, $pupilID, $kind, $actionKey, $stageID, $happenedOn, $summary, $outcome, $parent, $document, $figure, $sessions,
            $recordedAt, $byName, $byPosition,
        ]
    }
    public init(
        pupilID: Int, kind: CaseworkKind, actionKey: String?, stageID: String? = nil, happenedOn: LocalDate, summary: String,
        outcome: String? = nil, parent: String? = nil, document: String? = nil, figure: Double? = nil,
        sessions: [(LocalDate, Session)] = [], recordedAt: String, by actor: Actor
    ) {
        self.pupilID = pupilID
        self.kind = kind.rawValue
        self.actionKey = actionKey
        self.stageID = stageID
        self.happenedOn = happenedOn.iso
        self.summary = summary
        self.outcome = outcome
        self.parent = parent
        self.document = document
        self.figure = figure
        self.sessions = sessions.isEmpty ? nil : Self.sessionText(sessions)
        self.recordedAt = recordedAt
        self.byName = actor.name
        self.byPosition = actor.position
    }
    public var caseworkKind: CaseworkKind? { CaseworkKind(rawValue: kind) }

    /// Sessions as stored: `2025-11-03 am,2025-11-03 pm`.
    public static func sessionText(_ sessions: [(LocalDate, Session)]) -> String {
        sessions.map { "\($0.0.iso) \($0.1.rawValue)" }.joined(separator: ",")
    }

    /// The sessions the entry is about, in the order stored; entries that do not parse are skipped.
    public var sessionList: [(date: LocalDate, session: Session)] {
        (sessions ?? "").split(separator: ",").compactMap { item in
            let parts = item.split(separator: " ")
            guard parts.count == 2, let d = LocalDate(iso: String(parts[0])), let s = Session(rawValue: String(parts[1])) else {
                return nil
            }
            return (d, s)
        }
    }
}

/// Casework entries gain a figure (an agreed target, the rate on entering a stage) and the sessions they are about
/// (an evidence request, evidence received, a truancy); entries are read by kind for the evaluation and the analytics.
struct M017CaseworkFiguresAndSessions: AsyncMigration {
    var name: String { "M017CaseworkFiguresAndSessions" }

    func prepare(on db: any Database) async throws {
        // One column a statement: SQLite adds one at a time.
        try await db.schema("casework").field("figure", .double).update()
        try await db.schema("casework").field("sessions", .string).update()
        try await (db as! any SQLDatabase).create(index: "casework_kind").on("casework").column("kind").column("happened_on").run()
    }

    func revert(on db: any Database) async throws {
        try await (db as! any SQLDatabase).drop(index: "casework_kind").run()
        try await db.schema("casework").deleteField("sessions").update()
        try await db.schema("casework").deleteField("figure").update()
    }
}

/// What a casework entry records.
public enum CaseworkKind: String, Sendable, Codable, CaseIterable {
    case letterSent = "letter_sent"
    case call
    case meeting
    case earlyHelpPlan = "early_help_plan"
    case attendanceContract = "attendance_contract"
    case partTimeTimetable = "part_time_timetable"
    case noticeToImprove = "notice_to_improve"
    case penaltyNotice = "penalty_notice"
    case penaltyNoticePaidEarly = "penalty_notice_paid_early"
    case referral
    case educationSupervisionOrder = "education_supervision_order"
    case stageEntered = "stage_entered"
    case stageEnded = "stage_ended"
    case familyContact = "family_contact"
    case leaveEnded = "leave_ended"
    case leaveDecision = "leave_decision"
    case informed
    case dismissed
    case note
    /// A late arrival (L or U) with the reason given and any sanction the policy sets.
    case lateArrival = "late_arrival"
    /// The pupil left the site without permission, or missed a lesson while present at registration.
    case truancy
    /// An improvement target agreed at a meeting (`figure`, a fraction) for the stage the pupil is in.
    case targetAgreed = "target_agreed"
    /// A plan with recurring reviews: an individual attendance plan (seed 003), weekly check-ins (seed 004).
    case individualAttendancePlan = "individual_attendance_plan"
    /// A plan (education supervision order, contract, early-help plan, attendance plan) closed: `outcome` is its kind.
    case planEnded = "plan_ended"
    case latenessRungEntered = "lateness_rung_entered"
    case latenessRungEnded = "lateness_rung_ended"
    /// Evidence asked of the family for `sessions`, by a rule or by hand.
    case evidenceRequested = "evidence_requested"
    /// Evidence received for `sessions` (from the family's upload or recorded by staff).
    case evidenceReceived = "evidence_received"
    /// A suspension or permanent exclusion: `outcome` is its kind, `figure` a suspension's school days.
    case exclusion
    /// Full-time alternative provision arranged for an excluded pupil.
    case alternativeProvision = "alternative_provision"
    /// A barrier to attendance: `outcome` is its `Barrier` category; `sessions` an absence it may explain.
    case barrier
    /// A home visit by staff or the education welfare officer, with its outcome.
    case homeVisit = "home_visit"
    /// Safeguarding flags changed on the admission register (Traveller family, vulnerable in other ways).
    case safeguardingFlags = "safeguarding_flags"
    /// A contact tried and not reached (no answer, wrong number): `figure` is the contact's priority, `parent` its name.
    case contactFailed = "contact_failed"
    /// A postcard to the family: 100% or improved attendance over a period (seed 004); `document` is what was sent.
    case postcardSent = "postcard_sent"
    /// A parenting order made by a court (its details in `parenting_orders`): `parent` is the parent it was made against.
    case parentingOrder = "parenting_order"
    /// A plan of support for a pupil with SEND or health needs (seed 004): `summary` lists the reasonable adjustments.
    case sendHealthPlan = "send_health_plan"
    /// A pupil missing from the site, found (seed 004): `summary` is the written report, `outcome` what came of it.
    case missingFromSite = "missing_from_site"
    /// Not collected at the end of the day by the policy's final time: social services contacted (seed 003).
    case notCollected = "not_collected"
    /// An "in school, not in lesson" alert resolved: `outcome` is the `NotInLessonResolution`. The ladder counts the
    /// alert itself (`alertTruancies`), not this entry.
    case lessonAlertResolved = "lesson_alert_resolved"

    public var title: String {
        switch self {
        case .letterSent: "Letter sent"
        case .call: "Call made"
        case .meeting: "Meeting held"
        case .earlyHelpPlan: "Early-help plan"
        case .attendanceContract: "Attendance contract"
        case .partTimeTimetable: "Part-time timetable"
        case .noticeToImprove: "Notice to Improve issued"
        case .penaltyNotice: "Penalty notice requested"
        case .penaltyNoticePaidEarly: "Penalty notice paid within 21 days"
        case .referral: "Referral (LA or social care)"
        case .educationSupervisionOrder: "Education supervision order"
        case .stageEntered: "Stage entered"
        case .stageEnded: "Stage ended"
        case .familyContact: "Contact with the family"
        case .leaveEnded: "Agreed leave ended"
        case .leaveDecision: "Leave of absence decided"
        case .informed: "Informed (LA or social worker)"
        case .dismissed: "Proposed action dismissed"
        case .note: "Note"
        case .lateArrival: "Late arrival"
        case .truancy: "Truancy"
        case .targetAgreed: "Improvement target agreed"
        case .individualAttendancePlan: "Individual attendance plan"
        case .planEnded: "Plan ended"
        case .latenessRungEntered: "Lateness step entered"
        case .latenessRungEnded: "Lateness step ended"
        case .evidenceRequested: "Evidence requested"
        case .evidenceReceived: "Evidence received"
        case .exclusion: "Suspension or permanent exclusion"
        case .alternativeProvision: "Alternative provision arranged"
        case .barrier: "Barrier to attendance"
        case .homeVisit: "Home visit"
        case .safeguardingFlags: "Safeguarding flags changed"
        case .contactFailed: "Contact not reached"
        case .postcardSent: "Postcard sent"
        case .parentingOrder: "Parenting order (made by the court)"
        case .sendHealthPlan: "SEND or health support plan (list the reasonable adjustments)"
        case .missingFromSite: "Missing from site (report)"
        case .notCollected: "Not collected: social services contacted"
        case .lessonAlertResolved: "In school, not in lesson"
        }
    }
}

extension Store {
    // MARK: Policy versions

    /// Saves a new policy version; versions are never changed, a later one replaces an earlier one from its date.
    public func savePolicy(schoolID: Int, _ policy: Policy, document: String, by actor: Actor, at now: String) async throws
        -> PolicyVersionRow
    {
        let row = PolicyVersionRow()
        row.schoolID = schoolID
        row.effectiveFrom = policy.effectiveFrom.iso
        row.name = policy.name
        row.document = document
        row.savedAt = now
        row.savedBy = "\(actor.name), \(actor.position)"
        try await write { db in
            let clash = try await PolicyVersionRow.query(on: db).filter(\.$schoolID == schoolID).filter(
                \.$effectiveFrom == policy.effectiveFrom.iso
            ).count()
            guard clash == 0 else {
                throw StoreError.invalid(
                    ValidationError(
                        field: "effective_from",
                        reason: "a version from \(policy.effectiveFrom) exists; a new version takes effect on a later day"))
            }
            try await row.create(on: db)
        }
        return row
    }

    public func policyVersions(schoolID: Int) async throws -> [PolicyVersionRow] {
        try await PolicyVersionRow.query(on: db).filter(\.$schoolID == schoolID).sort(\.$effectiveFrom, .descending).all()
    }

    /// The policy in force on `day`: the latest version from on or before it, else Rollbook's standard policy
    /// with the school's own register times and target.
    public func policy(schoolID: Int, on day: LocalDate) async throws -> Policy {
        if let row = try await PolicyVersionRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$effectiveFrom <= day.iso)
            .sort(\.$effectiveFrom, .descending).first(), let p = row.policy
        {
            return p
        }
        let school = try await school(schoolID)
        var p = Policy.standard()
        p.register = school.registerTimes
        if let t = school.attendanceTarget { p.attendanceTarget = t }
        return p
    }

    // MARK: Casework

    public func addCasework(_ row: CaseworkRow) async throws {
        try await write { try await row.create(on: $0) }
    }

    /// Which of `keys` some casework entry already records (`action_key`).
    public func caseworkKeysTaken(_ keys: [String]) async throws -> Set<String> {
        var taken = Set<String>()
        for chunk in keys.chunks(of: 500) {
            taken.formUnion(try await CaseworkRow.query(on: db).filter(\.$actionKey ~~ Array(chunk)).all().compactMap(\.actionKey))
        }
        return taken
    }

    /// The late arrivals the late book and registers recorded in `range` for a school's pupils: each pupil's UPN and the
    /// reason given (nil when none was asked or given).
    public func lateArrivalReasons(schoolID: Int, range: DateRange) async throws -> [(upn: String, reason: String?)] {
        try await sql.select().column(SQLColumn("upn", table: "pupils")).column(SQLColumn("outcome", table: "casework"))
            .from("casework").join("pupils", on: SQLColumn("id", table: "pupils"), .equal, SQLColumn("pupil_id", table: "casework"))
            .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(schoolID))
            .where(SQLColumn("kind", table: "casework"), .equal, SQLBind(CaseworkKind.lateArrival.rawValue))
            .where(SQLColumn("happened_on", table: "casework"), .greaterThanOrEqual, SQLBind(range.from.iso))
            .where(SQLColumn("happened_on", table: "casework"), .lessThanOrEqual, SQLBind(range.to.iso))
            .all().map { (try $0.decode(column: "upn", as: String.self), try $0.decode(column: "outcome", as: String?.self)) }
    }

    /// A pupil's timeline, newest first.
    public func casework(pupilID: Int) async throws -> [CaseworkRow] {
        try await CaseworkRow.query(on: db).filter(\.$pupilID == pupilID).sort(\.$happenedOn, .descending).sort(\.$id, .descending).all()
    }

    /// Every casework entry of a school's pupils, oldest first (for the daily evaluation), without the late arrivals,
    /// which no rule reads and which are many.
    public func casework(schoolID: Int) async throws -> [CaseworkRow] {
        try await CaseworkRow.query(on: db).join(PupilRow.self, on: \CaseworkRow.$pupilID == \PupilRow.$id)
            .filter(PupilRow.self, \.$schoolID == schoolID).filter(\.$kind != CaseworkKind.lateArrival.rawValue)
            .sort(\.$happenedOn).sort(\.$id).all()
    }

    // MARK: Jobs

    /// Claims today's run of a daily job: true for exactly one caller across every instance sharing the database.
    public func claimJob(schoolID: Int, job: String, day: LocalDate, at now: String) async throws -> Bool {
        do {
            try await write { db in
                try await (db as! any SQLDatabase).insert(into: "job_runs").columns("school_id", "job", "day", "started_at")
                    .values(SQLBind(schoolID), SQLBind(job), SQLBind(day.iso), SQLBind(now)).run()
            }
            return true
        } catch {
            // The unique key (school, job, day) refused a second claim.
            if try await sql.select().column("id").from("job_runs").where("school_id", .equal, SQLBind(schoolID))
                .where("job", .equal, SQLBind(job)).where("day", .equal, SQLBind(day.iso)).first() != nil
            {
                return false
            }
            throw error
        }
    }

    public func finishJob(schoolID: Int, job: String, day: LocalDate, summary: String) async throws {
        try await write { db in
            try await (db as! any SQLDatabase).update("job_runs").set("summary", to: SQLBind(summary))
                .where("school_id", .equal, SQLBind(schoolID)).where("job", .equal, SQLBind(job)).where("day", .equal, SQLBind(day.iso))
                .run()
        }
    }
}
