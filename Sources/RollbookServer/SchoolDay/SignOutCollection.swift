import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Signing a pupil out checks who takes them (seed 003: the contact list, adults only, walking home alone in the year
/// groups with a letter, one-off collections) when the policy sets `school_day.collection`: not allowed is refused
/// (422 naming `collector`) or, under `not_allowed: warn`, recorded with the warning.
enum SignOutCollection {
    static let walkingAlone = "walking alone"

    struct Checked {
        /// Who took the pupil, as recorded; nil when none was named.
        var collector: String?
        /// Nil when the policy has no `school_day.collection`.
        var result: SignOutCheck?
    }

    static func check(
        _ req: Request, _ u: StaffUser, pupil p: PupilRow, form: PupilSignOutController.SignOutForm, at time: TimeOfDay
    ) async throws -> Checked {
        func trimmed(_ s: String?) -> String? {
            let t = (s ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            return t.isEmpty ? nil : t
        }
        let name = trimmed(form.collector)
        if let name, name.count > 100 { throw APIError.invalid("collector", "name who collects in 1 to 100 characters") }
        var age: Int? = nil
        if let raw = trimmed(form.age) {
            guard let a = Int(raw), (1...120).contains(a) else { throw APIError.invalid("age", "'\(raw)' is not an age in years") }
            age = a
        }
        let sibling = trimmed(form.sibling)
        let today = req.clock.now().date
        guard let rule = try await req.store.policy(schoolID: u.schoolID, on: today).schoolDay?.collection else {
            return Checked(collector: name, result: nil)
        }
        guard let name else {
            throw APIError.invalid("collector", "name who is collecting the pupil (a contact, a named person) or '\(walkingAlone)'")
        }
        let alone = name.lowercased() == walkingAlone
        let collector = Collector(
            alone: alone, name: alone ? "" : name, age: age, siblingUPN: sibling,
            photoIDSeen: ["on", "true", "yes"].contains((form.photoid ?? "").lowercased()))
        let record = p.record(contacts: try await req.store.contacts(pupilID: p.id!))
        let permissions = try await req.store.permissions(pupilID: p.id!).compactMap(\.permission)
        let result = SignOutCheck.check(
            pupil: record, permissions: permissions, collector: collector, on: today, at: time,
            calendar: try await req.store.calendar(schoolID: u.schoolID), policy: rule)
        if result.decision == .refuse { throw APIError.invalid("collector", result.reason) }
        return Checked(collector: alone ? walkingAlone : name, result: result)
    }
}
