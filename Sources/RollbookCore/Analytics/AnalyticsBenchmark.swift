/// A school's figures next to the other schools of its LA or trust (seeds 002 §6.3 'Benchmarking attendance data',
/// 004 'benchmark ... against local-, regional- and national-level data'), the others anonymised.
public enum SchoolBenchmark {
    /// The other schools as "School A", "School B", ... ordered by their figures alone (highest attendance first, then
    /// lower persistent absence, then more pupils), never by name or id, so the letters say nothing about which
    /// school is which. Schools with no possible session are left out.
    public static func anonymise(_ others: [GroupStatistics]) -> [(label: String, statistics: GroupStatistics)] {
        func attended(_ g: GroupStatistics) -> Int { g.sessions.present + g.sessions.approvedActivity }
        let sorted = others.filter { $0.sessions.possible > 0 }.sorted { a, b in
            let l = attended(a) * b.sessions.possible
            let r = attended(b) * a.sessions.possible
            if l != r { return l > r }
            let pa = a.persistentAbsence * max(b.pupils, 1)
            let pb = b.persistentAbsence * max(a.pupils, 1)
            if pa != pb { return pa < pb }
            return a.pupils > b.pupils
        }
        return sorted.enumerated().map { (label: "School \(letters($0.offset))", statistics: $0.element) }
    }

    /// A, B, ..., Z, AA, AB, ...
    static func letters(_ i: Int) -> String {
        let a = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return i < 26 ? String(a[i]) : letters(i / 26 - 1) + String(a[i % 26])
    }

    /// Every school together (the LA's or trust's figure): sessions summed, pupils and persistent and severe absence counted.
    public static func total(_ all: [GroupStatistics]) -> GroupStatistics {
        var t = GroupStatistics()
        for g in all {
            t.sessions += g.sessions
            t.pupils += g.pupils
            t.persistentAbsence += g.persistentAbsence
            t.severeAbsence += g.severeAbsence
        }
        return t
    }
}
