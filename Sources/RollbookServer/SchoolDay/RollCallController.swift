import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Who is on site now (`/on-site`) and evacuation roll calls (`/roll-calls`, seed 004 / issue 17). The office, the
/// attendance lead and the head start a roll call from the on-site list and close it; anyone who takes registers
/// ticks pupils off from their phone. Ticks merge with `RollCall`, so phones that tick the same pupil, or send ticks
/// queued while offline, agree.
struct RollCallController {
    // MARK: JSON

    struct PupilDTO: Content {
        var upn: String
        var name: String
        var form: String
    }

    /// One form on the on-site page.
    struct OnSiteForm: Encodable {
        var form: String
        var count: Int
        var pupils: [PupilDTO]
    }

    struct RollCallDTO: Content {
        struct Section: Content {
            var name: String
            var unaccounted: [PupilDTO]
            var accounted: [PupilDTO]
        }
        var id: Int
        var date: String
        var startedAt: String
        var startedBy: String
        var grouping: String
        var closed: Bool
        var closedAt: String?
        var closedBy: String?
        var pupils: Int
        var accounted: Int
        /// Everyone not yet accounted for (at closing: who was not), by form then name.
        var unaccounted: [PupilDTO]
        var sections: [Section]
    }

    struct RollCallsDTO: Content {
        var rollCalls: [RollCallDTO]
    }

    struct TicksDTO: Content {
        struct Tick: Content {
            var upn: String
            var accounted: Bool
        }
        /// The phone or browser sending them (any short name; each phone its own).
        var device: String
        var ticks: [Tick]
    }

    struct StartDTO: Content {
        var grouping: String?
    }

    static func dto(_ p: RollCall.Pupil) -> PupilDTO { PupilDTO(upn: p.upn, name: p.name, form: p.form) }

    /// A stored roll call with its ticks merged.
    struct Loaded {
        var row: RollCallRow
        var call: RollCall
        var grouping: RollCall.Grouping

        var dto: RollCallDTO {
            let record = try? row.record()
            let unaccounted = call.unaccounted
            return RollCallDTO(
                id: row.id ?? 0, date: row.date, startedAt: row.startedAt, startedBy: row.startedBy, grouping: grouping.rawValue,
                closed: row.closedAt != nil, closedAt: row.closedAt, closedBy: row.closedBy, pupils: call.pupils.count,
                accounted: record?.accounted ?? call.pupils.count - unaccounted.count, unaccounted: unaccounted.map(RollCallController.dto),
                sections: call.sections(by: grouping).map {
                    .init(
                        name: $0.name.isEmpty ? "No form" : $0.name, unaccounted: $0.unaccounted.map(RollCallController.dto),
                        accounted: $0.accounted.map(RollCallController.dto))
                })
        }
    }

    static func load(_ req: Request, _ u: StaffUser) async throws -> Loaded {
        let raw = req.parameters.get("id") ?? ""
        guard let id = Int(raw), id > 0, id <= Int(Int32.max), let row = try await req.store.rollCall(schoolID: u.schoolID, id: id) else {
            throw APIError(.notFound, field: "id", reason: "no roll call '\(raw)' in this school")
        }
        var call = RollCall(pupils: try row.pupilList())
        // Stored ticks were checked when taken; a closed roll call merges them before it is marked closed.
        try? call.merge(try await req.store.rollCallTicks(id: id))
        return Loaded(row: row, call: call, grouping: RollCall.Grouping(rawValue: row.grouping) ?? .form)
    }

    func onSite(req: Request) async throws -> OnSiteNow {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        return try await OnSiteNow.load(store: req.store, schoolID: u.schoolID, now: req.clock.now())
    }

    /// The `OnSite` schema of openapi.json, written without `Codable`, which was the largest single cost of the answer.
    func onSiteAPI(req: Request) async throws -> Response {
        let now = try await onSite(req: req)
        var json = JSONBody(capacity: 64 * now.total + 512)
        json.raw(#"{"date":"#)
        json.string(now.date.iso)
        json.raw(#","time":"#)
        json.string(now.time.padded)
        json.raw(#","total":"#)
        json.int(now.total)
        json.raw(#","not_counted":"#)
        json.string(OnSiteNow.notCounted)
        json.raw(#","forms":"#)
        json.array(now.forms) { json, f in
            json.raw(#"{"form":"#)
            json.string(f.name)
            json.raw(#","count":"#)
            json.int(f.pupils.count)
            json.raw(#","pupils":"#)
            json.array(f.pupils) { json, p in
                json.raw(#"{"upn":"#)
                json.string(p.upn)
                json.raw(#","name":"#)
                json.string(p.name)
                json.raw(#","form":"#)
                json.string(p.form)
                json.raw("}")
            }
            json.raw("}")
        }
        json.raw("}")
        return json.response()
    }

    /// Starts a roll call of everyone on site now.
    func start(_ req: Request, _ u: StaffUser, grouping raw: String?) async throws -> RollCallRow {
        try u.require(.amendMarks)
        let now = req.clock.now()
        // The admission register has no assembly point: the policy's `school_day.assembly_points` maps forms to points.
        let schoolDay = try await req.store.policy(schoolID: u.schoolID, on: now.date).schoolDay
        let grouping = try Self.grouping(raw, schoolDay)
        let onSite = try await OnSiteNow.load(store: req.store, schoolID: u.schoolID, now: now)
        return try await req.store.startRollCall(
            schoolID: u.schoolID, date: now.date, grouping: grouping, pupils: onSite.rollCallPupils(schoolDay), by: u.actor,
            at: now.timestamp)
    }

    func startAPI(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let body = (req.body.data?.readableBytes ?? 0) > 0 ? try req.content.decode(StartDTO.self) : StartDTO()
        let row = try await start(req, u, grouping: body.grouping)
        let r = Response(status: .created)
        try r.content.encode(
            Loaded(row: row, call: RollCall(pupils: try row.pupilList()), grouping: RollCall.Grouping(rawValue: row.grouping) ?? .form).dto)
        return r
    }

    func listAPI(req: Request) async throws -> RollCallsDTO {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.takeRegister)
        var out: [RollCallDTO] = []
        for row in try await req.store.rollCalls(schoolID: u.schoolID) {
            var call = RollCall(pupils: try row.pupilList())
            try? call.merge(try await req.store.rollCallTicks(id: row.id!))
            out.append(Loaded(row: row, call: call, grouping: RollCall.Grouping(rawValue: row.grouping) ?? .form).dto)
        }
        return RollCallsDTO(rollCalls: out)
    }

    func getAPI(req: Request) async throws -> RollCallDTO {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.takeRegister)
        return try await Self.load(req, u).dto
    }

    /// Checks and stores ticks: every UPN must be on the roll call, the roll call open. All or nothing.
    func tick(_ req: Request, _ u: StaffUser, _ loaded: Loaded, _ body: TicksDTO) async throws -> RollCallDTO {
        try u.require(.takeRegister)
        let device = body.device.trimmingCharacters(in: .whitespacesAndNewlines)
        // Counted in code points, as the API document's maxLength is.
        guard !device.isEmpty, body.device.unicodeScalars.count <= 100 else {
            throw APIError.invalid("device", "name the device in 1 to 100 characters")
        }
        guard !body.ticks.isEmpty, body.ticks.count <= 5000 else { throw APIError.invalid("ticks", "send 1 to 5000 ticks") }
        if let closed = loaded.row.closedAt {
            throw APIError(.conflict, field: "id", reason: "the roll call was closed at \(closed) by \(loaded.row.closedBy ?? "")")
        }
        for (i, t) in body.ticks.enumerated() where !loaded.call.pupils.contains(where: { $0.upn == t.upn }) {
            throw APIError.invalid("ticks[\(i)].upn", "\(t.upn) is not on this roll call")
        }
        let now = req.clock.now()
        let started = ISO8601DateFormatter().date(from: loaded.row.startedAt) ?? now.instant
        let ms = max(0, Int(now.instant.timeIntervalSince(started) * 1000))
        let by = "\(u.name), \(u.position)"
        do {
            try await req.store.addRollCallTicks(
                id: loaded.row.id!, body.ticks.map { RollCall.Tick(upn: $0.upn, accounted: $0.accounted, device: device, at: 0, by: by) },
                at: ms)
        } catch let e as RollCallClosed {
            throw APIError(.conflict, field: "id", reason: "the roll call was closed at \(e.closedAt) by \(e.closedBy)")
        }
        return try await Self.load(req, u).dto
    }

    func tickAPI(req: Request) async throws -> RollCallDTO {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.takeRegister)
        let loaded = try await Self.load(req, u)
        return try await tick(req, u, loaded, try req.content.decode(TicksDTO.self))
    }

    /// Closes the roll call, recording who, when, and who was still unaccounted for.
    func close(_ req: Request, _ u: StaffUser) async throws -> RollCallDTO {
        try u.require(.amendMarks)
        let loaded = try await Self.load(req, u)
        let at = req.clock.now().timestamp
        let by = "\(u.name), \(u.position)"
        do {
            try await req.store.closeRollCall(id: loaded.row.id!) { pupils, ticks in
                var call = RollCall(pupils: pupils)
                try call.merge(ticks)
                return try call.close(at: at, by: by)
            }
        } catch let e as RollCallClosed {
            throw APIError(.conflict, field: "id", reason: "the roll call was closed already at \(e.closedAt) by \(e.closedBy)")
        }
        return try await Self.load(req, u).dto
    }

    func closeAPI(req: Request) async throws -> RollCallDTO {
        try await close(req, try req.auth.require(StaffUser.self))
    }

    // MARK: Pages

    struct OnSitePage: Encodable {
        var date: String
        var time: String
        var total: Int
        var notCounted: String
        var forms: [OnSiteForm]
        var mayStart: Bool
        var flash: String?
        /// The policy maps forms to assembly points: the roll call may be grouped by them.
        var assemblyPoints = false
    }

    func onSitePage(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        let d = try await onSite(req: req)
        return try await req.render(
            "SchoolDay/on-site", title: "On site now",
            OnSitePage(
                date: d.date.iso, time: d.time.padded, total: d.total, notCounted: OnSiteNow.notCounted,
                forms: d.forms.map {
                    .init(
                        form: $0.name.isEmpty ? "No form" : $0.name, count: $0.pupils.count,
                        pupils: $0.pupils.map { PupilDTO(upn: $0.upn, name: $0.name, form: $0.form) })
                },
                mayStart: (try? u.require(.amendMarks)) != nil, flash: req.takeFlash(),
                assemblyPoints: try await Self.hasAssemblyPoints(req, u)))
    }

    struct StartForm: Content {
        var grouping: String?
    }

    func startPage(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        let row = try await start(req, u, grouping: try req.content.decode(StartForm.self).grouping)
        req.session.data["flash"] = "Roll call started: \(try row.pupilList().count) pupils on site. Tick each one off as you find them."
        return req.redirect(to: "/roll-calls/\(row.id!)")
    }

    struct ListPage: Encodable {
        var rollCalls: [RollCallDTO]
        var mayStart: Bool
        var assemblyPoints = false
    }

    func listPage(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        let list = try await listAPI(req: req)
        return try await req.render(
            "SchoolDay/roll-calls", title: "Roll calls",
            ListPage(
                rollCalls: list.rollCalls, mayStart: (try? u.require(.amendMarks)) != nil,
                assemblyPoints: try await Self.hasAssemblyPoints(req, u)))
    }

    struct RollCallPage: Encodable {
        var call: RollCallDTO
        var mayClose: Bool
        var print: Bool
        var flash: String?
        var error: String?
        var notCounted: String
    }

    func page(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.takeRegister)
        let call = try await Self.load(req, u).dto
        return try await req.render(
            "SchoolDay/roll-call", title: "Roll call",
            RollCallPage(
                call: call, mayClose: (try? u.require(.amendMarks)) != nil, print: req.query[String.self, at: "print"] == "1",
                flash: req.takeFlash(), error: nil, notCounted: OnSiteNow.notCounted))
    }

    /// The page's live state for its script (polled every few seconds).
    func state(req: Request) async throws -> RollCallDTO {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.takeRegister)
        return try await Self.load(req, u).dto
    }

    struct TickForm: Content {
        var upn: String?
        var accounted: String?
        var device: String?
    }

    /// A tick from the page: the script sends JSON (`device`, `ticks`) and reads JSON back, errors included; without
    /// the script, a form with one `upn` and `accounted` (1 or 0) and back to the page.
    func tickPage(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.takeRegister)
        let loaded = try await Self.load(req, u)
        if req.headers.contentType == .json {
            do {
                return try await tick(req, u, loaded, try req.content.decode(TicksDTO.self)).encodeResponse(for: req)
            } catch let e as APIError {
                let r = Response(status: e.status)
                try r.content.encode(ErrorBody(error: .init(status: Int(e.status.code), field: e.field, reason: e.reason)))
                return r
            }
        }
        let form = try req.content.decode(TickForm.self)
        guard let upn = form.upn, !upn.isEmpty else { throw APIError.invalid("upn", "choose the pupil to tick") }
        let accounted: Bool
        switch form.accounted ?? "1" {
        case "1": accounted = true
        case "0": accounted = false
        default: throw APIError.invalid("accounted", "'\(form.accounted ?? "")' must be 1 (accounted for) or 0 (taken back)")
        }
        let device = form.device.flatMap { $0.isEmpty ? nil : $0 } ?? "web"
        _ = try await tick(req, u, loaded, TicksDTO(device: device, ticks: [.init(upn: upn, accounted: accounted)]))
        return req.redirect(to: "/roll-calls/\(req.parameters.get("id") ?? "")")
    }

    func closePage(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        let d = try await close(req, u)
        req.session.data["flash"] =
            "Roll call closed: \(d.accounted) of \(d.pupils) accounted for"
            + (d.unaccounted.isEmpty ? "." : "; not accounted for: \(d.unaccounted.map(\.name).joined(separator: ", ")).")
        return req.redirect(to: "/roll-calls/\(d.id)")
    }
}
