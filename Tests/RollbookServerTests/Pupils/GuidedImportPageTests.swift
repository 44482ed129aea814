import Foundation
import RollbookCore
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer
@testable import RollbookStore

extension ServerTests {
    @Suite("Guided import pages") struct GuidedImportPageTests {
        static let other = "Pupil UPN,Register Date,Session,Mark\nA100000000001,2025-09-05,AM,/\nA100000000002,2025-09-05,AM,N\n"
        static let mapping = ["upn": "Pupil UPN", "date": "Register Date", "session": "Session", "code": "Mark"]

        @Test(
            "the mapping is saved with the preview and offered for the next file; the import writes every row", arguments: Backend.available
        )
        func mappingSavedAndReused(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                #expect(try await f.store.importMapping(schoolID: f.schoolID, kind: .marks) == nil)
                let source = try GuidedImport.read(file: "other.csv", text: Self.other)
                let p = GuidedImport.preview(.marks, source: source, mapping: Self.mapping)
                #expect(p.errors.isEmpty)
                try await f.store.saveImportMapping(
                    schoolID: f.schoolID, kind: .marks, Self.mapping, by: Actor(name: "Olu Office", position: "Attendance officer"),
                    at: "now")
                let saved = try await f.store.importMapping(schoolID: f.schoolID, kind: .marks)
                #expect(saved == Self.mapping)
                #expect(GuidedImport.suggest(.marks, header: source.header, saved: saved) == Self.mapping)
                // Saving again replaces it.
                var changed = Self.mapping
                changed["code"] = "Code"
                try await f.store.saveImportMapping(
                    schoolID: f.schoolID, kind: .marks, changed, by: Actor(name: "Olu Office", position: "Attendance officer"), at: "later")
                #expect(try await f.store.importMapping(schoolID: f.schoolID, kind: .marks)?["code"] == "Code")
                #expect(try await f.store.importMapping(schoolID: f.schoolID, kind: .pupils) == nil)
            }
        }

        @Test(
            "the preview page saves the mapping and names every error by line and column; the import is whole or nothing",
            arguments: Backend.available)
        func pages(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let pages = PageTests()
                let office = try await pages.signIn(f, .office)
                let page = try await pages.get(f, "/import", cookie: office)
                #expect(page.status == .ok && page.text.contains("<h1>Import from another system</h1>"))
                let csrf = try #require(PageTests.csrf(page)).token
                let bad = Self.other + "A100000000003,2025-09-05,AM,QQ\nA100000000009,2025-09-05,PM,/\n"
                var fields = [("csrf", csrf), ("kind", "marks"), ("fileName", "other.csv"), ("text", bad)]
                fields += Self.mapping.sorted { $0.key < $1.key }.map { ("map_\($0.key)", $0.value) }
                let preview = try await pages.post(f, "/import/preview", cookie: office, fields)
                #expect(preview.status == .ok)
                #expect(preview.text.contains("Line 4, column <code>code</code>:"))
                #expect(preview.text.contains("QQ") && preview.text.contains("is not a DfE attendance code"))
                #expect(preview.text.contains("Line 5, column <code>upn</code>:") == false)
                #expect(!preview.text.contains("Import all"))
                #expect(try await f.store.importMapping(schoolID: f.schoolID, kind: .marks) == Self.mapping)
                // Importing anyway is refused whole; then the unknown UPN, which only the import can see, refuses it too.
                let refused = try await pages.post(f, "/import/run", cookie: office, fields)
                #expect(refused.status == .unprocessableEntity)
                var fixed = fields
                fixed[3] = ("text", bad.replacingOccurrences(of: "QQ", with: "N"))
                let unknown = try await pages.post(f, "/import/run", cookie: office, fixed)
                let failed = try await Self.finished(f, pages, unknown, cookie: office)
                #expect(failed.state == "failed" && failed.page.contains("no pupil with UPN A100000000009"))
                #expect(failed.page.contains("Nothing was imported.") && failed.page.contains("role=\"alert\""))
                let sql = f.app.db as! any SQLDatabase
                #expect(try await sql.raw("SELECT COUNT(*) AS n FROM marks").first()!.decode(column: "n", as: Int.self) == 0)
                fixed[3] = ("text", Self.other)
                let done = try await Self.finished(f, pages, try await pages.post(f, "/import/run", cookie: office, fixed), cookie: office)
                #expect(done.state == "imported" && done.page.contains("Imported 2 marks from other.csv: 2 new"))
                #expect(done.page.contains("2 of 2 rows (100%)"))
                #expect(try await sql.raw("SELECT COUNT(*) AS n FROM marks").first()!.decode(column: "n", as: Int.self) == 2)
                // Another school's office cannot follow it.
                let job = try #require(done.path.split(separator: "/").last.map(String.init))
                #expect(f.app.importJobs.job(job, schoolID: f.schoolID + 1000) == nil)
            }
        }

        @Test("a contacts file replaces the contacts of each pupil it names, and only theirs", arguments: Backend.available)
        func contacts(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let pages = PageTests()
                let office = try await pages.signIn(f, .office)
                let csrf = try #require(PageTests.csrf(try await pages.get(f, "/import", cookie: office))).token
                let mia = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000001")?.id)
                let ben = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000002")?.id)
                for (id, name) in [(mia, "Old Contact"), (ben, "Kept Contact")] {
                    try await f.store.addContact(
                        pupilID: id,
                        Contact(
                            priority: 1, name: name, relationship: "Aunt", parentalResponsibility: false, livesWith: false,
                            phone: "01632 960000",
                            email: ""))
                }
                let file = """
                    Pupil,Contact Name,Relation,PR,Order,Mobile
                    A100000000001,Ngozi Adeyemi,Mother,Y,1,07700 900111
                    A100000000001,Tomasz Adeyemi,Father,Y,,07700 900112
                    A100000000001,Grace Hill,Grandmother,N,4,07700 900113

                    """
                let mapping = [
                    "upn": "Pupil", "name": "Contact Name", "relationship": "Relation", "parental_responsibility": "PR",
                    "priority": "Order", "phone": "Mobile",
                ]
                var fields = [("csrf", csrf), ("kind", "contacts"), ("fileName", "contacts.csv"), ("text", file)]
                fields += mapping.sorted { $0.key < $1.key }.map { ("map_\($0.key)", $0.value) }
                let preview = try await pages.post(f, "/import/preview", cookie: office, fields)
                #expect(preview.text.contains("3. Preview: 3 rows") && preview.text.contains("Import all 3 rows"))
                let done = try await Self.finished(f, pages, try await pages.post(f, "/import/run", cookie: office, fields), cookie: office)
                #expect(done.state == "imported" && done.page.contains("Imported 3 contacts from contacts.csv for 1 pupils"))
                let contacts = try await f.store.contacts(pupilID: mia)
                #expect(contacts.map(\.name) == ["Ngozi Adeyemi", "Tomasz Adeyemi", "Grace Hill"])
                #expect(contacts.map(\.priority) == [1, 2, 4])
                #expect(contacts.map(\.parentalResponsibility) == [true, true, false])
                #expect(try await f.store.contacts(pupilID: ben).map(\.name) == ["Kept Contact"])
                // A priority twice is named with its line, and nothing is previewed as importable.
                fields[3] = ("text", file + "A100000000001,Second Mother,Mother,Y,1,07700 900114\n")
                let twice = try await pages.post(f, "/import/preview", cookie: office, fields)
                #expect(twice.text.contains("Line 5, column <code>priority</code>: A100000000001 has two contacts with priority 1"))
                #expect(!twice.text.contains("Import all"))
            }
        }

        /// Follows an import the page started (a 303 to its page) until it finishes: its state, page and path.
        static func finished(_ f: Fixture, _ pages: PageTests, _ started: Reply, cookie: String) async throws
            -> (state: String, page: String, path: String)
        {
            #expect(started.status == .seeOther)
            let path = try #require(started.headers.first(name: .location))
            #expect(path.hasPrefix("/import/jobs/"))
            for _ in 0..<500 {
                let p = try await pages.get(f, path + "/progress", cookie: cookie)
                let state = try #require(try JSONSerialization.jsonObject(with: Data(p.text.utf8)) as? [String: Any])["state"] as? String
                if state != "running" { return (state ?? "", try await pages.get(f, path, cookie: cookie).text, path) }
                try await Task.sleep(for: .milliseconds(20))
            }
            Issue.record("the import at \(path) did not finish in 10 s")
            return ("running", "", path)
        }

        @Test("a form is read up to its route's own limit for someone signed in, and to the default (1 MB) otherwise")
        func bodyLimits() async throws {
            try await withRollbook(.sqlite) { f in
                // Through a real server: only a streamed body is held to a limit.
                let server = try f.app.testing(method: .running(hostname: "127.0.0.1", port: 0))
                func post(_ path: String, cookie: String, _ fields: [(String, String)]) async throws -> HTTPStatus {
                    var h = HTTPHeaders()
                    h.add(name: .cookie, value: cookie)
                    h.contentType = .urlEncodedForm
                    return try await server.sendRequest(.POST, path, headers: h, body: ByteBuffer(string: PageTests.form(fields))).status
                }
                let pages = PageTests()
                let head = try await pages.signIn(f, .head)
                let csrf = try #require(PageTests.csrf(try await pages.get(f, "/timetable", cookie: head))).token
                // 2 MB: above the default, within the timetable upload's 8 MB. The upload reads it all and answers that it
                // has no file (a page small enough for the test client).
                let junk = String(repeating: "x", count: 2_000_000)
                #expect(try await post("/timetable", cookie: head, [("csrf", csrf), ("junk", junk)]) == .unprocessableEntity)
                // Not signed in: read only to the default, so refused before the sign-in redirect.
                let home = try #require(PageTests.csrf(try await f.call(.GET, "/", as: nil)))
                #expect(try await post("/timetable", cookie: home.cookie, [("csrf", home.token), ("junk", junk)]) == .payloadTooLarge)
                // A form without a limit of its own, signed in: the default.
                let reason = try await post("/pupils/A100000000001/reason", cookie: head, [("csrf", csrf), ("code", "I"), ("note", junk)])
                #expect(reason == .payloadTooLarge)
            }
        }
    }
}
