import Foundation
import RollbookCore
import RollbookDemo
import RollbookServer
import RollbookStore
import Vapor

/// `rollbook bench school-day`: the demo secondary with a 6-period day of teaching sets, the registration at P1 and
/// the "in school, not in lesson" alert. Every request goes through the whole responder (auth, routing, queries,
/// JSON) in this process, with no network in between; the clock is moved through the day by hand.
public enum SchoolDayBench {
    /// Seconds, one per request or run.
    public struct Series: Sendable {
        public var label: String
        public var runs: [Double]
        /// The `q` quantile (nearest rank) in milliseconds.
        public func ms(_ q: Double) -> Double {
            let s = runs.sorted()
            guard !s.isEmpty else { return 0 }
            return s[min(s.count - 1, max(0, Int((Double(s.count) * q).rounded(.up)) - 1))] * 1000
        }
    }

    public struct Report: Sendable {
        public var pupils: Int
        public var sets: Int
        public var setSize: Double
        public var day: LocalDate
        public var alerts: Int
        public var onSite: Int
        public var bare: Series
        public var amRegisters: Series
        public var amPupils: Double
        public var p1: Series
        public var p3: Series
        /// The P4 registers, spread evenly over `spread` seconds.
        public var p4: Series
        public var spread: Double
        public var scanFirst: Double
        public var scan: Series
        public var scanKernel: Series
        public var onSiteView: Series
        public var bareSequential: Series
    }

    static let periods = [
        ("P1", "08:30", "09:30"), ("P2", "09:30", "10:30"), ("P3", "10:45", "11:45"), ("P4", "11:45", "12:45"),
        ("P5", "13:30", "14:30"), ("P6", "14:30", "15:30"),
    ]

    /// Creates the demo secondary in `database` (empty) with marks to the school day before `day`, replaces its
    /// timetable from `day` by `sets` teaching sets (the roll in year and form order, cut into equal sets) taught in
    /// each of 6 periods, and measures.
    public static func run(database: DatabaseLocation, day: LocalDate, sets: Int, runs: Int, spread: Double) async throws -> Report {
        let calendar0 = SchoolCalendar(entries: Demo.calendar(phase: .secondary))
        guard calendar0.isSchoolDay(day) else { throw Abort(.badRequest, reason: "\(day) is not a school day of the demo secondary") }
        var through = day.adding(days: -1)
        while !calendar0.isSchoolDay(through) { through = through.adding(days: -1) }
        var before = through.adding(days: -1)
        while !calendar0.isSchoolDay(before) { before = before.adding(days: -1) }
        let clock = SettableClock(date: day, time: TimeOfDay(hour: 8, minute: 0)!)
        let app = try await Application.make(Environment(name: "production", arguments: ["rollbook"]))
        app.logger.logLevel = .warning
        do {
            try await configure(app, ServerOptions(database: database, clock: clock, bcryptCost: 4))
            let store = Store(db: app.db)
            let (schoolID, pupils) = try await DemoSeeder.seed(
                store: store, options: DemoOptions(phase: .secondary, through: through), bcryptCost: 4, now: clock.now().timestamp)
            // The framework's floor in the same app: one route answering a small JSON body, no database.
            app.get("bench-bare") { _ async -> BareJSON in BareJSON(ok: true) }

            let calendar = try await store.calendar(schoolID: schoolID)
            let roll = try await store.pupils(schoolID: schoolID, filter: PupilFilter(onRollDuring: DateRange(from: day, to: day)))
                .filter { calendar.isOpen(day, .am, yearGroup: $0.yearGroup) }
                .sorted { ($0.yearGroup, $0.form, $0.legalSurname, $0.upn) < ($1.yearGroup, $1.form, $1.legalSurname, $1.upn) }
            let size = Int((Double(roll.count) / Double(sets)).rounded(.up))
            let groups = stride(from: 0, to: roll.count, by: size).enumerated().map { i, from in
                TeachingGroup(
                    id: String(format: "S%02d", i + 1), kind: .set, pupils: roll[from..<min(roll.count, from + size)].map(\.upn))
            }
            let timetable = Timetable(
                effectiveFrom: day, cycleStart: day, cycleDays: 1,
                periods: periods.map { TimetablePeriod(cycleDay: 1, id: $0.0, start: TimeOfDay($0.1)!, end: TimeOfDay($0.2)!) },
                groups: groups,
                lessons: periods.flatMap { p in
                    groups.map {
                        TimetabledLesson(cycleDay: 1, period: p.0, group: $0.id, teacher: "teacher.\($0.id.lowercased())", room: $0.id)
                    }
                })
            let actor = Actor(name: "Bench", position: "Rollbook")
            _ = try await store.saveTimetable(schoolID: schoolID, timetable, filename: "bench.csv", by: actor, at: clock.now().timestamp)
            var policy = try await store.policy(schoolID: schoolID, on: day)
            policy.effectiveFrom = day
            policy.schoolDay = SchoolDayPolicy(
                registration: .init(am: "P1", pm: nil), notInLesson: .init(afterMinutes: 10, notify: ["attendance_lead"]))
            _ = try await store.savePolicy(
                schoolID: schoolID, policy, document: String(decoding: PolicyFile.encode(policy), as: UTF8.self), by: actor,
                at: clock.now().timestamp)
            guard let office = try await store.staff(schoolID: schoolID).first(where: { $0.staffRole == .office }) else {
                throw Abort(.internalServerError, reason: "the demo school has no office account")
            }
            let token = try await createAPIToken(store: store, email: office.email, now: clock.now().timestamp)
            try await app.asyncBoot()
            let client = BenchClient(app: app, token: token)

            // The reference: the bare route, as many at once as the registers.
            _ = try await client.concurrently(Array(repeating: ("GET", "/bench-bare", nil), count: groups.count))
            let bare = try await client.concurrently(Array(repeating: ("GET", "/bench-bare", nil), count: groups.count))

            // The reference for submissions: whole AM registers (form by form) of the two school days before, amended
            // with a reason, as many at once as the lesson registers.
            let forms = Dictionary(grouping: roll, by: \.form).sorted { $0.key < $1.key }
            var amRequests: [(String, String, String?)] = []
            var amPupils = 0
            for d in [through, before] {
                for (form, ps) in forms where amRequests.count < groups.count {
                    let marks = ps.enumerated().map { i, p in #"{"upn":"\#(p.upn)","code":"\#(i % 9 == 0 ? "I" : "/")","reason":"bench"}"# }
                    amRequests.append(
                        ("POST", "/api/v1/registers/\(d.iso)/AM", #"{"form":"\#(form)","marks":[\#(marks.joined(separator: ","))]}"#))
                    amPupils += ps.count
                }
            }
            let am = try await client.concurrently(amRequests)

            // P1, the registration, a minute after it begins: every set's register at once, everyone present.
            func lesson(_ period: String, absent: Int) -> [(String, String, String?)] {
                groups.map { g in
                    let marks = g.pupils.enumerated().map { i, upn in #"{"upn":"\#(upn)","code":"\#(i < absent ? "N" : "/")"}"# }
                    let path = "/api/v1/lessons/\(day.iso)/\(period)%20\(g.id)"
                    return ("POST", path, #"{"marks":[\#(marks.joined(separator: ","))]}"#)
                }
            }
            clock.set(TimeOfDay(hour: 8, minute: 31)!)
            let p1 = try await client.concurrently(lesson("P1", absent: 0))
            // P3 a minute after it begins: two of each set absent.
            clock.set(TimeOfDay(hour: 10, minute: 46)!)
            let p3 = try await client.concurrently(lesson("P3", absent: 2))

            // The scan, 11 minutes into P3: the first raises the alerts; later ones (each load of Today) find them raised.
            clock.set(TimeOfDay(hour: 10, minute: 56)!)
            var start = Date()
            let alerts = try await LessonAlertScan.run(store: store, schoolID: schoolID, now: clock.now())
            let scanFirst = Date().timeIntervalSince(start)
            var scan = Series(label: "scan", runs: [])
            for _ in 0..<runs {
                start = Date()
                _ = try await LessonAlertScan.run(store: store, schoolID: schoolID, now: clock.now())
                scan.runs.append(Date().timeIntervalSince(start))
            }
            // The rule alone on the day's record (no database): the Core kernel.
            let dayTimetable = try requireBench(timetable.day(day, calendar: calendar), "no timetable on \(day)")
            let at = DayRecord.registrationTimes(day: dayTimetable, registration: policy.schoolDay?.registration, register: policy.register)
            let marks = try await store.schoolDayMarks(
                schoolID: schoolID, date: day, amAt: at.am, pmAt: at.pm, register: policy.register)
            var kernel = Series(label: "kernel", runs: [])
            var found = 0
            for _ in 0..<runs {
                start = Date()
                found =
                    NotInLessonScan.scan(
                        day: dayTimetable, record: marks.record, now: clock.now().time, policy: policy.schoolDay!.notInLesson!
                    )
                    .alerts.count
                kernel.runs.append(Date().timeIntervalSince(start))
            }
            guard found == alerts else {
                throw Abort(.internalServerError, reason: "the kernel found \(found) alerts, the scan raised \(alerts)")
            }

            // The on-site view, one request after another, against the bare route the same way.
            var onSite = Series(label: "on-site", runs: [])
            var bareSequential = Series(label: "bare", runs: [])
            var onSiteCount = 0
            for i in 0..<(runs + 2) {
                let (t, body) = try await client.timed("GET", "/api/v1/on-site", nil)
                let (b, _) = try await client.timed("GET", "/bench-bare", nil)
                if i >= 2 {
                    onSite.runs.append(t)
                    bareSequential.runs.append(b)
                }
                onSiteCount = (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["total"] as? Int ?? 0
            }

            // P4 as the target has it: the registers arrive at even intervals over the period's first `spread` seconds.
            clock.set(TimeOfDay(hour: 11, minute: 46)!)
            let p4 = try await client.spread(lesson("P4", absent: 2), over: spread)
            try await app.asyncShutdown()
            return Report(
                pupils: pupils, sets: groups.count, setSize: Double(roll.count) / Double(groups.count), day: day, alerts: alerts,
                onSite: onSiteCount, bare: Series(label: "bare", runs: bare), amRegisters: Series(label: "am", runs: am),
                amPupils: Double(amPupils) / Double(max(amRequests.count, 1)), p1: Series(label: "p1", runs: p1),
                p3: Series(label: "p3", runs: p3), p4: Series(label: "p4", runs: p4), spread: spread, scanFirst: scanFirst, scan: scan,
                scanKernel: kernel, onSiteView: onSite,
                bareSequential: bareSequential)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }
}

/// Unwraps or fails the run with `reason`.
func requireBench<T>(_ value: T?, _ reason: String) throws -> T {
    guard let value else { throw Abort(.internalServerError, reason: reason) }
    return value
}

/// A clock the benchmark moves through the day.
final class SettableClock: SchoolClock, @unchecked Sendable {
    private let lock = NSLock()
    private var value: SchoolNow
    private let date: LocalDate
    init(date: LocalDate, time: TimeOfDay) {
        self.date = date
        value = FixedClock(date: date, time: time).now()
    }
    func set(_ time: TimeOfDay) { lock.withLock { value = FixedClock(date: date, time: time).now() } }
    func now() -> SchoolNow { lock.withLock { value } }
}

/// Requests through the app's responder, with the office's API token; any answer but 2xx fails the run.
struct BenchClient: Sendable {
    let app: Application
    let token: String

    func timed(_ method: String, _ path: String, _ json: String?) async throws -> (Double, String) {
        var headers = HTTPHeaders()
        headers.add(name: .authorization, value: "Bearer \(token)")
        if json != nil { headers.contentType = .json }
        let req = Request(
            application: app, method: HTTPMethod(rawValue: method), url: URI(string: path), headers: headers,
            collectedBody: json.map { ByteBuffer(string: $0) }, on: app.eventLoopGroup.next())
        let start = Date()
        let res = try await app.responder.current.respond(to: req).get()
        let seconds = Date().timeIntervalSince(start)
        let body = res.body.string ?? ""
        guard (200..<300).contains(res.status.code) else {
            throw Abort(.internalServerError, reason: "\(method) \(path) answered \(res.status.code): \(body.prefix(300))")
        }
        return (seconds, body)
    }

    /// All at once; seconds each, from its own start.
    /// Each request starts at its even share of `seconds` and is timed from its own start.
    func spread(_ requests: [(String, String, String?)], over seconds: Double) async throws -> [Double] {
        let step = requests.isEmpty ? 0 : seconds / Double(requests.count)
        return try await withThrowingTaskGroup(of: Double.self) { group in
            for (i, r) in requests.enumerated() {
                group.addTask {
                    try await Task.sleep(nanoseconds: UInt64(Double(i) * step * 1e9))
                    return try await timed(r.0, r.1, r.2).0
                }
            }
            var out: [Double] = []
            for try await t in group { out.append(t) }
            return out
        }
    }

    func concurrently(_ requests: [(String, String, String?)]) async throws -> [Double] {
        try await withThrowingTaskGroup(of: Double.self) { group in
            for r in requests { group.addTask { try await timed(r.0, r.1, r.2).0 } }
            var out: [Double] = []
            for try await t in group { out.append(t) }
            return out
        }
    }
}
