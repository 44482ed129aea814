import Foundation
import NIOCore
import RollbookCore
import RollbookStore
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

extension ServerTests {
    @Suite("Common Transfer File") struct CTFServerTests {
        /// 30 September 2025, after school: the tiny example's whole month is marked.
        static let clock = FixedClock(date: day("2025-09-30"), time: TimeOfDay(hour: 16, minute: 0)!)

        /// Zofia Nowak's marks with the two-character 2024 codes over some of the tiny example's: C1, J1, Y3.
        static let extraMarks = """
            upn,date,session,code,minutes_late
            A100000000003,2025-09-15,AM,C1,
            A100000000003,2025-09-16,PM,J1,
            A100000000003,2025-09-18,AM,Y3,
            A100000000003,2025-09-18,PM,I,
            A100000000003,2025-09-19,AM,V,
            """

        /// The tiny school with its numbers and Zofia's extra marks, and a second school (no pupils yet) with a head's token.
        struct Schools {
            let f: Fixture
            let second: Int
            let secondHead: String
        }

        static func setUp(_ f: Fixture) async throws -> Schools {
            let store = f.store
            try await store.setCTFNumbers(schoolID: f.schoolID, la: "990", estab: "2000")
            _ = try await store.importMarks(
                schoolID: f.schoolID, file: "extra.csv",
                rows: try Interchange.readMarks(file: "extra.csv", text: extraMarks), at: "2025-09-25T10:00:00Z")
            let other = try await store.createSchool(name: "Second Primary", times: Fixture.times)
            try await store.setCTFNumbers(schoolID: other.id!, la: "991", estab: "3001")
            try await store.addStaff(
                StaffRow(
                    schoolID: other.id!, name: "Second Head", email: "head@second.example.org", position: "Head",
                    role: .head, passwordHash: try Bcrypt.hash("correct horse", cost: 4)))
            let token = try await createAPIToken(store: store, email: "head@second.example.org", now: "2025-09-01T08:00:00Z")
            return Schools(f: f, second: other.id!, secondHead: token)
        }

        static func post(_ f: Fixture, _ path: String, xml: String, token: String) async throws -> Reply {
            var h = HTTPHeaders()
            h.add(name: .authorization, value: "Bearer \(token)")
            h.contentType = .xml
            let res = try await f.app.testing().sendRequest(.POST, path, headers: h, body: ByteBuffer(string: xml))
            return Reply(status: res.status, headers: res.headers, text: res.body.string)
        }

        /// Rows that an import may add: pupils and years at previous schools, in a school.
        static func counts(_ store: Store, schoolID: Int) async throws -> (pupils: Int, years: Int) {
            let pupils = try await store.pupils(schoolID: schoolID)
            var years = 0
            for p in pupils { years += try await store.transferredYears(pupilID: p.id!).count }
            return (pupils.count, years)
        }

        @Test(
            "a pupil's CTF with C1, J1 and Y3 imported by a second school: the same marks and the source's statistics",
            arguments: Backend.available)
        func roundTrip(_ backend: Backend) async throws {
            try await withRollbook(backend, at: Self.clock, tinyMarks: true) { f in
                let s = try await Self.setUp(f)
                let store = f.store
                let res = try await f.call(.GET, "/api/v1/pupils/A100000000003/ctf", as: .office)
                #expect(res.status == .ok)
                #expect(res.headers.contentType?.subType == "xml")
                #expect(res.headers.first(name: .contentDisposition)?.contains("9902000_CTF_MMMMMMM_A100000000003.xml") == true)
                let doc = try CTFDocument.parse(res.text)
                let year = try #require(doc.pupils.first?.attendance.first)
                #expect(doc.pupils[0].attendance.count == 1)
                // The source's own statistics over the same days.
                let zofia = try #require(try await store.pupil(schoolID: f.schoolID, upn: "A100000000003"))
                let range = DateRange(from: day("2025-09-08"), to: day("2025-09-30"))
                let (c, codes) = try await store.pupilStatistics(schoolID: f.schoolID, pupil: zofia, range: range)
                #expect(c.possible == 14)  // Y3 on 18 Sep AM is not a possible session
                #expect(year.sessionsPossible == c.possible)
                #expect(year.sessionsAttended == c.present + c.approvedActivity)
                #expect(year.sessionsAuthorised == c.authorised)
                #expect(year.sessionsUnauthorised == c.unauthorised)
                #expect(year.marks.contains("F") && year.marks.contains("J") && year.marks.contains("3"))

                let imported = try await Self.post(f, "/api/v1/ctf?starting_day=2025-10-01&form=6B", xml: res.text, token: s.secondHead)
                #expect(imported.status == .created, "\(imported.text)")
                #expect(imported.object["admitted"] as? [String] == ["A100000000003"])
                #expect(imported.object["attendance_years"] as? Int == 1)
                let admitted = try #require(try await store.pupil(schoolID: s.second, upn: "A100000000003"))
                #expect(
                    admitted.startingDay == "2025-10-01" && admitted.yearGroup == "6" && admitted.form == "6B"
                        && admitted.legalSurname == "Nowak")
                let kept = try #require(try await store.transferredYears(pupilID: admitted.id!).first)
                #expect(kept == year)
                // Every session reads back as the code the first school recorded (C1, J1 and Y3 included).
                for m in try kept.sessions() where m.code != nil && m.code != .closure {
                    #expect(codes[m.date, m.session] == m.code, "\(m.date) \(m.session.rawValue)")
                }
                #expect(
                    try kept.sessions().contains { $0.code == .c1 } && kept.sessions().contains { $0.code == .j1 }
                        && kept.sessions().contains { $0.code == .y3 })
                let t = try kept.tally()
                #expect(
                    [t.possible, t.present + t.approvedActivity, t.authorised, t.unauthorised] == [
                        c.possible, c.present + c.approvedActivity, c.authorised, c.unauthorised,
                    ] as [Int])

                // The second school's CTF of the pupil carries the year at the first school.
                var h = HTTPHeaders()
                h.add(name: .authorization, value: "Bearer \(s.secondHead)")
                let again = try await f.app.testing().sendRequest(.GET, "/api/v1/pupils/A100000000003/ctf", headers: h)
                #expect(again.status == .ok)
                let second = try CTFDocument.parse(again.body.string)
                #expect(second.header.source.estab == "3001")
                #expect(second.pupils[0].attendance == [year])
            }
        }

        @Test("rejected files change nothing, and errors name the element", arguments: Backend.available)
        func rejected(_ backend: Backend) async throws {
            try await withRollbook(backend, at: Self.clock, tinyMarks: true) { f in
                let s = try await Self.setUp(f)
                let store = f.store
                let mia = try await f.call(.GET, "/api/v1/pupils/A100000000001/ctf", as: .head).text
                let zofia = try await f.call(.GET, "/api/v1/pupils/A100000000003/ctf", as: .head).text
                // Both pupils in one file, the second with a count that disagrees with its marks.
                func both(_ second: String) -> String {
                    let pupil = second.components(separatedBy: "<Pupil>")[1].components(separatedBy: "</Pupil>")[0]
                    return mia.replacingOccurrences(of: "</Pupil>", with: "</Pupil>\n    <Pupil>\(pupil)</Pupil>")
                }
                let before = try await Self.counts(store, schoolID: s.second)
                let attended = try #require(zofia.range(of: #"<SessionsAttended>\d+</SessionsAttended>"#, options: .regularExpression))
                let bad = both(zofia.replacingCharacters(in: attended, with: "<SessionsAttended>99</SessionsAttended>"))
                let r1 = try await Self.post(f, "/api/v1/ctf", xml: bad, token: s.secondHead)
                #expect(r1.status == .unprocessableEntity)
                #expect(r1.errorField == "CTfile/CTFpupilData/Pupil[2]/Attendance/YearData[1]/SessionsAttended")
                #expect(try await Self.counts(store, schoolID: s.second) == before)

                // The second pupil already on roll here: nothing is imported, not even the first.
                #expect(try await Self.post(f, "/api/v1/ctf", xml: zofia, token: s.secondHead).status == .created)
                let after = try await Self.counts(store, schoolID: s.second)
                let r2 = try await Self.post(f, "/api/v1/ctf", xml: both(zofia), token: s.secondHead)
                #expect(r2.status == .unprocessableEntity)
                #expect(r2.errorField == "CTfile/CTFpupilData/Pupil[2]/UPN")
                #expect(r2.errorReason.contains("already on this school's admission register"))
                #expect(try await Self.counts(store, schoolID: s.second) == after)
                #expect(try await store.pupil(schoolID: s.second, upn: "A100000000001") == nil)

                // Not well-formed, or no year group to admit to.
                let r3 = try await Self.post(
                    f, "/api/v1/ctf", xml: mia.replacingOccurrences(of: "</Forename>", with: "</Forname>"), token: s.secondHead)
                #expect(r3.status == .unprocessableEntity && r3.errorField == "CTfile/CTFpupilData/Pupil/Forename")
                let r4 = try await Self.post(
                    f, "/api/v1/ctf", xml: mia.replacingOccurrences(of: "<NCyearActual>R</NCyearActual>", with: ""), token: s.secondHead)
                #expect(r4.errorField == "CTfile/CTFpupilData/Pupil[1]/BasicDetails/NCyearActual")
                #expect(try await Self.counts(store, schoolID: s.second) == after)
            }
        }

        @Test("who may export and import; a leaver's CTF stops at their leaving day", arguments: Backend.available)
        func access(_ backend: Backend) async throws {
            try await withRollbook(backend, at: Self.clock, tinyMarks: true) { f in
                // No numbers yet: the export says what to set.
                let unset = try await f.call(.GET, "/api/v1/pupils/A100000000002/ctf", as: .office)
                #expect(unset.status == .unprocessableEntity && unset.errorField == "school.la_number")
                try await f.store.setCTFNumbers(schoolID: f.schoolID, la: "990", estab: "2000")
                for role in Role.allCases {
                    let r = try await f.call(.GET, "/api/v1/pupils/A100000000002/ctf", as: role)
                    #expect(r.status == ([.office, .attendanceLead, .head].contains(role) ? .ok : .forbidden), "\(role)")
                    let i = try await Self.post(f, "/api/v1/ctf", xml: "<CTfile/>", token: f.token(role))
                    #expect(i.status == ([.attendanceLead, .head].contains(role) ? .unprocessableEntity : .forbidden), "\(role)")
                }
                #expect(try await f.call(.GET, "/api/v1/pupils/A100000000002/ctf", as: nil).status == .unauthorized)
                #expect(try await f.call(.GET, "/api/v1/pupils/A999999999999/ctf", as: .office).status == .notFound)
                let leaver = try CTFDocument.parse(try await f.call(.GET, "/api/v1/pupils/A100000000002/ctf", as: .office).text)
                #expect(leaver.pupils[0].attendance.map(\.endDate) == [day("2025-09-10")])
            }
        }

        @Test("pages: the download link and previous schools on the pupil page; importing from the CTF page", arguments: Backend.available)
        func pages(_ backend: Backend) async throws {
            try await withRollbook(backend, at: Self.clock, tinyMarks: true) { f in
                let pages = PageTests()
                let head = try await pages.signIn(f, .head)
                // The school's numbers from the CTF page.
                let page = try await pages.get(f, "/ctf", cookie: head)
                #expect(page.status == .ok && page.text.contains("Not set yet"))
                let csrf = try #require(PageTests.csrf(page)).token
                let saved = try await pages.post(f, "/ctf/school", cookie: head, [("csrf", csrf), ("la", "990"), ("estab", "2000")])
                #expect(saved.status == .seeOther)
                #expect(try await f.store.ctfSchool(schoolID: f.schoolID)?.la == "990")
                let refused = try await pages.post(f, "/ctf/school", cookie: head, [("csrf", csrf), ("la", "99"), ("estab", "2000")])
                #expect(refused.status == .unprocessableEntity && refused.text.contains("three-digit LA number"))

                let pupil = try await pages.get(f, "/pupils/A100000000001", cookie: head)
                #expect(pupil.text.contains("/pupils/A100000000001/ctf"))
                #expect(!pupil.text.contains("Attendance at previous schools"))
                let file = try await pages.get(f, "/pupils/A100000000001/ctf", cookie: head)
                #expect(file.status == .ok && file.text.hasPrefix("<?xml"))
                let teacher = try await pages.signIn(f, .teacher)
                #expect(try await pages.get(f, "/pupils/A100000000001/ctf", cookie: teacher).status == .forbidden)
                #expect(try await pages.get(f, "/ctf", cookie: teacher).status == .forbidden)

                // Mia arrives at a school where she is not yet on roll: this database's school after a change of UPN.
                let moved = file.text.replacingOccurrences(of: "A100000000001", with: "A100000000009")
                let boundary = "rollbook-ctf-boundary"
                let body =
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(csrf)\r\n"
                    + "--\(boundary)\r\nContent-Disposition: form-data; name=\"startingDay\"\r\n\r\n2025-10-06\r\n"
                    + "--\(boundary)\r\nContent-Disposition: form-data; name=\"form\"\r\n\r\nRA\r\n"
                    + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ctf.xml\"\r\nContent-Type: application/xml\r\n\r\n\(moved)\r\n"
                    + "--\(boundary)--\r\n"
                var h = HTTPHeaders()
                h.add(name: .cookie, value: head)
                h.add(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
                let res = try await f.app.testing().sendRequest(.POST, "/ctf", headers: h, body: ByteBuffer(string: body))
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/pupils/A100000000009")
                let arrived = try await pages.get(f, "/pupils/A100000000009", cookie: head)
                #expect(arrived.text.contains("Attendance at previous schools"))
                #expect(arrived.text.contains("Tiny Test School (990/2000)"))
                #expect(arrived.text.contains("2025-09-03 to 2025-09-19"))
                // The same file again: refused, naming the UPN.
                let again = try await f.app.testing().sendRequest(.POST, "/ctf", headers: h, body: ByteBuffer(string: body))
                #expect(again.status == .unprocessableEntity)
                #expect(again.body.string.contains("CTfile/CTFpupilData/Pupil[1]/UPN"))
            }
        }
    }
}
