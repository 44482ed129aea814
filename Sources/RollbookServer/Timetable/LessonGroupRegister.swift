import Foundation
import RollbookCore
import RollbookStore
import Vapor

extension Registers {
    /// A timetabled lesson's register as its submission answers it: the teaching group's pupils on roll that day, by
    /// name, with their marks for the lesson.
    func loadGroupLesson(date: LocalDate, lesson: String, upns: Set<String>) async throws -> LessonRegisterDTO {
        let pupils = try await store.pupils(
            schoolID: user.schoolID, filter: PupilFilter(onRollDuring: DateRange(from: date, to: date), upns: upns.sorted())
        )
        .sorted { ($0.legalSurname, $0.legalForename) < ($1.legalSurname, $1.legalForename) }
        let marks = try await store.lessonMarks(pupilIDs: pupils.compactMap(\.id), date: date, lesson: lesson)
        return LessonRegisterDTO(
            date: date.iso, lesson: lesson, group: "teaching group",
            pupils: pupils.map { p in
                let m = marks[p.id!]
                return LessonLine(
                    upn: p.upn, name: p.displayName, form: p.form, code: m?.code, minutesLate: m?.minutesLate, recordedBy: m?.recordedBy)
            })
    }
}
