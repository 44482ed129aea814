import Foundation
import RollbookCore
import RollbookDemo
import RollbookServer
import RollbookStore
import Vapor

/// The servers of `rollbook bench load`, in this process on loopback: the real Rollbook server on the demo secondary
/// (a fresh SQLite file), and a bare Vapor app with one JSON route, the framework's floor. An HTTP load generator
/// (wrk) drives them from outside. The AM registers it submits are past, not yet taken registers: the demo's marks
/// stop before them and the clock stands after them, so the office enters them late (a first entry each), and each
/// later submission of the same register changes some marks (an amendment, with a reason).
public final class LoadBench: @unchecked Sendable {
    /// One AM register: a form on a day, its pupils in register order.
    public struct Register: Sendable {
        public var date: LocalDate
        public var form: String
        public var upns: [String]
        /// `date|form`, as the load generator reports acknowledgements.
        public var key: String { "\(date.iso)|\(form)" }
    }

    public let rollbookPort: Int
    public let barePort: Int
    /// The office account's API token (the office may enter and amend any register after it closes).
    public let token: String
    public let officeEmail: String
    public let pupils: Int
    public let schoolID: Int
    /// The registers to submit, day by day, form by form.
    public let registers: [Register]
    /// The days those registers are on.
    public let days: [LocalDate]
    /// The demo's marks run to this day; the registers are on the school days after it.
    public let seededThrough: LocalDate
    public let clock: FixedClock
    let app: Application
    let bare: Application
    let store: Store
    let inFlight: InFlightCounter

    /// The JSON route of the bare app.
    public static let barePath = "/json"

    init(
        rollbookPort: Int, barePort: Int, token: String, officeEmail: String, pupils: Int, schoolID: Int, registers: [Register],
        days: [LocalDate], seededThrough: LocalDate, clock: FixedClock, app: Application, bare: Application, store: Store,
        inFlight: InFlightCounter
    ) {
        self.rollbookPort = rollbookPort
        self.barePort = barePort
        self.token = token
        self.officeEmail = officeEmail
        self.pupils = pupils
        self.schoolID = schoolID
        self.registers = registers
        self.days = days
        self.seededThrough = seededThrough
        self.clock = clock
        self.app = app
        self.bare = bare
        self.store = store
        self.inFlight = inFlight
    }

    /// The `count` school days of the demo secondary's calendar before `asOf`, oldest first.
    public static func schoolDays(before asOf: LocalDate, count: Int) throws -> [LocalDate] {
        let calendar = SchoolCalendar(entries: Demo.calendar(phase: .secondary))
        var out: [LocalDate] = []
        var d = asOf.adding(days: -1)
        while out.count < count {
            guard d > Demo.firstDay else {
                throw Abort(
                    .internalServerError,
                    reason: "there are not \(count) school days between the demo's first day \(Demo.firstDay) and \(asOf)")
            }
            if calendar.isSchoolDay(d) { out.append(d) }
            d = d.adding(days: -1)
        }
        return out.reversed()
    }

    /// Creates the demo secondary in `database` (which must be empty) with its marks up to the school day before the
    /// `days` school days before `asOf`, a token for the office account, and starts both servers on free loopback ports.
    public static func start(database: DatabaseLocation, asOf: LocalDate, days count: Int) async throws -> LoadBench {
        let days = try schoolDays(before: asOf, count: count)
        let demoCalendar = SchoolCalendar(entries: Demo.calendar(phase: .secondary))
        var through = days[0].adding(days: -1)
        while !demoCalendar.isSchoolDay(through) { through = through.adding(days: -1) }
        let clock = FixedClock(date: asOf, time: TimeOfDay(hour: 10, minute: 0)!)

        let app = try await Application.make(Environment(name: "production", arguments: ["rollbook"]))
        app.logger.logLevel = .warning
        let bare: Application
        do {
            try await configure(app, ServerOptions(database: database, clock: clock, bcryptCost: 4))
            let store = Store(db: app.db)
            guard try await store.isEmpty() else { throw Abort(.internalServerError, reason: "the database \(database) is not empty") }
            let (schoolID, pupils) = try await DemoSeeder.seed(
                store: store, options: DemoOptions(phase: .secondary, through: through),
                bcryptCost: 4, now: clock.now().timestamp)
            guard let office = try await store.staff(schoolID: schoolID).first(where: { $0.staffRole == .office }) else {
                throw Abort(.internalServerError, reason: "the demo school has no office account")
            }
            let token = try await createAPIToken(store: store, email: office.email, now: clock.now().timestamp)

            // The registers, from the database: each form's pupils on roll that day whose year group has the AM session open.
            let calendar = try await store.calendar(schoolID: schoolID)
            var registers: [Register] = []
            for day in days {
                let roll = try await store.pupils(schoolID: schoolID, filter: PupilFilter(onRollDuring: DateRange(from: day, to: day)))
                let open = roll.filter { calendar.isOpen(day, .am, yearGroup: $0.yearGroup) }
                for (form, ps) in Dictionary(grouping: open, by: \.form).sorted(by: { formOrder($0.key, $1.key) }) {
                    let sorted = ps.sorted { ($0.legalSurname, $0.legalForename) < ($1.legalSurname, $1.legalForename) }
                    registers.append(Register(date: day, form: form, upns: sorted.map(\.upn)))
                }
            }
            guard !registers.isEmpty else {
                throw Abort(.internalServerError, reason: "no AM register open on \(days.first!)...\(days.last!)")
            }

            // Counts the requests being answered, so that the run can wait for those still in flight when wrk stops.
            let inFlight = InFlightCounter()
            app.middleware.use(inFlight)
            try await app.asyncBoot()
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            guard let rollbookPort = app.http.server.shared.localAddress?.port else {
                throw Abort(.internalServerError, reason: "Rollbook's server has no port")
            }

            // The framework's floor: a bare Vapor app (default middleware), one route answering a small JSON body.
            bare = try await Application.make(Environment(name: "production", arguments: ["bare"]))
            bare.logger.logLevel = .warning
            do {
                bare.get("json") { _ async -> BareJSON in BareJSON(ok: true) }
                try await bare.asyncBoot()
                try await bare.server.start(address: .hostname("127.0.0.1", port: 0))
                guard let barePort = bare.http.server.shared.localAddress?.port else {
                    throw Abort(.internalServerError, reason: "the bare server has no port")
                }
                return LoadBench(
                    rollbookPort: rollbookPort, barePort: barePort, token: token, officeEmail: office.email, pupils: pupils,
                    schoolID: schoolID, registers: registers, days: days, seededThrough: through, clock: clock,
                    app: app, bare: bare, store: store, inFlight: inFlight)
            } catch {
                await bare.server.shutdown()
                try? await bare.asyncShutdown()
                throw error
            }
        } catch {
            await app.server.shutdown()
            try? await app.asyncShutdown()
            throw error
        }
    }

    /// Waits until Rollbook has answered every request it received (wrk stops with requests in flight; the server
    /// goes on with them). Returns how many requests Rollbook had answered in all, including non-2xx ones.
    public func drain(timeout: TimeInterval = 120) async throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while inFlight.current > 0 {
            guard Date() < deadline else {
                throw Abort(.internalServerError, reason: "\(inFlight.current) requests still in flight after \(Int(timeout)) s")
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        return inFlight.answered
    }

    /// Stops both servers, after waiting for Rollbook's requests in flight.
    public func shutdown() async {
        _ = try? await drain()
        await bare.server.shutdown()
        try? await bare.asyncShutdown()
        await app.server.shutdown()
        try? await app.asyncShutdown()
    }

    /// The code patterns the submissions cycle through: three in four present, one late (an arrival time, so the
    /// server derives L and the minutes late), three absences (N, I, M). Pupil `i` of register `r` in variant `v` gets
    /// `pattern[(i + 7r + v) % 16]`: consecutive variants of a register differ for about half its pupils.
    static let pattern: [String] = ["/", "/", "/", "N", "/", "/", "/", "late", "/", "/", "/", "I", "/", "/", "/", "M"]
    public static var variants: Int { pattern.count }
    /// After the AM late mark (8:40) and before the close (9:10) in the demo secondary: L, 12 minutes late.
    static let lateArrival = "08:52"
    /// Sent with every mark: needed when a mark is changed after the register has closed, kept as the mark's note.
    public static let reason = "entered from the paper register"

    /// One request a line, `register<TAB>variant<TAB>path<TAB>JSON body`, for every register and every variant.
    public func requestLines() throws -> [String] {
        let enc = JSONEncoder()
        enc.keyEncodingStrategy = .convertToSnakeCase
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var lines: [String] = []
        lines.reserveCapacity(registers.count * Self.variants)
        for (r, reg) in registers.enumerated() {
            let path = "/api/v1/registers/\(reg.date.iso)/AM"
            for v in 0..<Self.variants {
                let marks = reg.upns.enumerated().map { i, upn -> RegisterBody.Mark in
                    let code = Self.pattern[(i + 7 * r + v) % Self.pattern.count]
                    return code == "late"
                        ? RegisterBody.Mark(upn: upn, code: nil, arrivalTime: Self.lateArrival, reason: Self.reason)
                        : RegisterBody.Mark(upn: upn, code: code, arrivalTime: nil, reason: Self.reason)
                }
                let body = String(decoding: try enc.encode(RegisterBody(form: reg.form, marks: marks)), as: UTF8.self)
                lines.append("\(r)\t\(v)\t\(path)\t\(body)")
            }
        }
        return lines
    }

    /// GET paths of the registers (a read-only warm-up).
    public func registerPaths() -> [String] {
        registers.map {
            "/api/v1/registers/\($0.date.iso)/AM?form=\($0.form.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.form)"
        }
    }

    /// The write transaction alone, for the reading of the figures: the first `count` registers' PM sessions entered
    /// one after another straight through the store (no HTTP, no validation, no reading back), every pupil present.
    /// Seconds, one per register. Run it after the load: it writes PM marks, which the checks do not count.
    public func timeWriteTransactions(count: Int) async throws -> [Double] {
        let actor = Actor(name: "Olu Office", position: "Attendance officer")
        var out: [Double] = []
        for reg in registers.prefix(count) {
            let ids = try await store.pupils(schoolID: schoolID, filter: PupilFilter(upns: reg.upns)).compactMap(\.id)
            let writes = ids.map { MarkWrite(pupilID: $0, mark: Mark(date: reg.date, session: .pm, code: .presentPM), reason: nil) }
            let start = Date()
            _ = try await store.record(writes, by: actor, at: clock.now().timestamp)
            out.append(Date().timeIntervalSince(start))
        }
        return out
    }

    /// AM marks in the database per register (`date|form`), over the registers' days: one grouped SQL count.
    public func markCounts() async throws -> [String: Int] {
        try await store.amMarkCountsByRegister(schoolID: schoolID, range: DateRange(from: days.first!, to: days.last!))
    }

    /// AM amendment records over the registers' days.
    public func amendmentCount() async throws -> Int {
        try await store.amAmendmentCount(schoolID: schoolID, range: DateRange(from: days.first!, to: days.last!))
    }
}

/// Requests being answered and answered so far, whatever the outcome.
final class InFlightCounter: AsyncMiddleware, @unchecked Sendable {
    private let lock = NSLock()
    private var running = 0
    private var done = 0
    var current: Int { lock.withLock { running } }
    var answered: Int { lock.withLock { done } }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        lock.withLock { running += 1 }
        defer {
            lock.withLock {
                running -= 1
                done += 1
            }
        }
        return try await next.respond(to: request)
    }
}

/// The body of `POST /api/v1/registers/{date}/{session}` as a client sends it (openapi.json, SubmitRegister).
struct RegisterBody: Encodable {
    struct Mark: Encodable {
        var upn: String
        var code: String?
        var arrivalTime: String?
        var reason: String?
    }
    var form: String
    var marks: [Mark]
}

struct BareJSON: Content {
    var ok: Bool
}
