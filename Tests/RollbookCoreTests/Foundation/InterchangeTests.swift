import Foundation
import Testing

@testable import RollbookCore

private func day(_ s: String) -> LocalDate {
    guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
    return d
}

/// The error an import throws, or nil when it succeeds.
private func importError<T>(_ body: () throws -> T, sourceLocation: SourceLocation = #_sourceLocation) -> ImportError? {
    do {
        _ = try body()
        Issue.record("expected an ImportError", sourceLocation: sourceLocation)
        return nil
    } catch let e as ImportError {
        return e
    } catch {
        Issue.record("expected an ImportError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

private let calendarHead = "start,end,kind,year_groups\n"
private let pupilsHead =
    "upn,legal_surname,legal_forename,preferred_forename,date_of_birth,sex,year_group,form,house,starting_day,leaving_day,sen,fsm,pupil_premium,eal,looked_after,child_in_need,child_protection,young_carer\n"
private let marksHead = "upn,date,session,code,minutes_late\n"

/// A valid pupils.csv row with a few fields replaceable.
private func pupilRow(
    upn: String = "A100000000001", surname: String = "Fielding", forename: String = "Mia", preferred: String = "",
    dob: String = "2020-11-02", sex: String = "F", year: String = "R", house: String = "Oak",
    start: String = "2025-09-03", leave: String = "", sen: String = "", fsm: String = "N"
) -> String {
    "\(upn),\(surname),\(forename),\(preferred),\(dob),\(sex),\(year),RA,\(house),\(start),\(leave),\(sen),\(fsm),N,N,N,N,N,N\n"
}

private func readCalendar(_ body: String) throws(ImportError) -> [CalendarEntry] {
    try Interchange.readCalendar(file: "calendar.csv", text: calendarHead + body)
}
private func readPupils(_ body: String) throws(ImportError) -> [PupilRecord] {
    try Interchange.readPupils(file: "pupils.csv", text: pupilsHead + body)
}
private func readMarks(_ body: String) throws(ImportError) -> [Interchange.MarkRow] {
    try Interchange.readMarks(file: "marks.csv", text: marksHead + body)
}

@Suite("Interchange: the tiny example files")
struct TinyImportTests {
    @Test("the three tiny CSV files import without error")
    func tinyFilesImport() throws {
        let tiny = try TinyExample.load()
        #expect(tiny.calendar.entries.count == 4)
        #expect(
            tiny.calendar.entries[1] == CalendarEntry(start: day("2025-09-03"), end: day("2025-09-04"), kind: .closure, yearGroups: ["R"]))
        #expect(tiny.calendar.entries[3].kind == .closurePM)
        #expect(tiny.pupils.map(\.upn) == ["A100000000001", "A100000000002", "A100000000003"])
        let danny = tiny.pupils[1]
        #expect(danny.displayName == "Danny Okafor")
        #expect(danny.leavingDay == day("2025-09-10"))
        #expect(danny.characteristics.sen == .senSupport && danny.characteristics.freeSchoolMeals && danny.characteristics.pupilPremium)
        #expect(tiny.pupils[2].characteristics.englishAdditionalLanguage)
        #expect(tiny.marks.count == 54)
        let late = try #require(tiny.marks.first { $0.mark.code == .late })
        #expect(late.mark == Mark(date: day("2025-09-09"), session: .am, code: .late, minutesLate: 12))
        #expect(late.line == 10)
        #expect(tiny.marks.first { $0.mark.code == .u }?.mark.minutesLate == 40)
        #expect(tiny.marks.first?.mark.code == .closure)
        #expect(tiny.marks.contains { $0.mark.code == .presentPM })
    }
}

@Suite("Interchange: calendar.csv")
struct CalendarImportTests {
    @Test("rows of each kind, with year groups separated by semicolons")
    func kinds() throws {
        let entries = try readCalendar(
            """
            2025-09-03,2025-10-24,term,
            2025-09-03,2025-09-03,inset,
            2025-09-04,2025-09-05,closure,R;1
            2025-10-01,2025-10-01,closure_am,
            2025-10-02,2025-10-02,closure_pm, 5 ; 6\n
            """)
        #expect(entries.map(\.kind) == [.term, .inset, .closure, .closureAM, .closurePM])
        #expect(entries[2].yearGroups == ["R", "1"])
        #expect(entries[4].yearGroups == ["5", "6"])
        #expect(entries[0].yearGroups.isEmpty)
    }

    @Test("a wrong header is reported on line 1")
    func wrongHeader() {
        let e = importError {
            try Interchange.readCalendar(file: "calendar.csv", text: "from,to,kind,year_groups\n2025-09-03,2025-10-24,term,\n")
        }
        #expect(e?.file == "calendar.csv")
        #expect(e?.line == 1)
        #expect(e?.reason.contains("start,end,kind,year_groups") == true)
        #expect(e?.reason.contains("from,to,kind,year_groups") == true)
    }

    @Test(
        "a bad date names the line and column",
        arguments: [
            ("2025-09-31,2025-10-24,term,", "start"),
            ("2025-09-03,24/10/2025,term,", "end"),
            (",2025-10-24,term,", "start"),
        ])
    func badDate(_ row: String, _ column: String) {
        let e = importError { try readCalendar("2025-09-01,2025-09-02,term,\n\(row)\n") }
        #expect(e == ImportError(file: "calendar.csv", line: 3, column: column, reason: e?.reason ?? ""))
    }

    @Test(
        "end before start, an unknown kind, an unknown year group, and year groups on a term are rejected",
        arguments: [
            ("2025-10-24,2025-09-03,term,", "end"),
            ("2025-09-03,2025-10-24,holiday,", "kind"),
            ("2025-09-03,2025-09-03,closure,Y7", "year_groups"),
            ("2025-09-03,2025-09-03,closure,R;Reception", "year_groups"),
            ("2025-09-03,2025-10-24,term,R", "year_groups"),
        ])
    func badRows(_ row: String, _ column: String) {
        let e = importError { try readCalendar(row + "\n") }
        #expect(e?.line == 2)
        #expect(e?.column == column)
    }
}

@Suite("Interchange: pupils.csv")
struct PupilsImportTests {
    @Test("quoted fields may hold commas, doubled quotes and line breaks")
    func quotedFields() throws {
        let text =
            pupilRow(surname: "\"Smith, Jr\"", forename: "\"Anne-Marie\"", preferred: "\"\"\"Annie\"\"\"", house: "\"Oak\nTree\"")
            + pupilRow(upn: "A100000000002", surname: "O'Neil")
        let pupils = try readPupils(text)
        #expect(pupils.count == 2)
        #expect(pupils[0].legalSurname == "Smith, Jr")
        #expect(pupils[0].legalForename == "Anne-Marie")
        #expect(pupils[0].preferredForename == "\"Annie\"")
        #expect(pupils[0].house == "Oak\nTree")
        #expect(pupils[1].legalSurname == "O'Neil")
        #expect(pupils[1].upn == "A100000000002")
    }

    @Test("a line break inside quotes moves later line numbers on")
    func lineNumbersAfterMultilineField() {
        let text = pupilRow(house: "\"Oak\nTree\"") + pupilRow(upn: "A100000000002", sex: "X")
        let e = importError { try readPupils(text) }
        #expect(e?.line == 4)
        #expect(e?.column == "sex")
    }

    @Test("a duplicate UPN is reported at its second appearance")
    func duplicateUPN() {
        let e = importError { try readPupils(pupilRow() + pupilRow(upn: "A100000000002") + pupilRow()) }
        #expect(e?.file == "pupils.csv")
        #expect(e?.line == 4)
        #expect(e?.column == "upn")
        #expect(e?.reason.contains("A100000000001") == true)
    }

    @Test(
        "field errors name their column",
        arguments: [
            (pupilRow(upn: "A10000000001"), "upn"),
            (pupilRow(upn: "a100000000001"), "upn"),
            (pupilRow(surname: ""), "legal_surname"),
            (pupilRow(sex: "U"), "sex"),
            (pupilRow(year: "Y3"), "year_group"),
            (pupilRow(dob: "2025-09-03"), "date_of_birth"),
            (pupilRow(dob: "2020-02-30"), "date_of_birth"),
            (pupilRow(start: ""), "starting_day"),
            (pupilRow(leave: "2025-09-02"), "leaving_day"),
            (pupilRow(sen: "S"), "sen"),
            (pupilRow(fsm: "yes"), "fsm"),
        ])
    func fieldErrors(_ row: String, _ column: String) {
        let e = importError { try readPupils(pupilRow(upn: "A100000000009") + row) }
        #expect(e?.line == 3)
        #expect(e?.column == column)
    }

    @Test("a row with the wrong number of fields is reported with its line")
    func wrongFieldCount() {
        let short = "A100000000002,Okafor,Daniel,Danny,2015-03-14,M,5,5B,Ash,2025-09-03,,K,Y,Y,N,N,N,N\n"
        let e = importError { try readPupils(pupilRow() + short) }
        #expect(e?.line == 3)
        #expect(e?.column == "-")
        #expect(e?.reason.contains("18") == true && e?.reason.contains("19") == true)
        let long = pupilRow().dropLast() + ",extra\n"
        #expect(importError { try readPupils(String(long)) }?.line == 2)
    }

    @Test("Windows line endings, a byte-order mark and blank lines are accepted")
    func tolerantText() throws {
        let text =
            "\u{FEFF}" + (pupilsHead + pupilRow() + "\n" + pupilRow(upn: "A100000000002")).replacingOccurrences(of: "\n", with: "\r\n")
        let pupils = try Interchange.readPupils(file: "pupils.csv", text: text)
        #expect(pupils.map(\.upn) == ["A100000000001", "A100000000002"])
        #expect(pupils[1].characteristics.youngCarer == false)
    }

    @Test("an empty file is an error on line 1")
    func emptyFile() {
        let e = importError { try Interchange.readPupils(file: "pupils.csv", text: "") }
        #expect(e?.line == 1)
        #expect(e?.file == "pupils.csv")
    }
}

@Suite("Interchange: marks.csv")
struct MarksImportTests {
    @Test("a bad date names the line and the date column")
    func badDate() {
        let e = importError { try readMarks("A100000000001,2025-09-08,AM,/,\nA100000000001,2025-09-31,AM,/,\n") }
        #expect(e?.file == "marks.csv")
        #expect(e?.line == 3)
        #expect(e?.column == "date")
        #expect(e?.reason.contains("2025-09-31") == true)
        #expect(e?.description.hasPrefix("marks.csv:3: column date:") == true)
    }

    @Test("an unknown code names the line, the code column and the code")
    func badCode() {
        let e = importError { try readMarks("A100000000001,2025-09-08,AM,/,\nA100000000001,2025-09-08,PM,QQ,\n") }
        #expect(e?.line == 3)
        #expect(e?.column == "code")
        #expect(e?.reason.contains("'QQ'") == true)
    }

    @Test(
        "legacy codes after 19 August 2024 and 2024 codes before it are rejected in the code column",
        arguments: [
            ("2025-09-08", "H"), ("2024-08-19", "J"), ("2025-01-06", "Y"), ("2024-09-02", "F"),
            ("2024-08-18", "C1"), ("2023-11-06", "K"), ("2024-06-03", "Y4"),
        ])
    func codesOutOfTheirTime(_ date: String, _ code: String) {
        let e = importError { try readMarks("A100000000001,\(date),AM,\(code),\n") }
        #expect(e?.line == 2)
        #expect(e?.column == "code")
        #expect(e?.reason.contains("'\(code)'") == true)
    }

    @Test("historic marks with legacy codes import on their own dates")
    func historicImport() throws {
        let rows = try readMarks("A100000000001,2023-09-04,AM,H,\nA100000000001,2023-09-04,PM,J,\nA100000000001,2024-08-16,AM,Y,\n")
        #expect(rows.map(\.mark.code) == [.legacyH, .legacyJ, .legacyY])
    }

    @Test("minutes_late is kept with L and U only", arguments: ["/", "\\", "I", "O", "N", "V"])
    func minutesWithOtherCodes(_ code: String) {
        let e = importError { try readMarks("A100000000001,2025-09-08,AM,\(code),5\n") }
        #expect(e?.line == 2)
        #expect(e?.column == "minutes_late")
    }

    @Test("minutes_late must be a whole number of minutes", arguments: ["-3", "five", "2.5", "1440"])
    func badMinutes(_ minutes: String) {
        let e = importError { try readMarks("A100000000001,2025-09-08,AM,L,\(minutes)\n") }
        #expect(e?.column == "minutes_late")
    }

    @Test("L and U keep their minutes; other codes have none")
    func minutesKept() throws {
        let rows = try readMarks("A100000000001,2025-09-08,AM,L,12\nA100000000001,2025-09-09,AM,U,40\nA100000000001,2025-09-09,PM,\\,\n")
        #expect(rows.map(\.mark.minutesLate) == [12, 40, nil])
        #expect(rows.map(\.line) == [2, 3, 4])
    }

    @Test(
        "session, UPN and duplicate-mark errors name their column",
        arguments: [
            ("A100000000001,2025-09-08,am,/,", "session"),
            ("A100000000001,2025-09-08,EVE,/,", "session"),
            ("X1,2025-09-08,AM,/,", "upn"),
            ("A100000000001,2025-09-08,AM,I,", "date"),  // the same session as line 2
        ])
    func otherColumns(_ row: String, _ column: String) {
        let e = importError { try readMarks("A100000000001,2025-09-08,AM,/,\n\(row)\n") }
        #expect(e?.line == 3)
        #expect(e?.column == column)
    }

    @Test("a wrong header and a wrong field count are reported")
    func headerAndFieldCount() {
        let header = importError {
            try Interchange.readMarks(file: "marks.csv", text: "upn,date,session,code\nA100000000001,2025-09-08,AM,/\n")
        }
        #expect(header?.line == 1)
        #expect(header?.reason.contains("upn,date,session,code,minutes_late") == true)
        let count = importError { try readMarks("A100000000001,2025-09-08,AM,/,\nA100000000001,2025-09-08,PM,\\\n") }
        #expect(count?.line == 3)
        #expect(count?.reason.contains("4") == true)
    }

    @Test("an unclosed quote is reported at the line where its record starts")
    func unclosedQuote() {
        let e = importError {
            try readMarks("A100000000001,2025-09-08,AM,/,\nA100000000001,2025-09-08,\"PM,\\,\nA100000000001,2025-09-09,AM,/,\n")
        }
        #expect(e?.file == "marks.csv")
        #expect(e?.line == 3)
        #expect(e?.reason.contains("quote") == true)
    }

    @Test("a quoted code field is read like any other")
    func quotedCode() throws {
        let rows = try readMarks("\"A100000000001\",\"2025-09-08\",\"AM\",\"L\",\"7\"\n")
        #expect(rows.first?.mark == Mark(date: day("2025-09-08"), session: .am, code: .late, minutesLate: 7))
    }
}

@Suite("Pupil records and output fields")
struct RecordTests {
    @Test("UPNs: a letter and 12 digits, or (temporary) a letter, 11 digits and a letter")
    func upns() {
        #expect(UPN.isValid("A100000000001"))
        #expect(UPN.isValid("Z999999999999"))
        #expect(UPN.isValid("A12345678901B"))
        #expect(!UPN.isValid("a100000000001"))
        #expect(!UPN.isValid("1100000000001"))
        #expect(!UPN.isValid("A10000000001"))
        #expect(!UPN.isValid("A1000000000011"))
        #expect(!UPN.isValid("A1000000000O1"))
        #expect(!UPN.isValid("A1234567890BB"))
        #expect(!UPN.isValid(""))
    }

    @Test("pupil validation names the field")
    func validation() throws {
        let ok = PupilRecord(
            upn: "A100000000001", legalSurname: "Fielding", legalForename: "Mia", dateOfBirth: day("2020-11-02"),
            sex: "F", yearGroup: "R", form: "RA", startingDay: day("2025-09-03"))
        try ok.validate()
        #expect(ok.displayName == "Mia Fielding")
        var p = ok
        p.preferredForename = "Mimi"
        #expect(p.displayName == "Mimi Fielding")
        p = ok
        p.deletionGround = .transferred
        #expect(throws: ValidationError(field: "leaving_day", reason: "is required with a deletion ground")) { try p.validate() }
        p.leavingDay = day("2026-07-22")
        try p.validate()
        p = ok
        p.leavingDay = day("2025-09-02")
        do {
            try p.validate()
            Issue.record("a leaving day before the starting day must be rejected")
        } catch { #expect(error.field == "leaving_day") }
        p = ok
        p.yearGroup = "15"
        do {
            try p.validate()
            Issue.record("year 15 must be rejected")
        } catch { #expect(error.field == "year_group") }
    }

    @Test("CSV output fields are quoted when needed and never start a formula")
    func csvFields() {
        #expect(csvField("plain") == "plain")
        #expect(csvField("Smith, Jr") == "\"Smith, Jr\"")
        #expect(csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(csvField("two\nlines") == "\"two\nlines\"")
        #expect(csvField("=SUM(A1:A9)") == "'=SUM(A1:A9)")
        #expect(csvField("+44 20") == "'+44 20")
        #expect(csvField("-1") == "'-1")
        #expect(csvField("@cmd") == "'@cmd")
        #expect(csvField("=1,2") == "\"'=1,2\"")
    }

    @Test("JSON strings are escaped and parse back")
    func jsonStrings() throws {
        let nasty = "quote \" backslash \\ newline \n tab \t bell \u{7} é"
        let s = jsonString(nasty)
        let parsed = try JSONSerialization.jsonObject(with: Data("[\(s)]".utf8)) as? [String]
        #expect(parsed == [nasty])
    }
}
