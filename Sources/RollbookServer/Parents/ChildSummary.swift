import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// A parent's child in a sentence: attendance this year against the school's target, and the policy's band.
struct ChildSummary: Encodable {
    var upn: String
    var name: String
    var forename: String
    var form: String
    var sentence: String
    var band: String?
    var bandTone: String?
    var bandWords: String?

    /// The summary, the counts it is made from, and the policy in force today.
    static func load(_ req: Request, _ p: PupilRow) async throws -> (ChildSummary, SessionCounts, Policy) {
        let today = req.clock.now().date
        let year = AcademicYear(containing: today)
        // Sessions not yet marked (today's registers still to take) are left out, as on Today.
        let c = try await req.store.pupilStatistics(schoolID: p.schoolID, pupil: p, range: DateRange(from: year.range.from, to: today)).0
            .markedOnly
        let policy = try await req.store.policy(schoolID: p.schoolID, on: today)
        let forename = p.preferredForename.isEmpty ? p.legalForename : p.preferredForename
        let target = String(format: "%g%%", (policy.attendanceTarget * 1000).rounded() / 10)
        let sentence =
            c.attendanceRate.map { "\(forename) has attended \(percent($0)) of sessions this year; the school's target is \(target)." }
            ?? "\(forename) has no sessions recorded yet this year; the school's target is \(target)."
        let band = AttendanceBands(bands: policy.bands).band(for: c.attendanceRate)
        let words: String? = band.map { b in
            switch b.tone {
            case "green": "This is good attendance. Thank you."
            case "amber": "This is below the school's target: every day counts. Talk to us if something is making school hard."
            default: "This is a concern: missing this much school harms learning. The school will be in touch to help."
            }
        }
        return (
            ChildSummary(
                upn: p.upn, name: p.displayName, forename: forename, form: p.form, sentence: sentence,
                band: band?.name, bandTone: band?.tone, bandWords: words), c, policy
        )
    }
}

extension Request {
    /// One of the signed-in parent's children, or 404: a child who is not theirs looks exactly like no child at all.
    func ownChild() async throws -> (ParentUser, PupilRow) {
        let u = try auth.require(ParentUser.self)
        let upn = parameters.get("upn") ?? ""
        guard let account = try await store.parent(id: u.id),
            let p = try await store.children(of: account, on: clock.now().date).first(where: { $0.upn == upn })
        else {
            throw Abort(.notFound, reason: "There is no child with that reference on your account.")
        }
        return (u, p)
    }
}
