/// A calendar day in school-local time, held as a day number (days since 1970-01-01).
/// Pure arithmetic (proleptic Gregorian), so Core never needs the wall clock or a time zone.
public struct LocalDate: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let dayNumber: Int32

    public init(dayNumber: Int32) { self.dayNumber = dayNumber }

    /// Nil when the day does not exist (e.g. 2025-02-30).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= LocalDate.daysInMonth(year: year, month: month) else { return nil }
        // Days from civil (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        self.dayNumber = Int32(era * 146097 + doe - 719468)
    }

    /// Parses `YYYY-MM-DD` strictly.
    public init?(iso: some StringProtocol) {
        let u = Array(iso.utf8)
        guard u.count == 10, u[4] == 45, u[7] == 45 else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                let c = u[i]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var components: (year: Int, month: Int, day: Int) {
        let z = Int(dayNumber) + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
    public var year: Int { components.year }
    public var month: Int { components.month }
    public var day: Int { components.day }

    /// ISO weekday: 1 = Monday ... 7 = Sunday.
    public var weekday: Int {
        let w = (Int(dayNumber) + 3) % 7  // 1970-01-01 was a Thursday
        return (w < 0 ? w + 7 : w) + 1
    }
    public var isWeekend: Bool { weekday >= 6 }
    /// "Monday" ... "Sunday".
    public var weekdayName: String { ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][weekday - 1] }
    /// "January" ... "December".
    public var monthName: String {
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"][
            month - 1]
    }
    /// "3 November 2025"
    public var longDate: String { "\(day) \(monthName) \(year)" }
    /// The Monday of this date's week.
    public var weekStart: LocalDate { adding(days: -(weekday - 1)) }

    public func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + Int32(days)) }
    public func days(to other: LocalDate) -> Int { Int(other.dayNumber - dayNumber) }

    public var iso: String {
        let c = components
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
    }
    public var description: String { iso }

    public static func < (a: LocalDate, b: LocalDate) -> Bool { a.dayNumber < b.dayNumber }

    public static func isLeapYear(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Easter Sunday (Gregorian, anonymous algorithm); census terms turn on it.
    public static func easterSunday(year: Int) -> LocalDate {
        let a = year % 19
        let b = year / 100
        let c = year % 100
        let d = b / 4
        let e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4
        let k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return LocalDate(year: year, month: month, day: day)!
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(iso)
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let d = LocalDate(iso: s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(s)' is not a date in the form YYYY-MM-DD")
        }
        self = d
    }
}

/// A closed range of days, both ends included.
public struct DateRange: Sendable, Hashable, Codable {
    public var from: LocalDate
    public var to: LocalDate
    public init(from: LocalDate, to: LocalDate) {
        self.from = from
        self.to = to
    }
    public func contains(_ d: LocalDate) -> Bool { d >= from && d <= to }
    public var days: Int { max(0, from.days(to: to) + 1) }
    public func clamped(to other: DateRange) -> DateRange? {
        let f = max(from, other.from)
        let t = min(to, other.to)
        return f <= t ? DateRange(from: f, to: t) : nil
    }
}

/// AM or PM: the two statutory sessions of a school day.
public enum Session: String, Sendable, CaseIterable, Codable, Hashable {
    case am = "AM"
    case pm = "PM"
    public var index: Int { self == .am ? 0 : 1 }
}

/// One session of one day: what evidence, advance notice and evidence requests are recorded against.
public struct SessionSlot: Sendable, Hashable, Codable, Comparable {
    public var date: LocalDate
    public var session: Session
    public init(date: LocalDate, session: Session) {
        self.date = date
        self.session = session
    }
    /// "2026-03-09-am", as in action keys.
    public var iso: String { "\(date.iso)-\(session == .am ? "am" : "pm")" }
    public static func < (a: SessionSlot, b: SessionSlot) -> Bool {
        a.date != b.date ? a.date < b.date : a.session.index < b.session.index
    }
}

/// A minute of the school-local day (0...1439), e.g. 8:30 is 510.
public struct TimeOfDay: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let minutes: Int
    public init(minutes: Int) { self.minutes = minutes }
    public init?(hour: Int, minute: Int) {
        guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        minutes = hour * 60 + minute
    }
    /// Parses `H:MM` or `HH:MM` (24-hour).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 2, (1...2).contains(parts[0].count),
            let h = Int(parts[0]), let m = Int(parts[1])
        else { return nil }
        self.init(hour: h, minute: m)
    }
    public var description: String {
        let m = minutes % 60
        return "\(minutes / 60):\(m < 10 ? "0" : "")\(m)"
    }
    /// `HH:MM` with a leading zero, as HTML time inputs want it.
    public var padded: String { minutes < 600 ? "0\(description)" : description }
    public static func < (a: TimeOfDay, b: TimeOfDay) -> Bool { a.minutes < b.minutes }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let t = TimeOfDay(s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(s)' is not a time in the form HH:MM")
        }
        self = t
    }
}
