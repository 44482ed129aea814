import Foundation
import RollbookCore
import SQLKit
import Testing

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
                #expect(unknown.status == .unprocessableEntity && unknown.text.contains("no pupil with UPN A100000000009"))
                let sql = f.app.db as! any SQLDatabase
                #expect(try await sql.raw("SELECT COUNT(*) AS n FROM marks").first()!.decode(column: "n", as: Int.self) == 0)
                fixed[3] = ("text", Self.other)
                let done = try await pages.post(f, "/import/run", cookie: office, fixed)
                #expect(done.status == .seeOther)
                #expect(try await sql.raw("SELECT COUNT(*) AS n FROM marks").first()!.decode(column: "n", as: Int.self) == 2)
                let after = try await pages.get(f, "/import", cookie: office)
                #expect(after.text.contains("Imported 2 marks from other.csv: 2 new"))
            }
        }
    }
}
