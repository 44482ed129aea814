import Foundation
import LeafKit
import RollbookCore
import RollbookStore
import Vapor

/// The page every template extends: title, the signed-in staff member or parent, the form token, and the page's content.
struct Page<T: Encodable>: Encodable {
    var title: String
    var user: UserContext?
    var parent: ParentContext?
    var csrf: String
    var content: T
    /// The signed-in pupil (their own tracker), when there is no staff member or parent.
    var pupil: Bool = false
}
/// The signed-in staff member, and which of the role-specific pages the header links to.
struct UserContext: Encodable {
    var name: String
    var role: String
    var casework: Bool
    var office: Bool
    var decidesLeave: Bool
}
struct ParentContext: Encodable { var name: String }

/// A code offered in a page's list of absence codes.
struct CodeOption: Encodable {
    var code: String
    var label: String
    init(code: String, label: String) {
        self.code = code
        self.label = label
    }
    init(_ c: AttendanceCode) { self.init(code: c.symbol, label: "\(c.symbol) – \(c.meaning)") }

    /// The options as `<option>` elements, built once: `html(selected:)` marks one selected. Written here, not with
    /// `#for` and `#if(c.code == ...)` in a template, where Leaf's comparisons for every code on every pupil's line
    /// were a third of the register page's instructions.
    struct HTMLList: Sendable {
        let plain: [String]
        let selected: [String: (index: Int, html: String)]
        init(_ options: [CodeOption]) {
            func option(_ o: CodeOption, _ selected: Bool) -> String {
                "<option value=\"\(o.code.htmlEscaped())\"\(selected ? " selected" : "")>\(o.label.htmlEscaped())</option>"
            }
            plain = options.map { option($0, false) }
            selected = Dictionary(
                options.enumerated().map { ($1.code, (index: $0, html: option($1, true))) }, uniquingKeysWith: { a, _ in a })
        }
        func html(selected code: String) -> String {
            guard let s = selected[code] else { return plain.joined() }
            var all = plain
            all[s.index] = s.html
            return all.joined()
        }
    }
}

extension Request {
    /// Renders a page with the signed-in staff member or parent, and the form token.
    func render<T: Encodable>(_ template: String, title: String, _ content: T) async throws -> View {
        let u = auth.get(StaffUser.self)
        let parent = auth.get(ParentUser.self)
        return try await view.render(
            template,
            Page(
                title: title,
                user: u.map {
                    .init(
                        name: $0.name, role: $0.role.title, casework: $0.can(.casework), office: $0.can(.amendMarks),
                        decidesLeave: $0.mayDecideLeave)
                },
                parent: parent.map { .init(name: $0.name) }, csrf: CSRFMiddleware.token(for: self), content: content,
                pupil: u == nil && parent == nil && auth.has(PupilUser.self)))
    }

    /// The one-off message left by the last form, taken (so it shows once).
    func takeFlash() -> String? {
        let f = session.data["flash"]
        session.data["flash"] = nil
        return f
    }

    /// The pupil named by the path's `upn` in the staff member's school, or 404.
    func pupil(_ u: StaffUser) async throws -> PupilRow {
        let upn = parameters.get("upn") ?? ""
        guard let p = try await store.pupil(schoolID: u.schoolID, upn: upn) else {
            throw Abort(.notFound, reason: "No pupil with UPN \(upn).")
        }
        return p
    }
}

/// Orders forms by year then name: R before 1, 2 before 10.
package func formOrder(_ a: String, _ b: String) -> Bool {
    func key(_ s: String) -> (Int, String) {
        let digits = s.prefix { $0.isNumber }
        if let n = Int(digits) { return (n + 10, s) }
        return (s.hasPrefix("R") ? 5 : 0, s)
    }
    return key(a) < key(b)
}

/// A category word for a code, used for colour and text together (never colour alone).
func tone(_ c: AttendanceCode?) -> String {
    guard let c else { return "none" }
    return switch c.statisticalMeaning {
    case .present: c == .late ? "late" : "present"
    case .approvedEducationalActivity: "activity"
    case .authorisedAbsence: "authorised"
    case .unauthorisedAbsence: "unauthorised"
    case .notPossible: "notpossible"
    }
}

/// A rate as the pages show it (`Rates.percent`), or a dash when there is none.
func percent(_ r: Double?) -> String { r.map(Rates.percent) ?? "–" }

/// A form field trimmed, or nil when blank.
func formField(_ s: String?) -> String? {
    guard let t = s?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty else { return nil }
    return t
}

/// The last day whose registers are complete: today once the afternoon register has closed, else the day before.
func figuresThrough(_ now: SchoolNow, policy: Policy) -> LocalDate {
    now.time > policy.register.pm.closes ? now.date : now.date.adding(days: -1)
}

/// A form's morning or afternoon choice (`am`, the default, or `pm`).
func formSession(_ raw: String?, field: String) throws -> Session {
    switch raw ?? "" {
    case "am", "": return .am
    case "pm": return .pm
    default: throw APIError.invalid(field, "choose morning or afternoon")
    }
}
