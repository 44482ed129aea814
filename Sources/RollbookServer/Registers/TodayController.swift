import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/today`: the day's registers, first-day absences, pupils signed out, and the attendance figures.
struct TodayController {
    func today(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        let today = req.clock.now().date
        // The pupils on roll today, once: for the registers and the missing-pupil list.
        let pupils =
            u.can(.readRegisters) || u.can(.takeRegister)
            ? try await req.store.listings(
                schoolID: u.schoolID, filter: u.scoped(PupilFilter(onRollDuring: DateRange(from: today, to: today))))
            : []
        var page = try await TodayPage.load(req, user: u, pupils: pupils)
        page.lessonAlerts = try await LessonAlertsController.today(req, u)
        page.missingIncidents = try await MissingIncidentController.today(req, u)
        page.socialServicesDue = try await EndOfDayController.today(req, u)
        if u.can(.takeRegister) {
            page.missingPupils = pupils.sorted { ($0.form, $0.displayName) < ($1.form, $1.displayName) }.map {
                .init(value: $0.upn, label: "\($0.displayName) (\($0.form))")
            }
        }
        page.mayResolveAlerts = u.can(.amendMarks)
        page.flash = req.takeFlash()
        return try await req.render("Registers/today", title: "Today", page)
    }
}
