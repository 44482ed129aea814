import Foundation

// House cups (seed 003: "KS1 and KS2 House Attendance Cups will be awarded each week in assemblies for the best house
// attendance"): houses ranked by attendance, within each key stage where the policy says.

extension Policy.Rewards {
    /// Policy key `rewards.house_cups`: `{"by_key_stage": true}`.
    public struct HouseCups: Sendable, Hashable, Codable {
        /// One cup per key stage (houses ranked among that key stage's pupils); false: one cup for the whole school.
        public var byKeyStage: Bool
        public init(byKeyStage: Bool) { self.byKeyStage = byKeyStage }
    }
}

/// The key stages of the National Curriculum, from a year group as the admission register holds it.
public enum KeyStage: String, Sendable, Hashable, CaseIterable, Comparable {
    case earlyYears = "EYFS"
    case ks1 = "KS1"
    case ks2 = "KS2"
    case ks3 = "KS3"
    case ks4 = "KS4"
    case ks5 = "KS5"

    /// Nursery and Reception: EYFS; years 1-2: KS1; 3-6: KS2; 7-9: KS3; 10-11: KS4; 12-14: KS5. Nil for anything else.
    public init?(yearGroup: String) {
        let y = yearGroup.trimmingCharacters(in: .whitespaces).uppercased()
        if y == "R" || y.hasPrefix("N") {
            self = .earlyYears
            return
        }
        switch Int(y) {
        case 1, 2: self = .ks1
        case 3, 4, 5, 6: self = .ks2
        case 7, 8, 9: self = .ks3
        case 10, 11: self = .ks4
        case 12, 13, 14: self = .ks5
        default: return nil
        }
    }

    public var label: String { self == .earlyYears ? "Early years (Nursery and Reception)" : "Key stage \(rawValue.dropFirst(2))" }

    public static func < (a: KeyStage, b: KeyStage) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One cup: the houses ranked over the period among some pupils.
public struct HouseCup: Sendable, Hashable {
    /// Nil: the whole school.
    public var keyStage: KeyStage?
    public var rows: [LeagueRow]
    /// The houses ranked first (more than one when tied); empty when no house had a possible session.
    public var winners: [String] { rows.filter { $0.rank == 1 }.map(\.group.value) }
}

extension AnalyticsRoll {
    /// The house cups over `range`: one per key stage with pupils in a house (in key stage order) when `byKeyStage`,
    /// else one for the whole school. Pupils with no house are not counted.
    public func houseCups(_ range: DateRange, byKeyStage: Bool, filter: AnalyticsFilter? = nil) -> [HouseCup] {
        guard byKeyStage else { return [HouseCup(keyStage: nil, rows: leagueTable(.house, range, filter: filter))] }
        var yearGroups: [KeyStage: Set<String>] = [:]
        for p in pupils where !p.house.isEmpty {
            if let ks = KeyStage(yearGroup: p.yearGroup) { yearGroups[ks, default: []].insert(p.yearGroup) }
        }
        return yearGroups.keys.sorted().map { ks in
            let inStage = AnalyticsFilter.anyOf(yearGroups[ks]!.sorted().map { .group(AnalyticsGroup(.yearGroup, $0)) })
            let f: AnalyticsFilter = filter.map { .allOf([$0, inStage]) } ?? inStage
            return HouseCup(keyStage: ks, rows: leagueTable(.house, range, filter: f))
        }
    }
}
