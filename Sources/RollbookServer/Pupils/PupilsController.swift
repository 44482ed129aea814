import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/pupils` (search) and `/pupils/:upn` (a pupil's page).
struct PupilsController {
    struct SearchContent: Encodable {
        var query: String
        var pupils: [PupilSummaryDTO]
    }

    func pupilSearch(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.readPupils)
        let q = (req.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let today = req.clock.now().date
        let all = try await req.store.listings(
            schoolID: u.schoolID, filter: u.scoped(PupilFilter(onRollDuring: DateRange(from: today, to: today))))
        let hits =
            q.isEmpty
            ? []
            : all.filter {
                $0.displayName.lowercased().contains(q) || $0.legalSurname.lowercased().contains(q) || $0.form.lowercased() == q
                    || $0.upn.lowercased() == q
            }.prefix(100)
        let rows = hits.isEmpty ? [] : try await req.store.pupils(schoolID: u.schoolID, filter: PupilFilter(upns: hits.map(\.upn)))
        let byUPN = Dictionary(rows.map { ($0.upn, $0) }, uniquingKeysWith: { a, _ in a })
        return try await req.render(
            "Pupils/pupils", title: "Pupils", SearchContent(query: q, pupils: hits.compactMap { byUPN[$0.upn] }.map(PupilSummaryDTO.init)))
    }

    func pupil(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.readPupils)
        let upn = req.parameters.get("upn") ?? ""
        guard let p = try await req.store.pupil(schoolID: u.schoolID, upn: upn) else {
            throw Abort(.notFound, reason: "No pupil with UPN \(upn).")
        }
        try u.requireRead(p)
        try await SensitiveAccessLog.record(req, user: u, pupils: [p])
        let flash = req.takeFlash()
        return try await req.render("Pupils/pupil", title: p.displayName, try await PupilPage.load(req, user: u, pupil: p, flash: flash))
    }
}
