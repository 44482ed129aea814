import FluentKit
import Foundation
import RollbookCore
import SQLKit

extension Store {
    /// Lessons marked L from `range.from`, by pupil id: what the policy's `lateness_includes_lessons` counts.
    func lessonLates(schoolID: Int, pupilIDs: [Int]?, range: DateRange) async throws -> [Int: [LessonLate]] {
        if let ids = pupilIDs, ids.isEmpty { return [:] }
        var q = sql.select().columns(
            SQLColumn("pupil_id", table: "lesson_marks"), SQLColumn("date", table: "lesson_marks"),
            SQLColumn("lesson", table: "lesson_marks")
        )
        .from("lesson_marks").join("pupils", on: SQLColumn("id", table: "pupils"), .equal, SQLColumn("pupil_id", table: "lesson_marks"))
        .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(schoolID))
        .where(SQLColumn("code", table: "lesson_marks"), .equal, SQLBind("L"))
        .where(SQLColumn("date", table: "lesson_marks"), .greaterThanOrEqual, SQLBind(range.from.iso))
        .where(SQLColumn("date", table: "lesson_marks"), .lessThanOrEqual, SQLBind(range.to.iso))
        if let ids = pupilIDs { q = q.where(SQLColumn("pupil_id", table: "lesson_marks"), .in, SQLBind.group(ids)) }
        var out: [Int: [LessonLate]] = [:]
        for r in try await q.all() {
            guard let d = LocalDate(iso: try r.decode(column: "date", as: String.self)) else { continue }
            out[try r.decode(column: "pupil_id", as: Int.self), default: []].append(
                LessonLate(date: d, lesson: try r.decode(column: "lesson", as: String.self)))
        }
        return out
    }
}
