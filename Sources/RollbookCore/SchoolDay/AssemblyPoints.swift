import Foundation

extension SchoolDayPolicy {
    /// An evacuation assembly point and the forms that gather there (`school_day.assembly_points`): the admission
    /// register records no assembly point, so the policy maps forms to points and the roll call is grouped by them.
    public struct AssemblyPoint: Sendable, Hashable, Codable {
        public var name: String
        public var forms: [String]
        public init(name: String, forms: [String]) {
            self.name = name
            self.forms = forms
        }

        /// Each point named once, with at least one form, and each form at one point only.
        static func validate(_ points: [AssemblyPoint]) throws(ValidationError) {
            func fail(_ path: String, _ reason: String) -> ValidationError {
                ValidationError(field: "school_day.assembly_points\(path)", reason: reason)
            }
            guard !points.isEmpty else { throw fail("", "must name at least one assembly point, or be left out") }
            var names: Set<String> = []
            var at: [String: String] = [:]
            for (i, p) in points.enumerated() {
                let name = p.name.trimmingCharacters(in: .whitespaces)
                guard (1...60).contains(name.count) else { throw fail("[\(i)].name", "must be 1 to 60 characters") }
                guard names.insert(name.lowercased()).inserted else { throw fail("[\(i)].name", "'\(name)' is named twice") }
                guard !p.forms.isEmpty else { throw fail("[\(i)].forms", "must list at least one form") }
                for (j, f) in p.forms.enumerated() {
                    guard (1...20).contains(f.count) else { throw fail("[\(i)].forms[\(j)]", "must be a form's name, 1 to 20 characters") }
                    if let other = at[f] { throw fail("[\(i)].forms[\(j)]", "'\(f)' gathers at '\(other)' already") }
                    at[f] = name
                }
            }
        }
    }

    /// The assembly point of a pupil in `form`, if the policy gives one.
    public func assemblyPoint(ofForm form: String) -> String? {
        assemblyPoints?.first { $0.forms.contains(form) }?.name
    }

    /// What a roll call groups a pupil of `form` under: their form's assembly point, or, for a form the policy leaves
    /// out, a group saying so (so nobody is silently put at a point).
    public func rollCallPoint(ofForm form: String) -> String {
        assemblyPoint(ofForm: form) ?? "No assembly point set (\(form.isEmpty ? "no form" : form))"
    }
}
