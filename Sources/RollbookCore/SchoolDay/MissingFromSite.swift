import Foundation

/// A pupil missing from the site (seed 004 'Pupils missing from site'): the incident's timer and the steps it prompts.
public struct MissingIncident: Sendable, Hashable, Codable {
    public enum Step: String, Sendable, Hashable, Codable, CaseIterable {
        /// Tell the head and the office, and search the premises: at once.
        case search
        /// The staff linked to the pupil: social worker, DSL (looked-after child), SENCO (SEND): at once.
        case linkedStaff = "linked_staff"
        /// The parents and then the emergency contacts, through the outbox: after the policy's minutes.
        case notifyParents = "notify_parents"
        /// The police: once the parents and emergency contacts have been tried without news.
        case police
        /// Once found: tell the parents and agencies, and write the report for the pupil's timeline.
        case found
    }
    public var upn: String
    public var date: LocalDate
    public var startedAt: TimeOfDay
    /// Steps staff have marked done.
    public var done: Set<Step>
    /// The parents and every emergency contact were tried and none has heard from the pupil.
    public var contactsExhausted: Bool
    public var foundAt: TimeOfDay?
    public init(
        upn: String, date: LocalDate, startedAt: TimeOfDay, done: Set<Step> = [], contactsExhausted: Bool = false, foundAt: TimeOfDay? = nil
    ) {
        self.upn = upn
        self.date = date
        self.startedAt = startedAt
        self.done = done
        self.contactsExhausted = contactsExhausted
        self.foundAt = foundAt
    }

    public struct Prompt: Sendable, Hashable {
        public var step: Step
        /// When it falls due.
        public var due: TimeOfDay
        /// Who to tell, e.g. `social worker Lee Hart (0161 000)`, `designated safeguarding lead`, `SENCO`.
        public var who: [String]
        public var reason: String
    }

    /// Minutes since the incident began (0 before it).
    public func minutes(at now: TimeOfDay) -> Int { max(0, now.minutes - startedAt.minutes) }

    /// The staff linked to the pupil, from the admission register's characteristics.
    public static func linkedStaff(_ c: Characteristics) -> [String] {
        var who: [String] = []
        if !c.socialWorkerName.isEmpty {
            who.append("social worker \(c.socialWorkerName)\(c.socialWorkerContact.isEmpty ? "" : " (\(c.socialWorkerContact))")")
        }
        if c.lookedAfter { who.append("designated safeguarding lead") }
        if c.sen != .none { who.append("SENCO") }
        return who
    }

    /// The steps due at `now` and not yet done, in order. Parents are prompted once the policy's minutes have passed
    /// without the pupil found; the police once the contacts are exhausted.
    public func prompts(at now: TimeOfDay, characteristics: Characteristics, policy: SchoolDayPolicy.MissingFromSite) -> [Prompt] {
        var out: [Prompt] = []
        func add(_ s: Step, _ due: TimeOfDay, _ who: [String], _ reason: String) {
            if !done.contains(s) && now >= due { out.append(Prompt(step: s, due: due, who: who, reason: reason)) }
        }
        if let f = foundAt {
            add(.found, f, ["parents", "agencies told"], "Found at \(f): tell the parents and anyone told, and write the report.")
            return out
        }
        add(.search, startedAt, ["head", "office"], "Missing since \(startedAt): tell the head and the office; search the premises.")
        let linked = Self.linkedStaff(characteristics)
        if policy.notifyLinkedStaff ?? true, !linked.isEmpty {
            add(.linkedStaff, startedAt, linked, "Tell the staff linked to the pupil.")
        }
        let parentsDue = TimeOfDay(minutes: min(1439, startedAt.minutes + policy.notifyParentsAfterMinutes))
        add(
            .notifyParents, parentsDue, ["parents", "emergency contacts"],
            "Not found after \(policy.notifyParentsAfterMinutes) minutes: notify the parents, then the emergency contacts.")
        if contactsExhausted && done.contains(.notifyParents) {
            add(.police, startedAt, ["police"], "The parents and emergency contacts have not heard from the pupil: contact the police.")
        }
        return out
    }
}
