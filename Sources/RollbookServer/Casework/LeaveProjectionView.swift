import RollbookCore

/// The projected-attendance floor's figures as the decision page shows them (seed 004 'Performances').
struct LeaveProjectionView: Encodable {
    var attendanceNow: String
    var projected: String
    var floor: String
    var below: Bool
    var attendedSessions: Int
    var possibleSessions: Int
    var remainingSessions: Int
    var leaveSessions: Int
    /// The same in one line, for the staff record.
    var words: String

    /// From a finding's `figures` (`LeaveProjection.figures`).
    init(_ f: [String: Double]) {
        let p = LeaveProjection(
            attended: Int(f["attended_sessions"] ?? 0), possible: Int(f["possible_sessions"] ?? 0),
            remaining: Int(f["remaining_sessions"] ?? 0), leave: Int(f["leave_sessions"] ?? 0), floor: f["floor"] ?? 0)
        attendanceNow = p.now.map { Rates.percent($0) } ?? "no possible sessions yet"
        projected = p.projected.map { Rates.percent($0) } ?? "no possible sessions"
        floor = AbsenceThresholds.figure(p.floor)
        below = p.below
        attendedSessions = p.attended
        possibleSessions = p.possible
        remainingSessions = p.remaining
        leaveSessions = p.leave
        words = p.words
    }
}
