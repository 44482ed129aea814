import Foundation
import Testing

@testable import RollbookCore

@Suite("Roll: elective home education and school attendance orders")
struct HomeEducationTests {
    @Test(
        "seed 001 §5 'not while a School Attendance Order applies': the home education ground is refused naming ground while an order applies on the leaving day"
    )
    func orderBlocksDeletion() throws {
        let d = { (s: String) in LocalDate(iso: s)! }
        let open = SchoolAttendanceOrder(from: d("2025-09-05"))
        #expect(throws: ValidationError.self) {
            try HomeEducation.checkDeletion(ground: .electiveHomeEducation, leavingDay: d("2025-10-01"), orders: [open])
        }
        do {
            try HomeEducation.checkDeletion(ground: .electiveHomeEducation, leavingDay: d("2025-10-01"), orders: [open])
        } catch { #expect(error.field == "ground" && error.reason.contains("from 2025-09-05, not revoked")) }
        // Before the order, after its revocation, or on another ground: allowed.
        try HomeEducation.checkDeletion(ground: .electiveHomeEducation, leavingDay: d("2025-09-04"), orders: [open])
        let revoked = SchoolAttendanceOrder(from: d("2025-09-05"), to: d("2025-09-30"))
        try HomeEducation.checkDeletion(ground: .electiveHomeEducation, leavingDay: d("2025-10-01"), orders: [revoked])
        try HomeEducation.checkDeletion(ground: .transferred, leavingDay: d("2025-10-01"), orders: [open])
        #expect(throws: ValidationError.self) { try SchoolAttendanceOrder(from: d("2025-09-05"), to: d("2025-09-01")).validate() }
    }

    @Test(
        "seed 001 §5 'written confirmation' (reg 9(1)(c)): the home education ground needs the day the parents confirmed in writing, not in the future; a meeting is recorded once held; other grounds need neither"
    )
    func writtenConfirmation() throws {
        let d = { (s: String) in LocalDate(iso: s)! }
        let today = d("2025-10-01")
        func field(_ steps: HomeEducationSteps, ground: DeletionGround = .electiveHomeEducation) -> String? {
            do {
                try HomeEducation.checkDeletion(ground: ground, leavingDay: today, orders: [], steps: steps, today: today)
                return nil
            } catch { return error.field }
        }
        #expect(field(HomeEducationSteps(parentConfirmedOn: nil)) == "parent_confirmed_on")
        #expect(field(HomeEducationSteps(parentConfirmedOn: d("2025-10-02"))) == "parent_confirmed_on")
        #expect(field(HomeEducationSteps(parentConfirmedOn: d("2025-09-29"), meetingOn: d("2025-10-03"))) == "meeting_on")
        #expect(field(HomeEducationSteps(parentConfirmedOn: d("2025-09-29"), meetingOn: d("2025-09-25"))) == nil)
        #expect(field(HomeEducationSteps(parentConfirmedOn: today)) == nil)
        #expect(field(HomeEducationSteps(parentConfirmedOn: nil), ground: .transferred) == nil)
    }
}
