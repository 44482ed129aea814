import Foundation

@testable import RollbookCore

/// The worked "tiny" example of the interchange formats, kept in the repository (Tests/Fixtures/tiny) and read from
/// disk at test time.
struct TinyExample {
    static let directory = Repository.root.appendingPathComponent("Tests/Fixtures/tiny")

    static let range = DateRange(from: LocalDate(year: 2025, month: 9, day: 1)!, to: LocalDate(year: 2025, month: 9, day: 30)!)
    static let expectedReportFile = "expected_report_2025-09-01_2025-09-30.json"

    let calendar: SchoolCalendar
    let pupils: [PupilRecord]
    let marks: [Interchange.MarkRow]

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    static func load() throws -> TinyExample {
        let calendar = try Interchange.readCalendar(file: "calendar.csv", text: text("calendar.csv"))
        let pupils = try Interchange.readPupils(file: "pupils.csv", text: text("pupils.csv"))
        let marks = try Interchange.readMarks(file: "marks.csv", text: text("marks.csv"))
        return TinyExample(calendar: SchoolCalendar(entries: calendar), pupils: pupils, marks: marks)
    }

    func enrolment(_ p: PupilRecord) -> Enrolment {
        Enrolment(
            startingDay: p.startingDay, leavingDay: p.leavingDay, yearGroup: p.yearGroup, yearGroupYear: AcademicYear(startYear: 2025))
    }

    func sessionArray(for upn: String) -> SessionArray {
        var a = SessionArray(covering: Self.range)
        for row in marks where row.upn == upn { a[row.mark.date, row.mark.session] = row.mark.code }
        return a
    }

    /// Each pupil's counts over 1-30 September 2025, in file order.
    func reportLines() -> [ReportLine] {
        let engine = StatisticsEngine(calendar: calendar)
        return pupils.map { p in
            ReportLine(upn: p.upn, counts: engine.counts(sessionArray(for: p.upn), enrolment: enrolment(p), range: Self.range))
        }
    }

    /// The expected report, parsed with JSONSerialization.
    static func expectedReport() throws -> [[String: Any]] {
        let data = try Data(contentsOf: directory.appendingPathComponent(expectedReportFile))
        guard let array = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return array
    }
}
