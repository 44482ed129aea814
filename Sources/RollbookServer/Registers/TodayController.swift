import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/today`: the day's registers, first-day absences, pupils signed out, and the attendance figures.
struct TodayController {
    func today(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        var page = try await TodayPage.load(req, user: u)
        page.lessonAlerts = try await LessonAlertsController.today(req, u)
        page.mayResolveAlerts = u.can(.amendMarks)
        page.flash = req.takeFlash()
        return try await req.render("Registers/today", title: "Today", page)
    }
}
