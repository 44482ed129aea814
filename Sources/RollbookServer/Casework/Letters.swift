import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Letters to parents: the template for a policy's letter id (the school's own, else the built-in one), merged with a
/// pupil's figures. Only parent-safe facts are merge fields; an action's `reason` is staff text and never one.
enum Letters {
    /// A letter's title: the built-in template's, else its id in words.
    static func title(_ id: String) -> String {
        LetterTemplate.builtIn(id)?.title ?? id.replacingOccurrences(of: "-", with: " ").capitalized
    }

    /// The school's own template for `id`, else the built-in one.
    static func template(_ store: Store, schoolID: Int, id: String) async throws -> LetterTemplate? {
        if let own = try await store.letterTemplate(schoolID: schoolID, letterID: id) { return own.template }
        return LetterTemplate.builtIn(id)?.template
    }

    /// The letter for an action: its policy letter id, else the general letter for its kind.
    static func resolve(_ store: Store, schoolID: Int, action a: DueAction, policy: Policy) async throws -> (
        id: String, template: LetterTemplate
    ) {
        let fallback = LetterTemplate.fallbackID(for: a.action)
        for id in [LetterTemplate.letterID(for: a, policy: policy), fallback].compactMap({ $0 }) {
            if let t = try await template(store, schoolID: schoolID, id: id) { return (id, t) }
        }
        return ("concern", LetterTemplate.builtIn("concern")!.template)
    }

    /// The parents a letter is addressed to: those with parental responsibility.
    static func addressee(_ contacts: [Contact], pupil p: PupilRow) -> String {
        let parents = contacts.filter(\.parentalResponsibility).map(\.name)
        return parents.isEmpty ? "Parent or carer of \(p.displayName)" : parents.joined(separator: " and ")
    }

    /// The merge values for a pupil on `date`, and those an action gives (sessions, late arrivals, illness, monitoring)
    /// when there is one.
    static func values(
        _ req: Request, _ u: StaffUser, pupil p: PupilRow, action a: DueAction?, policy: Policy,
        date: LocalDate
    ) async throws -> [LetterTemplate.Field: String] {
        let school = try await req.store.school(u.schoolID)
        let year = AcademicYear(containing: date)
        // Marked sessions only, as the rules count: today's afternoon not yet taken is not a session missed.
        let c = try await req.store.pupilStatistics(schoolID: u.schoolID, pupil: p, range: DateRange(from: year.range.from, to: date)).0
            .markedOnly
        let contacts = try await req.store.contacts(pupilID: p.id!)
        var v: [LetterTemplate.Field: String] = [
            .parents: addressee(contacts, pupil: p), .pupil: p.displayName,
            .forename: p.preferredForename.isEmpty ? p.legalForename : p.preferredForename,
            .school: school.name, .date: PupilYearGrid.longDate(date), .attendance: percent(c.attendanceRate),
            .target: percent(policy.attendanceTarget), .sessionsMissed: String(c.absent), .possible: String(c.possible),
            .unauthorisedSessions: String(c.unauthorised),
            .signatory: u.name, .position: u.position,
        ]
        guard let a else { return v }
        if !a.sessions.isEmpty {
            v[.sessions] = a.sessions.map { "\(PupilYearGrid.longDate($0.date)) \($0.session == .am ? "morning" : "afternoon")" }
                .joined(separator: ", ")
        }
        let rule = a.rule.split(separator: ".", maxSplits: 1).last.map(String.init) ?? ""
        func count(_ k: String) -> String? { a.figures[k].map { String(Int($0)) } }
        switch a.kind {
        case .penaltyThreshold: v[.unauthorisedSessions] = count("sessions") ?? v[.unauthorisedSessions]
        case .lateness:
            v[.lates] = count("count")
            v[.latePeriod] = policy.latenessRung(rule)?.periodWords
        case .illnessEvidence:
            if let r = policy.illnessEvidence.first(where: { $0.id == rule }) {
                v[.illnessAbsence] =
                    switch r.measure {
                    case .consecutiveSchoolDays: count("school_days").map { "\($0) school days in a row" }
                    case .sessionsInTerm: count("sessions").map { "\($0) sessions this term" }
                    case .sessionsInYear: count("sessions").map { "\($0) sessions this school year" }
                    }
            }
        case .evidenceReminder:
            v[.deadline] = a.deadline.map(PupilYearGrid.longDate)
        default: break
        }
        let monitoring =
            a.proposedStage.flatMap { policy.stage($0)?.monitoringPeriod } ?? a.proposedRung.flatMap { policy.latenessRung($0)?.monitoring }
        if let monitoring {
            v[.monitoringWeeks] = monitoring.words
            let calendar = try await req.store.calendar(schoolID: u.schoolID)
            v[.reviewDate] = Evaluation.periodEnd(from: date, monitoring, calendar: calendar).map(PupilYearGrid.longDate)
        } else {
            // A stage without monitoring, or no stage: the letters' "over the next {monitoring_weeks}" still reads.
            v[.monitoringWeeks] = "few weeks"
        }
        return v
    }
}
