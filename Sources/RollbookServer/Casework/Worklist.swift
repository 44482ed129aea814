import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// The actions the policy proposes today, as the worklist and a pupil's page show them.
enum Worklist {
    struct Item: Encodable {
        var key, upn, name, kind, reason, rule, source, due, action: String
        var overdue: Bool
        var sessions: String?
        var contacts: [String]
        var letter: Bool
        var proposedStage: String?
    }

    static func title(_ k: DueAction.Kind) -> String {
        switch k {
        case .dayOneContact: "First-day contact"
        case .nToO: "N becomes O"
        case .stageEntry: "Stage entry"
        case .stageReview: "End of monitoring"
        case .lateness: "Lateness"
        case .illnessEvidence: "Illness evidence"
        case .penaltyThreshold: "Penalty-notice threshold"
        case .noticeToImproveReview: "End of a Notice to Improve's improvement period"
        case .penaltyNoticeUnpaid: "Penalty notice not paid by day 28"
        case .missingEducation: "Children missing education"
        case .vulnerableAbsence: "Vulnerable pupil absent"
        case .informLA: "Inform the LA"
        case .travellerBaseSchool: "Traveller base school review"
        case .socialWorker: "Tell the social worker"
        case .leaveUnauthorised: "Leave not agreed: code G"
        case .leaveEvidence: "Evidence for absence next to leave"
        case .latenessReview: "End of lateness monitoring"
        case .truancy: "Truancy"
        case .evidenceReminder: "Evidence due soon: tell the parents"
        case .evidenceDeadline: "Evidence not received"
        case .medicalUnauthorised: "Medical appointment without notice or evidence"
        case .stageExit: "Back above the stage's exit level"
        case .stageCheckIn: "Check-in"
        case .planReview: "Plan review"
        case .pupilAction: "With the pupil"
        case .travellerProtection: "Penalty-notice threshold: Traveller protection"
        case .repeatedAbsence: "Repeated unauthorised absence below the threshold"
        case .exclusionNotice: "Exclusion: tell the parents of the first five days"
        case .alternativeProvision: "Exclusion: alternative provision due"
        case .allContactsFailed: "Every contact failed: next steps"
        case .partTimeReview: "Part-time timetable review"
        case .parentingOrderReview: "Parenting order review"
        }
    }

    /// Actions that send a letter to the parents when done; an improved review sends the congratulations letter.
    static func sendsLetter(_ a: DueAction) -> Bool {
        guard a.audience == .family else { return false }
        return
            ([.letter, .meeting, .attendanceContract, .earlyHelpPlan, .noticeToImprove, .penaltyNotice, .evidenceRequest].contains(a.action)
            && a.kind != .nToO && a.kind != .dayOneContact)
            || ((a.kind == .stageReview || a.kind == .latenessReview) && a.figures["improved"] == 1)
            || (a.letter != nil && [.stageEntry, .planReview].contains(a.kind))
    }

    /// The actions due today (for some pupils, or all), as the worklist shows them.
    static func items(_ req: Request, schoolID: Int, upns: [String]? = nil) async throws
        -> (policy: Policy, actions: [DueAction], items: [Item], pupils: [PupilListing])
    {
        let today = req.clock.now().date
        let (policy, actions) = try await req.store.evaluate(schoolID: schoolID, asOf: today, upns: upns)
        let pupils = try await req.store.listings(
            schoolID: schoolID, filter: PupilFilter(onRollDuring: DateRange(from: today, to: today), upns: upns))
        let names = Dictionary(pupils.map { ($0.upn, $0.displayName) }, uniquingKeysWith: { a, _ in a })
        let items = actions.map { a in
            Item(
                key: a.key, upn: a.upn, name: names[a.upn] ?? a.upn, kind: Self.title(a.kind), reason: a.reason, rule: a.rule,
                source: a.source,
                due: a.due.iso, action: a.action.rawValue.replacingOccurrences(of: "_", with: " "), overdue: a.due < today,
                sessions: a.sessions.isEmpty
                    ? nil : a.sessions.map { "\($0.date) \($0.session.rawValue) \($0.code)" }.joined(separator: ", "),
                contacts: a.contacts, letter: Self.sendsLetter(a) || PartTimeLANotice.about(a) != nil,
                proposedStage: a.proposedStage.flatMap { policy.stage($0)?.name }
                    ?? a.proposedRung.flatMap { policy.latenessRung($0).map { "lateness: \($0.name)" } })
        }
        return (policy, actions, items, pupils)
    }
}
