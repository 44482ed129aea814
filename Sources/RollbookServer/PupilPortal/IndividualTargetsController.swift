import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `POST /pupils/:upn/target`: an individual attendance target (seed 004: pupils with health needs are not shut out
/// of rewards), dated, with the reason and who set it; on the pupil's timeline, and the target the pupil's tracker
/// shows instead of the school's.
struct IndividualTargetsController {
    struct Form: Content {
        var target: String?
        var reason: String?
    }

    func set(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let p = try await req.pupil(u)
        let form = try req.content.decode(Form.self)
        let text = (form.target ?? "").trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "%", with: "")
        guard let percent = Double(text), percent >= 1, percent <= 100 else {
            throw APIError.invalid("target", "give the target as a percentage from 1 to 100, e.g. 90")
        }
        let reason = (form.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 500 else {
            throw APIError.invalid("reason", "say why this pupil has their own target (up to 500 characters)")
        }
        let now = req.clock.now()
        let target = (percent * 10).rounded() / 1000
        try await req.store.addIndividualTarget(
            IndividualTargetRow(pupilID: p.id!, target: target, reason: reason, from: now.date, by: u.actor, at: now.timestamp))
        try await req.store.addCasework(
            CaseworkRow(
                pupilID: p.id!, kind: .note, actionKey: nil, happenedOn: now.date,
                summary: "Individual attendance target set: \(Self.words(target)) from \(now.date.iso)", outcome: reason,
                figure: target, recordedAt: now.timestamp, by: u.actor))
        req.session.data["flash"] = "\(p.displayName)'s own attendance target is now \(Self.words(target))."
        return req.redirect(to: "/pupils/\(p.upn)")
    }

    static func words(_ t: Double) -> String { String(format: "%g%%", (t * 1000).rounded() / 10) }
}
