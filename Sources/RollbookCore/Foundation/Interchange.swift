import Foundation

/// An import failure naming the file, line and column.
public struct ImportError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: String
    public var reason: String
    public init(file: String, line: Int, column: String, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
    }
    public var description: String { "\(file):\(line): column \(column): \(reason)" }
}

/// RFC 4180 CSV with a header row.
public struct CSVTable: Sendable {
    public let file: String
    public let header: [String]
    /// Each data row with its line number in the file.
    public let rows: [(line: Int, fields: [String])]

    public init(file: String, text: String, expectedHeader: [String]) throws(ImportError) {
        self.file = file
        var records: [(Int, [String])] = []
        var field = ""
        var fields: [String] = []
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var afterQuote = false
        var chars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending {
                pending = nil
                return p
            }
            return chars.next()
        }
        while let c = next() {
            if inQuotes {
                if c == "\"" {
                    if let n = chars.next() {
                        if n == "\"" {
                            field.unicodeScalars.append("\"")
                        } else {
                            inQuotes = false
                            afterQuote = true
                            pending = n
                        }
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !afterQuote: inQuotes = true
            case ",":
                fields.append(field)
                field = ""
                afterQuote = false
            case "\r": continue
            case "\n":
                fields.append(field)
                field = ""
                afterQuote = false
                if !(fields.count == 1 && fields[0].isEmpty) { records.append((recordLine, fields)) }
                fields = []
                line += 1
                recordLine = line
            default: field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw ImportError(file: file, line: recordLine, column: "-", reason: "a quoted field is not closed") }
        if !field.isEmpty || !fields.isEmpty {
            fields.append(field)
            records.append((recordLine, fields))
        }
        guard let first = records.first else {
            throw ImportError(
                file: file, line: 1, column: "-", reason: "the file is empty; expected the header \(expectedHeader.joined(separator: ","))")
        }
        var head = first.1
        if let f = head.first, f.hasPrefix("\u{FEFF}") { head[0] = String(f.dropFirst()) }
        header = head.map { $0.trimmingCharacters(in: .whitespaces) }
        guard header == expectedHeader else {
            throw ImportError(
                file: file, line: 1, column: "-",
                reason: "the header must be \(expectedHeader.joined(separator: ",")), not \(header.joined(separator: ","))")
        }
        for (l, f) in records.dropFirst() where f.count != expectedHeader.count {
            throw ImportError(file: file, line: l, column: "-", reason: "has \(f.count) fields; expected \(expectedHeader.count)")
        }
        rows = records.dropFirst().map { (line: $0.0, fields: $0.1.map { $0.trimmingCharacters(in: .whitespaces) }) }
    }
}

/// Readers for the three interchange formats (documented in the README and held fixed).
public enum Interchange {
    public static let calendarHeader = ["start", "end", "kind", "year_groups"]
    public static let pupilsHeader = [
        "upn", "legal_surname", "legal_forename", "preferred_forename", "date_of_birth", "sex",
        "year_group", "form", "house", "starting_day", "leaving_day", "sen", "fsm", "pupil_premium",
        "eal", "looked_after", "child_in_need", "child_protection", "young_carer",
    ]
    public static let marksHeader = ["upn", "date", "session", "code", "minutes_late"]

    struct Row {
        let table: CSVTable, line: Int, fields: [String]
        func value(_ column: String) -> String { fields[table.header.firstIndex(of: column)!] }
        func fail(_ column: String, _ reason: String) -> ImportError {
            ImportError(file: table.file, line: line, column: column, reason: reason)
        }
        func date(_ column: String, optional: Bool = false) throws(ImportError) -> LocalDate? {
            let v = value(column)
            if v.isEmpty {
                if optional { return nil }
                throw fail(column, "is required")
            }
            guard let d = LocalDate(iso: v) else { throw fail(column, "'\(v)' is not a date in the form YYYY-MM-DD") }
            return d
        }
        func flag(_ column: String) throws(ImportError) -> Bool {
            switch value(column) {
            case "Y": return true
            case "N", "": return false
            case let v: throw fail(column, "'\(v)' must be Y or N")
            }
        }
    }

    static func rows(_ table: CSVTable) -> [Row] { table.rows.map { Row(table: table, line: $0.line, fields: $0.fields) } }

    public static func readCalendar(file: String, text: String) throws(ImportError) -> [CalendarEntry] {
        let t = try CSVTable(file: file, text: text, expectedHeader: calendarHeader)
        var out: [CalendarEntry] = []
        for r in rows(t) {
            let start = try r.date("start")!
            let end = try r.date("end")!
            guard start <= end else { throw r.fail("end", "\(end) is before start \(start)") }
            guard let kind = CalendarEntry.Kind(rawValue: r.value("kind")) else {
                throw r.fail(
                    "kind", "'\(r.value("kind"))' must be one of \(CalendarEntry.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let groups = r.value("year_groups").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            for g in groups where !YearGroup.isValid(g) { throw r.fail("year_groups", "'\(g)' is not a year group") }
            if kind == .term && !groups.isEmpty { throw r.fail("year_groups", "must be empty for a term") }
            out.append(CalendarEntry(start: start, end: end, kind: kind, yearGroups: groups))
        }
        return out
    }

    public static func readPupils(file: String, text: String) throws(ImportError) -> [PupilRecord] {
        let t = try CSVTable(file: file, text: text, expectedHeader: pupilsHeader)
        var out: [PupilRecord] = []
        var seen: Set<String> = []
        for r in rows(t) {
            var ch = Characteristics()
            guard let sen = SENProvision(rawValue: r.value("sen")) else { throw r.fail("sen", "'\(r.value("sen"))' must be empty, K or E") }
            ch.sen = sen
            ch.freeSchoolMeals = try r.flag("fsm")
            ch.pupilPremium = try r.flag("pupil_premium")
            ch.englishAdditionalLanguage = try r.flag("eal")
            ch.lookedAfter = try r.flag("looked_after")
            ch.childInNeed = try r.flag("child_in_need")
            ch.childProtectionPlan = try r.flag("child_protection")
            ch.youngCarer = try r.flag("young_carer")
            let p = PupilRecord(
                upn: r.value("upn"), legalSurname: r.value("legal_surname"), legalForename: r.value("legal_forename"),
                preferredForename: r.value("preferred_forename"), dateOfBirth: try r.date("date_of_birth")!,
                sex: r.value("sex"), yearGroup: r.value("year_group"), form: r.value("form"), house: r.value("house"),
                startingDay: try r.date("starting_day")!, leavingDay: try r.date("leaving_day", optional: true),
                characteristics: ch)
            do { try p.validate() } catch { throw r.fail(error.field, error.reason) }
            guard seen.insert(p.upn).inserted else { throw r.fail("upn", "\(p.upn) appears twice in the file") }
            out.append(p)
        }
        return out
    }

    public struct MarkRow: Sendable, Hashable {
        public var upn: String
        public var mark: Mark
        public var line: Int
    }

    public static func readMarks(file: String, text: String) throws(ImportError) -> [MarkRow] {
        let t = try CSVTable(file: file, text: text, expectedHeader: marksHeader)
        var out: [MarkRow] = []
        var seen: Set<String> = []
        for r in rows(t) {
            let upn = r.value("upn")
            guard UPN.isValid(upn) else { throw r.fail("upn", "'\(upn)' is not a UPN") }
            let date = try r.date("date")!
            guard let session = Session(rawValue: r.value("session")) else {
                throw r.fail("session", "'\(r.value("session"))' must be AM or PM")
            }
            let code: AttendanceCode
            do { code = try AttendanceCode.parse(r.value("code"), on: date) } catch { throw r.fail("code", error.description) }
            var minutes: Int? = nil
            let m = r.value("minutes_late")
            if !m.isEmpty {
                guard let v = Int(m), v >= 0, v < 24 * 60 else {
                    throw r.fail("minutes_late", "'\(m)' must be a whole number of minutes, 0 or more")
                }
                guard code == .late || code == .u else { throw r.fail("minutes_late", "is only kept with L or U, not \(code.symbol)") }
                minutes = v
            }
            guard seen.insert("\(upn) \(date) \(session.rawValue)").inserted else {
                throw r.fail("date", "\(upn) has two marks for \(date) \(session.rawValue)")
            }
            out.append(MarkRow(upn: upn, mark: Mark(date: date, session: session, code: code, minutesLate: minutes), line: r.line))
        }
        return out
    }
}

/// One pupil's line of `rollbook report`.
public struct ReportLine: Sendable {
    public var upn: String
    public var counts: SessionCounts
    public init(upn: String, counts: SessionCounts) {
        self.upn = upn
        self.counts = counts
    }

    public static let columns = [
        "upn", "possible_sessions", "present_sessions", "approved_activity_sessions",
        "authorised_absence_sessions", "unauthorised_absence_sessions", "attendance_rate", "absence_rate",
        "authorised_absence_rate", "unauthorised_absence_rate", "persistent_absence", "severe_absence",
    ]

    /// A rate as a fraction rounded to 4 decimals, or "null".
    static func rate(_ r: Double?) -> String {
        guard let r else { return "null" }
        let v = (r * 10000).rounded() / 10000
        return v == v.rounded() ? String(format: "%.1f", v) : String(v)
    }

    var values: [String] {
        let c = counts
        return [c.possible, c.present, c.approvedActivity, c.authorised, c.unauthorised].map(String.init)
            + [c.attendanceRate, c.absenceRate, c.authorisedAbsenceRate, c.unauthorisedAbsenceRate].map(Self.rate)
            + [String(c.isPersistentAbsence), String(c.isSevereAbsence)]
    }

    public var jsonObject: String {
        var parts = ["\"upn\": \(jsonString(upn))"]
        for (k, v) in zip(Self.columns.dropFirst(), values) { parts.append("\"\(k)\": \(v)") }
        return "{" + parts.joined(separator: ", ") + "}"
    }
    public var csvRow: String { ([csvField(upn)] + values.map { $0 == "null" ? "" : $0 }).joined(separator: ",") }

    public static func json(_ lines: [ReportLine]) -> String {
        "[\n" + lines.map { "  " + $0.jsonObject }.joined(separator: ",\n") + (lines.isEmpty ? "]" : "\n]")
    }
    public static func csv(_ lines: [ReportLine]) -> String {
        ([columns.joined(separator: ",")] + lines.map(\.csvRow)).joined(separator: "\n") + "\n"
    }
}

public func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}

/// A CSV field, quoted when needed; a leading =, +, - or @ is prefixed with ' so spreadsheets do not run it as a formula.
public func csvField(_ s: String) -> String {
    var v = s
    if let f = v.first, "=+-@".contains(f) { v = "'" + v }
    if v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return v
}

/// Text for XML (and HTML) content and attributes: the five entities escaped, and the characters XML 1.0 cannot hold
/// even as references (C0 controls other than tab, LF and CR; U+FFFE and U+FFFF) left out.
public func xmlEscaped(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for u in s.unicodeScalars {
        switch u {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case "\t", "\n", "\r": out.unicodeScalars.append(u)
        default:
            if u.value < 0x20 || u.value == 0xFFFE || u.value == 0xFFFF { continue }
            out.unicodeScalars.append(u)
        }
    }
    return out
}
