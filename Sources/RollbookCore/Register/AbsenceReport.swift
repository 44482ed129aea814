/// A parent's report of an absence (today or to come). It never sets a code by itself: the office accepts it and
/// chooses the code, or declines it.
public enum AbsenceReport {
    /// Where a report stands. The raw values are the text stored.
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        case pending, accepted, declined
    }
}
