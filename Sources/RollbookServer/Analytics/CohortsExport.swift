import Foundation
import RollbookCore
import Vapor

extension AnalyticsController {
    static let cohortsColumns = [
        "dimension", "group", "key", "pupils", "possible_sessions", "attendance_rate", "persistent_absence", "severe_absence",
        "rest_pupils", "rest_attendance_rate", "rest_persistent_absence",
    ]

    /// The cohorts page as CSV (`/analytics/cohorts?format=csv`): one line per group, rates as fractions.
    static func cohortsCSV(_ sections: [CohortsContent.Section], _ s: Scope) -> Response {
        func rate(_ r: Double?) -> String { r.map { String(format: "%.4f", $0) } ?? "" }
        let lines = sections.flatMap(\.rows).map { r in
            [
                r.dimension, r.group, r.key, String(r.members.pupils), String(r.members.possible), rate(r.members.attendanceRate),
                String(r.members.persistentAbsence), String(r.members.severeAbsence), String(r.rest.pupils), rate(r.rest.attendanceRate),
                String(r.rest.persistentAbsence),
            ].map(csvField).joined(separator: ",")
        }
        let r = Response(status: .ok, body: .init(string: ([cohortsColumns.joined(separator: ",")] + lines).joined(separator: "\n") + "\n"))
        r.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        r.headers.replaceOrAdd(
            name: .contentDisposition, value: "attachment; filename=\"cohorts-\(s.range.from.iso)-\(s.range.to.iso).csv\"")
        return r
    }
}
