import FluentKit
import Foundation
import RollbookCore
import SQLKit

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
            case .call, .familyContact, .meeting:
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
    /// Every contact of these pupils, in priority order.
    public func contacts(pupilIDs: [Int]) async throws -> [Int: [Contact]] {
        guard !pupilIDs.isEmpty else { return [:] }
        var out: [Int: [Contact]] = [:]
        for chunk in stride(from: 0, to: pupilIDs.count, by: 1000).map({ Array(pupilIDs[$0..<min($0 + 1000, pupilIDs.count)]) }) {
            for c in try await ContactRow.query(on: db).filter(\.$pupilID ~~ chunk).sort(\.$priority).all() { out[c.pupilID, default: []].append(c.contact) }
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
        let pupils = try await pupils(schoolID: schoolID, filter: PupilFilter(onRollDuring: DateRange(from: asOf, to: asOf), upns: upns))
        let ids = pupils.compactMap(\.id)
        let arrays = try await sessionArrays(schoolID: schoolID, pupilIDs: upns == nil ? nil : ids, range: range)
        let contacts = try await contacts(pupilIDs: ids)
        var timelines: [Int: [CaseworkRow]] = [:]
        if upns == nil {
            for r in try await casework(schoolID: schoolID) { timelines[r.pupilID, default: []].append(r) }
        } else {
            for id in ids { timelines[id] = try await casework(pupilID: id).reversed() }
        }
        var casework: [String: Casework] = [:]
        let facts = pupils.map { p in
            let id = p.id!
            if let t = timelines[id] { casework[p.upn] = Casework(timeline: t) }
            let c = p.characteristics
            return PupilFacts(upn: p.upn, name: p.displayName, enrolment: p.enrolment, codes: arrays[id] ?? SessionArray(base: from, days: 0),
                              vulnerable: c.childProtectionPlan || c.childInNeed || c.lookedAfter,
                              socialWorker: !c.socialWorkerName.isEmpty, contacts: contacts[id] ?? [])
        }
        return (policy, Evaluation.run(policy: policy, calendar: calendar, asOf: asOf, pupils: facts, casework: casework))
    }
}
