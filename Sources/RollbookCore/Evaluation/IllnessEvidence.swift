// Illness evidence by sessions in the term or year (consecutive days are in MissingEducation.swift's absence runs).

extension EvalPlan {
    func illnessCounts(_ p: PupilFacts, _ s: EvalScratch, _ out: inout [DueAction]) {
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
            let count = s.count(EvalCounter.illness, from: from, through: last)
            guard count >= r.count else { continue }
            let reason =
                "\(EvalWords.count(count, "session")) of illness (I) \(words), the rule being \(r.count) (\(r.name))\(r.letter.map { ", with the '\($0)' letter" } ?? ""): "
                + "ask the family for medical evidence."
            out.append(
                action(
                    p, .illnessEvidence, rule: "illness_evidence.\(r.id)", anchor: date(from),
                    due: date(dayOfNth(s, r.count, bits: EvalMark.illness, from: from, through: last)), reason: reason,
                    sessions: sessions(s, from: from, through: last, bits: EvalMark.illness),
                    figures: ["sessions": Double(count), "count": Double(r.count)], action: .evidenceRequest))
        }
    }
}
