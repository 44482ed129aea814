import RollbookCore
import RollbookStore
import Vapor

/// The query and path parameters the API and the pages share, checked where they are read: a bad value is a 422
/// naming the parameter.
extension Request {
    /// `from`/`to` query dates; default: the academic year to date.
    func dateRange() throws -> DateRange {
        let today = clock.now().date
        func q(_ name: String) throws -> LocalDate? {
            guard let s = query[String.self, at: name] else { return nil }
            return try parseDate(s, field: name)
        }
        let to = try q("to") ?? today
        let from = try q("from") ?? AcademicYear(containing: to).range.from
        guard from <= to else { throw APIError.invalid("to", "\(to) is before from \(from)") }
        guard from.days(to: to) <= 366 * 10 else { throw APIError.invalid("from", "the range may cover at most ten years") }
        return DateRange(from: from, to: to)
    }

    /// `as_of` (default today), within ten years of today: the work of an evaluation grows with the distance.
    func asOf() throws -> LocalDate {
        let today = clock.now().date
        guard let s = query[String.self, at: "as_of"] else { return today }
        let d = try parseDate(s, field: "as_of")
        guard abs(d.days(to: today)) <= 366 * 10 else { throw APIError.invalid("as_of", "must be within ten years of today (\(today))") }
        return d
    }

    /// The `year_group` query, if given: one of the year groups (422 otherwise).
    func yearGroup() throws -> String? {
        guard let y = query[String.self, at: "year_group"] else { return nil }
        guard YearGroup.isValid(y) else { throw APIError.invalid("year_group", "'\(y)' is not a year group") }
        return y
    }

    func pupilFilter() throws -> (PupilFilter, [String: String]) {
        var f = PupilFilter()
        var echo: [String: String] = [:]
        if let y = try yearGroup() {
            f.yearGroup = y
            echo["year_group"] = y
        }
        if let v = query[String.self, at: "form"] {
            f.form = v
            echo["form"] = v
        }
        if let v = query[String.self, at: "house"] {
            f.house = v
            echo["house"] = v
        }
        if let c = query[String.self, at: "characteristic"] {
            guard Characteristics.filterNames.contains(c) else {
                throw APIError.invalid("characteristic", "'\(c)' must be one of \(Characteristics.filterNames.joined(separator: ", "))")
            }
            f.characteristic = c
            echo["characteristic"] = c
        }
        if let u = query[String.self, at: "upn"] {
            guard UPN.isValid(u) else {
                throw APIError.invalid(
                    "upn", "'\(u)' is not a UPN: a letter and 12 digits, or (temporary) a letter, 11 digits and a letter")
            }
            f.upns = [u]
            echo["upn"] = u
        }
        return (f, echo)
    }

    func dateAndSession() throws -> (LocalDate, Session) {
        let d = try parseDate(parameters.get("date") ?? "", field: "date")
        guard let s = Session(rawValue: (parameters.get("session") ?? "").uppercased()) else {
            throw APIError.invalid("session", "must be AM or PM")
        }
        return (d, s)
    }
}
