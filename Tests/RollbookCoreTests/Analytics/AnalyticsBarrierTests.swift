import Testing

@testable import RollbookCore

// Barriers to attendance as an analytics cohort (seed 004 "Barriers to attendance"), on a one-week roll.

private func day(_ s: String) -> LocalDate {
    guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
    return d
}

/// One school week, Monday 8 to Friday 12 September 2025: 10 sessions each.
private let week = DateRange(from: day("2025-09-08"), to: day("2025-09-12"))
private let calendar = SchoolCalendar(entries: [CalendarEntry(start: week.from, end: week.to, kind: .term)])

/// A pupil present every session of the week except `absent` sessions (coded O from Monday AM on).
private func pupil(_ id: String, absent: Int, _ barriers: [Barrier]) -> (AnalyticsPupil, SessionArray) {
    var marks = SessionArray(covering: week)
    var k = 0
    for d in 0..<5 {
        for s in [Session.am, .pm] {
            marks[week.from.adding(days: d), s] = k < absent ? .o : (s == .am ? .presentAM : .presentPM)
            k += 1
        }
    }
    let p = AnalyticsPupil(
        id: id, name: id,
        enrolment: Enrolment(startingDay: day("2025-09-01"), leavingDay: nil, yearGroup: "8", yearGroupYear: AcademicYear(startYear: 2025)),
        form: "8A", barriers: barriers)
    return (p, marks)
}

/// Ann: bullying and transport (recorded twice), 2 of 10 absent (persistent). Ben: transport, 6 of 10 absent (severe).
/// Cal: no barrier, never absent.
private func roll() -> AnalyticsRoll {
    var r = AnalyticsRoll(calendar: calendar, year: AcademicYear(startYear: 2025))
    for (p, m) in [
        pupil("Ann", absent: 2, [.transport, .bullying, .transport]), pupil("Ben", absent: 6, [.transport]), pupil("Cal", absent: 0, []),
    ] {
        r.append(p, marks: m)
    }
    return r
}

@Suite("Analytics: barriers to attendance as a cohort")
struct AnalyticsBarrierTests {
    @Test("seed 004 'Barriers to attendance': each barrier kind is a cohort with attendance, persistent and severe absence")
    func cohorts() throws {
        let rows = roll().cohorts(week)
        let transport = try #require(rows.first { $0.group == .barrier(.transport) })
        // Ann and Ben: 20 possible, 12 present, 8 unauthorised; both persistent, Ben severe.
        #expect(transport.members.sessions.possible == 20 && transport.members.sessions.present == 12)
        #expect(transport.members.pupils == 2 && transport.members.persistentAbsence == 2 && transport.members.severeAbsence == 1)
        // The rest is Cal alone, at 100%.
        #expect(transport.rest.pupils == 1 && transport.rest.sessions.attendanceRate == 1)
        let bullying = try #require(rows.first { $0.group == .barrier(.bullying) })
        #expect(bullying.membersSelected == 1 && bullying.members.sessions.present == 8 && bullying.members.severeAbsence == 0)
        #expect(rows.first { $0.group == .barrier(.health) } == nil, "no pupil has a health barrier recorded")
        // Barriers come after every other dimension, in `Barrier` order.
        #expect(rows.suffix(2).map(\.group) == [.barrier(.bullying), .barrier(.transport)])
        #expect(transport.group.label == "Barrier: Transport")
    }

    @Test("seed 004 'Barriers to attendance': a barrier filters the overview, the lists and every other report")
    func filter() {
        let r = roll()
        let o = r.overview(week, filter: .barrier(.transport))
        #expect(o.pupilsSelected == 2 && o.sessions.possible == 20 && o.persistentAbsence == 2)
        #expect(r.overview(week, filter: .group(AnalyticsGroup(.barrier, "bullying"))).pupilsSelected == 1)
        #expect(r.overview(week, filter: .not(.barrier(.transport))).sessions.attendanceRate == 1)
        #expect(r.overview(week, filter: .group(AnalyticsGroup(.barrier, "no_such_barrier"))).pupilsSelected == 0)
        #expect(r.pupils[0].barriers == [.bullying, .transport], "each barrier once, in Barrier order")
    }
}
