import Foundation

/// An evacuation roll call: the pupils on site when it began, by form and assembly point, ticked as accounted for
/// from several phones at once. Ticks merge in any order, any number of times, to the same state: for each pupil the
/// latest tick wins (by time, then device, then accounted over not, then who), so a phone that was offline catches up
/// by sending all its ticks.
public struct RollCall: Sendable, Hashable {
    public struct Pupil: Sendable, Hashable, Codable {
        public var upn: String
        public var name: String
        public var form: String
        public var assemblyPoint: String
        public init(upn: String, name: String, form: String, assemblyPoint: String) {
            self.upn = upn
            self.name = name
            self.form = form
            self.assemblyPoint = assemblyPoint
        }
    }

    public struct Tick: Sendable, Hashable, Codable {
        public var upn: String
        /// True: accounted for; false: a tick taken back.
        public var accounted: Bool
        public var device: String
        /// When it was made (e.g. milliseconds since the roll call began, as the server stamps it).
        public var at: Int
        /// Who ticked (staff email).
        public var by: String
        public init(upn: String, accounted: Bool, device: String, at: Int, by: String) {
            self.upn = upn
            self.accounted = accounted
            self.device = device
            self.at = at
            self.by = by
        }
        /// The total order the merge uses: later wins.
        func beats(_ o: Tick) -> Bool {
            (at, device, accounted ? 1 : 0, by) > (o.at, o.device, o.accounted ? 1 : 0, o.by)
        }
    }

    /// What closing records: when, by whom, and who was still unaccounted for.
    public struct Record: Sendable, Hashable, Codable {
        public var closedAt: String
        public var closedBy: String
        public var pupils: Int
        public var accounted: Int
        public var unaccounted: [String]
    }

    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        case unknownPupil(String)
        case closed
        public var description: String {
            switch self {
            case .unknownPupil(let u): "\(u) is not on this roll call"
            case .closed: "the roll call is closed"
            }
        }
    }

    public enum Grouping: String, Sendable, Hashable, Codable {
        case form
        case assemblyPoint = "assembly_point"
    }

    public struct Section: Sendable, Hashable {
        public var name: String
        /// Unaccounted first, each part by name.
        public var unaccounted: [Pupil]
        public var accounted: [Pupil]
    }

    public let pupils: [Pupil]
    private let index: [String: Int]
    /// The winning tick per pupil index.
    private var latest: [Tick?]
    public private(set) var record: Record?

    /// A roll call of `pupils` (from the on-site view), each once.
    public init(pupils: [Pupil]) {
        var seen: Set<String> = []
        self.pupils = pupils.filter { seen.insert($0.upn).inserted }
        index = Dictionary(uniqueKeysWithValues: self.pupils.enumerated().map { ($1.upn, $0) })
        latest = Array(repeating: nil, count: self.pupils.count)
    }

    /// Applies ticks from any device; applying one already seen changes nothing. Throws on a pupil not on the list or
    /// once closed, applying none of the batch.
    public mutating func merge(_ ticks: [Tick]) throws(Failure) {
        guard record == nil else { throw .closed }
        for t in ticks where index[t.upn] == nil { throw .unknownPupil(t.upn) }
        for t in ticks {
            let i = index[t.upn]!
            if let cur = latest[i], !t.beats(cur) { continue }
            latest[i] = t
        }
    }

    public func isAccounted(_ upn: String) -> Bool { index[upn].flatMap { latest[$0]?.accounted } ?? false }

    /// Everyone still unaccounted for, by form then name: what the page shows at the top.
    public var unaccounted: [Pupil] {
        pupils.indices.filter { latest[$0]?.accounted != true }.map { pupils[$0] }.sorted { ($0.form, $0.name) < ($1.form, $1.name) }
    }

    /// The list per form or assembly point, in name order, each with its unaccounted first.
    public func sections(by g: Grouping) -> [Section] {
        var groups: [String: Section] = [:]
        for (i, p) in pupils.enumerated() {
            let key = g == .form ? p.form : p.assemblyPoint
            var s = groups[key] ?? Section(name: key, unaccounted: [], accounted: [])
            if latest[i]?.accounted == true { s.accounted.append(p) } else { s.unaccounted.append(p) }
            groups[key] = s
        }
        return groups.keys.sorted().map { k in
            var s = groups[k]!
            s.unaccounted.sort { $0.name < $1.name }
            s.accounted.sort { $0.name < $1.name }
            return s
        }
    }

    /// Closes the roll call; no tick is taken after it.
    @discardableResult
    public mutating func close(at: String, by: String) throws(Failure) -> Record {
        guard record == nil else { throw .closed }
        let missing = unaccounted.map(\.upn)
        let r = Record(closedAt: at, closedBy: by, pupils: pupils.count, accounted: pupils.count - missing.count, unaccounted: missing)
        record = r
        return r
    }
}
