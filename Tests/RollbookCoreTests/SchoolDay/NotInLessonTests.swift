import Foundation
import Testing

@testable import RollbookCore

@Suite("In school, not in lesson; on site now")
struct NotInLessonTests {
    typealias F = SchoolDayFixtures
    static let date = F.day("2026-11-25")
    static let policy = SchoolDayPolicy.NotInLesson(notify: ["head_of_year", "pastoral"])

    static func day() -> DayTimetable { F.timetable().day(date, calendar: F.calendar)! }

    /// Pupil 1 present at P1, N at P3; pupil 2 present at P1 and P3; pupil 3 absent (I) all day.
    static func record(p3: [String: AttendanceCode] = [F.upn(1): .n, F.upn(2): .presentAM], movements: [Movement] = []) -> DayRecord {
        DayRecord(
            sessionMarks: [F.upn(1): .init(am: .presentAM), F.upn(2): .init(am: .presentAM), F.upn(3): .init(am: .i)],
            lessonMarks: [
                "P1 9A": [F.upn(1): .presentAM, F.upn(2): .presentAM, F.upn(3): .i],
                "P3 9x/Ma1": p3,
            ],
            movements: movements, amAt: F.t("8:30"), pmAt: F.t("13:00"))
    }

    @Test(
        "issue 17 'present at registration and absent from a later lesson': the alert names pupil, lesson, teacher and since when, after the policy's minutes"
    )
    func alertAfterMinutes() throws {
        // P3 starts at 10:50; with the default 10 minutes nothing is raised at 10:59, the alert is there at 11:00.
        #expect(NotInLessonScan.scan(day: Self.day(), record: Self.record(), now: F.t("10:59"), policy: Self.policy).alerts.isEmpty)
        let r = NotInLessonScan.scan(day: Self.day(), record: Self.record(), now: F.t("11:00"), policy: Self.policy)
        let a = try #require(r.alerts.first)
        #expect(r.alerts.count == 1)
        #expect(a.upn == F.upn(1) && a.lesson == "P3 9x/Ma1" && a.teacher == "m.okafor@school.example" && a.room == "M3")
        #expect(a.since == F.t("10:50") && a.mark == .n && a.notify == ["head_of_year", "pastoral"])
        // Last seen in P1 (P2's register was not taken).
        #expect(a.lastSeen == "present in P1 9A" && a.lastSeenAt == F.t("8:30"))
        #expect(a.words.contains("marked N in P3 9x/Ma1 (m.okafor@school.example, M3) since 10:50"))
        #expect(a.key == "not-in-lesson:2026-11-25:\(F.upn(1)):P3")
        // The policy's own minutes: 5.
        let five = SchoolDayPolicy.NotInLesson(afterMinutes: 5, notify: ["attendance_lead"])
        #expect(NotInLessonScan.scan(day: Self.day(), record: Self.record(), now: F.t("10:55"), policy: five).alerts.count == 1)
    }

    @Test("unmarked in a taken register counts as absent; a register not taken raises no alert but is listed")
    func unmarkedAndNotTaken() {
        let r = NotInLessonScan.scan(
            day: Self.day(), record: Self.record(p3: [F.upn(2): .presentAM]), now: F.t("11:00"), policy: Self.policy)
        #expect(r.alerts.map(\.upn) == [F.upn(1)] && r.alerts.first?.mark == nil)
        // P2 9A and P3 9x/Ma2 have no marks at all: not taken, and nobody is alerted for them.
        #expect(r.registersNotTaken.map(\.registerName) == ["P2 9A", "P3 9x/Ma2"])
        let none = NotInLessonScan.scan(day: Self.day(), record: Self.record(p3: [:]), now: F.t("11:00"), policy: Self.policy)
        #expect(none.alerts.isEmpty && none.registersNotTaken.map(\.registerName).contains("P3 9x/Ma1"))
    }

    @Test("a pupil signed out before the lesson, absent with a known reason, or absent at registration raises nothing")
    func exclusions() {
        let out = Self.record(movements: [Movement(upn: F.upn(1), kind: .signedOut, at: F.t("10:40"))])
        #expect(NotInLessonScan.scan(day: Self.day(), record: out, now: F.t("11:30"), policy: Self.policy).alerts.isEmpty)
        // Signed out and back before the lesson: alerted again.
        let back = Self.record(movements: [
            Movement(upn: F.upn(1), kind: .signedOut, at: F.t("9:40")), Movement(upn: F.upn(1), kind: .returned, at: F.t("10:40")),
        ])
        #expect(NotInLessonScan.scan(day: Self.day(), record: back, now: F.t("11:30"), policy: Self.policy).alerts.count == 1)
        let medical = Self.record(p3: [F.upn(1): .m, F.upn(2): .presentAM])
        #expect(NotInLessonScan.scan(day: Self.day(), record: medical, now: F.t("11:30"), policy: Self.policy).alerts.isEmpty)
        // Pupil 3 (I at registration) is in 9x/Ma2, unmarked there: not seen present today, so no alert.
        let ma2 = Self.record(p3: [F.upn(1): .presentAM, F.upn(2): .presentAM])
        var withMa2 = ma2
        withMa2.lessonMarks["P3 9x/Ma2"] = ["X": .presentAM]
        #expect(NotInLessonScan.scan(day: Self.day(), record: withMa2, now: F.t("11:30"), policy: Self.policy).alerts.isEmpty)
        // A late sign-in counts as seen present: pupil 3 signed in at 10:00 and missing from P3 is alerted.
        var late = withMa2
        late.movements = [Movement(upn: F.upn(3), kind: .signedIn, at: F.t("10:00"))]
        let a = NotInLessonScan.scan(day: Self.day(), record: late, now: F.t("11:30"), policy: Self.policy).alerts
        #expect(a.map(\.upn) == [F.upn(3)] && a.first?.lastSeenAt == F.t("10:00"))
    }

    @Test("later lessons missed join the same alert; present again ends the spell")
    func spell() {
        var r = Self.record()
        r.sessionMarks[F.upn(1)]?.pm = .n
        r.lessonMarks["P4 9A"] = [F.upn(1): .n, F.upn(2): .presentPM]
        r.lessonMarks["P2 9A"] = [F.upn(1): .presentAM, F.upn(2): .presentAM]
        let a = NotInLessonScan.scan(day: Self.day(), record: r, now: F.t("14:00"), policy: Self.policy).alerts
        #expect(a.count == 1 && a.first?.laterLessons == ["P4 9A"])
        #expect(a.first?.lastSeen == "present in P2 9A" && a.first?.lastSeenAt == F.t("9:30"))
    }

    @Test("issue 17 'resolving it records whether it was truancy': only truancy becomes a missed_lesson record for the ladder")
    func resolution() throws {
        let a = try #require(
            NotInLessonScan.scan(day: Self.day(), record: Self.record(), now: F.t("11:00"), policy: Self.policy).alerts.first)
        let t = try #require(NotInLessonResolution.truancy.truancyRecord(for: a, pmFrom: F.t("13:00")))
        #expect(t == TruancyRecord(date: Self.date, session: .am, kind: .missedLesson, lesson: "P3 9x/Ma1"))
        #expect(NotInLessonResolution.knownReason.truancyRecord(for: a, pmFrom: F.t("13:00")) == nil)
        #expect(NotInLessonResolution.registerError.truancyRecord(for: a, pmFrom: F.t("13:00")) == nil)
        #expect(NotInLessonResolution.allCases.map(\.rawValue) == ["truancy", "known_reason", "register_error"])
    }

    @Test("a whole 1,200-pupil school, 6 periods: one alert per truant, none for the rest (the scan is linear)")
    func wholeSchool() {
        var periods: [TimetablePeriod] = []
        var lessons: [TimetabledLesson] = []
        var groups: [TeachingGroup] = []
        for p in 1...6 {
            periods.append(.init(cycleDay: 1, id: "P\(p)", start: TimeOfDay(minutes: 480 + 60 * p), end: TimeOfDay(minutes: 530 + 60 * p)))
        }
        for g in 0..<40 {
            groups.append(.init(id: "G\(g)", kind: .class, pupils: (0..<30).map { F.upn(g * 30 + $0 + 1) }))
            for p in 1...6 { lessons.append(.init(cycleDay: 1, period: "P\(p)", group: "G\(g)", teacher: "t\(g)", room: "R\(g)")) }
        }
        let t = Timetable(
            effectiveFrom: F.day("2026-09-01"), cycleStart: F.day("2026-09-01"), cycleDays: 1, periods: periods, groups: groups,
            lessons: lessons)
        let day = DayTimetable(
            date: Self.date, cycleDay: 1, periods: periods,
            lessons: t.lessons.map { l in
                let p = periods.first { $0.id == l.period }!
                return .init(
                    period: l.period, start: p.start, end: p.end, group: l.group, teacher: l.teacher, room: l.room,
                    pupils: groups.first { $0.id == l.group }!.pupils)
            })
        var sessions: [String: DayRecord.SessionMarks] = [:]
        var marks: [String: [String: AttendanceCode]] = [:]
        for (i, l) in day.lessons.enumerated() {
            var m: [String: AttendanceCode] = [:]
            for (j, upn) in l.pupils.enumerated() {
                sessions[upn] = .init(am: .presentAM)
                // Every 50th pupil misses P3 onwards.
                m[upn] = (j + i) % 50 == 0 && l.period >= "P3" ? .n : .presentAM
            }
            marks[l.registerName] = m
        }
        let truants = Set(
            day.lessons.flatMap { l in
                l.pupils.enumerated().filter { (j, _) in l.period >= "P3" && (j + day.lessons.firstIndex(of: l)!) % 50 == 0 }.map(\.1)
            })
        let r = NotInLessonScan.scan(
            day: day, record: DayRecord(sessionMarks: sessions, lessonMarks: marks, amAt: F.t("9:00"), pmAt: F.t("13:00")),
            now: F.t("15:00"), policy: Self.policy)
        #expect(Set(r.alerts.map(\.upn)) == truants)
        #expect(r.alerts.count == truants.count && !truants.isEmpty)
    }

    @Test("issue 17 'on site now': latest mark or movement decides, per form; sign-outs and off-site codes take pupils off")
    func onSite() {
        var r = Self.record(movements: [
            Movement(upn: F.upn(2), kind: .signedOut, at: F.t("11:15")),
            Movement(upn: F.upn(4), kind: .signedIn, at: F.t("9:50")),
        ])
        r.sessionMarks[F.upn(5)] = .init(am: .v)  // on a trip
        let forms = [F.upn(1): "9A", F.upn(2): "9A", F.upn(3): "9A", F.upn(4): "9B"]
        // At 10:00 pupils 1, 2 (registered) and 4 (late sign-in) are on site; 3 is ill, 5 on a trip.
        #expect(OnSite.pupils(record: r, day: Self.day(), now: F.t("10:00")) == [F.upn(1), F.upn(2), F.upn(4)])
        // At 11:30 pupil 1 was marked N in P3 and pupil 2 signed out.
        let later = OnSite.byForm(record: r, day: Self.day(), now: F.t("11:30"), formOf: forms)
        #expect(later == [OnSite.Group(name: "9B", upns: [F.upn(4)])])
        // Back at 12:00: on site again.
        r.movements.append(Movement(upn: F.upn(2), kind: .returned, at: F.t("12:00")))
        #expect(OnSite.pupils(record: r, day: Self.day(), now: F.t("12:05")) == [F.upn(2), F.upn(4)])
        // Before anyone is registered nobody is on site.
        #expect(OnSite.pupils(record: r, day: Self.day(), now: F.t("8:00")).isEmpty)
    }
}
