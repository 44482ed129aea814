import Testing

@testable import RollbookCore

// The penalty-notice threshold has one home, `EvalPlan.PenaltyTest`. The analytics scan (`AnalyticsRoll.penaltyScan`)
// keeps its own fast kernel over whole school weeks; this property test holds it to the rule on generated rolls:
// for every pupil, the kernel's most sessions in a window equals the most `PenaltyTest.countNow` gives on any school
// day, and the week it first reaches the threshold is the week of the first school day the rule is met.

private typealias SplitMix = GeneratedRolls.SplitMix
private let calendar = GeneratedRolls.calendar
private let year = GeneratedRolls.year
private let span = GeneratedRolls.span
private func day(_ s: String) -> LocalDate { GeneratedRolls.day(s) }

private struct GeneratedPupil {
    var facts: PupilFacts
    var analytics: AnalyticsPupil
}

/// `count` pupils of compulsory school age (years 3 and 4), some joining or leaving during the term, each with their
/// own share of absence drawn from G, N, O, U and a few other codes, and some sessions left unmarked.
private func generate(_ count: Int, seed: UInt64) -> [GeneratedPupil] {
    var rng = SplitMix(state: seed)
    let unauthorised = ["G", "N", "O", "U"].map { AttendanceCode.lookup($0)! }
    let other = ["I", "M", "C", "X", "D", "L", "B"].map { AttendanceCode.lookup($0)! }
    return (0..<count).map { i in
        let yearGroup = i % 2 == 0 ? "3" : "4"
        let start = Double.random(in: 0..<1, using: &rng) < 0.7 ? span.from : span.from.adding(days: Int.random(in: 0..<60, using: &rng))
        let leave: LocalDate? =
            Double.random(in: 0..<1, using: &rng) < 0.15 ? start.adding(days: Int.random(in: 20..<100, using: &rng)) : nil
        let enrolment = Enrolment(startingDay: start, leavingDay: leave, yearGroup: yearGroup, yearGroupYear: year)
        let absence = Double.random(in: 0..<0.4, using: &rng)
        var marks = SessionArray(covering: span)
        var d = span.from
        while d <= span.to {
            for s in Session.allCases {
                let r = Double.random(in: 0..<1, using: &rng)
                if r < 0.03 { continue }  // unmarked
                marks[d, s] =
                    r < absence
                    ? (Double.random(in: 0..<1, using: &rng) < 0.6
                        ? unauthorised.randomElement(using: &rng)! : other.randomElement(using: &rng)!)
                    : (s == .am ? .presentAM : .presentPM)
            }
            d = d.adding(days: 1)
        }
        let id = "P\(i)"
        let dob = LocalDate(year: yearGroup == "3" ? 2017 : 2016, month: Int.random(in: 1...12, using: &rng), day: 15)!
        return GeneratedPupil(
            facts: PupilFacts(upn: id, name: id, dateOfBirth: dob, enrolment: enrolment, codes: marks),
            analytics: AnalyticsPupil(
                id: id, name: id, enrolment: enrolment, form: yearGroup, house: "", sex: "F",
                characteristics: Characteristics()))
    }
}

/// For each pupil, the most G, N, O and U sessions `PenaltyTest` counts in the window ending on any school day, and
/// the first school day on which that count reaches the threshold.
private func byTheRule(_ pupils: [GeneratedPupil], policy: Policy) -> [(most: Int, first: LocalDate?)] {
    var out = Array(repeating: (most: 0, first: LocalDate?.none), count: pupils.count)
    var d = span.from
    while d <= span.to {
        defer { d = d.adding(days: 1) }
        guard calendar.isSchoolDay(d), let plan = EvalPlan(policy: policy, calendar: calendar, asOf: d) else { continue }
        var scratch = EvalScratch(days: plan.n)
        let test = EvalPlan.PenaltyTest(plan: plan, casework: Casework())
        for (i, p) in pupils.enumerated() {
            plan.fill(p.facts, &scratch)
            let c = test.countNow(scratch, after: nil)
            out[i].most = max(out[i].most, c)
            if out[i].first == nil && c >= policy.penaltyNotice.thresholdSessions { out[i].first = d }
        }
    }
    return out
}

@Suite("Analytics: the penalty kernel agrees with the evaluation's PenaltyTest")
struct PenaltyKernelPropertyTests {
    @Test(
        "on generated rolls, the national rule and a tighter one",
        arguments: [
            (seed: UInt64(1), threshold: NationalRules.penaltyThresholdSessions, weeks: NationalRules.penaltyWindowSchoolWeeks),
            (seed: UInt64(2), threshold: NationalRules.penaltyThresholdSessions, weeks: NationalRules.penaltyWindowSchoolWeeks),
            (seed: UInt64(3), threshold: 4, weeks: 2),
            (seed: UInt64(4), threshold: 6, weeks: 3),
        ])
    func agrees(seed: UInt64, threshold: Int, weeks: Int) {
        var policy = Policy.standard()
        policy.penaltyNotice.thresholdSessions = threshold
        policy.penaltyNotice.windowSchoolWeeks = weeks
        let pupils = generate(40, seed: seed)
        var roll = AnalyticsRoll(calendar: calendar, year: year)
        for p in pupils { roll.append(p.analytics, marks: p.facts.codes) }
        let found = Dictionary(
            uniqueKeysWithValues: roll.penaltyScan(
                DateRange(from: span.from, to: day("2025-12-31")),
                rule: PenaltyRule(policy.penaltyNotice)
            ).map { ($0.id, $0) })
        let expected = byTheRule(pupils, policy: policy)
        var reached = 0
        for (i, p) in pupils.enumerated() {
            let rule = expected[i]
            if let f = found[p.facts.upn] {
                reached += 1
                #expect(f.maximumSessions == rule.most, "seed \(seed), \(p.facts.upn): kernel \(f.maximumSessions), rule \(rule.most)")
                #expect(f.firstReachedWeek == rule.first?.weekStart, "seed \(seed), \(p.facts.upn): first reached")
            } else {
                #expect(rule.most < threshold, "seed \(seed), \(p.facts.upn): the rule reaches \(rule.most), the kernel found nothing")
            }
        }
        // The generated rolls exercise both sides of the threshold.
        #expect(reached > 0 && reached < pupils.count, "seed \(seed): \(reached) of \(pupils.count) reached")
    }
}
