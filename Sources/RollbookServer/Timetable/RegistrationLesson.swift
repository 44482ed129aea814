import Foundation
import RollbookCore
import RollbookStore
import Vapor

extension TimetabledLessons {
    /// When the policy names `lesson`'s period as the AM or PM registration (`school_day.registration`), its marks become
    /// the statutory marks through the audited register write: L or U decided again against the register times, and a
    /// reason recorded before the register never replaced by an N. Returns how many statutory marks were written.
    @discardableResult
    func recordSessionMarks(date: LocalDate, lesson: DayTimetable.Lesson, body: SubmitLessonDTO) async throws -> Int {
        let policy = try await req.store.policy(schoolID: user.schoolID, on: date)
        guard let session = policy.schoolDay?.registration?.session(ofPeriod: lesson.period) else { return 0 }
        let calendar = try await req.store.calendar(schoolID: user.schoolID)
        let period = TimetablePeriod(cycleDay: 0, id: lesson.period, start: lesson.start, end: lesson.end)
        let pupils = try await Registers(req: req, user: user).submittedPupils(body.marks.map(\.upn), date: date)
        let existing = try await req.store.marks(pupilIDs: pupils.compactMap(\.id), date: date, session: session)
        var writes: [MarkWrite] = []
        for (m, p) in zip(body.marks, pupils) where calendar.isOpen(date, session, yearGroup: p.yearGroup) {
            // Already checked by the lesson register's write.
            guard let id = p.id, let code = try? AttendanceCode.parse(m.code, on: date) else { continue }
            let current = existing[id].flatMap { r in
                AttendanceCode.lookup(r.code).map { Mark(date: date, session: session, code: $0, minutesLate: r.minutesLate) }
            }
            switch RegistrationMarks.outcome(
                lesson: LessonMark(code: code, minutesLate: m.minutesLate), lessonName: lesson.registerName, period: period,
                session: session, date: date, register: policy.register, existing: current)
            {
            case .firstEntry(let mark): writes.append(MarkWrite(pupilID: id, mark: mark))
            case .amend(let mark, let reason): writes.append(MarkWrite(pupilID: id, mark: mark, reason: reason))
            case .unchanged, .keep: continue
            }
        }
        guard !writes.isEmpty else { return 0 }
        let s = try await req.store.record(writes, by: user.actor, at: req.clock.now().timestamp)
        return s.created + s.amended
    }
}
