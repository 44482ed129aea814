import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// The impact of interventions (seeds 000 §8.5.1, 002 §7.3, 003 Reactive 11 and 13, 004): for each stage entered and
/// each kind of action on the casework timeline this academic year, the pupils' attendance over the 6 school weeks
/// before the week of the entry and the 6 school weeks after it, and how many improved. Figures for every role that sees
/// figures (a teacher's own forms); the pupils behind a row for the attendance lead and head only.
struct InterventionsController {
    static let windowWeeks = 6
    /// The timeline's actions whose impact is worth measuring (calls, notes and records of what happened are not).
    static let kinds: [CaseworkKind] = [
        .letterSent, .meeting, .earlyHelpPlan, .attendanceContract, .individualAttendancePlan, .partTimeTimetable,
        .noticeToImprove, .penaltyNotice, .referral, .educationSupervisionOrder, .alternativeProvision, .sendHealthPlan,
    ]

    struct Row: Content {
        var kind: String
        var label: String
        var entries: Int
        var measured: Int
        var improved: Int
        var before: String
        var after: String
        var beforeRate: Double?
        var afterRate: Double?
        var stillRunning: Int
        var href: String
    }
    struct Content_: Content {
        var from: String
        var through: String
        var windowWeeks: Int
        var window: String
        var stages: [Row]
        var actions: [Row]
        var showsPupils: Bool
    }
    struct PupilLine: Content {
        var upn: String
        var name: String
        var date: String
        var before: String
        var after: String
        var improved: String
        var afterComplete: Bool
    }
    struct PupilsContent: Content {
        var kind: String
        var label: String
        var window: String
        var pupils: [PupilLine]
    }

    static let windowWords =
        "Attendance over the 6 school weeks before the school week of the entry, and over the 6 school weeks after it (up to the last complete day); the entry's own week is in neither. Improved means higher attendance after than before. Entries this academic year only."

    func impact(_ req: Request, _ u: StaffUser) async throws -> (
        impact: [InterventionImpact], labels: [String: String], through: LocalDate, year: AcademicYear
    ) {
        let now = req.clock.now()
        let policy = try await req.store.policy(schoolID: u.schoolID, on: now.date)
        let through = figuresThrough(now, policy: policy)
        let year = AcademicYear(containing: through)
        let roll = try await req.application.analytics.roll(req.store, schoolID: u.schoolID, year: year)
        var pupils: [Int: PupilRow] = [:]
        for p in try await req.store.pupils(schoolID: u.schoolID) { pupils[p.id!] = p }
        var labels: [String: String] = [:]
        for s in policy.stages { labels["stage:\(s.id)"] = "Stage: \(s.name)" }
        for k in Self.kinds { labels[k.rawValue] = k.title }
        let wanted = Set(Self.kinds.map(\.rawValue))
        var stageEntries: [InterventionEntry] = []
        var actionEntries: [InterventionEntry] = []
        for row in try await req.store.casework(schoolID: u.schoolID) {
            guard let p = pupils[row.pupilID], let d = LocalDate(iso: row.happenedOn), year.range.contains(d) else { continue }
            if let own = u.ownForms, !own.contains(p.form) { continue }
            if row.kind == CaseworkKind.stageEntered.rawValue, let s = row.stageID {
                let key = "stage:\(s)"
                if labels[key] == nil { labels[key] = "Stage: \(s)" }
                stageEntries.append(InterventionEntry(pupilID: p.upn, kind: key, date: d))
            } else if wanted.contains(row.kind) {
                actionEntries.append(InterventionEntry(pupilID: p.upn, kind: row.kind, date: d))
            }
        }
        // Stages in the policy's order, then any no longer in it; actions in the order above.
        let stageOrder = policy.stages.map { "stage:\($0.id)" }
        let stages = roll.interventionImpact(stageEntries, windowWeeks: Self.windowWeeks, through: through).sorted {
            (stageOrder.firstIndex(of: $0.kind) ?? Int.max, $0.kind) < (stageOrder.firstIndex(of: $1.kind) ?? Int.max, $1.kind)
        }
        let actionOrder = Self.kinds.map(\.rawValue)
        let actions = roll.interventionImpact(actionEntries, windowWeeks: Self.windowWeeks, through: through).sorted {
            (actionOrder.firstIndex(of: $0.kind) ?? Int.max) < (actionOrder.firstIndex(of: $1.kind) ?? Int.max)
        }
        return (stages + actions, labels, through, year)
    }

    func page(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.readStatistics)
        let (impact, labels, through, year) = try await impact(req, u)
        func row(_ i: InterventionImpact) -> Row {
            Row(
                kind: i.kind, label: labels[i.kind] ?? i.kind, entries: i.outcomes.count, measured: i.measured, improved: i.improved,
                before: percent(i.before.attendanceRate), after: percent(i.after.attendanceRate), beforeRate: i.before.attendanceRate,
                afterRate: i.after.attendanceRate, stillRunning: i.outcomes.count { !$0.afterComplete },
                href:
                    "/analytics/interventions/pupils?kind=\(i.kind.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? i.kind)")
        }
        let content = Content_(
            from: year.range.from.iso, through: through.iso, windowWeeks: Self.windowWeeks, window: Self.windowWords,
            stages: impact.filter { $0.kind.hasPrefix("stage:") }.map(row),
            actions: impact.filter { !$0.kind.hasPrefix("stage:") }.map(row),
            showsPupils: u.can(.casework))
        if req.query[String.self, at: "format"] == "json" { return try await content.encodeResponse(for: req) }
        return try await req.render("Analytics/interventions", title: "Impact of interventions", content).encodeResponse(for: req)
    }

    /// The pupils behind one row: names and UPNs, so the attendance lead and head only (casework).
    func pupils(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        guard let kind = req.query[String.self, at: "kind"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw APIError.invalid("kind", "say which stage (stage:ID) or action kind, e.g. stage:stage-1 or letter_sent")
        }
        let (impact, labels, _, _) = try await impact(req, u)
        guard let label = labels[kind] else {
            throw APIError.invalid("kind", "'\(kind)' is no stage of the policy (stage:ID) and no action kind measured here")
        }
        let outcomes = impact.first { $0.kind == kind }?.outcomes ?? []
        let lines = outcomes.map {
            PupilLine(
                upn: $0.id, name: $0.name, date: $0.date.iso, before: percent($0.before.attendanceRate),
                after: percent($0.after.attendanceRate),
                improved: $0.improved.map { $0 ? "Improved" : "Not improved" } ?? "Not yet measured", afterComplete: $0.afterComplete)
        }
        let content = PupilsContent(kind: kind, label: label, window: Self.windowWords, pupils: lines)
        if req.query[String.self, at: "format"] == "json" { return try await content.encodeResponse(for: req) }
        return try await req.render("Analytics/interventions-pupils", title: label, content).encodeResponse(for: req)
    }
}
