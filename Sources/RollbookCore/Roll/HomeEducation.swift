// Elective home education (seed 001 §5): a pupil is not deleted on the elective home education ground while a school
// attendance order applies (Education Act 1996 s437-443: the LA must revoke the order first).

/// A school attendance order naming the school, from the LA: in force from `from` until `to` (revoked), or open.
public struct SchoolAttendanceOrder: Sendable, Hashable {
    public var from: LocalDate
    public var to: LocalDate?
    public init(from: LocalDate, to: LocalDate? = nil) {
        self.from = from
        self.to = to
    }
    public func applies(on day: LocalDate) -> Bool { from <= day && to.map { day <= $0 } ?? true }

    /// Checks the dates; the error names `to`.
    public func validate() throws(ValidationError) {
        if let to, to < from { throw ValidationError(field: "to", reason: "\(to.iso) is before the order starts, \(from.iso)") }
    }
}

public enum HomeEducation {
    /// A deletion on the elective home education ground is refused while a school attendance order applies on the
    /// leaving day; the error names `ground`.
    public static func checkDeletion(ground: DeletionGround, leavingDay: LocalDate, orders: [SchoolAttendanceOrder])
        throws(ValidationError)
    {
        guard ground == .electiveHomeEducation, let o = orders.first(where: { $0.applies(on: leavingDay) }) else { return }
        throw ValidationError(
            field: "ground",
            reason: "a school attendance order applies (from \(o.from.iso)\(o.to.map { " to \($0.iso)" } ?? ", not revoked")): "
                + "a pupil under one is not deleted for elective home education until the LA revokes it (seed 001 §5)")
    }
}
