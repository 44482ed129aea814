// Lesson lateness (seed 000 §5.4.4 "if they are late for a lesson, will receive a late to learning detention"): with
// the policy's `lateness_includes_lessons`, each lesson marked L counts as a late arrival (L) for the lateness rungs and
// the stages' `late_count` triggers.

/// A lesson register's L: the day and the lesson's register name (`P3 9x/Ma1`).
public struct LessonLate: Sendable, Hashable, Codable {
    public var date: LocalDate
    public var lesson: String
    public init(date: LocalDate, lesson: String) {
        self.date = date
        self.lesson = lesson
    }
    /// The timetable period, the register name's first word.
    public var period: String { String(lesson.prefix { $0 != " " }) }
}

extension Policy {
    /// Lesson lates count towards the lateness rules.
    public var countsLessonLates: Bool { latenessIncludesLessons == true }

    /// The lesson lates that count: none without `lateness_includes_lessons`; never a registration period's
    /// (`school_day.registration`), whose L is already the AM or PM mark.
    public func countedLessonLates(_ lates: [LessonLate]) -> [LessonLate] {
        guard countsLessonLates else { return [] }
        let registration = schoolDay?.registration
        return lates.filter { registration?.session(ofPeriod: $0.period) == nil }
    }

    /// `lateness_includes_lessons` needs a rule that counts L: a lateness rung, or a stage's `late_count` trigger.
    func validateLessonLateness() throws(ValidationError) {
        guard countsLessonLates else { return }
        let rung = lateness.contains { $0.codes.contains("L") }
        let trigger = stages.contains { $0.triggerList.contains { $0.measure == .lateCount && ($0.codes ?? ["L", "U"]).contains("L") } }
        guard rung || trigger else {
            throw ValidationError(
                field: "lateness_includes_lessons",
                reason:
                    "no lateness rung or late_count trigger counts L, so lesson lates would count towards nothing: add one or leave this out"
            )
        }
    }
}

extension EvalPlan {
    /// Adds the pupil's counted lesson lates to the L counter (`fill` has run): one per lesson, on its day.
    func addLessonLates(_ lates: [LessonLate], _ s: inout EvalScratch) {
        var perDay: [Int32] = []
        for l in policy.countedLessonLates(lates) {
            let i = index(l.date)
            guard i >= 0, i <= last else { continue }
            if perDay.isEmpty { perDay = [Int32](repeating: 0, count: n) }
            perDay[i] += 1
        }
        guard !perDay.isEmpty else { return }
        let stride = EvalCounter.stride
        var extra: Int32 = 0
        for i in 0..<n {
            extra += perDay[i]
            s.pre[(i + 1) * stride + EvalCounter.late] += extra
        }
    }

    /// How many counted lesson lates fall on days [a, b], for the words of an action.
    func lessonLates(_ cw: Casework, from a: Int, through b: Int) -> Int {
        guard policy.countsLessonLates, !cw.lessonLates.isEmpty else { return 0 }
        let from = date(max(0, a))
        let to = date(b)
        return policy.countedLessonLates(cw.lessonLates).count { $0.date >= from && $0.date <= to }
    }
}
