import Foundation
import RollbookCore
import SQLKit

/// A pupil on roll as the on-site view and the roll call list them.
public struct RollName: Sendable, Hashable {
    public var id: Int
    public var upn: String
    /// Preferred forename (legal when there is none) and legal surname.
    public var name: String
    public var form: String
}

extension Store {
    /// The pupils on roll on `date`: only the columns the on-site view shows (the full listing read was a third of it).
    public func rollNames(schoolID: Int, on date: LocalDate) async throws -> [RollName] {
        guard let q = pupilSelect(schoolID: schoolID, filter: PupilFilter(onRollDuring: DateRange(from: date, to: date))) else { return [] }
        return try await q.columns("id", "upn", "legal_surname", "legal_forename", "preferred_forename", "form").all().map { r in
            let forename = try r.decode(column: "preferred_forename", as: String.self)
            return RollName(
                id: try r.decode(column: "id", as: Int.self), upn: try r.decode(column: "upn", as: String.self),
                name:
                    "\(forename.isEmpty ? try r.decode(column: "legal_forename", as: String.self) : forename) \(try r.decode(column: "legal_surname", as: String.self))",
                form: try r.decode(column: "form", as: String.self))
        }
    }
}
