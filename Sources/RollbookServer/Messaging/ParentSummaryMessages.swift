import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// The policy's summary in parents' words, sent through the outbox (seed 003 'shared with parents at the start of the
/// year and when a child starts') as the policy's `send_parent_summary` says: once a school day (claimed once per
/// school), to each parent with parental responsibility and an email, at most once a school year for each child.
enum ParentSummaryMessages {
    static func runDue(app: Application) async {
        do {
            let n = try await run(store: app.store, now: app.options.clock.now())
            if n > 0 { app.logger.info("Policy summary: \(n) messages to parents queued.") }
        } catch {
            app.logger.error("Policy summary to parents failed: \(error)")
        }
    }

    /// Queues the summaries due today; returns how many messages were queued.
    static func run(store: Store, now: SchoolNow) async throws -> Int {
        var queued = 0
        for school in try await store.schools() {
            let id = school.id!
            let policy = try await store.policy(schoolID: id, on: now.date)
            guard let sending = policy.sendParentSummary else { continue }
            let calendar = try await store.calendar(schoolID: id)
            let year = AcademicYear(containing: now.date)
            guard calendar.isSchoolDay(now.date), let first = ParentSummarySending.firstSchoolDay(of: year, calendar: calendar) else {
                continue
            }
            guard try await store.claimJob(schoolID: id, job: "parent-summary", day: now.date, at: now.timestamp) else { continue }
            let pupils = try await store.listings(schoolID: id, filter: PupilFilter(onRollDuring: DateRange(from: now.date, to: now.date)))
            var due: [(PupilListing, ParentSummarySending.Occasion)] = []
            for p in pupils {
                if let o = ParentSummarySending.occasion(sending, enrolment: p.enrolment, firstDay: first, today: now.date) {
                    due.append((p, o))
                }
            }
            let contacts = due.isEmpty ? [:] : try await store.contacts(schoolID: id, pupilIDs: due.map(\.0.id))
            var rows: [OutboxRow] = []
            for (p, occasion) in due {
                let m = ParentSummarySending.message(policy, forename: p.displayName, school: school.name, occasion: occasion)
                for c in contacts[p.id] ?? [] where c.parentalResponsibility && !c.email.isEmpty {
                    rows.append(
                        OutboxRow(
                            schoolID: id, pupilID: p.id, template: .policySummary, channel: "email", recipient: c.email,
                            recipientName: c.name, contactPriority: c.priority, subject: m.subject, body: m.body,
                            // One a school year per child and parent, whichever occasion comes first.
                            dedupeKey: "parent-summary:\(year.startYear):\(p.id):\(c.email.lowercased())",
                            about: "parent-summary:\(occasion.rawValue)", at: now.instant))
                }
            }
            let n = try await store.enqueue(rows).count
            queued += n
            try await store.finishJob(schoolID: id, job: "parent-summary", day: now.date, summary: "\(n) messages queued")
        }
        return queued
    }
}
