import FluentKit
import Foundation
import RollbookCore
import SQLKit

extension DueAction {
    /// Stable JSON, as `rollbook evaluate` and the API give it: one object per action in worklist order, keys sorted, snake_case.
    public static func json(_ actions: [DueAction]) -> Data {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? e.encode(actions)) ?? Data("[]".utf8)
    }
}

extension Casework {
    /// What a pupil's timeline (oldest first) means for the evaluation: the stage they are in, contact with the
    /// family, agreed leave, notices issued, and the proposed actions already completed or dismissed.
    public init(timeline rows: [CaseworkRow]) {
        self.init()
        for r in rows {
            guard let kind = r.caseworkKind, let day = LocalDate(iso: r.happenedOn) else { continue }
            if let key = r.actionKey { done.insert(key) }
            switch kind {
            case .stageEntered:
                if let current = stage { stageHistory.append(StageState(stage: current.stage, entered: current.entered, left: day)) }
                if let id = r.stageID { stage = StageState(stage: id, entered: day) }
            case .stageEnded:
                if let current = stage { stageHistory.append(StageState(stage: current.stage, entered: current.entered, left: day)) }
                stage = nil
            case .familyContact, .meeting:
                // A call made is not contact unless it was answered: staff record that as contact with the family.
                lastFamilyContact = max(lastFamilyContact ?? day, day)
            case .leaveEnded:
                leaveEnded = max(leaveEnded ?? day, day)
            case .noticeToImprove, .penaltyNotice:
                notices.append(NoticeRecord(parent: r.parent ?? "", kind: kind == .penaltyNotice ? .penaltyNotice : .noticeToImprove, issued: day))
            case .penaltyNoticePaidEarly:
                if let i = notices.lastIndex(where: { $0.kind == .penaltyNotice && $0.parent == (r.parent ?? "") }) { notices[i].paidWithin21Days = true }
            default:
                break
            }
        }
    }
}

extension Store {
    /// Every contact of a school's pupils (or of some), in priority order; read with SQLKit, as the evaluation reads every pupil's.
    public func contacts(schoolID: Int, pupilIDs: [Int]? = nil) async throws -> [Int: [Contact]] {
        var q = sql.select().columns(SQLColumn("pupil_id", table: "contacts"), SQLColumn("priority", table: "contacts"), SQLColumn("name", table: "contacts"),
                                     SQLColumn("relationship", table: "contacts"), SQLColumn("parental_responsibility", table: "contacts"),
                                     SQLColumn("lives_with", table: "contacts"), SQLColumn("phone", table: "contacts"), SQLColumn("email", table: "contacts"))
            .from("contacts").join("pupils", on: SQLColumn("id", table: "pupils"), .equal, SQLColumn("pupil_id", table: "contacts"))
            .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(schoolID))
        if let ids = pupilIDs {
            guard !ids.isEmpty else { return [:] }
            q = q.where(SQLColumn("pupil_id", table: "contacts"), .in, SQLBind.group(ids))
        }
        var out: [Int: [Contact]] = [:]
        for r in try await q.orderBy(SQLColumn("priority", table: "contacts")).all() {
            out[try r.decode(column: "pupil_id", as: Int.self), default: []].append(Contact(
                priority: try r.decode(column: "priority", as: Int.self), name: try r.decode(column: "name", as: String.self),
                relationship: try r.decode(column: "relationship", as: String.self),
                parentalResponsibility: try r.decode(column: "parental_responsibility", as: Bool.self),
                livesWith: try r.decode(column: "lives_with", as: Bool.self), phone: try r.decode(column: "phone", as: String.self),
                email: try r.decode(column: "email", as: String.self)))
        }
        return out
    }

    /// Who is vulnerable (child protection or child in need plan, looked after) and who has a social worker, by pupil id.
    func safeguardingFlags(schoolID: Int, pupilIDs: [Int]?) async throws -> [Int: (vulnerable: Bool, socialWorker: Bool)] {
        var q = sql.select().columns("id", "child_protection", "child_in_need", "looked_after", "social_worker_name").from(PupilRow.schema)
            .where("school_id", .equal, SQLBind(schoolID))
        if let ids = pupilIDs {
            // PostgreSQL refuses `IN ()`.
            guard !ids.isEmpty else { return [:] }
            q = q.where("id", .in, SQLBind.group(ids))
        }
        var out: [Int: (vulnerable: Bool, socialWorker: Bool)] = [:]
        for r in try await q.all() {
            out[try r.decode(column: "id", as: Int.self)] = (
                try r.decode(column: "child_protection", as: Bool.self) || r.decode(column: "child_in_need", as: Bool.self) || r.decode(column: "looked_after", as: Bool.self),
                !(try r.decode(column: "social_worker_name", as: String.self)).isEmpty)
        }
        return out
    }

    /// The daily evaluation for a school on `asOf`: marks, the policy in force, the calendar and every pupil's casework
    /// turned into the actions due (`Evaluation.run`).
    public func evaluate(schoolID: Int, asOf: LocalDate, upns: [String]? = nil) async throws -> (policy: Policy, actions: [DueAction]) {
        let policy = try await policy(schoolID: schoolID, on: asOf)
        let calendar = try await calendar(schoolID: schoolID)
        // Exactly the days the rules read: the year to date and the windows before it, which may reach into last year.
        let range = Evaluation.marksNeeded(policy: policy, calendar: calendar, asOf: asOf) ?? DateRange(from: asOf, to: asOf)
        let from = range.from
        let pupils = try await listings(schoolID: schoolID, filter: PupilFilter(onRollDuring: DateRange(from: asOf, to: asOf), upns: upns))
        let ids = pupils.map(\.id)
        let arrays = try await sessionArrays(schoolID: schoolID, pupilIDs: upns == nil ? nil : ids, range: range)
        let contacts = try await contacts(schoolID: schoolID, pupilIDs: upns == nil ? nil : ids)
        let flags = try await safeguardingFlags(schoolID: schoolID, pupilIDs: upns == nil ? nil : ids)
        var timelines: [Int: [CaseworkRow]] = [:]
        if upns == nil {
            for r in try await casework(schoolID: schoolID) { timelines[r.pupilID, default: []].append(r) }
        } else {
            for id in ids { timelines[id] = try await casework(pupilID: id).reversed() }
        }
        // Leave decisions: granted leave that has ended (for "not back after leave"), and the G and evidence follow-ups.
        var decisions: [Int: [LeaveDecisionFacts]] = [:]
        for r in try await leaveRequests(pupilIDs: upns == nil ? nil : ids, schoolID: schoolID) {
            guard let d = r.decision else { continue }
            decisions[r.pupilID, default: []].append(d)
        }
        var casework: [String: Casework] = [:]
        var followUps: [DueAction] = []
        let facts = pupils.map { p in
            let id = p.id
            var cw = timelines[id].map(Casework.init(timeline:))
            let ended = decisions[id]?.compactMap { $0.grant?.to }.filter { $0 < asOf }.max()
            if let ended {
                if cw == nil { cw = Casework() }
                cw!.leaveEnded = max(cw!.leaveEnded ?? ended, ended)
            }
            if let cw { casework[p.upn] = cw }
            let f = PupilFacts(upn: p.upn, name: p.displayName, enrolment: p.enrolment, codes: arrays[id] ?? SessionArray(base: from, days: 0),
                               vulnerable: flags[id]?.vulnerable ?? false, socialWorker: flags[id]?.socialWorker ?? false, contacts: contacts[id] ?? [])
            if let d = decisions[id] {
                let done = cw?.done ?? []
                followUps += LeaveFollowUp.run(policy: policy, calendar: calendar, asOf: asOf, pupil: f, decisions: d, evidenceReceived: [])
                    .filter { !done.contains($0.key) }
            }
            return f
        }
        let actions = Evaluation.run(policy: policy, calendar: calendar, asOf: asOf, pupils: facts, casework: casework)
        return (policy, followUps.isEmpty ? actions : (actions + followUps).sorted(by: DueAction.worklistOrder))
    }
}
