// Day-1 contact for an unexplained absence, every contact failing, and the social worker.

/// An attempt to reach one of a pupil's contacts that failed (no answer, a wrong number), as staff record it.
public struct ContactAttempt: Sendable, Hashable, Codable {
    public var date: LocalDate
    /// The contact's priority on the admission register.
    public var priority: Int
    public init(date: LocalDate, priority: Int) {
        self.date = date
        self.priority = priority
    }
}

extension EvalPlan {
    /// Day-1 contact for an N today, and the social worker for a pupil who has one.
    func unexplainedToday(_ p: PupilFacts, _ cw: Casework, _ s: EvalScratch, _ out: inout [DueAction]) {
        let am = s.sess[2 * last]
        let pm = s.sess[2 * last + 1]
        let nRaw = AttendanceCode.n.rawValue
        guard am == nRaw || pm == nRaw else { return }
        // The unexplained absence began at the first of the run of N sessions ending today (closed sessions skipped).
        var first = last
        var days = 0
        var counted = -1
        walk: for i in stride(from: last, through: 0, by: -1) {
            for k in stride(from: 1, through: 0, by: -1) {
                let v = s.sess[2 * i + k]
                if v == EvalMark.closed || (v == 0 && i == last) { continue }
                guard v == nRaw else { break walk }
                if counted != i {
                    days += 1
                    counted = i
                }
                first = i
            }
        }
        let began = date(first)
        let today = sessions(s, from: last, through: last, bits: EvalMark.n)
        let which = today.map(\.session.rawValue).joined(separator: " and ")
        if first == last || policy.dayOne.repeatDaily {
            let again =
                first == last
                ? "Absence with no reason today (\(which)): "
                : "Absence still unexplained, school day \(days) since \(EvalWords.date(began)) (\(which) today): "
            let reason =
                again + "contact the family by \(policy.dayOne.contactBy), in contact priority order"
                + (first == last ? "" : ", and again each day it continues") + "."
            out.append(
                action(
                    p, .dayOneContact, rule: "day_one", anchor: asOf, due: asOf, reason: reason, sessions: today,
                    figures: ["school_days": Double(days)], action: .call, contacts: contactLines(p.contacts)))
        }
        if let steps = policy.dayOne.allContactsFailed, !p.contacts.isEmpty {
            allContactsFailed(p, cw, s, first: first, began: began, days: days, steps: steps, &out)
        }
        if policy.missingEducation.tellSocialWorker && p.socialWorker {
            let reason = "Unexplained absence (N) since \(EvalWords.date(began)) of a pupil with a social worker: tell the social worker."
            out.append(
                action(
                    p, .socialWorker, rule: "missing_education.tell_social_worker", anchor: began, due: began, reason: reason,
                    sessions: sessions(s, from: first, through: last, bits: EvalMark.n),
                    figures: ["school_days": Double(days)], action: .informSocialWorker))
        }
    }

    /// Every contact on the register tried since the unexplained absence began, nobody reached and no contact from the
    /// family: the policy's next steps (seed 000 §5.5.1 "If the School cannot reach any of the student's emergency
    /// contacts, the school may contact the police, MASH").
    func allContactsFailed(
        _ p: PupilFacts, _ cw: Casework, _ s: EvalScratch, first: Int, began: LocalDate, days: Int, steps: [Policy.DayOne.NextStep],
        _ out: inout [DueAction]
    ) {
        let since = cw.failedContacts.filter { $0.date >= began && $0.date <= asOf }
        guard !since.isEmpty, !(cw.lastFamilyContact.map { $0 >= began } ?? false) else { return }
        let tried = Set(since.map(\.priority))
        guard p.contacts.allSatisfy({ tried.contains($0.priority) }), let lastTry = since.map(\.date).max() else { return }
        let reason =
            "Unexplained absence since \(EvalWords.date(began)) (school day \(days)): every contact (\(p.contacts.count)) has been "
            + "tried without reaching anyone, the last on \(EvalWords.date(lastTry)). Next steps in the policy: "
            + steps.map(\.words).joined(separator: "; ") + "."
        out.append(
            action(
                p, .allContactsFailed, rule: "day_one.all_contacts_failed", anchor: began, due: max(began, lastTry), reason: reason,
                sessions: sessions(s, from: first, through: last, bits: EvalMark.n),
                figures: ["school_days": Double(days), "contacts": Double(p.contacts.count), "attempts": Double(since.count)],
                action: steps.first == .homeVisit ? .homeVisit : .review, contacts: contactLines(p.contacts)))
    }
}
