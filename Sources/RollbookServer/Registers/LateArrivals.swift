import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// What the policy's `late_arrival` says happens at each late arrival, wherever L or U is written today (the register
/// page, the late book, the API, a lesson register): an entry on the pupil's timeline with the reason given and any
/// sanction, and the family told, once a day per contact and channel.
enum LateArrivals {
    struct Arrival {
        var pupil: PupilRow
        var code: AttendanceCode
        /// The AM or PM register, or a lesson's name.
        var register: String
        var time: TimeOfDay?
        var minutesLate: Int?
        /// The pupil's reason, one of the policy's `late_arrival.reasons`.
        var reason: String?
    }

    /// Checks a late reason given with a mark: only with L or U, and one of the policy's reasons when it lists any.
    static func checkReason(_ reason: String?, code: AttendanceCode, policy: Policy, field: String) throws -> String? {
        guard let r = reason?.trimmingCharacters(in: .whitespacesAndNewlines), !r.isEmpty else { return nil }
        guard code == .late || code == .u else { throw APIError.invalid(field, "a reason for lateness goes only with L or U") }
        let reasons = policy.arrivals.reasons
        guard reasons.isEmpty || reasons.contains(r) else {
            throw APIError.invalid(field, "'\(r)' is not one of the policy's reasons: \(reasons.joined(separator: ", "))")
        }
        return r
    }

    /// Records the follow-up for marks just written on `date`; nothing for another day (an amendment to the past is
    /// not an arrival) or a code the policy does not count. Returns the messages queued.
    @discardableResult
    static func follow(_ arrivals: [Arrival], date: LocalDate, policy: Policy, store: Store, by actor: Actor, now: SchoolNow)
        async throws -> Int
    {
        let rules = policy.arrivals
        let due = arrivals.filter { date == now.date && rules.counts($0.code) }
        guard !due.isEmpty else { return 0 }
        let keys = due.map { key($0, date) }
        let recorded = try await store.caseworkKeysTaken(keys)
        for (a, k) in zip(due, keys) where !recorded.contains(k) {
            try await store.addCasework(
                CaseworkRow(
                    pupilID: a.pupil.id!, kind: .lateArrival, actionKey: k, happenedOn: date, summary: summary(a, rules),
                    outcome: a.reason, recordedAt: now.timestamp, by: actor))
        }
        guard !rules.notify.isEmpty else { return 0 }
        let contacts = try await store.contacts(schoolID: due[0].pupil.schoolID, pupilIDs: due.compactMap(\.pupil.id))
        let school = try await store.school(due[0].pupil.schoolID).name
        var rows: [OutboxRow] = []
        var seen: Set<String> = []
        for a in due {
            let list = (contacts[a.pupil.id!] ?? []).sorted { $0.priority < $1.priority }
            for channel in rules.notify {
                let c = channel == .sms ? OutgoingMessage.Channel.sms : .email
                let with = list.filter { !Outbox.address($0, c).isEmpty }
                let to = rules.recipients == .first ? Array(with.prefix(1)) : with.filter(\.parentalResponsibility)
                for contact in to {
                    let dedupe = "late:\(a.pupil.id!):\(date.iso):\(channel.rawValue):\(contact.priority)"
                    guard seen.insert(dedupe).inserted else { continue }
                    let (subject, body) = MessageText.lateArrival(
                        a.pupil, date: date, time: a.time, minutesLate: a.minutesLate, code: a.code,
                        lesson: Session.allCases.contains { $0.rawValue == a.register } ? nil : a.register, school: school, channel: c)
                    rows.append(
                        OutboxRow(
                            schoolID: a.pupil.schoolID, pupilID: a.pupil.id!, template: .lateArrival, channel: c.rawValue,
                            recipient: Outbox.address(contact, c), recipientName: contact.name, contactPriority: contact.priority,
                            subject: subject, body: body, dedupeKey: dedupe, about: "late:\(date.iso)", at: now.instant))
                }
            }
        }
        let taken = try await store.dedupeKeysTaken(rows.compactMap(\.dedupeKey))
        return try await store.enqueue(rows.filter { !taken.contains($0.dedupeKey ?? "") }).count
    }

    /// One timeline entry per pupil, day and register.
    static func key(_ a: Arrival, _ date: LocalDate) -> String { "late_arrival|\(a.pupil.upn)|\(date.iso)|\(a.register)" }

    /// For staff: the register, the code, minutes late, and the sanction.
    static func summary(_ a: Arrival, _ rules: Policy.LateArrival) -> String {
        var s = "Late to the \(a.register) register: \(a.code.symbol)"
        if let t = a.time { s += ", arrived at \(t)" }
        if let m = a.minutesLate { s += ", \(m) minutes late" }
        s += "."
        if let sanction = rules.sanction { s += " Sanction: \(sanction)." }
        return s
    }
}
