// Day-1 contact for an unexplained absence, and the social worker.

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
        if policy.missingEducation.tellSocialWorker && p.socialWorker {
            let reason = "Unexplained absence (N) since \(EvalWords.date(began)) of a pupil with a social worker: tell the social worker."
            out.append(
                action(
                    p, .socialWorker, rule: "missing_education.tell_social_worker", anchor: began, due: began, reason: reason,
                    sessions: sessions(s, from: first, through: last, bits: EvalMark.n),
                    figures: ["school_days": Double(days)], action: .informSocialWorker))
        }
    }
}
