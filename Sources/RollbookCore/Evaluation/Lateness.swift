// The lateness ladder.

extension EvalPlan {
    func lateness(_ p: PupilFacts, _ s: EvalScratch, _ out: inout [DueAction]) {
        for r in policy.lateness {
            let from: Int?
            let words: String
            switch r.per {
            case .week:
                from = weekStart
                words = "this week"
            case .halfTerm:
                from = halfTermStart
                words = "this half term"
            case .term:
                from = termStart
                words = "this term"
            case .year:
                from = yearStart
                words = "this school year"
            }
            guard let from else { continue }
            let countL = r.codes.contains("L")
            let countU = r.codes.contains("U")
            let count =
                (countL ? s.count(EvalCounter.late, from: from, through: last) : 0)
                + (countU ? s.count(EvalCounter.u, from: from, through: last) : 0)
            guard count >= r.atLeast, count <= (r.atMost ?? Int.max) else { continue }
            let bits = (countL ? EvalMark.late : 0) | (countU ? EvalMark.u : 0)
            let refs = sessions(s, from: from, through: last, bits: bits)
            let rung = r.atMost.map { $0 == r.atLeast ? "exactly \($0)" : "\(r.atLeast) to \($0)" } ?? "\(r.atLeast) or more"
            let what = countL && countU ? "late arrivals (L or U)" : countU ? "unauthorised late arrivals (U)" : "late arrivals (L)"
            var reason = "\(count) \(what) \(words), since \(EvalWords.date(date(from))): the rung for \(rung) (\(r.name))."
            if let letter = r.letter { reason += " Send the '\(letter)' letter." }
            var figures: [String: Double] = ["count": Double(count), "at_least": Double(r.atLeast)]
            if let m = r.atMost { figures["at_most"] = Double(m) }
            out.append(
                action(
                    p, .lateness, rule: "lateness.\(r.id)", anchor: date(from),
                    due: date(dayOfNth(s, r.atLeast, bits: bits, from: from, through: last)), reason: reason, sessions: refs,
                    figures: figures, action: r.action))
        }
    }
}
