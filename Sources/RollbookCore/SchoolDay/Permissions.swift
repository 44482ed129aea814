import Foundation

/// A permission on the admission register, with its dates and who recorded it. Who may collect a child is the contact
/// list itself; these are the permissions beyond it (seed 003 'a child coming to school on their own', Proactive 13;
/// seed 004 'Leave during lunch times').
public struct PupilPermission: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Walking home alone, with the parents' letter.
        case walkHomeAlone = "walk_home_alone"
        /// An older sibling (`siblingUPN`) may take the child home, with written permission.
        case siblingCollects = "sibling_collects"
        /// One person not on the contact list (`collectorName`) may collect on the days given.
        case emergencyCollection = "emergency_collection"
        /// Leaving the site at lunchtime; lapses at the end of each term.
        case lunchtimeLeave = "lunchtime_leave"
    }
    public enum Form: String, Sendable, Hashable, Codable {
        /// A letter, or an email or text from the parent's registered address or phone.
        case written
        /// Given by phone; an emergency collection needs a senior leader's approval (`approvedBy`).
        case verbal
    }
    public var kind: Kind
    public var form: Form
    public var validFrom: LocalDate
    /// The last day; nil: until withdrawn (lunchtime leave still lapses at the end of term).
    public var validTo: LocalDate?
    public var collectorName: String?
    public var siblingUPN: String?
    /// The senior leader who accepted a verbal permission.
    public var approvedBy: String?
    public var recordedBy: String
    /// ISO date-time, school-local.
    public var recordedAt: String
    /// The day it was withdrawn (by the head or the parents), if it was.
    public var withdrawn: LocalDate?

    public init(
        kind: Kind, form: Form, validFrom: LocalDate, validTo: LocalDate? = nil, collectorName: String? = nil, siblingUPN: String? = nil,
        approvedBy: String? = nil, recordedBy: String, recordedAt: String, withdrawn: LocalDate? = nil
    ) {
        self.kind = kind
        self.form = form
        self.validFrom = validFrom
        self.validTo = validTo
        self.collectorName = collectorName
        self.siblingUPN = siblingUPN
        self.approvedBy = approvedBy
        self.recordedBy = recordedBy
        self.recordedAt = recordedAt
        self.withdrawn = withdrawn
    }

    /// The last day it holds: `validTo`, the day before it was withdrawn, and for lunchtime leave the last day of the
    /// term it was given in (seed 004: 'Permission will be updated on a termly basis'), whichever is first.
    public func lastDay(calendar: SchoolCalendar) -> LocalDate? {
        var ends = [validTo, withdrawn?.adding(days: -1)].compactMap { $0 }
        if kind == .lunchtimeLeave {
            // The term it was given in, or the next one when given in a holiday; no term: it never starts.
            guard let term = calendar.terms.first(where: { $0.range.to >= validFrom }) else { return validFrom.adding(days: -1) }
            ends.append(term.range.to)
        }
        return ends.min()
    }

    public func isValid(on d: LocalDate, calendar: SchoolCalendar) -> Bool {
        d >= validFrom && (lastDay(calendar: calendar).map { d <= $0 } ?? true)
    }

    /// Lunchtime leave permissions that lapse at the end of the term containing `d`: the families to write to about
    /// renewal at the start of the next term.
    public static func lapsingAtEndOfTerm(_ ps: [PupilPermission], containing d: LocalDate, calendar: SchoolCalendar) -> [PupilPermission] {
        guard let term = calendar.term(containing: d) else { return [] }
        return ps.filter {
            $0.kind == .lunchtimeLeave && $0.withdrawn == nil && $0.isValid(on: d, calendar: calendar)
                && $0.lastDay(calendar: calendar) == term.range.to
        }
    }
}

/// Who is at the desk to take the child, as staff record it when signing out.
public struct Collector: Sendable, Hashable {
    /// The pupil leaves alone (walking home).
    public var alone: Bool
    public var name: String
    /// Their age if known (asked, or seen on photo ID).
    public var age: Int?
    /// An older sibling on roll taking the child.
    public var siblingUPN: String?
    public var photoIDSeen: Bool
    public init(alone: Bool = false, name: String = "", age: Int? = nil, siblingUPN: String? = nil, photoIDSeen: Bool = false) {
        self.alone = alone
        self.name = name
        self.age = age
        self.siblingUPN = siblingUPN
        self.photoIDSeen = photoIDSeen
    }
    public static let walkingAlone = Collector(alone: true)
}

/// The answer to "may this child go with this person now?", with the reason in words for staff.
public struct SignOutCheck: Sendable, Hashable {
    public enum Decision: String, Sendable, Hashable, Codable {
        case allowed, warn, refuse
    }
    public var decision: Decision
    public var reason: String

    /// Checks a sign-out against the contact list, the pupil's permissions and the policy (`school_day.collection`).
    /// Not allowed is `refuse`, or `warn` when the policy says so (`not_allowed: "warn"`).
    public static func check(
        pupil: PupilRecord, permissions: [PupilPermission], collector: Collector, on date: LocalDate, at time: TimeOfDay,
        calendar: SchoolCalendar, policy: SchoolDayPolicy.Collectors
    ) -> SignOutCheck {
        let valid = permissions.filter { $0.isValid(on: date, calendar: calendar) }
        func notAllowed(_ why: String) -> SignOutCheck {
            SignOutCheck(decision: policy.refuses ? .refuse : .warn, reason: why)
        }
        func norm(_ s: String) -> String { s.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ") }

        if collector.alone {
            if let latest = policy.walkAloneLatest, time > latest {
                return notAllowed("No child walks home alone after \(latest); they must be collected.")
            }
            guard valid.contains(where: { $0.kind == .walkHomeAlone && $0.form == .written }) else {
                return notAllowed("There is no written permission for \(pupil.displayName) to walk home alone.")
            }
            if policy.walkAloneYearGroups.contains(pupil.yearGroup) {
                return SignOutCheck(decision: .allowed, reason: "Year \(pupil.yearGroup) with written permission to walk home alone.")
            }
            let years = policy.walkAloneYearGroups.map { "Year \($0)" }.joined(separator: " and ")
            return SignOutCheck(
                decision: .warn,
                reason: "Written permission to walk home alone, but the policy expects only \(years.isEmpty ? "no year group" : years) to.")
        }
        if let age = collector.age, age < policy.collectorMinimumAge, collector.siblingUPN == nil {
            return notAllowed("\(collector.name) is \(age); a collector must be \(policy.collectorMinimumAge) or over.")
        }
        if let sib = collector.siblingUPN {
            guard valid.contains(where: { $0.kind == .siblingCollects && $0.siblingUPN == sib && $0.form == .written }) else {
                return notAllowed("There is no written permission for \(pupil.displayName) to go home with this sibling (\(sib)).")
            }
            return SignOutCheck(decision: .allowed, reason: "An older sibling with the parents' written permission.")
        }
        let who = norm(collector.name)
        if let c = pupil.contacts.first(where: { norm($0.name) == who && !who.isEmpty }) {
            return SignOutCheck(decision: .allowed, reason: "\(c.name) (\(c.relationship)) is contact \(c.priority) on the contact list.")
        }
        let emergency = valid.filter { $0.kind == .emergencyCollection && norm($0.collectorName ?? "") == who && !who.isEmpty }
        if let e = emergency.first(where: { $0.form == .written }) ?? emergency.first {
            if e.form == .verbal && e.approvedBy == nil {
                return notAllowed("\(collector.name) has only verbal permission, not yet accepted by a senior leader.")
            }
            guard collector.photoIDSeen else {
                return SignOutCheck(
                    decision: .warn,
                    reason: "\(collector.name) has the parents' permission but no photo ID has been seen: confirm details with the "
                        + "parent and consult a senior leader.")
            }
            let how = e.form == .written ? "written permission" : "verbal permission accepted by \(e.approvedBy!)"
            return SignOutCheck(decision: .allowed, reason: "\(collector.name): one-off collection with \(how), photo ID seen.")
        }
        return notAllowed("\(collector.name.isEmpty ? "The collector" : collector.name) is not on \(pupil.displayName)'s contact list.")
    }
}
