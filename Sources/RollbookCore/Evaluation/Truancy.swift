// The truancy ladder: days with a truancy record in a calendar period. A rung whose step is a legal one becomes a
// review on the national penalty test (`ladderStep`); notices come only from the penalty-notice threshold rule.

extension EvalPlan {
    func truancy(_ p: PupilFacts, _ cw: Casework, _ s: EvalScratch, _ test: PenaltyTest?, _ out: inout [DueAction]) {
        guard let t = policy.truancy, !t.ladder.isEmpty, !cw.truancies.isEmpty else { return }
        let records = cw.truancies.filter { $0.date <= asOf }.sorted {
            ($0.date, $0.session?.index ?? -1, $0.kind.rawValue) < ($1.date, $1.session?.index ?? -1, $1.kind.rawValue)
        }
        for r in t.ladder {
            guard let from = periodStart(r.per) else { continue }
            let inPeriod = records.filter { $0.date >= date(from) }
            // Several records on one day are one incident.
            var days: [LocalDate] = []
            for x in inPeriod where days.last != x.date { days.append(x.date) }
            guard days.count >= r.atLeast else { continue }
            let incidents = inPeriod.map { x in
                let when = EvalWords.date(x.date) + (x.session.map { " \($0.rawValue)" } ?? "")
                return x.kind == .leftSite
                    ? "\(when): left the site without permission"
                    : "\(when): missed \(x.lesson.map { "lesson '\($0)'" } ?? "a lesson") while present at registration"
            }
            var reason =
                "\(EvalWords.count(days.count, "day")) with truancy \(r.per.words()), since \(EvalWords.date(date(from))) "
                + "(\(incidents.joined(separator: "; "))): the rung for \(r.atLeast) or more (\(r.name))."
            if let letter = r.letter { reason += " Send the '\(letter)' letter." }
            var figures: [String: Double] = [
                "incidents": Double(days.count), "at_least": Double(r.atLeast),
                "left_site": Double(inPeriod.count { $0.kind == .leftSite }),
                "missed_lesson": Double(inPeriod.count { $0.kind == .missedLesson }),
            ]
            let step = ladderStep(r.action, test, s, &reason, &figures)
            let refs = inPeriod.compactMap { x -> SessionRef? in
                guard let k = x.session else { return nil }
                let i = index(x.date)
                let code = i >= 0 && i <= last ? EvalMark.symbol(s.sess[2 * i + k.index]) : "?"
                return SessionRef(date: x.date, session: k, code: code)
            }
            out.append(
                action(
                    p, .truancy, rule: "truancy.\(r.id)", anchor: date(from), due: days[r.atLeast - 1], reason: reason, sessions: refs,
                    figures: figures, action: step))
        }
    }
}
