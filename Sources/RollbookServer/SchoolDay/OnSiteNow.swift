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
        let pupils = try await store.rollNames(schoolID: schoolID, on: date)
        let policy = try await store.policy(schoolID: schoolID, on: date)
        let day = try await store.timetable(schoolID: schoolID, on: date)?.day(date, calendar: try await store.calendar(schoolID: schoolID))
        let times = DayRecord.registrationTimes(day: day, registration: policy.schoolDay?.registration, register: policy.register)
        var record = try await store.schoolDayMarks(
            schoolID: schoolID, date: date, amAt: times.am, pmAt: times.pm, register: policy.register,
            roll: Dictionary(pupils.map { ($0.id, $0.upn) }, uniquingKeysWith: { a, _ in a })
        ).record
        // Lessons not yet begun say nothing about now.
        let begun = Set((day?.lessons ?? []).filter { $0.start <= now.time }.map(\.registerName))
        record.lessonMarks = record.lessonMarks.filter { begun.contains($0.key) }
        let byUPN = Dictionary(pupils.map { ($0.upn, $0) }, uniquingKeysWith: { a, _ in a })
        let groups = OnSite.byForm(record: record, day: day, now: now.time, formOf: byUPN.mapValues(\.form))
        return OnSiteNow(
            date: date, time: now.time,
            forms: groups.map { g in
                Form(
                    name: g.name,
                    pupils: g.upns.compactMap { u in byUPN[u].map { Pupil(upn: u, name: $0.name, form: $0.form) } }
                        .sorted { $0.name < $1.name })
            }.filter { !$0.pupils.isEmpty })
    }

    /// The roll call's list: everyone on site, with their form as the assembly point (the admission register has no
    /// assembly point of its own).
    var rollCallPupils: [RollCall.Pupil] {
        forms.flatMap { f in f.pupils.map { RollCall.Pupil(upn: $0.upn, name: $0.name, form: f.name, assemblyPoint: f.name) } }
    }
}
