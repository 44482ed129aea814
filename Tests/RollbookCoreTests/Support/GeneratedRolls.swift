@testable import RollbookCore

/// What the property tests over generated rolls share: a seeded generator, so a failure can be replayed, and one
/// autumn of two terms with a half-term week, an INSET day and a year 3 afternoon closure.
enum GeneratedRolls {
    /// SplitMix64.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func day(_ s: String) -> LocalDate {
        guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
        return d
    }

    static let calendar = SchoolCalendar(entries: [
        CalendarEntry(start: day("2025-09-01"), end: day("2025-10-24"), kind: .term),
        CalendarEntry(start: day("2025-11-03"), end: day("2025-12-19"), kind: .term),
        CalendarEntry(start: day("2025-09-19"), end: day("2025-09-19"), kind: .inset),
        CalendarEntry(start: day("2025-10-08"), end: day("2025-10-08"), kind: .closurePM, yearGroups: ["3"]),
    ])
    static let year = AcademicYear(startYear: 2025)
    static let span = DateRange(from: day("2025-09-01"), to: day("2025-12-19"))
}
