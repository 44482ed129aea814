// Barriers to attendance recorded per pupil, and who is told of an absence that may be bullying-related.

/// A barrier to attendance the school records for a pupil (seed 004 "Barriers to attendance").
public enum Barrier: String, Sendable, Hashable, Codable, CaseIterable {
    case bullying, health, caring, transport, send, other

    public var title: String {
        switch self {
        case .bullying: "Bullying or discrimination"
        case .health: "Physical or mental health"
        case .caring: "Caring responsibilities"
        case .transport: "Transport"
        case .send: "Special educational needs or disability"
        case .other: "Other"
        }
    }
}

extension Policy {
    /// Who is told when an absence is flagged as possibly bullying-related (seed 003: the class teacher, the welfare
    /// officer, the pastoral and key-stage leads).
    public struct Barriers: Sendable, Hashable, Codable {
        /// Each entry is `form_tutor` (staff who teach the pupil's form), a role (`attendance_lead`, `head`, `office`), or
        /// `position:` and a staff position as recorded, e.g. `position:Pastoral lead`.
        public var bullyingNotify: [String]
        public init(bullyingNotify: [String]) { self.bullyingNotify = bullyingNotify }

        public static let roles = ["office", "attendance_lead", "head"]

        /// Whether `entry` names a form tutor, a role or a position.
        static func valid(_ entry: String) -> Bool {
            entry == "form_tutor" || roles.contains(entry)
                || (entry.hasPrefix("position:") && !entry.dropFirst("position:".count).trimmingCharacters(in: .whitespaces).isEmpty)
        }
    }
}
