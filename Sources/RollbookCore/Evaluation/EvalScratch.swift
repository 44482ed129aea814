// MARK: - Per-session flags

/// Bits per code byte. The scratch array also holds two sentinels: 0xFF (session closed for the pupil's year group)
/// and 0xFE (not on roll); 0 is an open session with no mark yet.
enum EvalMark {
    static let attended: UInt8 = 1  // present, late or approved activity
    static let possible: UInt8 = 2  // marked and a possible session
    static let gnou: UInt8 = 4  // G, N, O, U: the penalty-notice codes
    static let late: UInt8 = 8  // L
    static let u: UInt8 = 16  // U
    static let illness: UInt8 = 32  // I
    static let n: UInt8 = 64  // N
    static let neutral: UInt8 = 128  // marked, not a possible session (D, X, Q, Y1-Y7, Z, #, unknown bytes)
    static let closed: UInt8 = 0xFF
    static let offRoll: UInt8 = 0xFE
    /// What an unknown byte in a session array reads as (never a sentinel).
    static let unknown: UInt8 = 0xFD

    static let table: [UInt8] = {
        var t = [UInt8](repeating: neutral, count: 256)
        t[0] = 0
        t[Int(closed)] = 0
        t[Int(offRoll)] = 0
        for c in AttendanceCode.allCases {
            var f: UInt8 = 0
            switch c.statisticalMeaning {
            case .present, .approvedEducationalActivity: f = attended | possible
            case .authorisedAbsence, .unauthorisedAbsence: f = possible
            case .notPossible: f = neutral
            }
            switch c {
            case .g, .o: f |= gnou
            case .n: f |= gnou | n
            case .u: f |= gnou | u
            case .late: f |= late
            case .i: f |= illness
            default: break
            }
            t[Int(c.rawValue)] = f
        }
        return t
    }()

    /// Each byte's code symbol, looked up once (`AttendanceCode.symbol` describes the case by reflection).
    static let symbols: [String] = {
        var t = [String](repeating: "?", count: 256)
        for c in AttendanceCode.allCases { t[Int(c.rawValue)] = c.symbol }
        return t
    }()
    static func symbol(_ v: UInt8) -> String { symbols[Int(v)] }
}

/// Prefix-sum counters, one row of `stride` per day.
enum EvalCounter {
    static let attended = 0, possible = 1, gnou = 2, late = 3, u = 4, illness = 5, n = 6
    /// M (medical or dental appointment): read by the policy's evidence.medical_appointments.
    static let medical = 7
    /// Absent sessions that begin a run of absence (the previous possible session attended, or none).
    static let episodes = 8
    static let stride = 9
}

/// Per-pupil working memory, allocated once per run.
struct EvalScratch {
    /// Two bytes a day from the plan's start: the code, 0 unmarked, or a sentinel.
    var sess: [UInt8]
    /// EvalCounter sums over days before each day: row i is days [0, i).
    var pre: [Int32]
    /// Day indices of the current continuous-absence run, latest first.
    var run: [Int32]
    /// The days (indices, inclusive) on which the pupil is of compulsory school age; empty when csaFrom > csaTo.
    var csaFrom = 0, csaTo = -1
    init(days: Int) {
        sess = [UInt8](repeating: 0, count: days * 2)
        pre = [Int32](repeating: 0, count: (days + 1) * EvalCounter.stride)
        run = []
        run.reserveCapacity(days)
    }
    @inline(__always) func count(_ k: Int, from a: Int, through b: Int) -> Int {
        guard a <= b else { return 0 }
        return Int(pre[(b + 1) * EvalCounter.stride + k] - pre[a * EvalCounter.stride + k])
    }
}
