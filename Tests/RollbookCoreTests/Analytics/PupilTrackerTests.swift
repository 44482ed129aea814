import Testing

@testable import RollbookCore

private func weeks(_ counts: [(Int, Int)]) -> [PupilTracker.Week] {
    let monday = LocalDate(iso: "2025-09-01")!
    return counts.enumerated().map { i, c in PupilTracker.Week(weekStart: monday.adding(days: 7 * i), attended: c.0, possible: c.1) }
}

@Suite("Pupil tracker")
struct PupilTrackerTests {
    @Test("seed 000 §3.2 'Personal Attendance Tracker': the year, the latest week and the target in plain words, with no codes")
    func plainWords() {
        let t = PupilTracker(
            attended: 86, possible: 90,
            weeks: weeks([(10, 10), (10, 10), (8, 10), (10, 10), (9, 10), (9, 10), (10, 10), (10, 10), (10, 10)]),
            target: 0.96, individual: false)
        #expect(t.headline == "You have been in school 86 out of 90 times this year.")
        #expect(t.thisWeek.contains("every time (10 out of 10)"))
        #expect(t.target.hasPrefix("The school's target is 96%. You are at 95.6%, which is below it."))
        // 86 + n over 90 + n reaches 96% at n = 10: five days.
        #expect(t.target.hasSuffix("for 5 days would get you there."))
        #expect(!t.onTarget)
        // The latest 8 weeks, latest first.
        #expect(t.weeks.count == PupilTracker.weeksShown)
        #expect(t.weeks.first?.weekStart == LocalDate(iso: "2025-10-27"))
        #expect(t.weeks.map(\.state) == ["met", "met", "met", "missed", "missed", "met", "missed", "met"])
        #expect(t.weeks[3].sentence == "In school 9 out of 10 times.")
        // The last 3 weeks (30 of 30) against the 3 before (28 of 30).
        #expect(t.trend == "Your last 3 weeks were better than the 3 weeks before them. Keep it up!")
        for s in [t.headline, t.target, t.thisWeek, t.trend ?? ""] + t.weeks.map(\.sentence) {
            for jargon in ["session", "code", "unauthorised", "authorised", "persistent"] {
                #expect(!s.lowercased().contains(jargon), "\(s)")
            }
        }
    }

    @Test("seed 004 'individualised targets': an individual target is named as the pupil's own, and met below the school's")
    func individualTarget() {
        let t = PupilTracker(attended: 81, possible: 90, weeks: weeks([(9, 10), (8, 10)]), target: 0.9, individual: true)
        #expect(t.onTarget)
        #expect(t.target == "Your own target is 90%. You are at 90%, so you are meeting it. Well done!")
        #expect(t.weeks.map(\.state) == ["missed", "met"])
        #expect(t.trend == nil)
    }

    @Test("a week with no school for the pupil says so; a worse run says every day counts")
    func gapsAndDecline() {
        let t = PupilTracker(
            attended: 50, possible: 60, weeks: weeks([(10, 10), (10, 10), (10, 10), (0, 0), (8, 10), (6, 10), (6, 10)]), target: 0.96,
            individual: false)
        #expect(t.weeks.contains { $0.state == "none" && $0.percent == nil && $0.sentence == "No school for you this week." })
        #expect(t.trend == "Your last 3 weeks were not as good as the 3 weeks before them. Every day counts.")
        #expect(t.thisWeek == "Your latest week: you were in school 6 out of 10 times.")
    }

    @Test("days to reach the target: half a day, days, or weeks")
    func daysToReach() {
        #expect(PupilTracker.sessionsToReach(0.9, attended: 8, possible: 10) == 10)
        #expect(PupilTracker.daysWords(1) == "half a day")
        #expect(PupilTracker.daysWords(6) == "3 days")
        #expect(PupilTracker.daysWords(40) == "about 4 weeks")
        #expect(PupilTracker.sessionsToReach(1, attended: 8, possible: 10) == nil)
    }
}
