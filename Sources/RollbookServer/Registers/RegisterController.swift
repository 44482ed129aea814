import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/registers/:date/:session`: taking and amending a form's register.
struct RegisterController {
    func registerPage(_ req: Request, date: LocalDate, session: Session, form: String, saved: String?, error: String?) async throws -> View
    {
        let u = try req.auth.require(StaffUser.self)
        return try await req.render(
            "Registers/register", title: "Register \(form) \(session.rawValue)",
            try await RegisterPage.load(req, user: u, date: date, session: session, form: form, saved: saved, error: error))
    }

    func register(req: Request) async throws -> View {
        let (d, s) = try req.dateAndSession()
        return try await registerPage(req, date: d, session: s, form: req.query[String.self, at: "form"] ?? "", saved: nil, error: nil)
    }

    func saveRegister(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.takeRegister)
        let (d, s) = try req.dateAndSession()
        let fields = try req.content.decode([String: String].self)
        let form = fields["form"] ?? ""
        // The page starts each pupil at their current mark: sending it back unchanged is not a change.
        let current = try await Registers(req: req, user: u).load(date: d, session: s, form: form.isEmpty ? nil : form, yearGroup: nil)
        let currentCode = Dictionary(current.pupils.compactMap { l in l.code.map { (l.upn, $0) } }, uniquingKeysWith: { a, _ in a })
        let reason = fields["reason"].flatMap { $0.isEmpty ? nil : $0 }
        var marks: [SubmittedMark] = []
        // Each pupil has a present/late choice (mark_UPN) and an absence code (code_UPN); the code wins.
        var chosen: [String: String] = [:]
        for (k, v) in fields where !v.isEmpty {
            if k.hasPrefix("mark_") { chosen[String(k.dropFirst(5)), default: v] = chosen[String(k.dropFirst(5))] ?? v }
            if k.hasPrefix("code_") { chosen[String(k.dropFirst(5))] = v }
        }
        var kept = 0
        for (upn, v) in chosen.sorted(by: { $0.key < $1.key }) {
            let arrival = fields["arrival_\(upn)"].flatMap { $0.isEmpty ? nil : $0 }
            let same =
                switch v {
                case "present": currentCode[upn] == (s == .am ? "/" : "\\")
                case "late": arrival == nil && currentCode[upn] == "L"
                default: currentCode[upn] == v
                }
            if same {
                kept += 1
                continue
            }
            if v == "late" {
                marks.append(
                    SubmittedMark(upn: upn, code: arrival == nil ? "L" : nil, arrivalTime: arrival, minutesLate: nil, reason: reason))
            } else {
                let code = v == "present" ? (s == .am ? "/" : "\\") : v
                marks.append(SubmittedMark(upn: upn, code: code, arrivalTime: nil, minutesLate: nil, reason: reason))
            }
        }
        do {
            guard !marks.isEmpty || kept > 0 else { throw APIError.invalid("marks", "choose a mark for at least one pupil") }
            var (created, amended, unchanged) = (0, 0, kept)
            if !marks.isEmpty {
                let r = try await Registers(req: req, user: u).submit(
                    date: d, session: s, body: SubmitRegisterDTO(form: form.isEmpty ? nil : form, yearGroup: nil, marks: marks))
                created = r.created
                amended = r.amended
                unchanged += r.unchanged
            }
            let msg = "Saved: \(created) new, \(amended) changed, \(unchanged) unchanged."
            return try await registerPage(req, date: d, session: s, form: form, saved: msg, error: nil).encodeResponse(for: req)
        } catch let e as APIError {
            let v = try await registerPage(
                req, date: d, session: s, form: form, saved: nil, error: "\(e.field.map { "\($0): " } ?? "")\(e.reason). Nothing was saved."
            )
            let r = try await v.encodeResponse(for: req)
            r.status = e.status
            return r
        }
    }
}
