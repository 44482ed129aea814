import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// The server's daily job: once the morning register has closed on a school day, each school's N marks past the
/// policy's limit become O by an automatic amendment. Claimed once per school and day in the database, so several
/// instances sharing one database run it once. The worklist itself is evaluated live on each visit.
enum DailyJobs {
    static let actor = Actor(name: "Rollbook", position: "Daily evaluation")

    /// Amends the sessions that actions of `kind` list, where their code is one of `from`, to `to`, with `reason`
    /// (the action's source appended); returns how many changed.
    static func amend(
        _ actions: [DueAction], kind: DueAction.Kind, from: Set<String>, to: AttendanceCode, reason: String,
        schoolID: Int, store: Store, by who: Actor, at now: String
    ) async throws -> Int {
        let due = actions.filter { $0.kind == kind }
        guard !due.isEmpty else { return 0 }
        let ids = Dictionary(
            try await store.pupils(schoolID: schoolID, filter: PupilFilter(upns: due.map(\.upn))).map { ($0.upn, $0.id!) },
            uniquingKeysWith: { a, _ in a })
        var writes: [MarkWrite] = []
        for a in due {
            guard let pupilID = ids[a.upn] else { continue }
            for s in a.sessions where from.contains(s.code) {
                writes.append(
                    MarkWrite(pupilID: pupilID, mark: Mark(date: s.date, session: s.session, code: to), reason: "\(reason) (\(a.source))"))
            }
        }
        guard !writes.isEmpty else { return 0 }
        return try await store.record(writes, by: who, at: now).amended
    }

    /// N marks past the policy's limit become O.
    /// Amendments are by whoever makes them: the daily job, or the member of staff completing the action.
    static func applyNToO(_ actions: [DueAction], policy: Policy, schoolID: Int, store: Store, by who: Actor = actor, at now: String)
        async throws -> Int
    {
        try await amend(
            actions, kind: .nToO, from: ["N"], to: .o,
            reason: "No reason given within \(policy.noReason.nToOSchoolDays) school days: N becomes O; \(policy.name)",
            schoolID: schoolID, store: store, by: who, at: now)
    }

    /// Absences (N or O) on sessions of refused leave, or beyond the days granted, become G (reg 11).
    static func applyLeaveG(_ actions: [DueAction], schoolID: Int, store: Store, by who: Actor = actor, at now: String) async throws -> Int
    {
        try await amend(
            actions, kind: .leaveUnauthorised, from: ["N", "O"], to: .g,
            reason: "Absent on leave that was not agreed (refused, or beyond the days granted): G",
            schoolID: schoolID, store: store, by: who, at: now)
    }

    /// Sessions a policy rule says become unauthorised (an evidence deadline passed, with the parents told first; a
    /// medical appointment without notice; absence next to leave without evidence): each action's `amendment`, made
    /// only where the mark is still the code the action read.
    static func applyAmendments(_ actions: [DueAction], schoolID: Int, store: Store, by who: Actor = actor, at now: String)
        async throws -> Int
    {
        let due = actions.filter { $0.amendment != nil }
        guard !due.isEmpty else { return 0 }
        let ids = Dictionary(
            try await store.pupils(schoolID: schoolID, filter: PupilFilter(upns: due.map(\.upn))).map { ($0.upn, $0.id!) },
            uniquingKeysWith: { a, _ in a })
        var writes: [MarkWrite] = []
        for a in due {
            guard let pupilID = ids[a.upn], let change = a.amendment, let code = AttendanceCode.lookup(change.code) else { continue }
            guard let first = a.sessions.map(\.date).min(), let last = a.sessions.map(\.date).max() else { continue }
            var current: [SessionSlot: String] = [:]
            for m in try await store.marks(pupilID: pupilID, range: DateRange(from: first, to: last)) {
                if let s = Session(rawValue: m.session) { current[SessionSlot(date: m.day, session: s)] = m.code }
            }
            for s in a.sessions where current[SessionSlot(date: s.date, session: s.session)] == s.code {
                writes.append(
                    MarkWrite(
                        pupilID: pupilID, mark: Mark(date: s.date, session: s.session, code: code), reason: "\(change.reason) (\(a.source))"
                    ))
            }
        }
        guard !writes.isEmpty else { return 0 }
        return try await store.record(writes, by: who, at: now).amended
    }

    /// One pass: every school whose AM register has closed today gets its run, if no instance has claimed it.
    static func runDue(app: Application) async {
        let store = app.store
        let now = app.options.clock.now()
        do {
            for school in try await store.schools() {
                let id = school.id!
                let calendar = try await store.calendar(schoolID: id)
                let policy = try await store.policy(schoolID: id, on: now.date)
                guard calendar.isSchoolDay(now.date), now.time > policy.register.am.closes else { continue }
                guard try await store.claimJob(schoolID: id, job: "n-to-o", day: now.date, at: now.timestamp) else { continue }
                let (_, actions) = try await store.evaluate(schoolID: id, asOf: now.date)
                let n = try await applyNToO(actions, policy: policy, schoolID: id, store: store, at: now.timestamp)
                let g = try await applyLeaveG(actions, schoolID: id, store: store, at: now.timestamp)
                let unauthorised = try await applyAmendments(actions, schoolID: id, store: store, at: now.timestamp)
                // Once a day, every action due today or overdue: a day the job did not run loses nothing.
                let due = actions.filter { $0.due <= now.date }
                if !due.isEmpty {
                    try await store.queueWebhookEvent(
                        .actionDue, schoolID: id,
                        data: [
                            "actions": due.map { a -> [String: any Sendable] in
                                [
                                    "upn": a.upn, "kind": a.kind.rawValue, "rule": a.rule, "due": a.due.iso, "reason": a.reason,
                                    "source": a.source,
                                ]
                            }
                        ], at: now.timestamp)
                }
                try await store.finishJob(
                    schoolID: id, job: "n-to-o", day: now.date,
                    summary:
                        "\(n) N marks amended to O; \(g) marks to G for leave not agreed; \(unauthorised) for want of evidence or notice")
                app.logger.info(
                    "Daily evaluation for \(school.name): \(n) N marks amended to O, \(g) to G for leave not agreed, \(unauthorised) for want of evidence or notice."
                )
            }
        } catch {
            app.logger.error("Daily evaluation failed: \(error)")
        }
    }
}

/// The server's background work, every `interval`: the daily jobs (claimed once per school and day), the outbox
/// and webhook deliveries (each claimed by one instance), and clearing ended sessions and old sign-in failures. Safe to run on
/// every instance sharing a database.
struct BackgroundJobs: LifecycleHandler {
    final class Box: @unchecked Sendable { var tasks: [Task<Void, Never>] = [] }
    let box = Box()
    let interval: Duration

    func didBootAsync(_ app: Application) async throws {
        box.tasks = [
            Task {
                while !Task.isCancelled {
                    await DailyJobs.runDue(app: app)
                    await ScheduledReports.runDue(app: app)
                    await ParentSummaryMessages.runDue(app: app)
                    await LunchtimeRenewalLetters.runDue(app: app)
                    await Outbox.runPass(app: app)
                    await Self.housekeeping(app: app)
                    try? await Task.sleep(for: interval)
                }
            },
            // Apart, so a slow receiver never holds up messages to families.
            Task {
                while !Task.isCancelled {
                    await WebhookSender.runPass(app: app)
                    try? await Task.sleep(for: interval)
                }
            },
        ]
    }

    func shutdownAsync(_ app: Application) async {
        for t in box.tasks { t.cancel() }
    }

    static func housekeeping(app: Application) async {
        let s = app.options.security
        let now = app.options.clock.now().instant.timeIntervalSince1970
        do {
            try await app.store.purgeSecurityRecords(
                seenBefore: now - s.sessionIdle, createdBefore: now - s.sessionLifetime,
                failuresBefore: now - s.throttleWindow)
        } catch {
            app.logger.error("Clearing ended sessions failed: \(error)")
        }
    }
}
