// Elective home education (seed 001 §5: "meeting with SLT, LA pack, written confirmation, letter to LA, removal"): the
// deletion needs the parent's written confirmation (reg 9(1)(c)); the meeting is recorded when it was held; the LA is
// told (reg 13); and no deletion on this ground while a school attendance order applies (Education Act 1996 s437-443:
// the LA must revoke the order first).

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

/// What the school records before deleting a pupil for elective home education.
public struct HomeEducationSteps: Sendable, Hashable {
    /// The day the parent told the school in writing that the child is educated otherwise than at school.
    public var parentConfirmedOn: LocalDate?
    /// The meeting with the parents (seed 001: with a senior leader), if one was held.
    public var meetingOn: LocalDate?
    public init(parentConfirmedOn: LocalDate?, meetingOn: LocalDate? = nil) {
        self.parentConfirmedOn = parentConfirmedOn
        self.meetingOn = meetingOn
    }
}

public enum HomeEducation {
    /// A deletion on the elective home education ground needs the parent's written confirmation, given by `today`
    /// (error naming `parent_confirmed_on`), a meeting not after it was deleted (`meeting_on`), and no school
    /// attendance order applying on the leaving day (`ground`).
    public static func checkDeletion(
        ground: DeletionGround, leavingDay: LocalDate, orders: [SchoolAttendanceOrder], steps: HomeEducationSteps? = nil,
        today: LocalDate? = nil
    ) throws(ValidationError) {
        guard ground == .electiveHomeEducation else { return }
        if let o = orders.first(where: { $0.applies(on: leavingDay) }) {
            throw ValidationError(
                field: "ground",
                reason: "a school attendance order applies (from \(o.from.iso)\(o.to.map { " to \($0.iso)" } ?? ", not revoked")): "
                    + "a pupil under one is not deleted for elective home education until the LA revokes it (seed 001 §5)")
        }
        if let steps, let today {
            guard let confirmed = steps.parentConfirmedOn else {
                throw ValidationError(
                    field: "parent_confirmed_on",
                    reason: "give the day the parent confirmed in writing that the child is educated otherwise than at school (reg 9(1)(c))"
                )
            }
            if confirmed > today {
                throw ValidationError(
                    field: "parent_confirmed_on", reason: "\(confirmed.iso) is in the future: the confirmation comes first")
            }
            if let m = steps.meetingOn, m > today {
                throw ValidationError(field: "meeting_on", reason: "\(m.iso) is in the future: record the meeting once it has been held")
            }
        }
    }
}
