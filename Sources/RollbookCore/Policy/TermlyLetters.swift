import Foundation

/// A letter to every family each term, chosen by the pupil's attendance band (seed 003 Proactive 6: "reported to
/// parents ... termly using red/amber and green letters"). Policy key `termly_letters`:
/// `{"letters": [{"band": "95% or more", "letter": "rag-green"}, ...]}`; a band with no letter gets none.
public struct TermlyLetters: Sendable, Hashable, Codable {
    public struct BandLetter: Sendable, Hashable, Codable {
        /// A band's `name` in the policy's `bands`.
        public var band: String
        /// The letter id (the school's own template, else a built-in letter).
        public var letter: String
        public init(band: String, letter: String) {
            self.band = band
            self.letter = letter
        }
    }
    public var letters: [BandLetter]
    /// The letter for a pupil with 100% attendance this term, instead of their band's; absent: the band's.
    public var fullAttendance: String? = nil
    /// The letter for a pupil whose attendance is improving as `rewards.improving` defines it (and not 100%), instead
    /// of their band's; absent: the band's.
    public var improving: String? = nil
    public init(letters: [BandLetter], fullAttendance: String? = nil, improving: String? = nil) {
        self.letters = letters
        self.fullAttendance = fullAttendance
        self.improving = improving
    }

    /// Why a pupil gets their letter.
    public enum Reason: String, Sendable, Hashable {
        case band
        case fullAttendance = "full_attendance"
        case improving
    }

    /// The letter for a band, if the policy names one.
    public func letter(forBand name: String) -> String? { letters.first { $0.band == name }?.letter }

    /// One pupil's letter in a run.
    public struct Planned: Sendable, Hashable {
        /// The pupil's index in the rates given to `plan`.
        public var index: Int
        public var band: AttendanceBands.Band
        public var letter: String
        public var reason: Reason = .band
    }

    /// Each pupil's band (by the rate at school precision, as the bands compare) and letter; pupils with no possible
    /// sessions, and bands the policy gives no letter, get none. A pupil in `fullAttendance` (100% this term) gets the
    /// `full_attendance` letter, else one in `improving` the `improving` letter, where the policy names them.
    public func plan(rates: [Double?], bands: AttendanceBands, fullAttendance: Set<Int> = [], improving: Set<Int> = []) -> [Planned] {
        rates.enumerated().compactMap { i, r in
            guard let r, let b = bands.band(for: r) else { return nil }
            if let l = self.fullAttendance, fullAttendance.contains(i) {
                return Planned(index: i, band: b, letter: l, reason: .fullAttendance)
            }
            if let l = self.improving, improving.contains(i) { return Planned(index: i, band: b, letter: l, reason: .improving) }
            guard let l = letter(forBand: b.name) else { return nil }
            return Planned(index: i, band: b, letter: l)
        }
    }

    /// The casework key that records a pupil's letter for a term, so a run repeated for the same term sends nothing twice.
    public static func key(term: String, pupilID: Int) -> String { "termly-letter:\(term):\(pupilID)" }

    func validate(bands: [AttendanceBands.Band], rewards: Policy.Rewards?) throws(ValidationError) {
        for (field, id) in [("full_attendance", fullAttendance), ("improving", improving)] {
            if let id, id.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError(field: "termly_letters.\(field)", reason: "must name a letter, or be left out")
            }
        }
        if improving != nil, rewards?.improving == nil {
            throw ValidationError(
                field: "termly_letters.improving", reason: "needs rewards.improving, which says what counts as improving attendance")
        }
        guard !letters.isEmpty else {
            throw ValidationError(field: "termly_letters.letters", reason: "needs at least one band's letter, or leave termly_letters out")
        }
        var seen: Set<String> = []
        for (i, l) in letters.enumerated() {
            guard bands.contains(where: { $0.name == l.band }) else {
                throw ValidationError(
                    field: "termly_letters.letters[\(i)].band",
                    reason: "'\(l.band)' is not one of the bands (\(bands.map { "'\($0.name)'" }.joined(separator: ", ")))")
            }
            guard seen.insert(l.band).inserted else {
                throw ValidationError(field: "termly_letters.letters[\(i)].band", reason: "'\(l.band)' has a letter already")
            }
            guard !l.letter.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError(field: "termly_letters.letters[\(i)].letter", reason: "must name a letter")
            }
        }
    }
}
