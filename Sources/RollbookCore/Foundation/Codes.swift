import Foundation

/// How a mark counts in the DfE's absence statistics.
public enum StatisticalMeaning: String, Sendable, Codable, CaseIterable {
    case present = "present"
    case approvedEducationalActivity = "approved_educational_activity"
    case authorisedAbsence = "authorised_absence"
    case unauthorisedAbsence = "unauthorised_absence"
    /// Not a possible session (D, X, Q, Y1-Y7) or not counted at all (Z, #).
    case notPossible = "not_possible"
}

/// The statutory group a code belongs to (2024 regulations, with the pre-2024 groups for legacy codes).
public enum CodeGroup: String, Sendable, Codable, CaseIterable {
    case attending = "attending"
    case approvedEducationalActivity = "approved_educational_activity"
    case leaveOfAbsence = "leave_of_absence"
    case otherAuthorised = "other_authorised"
    case unableToAttend = "unable_to_attend"
    case unauthorised = "unauthorised"
    case administrative = "administrative"
}

/// The day the 2024 regulations (SI 2024/208) and their code set came into force.
public let codes2024Start = LocalDate(year: 2024, month: 8, day: 19)!

/// A DfE attendance code. The raw value is the one byte stored in compact session arrays (0 means no mark).
public enum AttendanceCode: UInt8, Sendable, CaseIterable, Codable, Hashable {
    case presentAM = 1
    case presentPM, late
    case k, v, p, w, b, d
    case c1, m, j1, s, x, c2, c
    case e, i, t, r
    case q, y1, y2, y3, y4, y5, y6, y7
    case g, u, o, n
    case z, closure
    // Pre-2024 codes, kept so imported history keeps the meaning it had when it was made.
    case legacyH, legacyJ, legacyY, legacyF

    /// The code as written in registers and files.
    public var symbol: String { Self.symbols[Int(rawValue)] }

    /// Each code's symbol by raw value, worked out once: the case name comes through reflection (`String(describing:)`),
    /// which showed in the not-in-lesson scan's profile, and every mark written out asks for a symbol.
    private static let symbols: [String] = (0...UInt8.max).map { raw in
        guard let code = AttendanceCode(rawValue: raw) else { return "" }
        switch code {
        case .presentAM: return "/"
        case .presentPM: return "\\"
        case .late: return "L"
        case .closure: return "#"
        case .legacyH: return "H"
        case .legacyJ: return "J"
        case .legacyY: return "Y"
        case .legacyF: return "F"
        default: return String(describing: code).uppercased()
        }
    }

    public var isLegacy: Bool { self == .legacyH || self == .legacyJ || self == .legacyY || self == .legacyF }

    /// True for codes that exist only since 19 August 2024.
    public var isNewIn2024: Bool {
        switch self {
        case .k, .c1, .j1, .c2, .q, .y1, .y2, .y3, .y4, .y5, .y6, .y7: true
        default: false
        }
    }

    public var statisticalMeaning: StatisticalMeaning {
        switch self {
        case .presentAM, .presentPM, .late: .present
        case .k, .v, .p, .w, .b, .legacyJ: .approvedEducationalActivity
        case .c1, .m, .j1, .s, .c2, .c, .e, .i, .t, .r, .legacyH, .legacyF: .authorisedAbsence
        case .g, .u, .o, .n: .unauthorisedAbsence
        case .d, .x, .q, .y1, .y2, .y3, .y4, .y5, .y6, .y7, .z, .closure, .legacyY: .notPossible
        }
    }

    public var group: CodeGroup {
        switch self {
        case .presentAM, .presentPM, .late: .attending
        case .k, .v, .p, .w, .b, .d, .legacyJ: .approvedEducationalActivity
        case .c1, .m, .j1, .s, .x, .c2, .c, .legacyH, .legacyF: .leaveOfAbsence
        case .e, .i, .t, .r: .otherAuthorised
        case .q, .y1, .y2, .y3, .y4, .y5, .y6, .y7, .legacyY: .unableToAttend
        case .g, .u, .o, .n: .unauthorised
        case .z, .closure: .administrative
        }
    }

    /// Whether the session is a possible session when this mark is on it.
    public var isPossibleSession: Bool { statisticalMeaning != .notPossible }
    /// Present on site or at an approved activity.
    public var isAttendance: Bool { statisticalMeaning == .present || statisticalMeaning == .approvedEducationalActivity }
    public var isAbsence: Bool { statisticalMeaning == .authorisedAbsence || statisticalMeaning == .unauthorisedAbsence }

    /// The code's meaning in the 2024 regulations (or, for legacy codes, before them).
    public var meaning: String {
        switch self {
        case .presentAM: "Present (AM)"
        case .presentPM: "Present (PM)"
        case .late: "Late, arrived before the register closed"
        case .k: "Attending education provision arranged by the local authority"
        case .v: "Attending an educational visit or trip"
        case .p: "Participating in an approved sporting activity"
        case .w: "Attending work experience"
        case .b: "Attending any other approved educational activity off site"
        case .d: "Dual registered, attending the other school"
        case .c1: "Leave of absence for a regulated performance or regulated employment abroad"
        case .m: "Leave of absence for a medical or dental appointment"
        case .j1: "Leave of absence for an interview for employment or admission"
        case .s: "Leave of absence for study leave"
        case .x: "Not of compulsory school age, not required to attend"
        case .c2: "Leave of absence for a temporary, part-time timetable"
        case .c: "Leave of absence for exceptional circumstances"
        case .e: "Suspended or permanently excluded, no alternative provision made"
        case .i: "Illness"
        case .t: "Parent travelling for occupational purposes"
        case .r: "Religious observance"
        case .q: "Unable to attend because of a lack of access arrangements by the local authority"
        case .y1: "Unable to attend due to transport normally provided not being available"
        case .y2: "Unable to attend due to widespread disruption to travel"
        case .y3: "Unable to attend due to part of the school premises being closed"
        case .y4: "Unable to attend due to the whole school site being unexpectedly closed"
        case .y5: "Unable to attend as in criminal justice detention"
        case .y6: "Unable to attend in accordance with public health guidance or law"
        case .y7: "Unable to attend because of any other unavoidable cause"
        case .g: "Holiday not agreed, or days taken in excess of the leave agreed"
        case .u: "Arrived after the register closed"
        case .o: "Other unauthorised absence"
        case .n: "Reason for absence not yet provided"
        case .z: "Prospective pupil not on the admission register"
        case .closure: "Planned whole or partial school closure"
        case .legacyH: "Holiday authorised by the school (pre-2024 code)"
        case .legacyJ: "Interview, an approved educational activity (pre-2024 code)"
        case .legacyY: "Unable to attend due to exceptional circumstances (pre-2024 code)"
        case .legacyF: "Extended holiday agreed by the school (pre-2024 code, long withdrawn)"
        }
    }

    /// Meaning as written at the time of `date`: B and D had different wording before 2024.
    public func meaning(on date: LocalDate) -> String {
        guard date < codes2024Start else { return meaning }
        switch self {
        case .b: return "Educated off site (not dual registration)"
        case .d: return "Dual registered, at another educational establishment"
        case .x: return "Non-compulsory school age absence"
        case .c: return "Other authorised circumstances"
        default: return meaning
        }
    }

    private static let bySymbol: [String: AttendanceCode] = {
        var m: [String: AttendanceCode] = [:]
        for c in AttendanceCode.allCases { m[c.symbol] = c }
        return m
    }()

    /// Looks a code up by its symbol, whatever its date.
    public static func lookup(_ symbol: String) -> AttendanceCode? { bySymbol[symbol] }

    /// The code a mark on `date` may carry: legacy codes only before 19 August 2024,
    /// the new 2024 codes only from then.
    public static func parse(_ raw: String, on date: LocalDate) throws(CodeError) -> AttendanceCode {
        let symbol = raw.trimmingCharacters(in: .whitespaces)
        guard let code = bySymbol[symbol] ?? bySymbol[symbol.uppercased()] else { throw .unknown(symbol) }
        if code.isLegacy && date >= codes2024Start { throw .withdrawn(symbol, on: date) }
        if code.isNewIn2024 && date < codes2024Start { throw .notYetInForce(symbol, on: date) }
        return code
    }
}

public enum CodeError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknown(String)
    case withdrawn(String, on: LocalDate)
    case notYetInForce(String, on: LocalDate)

    public var description: String {
        switch self {
        case .unknown(let s): "'\(s)' is not a DfE attendance code"
        case .withdrawn(let s, let d): "code '\(s)' was withdrawn on 19 August 2024 and cannot be used on \(d)"
        case .notYetInForce(let s, let d): "code '\(s)' came into force on 19 August 2024 and cannot be used on \(d)"
        }
    }
}
