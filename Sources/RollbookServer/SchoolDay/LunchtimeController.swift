import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// The lunchtime leave register (seed 004 'Leave during lunch times', `/lunchtime`): the pupils with lunchtime leave
/// in force today, signed out and back at the office; out within the policy's minutes of the start of lunch, back the
/// policy's minutes before its end. Leaving outside the window and a late return are flagged and recorded.
struct LunchtimeController {
    struct PupilLine: Content {
        var upn: String
        var name: String
        var yearGroup: String
        var form: String
        /// The year group's lunch: leave by, back by; nil when the policy gives it no lunch.
        var lunchStart: String?
        var leaveBy: String?
        var backBy: String?
        var out: String?
        var back: String?
        /// `out` (out now), `back`, or `in` (not gone out today).
        var state: String
        /// Flags recorded and, while out, `not_back` once the back-by time passes.
        var flags: [String]
        /// The flags in words.
        var notes: [String]
    }

    struct RegisterDTO: Content {
        var date: String
        var time: String
        /// Whether the policy has a lunchtime leave register (`school_day.lunchtime_leave`).
        var enabled: Bool
        var pupils: [PupilLine]
    }

    static func load(_ req: Request, _ u: StaffUser) async throws -> RegisterDTO {
        try u.require(.amendMarks)
        let now = req.clock.now()
        guard let rule = try await req.store.policy(schoolID: u.schoolID, on: now.date).schoolDay?.lunchtimeLeave else {
            return RegisterDTO(date: now.date.iso, time: now.time.padded, enabled: false, pupils: [])
        }
        let calendar = try await req.store.calendar(schoolID: u.schoolID)
        let permitted = try await req.store.permissions(schoolID: u.schoolID, kind: .lunchtimeLeave).filter {
            $0.value.contains { $0.isValid(on: now.date, calendar: calendar) }
        }
        let rows = try await req.store.pupilRows(ids: Array(permitted.keys)).filter { $0.enrolment.isOnRoll(now.date) }
        let outs = try await req.store.lunchtimeOuts(pupilIDs: rows.compactMap(\.id), date: now.date)
        let lines = rows.map { p -> PupilLine in
            let w = LunchtimeRegister.window(yearGroup: p.yearGroup, policy: rule)
            let o = outs[p.id!]
            var flags = o?.flagList ?? []
            if let o, o.backAt == nil, let out = TimeOfDay(o.outAt) {
                let live = LunchtimeRegister.flags(
                    entry: .init(upn: p.upn, yearGroup: p.yearGroup, out: out), permitted: true, now: now.time, policy: rule)
                flags += live.filter { $0.kind == .notBack }.map(\.kind.rawValue)
            }
            return PupilLine(
                upn: p.upn, name: p.displayName, yearGroup: p.yearGroup, form: p.form, lunchStart: w?.start.padded,
                leaveBy: w?.leaveBy.padded, backBy: w?.backBy.padded, out: o?.outAt, back: o?.backAt,
                state: o == nil ? "in" : o?.backAt == nil ? "out" : "back", flags: flags,
                notes: flags.map { words($0, w: w) })
        }
        return RegisterDTO(date: now.date.iso, time: now.time.padded, enabled: true, pupils: lines)
    }

    static func words(_ flag: String, w: (start: TimeOfDay, leaveBy: TimeOfDay, backBy: TimeOfDay)?) -> String {
        switch LunchtimeRegister.Flag.Kind(rawValue: flag) {
        case .returnedLate: "Late return: due back by \(w?.backBy.padded ?? "the end of lunch")"
        case .notBack: "Not back: due back by \(w?.backBy.padded ?? "the end of lunch")"
        case .leftBeforeLunch: "Left before lunch began at \(w?.start.padded ?? "")"
        case .leftLate: "Left after \(w?.leaveBy.padded ?? "the leaving time")"
        case .noLunchTime: "No lunch time for this year group"
        case .noPermission: "No lunchtime leave permission"
        case nil: flag
        }
    }

    func listAPI(req: Request) async throws -> RegisterDTO {
        try await Self.load(req, try req.auth.require(StaffUser.self))
    }

    struct TimeForm: Content {
        var time: String
    }

    /// The pupil, the rule and the time of an out or back: a pupil with no lunchtime leave in force is refused.
    static func entry(_ req: Request, _ u: StaffUser) async throws -> (PupilRow, SchoolDayPolicy.LunchtimeLeave, TimeOfDay) {
        try u.require(.amendMarks)
        let p = try await req.pupil(u)
        let raw = try req.content.decode(TimeForm.self).time
        guard let t = TimeOfDay(raw) else { throw APIError.invalid("time", "'\(raw)' is not a time in the form HH:MM") }
        let today = req.clock.now().date
        guard let rule = try await req.store.policy(schoolID: u.schoolID, on: today).schoolDay?.lunchtimeLeave else {
            throw APIError.invalid("upn", "the school's policy has no lunchtime leave register (school_day.lunchtime_leave)")
        }
        let calendar = try await req.store.calendar(schoolID: u.schoolID)
        guard
            try await req.store.permissions(pupilID: p.id!).compactMap(\.permission).contains(where: {
                $0.kind == .lunchtimeLeave && $0.isValid(on: today, calendar: calendar)
            })
        else {
            throw APIError.invalid("upn", "\(p.displayName) has no lunchtime leave permission in force today")
        }
        return (p, rule, t)
    }

    func outPage(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        let (p, rule, t) = try await Self.entry(req, u)
        guard LunchtimeRegister.window(yearGroup: p.yearGroup, policy: rule) != nil else {
            throw APIError.invalid("upn", "the policy gives Year \(p.yearGroup) no lunch time")
        }
        let flags = LunchtimeRegister.flags(
            entry: .init(upn: p.upn, yearGroup: p.yearGroup, out: t), permitted: true, now: t, policy: rule
        ).filter { [.leftBeforeLunch, .leftLate].contains($0.kind) }
        try await req.store.lunchtimeOut(pupilID: p.id!, date: req.clock.now().date, at: t, flags: flags.map(\.kind.rawValue), by: u.actor)
        req.session.data["flash"] = "\(p.displayName) out at \(t.padded).\(flags.map { " \($0.reason)" }.joined())"
        return req.redirect(to: "/lunchtime")
    }

    func backPage(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        let (p, rule, t) = try await Self.entry(req, u)
        var late: [LunchtimeRegister.Flag] = []
        try await req.store.lunchtimeBack(
            pupilID: p.id!, date: req.clock.now().date, at: t,
            flags: { row in
                guard let out = TimeOfDay(row.outAt) else { return [] }
                late = LunchtimeRegister.flags(
                    entry: .init(upn: p.upn, yearGroup: p.yearGroup, out: out, back: t), permitted: true, now: t, policy: rule
                ).filter { $0.kind == .returnedLate }
                return late.map(\.kind.rawValue)
            }, by: u.actor)
        req.session.data["flash"] = "\(p.displayName) back at \(t.padded).\(late.map { " \($0.reason)" }.joined())"
        return req.redirect(to: "/lunchtime")
    }

    struct Page: Encodable {
        var register: RegisterDTO
        var flash: String?
    }

    func page(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        return try await req.render(
            "SchoolDay/lunchtime", title: "Lunchtime leave", Page(register: try await Self.load(req, u), flash: req.takeFlash()))
    }
}
