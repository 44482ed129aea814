import FluentKit
import Foundation
import RollbookCore

extension Store {
    /// The agreed late starts and early finishes of granted part-time timetables (C2) on `date`, by pupil id. A pupil
    /// with more than one such grant that day takes the latest decided.
    public func agreedDays(pupilIDs: [Int], on date: LocalDate) async throws -> [Int: AgreedDay] {
        var out: [Int: AgreedDay] = [:]
        for chunk in pupilIDs.chunks(of: 500) {
            let rows = try await LeaveRequestRow.query(on: db).filter(\.$pupilID ~~ Array(chunk))
                .filter(\.$stateText == LeaveRequest.State.granted.rawValue).sort(\.$id).all()
            for r in rows {
                guard let d = r.leaveGrant?.agreedDay(on: date) else { continue }
                out[r.pupilID] = d
            }
        }
        return out
    }
}
