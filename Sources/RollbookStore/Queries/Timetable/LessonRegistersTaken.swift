import FluentKit
import Foundation
import RollbookCore

extension Store {
    /// The lesson registers taken over `range`, as `date|register name`: one read for the Missing registers page.
    public func lessonRegistersTaken(schoolID: Int, range: DateRange) async throws -> Set<String> {
        let rows = try await LessonRegisterRow.query(on: db).filter(\.$schoolID == schoolID)
            .filter(\.$date >= range.from.iso).filter(\.$date <= range.to.iso).all()
        return Set(rows.map { "\($0.date)|\($0.lesson)" })
    }
}
