import Foundation
import Testing

@testable import RollbookCore

// Rewards against individual targets, postcards, house cups by key stage and the termly letter's recognition, on a
// small roll built by hand: every figure below is worked out in the comments.

private func day(_ s: String) -> LocalDate { LocalDate(iso: s)! }

private let year2025 = AcademicYear(startYear: 2025)

/// Two half terms of the autumn term: A, 1-12 September, and B, 15-26 September (10 school days, 20 sessions each).
private let calendar = SchoolCalendar(entries: [
    CalendarEntry(start: day("2025-09-01"), end: day("2025-09-12"), kind: .term),
    CalendarEntry(start: day("2025-09-15"), end: day("2025-09-26"), kind: .term),
])
private let halfA = DateRange(from: day("2025-09-01"), to: day("2025-09-12"))
private let halfB = DateRange(from: day("2025-09-15"), to: day("2025-09-26"))
private let autumn = DateRange(from: day("2025-09-01"), to: day("2025-09-26"))

/// - Ann (Y1, Red): present throughout: 20/20 in A and in B.
/// - Ben (Y2, Blue): ill (I) all Tuesday 2 September, so 18/20 (90%) in A; ill on Tuesday 16 September AM, 19/20
///   (95%) in B: up 5 points. The year: 37/40 (92.5%).
/// - Cal (Y3, Red): 20/20 in A; ill Monday 22 and Tuesday 23 September, 16/20 (80%) in B. The year: 36/40 (90%).
/// - Dee (Y4, Blue), Eve (Reception, Green): present throughout.
private func roll() -> AnalyticsRoll {
    var r = AnalyticsRoll(calendar: calendar, year: year2025)
    func add(_ id: String, _ yearGroup: String, _ house: String, absent: [(String, Bool, Bool)]) {
        var marks = SessionArray(covering: autumn)
        var d = autumn.from
        while d <= autumn.to {
            if !d.isWeekend {
                marks[d, .am] = .presentAM
                marks[d, .pm] = .presentPM
            }
            d = d.adding(days: 1)
        }
        for (date, am, pm) in absent {
            if am { marks[day(date), .am] = .i }
            if pm { marks[day(date), .pm] = .i }
        }
        r.append(
            AnalyticsPupil(
                id: id, name: id,
                enrolment: Enrolment(
                    startingDay: day("2025-09-01"), leavingDay: nil, yearGroup: yearGroup, yearGroupYear: year2025),
                form: "\(yearGroup)A", house: house, sex: "F"),
            marks: marks)
    }
    add("Ann", "1", "Red", absent: [])
    add("Ben", "2", "Blue", absent: [("2025-09-02", true, true), ("2025-09-16", true, false)])
    add("Cal", "3", "Red", absent: [("2025-09-22", true, true), ("2025-09-23", true, true)])
    add("Dee", "4", "Blue", absent: [])
    add("Eve", "R", "Green", absent: [])
    return r
}

private func rewards(postcards: Policy.Rewards.Postcards?) -> Policy.Rewards {
    .init(improving: .init(compareWith: .previousHalfTerm, byPoints: 2), postcards: postcards)
}

@Suite("Rewards: own targets, postcards, house cups")
struct RewardsMoreTests {
    @Test(
        "seed 004 'not unfairly excluded from attendance rewards, e.g. by setting individualised targets': a pupil with their own target is judged against it in the at-or-above list"
    )
    func individualTargets() {
        let r = roll()
        // 96% over the term: Ann, Dee and Eve (100%); Ben 92.5% and Cal 90% are below.
        #expect(r.atTarget(autumn, target: 0.96).map(\.now.id) == ["Ann", "Dee", "Eve"])
        // Cal's own target of 90% is met exactly; Ben's own 95% is not.
        let own = r.atTarget(autumn, target: 0.96, own: ["Cal": 0.9, "Ben": 0.95])
        #expect(own.map(\.now.id) == ["Ann", "Cal", "Dee", "Eve"])
        #expect(own.first { $0.now.id == "Cal" }.map { $0.own && $0.target == 0.9 } == true)
        #expect(own.filter(\.own).count == 1)
        // An own target is the pupil's even when it is above the school's: Ben's 95.1% is not met by his 95% in B.
        #expect(r.atTarget(halfB, target: 0.96, own: ["Ben": 0.951]).map(\.now.id) == ["Ann", "Dee", "Eve"])
    }

    @Test(
        "seed 004 'Electronic postcards for 100% attendance at the end of each half-term and end of year': the periods that have ended, 100% pupils, and improved attendance where the policy says"
    )
    func postcards() throws {
        let r = roll()
        let policy = rewards(postcards: .init(fullAttendance: [.halfTerm, .year], improving: true))
        // On Saturday 20 September only half term A has ended.
        #expect(r.postcardPeriods(policy, through: day("2025-09-20")).map(\.id) == ["half_term-2025-09-01"])
        let periods = r.postcardPeriods(policy, through: day("2025-09-27"))
        #expect(periods.map(\.id) == ["half_term-2025-09-01", "half_term-2025-09-15", "year-2025-09-01"])
        #expect(periods[0].before == nil && periods[1].before == halfA && periods[2].before == nil)
        #expect(r.schoolDaySpan(periods[2].range) == autumn)
        // A: everyone but Ben at 100%; no half term before it to improve on.
        let a = r.postcards(periods[0], rewards: policy)
        #expect(a.map(\.pupil.id) == ["Ann", "Cal", "Dee", "Eve"] && a.allSatisfy { $0.kind == .fullAttendance })
        // B: Ann, Dee and Eve at 100%; Ben up from 90% to 95% (+5 points); Cal fell, so nothing.
        let b = r.postcards(periods[1], rewards: policy)
        #expect(b.map(\.pupil.id) == ["Ann", "Ben", "Dee", "Eve"])
        #expect(b.first { $0.pupil.id == "Ben" }.map { $0.kind == .improving && $0.points == 5 } == true)
        // The year: 100% only.
        #expect(r.postcards(periods[2], rewards: policy).map(\.pupil.id) == ["Ann", "Dee", "Eve"])
        // Without improving postcards, B sends 100% ones only; a pupil with 100% never also gets an improving one.
        let fullOnly = rewards(postcards: .init(fullAttendance: [.halfTerm]))
        let b2 = try #require(r.postcardPeriods(fullOnly, through: day("2025-09-27")).last)
        #expect(r.postcards(b2, rewards: fullOnly).map(\.pupil.id) == ["Ann", "Dee", "Eve"])
        // The words are the parents': the child's name, the period, the school; no figure or staff text.
        let w = Postcard.words(.fullAttendance, forename: "Ann", period: "this half term", school: "Oak Lane Primary")
        #expect(w.subject == "A postcard from Oak Lane Primary: Ann was in school every day")
        #expect(w.body.hasPrefix("Congratulations! Ann attended every session this half term."))
        #expect(
            Postcard.words(.improving, forename: "Ben", period: "this term", school: "X").body.contains("Ben's attendance has improved"))
    }

    @Test("rewards.postcards is validated, naming the setting")
    func postcardsValidated() throws {
        var p = try SeedPolicyTests.seed(4)
        func field(_ r: Policy.Rewards) -> String? {
            p.rewards = r
            do { try p.validate() } catch { return error.field }
            return nil
        }
        #expect(field(.init(postcards: .init())) == "rewards.postcards")
        #expect(field(.init(postcards: .init(fullAttendance: [.week]))) == "rewards.postcards.full_attendance[0]")
        #expect(field(.init(postcards: .init(fullAttendance: [.year, .year]))) == "rewards.postcards.full_attendance[1]")
        #expect(field(.init(postcards: .init(improving: true))) == "rewards.postcards.improving")
        #expect(field(.init(atLeast: 0)) == "rewards.at_least")
        #expect(field(.init(atLeast: 1.5)) == "rewards.at_least")
        #expect(field(.init(atLeast: 0.96, individualTargets: true, postcards: .init(fullAttendance: [.halfTerm, .year]))) == nil)
        // The termly letter for improving pupils needs the policy's measure of improving.
        p.rewards = nil
        p.termlyLetters = TermlyLetters(
            letters: [.init(band: p.bands[0].name, letter: "rag-green")], improving: "congratulations-improvement")
        var f: String?
        do { try p.validate() } catch { f = error.field }
        #expect(f == "termly_letters.improving")
    }

    @Test(
        "seed 003 'KS1 and KS2 House Attendance Cups ... for the best house attendance': houses ranked within each key stage, not across the school"
    )
    func houseCups() {
        let r = roll()
        // Half term B. Whole school: Green (Eve 20/20) 100%, Blue (Ben 19, Dee 20: 39/40), Red (Ann 20, Cal 16: 36/40).
        let school = r.houseCups(halfB, byKeyStage: false)
        #expect(school.count == 1 && school[0].keyStage == nil && school[0].winners == ["Green"])
        #expect(school[0].rows.map(\.group.value) == ["Green", "Blue", "Red"])
        // By key stage: EYFS Green (Eve); KS1 Red (Ann 20/20) beats Blue (Ben 19/20); KS2 Blue (Dee 20/20) beats Red (Cal 16/20).
        let cups = r.houseCups(halfB, byKeyStage: true)
        #expect(cups.map(\.keyStage) == [.earlyYears, .ks1, .ks2])
        #expect(cups.map(\.winners) == [["Green"], ["Red"], ["Blue"]])
        #expect(cups[1].rows.map(\.group.value) == ["Red", "Blue"] && cups[1].rows.map(\.statistics.pupils) == [1, 1])
        #expect(cups[2].rows.last?.attendanceRate == 0.8)
        // In half term A Ben's absence loses KS1 for Blue; KS2 is a tie, both ranked first.
        let a = r.houseCups(halfA, byKeyStage: true)
        #expect(a[1].winners == ["Red"] && a[2].winners.sorted() == ["Blue", "Red"])
        // A filter narrows the pupils counted: only Red's, so no early years house and Red alone in KS1 and KS2.
        #expect(
            r.houseCups(halfB, byKeyStage: true, filter: .group(AnalyticsGroup(.house, "Red"))).map(\.winners) == [[], ["Red"], ["Red"]])
    }

    @Test(
        "seed 003 'individual reward charts': a star for each school week at the pupil's target, the stars in a row up to the latest, in words"
    )
    func rewardChart() {
        func week(_ d: String, _ a: Int, _ p: Int) -> PupilTracker.Week { PupilTracker.Week(weekStart: day(d), attended: a, possible: p) }
        // 100%, 50%, a week with no school, 9 of 10 (90%), 10 of 10: against 90%, four weeks with school, three stars.
        let weeks = [
            week("2025-09-01", 10, 10), week("2025-09-08", 5, 10), week("2025-09-15", 0, 0), week("2025-09-22", 9, 10),
            week("2025-09-29", 10, 10),
        ]
        let c = RewardChart(weeks: weeks, target: 0.9)
        #expect(c.weeks.map(\.star) == [true, false, true, true])
        #expect(c.stars == 3 && c.streak == 2)
        #expect(
            c.sentence
                == "You have 3 stars on your chart: 3 of your 4 school weeks this year were at your target. That is 2 weeks in a row. Keep going!"
        )
        // Against 95% only the full weeks count; the tracker carries the same chart.
        #expect(RewardChart(weeks: weeks, target: 0.95).weeks.map(\.star) == [true, false, false, true])
        let t = PupilTracker(attended: 34, possible: 40, weeks: weeks, target: 0.9, individual: true)
        #expect(t.chart == c)
        #expect(RewardChart(weeks: [], target: 0.9).sentence == "Your chart starts with your first week in school.")
        #expect(
            RewardChart(weeks: [week("2025-09-01", 1, 2)], target: 0.9).sentence.hasPrefix(
                "You have 0 stars on your chart: 0 of your 1 school week"))
    }

    @Test("key stages from year groups: Nursery and Reception early years, 1-2 KS1, 3-6 KS2, 7-9 KS3, 10-11 KS4, 12-13 KS5")
    func keyStages() {
        #expect(
            ["N1", "R", "1", "2", "3", "6", "7", "9", "10", "11", "12", "13"].map { KeyStage(yearGroup: $0) } == [
                .earlyYears, .earlyYears, .ks1, .ks1, .ks2, .ks2, .ks3, .ks3, .ks4, .ks4, .ks5, .ks5,
            ])
        #expect(KeyStage(yearGroup: "X") == nil && KeyStage(yearGroup: "") == nil)
        #expect(KeyStage.ks1.label == "Key stage 1")
    }

    @Test(
        "seed 004 'those with 100%, 96% and those with improved attendance': the termly letter run gives 100% pupils and improving pupils their own letters before their band's"
    )
    func termlyRecognition() throws {
        let bands = AttendanceBands(bands: [
            .init(name: "95% or more", from: 0.95, tone: "green"), .init(name: "below 95%", from: 0, tone: "red"),
        ])
        let config = TermlyLetters(
            letters: [.init(band: "95% or more", letter: "rag-green"), .init(band: "below 95%", letter: "rag-red")],
            fullAttendance: "full-attendance", improving: "congratulations-improvement")
        // 0: 100%; 1: improving at 92%; 2: 100% and improving; 3: 90%; 4: no sessions.
        let plan = config.plan(rates: [1, 0.92, 1, 0.9, nil], bands: bands, fullAttendance: [0, 2], improving: [1, 2])
        #expect(plan.map(\.index) == [0, 1, 2, 3])
        #expect(plan.map(\.letter) == ["full-attendance", "congratulations-improvement", "full-attendance", "rag-red"])
        #expect(plan.map(\.reason) == [.fullAttendance, .improving, .fullAttendance, .band])
        #expect(plan[1].band.name == "below 95%")
        // Without those letters, everyone gets their band's.
        let plain = TermlyLetters(letters: config.letters)
        #expect(plain.plan(rates: [1, 0.92], bands: bands, fullAttendance: [0], improving: [1]).map(\.letter) == ["rag-green", "rag-red"])
        #expect(LetterTemplate.builtIn("full-attendance") != nil)
    }
}
