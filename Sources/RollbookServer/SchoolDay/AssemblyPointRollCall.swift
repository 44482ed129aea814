import Foundation
import RollbookCore
import RollbookStore
import Vapor

extension RollCallController {
    /// The grouping asked for: `form` or `assembly_point`; absent: by assembly point where the policy maps forms to
    /// points, else by form. By assembly point without the policy setting is refused as a conflict with the school's
    /// settings (409), naming it; an unknown grouping is bad input (422).
    static func grouping(_ raw: String?, _ schoolDay: SchoolDayPolicy?) throws -> RollCall.Grouping {
        let points = schoolDay?.assemblyPoints != nil
        let asked = raw.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        guard let asked else { return points ? .assemblyPoint : .form }
        guard let g = RollCall.Grouping(rawValue: asked) else {
            throw APIError.invalid("grouping", "'\(asked)' must be form or assembly_point")
        }
        if g == .assemblyPoint, !points {
            throw APIError(
                .conflict, field: "grouping",
                reason: "the policy sets no school_day.assembly_points, and the admission register records none: group by form")
        }
        return g
    }

    static func hasAssemblyPoints(_ req: Request, _ u: StaffUser) async throws -> Bool {
        try await req.store.policy(schoolID: u.schoolID, on: req.clock.now().date).schoolDay?.assemblyPoints != nil
    }
}

extension OnSiteNow {
    /// The roll call's list: everyone on site, each at their form's assembly point when the policy maps forms to
    /// points, otherwise at their form.
    func rollCallPupils(_ schoolDay: SchoolDayPolicy?) -> [RollCall.Pupil] {
        guard let schoolDay, schoolDay.assemblyPoints != nil else { return rollCallPupils }
        return forms.flatMap { f in
            let point = schoolDay.rollCallPoint(ofForm: f.name)
            return f.pupils.map { RollCall.Pupil(upn: $0.upn, name: $0.name, form: f.name, assemblyPoint: point) }
        }
    }
}
