import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Benchmarking for every school user (seeds 002 §6.3, 004): the school's attendance, persistent and severe absence for
/// the year to date next to every school of the deployment together (the LA's or trust's figure), each other school
/// anonymised as School A, B, ... in order of its figures, and England's. The LA officer's named view
/// (`/analytics/schools`) is unchanged.
struct BenchmarkController {
    struct Row: Content {
        var label: String
        var pupils: Int?
        var attendance: String
        var attendanceRate: Double?
        var persistent: String
        var persistentRate: Double?
        var severe: String
        var severeRate: Double?
        var kind: String
    }
    struct BenchmarkContent: Content {
        var from: String
        var through: String
        var school: Row
        var total: Row
        var others: [Row]
        var national: Row
        var nationalYear: String
        var fewSchools: Bool
    }

    static func row(_ label: String, _ g: GroupStatistics, kind: String) -> Row {
        Row(
            label: label, pupils: g.pupils, attendance: percent(g.sessions.attendanceRate), attendanceRate: g.sessions.attendanceRate,
            persistent: percent(g.persistentAbsenceRate), persistentRate: g.persistentAbsenceRate, severe: percent(g.severeAbsenceRate),
            severeRate: g.severeAbsenceRate, kind: kind)
    }

    func page(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.readStatistics)
        let now = req.clock.now()
        var own = GroupStatistics()
        var others: [GroupStatistics] = []
        var all: [GroupStatistics] = []
        var ownThrough = now.date
        var secondary = false
        for school in try await req.store.schools() {
            let policy = try await req.store.policy(schoolID: school.id!, on: now.date)
            let t = figuresThrough(now, policy: policy)
            let year = AcademicYear(containing: t)
            let roll = try await req.application.analytics.roll(req.store, schoolID: school.id!, year: year)
            let g = roll.overview(DateRange(from: year.range.from, to: t), trend: false).statistics
            all.append(g)
            if school.id == u.schoolID {
                own = g
                ownThrough = t
                secondary = roll.pupils.contains { Int($0.yearGroup).map { $0 >= 7 } ?? false }
            } else {
                others.append(g)
            }
        }
        let n = NationalFigures.england2023To24
        let absence = secondary ? n.secondaryAbsence : n.primaryAbsence
        let national = Row(
            label: "England (\(secondary ? "secondary" : "primary") schools, \(n.academicYear))", pupils: nil,
            attendance: percent(1 - absence), attendanceRate: 1 - absence, persistent: percent(n.persistentAbsence),
            persistentRate: n.persistentAbsence, severe: "–", severeRate: nil, kind: "national")
        let year = AcademicYear(containing: ownThrough)
        let content = BenchmarkContent(
            from: year.range.from.iso, through: ownThrough.iso, school: Self.row("Your school", own, kind: "school"),
            total: Self.row("All schools of the LA or trust", SchoolBenchmark.total(all), kind: "total"),
            others: SchoolBenchmark.anonymise(others).map { Self.row($0.label, $0.statistics, kind: "other") }, national: national,
            nationalYear: n.academicYear, fewSchools: others.count < 3)
        if req.query[String.self, at: "format"] == "json" { return try await content.encodeResponse(for: req) }
        return try await req.render("Analytics/benchmark", title: "Benchmarking", content).encodeResponse(for: req)
    }
}
