import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// A pupil's casework timeline as pages show it, and what staff may record on it by hand.
enum Timeline {
    /// What staff record by hand; stage entries, dismissals and letters are recorded by the worklist.
    static let recordable: [CaseworkKind] = [
        .call, .familyContact, .meeting, .earlyHelpPlan, .attendanceContract, .partTimeTimetable,
        .noticeToImprove, .penaltyNotice, .penaltyNoticePaidEarly, .referral, .educationSupervisionOrder,
        .individualAttendancePlan, .targetAgreed, .planEnded, .leaveEnded, .informed, .homeVisit, .alternativeProvision, .note,
        .sendHealthPlan,
    ]

    struct Entry: Encodable {
        var date: String
        var kind: String
        var summary: String
        var outcome: String?
        var by: String
        var letter: Bool
        var id: Int
        /// Documents the family sent with it (evidence).
        var documents: [Document]
    }
    struct Document: Encodable {
        var id: Int
        var filename: String
    }
    struct Option: Encodable {
        var value: String
        var label: String
    }

    static func entries(_ rows: [CaseworkRow], documents: [Int: [EvidenceDocumentRow]] = [:]) -> [Entry] {
        rows.map { r in
            Entry(
                date: r.happenedOn, kind: r.caseworkKind?.title ?? r.kind, summary: r.summary, outcome: r.outcome,
                by: "\(r.byName), \(r.byPosition)", letter: r.document != nil, id: r.id ?? 0,
                documents: (documents[r.id ?? 0] ?? []).map { Document(id: $0.id!, filename: $0.filename) })
        }
    }
    static let options: [Option] = recordable.map { Option(value: $0.rawValue, label: $0.title) }
    /// The plans `plan_ended` can close.
    static let plans: [CaseworkKind] = [
        .educationSupervisionOrder, .individualAttendancePlan, .attendanceContract, .earlyHelpPlan, .sendHealthPlan,
    ]
    static let planOptions: [Option] = plans.map { Option(value: $0.rawValue, label: $0.title) }
}
