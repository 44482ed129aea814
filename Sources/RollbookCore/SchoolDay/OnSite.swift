import Foundation

/// Who should be on the site now: each pupil's latest observation decides. Present, late or U at a register or a
/// lesson, a late sign-in or a return puts them on site; any other mark (absent, an off-site activity) or a sign-out
/// takes them off. Pupils not yet seen today are not on site. Visitors and staff are not pupils and are not here.
public enum OnSite {
    public struct Group: Sendable, Hashable {
        /// The form (or other group) name, as given.
        public var name: String
        public var upns: [String]
    }

    /// The UPNs on site at `now`, sorted.
    public static func pupils(record: DayRecord, day: DayTimetable?, now: TimeOfDay) -> [String] {
        var on: [String: Bool] = [:]
        on.reserveCapacity(record.sessionMarks.count)
        for e in record.events(day: day, now: now).events {
            switch e.what {
            case .movement(let k): on[e.upn] = k != .signedOut
            case .session(_, let c): on[e.upn] = c.isAttendanceOnSite
            case .lesson(_, let c):
                // A pupil left unmarked in a taken register is not evidence either way.
                if let c { on[e.upn] = c.isAttendanceOnSite }
            }
        }
        return on.compactMap { $0.value ? $0.key : nil }.sorted()
    }

    /// The same, per form: `formOf` gives each pupil's form (pupils with none are under ""), forms in name order.
    public static func byForm(record: DayRecord, day: DayTimetable?, now: TimeOfDay, formOf: [String: String]) -> [Group] {
        var groups: [String: [String]] = [:]
        for upn in pupils(record: record, day: day, now: now) { groups[formOf[upn] ?? "", default: []].append(upn) }
        return groups.keys.sorted().map { Group(name: $0, upns: groups[$0]!) }
    }
}
