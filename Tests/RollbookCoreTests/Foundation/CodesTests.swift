import Testing

@testable import RollbookCore

/// The code table of RULES.md ("Codes (2024) and how they count"), written out here as data,
/// independently of Codes.swift, so that a change to either side shows up.
struct ExpectedCodeRow: Sendable, CustomTestStringConvertible {
    let symbol: String
    let group: CodeGroup
    let meaning: StatisticalMeaning
    var testDescription: String { symbol }
}

private let table2024: [ExpectedCodeRow] = [
    // attending: present
    .init(symbol: "/", group: .attending, meaning: .present),
    .init(symbol: "\\", group: .attending, meaning: .present),
    .init(symbol: "L", group: .attending, meaning: .present),
    // approved educational activity: present, except D (not a possible session)
    .init(symbol: "K", group: .approvedEducationalActivity, meaning: .approvedEducationalActivity),
    .init(symbol: "V", group: .approvedEducationalActivity, meaning: .approvedEducationalActivity),
    .init(symbol: "P", group: .approvedEducationalActivity, meaning: .approvedEducationalActivity),
    .init(symbol: "W", group: .approvedEducationalActivity, meaning: .approvedEducationalActivity),
    .init(symbol: "B", group: .approvedEducationalActivity, meaning: .approvedEducationalActivity),
    .init(symbol: "D", group: .approvedEducationalActivity, meaning: .notPossible),
    // leave of absence: authorised, except X (not a possible session)
    .init(symbol: "C1", group: .leaveOfAbsence, meaning: .authorisedAbsence),
    .init(symbol: "M", group: .leaveOfAbsence, meaning: .authorisedAbsence),
    .init(symbol: "J1", group: .leaveOfAbsence, meaning: .authorisedAbsence),
    .init(symbol: "S", group: .leaveOfAbsence, meaning: .authorisedAbsence),
    .init(symbol: "X", group: .leaveOfAbsence, meaning: .notPossible),
    .init(symbol: "C2", group: .leaveOfAbsence, meaning: .authorisedAbsence),
    .init(symbol: "C", group: .leaveOfAbsence, meaning: .authorisedAbsence),
    // other authorised
    .init(symbol: "E", group: .otherAuthorised, meaning: .authorisedAbsence),
    .init(symbol: "I", group: .otherAuthorised, meaning: .authorisedAbsence),
    .init(symbol: "T", group: .otherAuthorised, meaning: .authorisedAbsence),
    .init(symbol: "R", group: .otherAuthorised, meaning: .authorisedAbsence),
    // unable to attend: not possible sessions
    .init(symbol: "Q", group: .unableToAttend, meaning: .notPossible),
    .init(symbol: "Y1", group: .unableToAttend, meaning: .notPossible),
    .init(symbol: "Y2", group: .unableToAttend, meaning: .notPossible),
    .init(symbol: "Y3", group: .unableToAttend, meaning: .notPossible),
    .init(symbol: "Y4", group: .unableToAttend, meaning: .notPossible),
    .init(symbol: "Y5", group: .unableToAttend, meaning: .notPossible),
    .init(symbol: "Y6", group: .unableToAttend, meaning: .notPossible),
    .init(symbol: "Y7", group: .unableToAttend, meaning: .notPossible),
    // unauthorised
    .init(symbol: "G", group: .unauthorised, meaning: .unauthorisedAbsence),
    .init(symbol: "U", group: .unauthorised, meaning: .unauthorisedAbsence),
    .init(symbol: "O", group: .unauthorised, meaning: .unauthorisedAbsence),
    .init(symbol: "N", group: .unauthorised, meaning: .unauthorisedAbsence),
    // administrative: not counted
    .init(symbol: "Z", group: .administrative, meaning: .notPossible),
    .init(symbol: "#", group: .administrative, meaning: .notPossible),
]

/// Pre-2024 codes keep the meaning they had when made: H agreed holiday (now C, authorised leave),
/// J interview (an approved educational activity then), Y unable to attend (not a possible session),
/// F extended holiday (merged into H, authorised).
private let legacyTable: [ExpectedCodeRow] = [
    .init(symbol: "H", group: .leaveOfAbsence, meaning: .authorisedAbsence),
    .init(symbol: "J", group: .approvedEducationalActivity, meaning: .approvedEducationalActivity),
    .init(symbol: "Y", group: .unableToAttend, meaning: .notPossible),
    .init(symbol: "F", group: .leaveOfAbsence, meaning: .authorisedAbsence),
]

/// Codes that exist only from 19 August 2024.
private let newIn2024: Set<String> = ["K", "C1", "J1", "C2", "Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7"]

private let lastDayBefore2024 = LocalDate(year: 2024, month: 8, day: 18)!
private let firstDay2024 = LocalDate(year: 2024, month: 8, day: 19)!

@Suite("Attendance codes")
struct CodesTests {
    @Test("every 2024 code has the group and statistical meaning of the RULES.md table", arguments: table2024)
    func code2024(_ e: ExpectedCodeRow) throws {
        let code = try #require(AttendanceCode.lookup(e.symbol), "\(e.symbol) must be a code")
        #expect(code.symbol == e.symbol)
        #expect(code.group == e.group)
        #expect(code.statisticalMeaning == e.meaning)
        #expect(!code.isLegacy)
        #expect(code.isPossibleSession == (e.meaning != .notPossible))
        #expect(code.isAttendance == (e.meaning == .present || e.meaning == .approvedEducationalActivity))
        #expect(code.isAbsence == (e.meaning == .authorisedAbsence || e.meaning == .unauthorisedAbsence))
        // Usable from the day the 2024 regulations came into force.
        #expect(try AttendanceCode.parse(e.symbol, on: firstDay2024) == code)
        #expect(try AttendanceCode.parse(e.symbol, on: LocalDate(year: 2025, month: 9, day: 1)!) == code)
    }

    @Test("legacy codes H, J, Y, F keep their pre-2024 meaning", arguments: legacyTable)
    func legacyCode(_ e: ExpectedCodeRow) throws {
        let code = try #require(AttendanceCode.lookup(e.symbol))
        #expect(code.isLegacy)
        #expect(!code.isNewIn2024)
        #expect(code.group == e.group)
        #expect(code.statisticalMeaning == e.meaning)
        #expect(try AttendanceCode.parse(e.symbol, on: lastDayBefore2024) == code)
        #expect(try AttendanceCode.parse(e.symbol, on: LocalDate(year: 2019, month: 1, day: 7)!) == code)
    }

    @Test("the table covers every code Rollbook knows, with distinct symbols and non-zero bytes")
    func tableIsComplete() {
        let expected = Set((table2024 + legacyTable).map(\.symbol))
        let actual = Set(AttendanceCode.allCases.map(\.symbol))
        #expect(actual == expected)
        #expect(AttendanceCode.allCases.count == expected.count, "two codes share a symbol")
        // Raw value 0 means "no mark" in a SessionArray, so no code may use it.
        #expect(AttendanceCode(rawValue: 0) == nil)
        #expect(AttendanceCode.allCases.allSatisfy { $0.rawValue != 0 })
        #expect(Set(AttendanceCode.allCases.filter(\.isNewIn2024).map(\.symbol)) == newIn2024)
    }

    @Test("legacy codes are rejected on and after 19 August 2024", arguments: ["H", "J", "Y", "F"])
    func legacyRejectedFrom2024(_ symbol: String) {
        #expect(throws: CodeError.withdrawn(symbol, on: firstDay2024)) {
            try AttendanceCode.parse(symbol, on: firstDay2024)
        }
        let later = LocalDate(year: 2025, month: 9, day: 8)!
        #expect(throws: CodeError.withdrawn(symbol, on: later)) {
            try AttendanceCode.parse(symbol, on: later)
        }
    }

    @Test("2024-only codes are rejected before 19 August 2024", arguments: newIn2024.sorted())
    func newCodesRejectedBefore2024(_ symbol: String) throws {
        #expect(throws: CodeError.notYetInForce(symbol, on: lastDayBefore2024)) {
            try AttendanceCode.parse(symbol, on: lastDayBefore2024)
        }
        #expect(try AttendanceCode.parse(symbol, on: firstDay2024).symbol == symbol)
    }

    @Test(
        "codes common to both sets are accepted either side of 19 August 2024",
        arguments: ["/", "\\", "L", "V", "P", "W", "B", "D", "M", "S", "X", "C", "E", "I", "T", "R", "G", "U", "O", "N", "Z", "#"])
    func commonCodesBothSides(_ symbol: String) throws {
        #expect(try AttendanceCode.parse(symbol, on: lastDayBefore2024).symbol == symbol)
        #expect(try AttendanceCode.parse(symbol, on: firstDay2024).symbol == symbol)
    }

    @Test("unknown codes are rejected with an error naming the code", arguments: ["XX", "A", "Y8", "C3", "?", ""])
    func unknownCode(_ symbol: String) {
        let day = LocalDate(year: 2025, month: 9, day: 8)!
        #expect(throws: CodeError.unknown(symbol)) { try AttendanceCode.parse(symbol, on: day) }
        #expect(CodeError.unknown(symbol).description.contains("'\(symbol)'"))
        #expect(AttendanceCode.lookup(symbol) == nil)
    }

    @Test("parse trims spaces and accepts lower case")
    func parseTolerance() throws {
        let day = LocalDate(year: 2025, month: 9, day: 8)!
        #expect(try AttendanceCode.parse(" L ", on: day) == .late)
        #expect(try AttendanceCode.parse("y3", on: day) == .y3)
        #expect(try AttendanceCode.parse("c2", on: day) == .c2)
    }

    @Test("error messages name the code and the date")
    func errorDescriptions() {
        let withdrawn = CodeError.withdrawn("H", on: firstDay2024).description
        #expect(withdrawn.contains("'H'") && withdrawn.contains("2024-08-19"))
        let notYet = CodeError.notYetInForce("C1", on: lastDayBefore2024).description
        #expect(notYet.contains("'C1'") && notYet.contains("2024-08-18"))
    }

    @Test("B, D, X and C carry their pre-2024 wording on earlier dates")
    func historicWording() {
        #expect(AttendanceCode.b.meaning(on: lastDayBefore2024) != AttendanceCode.b.meaning)
        #expect(AttendanceCode.b.meaning(on: firstDay2024) == AttendanceCode.b.meaning)
        #expect(AttendanceCode.i.meaning(on: lastDayBefore2024) == AttendanceCode.i.meaning)
        #expect(AttendanceCode.allCases.allSatisfy { !$0.meaning.isEmpty })
    }
}
