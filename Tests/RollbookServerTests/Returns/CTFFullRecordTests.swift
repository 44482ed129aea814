import Foundation
import NIOCore
import RollbookCore
import RollbookStore
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

extension ServerTests {
    @Suite("Common Transfer File: the full record") struct CTFFullRecordTests {
        /// A full export from another school's system (fictional pupil), in the repository.
        static func fixture() throws -> String {
            var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path), dir.pathComponents.count > 1 {
                dir.deleteLastPathComponent()
            }
            return try String(contentsOf: dir.appendingPathComponent("Tests/Fixtures/ctf/full-export.xml"), encoding: .utf8)
        }

        /// Pupils compared element by element: Pupil's and BasicDetails' elements in the specification's order,
        /// white space around text ignored.
        static func canonicalPupils(_ xml: String) throws -> [XMLNode] {
            func canonical(_ n: XMLNode) -> XMLNode {
                guard !n.children.isEmpty else { return XMLNode(n.name, text: n.text.trimmingCharacters(in: .whitespacesAndNewlines)) }
                var children = n.children.map(canonical)
                if n.name == "Pupil" { children = CTFPupilRecord.inSpecOrder(children, CTFPupilRecord.pupilOrder) }
                if n.name == "BasicDetails" { children = CTFPupilRecord.inSpecOrder(children, CTFPupilRecord.basicOrder) }
                return XMLNode(n.name, children)
            }
            return try XMLNode.parse(xml).children.filter { $0.name == "CTFpupilData" }.flatMap(\.children).map(canonical)
        }

        static let upn = "B200000000011"

        @Test(
            "a full CTF fills the admission register, and exports and imports again with nothing lost, assessments included",
            arguments: Backend.available)
        func fullRoundTrip(_ backend: Backend) async throws {
            try await withRollbook(backend, at: CTFServerTests.clock, tinyMarks: true) { f in
                let s = try await CTFServerTests.setUp(f)
                let store = f.store
                let file = try Self.fixture()
                // Starting after the clock's day, so neither school adds a year of its own and the files compare whole.
                let imported = try await CTFServerTests.post(
                    f, "/api/v1/ctf?starting_day=2025-10-06&form=3B", xml: file, token: f.token(.head))
                #expect(imported.status == .created, "\(imported.text)")
                #expect(imported.object["admitted"] as? [String] == [Self.upn])
                #expect((imported.object["warnings"] as? [Any])?.isEmpty == true)

                // The admission register's own fields.
                let p = try #require(try await store.pupil(schoolID: f.schoolID, upn: Self.upn))
                let c = p.characteristics
                #expect(c.sen == .ehcp && c.freeSchoolMeals && c.pupilPremium && c.englishAdditionalLanguage && c.ethnicity == "APKN")
                #expect(p.lastSchoolName == "Fennel Lane Primary" && p.yearGroup == "3" && p.preferredForename == "Marn")
                let contacts = try await store.contacts(pupilID: p.id!)
                #expect(contacts.map(\.name) == ["Delia Quillfeather", "Tobias Brackley", "Edna Quillfeather"])
                #expect(contacts.map(\.relationship) == ["Mother", "Father", "Other relative"])
                #expect(contacts.map(\.parentalResponsibility) == [true, true, false])
                #expect(contacts.map(\.livesWith) == [true, false, false])
                #expect(contacts[0].phone == "07700 900111" && contacts[0].email == "delia.quillfeather@example.org")
                #expect(contacts[1].address == "Flat 2, 9 Orchard Close, Ashcombe, ZZ9 7XX")

                // The pupil page shows the home address, the school history and what is kept unread, to the office.
                let pages = PageTests()
                let page = try await pages.get(f, "/pupils/\(Self.upn)", cookie: try await pages.signIn(f, .office))
                #expect(page.text.contains("From the previous school"))
                #expect(page.text.contains("14, Larkspur Road, Fennel Green, Westmere, Westshire, Westmere, ZZ9 4XX"))
                #expect(page.text.contains("Brook Hollow Infant School (993/1005), from 2022-09-05 to 2023-07-21"))
                #expect(page.text.contains("UniqueLearnerNumber, LookedAfter, Phones, Email, Assessments, BasicDetails/FormerSurname"))

                // Out again: every element of the file, the carried ones (assessments) verbatim.
                let out = try await f.call(.GET, "/api/v1/pupils/\(Self.upn)/ctf", as: .office)
                #expect(out.status == .ok)
                #expect(out.text.contains("<Result>WTS &amp; support</Result>"))
                #expect(try Self.canonicalPupils(out.text) == Self.canonicalPupils(file))

                // A second school imports that file and sends it on: still nothing lost.
                let second = try await CTFServerTests.post(f, "/api/v1/ctf?starting_day=2025-10-06", xml: out.text, token: s.secondHead)
                #expect(second.status == .created, "\(second.text)")
                var h = HTTPHeaders()
                h.add(name: .authorization, value: "Bearer \(s.secondHead)")
                let again = try await f.app.testing().sendRequest(.GET, "/api/v1/pupils/\(Self.upn)/ctf", headers: h)
                #expect(again.status == .ok)
                #expect(try Self.canonicalPupils(again.body.string) == Self.canonicalPupils(file))
            }
        }

        @Test(
            "a RelationshipCode that is not the DfE's is imported as Other with a warning, in the API and on the page",
            arguments: Backend.available)
        func unknownRelationship(_ backend: Backend) async throws {
            try await withRollbook(backend, at: CTFServerTests.clock, tinyMarks: true) { f in
                _ = try await CTFServerTests.setUp(f)
                let file = try Self.fixture().replacingOccurrences(
                    of: "<RelationshipCode>REL</RelationshipCode>", with: "<RelationshipCode>GNX</RelationshipCode>")
                let r = try await CTFServerTests.post(f, "/api/v1/ctf?starting_day=2025-10-06", xml: file, token: f.token(.head))
                #expect(r.status == .created, "\(r.text)")
                let warnings = try #require(r.object["warnings"] as? [[String: Any]])
                #expect(warnings.count == 1)
                #expect(warnings.first?["field"] as? String == "CTfile/CTFpupilData/Pupil[1]/Contacts/Contact[3]/RelationshipCode")
                #expect((warnings.first?["reason"] as? String)?.contains("imported as Other") == true)
                let p = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.upn))
                #expect(try await f.store.contacts(pupilID: p.id!).map(\.relationship) == ["Mother", "Father", "Other"])

                // The page lists the warnings after importing (another pupil number, so it is admitted too).
                let pages = PageTests()
                let head = try await pages.signIn(f, .head)
                let csrf = try #require(PageTests.csrf(try await pages.get(f, "/ctf", cookie: head))).token
                let moved = file.replacingOccurrences(of: Self.upn, with: "B200000000012")
                let boundary = "rollbook-ctf-boundary"
                let body =
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(csrf)\r\n"
                    + "--\(boundary)\r\nContent-Disposition: form-data; name=\"startingDay\"\r\n\r\n2025-10-06\r\n"
                    + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ctf.xml\"\r\nContent-Type: application/xml\r\n\r\n\(moved)\r\n"
                    + "--\(boundary)--\r\n"
                var h = HTTPHeaders()
                h.add(name: .cookie, value: head)
                h.add(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
                let res = try await f.app.testing().sendRequest(.POST, "/ctf", headers: h, body: ByteBuffer(string: body))
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/ctf")
                let page = try await pages.get(f, "/ctf", cookie: head)
                #expect(page.text.contains("Imported with warnings"))
                #expect(page.text.contains("Contact[3]/RelationshipCode"))
                #expect(page.text.contains("imported as Other"))
            }
        }
    }
}
