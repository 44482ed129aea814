import Foundation
import RollbookCore
import RollbookStore

/// Who should be on the site now (`OnSite` in the core), from today's AM/PM and lesson marks, late arrivals and the
/// signing-out book, per form with counts. Pupils only: visitors and staff are not recorded here.
struct OnSiteNow: Sendable {
    struct Pupil: Sendable, Hashable {
        var upn: String
        var name: String
        var form: String
    }
    struct Form: Sendable, Hashable {
        var name: String
        var pupils: [Pupil]
    }
    var date: LocalDate
    var time: TimeOfDay
    var forms: [Form]
    var total: Int { forms.reduce(0) { $0 + $1.pupils.count } }

    /// What the page and the API say about who is not counted.
    static let notCounted =
        "Pupils only: visitors and staff are not included. Count them from the visitors' book and the staff signing-in record."

    static func load(store: Store, schoolID: Int, now: SchoolNow) async throws -> OnSiteNow {
        let date = now.date
        let pupils = try await store.pupils(schoolID: schoolID).filter { $0.enrolment.isOnRoll(date) }
        let byID = Dictionary(pupils.compactMap { p in p.id.map { ($0, p) } }, uniquingKeysWith: { a, _ in a })
        let idOf = Dictionary(pupils.compactMap { p in p.id.map { (p.upn, $0) } }, uniquingKeysWith: { a, _ in a })
        let ids = Array(byID.keys)
        let policy = try await store.policy(schoolID: schoolID, on: date)
        let day = try await store.timetable(schoolID: schoolID, on: date)?.day(date, calendar: try await store.calendar(schoolID: schoolID))

        var sessionMarks: [String: DayRecord.SessionMarks] = [:]
        var movements: [Movement] = []
        for session in Session.allCases {
            for (id, m) in try await store.marks(pupilIDs: ids, date: date, session: session) {
                guard let p = byID[id], let code = try? AttendanceCode.parse(m.code, on: date) else { continue }
                if session == .am {
                    sessionMarks[p.upn, default: .init()].am = code
                } else {
                    sessionMarks[p.upn, default: .init()].pm = code
                }
                // A late arrival is on site from when they signed in, whatever a lesson before it said.
                if code == .late || code == .u, let late = m.minutesLate {
                    movements.append(
                        Movement(upn: p.upn, kind: .signedIn, at: TimeOfDay(minutes: policy.register[session].lateAfter.minutes + late)))
                }
            }
        }
        var lessonMarks: [String: [String: AttendanceCode]] = [:]
        for l in day?.lessons ?? [] where l.start <= now.time {
            let marks = try await store.lessonMarks(pupilIDs: l.pupils.compactMap { idOf[$0] }, date: date, lesson: l.registerName)
            for (id, m) in marks {
                guard let p = byID[id], let code = try? AttendanceCode.parse(m.code, on: date) else { continue }
                lessonMarks[l.registerName, default: [:]][p.upn] = code
            }
        }
        for s in try await store.signOuts(pupilIDs: ids, date: date) {
            guard let p = byID[s.pupilID] else { continue }
            if let out = TimeOfDay(s.outAt) { movements.append(Movement(upn: p.upn, kind: .signedOut, at: out)) }
            if let back = s.backAt.flatMap({ TimeOfDay($0) }) { movements.append(Movement(upn: p.upn, kind: .returned, at: back)) }
        }
        let times = DayRecord.registrationTimes(day: day, registration: policy.schoolDay?.registration, register: policy.register)
        let record = DayRecord(
            sessionMarks: sessionMarks, lessonMarks: lessonMarks, movements: movements, amAt: times.am, pmAt: times.pm)
        let byUPN = Dictionary(pupils.map { ($0.upn, $0) }, uniquingKeysWith: { a, _ in a })
        let groups = OnSite.byForm(record: record, day: day, now: now.time, formOf: byUPN.mapValues(\.form))
        return OnSiteNow(
            date: date, time: now.time,
            forms: groups.map { g in
                Form(
                    name: g.name,
                    pupils: g.upns.compactMap { u in byUPN[u].map { Pupil(upn: u, name: $0.displayName, form: $0.form) } }
                        .sorted { $0.name < $1.name })
            })
    }

    /// The roll call's list: everyone on site, with their form as the assembly point (the admission register has no
    /// assembly point of its own).
    var rollCallPupils: [RollCall.Pupil] {
        forms.flatMap { f in f.pupils.map { RollCall.Pupil(upn: $0.upn, name: $0.name, form: f.name, assemblyPoint: f.name) } }
    }
}
