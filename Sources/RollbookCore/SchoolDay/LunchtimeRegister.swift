import Foundation

/// The lunchtime leave register (seed 004 'Leave during lunch times'): each pupil signed out and back in at the
/// office; out within the policy's minutes of the start of lunch, back the policy's minutes before its end.
public enum LunchtimeRegister {
    public struct Entry: Sendable, Hashable, Codable {
        public var upn: String
        public var yearGroup: String
        public var out: TimeOfDay
        public var back: TimeOfDay?
        public init(upn: String, yearGroup: String, out: TimeOfDay, back: TimeOfDay? = nil) {
            self.upn = upn
            self.yearGroup = yearGroup
            self.out = out
            self.back = back
        }
    }

    public struct Flag: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable, Codable {
            case noPermission = "no_permission"
            case noLunchTime = "no_lunch_time"
            case leftBeforeLunch = "left_before_lunch"
            case leftLate = "left_late"
            case returnedLate = "returned_late"
            case notBack = "not_back"
        }
        public var upn: String
        public var kind: Kind
        /// In words for staff.
        public var reason: String
    }

    /// The times for a year group: leave by, back by; nil when the policy gives the year group no lunch.
    public static func window(yearGroup: String, policy: SchoolDayPolicy.LunchtimeLeave) -> (
        start: TimeOfDay, leaveBy: TimeOfDay, backBy: TimeOfDay
    )? {
        guard let l = policy.lunch(yearGroup: yearGroup) else { return nil }
        return (
            l.start, TimeOfDay(minutes: l.start.minutes + policy.leaveWithinMinutes),
            TimeOfDay(minutes: max(l.start.minutes, l.end.minutes - policy.backMinutesBeforeEnd))
        )
    }

    /// What is wrong with an entry at `now`, if anything. A pupil not back after the back-by time is flagged as soon as
    /// it passes; a return after it is flagged as a late return.
    public static func flags(entry e: Entry, permitted: Bool, now: TimeOfDay, policy: SchoolDayPolicy.LunchtimeLeave) -> [Flag] {
        var out: [Flag] = []
        if !permitted {
            out.append(.init(upn: e.upn, kind: .noPermission, reason: "No lunchtime leave permission in force today."))
        }
        guard let w = window(yearGroup: e.yearGroup, policy: policy) else {
            out.append(.init(upn: e.upn, kind: .noLunchTime, reason: "The policy gives Year \(e.yearGroup) no lunch time."))
            return out
        }
        if e.out < w.start {
            out.append(.init(upn: e.upn, kind: .leftBeforeLunch, reason: "Signed out at \(e.out), before lunch began at \(w.start)."))
        } else if e.out > w.leaveBy {
            out.append(
                .init(
                    upn: e.upn, kind: .leftLate,
                    reason: "Signed out at \(e.out), after \(w.leaveBy) (\(policy.leaveWithinMinutes) minutes into lunch)."))
        }
        if let b = e.back {
            if b > w.backBy {
                out.append(.init(upn: e.upn, kind: .returnedLate, reason: "Back at \(b), after \(w.backBy): a late return."))
            }
        } else if now > w.backBy {
            out.append(.init(upn: e.upn, kind: .notBack, reason: "Not back at \(now); due back by \(w.backBy)."))
        }
        return out
    }
}
