import Foundation
import Testing

@testable import RollbookCore

@Suite("contacts.csv: each named pupil's contacts in priority order")
struct ContactsFileTests {
    static let header = Interchange.contactsHeader.joined(separator: ",")

    @Test("rows of one pupil are gathered; an empty priority follows the rows above it; the list is in priority order")
    func gathered() throws {
        let text = """
            \(Self.header)
            A100000000001,2,Tomasz Adeyemi,Father,Y,Y,07700 900112,,
            A100000000002,,Rin Sato,Mother,Y,N,07700 900121,rin@example.org,"1 Mill Lane, Leeds"
            A100000000001,1,Ngozi Adeyemi,Mother,Y,Y,07700 900111,ngozi@example.org,
            A100000000001,,Grace Hill,Grandmother,N,N,07700 900113,,

            """
        let rows = try Interchange.readContacts(file: "contacts.csv", text: text)
        #expect(rows.map(\.upn) == ["A100000000001", "A100000000002"])
        #expect(rows.map(\.line) == [2, 3])
        #expect(rows[0].contacts.map(\.name) == ["Ngozi Adeyemi", "Tomasz Adeyemi", "Grace Hill"])
        #expect(rows[0].contacts.map(\.priority) == [1, 2, 3])
        #expect(rows[0].contacts.map(\.parentalResponsibility) == [true, true, false])
        #expect(
            rows[1].contacts == [
                Contact(
                    priority: 1, name: "Rin Sato", relationship: "Mother", parentalResponsibility: true, livesWith: false,
                    phone: "07700 900121", email: "rin@example.org", address: "1 Mill Lane, Leeds")
            ])
    }

    @Test(
        "a bad row fails the file naming its line and column",
        arguments: [
            (
                "A100000000001,1,Ada,Mother,Y,Y,,,\nA100000000001,1,Bea,Aunt,N,N,,,", 3, "priority",
                "A100000000001 has two contacts with priority 1"
            ),
            ("A100000000001,0,Ada,Mother,Y,Y,,,", 2, "priority", "'0' must be a whole number, 1 or more (1 is contacted first)"),
            ("A100000000001,1, ,Mother,Y,Y,,,", 2, "name", "is required"),
            ("A100000000001,1,Ada,Mother,yes,Y,,,", 2, "parental_responsibility", "'yes' must be Y or N"),
            ("NOT-A-UPN,1,Ada,Mother,Y,Y,,,", 2, "upn", "'NOT-A-UPN' is not a UPN"),
        ])
    func refused(_ rows: String, _ line: Int, _ column: String, _ reason: String) {
        #expect(throws: ImportError(file: "c.csv", line: line, column: column, reason: reason)) {
            try Interchange.readContacts(file: "c.csv", text: "\(Self.header)\n\(rows)\n")
        }
    }

    @Test("the guided import maps another system's contact columns and names the row of an error")
    func guided() throws {
        let source = try GuidedImport.read(
            file: "other.csv", text: "Child UPN,Full Name,Rel\nA100000000001,Ada Marsh,Mother\nA100000000001,,Father\n")
        let p = GuidedImport.preview(.contacts, source: source, mapping: ["upn": "Child UPN", "name": "Full Name", "relationship": "Rel"])
        #expect(p.rowCount == 2)
        #expect(p.errors == [ImportError(file: "other.csv", line: 3, column: "name", reason: "is required")])
        let none = GuidedImport.preview(.contacts, source: source, mapping: ["upn": "Child UPN"])
        #expect(none.errors.first == ImportError(file: "other.csv", line: 1, column: "name", reason: "choose the file's column for name"))
    }
}

@Suite("Import pace: rows done, rows a second, time left")
struct ImportPaceTests {
    @Test("the pace so far gives the time left; before any row there is none")
    func pace() {
        let p = ImportPace(done: 120_000, total: 480_000, elapsed: 0.3)
        #expect(p.percent == 25)
        #expect(abs(p.rowsPerSecond - 400_000) < 1e-6)
        #expect(abs((p.secondsLeft ?? 0) - 0.9) < 1e-9)
        #expect(p.words() == "120000 of 480000 rows (25%), 400000 rows a second, about 1 s left")
        #expect(ImportPace(done: 0, total: 10, elapsed: 2).words(unit: "bytes") == "0 of 10 bytes (0%), 0 bytes a second")
        #expect(ImportPace(done: 5, total: 0, elapsed: 1).percent == 0)
    }
}
