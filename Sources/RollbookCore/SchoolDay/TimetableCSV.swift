import Foundation

/// The timetable file (docs/timetable-csv.md): one CSV file with a header row; each row is a `period`, a `lesson` or a
/// `member` (a pupil in a teaching group). Columns a record does not use are left empty.
public enum TimetableCSV {
    public static let header = ["record", "cycle_day", "period", "start", "end", "group", "kind", "teacher", "room", "upn"]

    /// Reads the file into a timetable version, or every error found, each naming its line, column and reason.
    public static func read(
        file: String, text: String, effectiveFrom: LocalDate, cycleStart: LocalDate, cycleDays: Int
    ) -> Result<Timetable, TimetableImportErrors> {
        guard cycleDays == 5 || cycleDays == 10 else {
            return .failure(
                .init([ImportError(file: file, line: 0, column: "cycle_days", reason: "must be 5 (one week) or 10 (two weeks)")]))
        }
        guard cycleStart <= effectiveFrom else {
            return .failure(
                .init([
                    ImportError(
                        file: file, line: 0, column: "cycle_start", reason: "\(cycleStart) is after effective_from \(effectiveFrom)")
                ]))
        }
        let table: CSVTable
        do { table = try CSVTable(file: file, text: text, expectedHeader: header) } catch { return .failure(.init([error])) }
        var errors: [ImportError] = []
        var periods: [TimetablePeriod] = []
        var periodLine: [String: Int] = [:]
        var lessons: [(line: Int, lesson: TimetabledLesson)] = []
        var groupOrder: [String] = []
        var groups: [String: TeachingGroup] = [:]
        var membership: Set<String> = []

        for r in Interchange.rows(table) {
            func fail(_ column: String, _ reason: String) { errors.append(r.fail(column, reason)) }
            func required(_ column: String) -> String? {
                let v = r.value(column)
                if v.isEmpty { fail(column, "is required for a \(r.value("record")) row") }
                return v.isEmpty ? nil : v
            }
            func cycleDay() -> Int? {
                guard let v = required("cycle_day") else { return nil }
                guard let d = Int(v), (1...cycleDays).contains(d) else {
                    fail("cycle_day", "'\(v)' must be a day of the cycle, 1 to \(cycleDays)")
                    return nil
                }
                return d
            }
            func time(_ column: String) -> TimeOfDay? {
                guard let v = required(column) else { return nil }
                guard let t = TimeOfDay(v) else {
                    fail(column, "'\(v)' is not a time in the form HH:MM")
                    return nil
                }
                return t
            }
            switch r.value("record") {
            case "period":
                let day = cycleDay()
                let id = required("period")
                let start = time("start")
                let end = time("end")
                guard let day, let id, let start, let end else { continue }
                guard start < end else {
                    fail("end", "\(end) is not after the start \(start)")
                    continue
                }
                let key = "\(day) \(id)"
                if let first = periodLine[key] {
                    fail("period", "\(id) on cycle day \(day) is already on line \(first)")
                    continue
                }
                periodLine[key] = r.line
                periods.append(TimetablePeriod(cycleDay: day, id: id, start: start, end: end))
            case "lesson":
                let day = cycleDay()
                let period = required("period")
                let group = required("group")
                let teacher = required("teacher")
                guard let day, let period, let group, let teacher else { continue }
                lessons.append(
                    (r.line, TimetabledLesson(cycleDay: day, period: period, group: group, teacher: teacher, room: r.value("room"))))
            case "member":
                guard let group = required("group"), let upn = required("upn") else { continue }
                guard UPN.isValid(upn) else {
                    fail("upn", "'\(upn)' is not a UPN")
                    continue
                }
                let kindText = r.value("kind").isEmpty ? "set" : r.value("kind")
                guard let kind = TeachingGroup.Kind(rawValue: kindText) else {
                    fail("kind", "'\(kindText)' must be class or set")
                    continue
                }
                guard membership.insert("\(group) \(upn)").inserted else {
                    fail("upn", "\(upn) is in group \(group) twice")
                    continue
                }
                if var g = groups[group] {
                    if g.kind != kind { fail("kind", "group \(group) is a \(g.kind.rawValue) on an earlier line") }
                    g.pupils.append(upn)
                    groups[group] = g
                } else {
                    groupOrder.append(group)
                    groups[group] = TeachingGroup(id: group, kind: kind, pupils: [upn])
                }
            case let other:
                fail("record", "'\(other)' must be period, lesson or member")
            }
        }

        // Cross-row checks: each lesson's period and group exist; no teacher or pupil is in two places at once.
        var teacherSlot: [String: Int] = [:]
        var pupilSlot: [String: (line: Int, group: String)] = [:]
        for (line, l) in lessons {
            func fail(_ column: String, _ reason: String) {
                errors.append(ImportError(file: file, line: line, column: column, reason: reason))
            }
            guard periodLine["\(l.cycleDay) \(l.period)"] != nil else {
                fail("period", "\(l.period) is not a period of cycle day \(l.cycleDay) (no period row for it)")
                continue
            }
            guard let g = groups[l.group] else {
                fail("group", "\(l.group) has no pupils (no member rows for it)")
                continue
            }
            let slot = "\(l.cycleDay) \(l.period)"
            if let other = teacherSlot["\(slot) \(l.teacher)"] {
                fail("teacher", "\(l.teacher) already teaches in \(l.period) on cycle day \(l.cycleDay) (line \(other))")
                continue
            }
            teacherSlot["\(slot) \(l.teacher)"] = line
            for upn in g.pupils {
                if let other = pupilSlot["\(slot) \(upn)"], other.group != l.group {
                    fail(
                        "group",
                        "\(upn) is in \(l.group) and in \(other.group) (line \(other.line)) in \(l.period) on cycle day \(l.cycleDay)")
                    break
                }
                pupilSlot["\(slot) \(upn)"] = (line, l.group)
            }
        }
        guard errors.isEmpty else { return .failure(.init(errors.sorted { ($0.line, $0.column) < ($1.line, $1.column) })) }
        return .success(
            Timetable(
                effectiveFrom: effectiveFrom, cycleStart: cycleStart, cycleDays: cycleDays, periods: periods,
                groups: groupOrder.map { groups[$0]! }, lessons: lessons.map(\.lesson)))
    }
}

/// Every error found in a timetable file, in line order.
public struct TimetableImportErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var errors: [ImportError]
    public init(_ errors: [ImportError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
