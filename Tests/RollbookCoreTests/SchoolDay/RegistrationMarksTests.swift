import Foundation
import Testing

@testable import RollbookCore

@Suite("Registration period: the lesson mark becomes the AM/PM mark")
struct RegistrationMarksTests {
    typealias F = SchoolDayFixtures
    static let date = F.day("2026-11-25")
    /// Seed 000 §5.4.1: first registration at the start of Lesson 1 at 8.30; L until the register closes at 9:29.
    static let register = RegisterTimes(
        am: RegisterWindow(opens: F.t("8:30"), lateAfter: F.t("8:30"), closes: F.t("9:29")),
        pm: RegisterWindow(opens: F.t("13:00"), closes: F.t("13:20")))
    static let p1 = TimetablePeriod(cycleDay: 3, id: "P1", start: F.t("8:30"), end: F.t("9:30"))
    static let p4 = TimetablePeriod(cycleDay: 3, id: "P4", start: F.t("13:00"), end: F.t("14:00"))

    func mark(_ m: LessonMark, _ p: TimetablePeriod = p1, _ s: Session = .am) -> Mark {
        RegistrationMarks.sessionMark(from: m, period: p, session: s, date: Self.date, register: Self.register)
    }

    @Test("issue 17 'marks taken there become the statutory AM/PM marks': present, absence codes kept, the policy names the period")
    func presentAndAbsent() {
        let reg = SchoolDayPolicy.Registration(am: "P1", pm: "P4")
        #expect(reg.session(ofPeriod: "P1") == .am && reg.session(ofPeriod: "P4") == .pm && reg.session(ofPeriod: "P2") == nil)
        #expect(mark(LessonMark(code: .presentAM)).code == .presentAM)
        #expect(mark(LessonMark(code: .presentAM), Self.p4, .pm).code == .presentPM)
        #expect(mark(LessonMark(code: .n)) == Mark(date: Self.date, session: .am, code: .n))
        #expect(mark(LessonMark(code: .m), Self.p4, .pm).code == .m)
    }

    @Test("seed 000 §5.4.1 'late to registration recorded as L': L or U is decided from the register's close, not the lesson")
    func lateFromCloseTime() {
        // 20 minutes into P1 (8:50) is before the AM register closes at 9:29: L, 20 minutes late.
        #expect(mark(LessonMark(code: .late, minutesLate: 20)) == Mark(date: Self.date, session: .am, code: .late, minutesLate: 20))
        // The teacher marked L, but at 9:35 the register has closed: U, 65 minutes after 8:30.
        #expect(mark(LessonMark(code: .late, arrival: F.t("9:35"))) == Mark(date: Self.date, session: .am, code: .u, minutesLate: 65))
        // U marked at 8:31 by the lesson is still L by the register's times.
        #expect(mark(LessonMark(code: .u, arrival: F.t("8:31"))).code == .late)
        // In the afternoon, 25 minutes into P4 (13:25) is after the PM close at 13:20.
        #expect(mark(LessonMark(code: .late, minutesLate: 25), Self.p4, .pm).code == .u)
    }

    @Test("an existing statutory mark: unchanged, amended through the audit with a reason, or a known reason kept over N")
    func outcomes() {
        func outcome(_ l: LessonMark, existing: Mark?) -> RegistrationMarks.Outcome {
            RegistrationMarks.outcome(
                lesson: l, lessonName: "P1 9A", period: Self.p1, session: .am, date: Self.date, register: Self.register,
                existing: existing)
        }
        let present = Mark(date: Self.date, session: .am, code: .presentAM)
        #expect(outcome(LessonMark(code: .presentAM), existing: nil) == .firstEntry(present))
        #expect(outcome(LessonMark(code: .presentAM), existing: present) == .unchanged)
        let n = Mark(date: Self.date, session: .am, code: .n)
        #expect(outcome(LessonMark(code: .presentAM), existing: n) == .amend(present, reason: "from the registration lesson P1 9A"))
        // A parent's report coded I before the register is not overwritten by the lesson's N.
        guard case .keep(let why) = outcome(LessonMark(code: .n), existing: Mark(date: Self.date, session: .am, code: .i)) else {
            Issue.record("an I was overwritten by N")
            return
        }
        #expect(why.contains("I (Illness)"))
        // ...but a pupil who turns up anyway is marked present, through the audited amendment.
        guard case .amend(let m, _) = outcome(LessonMark(code: .presentAM), existing: Mark(date: Self.date, session: .am, code: .i))
        else {
            Issue.record("present did not amend I")
            return
        }
        #expect(m.code == .presentAM)
        // A teacher's earlier present corrected to N is an amendment, not kept.
        guard case .amend = outcome(LessonMark(code: .n), existing: present) else {
            Issue.record("present to N was not an amendment")
            return
        }
    }
}
