import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// The alert's page side: resolving it from Today with a form, and the pupil page's open and recent alerts.
extension LessonAlertsController {
    /// A resolution choice on the Today form.
    struct Choice: Encodable {
        var value: String
        var label: String
    }
    static let choices: [Choice] = [
        Choice(value: NotInLessonResolution.truancy.rawValue, label: "Truancy"),
        Choice(value: NotInLessonResolution.knownReason.rawValue, label: "A known reason (with the pupil's whereabouts)"),
        Choice(value: NotInLessonResolution.registerError.rawValue, label: "A register error"),
    ]

    struct ResolutionForm: Content {
        var resolution: String?
        var note: String?
    }

    /// `POST /lesson-alerts/:id/resolution`: the Today form; back to Today saying what was recorded.
    func resolvePage(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let form = try req.content.decode(ResolutionForm.self)
        guard let resolution = form.resolution, !resolution.isEmpty else {
            throw APIError.invalid("resolution", "choose truancy, a known reason or a register error")
        }
        let done = try await Self.resolve(req, u, id: req.parameters.get("id"), Resolution(resolution: resolution, note: form.note))
        let name = try await req.store.pupil(schoolID: u.schoolID, upn: done.upn)?.displayName ?? done.upn
        let how = NotInLessonResolution(rawValue: done.resolution ?? "")?.title ?? ""
        req.session.data["flash"] = "\(name) not in \(done.lesson): resolved as \(how), on the pupil's timeline."
        return req.redirect(to: "/today")
    }

    /// One of a pupil's alerts on their page.
    struct PupilLine: Encodable {
        var date: String
        var lesson: String
        var words: String
        var raised: String
        /// Nil while open; otherwise `resolved as truancy by …, at …`.
        var resolved: String?
        var note: String?
    }

    /// A pupil's alerts of the last 28 days, newest first, open or resolved.
    static func forPupil(_ req: Request, pupilID: Int, today: LocalDate) async throws -> [PupilLine] {
        try await req.store.lessonAlerts(pupilID: pupilID, since: today.adding(days: -28)).map { a in
            PupilLine(
                date: a.date, lesson: a.lesson, words: a.words, raised: time(a.raisedAt),
                resolved: a.resolvedAt.map { at in
                    "Resolved as \(NotInLessonResolution(rawValue: a.resolution ?? "")?.title ?? a.resolution ?? "") by \(a.resolvedBy ?? "") at \(time(at))"
                }, note: a.note)
        }
    }

    /// `2025-09-10T11:10:00Z` as `2025-09-10 11:10` (stored in the school's local time with its offset).
    static func time(_ stamp: String) -> String {
        stamp.count >= 16 ? "\(stamp.prefix(10)) \(stamp.dropFirst(11).prefix(5))" : stamp
    }
}
