import Testing

@testable import RollbookCore

// Continuous absence is counted twice: the worklist walks back from the evaluation date over its session bytes
// (`EvalPlan.absenceRuns`), and the LA return reads every spell forward (`LAReturns.spells`). Both say they count
// a day as the other does; this property test holds them to it on generated rolls: on every school day, the run the
// worklist reports (G, N or O throughout; I throughout) is as long as the LA return's ongoing spell.

private typealias SplitMix = GeneratedRolls.SplitMix
private let calendar = GeneratedRolls.calendar
private let year = GeneratedRolls.year
private let span = GeneratedRolls.span
private func day(_ s: String) -> LocalDate { GeneratedRolls.day(s) }

/// Pupils whose days come in runs: each day keeps the last day's kind (present, G/N/O, I or mixed) with a high chance,
/// so long spells occur; some sessions are unmarked, D (not possible) or U (which breaks a G, N, O spell).
private func generate(_ count: Int, seed: UInt64) -> [ReturnPupil] {
    var rng = SplitMix(state: seed)
    let gno: [AttendanceCode] = [.g, .n, .o]
    return (0..<count).map { i in
        let yearGroup = i % 2 == 0 ? "3" : "4"
        let start = Double.random(in: 0..<1, using: &rng) < 0.8 ? span.from : span.from.adding(days: Int.random(in: 0..<40, using: &rng))
        let leave: LocalDate? =
            Double.random(in: 0..<1, using: &rng) < 0.1 ? start.adding(days: Int.random(in: 30..<100, using: &rng)) : nil
        let record = PupilRecord(
            upn: "P\(i)", legalSurname: "Test", legalForename: "P\(i)",
            dateOfBirth: day(yearGroup == "3" ? "2017-03-01" : "2016-03-01"), sex: "F", yearGroup: yearGroup,
            form: yearGroup + "A", startingDay: start, leavingDay: leave)
        var p = ReturnPupil(record: record, yearGroupYear: year, marks: SessionArray(covering: span))
        var kind = 0
        var d = span.from
        while d <= span.to {
            if Double.random(in: 0..<1, using: &rng) < 0.2 { kind = Int.random(in: 0..<4, using: &rng) }
            for s in Session.allCases {
                let r = Double.random(in: 0..<1, using: &rng)
                if r < 0.02 { continue }  // unmarked
                if r < 0.04 {
                    p.marks[d, s] = .d
                    continue
                }
                if r < 0.05 {
                    p.marks[d, s] = .u
                    continue
                }
                switch kind {
                case 1: p.marks[d, s] = gno.randomElement(using: &rng)!
                case 2: p.marks[d, s] = .i
                case 3: p.marks[d, s] = [AttendanceCode.i, .o, .presentAM].randomElement(using: &rng)!
                default: p.marks[d, s] = s == .am ? .presentAM : .presentPM
                }
            }
            d = d.adding(days: 1)
        }
        return p
    }
}

@Suite("LA returns: continuous absence agrees with the worklist's count")
struct ContinuousAbsencePropertyTests {
    @Test("on generated rolls, G/N/O and illness spells", arguments: [UInt64(11), 12, 13])
    func agrees(seed: UInt64) {
        var policy = Policy.standard()
        // Every run of at least one day is reported, with its length.
        policy.missingEducation.continuousUnauthorisedSchoolDays = 1
        policy.missingEducation.illnessSchoolDays = 0
        let pupils = generate(24, seed: seed)
        let facts = pupils.map {
            PupilFacts(
                upn: $0.record.upn, name: $0.record.upn, dateOfBirth: $0.record.dateOfBirth,
                enrolment: $0.enrolment, codes: $0.marks)
        }
        var runs = 0
        var d = span.from
        while d <= span.to {
            defer { d = d.adding(days: 1) }
            guard calendar.isSchoolDay(d) else { continue }
            let actions = Evaluation.run(policy: policy, calendar: calendar, asOf: d, pupils: facts, casework: [:])
            for p in pupils where p.enrolment.isOnRoll(d) {
                func worklist(_ rule: String) -> Int {
                    actions.first { $0.upn == p.record.upn && $0.rule == rule }.flatMap { $0.figures["school_days"] }.map(Int.init) ?? 0
                }
                func returned(_ kind: LAReturns.SpellKind) -> Int {
                    LAReturns.spells(p, kind: kind, calendar: calendar, range: span, asOf: d).last.map { $0.ongoing ? $0.schoolDays : 0 }
                        ?? 0
                }
                let gno = worklist("missing_education.continuous_unauthorised_school_days")
                let ill = worklist("missing_education.illness_school_days")
                #expect(gno == returned(.unauthorised), "seed \(seed), \(p.record.upn) on \(d): G/N/O")
                #expect(ill == returned(.illness), "seed \(seed), \(p.record.upn) on \(d): illness")
                if gno > 2 || ill > 2 { runs += 1 }
            }
        }
        #expect(runs > 0, "seed \(seed): the generated rolls hold runs")
    }
}
