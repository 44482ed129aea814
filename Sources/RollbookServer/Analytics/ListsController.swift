import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/lists`: pupils by attendance band, persistent and severe absence.
struct ListsController {
    struct ListRow: Encodable {
        var upn, name, yearGroup, form, house: String
        var possible: Int
        var attendance: String
        var attendanceRate: Double
        var authorised, unauthorised: String
        var band, tone: String
        var persistent, severe: Bool
    }

    struct ListsContent: Encodable {
        struct Option: Encodable {
            var value: String
            var label: String
            var selected: Bool
        }
        var from, to: String
        var rows: [ListRow]
        var bandCounts: [Option]
        var yearGroups, forms, houses, characteristics, bands, flags, sorts: [Option]
        var csvLink: String
        var persistent: Int
        var severe: Int
        /// The thresholds the list uses, in words: the school's policy, labelled.
        var definitions: String
    }

    func lists(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.readPupils)
        let range = try req.dateRange()
        let (filter, _) = try req.pupilFilter()
        let policy = try await req.store.policy(schoolID: u.schoolID, on: req.clock.now().date)
        let bands = policy.attendanceBands
        // The school's own list: its policy's thresholds, labelled as such.
        let thresholds = policy.absenceThresholds
        let bandFilter = req.query[String.self, at: "band"].flatMap { $0.isEmpty ? nil : $0 }
        let flag = req.query[String.self, at: "flag"] ?? ""
        let sort = req.query[String.self, at: "sort"] ?? "attendance"
        guard ["", "persistent", "severe"].contains(flag) else { throw APIError.invalid("flag", "must be persistent or severe") }
        guard ["attendance", "name", "form"].contains(sort) else { throw APIError.invalid("sort", "must be attendance, name or form") }

        var f = u.scoped(filter)
        f.onRollDuring = range
        let pupils = try await req.store.listings(schoolID: u.schoolID, filter: f)
        let counts = Dictionary(
            uniqueKeysWithValues: try await req.store.pupilStatistics(schoolID: u.schoolID, range: range, filter: f).map { ($0.0.id, $0.1) }
        )
        var rows: [ListRow] = []
        var perBand: [String: Int] = [:]
        for p in pupils {
            guard let c = counts[p.id], let rate = c.attendanceRate, let band = bands.band(for: rate) else { continue }
            perBand[band.name, default: 0] += 1
            if let b = bandFilter, b != band.name { continue }
            let persistent = thresholds.isPersistent(c)
            let severe = thresholds.isSevere(c)
            if flag == "persistent" && !persistent || flag == "severe" && !severe { continue }
            rows.append(
                ListRow(
                    upn: p.upn, name: p.displayName, yearGroup: p.yearGroup, form: p.form, house: p.house, possible: c.possible,
                    attendance: percent(rate), attendanceRate: rate, authorised: percent(c.authorisedAbsenceRate),
                    unauthorised: percent(c.unauthorisedAbsenceRate), band: band.name, tone: band.tone,
                    persistent: persistent, severe: severe))
        }
        switch sort {
        case "name": rows.sort { ($0.name.split(separator: " ").last ?? "", $0.name) < ($1.name.split(separator: " ").last ?? "", $1.name) }
        case "form": rows.sort { $0.form == $1.form ? $0.name < $1.name : formOrder($0.form, $1.form) }
        default: rows.sort { $0.attendanceRate == $1.attendanceRate ? $0.name < $1.name : $0.attendanceRate < $1.attendanceRate }
        }

        try await SensitiveAccessLog.listed(req, user: u, upns: rows.map(\.upn), characteristic: filter.characteristic)
        if req.query[String.self, at: "format"] == "xlsx" {
            // The CSV's columns as a workbook, rates and counts as numbers.
            return try Spreadsheet(
                name: "Pupils",
                header: [
                    "upn", "name", "year_group", "form", "house", "possible_sessions", "attendance_rate", "band",
                    "persistent_absence", "severe_absence",
                ],
                rows: rows.map { r in
                    [
                        .text(r.upn), .text(r.name), .text(r.yearGroup), .text(r.form), .text(r.house), .integer(r.possible),
                        .number((r.attendanceRate * 10000).rounded() / 10000), .text(r.band), .text(String(r.persistent)),
                        .text(String(r.severe)),
                    ]
                }
            )
            .response(format: "xlsx", name: "pupils-\(range.from)-\(range.to)")
        }
        if req.query[String.self, at: "format"] == "csv" {
            let header = "upn,name,year_group,form,house,possible_sessions,attendance_rate,band,persistent_absence,severe_absence"
            let lines = rows.map { r in
                [
                    r.upn, r.name, r.yearGroup, r.form, r.house, String(r.possible), String(format: "%.4f", r.attendanceRate), r.band,
                    String(r.persistent), String(r.severe),
                ].map(csvField).joined(separator: ",")
            }
            return Response(
                status: .ok,
                headers: [
                    "Content-Type": "text/csv; charset=utf-8",
                    "Content-Disposition": "attachment; filename=\"pupils-\(range.from)-\(range.to).csv\"",
                ],
                body: .init(string: ([header] + lines).joined(separator: "\n") + "\n"))
        }

        let all = try await req.store.listings(schoolID: u.schoolID, filter: PupilFilter(onRollDuring: range))
        func options(_ values: [String], _ chosen: String?, all label: String) -> [ListsContent.Option] {
            [ListsContent.Option(value: "", label: label, selected: chosen == nil)]
                + values.map { ListsContent.Option(value: $0, label: $0, selected: $0 == chosen) }
        }
        var query = req.url.query ?? ""
        query += (query.isEmpty ? "" : "&") + "format=csv"
        let content = ListsContent(
            from: range.from.iso, to: range.to.iso, rows: rows,
            bandCounts: bands.bands.map { .init(value: $0.name, label: "\(perBand[$0.name] ?? 0)", selected: $0.name == bandFilter) },
            yearGroups: options(YearGroup.all.filter { g in all.contains { $0.yearGroup == g } }, filter.yearGroup, all: "All years"),
            forms: options(Set(all.map(\.form)).sorted(by: formOrder), filter.form, all: "All forms"),
            houses: options(Set(all.map(\.house)).filter { !$0.isEmpty }.sorted(), filter.house, all: "All houses"),
            characteristics: options(Characteristics.filterNames, filter.characteristic, all: "Everyone"),
            bands: options(bands.bands.map(\.name), bandFilter, all: "All bands"),
            flags: [
                .init(value: "", label: "Any", selected: flag == ""),
                .init(
                    value: "persistent", label: "Persistent absence (\(AbsenceThresholds.figure(thresholds.persistent)) or more)",
                    selected: flag == "persistent"),
                .init(
                    value: "severe", label: "Severe absence (\(AbsenceThresholds.figure(thresholds.severe)) or more)",
                    selected: flag == "severe"),
            ],
            sorts: [
                .init(value: "attendance", label: "Attendance, lowest first", selected: sort == "attendance"),
                .init(value: "name", label: "Surname", selected: sort == "name"),
                .init(value: "form", label: "Form", selected: sort == "form"),
            ],
            csvLink: "/lists?" + query,
            persistent: rows.filter(\.persistent).count, severe: rows.filter(\.severe).count,
            definitions:
                "Persistent absence: \(thresholds.words(thresholds.persistent)); severe absence: \(thresholds.words(thresholds.severe)).")
        return try await req.render("Analytics/lists", title: "Lists", content).encodeResponse(for: req)
    }
}
