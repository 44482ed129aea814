import Foundation
import Testing

@testable import RollbookCore

// Sending the policy's summary to parents (seed 003): when, and in parents' words only.

private func day(_ s: String) -> LocalDate { LocalDate(iso: s)! }

@Suite("Policy summary sent to parents")
struct ParentSummarySendingTests {
    static let both = Policy.SendParentSummary(startOfYear: true, onAdmission: true)
    static let first = day("2025-09-03")

    static func enrolment(_ start: String, leaving: String? = nil) -> Enrolment {
        Enrolment(startingDay: day(start), leavingDay: leaving.map(day), yearGroup: "3", yearGroupYear: AcademicYear(startYear: 2025))
    }

    @Test(
        "seed 003 'shared with parents at the start of the year and when a child starts': on the first school day for every pupil on roll, on the starting day for a pupil who joins later"
    )
    func occasions() {
        func o(_ s: Policy.SendParentSummary, _ start: String, _ today: String, leaving: String? = nil) -> ParentSummarySending.Occasion? {
            ParentSummarySending.occasion(s, enrolment: Self.enrolment(start, leaving: leaving), firstDay: Self.first, today: day(today))
        }
        #expect(o(Self.both, "2023-09-04", "2025-09-02") == nil, "not before the first school day")
        #expect(o(Self.both, "2023-09-04", "2025-09-03") == .startOfYear)
        #expect(o(Self.both, "2025-09-03", "2025-09-03") == .startOfYear, "the new intake on the first day")
        #expect(o(Self.both, "2023-09-04", "2025-09-03", leaving: "2025-07-18") == nil, "left before the year")
        // A pupil joining on 6 October: on that day (or a missed run up to 13 days later), not before, not long after.
        #expect(o(Self.both, "2025-10-06", "2025-10-03") == nil)
        #expect(o(Self.both, "2025-10-06", "2025-10-06") == .admission)
        #expect(o(Self.both, "2025-10-06", "2025-10-19") == .admission)
        #expect(o(Self.both, "2025-10-06", "2025-10-20") == nil)
        // Each occasion only when the policy asks for it.
        let yearOnly = Policy.SendParentSummary(startOfYear: true, onAdmission: false)
        let admissionOnly = Policy.SendParentSummary(startOfYear: false, onAdmission: true)
        #expect(o(yearOnly, "2025-10-06", "2025-10-06") == nil)
        #expect(o(admissionOnly, "2023-09-04", "2025-09-03") == nil)
        #expect(o(admissionOnly, "2025-09-03", "2025-09-03") == .admission)
        // A year of catching up is not sent: the start of the year is over after 13 days.
        #expect(o(yearOnly, "2023-09-04", "2025-09-17") == nil)
    }

    @Test("the message is the summary parents see, never the staff's clauses; a setting sending nothing is refused")
    func message() throws {
        var p = Policy.standard(name: "Summary")
        p.clauses = [.init("attendance_target", "STAFF ONLY: the governors' note")]
        let m = ParentSummarySending.message(p, forename: "Robin", school: "Brook School", occasion: .admission)
        for para in ParentSummary.paragraphs(p) { #expect(m.body.contains(para)) }
        #expect(m.body.hasPrefix("Welcome to Brook School. Here is how attendance works for Robin."))
        #expect(!m.body.contains("STAFF ONLY") && !m.subject.contains("STAFF ONLY"))
        p.parentSummary = "Please come every day.\n\nTell us by 9am."
        let own = ParentSummarySending.message(p, forename: "Robin", school: "Brook School", occasion: .startOfYear)
        #expect(own.body.contains("Please come every day.\n\nTell us by 9am."))
        p.sendParentSummary = .init(startOfYear: false, onAdmission: false)
        #expect(
            throws: ValidationError(field: "send_parent_summary", reason: "set start_of_year or on_admission: leave it out to send nothing")
        ) {
            try p.validate()
        }
        // The first school day comes from the calendar.
        let calendar = SchoolCalendar(entries: [CalendarEntry(start: day("2025-09-03"), end: day("2025-10-24"), kind: .term)])
        #expect(ParentSummarySending.firstSchoolDay(of: AcademicYear(startYear: 2025), calendar: calendar) == day("2025-09-03"))
    }
}
