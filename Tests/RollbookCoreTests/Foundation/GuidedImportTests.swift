import Foundation
import Testing

@testable import RollbookCore

@Suite("Guided import: another system's columns mapped onto Rollbook's")
struct GuidedImportTests {
    /// Marks as another system exports them: its own names, its own order, an extra column.
    let other = """
        Pupil UPN,Session,Register Date,Mark,Minutes Late,Teacher
        A100000000001,AM,2025-09-03,/,,Ms Rowe
        A100000000002,PM,2025-09-03,L,12,Ms Rowe
        A100000000002,AM,2025-09-04,QQ,,Ms Rowe
        A100000000003,XX,2025-09-04,/,,Ms Rowe
        A100000000001,AM,2025-09-03,N,,Ms Rowe

        """

    @Test("columns with Rollbook's names are matched by name; a saved mapping is reused where the file has its columns")
    func suggest() throws {
        let source = try GuidedImport.read(file: "other.csv", text: other)
        #expect(source.header == ["Pupil UPN", "Session", "Register Date", "Mark", "Minutes Late", "Teacher"])
        let byName = GuidedImport.suggest(.marks, header: source.header, saved: nil)
        #expect(byName == ["session": "Session", "minutes_late": "Minutes Late"])
        let saved: GuidedImport.Mapping = ["upn": "Pupil UPN", "date": "Register Date", "code": "Mark", "session": "Gone"]
        let reused = GuidedImport.suggest(.marks, header: source.header, saved: saved)
        #expect(
            reused == ["upn": "Pupil UPN", "date": "Register Date", "code": "Mark", "session": "Session", "minutes_late": "Minutes Late"])
    }

    @Test("the preview names every bad row by its line in the file and Rollbook's column, and shows the first rows mapped")
    func previewErrors() throws {
        let source = try GuidedImport.read(file: "other.csv", text: other)
        let mapping: GuidedImport.Mapping = [
            "upn": "Pupil UPN", "date": "Register Date", "session": "Session", "code": "Mark", "minutes_late": "Minutes Late",
        ]
        let p = GuidedImport.preview(.marks, source: source, mapping: mapping)
        #expect(p.rowCount == 5)
        #expect(p.firstRows.first == ["A100000000001", "2025-09-03", "AM", "/", ""])
        #expect(p.errors.map { "\($0.line) \($0.column)" } == ["4 code", "5 session"])
        #expect(p.errors[0].reason == "'QQ' is not a DfE attendance code")
    }

    @Test("with every row right on its own, the file as a whole is checked: a mark twice names its second line")
    func wholeFile() throws {
        let fixed = other.replacingOccurrences(of: "QQ", with: "N").replacingOccurrences(of: "XX", with: "PM")
        let source = try GuidedImport.read(file: "other.csv", text: fixed)
        let mapping: GuidedImport.Mapping = ["upn": "Pupil UPN", "date": "Register Date", "session": "Session", "code": "Mark"]
        let p = GuidedImport.preview(.marks, source: source, mapping: mapping)
        #expect(p.errors.map { "\($0.line) \($0.column)" } == ["6 date"])
        // Minutes late left unmapped: empty in what is imported.
        #expect(p.firstRows[1] == ["A100000000002", "2025-09-03", "PM", "L", ""])
    }

    @Test("a required column left unmapped, or mapped to a column the file lacks, is an error before any row")
    func unmapped() throws {
        let source = try GuidedImport.read(file: "other.csv", text: other)
        let p = GuidedImport.preview(.marks, source: source, mapping: ["upn": "Pupil UPN", "date": "Date", "session": "Session"])
        #expect(
            p.errors.map { "\($0.line) \($0.column): \($0.reason)" } == [
                "1 code: choose the file's column for code", "1 date: the file has no column 'Date'",
            ])
    }
}
