import Foundation
import Testing

@testable import RollbookCore

// The projected-attendance floor (seed 004 'Performances and activities': the head "will not authorise any absences
// which would mean that a pupil's attendance would fall below 96 percent"). EvalTest's calendar: after Monday
// 2 March 2026 the year has 19 school days to 27 March, 30 from 13 April to 22 May and 35 from 1 June to 17 July,
// 84 days = 168 sessions.

private func day(_ s: String) -> LocalDate { EvalTest.day(s) }

private let enrolment = Enrolment(
    startingDay: day("2024-09-01"), leavingDay: nil, yearGroup: "5", yearGroupYear: AcademicYear(startYear: 2025))

/// Monday 9 to Friday 13 March 2026: 10 sessions.
private func week(code: String? = "C1") -> LeaveRequest {
    LeaveRequest(
        from: day("2026-03-09"), to: day("2026-03-13"), requestedOn: day("2026-02-02"), reason: "A touring show", code: code)
}

private func soFar(attended: Int, possible: Int) -> SessionCounts {
    SessionCounts(possible: possible, present: attended, approvedActivity: 0, authorised: possible - attended, unauthorised: 0)
}

private func floorFinding(_ r: LeaveRequest, _ p: Policy, _ c: SessionCounts, asOf: String = "2026-03-02") -> LeaveFinding? {
    LeaveCheck.findings(
        request: r, policy: p, calendar: EvalTest.calendar, enrolment: enrolment, asOf: day(asOf), authorisedAbsence: c
    ).first { $0.rule == "leave.refuse_below_projected_attendance" }
}

private func seed4() throws -> Policy { try SeedPolicyTests.seed(4) }

/// Seed 004 with the floor for every leave (no code list).
private func everyLeave() throws -> Policy {
    var p = try seed4()
    p.leave.projectedAttendanceCodes = nil
    return p
}

@Suite("Leave: the projected-attendance floor")
struct LeaveProjectionTests {
    @Test("the projection: sessions attended so far + remaining open sessions after today, less the leave")
    func projection() {
        let p = LeaveProjection.project(
            leaveSessions: week().sessions(calendar: EvalTest.calendar, enrolment: enrolment), soFar: soFar(attended: 194, possible: 200),
            floor: 0.96, calendar: EvalTest.calendar, enrolment: enrolment, asOf: day("2026-03-02"))
        #expect(p.remaining == 168)
        #expect(p.leave == 10)
        #expect(p.now == 194.0 / 200.0)
        #expect(p.projected == Double(194 + 168 - 10) / Double(200 + 168))
        #expect(p.below)
        #expect(p.figures["projected_attendance"] == 0.9565)
        #expect(p.figures["attendance_now"] == 0.97)
        #expect(p.figures["floor"] == 0.96)
        // Leave in the next academic year does not lower this year's projection.
        let september = LeaveRequest(from: day("2026-09-07"), to: day("2026-09-11"), requestedOn: day("2026-06-01"), reason: "x")
        let next = LeaveProjection.project(
            leaveSessions: september.sessions(calendar: EvalTest.calendar, enrolment: enrolment),
            soFar: soFar(attended: 194, possible: 200), floor: 0.96, calendar: EvalTest.calendar, enrolment: enrolment,
            asOf: day("2026-07-01"))
        #expect(next.leave == 0)
    }

    @Test("seed 004 'Performances': C1 refused below 96%, with attendance now, projected with the leave and the floor")
    func seed004C1Refused() throws {
        let p = try seed4()
        #expect(p.leave.refuseBelowProjectedAttendance == 0.96)
        #expect(p.leave.projectedAttendanceCodes == ["C1"])
        #expect(p.clause("leave.refuse_below_projected_attendance").contains("will not authorise any absences"))
        let f = try #require(floorFinding(week(), p, soFar(attended: 194, possible: 200)))
        #expect(f.verdict == .refuse)
        #expect(f.message.contains("attendance now 97.0%"))
        #expect(f.message.contains("projected to the end of the year with the leave 95.7%"))
        #expect(f.message.contains("the floor 96%"))
        #expect(f.figures?["projected_attendance"] == 0.9565)
        // The family's words: the floor and the figure, no setting names or staff instructions.
        let parent = try #require(f.parent)
        #expect(parent.contains("below 96%"))
        #expect(parent.contains("95.7%"))
        #expect(!parent.contains("leave."))
        #expect(!parent.contains("head decides"))
        // Two days instead of five keeps the pupil above the floor: no refusal, no words for the family.
        let short = LeaveRequest(
            from: day("2026-03-09"), to: day("2026-03-10"), requestedOn: day("2026-02-02"), reason: "A touring show", code: "C1")
        let ok = try #require(floorFinding(short, p, soFar(attended: 194, possible: 200)))
        #expect(ok.verdict == .ok)
        #expect(ok.parent == nil)
    }

    @Test("exactly at the floor is not below it; one session fewer attended is")
    func atTheFloor() throws {
        let p = try seed4()
        // 232 + 168 = 400 possible; 226 + 168 - 10 = 384 = 96% of 400.
        #expect(floorFinding(week(), p, soFar(attended: 226, possible: 232))?.verdict == .ok)
        #expect(floorFinding(week(), p, soFar(attended: 225, possible: 232))?.verdict == .refuse)
    }

    @Test("seed 004 applies the floor to C1: another request below it is a caution; with no code list, any leave is refused")
    func codes() throws {
        let c = soFar(attended: 194, possible: 200)
        #expect(floorFinding(week(code: "C"), try seed4(), c)?.verdict == .caution)
        #expect(floorFinding(week(code: nil), try seed4(), c)?.message.contains("granted as C1, the leave is refused") == true)
        #expect(floorFinding(week(code: "C"), try everyLeave(), c)?.verdict == .refuse)
        // No floor (seed 003): no finding.
        #expect(floorFinding(week(), try SeedPolicyTests.seed(3), c) == nil)
    }

    @Test("a grant as C1 below the floor is rejected naming the setting, with the figures; as C it is the head's decision")
    func grantChecked() throws {
        let p = try seed4()
        let c = soFar(attended: 194, possible: 200)
        func check(_ g: LeaveGrant) throws(ValidationError) -> LeaveProjection? {
            try LeaveCheck.checkFloor(
                grant: g, policy: p, calendar: EvalTest.calendar, enrolment: enrolment, asOf: day("2026-03-02"), soFar: c)
        }
        do {
            _ = try check(LeaveGrant(code: .c1, granting: week(), licenceReference: "LA-PERF-1"))
            Issue.record("a C1 grant below the floor was accepted")
        } catch {
            #expect(error.field == "leave.refuse_below_projected_attendance")
            #expect(error.reason.contains("attendance now 97.0%; projected to the end of the year with the leave 95.7%; the floor 96%"))
        }
        // Two of the five days keep the pupil above the floor.
        let two = try check(LeaveGrant(code: .c1, from: day("2026-03-09"), to: day("2026-03-10"), licenceReference: "LA-PERF-1"))
        #expect(two?.below == false)
        #expect(try check(LeaveGrant(code: .c, granting: week()))?.below == true)
    }

    @Test("the settings are validated, naming the setting")
    func validation() throws {
        func failing(_ change: (inout Policy) -> Void) throws -> String? {
            var p = try seed4()
            change(&p)
            do {
                try p.validate()
                return nil
            } catch { return error.field }
        }
        #expect(try failing { $0.leave.refuseBelowProjectedAttendance = 96 } == "leave.refuse_below_projected_attendance")
        #expect(try failing { $0.leave.projectedAttendanceCodes = ["C1", "G"] } == "leave.projected_attendance_codes[1]")
        #expect(try failing { $0.leave.projectedAttendanceCodes = [] } == "leave.projected_attendance_codes")
        #expect(try failing { $0.leave.refuseBelowProjectedAttendance = nil } == "leave.projected_attendance_codes")
        #expect(try failing { _ in } == nil)
        // A saved policy without the settings still reads.
        var object = try #require(
            try JSONSerialization.jsonObject(with: try SeedPolicyTests.data(SeedPolicyTests.files[4])) as? [String: Any])
        var leave = try #require(object["leave"] as? [String: Any])
        leave["refuse_below_projected_attendance"] = nil
        leave["projected_attendance_codes"] = nil
        object["leave"] = leave
        object["clauses"] = (object["clauses"] as? [[String: Any]])?.filter {
            !(($0["setting"] as? String) ?? "").contains("projected_attendance")
        }
        let json = try JSONSerialization.data(withJSONObject: object)
        let old = try PolicyFile.decode(json)
        #expect(old.leave.refuseBelowProjectedAttendance == nil)
        #expect(old.leave.projectedAttendanceCodes == nil)
    }

    @Test("a request names a leave code of the parent's choices, or none")
    func requestCode() {
        let bad = LeaveRequest(from: day("2026-03-09"), to: day("2026-03-13"), requestedOn: day("2026-02-02"), reason: "x", code: "G")
        do {
            try bad.validate(today: day("2026-02-02"))
            Issue.record("code G accepted")
        } catch { #expect(error.field == "code") }
        #expect((try? week().validate(today: day("2026-02-02"))) != nil)
        #expect((try? week(code: nil).validate(today: day("2026-02-02"))) != nil)
    }
}
