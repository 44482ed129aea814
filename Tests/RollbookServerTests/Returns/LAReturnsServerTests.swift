import Foundation
import RollbookCore
import RollbookDemo
import RollbookStore
import Testing
import Vapor
import VaporTesting
import ZIPFoundation

@testable import RollbookServer

extension ServerTests {
    /// The LA returns and census pages: their figures are the core functions' over the database's roll and marks, and the
    /// census agrees with `rollbook report` (`store.pupilStatistics`) over each census term; who may see them; the exports.
    @Suite("LA returns and census pages") struct LAReturnsServerTests {
        /// The 180-pupil demo primary marked to Tuesday 24 November 2026 beside the tiny school; the clock reads
        /// Wednesday 25 November after the registers close, so figures run to the 25th.
        static let clock = FixedClock(date: day("2026-11-25"), time: TimeOfDay(hour: 16, minute: 0)!)

        func signIn(_ f: Fixture, _ email: String, _ password: String) async throws -> String {
            let home = try await f.call(.GET, "/", as: nil)
            let (token, cookie) = try #require(PageTests.csrf(home))
            let ok = try await PageTests().post(f, "/sign-in", cookie: cookie, [("csrf", token), ("email", email), ("password", password)])
            return try #require(ok.headers.first(name: .setCookie)?.split(separator: ";").first.map(String.init))
        }

        func withDemo(_ backend: Backend, _ body: (Fixture, Int, String) async throws -> Void) async throws {
            try await withRollbook(backend, at: Self.clock) { f in
                let demo = try await DemoSeeder.seed(
                    store: f.store, options: DemoOptions(phase: .primary, pupils: 180, through: day("2026-11-24")),
                    bcryptCost: 4, now: "2026-11-24T17:00:00Z")
                try await body(f, demo.schoolID, try await signIn(f, "head@harbourlane.example.org", DemoAccounts.password))
            }
        }

        func get(_ f: Fixture, _ path: String, cookie: String) async throws -> Reply { try await PageTests().get(f, path, cookie: cookie) }

        func json(_ f: Fixture, _ path: String, cookie: String) async throws -> [String: Any] {
            let r = try await get(f, path + (path.contains("?") ? "&" : "?") + "format=json", cookie: cookie)
            #expect(r.status == .ok, "\(path): \(r.status) \(r.text.prefix(300))")
            return r.object
        }

        /// The school's roll and marks as the core functions take them.
        func roll(_ f: Fixture, _ school: Int, _ range: DateRange) async throws -> [ReturnPupil] {
            let arrays = try await f.store.sessionArrays(schoolID: school, range: range)
            return try await f.store.pupils(schoolID: school).map {
                ReturnPupil(
                    record: $0.record(), yearGroupYear: AcademicYear(startYear: $0.yearGroupYear),
                    marks: arrays[$0.id!] ?? SessionArray(base: range.from, days: 0))
            }
        }

        @Test(
            "the census page's figures per pupil are the report's over each census term (autumn so far, the last summer and spring)",
            arguments: Backend.available)
        func censusAgreesWithReport(_ b: Backend) async throws {
            try await withDemo(b) { f, school, cookie in
                for (term, range) in [
                    ("", DateRange(from: day("2026-08-01"), to: day("2026-11-25"))),
                    ("summer-2026", DateRange(from: day("2026-04-06"), to: day("2026-07-31"))),
                    ("spring-2026", DateRange(from: day("2026-01-01"), to: day("2026-04-05"))),
                ] {
                    let page = try await json(f, "/census" + (term.isEmpty ? "" : "?term=\(term)"), cookie: cookie)
                    #expect(
                        page["from"] as? String == range.from.iso && page["to"] as? String == range.to.iso,
                        "\(term): \(page["from"] ?? "-") to \(page["to"] ?? "-")")
                    let lines = page["lines"] as? [[String: Any]] ?? []
                    let report = try await f.store.pupilStatistics(schoolID: school, range: range)
                    #expect(lines.count == report.count && !lines.isEmpty, "\(term): \(lines.count) lines, \(report.count) in the report")
                    let byUPN = Dictionary(uniqueKeysWithValues: lines.map { ($0["upn"] as? String ?? "", $0) })
                    var absent = 0
                    for (p, c) in report {
                        let l = byUPN[p.upn] ?? [:]
                        #expect(
                            l["possible"] as? Int == c.possible && l["authorised"] as? Int == c.authorised
                                && l["unauthorised"] as? Int == c.unauthorised && l["present"] as? Int == c.present, "\(term) \(p.upn)")
                        // The reasons add up to the absence.
                        #expect((l["reasons"] as? [Int] ?? []).reduce(0, +) == c.authorised + c.unauthorised, "\(term) \(p.upn) reasons")
                        absent += c.absent
                    }
                    #expect(absent > 0, "\(term): the demo has absence")
                }
            }
        }

        @Test(
            "the LA returns page lists what the core functions find over the database; the persistent-absence list is the report's",
            arguments: Backend.available)
        func returnsAgreeWithCore(_ b: Backend) async throws {
            try await withDemo(b) { f, school, cookie in
                let through = day("2026-11-25")
                let year = DateRange(from: day("2026-09-01"), to: through)
                let calendar = try await f.store.calendar(schoolID: school)
                // Three pupils still on roll: 10 school days of O, 16 of I and 15 of I, each up to Tuesday 24 November.
                let onRoll = try await f.store.pupils(schoolID: school).filter { $0.leavingDay == nil }.prefix(3).map { $0 }
                try #require(onRoll.count == 3)
                for (p, code, days) in [(onRoll[0], AttendanceCode.o, 10), (onRoll[1], .i, 16), (onRoll[2], .i, 15)] {
                    var writes: [MarkWrite] = []
                    var d = day("2026-11-24")
                    var n = 0
                    while n < days {
                        let open = Session.allCases.filter {
                            calendar.isOpen(d, $0, yearGroup: p.enrolment.yearGroup(in: AcademicYear(startYear: 2026)))
                        }
                        writes += open.map {
                            MarkWrite(pupilID: p.id!, mark: Mark(date: d, session: $0, code: code), reason: "LA returns test")
                        }
                        if !open.isEmpty { n += 1 }
                        d = d.adding(days: -1)
                    }
                    _ = try await f.store.record(writes, by: Actor(name: "Test", position: "Test"), at: "2026-11-25T10:00:00Z")
                }
                let pupils = try await roll(f, school, AcademicYear(startYear: 2026).range)
                let page = try await json(f, "/la-returns", cookie: cookie)
                let unauthorised = page["unauthorised_absence"] as? [[String: Any]] ?? []
                #expect(unauthorised.first { $0["upn"] as? String == onRoll[0].upn }?["school_days"] as? Int == 10)
                #expect(unauthorised.first { $0["upn"] as? String == onRoll[0].upn }?["ongoing"] as? Bool == true)
                let ill = (page["illness"] as? [[String: Any]] ?? []).compactMap { $0["upn"] as? String }
                #expect(ill.contains(onRoll[1].upn) && !ill.contains(onRoll[2].upn), "16 days of illness listed, 15 not")
                #expect(page["from"] as? String == "2026-09-01" && page["to"] as? String == "2026-11-25")
                func upns(_ key: String) -> [String] { (page[key] as? [[String: Any]] ?? []).compactMap { $0["upn"] as? String } }
                #expect(upns("new_pupils") == LAReturns.newPupils(pupils, calendar: calendar, range: year, asOf: through).map(\.upn))
                #expect(upns("deletions") == LAReturns.deletions(pupils, range: year).map(\.upn))
                #expect(
                    upns("unauthorised_absence")
                        == LAReturns.continuousUnauthorised(pupils, calendar: calendar, scan: year, period: year, asOf: through).map(\.upn))
                #expect(
                    upns("illness") == LAReturns.longIllness(pupils, calendar: calendar, scan: year, period: year, asOf: through).map(\.upn)
                )
                // Persistent absence to the end of the latest completed half term (autumn 1 of the demo calendar).
                let pa = page["persistent_absence"] as? [String: Any] ?? [:]
                let halves = LAReturns.completedHalfTerms(calendar: calendar, year: AcademicYear(startYear: 2026), through: through)
                let end = try #require(halves.last)
                #expect(pa["half_term_to"] as? String == end.to.iso)
                let listed = Set((pa["lines"] as? [[String: Any]] ?? []).compactMap { $0["upn"] as? String })
                let report = try await f.store.pupilStatistics(schoolID: school, range: DateRange(from: day("2026-09-01"), to: end.to))
                let persistent = Set(report.filter { $0.1.isPersistentAbsence }.map(\.0.upn))
                #expect(!persistent.isEmpty && listed == persistent, "\(listed.count) listed, \(persistent.count) in the report")
                // A half term chosen: its dates.
                let first = try await json(f, "/la-returns?half_term=1", cookie: cookie)
                #expect(first["from"] as? String == halves[0].from.iso && first["to"] as? String == halves[0].to.iso)
            }
        }

        @Test(
            "who may see them: head, attendance lead, LA officer (every school); the office the census only; teacher and governor neither",
            arguments: Backend.available)
        func roles(_ b: Backend) async throws {
            try await withDemo(b) { f, school, _ in
                for role in Role.allCases {
                    let c = try await PageTests().signIn(f, role)
                    let returns = try await get(f, "/la-returns", cookie: c)
                    let census = try await get(f, "/census", cookie: c)
                    let mayReturns = [.head, .attendanceLead, .laOfficer].contains(role)
                    let mayCensus = mayReturns || role == .office
                    #expect(returns.status == (mayReturns ? .ok : .forbidden), "/la-returns for \(role): \(returns.status)")
                    #expect(census.status == (mayCensus ? .ok : .forbidden), "/census for \(role): \(census.status)")
                    if mayReturns { #expect(returns.text.contains("<caption>") || returns.text.contains("No new pupils")) }
                }
                let anonymous = try await f.call(.GET, "/census", as: nil)
                #expect(anonymous.status == .seeOther)
                // The LA officer sees both schools, each line with its school; the head their own.
                let la = try await signIn(f, "la@harbourlane.example.org", DemoAccounts.password)
                let all = (try await json(f, "/census", cookie: la))["lines"] as? [[String: Any]] ?? []
                let schools = Set(all.compactMap { $0["school"] as? String })
                let demoName = try await f.store.school(school).name
                #expect(schools == [demoName, "Tiny Test School"])
                let head = try await signIn(f, "head@harbourlane.example.org", DemoAccounts.password)
                let own = (try await json(f, "/census", cookie: head))["lines"] as? [[String: Any]] ?? []
                #expect(Set(own.compactMap { $0["school"] as? String }) == [demoName])
                #expect(all.count == own.count + 2, "the tiny school's Mia and Zofia are still on roll; Danny left in 2025")
                let laPage = try await get(f, "/la-returns", cookie: la)
                #expect(laPage.text.contains("<th scope=\"col\">School</th>"))
                // A half term the tiny school's calendar does not have: that school is left out and named.
                let half = try await json(f, "/la-returns?half_term=1", cookie: la)
                #expect((half["notes"] as? [String] ?? []).contains { $0.hasPrefix("Tiny Test School is left out") })
                #expect(Set((half["new_pupils"] as? [[String: Any]] ?? []).compactMap { $0["school"] as? String }).isSubset(of: [demoName]))
            }
        }

        @Test(
            "CSV and XLSX: a header row and one row per pupil; the workbook opens; bad choices name the field", arguments: Backend.available
        )
        func exports(_ b: Backend) async throws {
            try await withDemo(b) { f, _, cookie in
                let lines = (try await json(f, "/census", cookie: cookie))["lines"] as? [[String: Any]] ?? []
                let csv = try await get(f, "/census?format=csv", cookie: cookie)
                #expect(csv.status == .ok && csv.headers.contentType?.subType == "csv")
                let rows = csv.text.split(separator: "\n")
                #expect(rows.first?.hasPrefix("upn,name,year_group,census_term,from,to,possible_sessions") == true)
                #expect(rows.count == lines.count + 1)
                #expect(Set(rows.dropFirst().map { $0.split(separator: ",").count }).count == 1, "every row has the same columns")

                let pa = (try await json(f, "/la-returns", cookie: cookie))["persistent_absence"] as? [String: Any] ?? [:]
                let paLines = pa["lines"] as? [[String: Any]] ?? []
                let paCSV = try await get(f, "/la-returns?return=persistent_absence&format=csv", cookie: cookie)
                #expect(paCSV.text.split(separator: "\n").count == paLines.count + 1)
                #expect(paCSV.text.hasPrefix("upn,name,year_group,from,to,possible_sessions"))

                let res = try await f.app.testing().sendRequest(
                    .GET, "/census?format=xlsx", headers: [HTTPHeaders.Name.cookie.description: cookie])
                #expect(res.headers.contentType == Spreadsheet.mediaType)
                let bytes = Array(res.body.readableBytesView)
                let entries = try SpreadsheetTests.entries(bytes)
                let sheet = String(decoding: try #require(entries["xl/worksheets/sheet1.xml"]), as: UTF8.self)
                #expect(sheet.components(separatedBy: "<row ").count - 1 == lines.count + 1)
                #expect(
                    Set(entries.keys).isSuperset(of: [
                        "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                    ]))
                try Self.unzipTest(bytes)

                let book = try await f.app.testing().sendRequest(
                    .GET, "/la-returns?format=xlsx", headers: [HTTPHeaders.Name.cookie.description: cookie])
                let workbook = String(
                    decoding: try #require(try SpreadsheetTests.entries(Array(book.body.readableBytesView))["xl/workbook.xml"]),
                    as: UTF8.self)
                #expect(workbook.components(separatedBy: "<sheet ").count - 1 == 7, "one sheet per return")

                for (path, status) in [
                    ("/la-returns?half_term=99", HTTPResponseStatus.unprocessableEntity),
                    ("/la-returns?return=everything", .unprocessableEntity),
                    ("/la-returns?format=csv", .unprocessableEntity), ("/census?term=winter-2026", .unprocessableEntity),
                    ("/census?term=autumn-2030", .unprocessableEntity), ("/census?format=pdf", .unprocessableEntity),
                ] {
                    let r = try await get(f, path, cookie: cookie)
                    #expect(r.status == status, "\(path): \(r.status)")
                }
            }
        }

        /// `unzip -t` (Info-ZIP) checks the archive, where it is installed.
        static func unzipTest(_ bytes: [UInt8]) throws {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unzip") else { return }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("rollbook-\(UUID().uuidString).xlsx")
            try Data(bytes).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/unzip")
            p.arguments = ["-tq", file.path]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "unzip -t found a fault in the workbook")
        }
    }
}

@Suite("Spreadsheet writer") struct SpreadsheetTests {
    /// The parts of a workbook by name, read back with ZIPFoundation, which checks each part's CRC-32.
    static func entries(_ bytes: [UInt8]) throws -> [String: [UInt8]] {
        let archive = try Archive(data: Data(bytes), accessMode: .read)
        var out: [String: [UInt8]] = [:]
        for entry in archive {
            var data: [UInt8] = []
            _ = try archive.extract(entry) { data += $0 }
            out[entry.path] = data
        }
        return out
    }

    @Test("column letters, XML escaping, numbers")
    func pieces() {
        #expect([0, 25, 26, 51, 52, 701, 702].map(Spreadsheet.column) == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"])
        #expect(xmlEscaped("Ann & \"Bo\" <3>\u{1}") == "Ann &amp; &quot;Bo&quot; &lt;3&gt;")
        #expect(Spreadsheet.number(12) == "12" && Spreadsheet.number(0.1234) == "0.1234")
    }

    @Test("a workbook round-trips through the ZIP reader with its cells: bold header, inline strings, numbers as numbers")
    func roundTrip() throws {
        let s = Spreadsheet(sheets: [
            .init(
                name: "Pupils: autumn/2026", header: ["upn", "name", "possible"],
                rows: [
                    [.text("A100000000001"), .text("Zoë O'Neil, \"Zo\""), .integer(120)], [.text("A100000000002"), .empty, .number(0.25)],
                ]),
            .init(name: "Pupils: autumn/2026", header: ["x"], rows: []),
        ])
        let bytes = Array(try s.xlsx())
        let e = try Self.entries(bytes)
        #expect(e.count == 7)
        let sheet = String(decoding: try #require(e["xl/worksheets/sheet1.xml"]), as: UTF8.self)
        #expect(sheet.contains("<c r=\"A1\" s=\"1\" t=\"inlineStr\"><is><t>upn</t></is></c>"))
        #expect(sheet.contains("<c r=\"B2\" t=\"inlineStr\"><is><t>Zoë O&apos;Neil, &quot;Zo&quot;</t></is></c>"))
        #expect(
            sheet.contains("<c r=\"C2\"><v>120</v></c>") && sheet.contains("<c r=\"C3\"><v>0.25</v></c>") && !sheet.contains("r=\"B3\""))
        let workbook = String(decoding: try #require(e["xl/workbook.xml"]), as: UTF8.self)
        #expect(workbook.contains("name=\"Pupils- autumn-2026\"") && workbook.contains("name=\"Pupils- autumn-2026 2\""))
        #expect(s.csv() == "upn,name,possible\nA100000000001,\"Zoë O'Neil, \"\"Zo\"\"\",120\nA100000000002,,0.25\n")
        // The parts are deflated: the workbook is smaller than its XML.
        #expect(bytes.count < e.values.map(\.count).reduce(0, +))
        #expect(try s.xlsx() == Data(bytes), "the same workbook gives the same bytes")
        try ServerTests.LAReturnsServerTests.unzipTest(bytes)
    }
}
