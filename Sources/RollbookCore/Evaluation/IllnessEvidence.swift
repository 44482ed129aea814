// Illness evidence by sessions in the term or year (consecutive days are in MissingEducation.swift's absence runs).
// Illness an allowance covers (`allowed`, day indices from `allowanceDays`) is left out of the counts.

extension EvalPlan {
    func illnessCounts(_ p: PupilFacts, _ s: EvalScratch, _ allowed: [Int], _ out: inout [DueAction]) {
        for r in policy.illnessEvidence where r.measure != .consecutiveSchoolDays {
            let from: Int?
            let words: String
            if r.measure == .sessionsInTerm {
                from = termStart
                words = "this term" + (term.map { " (\($0.name))" } ?? "")
            } else {
                from = yearStart
                words = "this school year (\(AcademicYear(containing: asOf)))"
            }
            guard let from else { continue }
            var count = s.count(EvalCounter.illness, from: from, through: last)
            for i in allowed where i >= from { count -= s.count(EvalCounter.illness, from: i, through: i) }
            guard count >= r.count else { continue }
            var refs = sessions(s, from: from, through: last, bits: EvalMark.illness)
            var dueDay = date(dayOfNth(s, r.count, bits: EvalMark.illness, from: from, through: last))
            if !allowed.isEmpty {
                let days = Set(allowed.map { date($0) })
                refs.removeAll { days.contains($0.date) }
                dueDay = refs[r.count - 1].date
            }
            let covered = allowed.isEmpty ? "" : " (illness an allowance covers left out)"
            let reason =
                "\(EvalWords.count(count, "session")) of illness (I) \(words)\(covered), the rule being \(r.count) (\(r.name))\(r.letter.map { ", with the '\($0)' letter" } ?? ""): "
                + "ask the family for medical evidence."
            var a = action(
                p, .illnessEvidence, rule: "illness_evidence.\(r.id)", anchor: date(from), due: dueDay, reason: reason, sessions: refs,
                figures: ["sessions": Double(count), "count": Double(r.count)], action: .evidenceRequest)
            a.letter = r.letter
            out.append(a)
        }
    }
}
