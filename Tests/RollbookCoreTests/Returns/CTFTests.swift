import Foundation
import Testing

@testable import RollbookCore

private func day(_ s: String) -> LocalDate {
    guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
    return d
}

/// The error `body` throws, or nil (recorded as an issue) when it succeeds.
private func ctfError<T>(_ body: () throws -> T, sourceLocation: SourceLocation = #_sourceLocation) -> ValidationError? {
    do {
        _ = try body()
        Issue.record("expected a ValidationError", sourceLocation: sourceLocation)
        return nil
    } catch let e as ValidationError {
        return e
    } catch {
        Issue.record("expected a ValidationError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

private let school = CTFSchool(la: "990", estab: "2000", name: "Tiny Test School")

/// The tiny example's pupils as CTF year data, exported as of 30 September 2025.
private func tinyYears() throws -> [String: CTFYearData] {
    let t = try TinyExample.load()
    var out: [String: CTFYearData] = [:]
    for p in t.pupils {
        out[p.upn] = try CTFYearData.build(
            year: AcademicYear(startYear: 2025), school: school, marks: t.sessionArray(for: p.upn),
            enrolment: t.enrolment(p), calendar: t.calendar, asOf: day("2025-09-30"))
    }
    return out
}

@Suite struct CTFTests {
    // MARK: The mapping

    @Test func everyCodeHasOneCharacterThatReadsBackAsTheSameCodeOnADayItIsInForce() {
        #expect(CTFMarks.table.count == AttendanceCode.allCases.count)
        #expect(Set(CTFMarks.table.map(\.code)) == Set(AttendanceCode.allCases))
        for code in AttendanceCode.allCases {
            let date = code.isLegacy ? day("2024-07-15") : day("2024-09-02")
            guard let ch = CTFMarks.character(for: code, on: date) else {
                Issue.record("\(code.symbol) has no character on \(date)")
                continue
            }
            let back = CTFMarks.code(for: ch, on: date)
            #expect(back == code, "\(code.symbol) is written '\(ch)' but reads back as \(back?.symbol ?? "nothing")")
            #expect(back?.statisticalMeaning == code.statisticalMeaning)
            // Codes in force on both sides of 19 August 2024 read back the same on either side.
            if !code.isLegacy && !code.isNewIn2024 {
                #expect(CTFMarks.code(for: ch, on: day("2023-10-02")) == code)
            }
        }
    }

    @Test func theTwoCharacterCodesTakeCharactersNoCodeInForceOnTheSameDayUses() {
        let writtenAs: [AttendanceCode: Character] = [
            .c1: "F", .c2: "H", .j1: "J", .y1: "1", .y2: "2", .y3: "3", .y4: "4", .y5: "5", .y6: "6", .y7: "7",
        ]
        let d = day("2025-01-06")
        for (code, ch) in writtenAs {
            #expect(code.symbol.count == 2)
            #expect(CTFMarks.character(for: code, on: d) == ch)
        }
        // Per day, no two codes in force share a character, and neither filler is a code's character but '#' (code #).
        for date in [day("2024-08-16"), day("2024-08-19")] {
            let chars = AttendanceCode.allCases.compactMap { CTFMarks.character(for: $0, on: date) }
            #expect(Set(chars).count == chars.count, "characters repeat on \(date)")
            #expect(!chars.contains(CTFMarks.noMark))
            #expect(CTFMarks.code(for: CTFMarks.notCounted, on: date) == .closure)
        }
        // The same letter means the withdrawn code before 19 August 2024 and the new one from then.
        #expect(CTFMarks.code(for: "J", on: day("2024-08-16")) == .legacyJ)
        #expect(CTFMarks.code(for: "J", on: day("2024-08-19")) == .j1)
        #expect(CTFMarks.code(for: "H", on: day("2024-08-16")) == .legacyH)
        #expect(CTFMarks.code(for: "H", on: day("2024-08-19")) == .c2)
        // A code not in force on the day has no character (it would read back as another code).
        #expect(CTFMarks.character(for: .legacyJ, on: day("2024-08-19")) == nil)
        #expect(CTFMarks.character(for: .y3, on: day("2024-08-16")) == nil)
        #expect(CTFMarks.code(for: "Y", on: day("2024-09-02")) == nil)
    }

    // MARK: Export, worked out by hand from Tests/Fixtures/tiny

    @Test func tinyExampleExportsTheMarksStringsAndCountsWorkedOutByHand() throws {
        let years = try tinyYears()
        // Mia Fielding (R): closed for Reception 3-4 Sep, the whole school 12 Sep and the afternoon of 17 Sep;
        // weekends #; 3 Sep to 19 Sep (the calendar's last term day), 17 days.
        let mia = try #require(years["A100000000001"])
        #expect(mia.startDate == day("2025-09-03"))
        #expect(mia.marks == "####/\\####IIL\\U\\/V######/\\GG/#NO/\\")
        #expect(mia.marks.count == 17 * 2)
        #expect([mia.sessionsPossible, mia.sessionsAttended, mia.sessionsAuthorised, mia.sessionsUnauthorised] == [19, 12, 2, 5] as [Int])
        // Daniel Okafor (5) left on 10 Sep: the string stops there; Y2 (not a possible session) is '2'.
        let danny = try #require(years["A100000000002"])
        #expect(danny.marks == "/\\M\\22####OOBK/\\")
        #expect(danny.endDate == day("2025-09-10"))
        #expect(
            [danny.sessionsPossible, danny.sessionsAttended, danny.sessionsAuthorised, danny.sessionsUnauthorised] == [10, 7, 1, 2] as [Int]
        )
        // Zofia Nowak (6) started on 8 Sep; C2 is 'H', D not possible.
        let zofia = try #require(years["A100000000003"])
        #expect(zofia.startDate == day("2025-09-08"))
        #expect(zofia.marks == "/\\DDH\\RR######/\\/\\/#/\\/\\")
        #expect(
            [zofia.sessionsPossible, zofia.sessionsAttended, zofia.sessionsAuthorised, zofia.sessionsUnauthorised] == [15, 12, 3, 0]
                as [Int])
    }

    @Test func exportedCountsAreTheStatisticsEnginesAndTheMarksStringGivesThemBack() throws {
        let t = try TinyExample.load()
        let years = try tinyYears()
        for line in t.reportLines() {
            let y = try #require(years[line.upn])
            let c = line.counts
            #expect(y.sessionsPossible == c.possible)
            #expect(y.sessionsAttended == c.present + c.approvedActivity)
            #expect(y.sessionsAuthorised == c.authorised)
            #expect(y.sessionsUnauthorised == c.unauthorised)
            #expect(try y.tally() == c)
        }
        // And against the worked example's expected report.
        for row in try TinyExample.expectedReport() {
            let y = try #require(years[row["upn"] as! String])
            #expect(y.sessionsPossible == row["possible_sessions"] as! Int)
            #expect(y.sessionsAttended == (row["present_sessions"] as! Int) + (row["approved_activity_sessions"] as! Int))
        }
    }

    @Test func unmarkedOpenSessionsAreDashesAndCountAsPossible() throws {
        let t = try TinyExample.load()
        let mia = t.pupils[0]
        var marks = t.sessionArray(for: mia.upn)
        marks[day("2025-09-18"), .am] = nil  // N removed: a register not taken
        let y = try #require(
            try CTFYearData.build(
                year: AcademicYear(startYear: 2025), school: school, marks: marks, enrolment: t.enrolment(mia),
                calendar: t.calendar, asOf: day("2025-09-30")))
        #expect(y.marks.hasSuffix("/#-O/\\"))
        #expect(y.sessionsPossible == 19 && y.sessionsUnauthorised == 4)
        let s = try y.sessions().first { $0.date == day("2025-09-18") && $0.session == .am }
        #expect(s?.code == nil)
        try y.validate(path: "YearData")
    }

    @Test func aYearWithNoPossibleSessionIsLeftOut() throws {
        let t = try TinyExample.load()
        let p = t.pupils[0]
        #expect(
            try CTFYearData.build(
                year: AcademicYear(startYear: 2025), school: school, marks: t.sessionArray(for: p.upn),
                enrolment: t.enrolment(p), calendar: t.calendar, asOf: day("2025-09-04")) == nil)
    }

    // MARK: Round trip

    private func document() throws -> CTFDocument {
        let years = try tinyYears()
        // A year at a previous school before the 2024 codes: H, J, Y and F as themselves, 4-5 Sep 2023 (Monday 4th).
        let earlier = CTFYearData(
            year: AcademicYear(startYear: 2023), school: CTFSchool(la: "203", estab: "2417", name: "St Anne's & St Agnes <Primary>"),
            sessionsPossible: 7, sessionsAuthorised: 2, sessionsAttended: 3, sessionsUnauthorised: 1,
            startDate: day("2023-09-04"), marks: "HJY\\FOJ-")
        let header = CTFHeader(dateTime: "2025-09-30T10:15:00", source: school, academicYear: AcademicYear(startYear: 2025))
        return CTFDocument(
            header: header,
            pupils: [
                CTFPupil(
                    upn: "A100000000001", surname: "Fielding", forename: "Mia", dateOfBirth: day("2020-11-02"), sex: "F", ncYearActual: "R",
                    attendance: [earlier, years["A100000000001"]!]),
                CTFPupil(
                    upn: "A100000000002", surname: "O'Kafor \"Danny\"", forename: "Daniel", dateOfBirth: day("2015-03-14"), sex: "M",
                    preferredForename: "Danny", ncYearActual: "5", attendance: [years["A100000000002"]!]),
                CTFPupil(upn: "A100000000003", surname: "Nowak", forename: "Zofia", dateOfBirth: day("2014-12-31"), sex: "F"),
            ])
    }

    @Test func parsingTheExportGivesBackTheDocument() throws {
        let doc = try document()
        let xml = doc.xml
        #expect(xml.contains("<SchoolName>St Anne&apos;s &amp; St Agnes &lt;Primary&gt;</SchoolName>"))
        #expect(xml.contains("<AttendanceMarks>####/\\####IIL\\U\\/V######/\\GG/#NO/\\</AttendanceMarks>"))
        let back = try CTFDocument.parse(xml)
        #expect(back == doc)
        #expect(back.xml == xml)
        // The marks read back per session, with each code's statistical meaning.
        let earlier = back.pupils[0].attendance[0]
        #expect(try earlier.sessions().map { $0.code } == [.legacyH, .legacyJ, .legacyY, .presentPM, .legacyF, .o, .legacyJ, nil])
        #expect(
            try earlier.tally() == SessionCounts(possible: 7, present: 1, approvedActivity: 2, authorised: 2, unauthorised: 1, unmarked: 1))
    }

    @Test func aWholeYearGroupWithSeveralYearsEachRoundTrips() throws {
        let one = try document().pupils[0]
        var pupils: [CTFPupil] = []
        for k in 0..<300 {
            var p = one
            p.upn = "A1000000\(String(10000 + k).suffix(5))"
            pupils.append(p)
        }
        let doc = CTFDocument(header: try document().header, pupils: pupils)
        let xml = doc.xml
        let clock = ContinuousClock()
        var back: CTFDocument? = nil
        let took = try clock.measure { back = try CTFDocument.parse(xml) }
        #expect(back == doc)
        print("CTF: read \(pupils.count) pupils, \(xml.utf8.count / 1024) KiB, in \(took)")
    }

    @Test func readsEntitiesCommentsCDATAAndIgnoresAttributesAndCarriesUnknownPupilElements() throws {
        var xml = try document().xml
        xml = xml.replacingOccurrences(
            of: "<CTfile>", with: "<!-- from another MIS -->\n<CTfile xmlns=\"http://example.org/ctf\" version='25'>")
        xml = xml.replacingOccurrences(
            of: "<Forename>Zofia</Forename>", with: "<Forename>Zo&#102;&#x69;a</Forename><Ethnicity>WPOL</Ethnicity>")
        xml = xml.replacingOccurrences(of: "<Surname>Nowak</Surname>", with: "<Surname><![CDATA[Nowak]]></Surname><!-- checked -->")
        var parsed = try CTFDocument.parse(xml)
        // An element at the Pupil level that Rollbook does not model is kept as it came, to be sent on.
        #expect(parsed.pupils[2].record.carried.map(\.raw) == ["<Ethnicity>WPOL</Ethnicity>"])
        parsed.pupils[2].record.carried = []
        #expect(parsed == (try document()))
    }

    // MARK: Counts checked against the marks

    @Test func countsThatDisagreeWithTheMarksStringAreRefusedNamingTheElement() throws {
        let xml = try document().xml.replacingOccurrences(
            of: "<SessionsAttended>12</SessionsAttended>", with: "<SessionsAttended>13</SessionsAttended>")
        let e = ctfError { try CTFDocument.parse(xml) }
        #expect(e?.field == "CTfile/CTFpupilData/Pupil[1]/Attendance/YearData[2]/SessionsAttended")
        #expect(e?.reason.contains("is 13 but the marks string has 12") == true)

        let xml2 = try document().xml.replacingOccurrences(
            of: "<SessionsPossible>7</SessionsPossible>", with: "<SessionsPossible>5</SessionsPossible>")
        #expect(ctfError { try CTFDocument.parse(xml2) }?.field == "CTfile/CTFpupilData/Pupil[1]/Attendance/YearData[1]/SessionsPossible")
    }

    // MARK: Malformed files

    @Test func aFileNestedDeeperThanACTFCouldBeIsRefusedNotFollowedDown() {
        let deep = String(repeating: "<a>", count: 200_000) + String(repeating: "</a>", count: 200_000)
        let e = ctfError { try CTFDocument.parse(deep) }
        #expect(e?.reason.contains("nested more than 32 deep") == true)
    }

    @Test func malformedFilesAreRefusedNamingTheElementAndTheReason() throws {
        let good = try document().xml
        func refused(_ from: String, _ to: String) -> ValidationError? {
            #expect(good.contains(from), "the fixture has \(from)")
            return ctfError { try CTFDocument.parse(good.replacingOccurrences(of: from, with: to)) }
        }
        let p1 = "CTfile/CTFpupilData/Pupil[1]"
        #expect(refused("<UPN>A100000000001</UPN>", "")?.field == "\(p1)/UPN")
        #expect(refused("<UPN>A100000000001</UPN>", "<UPN>A1000</UPN>")?.field == "\(p1)/UPN")
        #expect(refused("<DOB>2020-11-02</DOB>", "<DOB>02/11/2020</DOB>")?.field == "\(p1)/DOB")
        #expect(refused("<Sex>F</Sex>", "<Sex>X</Sex>")?.field == "\(p1)/Sex")
        #expect(refused("<NCyearActual>R</NCyearActual>", "<NCyearActual>Q</NCyearActual>")?.field == "\(p1)/BasicDetails/NCyearActual")
        #expect(refused("<LEA>203</LEA>", "<LEA>20</LEA>")?.field == "\(p1)/Attendance/YearData[1]/LEA")
        #expect(
            refused("<Year>2023</Year>", "<Year>2022</Year>")?.field == "\(p1)/Attendance/YearData[1]/AttendSessions/AttendanceStartDate")
        #expect(
            refused("<SessionsAuthorised>2</SessionsAuthorised>", "<SessionsAuthorised>two</SessionsAuthorised>")?.field
                == "\(p1)/Attendance/YearData[1]/SessionsAuthorised")
        // A character that is no code, a withdrawn letter after 2024, and an odd length.
        let marksField = "\(p1)/Attendance/YearData[2]/AttendSessions/AttendanceMarks"
        let q = refused("IIL\\U", "IIA\\U")
        #expect(q?.field == marksField)
        #expect(q?.reason.contains("'A', 2025-09-09 AM") == true)
        let y = refused("GG/#NO", "GG/#NY")
        #expect(y?.field == marksField)
        #expect(y?.reason.contains("withdrawn on 19 August 2024") == true)
        #expect(refused("NO/\\</AttendanceMarks>", "NO/</AttendanceMarks>")?.reason.contains("two a day") == true)
        // Not well-formed: the open element is named.
        let tag = refused("<Surname>Fielding</Surname>", "<Surname>Fielding</Surnam>")
        #expect(tag?.field == "\(p1.replacingOccurrences(of: "[1]", with: ""))/Surname")
        #expect(tag?.reason.contains("</Surnam> does not match <Surname>") == true)
        #expect(refused("<Forename>Mia</Forename>", "<Forename>M&eacute;a</Forename>")?.reason.contains("&eacute;") == true)
        #expect(
            refused("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<?xml version=\"1.0\"?><!DOCTYPE CTfile [<!ENTITY x \"y\">]>")?
                .reason.contains("DOCTYPE") == true)
        #expect(refused("</CTfile>", "</CTfile><CTfile/>")?.reason.contains("after the root element") == true)
        #expect(
            refused("<DocumentName>Common Transfer File</DocumentName>", "<DocumentName>Pupil list</DocumentName>")?.field
                == "CTfile/Header/DocumentName")
        #expect(ctfError { try CTFDocument.parse("") }?.reason.contains("empty") == true)
        #expect(ctfError { try CTFDocument.parse("<ATfile></ATfile>") }?.reason.contains("must be CTfile") == true)
    }
}
