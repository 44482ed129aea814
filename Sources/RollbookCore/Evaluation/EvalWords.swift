// MARK: - EvalWords

enum EvalWords {
    /// "3 November 2025"
    static func date(_ d: LocalDate) -> String { d.longDate }
    /// A rate with one decimal: "91.3%".
    static func percent(_ r: Double) -> String { Rates.percent(r) }
    /// A threshold without a needless decimal: "93%", "94.5%".
    static func threshold(_ r: Double) -> String { AbsenceThresholds.figure(r) }
    static func count(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
    static func round3(_ r: Double) -> Double { Rates.atSchoolPrecision(r) }
    static func round4(_ r: Double) -> Double { (r * 10000).rounded() / 10000 }
}
