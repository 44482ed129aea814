import Foundation

/// How far a long import has gone: rows done of the total, rows a second and time left. The command line and the
/// guided import page both say it this way.
public struct ImportPace: Sendable, Hashable {
    public var done: Int
    public var total: Int
    /// Seconds since the import began.
    public var elapsed: Double

    public init(done: Int, total: Int, elapsed: Double) {
        self.done = done
        self.total = total
        self.elapsed = elapsed
    }

    /// Done as a whole percentage of the total, 0 to 100.
    public var percent: Int { total > 0 ? min(100, done * 100 / total) : 0 }
    public var rowsPerSecond: Double { elapsed > 0 ? Double(done) / elapsed : 0 }
    /// At the pace so far; nil before any row is done.
    public var secondsLeft: Double? { rowsPerSecond > 0 ? Double(max(0, total - done)) / rowsPerSecond : nil }

    /// `120000 of 480000 rows (25%), 400000 rows a second, about 1 s left`.
    public func words(unit: String = "rows") -> String {
        let left = secondsLeft.map { ", about \(Int($0.rounded(.up))) s left" } ?? ""
        return "\(done) of \(total) \(unit) (\(percent)%), \(Int(rowsPerSecond.rounded())) \(unit) a second\(left)"
    }
}
