import Foundation
import RollbookCore

/// The school-local date and time: injected, so every time-dependent rule can be tested at any moment.
public protocol SchoolClock: Sendable {
    func now() -> SchoolNow
}

public struct SchoolNow: Sendable, Hashable {
    public var date: LocalDate
    public var time: TimeOfDay
    /// ISO 8601 date-time with the UTC offset, for audit records.
    public var timestamp: String
    public init(date: LocalDate, time: TimeOfDay, timestamp: String) {
        self.date = date
        self.time = time
        self.timestamp = timestamp
    }

    /// The moment itself, for times compared across days (the outbox's retries, links' expiry).
    public var instant: Date { ISO8601DateFormatter().date(from: timestamp) ?? Date(timeIntervalSince1970: 0) }
}

/// The wall clock in Europe/London.
public struct SystemClock: SchoolClock {
    public init() {}
    public func now() -> SchoolNow { SchoolNow.at(Date()) }
}

/// A clock that stands still: for tests and reproducible demos.
public struct FixedClock: SchoolClock {
    public let value: SchoolNow
    public init(date: LocalDate, time: TimeOfDay) {
        value = SchoolNow(date: date, time: time, timestamp: "\(date.iso)T\(time.padded):00Z")
    }
    public func now() -> SchoolNow { value }
}

/// The wall clock moved to start at a given school-local moment, then running on: for demos and browser tests
/// that need a school day whatever the real date.
public struct ShiftedClock: SchoolClock {
    let offset: TimeInterval
    /// `start` is `YYYY-MM-DDTHH:MM` in Europe/London; nil if it is not one.
    public init?(start: String) {
        let parts = start.split(separator: "T")
        guard parts.count == 2, let d = LocalDate(iso: String(parts[0])), let t = TimeOfDay(String(parts[1])) else { return nil }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = SchoolNow.london
        guard
            let instant = cal.date(
                from: DateComponents(year: d.year, month: d.month, day: d.day, hour: t.minutes / 60, minute: t.minutes % 60))
        else { return nil }
        offset = instant.timeIntervalSinceNow
    }
    public func now() -> SchoolNow { SchoolNow.at(Date().addingTimeInterval(offset)) }
}

extension SchoolNow {
    static let london = TimeZone(identifier: "Europe/London")!

    static func at(_ instant: Date) -> SchoolNow {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = london
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: instant)
        let f = ISO8601DateFormatter()
        f.timeZone = london
        return SchoolNow(
            date: LocalDate(year: c.year!, month: c.month!, day: c.day!)!,
            time: TimeOfDay(hour: c.hour!, minute: c.minute!)!, timestamp: f.string(from: instant))
    }
}
