import Foundation

/// The end of the day (seed 003 'Close of the day'): a collection list per class; children not collected by the
/// policy's time go to the after-school club while the contacts are rung in order; at the final time, social services.
public enum EndOfDayCollection {
    public enum State: String, Sendable, Hashable, Codable {
        case awaiting
        case collected
        case afterSchoolClub = "after_school_club"
        case contactSocialServices = "contact_social_services"
    }

    public struct Line: Sendable, Hashable {
        public var upn: String
        public var name: String
        public var state: State
        /// Who took them and when, once collected.
        public var collectedBy: String?
        public var collectedAt: TimeOfDay?
        /// The contacts to ring, in priority order, while the child is not collected after `collect_by`.
        public var contactsToRing: [Contact]
    }

    public struct ClassList: Sendable, Hashable {
        public var form: String
        public var lines: [Line]
    }

    /// One collection recorded at sign-out.
    public struct Pickup: Sendable, Hashable {
        public var by: String
        public var at: TimeOfDay
        public init(by: String, at: TimeOfDay) {
            self.by = by
            self.at = at
        }
    }

    /// The lists per class at `now` for the pupils in school today, with their collections so far by UPN.
    public static func lists(
        pupils: [PupilRecord], collections: [String: Pickup], now: TimeOfDay, policy: SchoolDayPolicy.EndOfDay
    ) -> [ClassList] {
        var forms: [String: [Line]] = [:]
        for p in pupils {
            var line = Line(upn: p.upn, name: p.displayName, state: .awaiting, collectedBy: nil, collectedAt: nil, contactsToRing: [])
            if let c = collections[p.upn], c.at <= now {
                line.state = .collected
                line.collectedBy = c.by
                line.collectedAt = c.at
            } else if now >= policy.socialServicesAt {
                line.state = .contactSocialServices
            } else if now > policy.collectBy {
                line.state = .afterSchoolClub
                line.contactsToRing = p.contacts.sorted { $0.priority < $1.priority }
            }
            forms[p.form, default: []].append(line)
        }
        return forms.keys.sorted().map { ClassList(form: $0, lines: forms[$0]!.sorted { $0.name < $1.name }) }
    }

    /// The words of the social services action for a child still not collected at the final time.
    public static func socialServicesReason(_ line: Line, policy: SchoolDayPolicy.EndOfDay) -> String {
        "\(line.name) has not been collected by \(policy.socialServicesAt): contact social services for the next steps."
    }
}
