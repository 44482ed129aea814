// Agreed late starts and early finishes on a part-time timetable (C2): seed 004 (SEND and health needs) "Temporary late
// starts or early finishes". A pupil who arrives by the agreed start is present, not L or U; leaving at the agreed
// finish is the timetable, not a sign-out that needs a reason.

/// One weekday's agreed times on a part-time timetable.
public struct AgreedDay: Sendable, Hashable {
    public var start: TimeOfDay?
    public var finish: TimeOfDay?
    public init(start: TimeOfDay? = nil, finish: TimeOfDay? = nil) {
        self.start = start
        self.finish = finish
    }

    /// "agreed start 10:00, agreed finish 14:30".
    public var words: String {
        [start.map { "agreed start \($0)" }, finish.map { "agreed finish \($0)" }].compactMap { $0 }.joined(separator: ", ")
    }

    /// Leaving at `time` is the agreed early finish: at or after it.
    public func isAgreedFinish(_ time: TimeOfDay) -> Bool { finish.map { time >= $0 } ?? false }
}

extension LeaveGrant {
    /// The weekdays a part-time timetable can agree times for.
    public static let weekdays = ["mon", "tue", "wed", "thu", "fri"]

    /// "Monday" for `mon`.
    public static func weekdayWords(_ key: String) -> String {
        ["mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday"][key] ?? key
    }

    /// The agreed times of a C2 grant on `date`: nil outside its days or when it agrees none for that weekday.
    public func agreedDay(on date: LocalDate) -> AgreedDay? {
        guard code == .c2, from <= date, date <= to, date.weekday <= 5 else { return nil }
        let key = Self.weekdays[date.weekday - 1]
        let d = AgreedDay(start: agreedStart?[key], finish: agreedFinish?[key])
        return d.start == nil && d.finish == nil ? nil : d
    }

    /// "Monday: agreed start 10:00; Friday: agreed finish 14:30", in weekday order; nil when none are agreed.
    public var agreedTimesWords: String? {
        let days = Self.weekdays.compactMap { k -> String? in
            let d = AgreedDay(start: agreedStart?[k], finish: agreedFinish?[k])
            return d.start == nil && d.finish == nil ? nil : "\(Self.weekdayWords(k)): \(d.words)"
        }
        return days.isEmpty ? nil : days.joined(separator: "; ")
    }

    /// Checks the agreed times against the school's register times; the error names `agreed_start.mon` and the like.
    /// Only C2 agrees times. A start must be later than the school's late time for its session and before the finish;
    /// a start in the afternoon leaves out that morning, a finish before the afternoon register opens leaves out that
    /// afternoon, so those sessions must be among the sessions not expected.
    public func validateAgreedTimes(register: RegisterTimes) throws(ValidationError) {
        let starts = agreedStart ?? [:]
        let finishes = agreedFinish ?? [:]
        guard !starts.isEmpty || !finishes.isEmpty else { return }
        guard code == .c2 else {
            throw ValidationError(
                field: starts.isEmpty ? "agreed_finish" : "agreed_start",
                reason: "agreed start and finish times belong to a part-time timetable (C2), not \(code.symbol)")
        }
        let off = Set(notExpected ?? [])
        for (name, map) in [("agreed_start", starts), ("agreed_finish", finishes)] {
            for k in map.keys.sorted() where !Self.weekdays.contains(k) {
                throw ValidationError(field: "\(name).\(k)", reason: "'\(k)' is not a school weekday (mon to fri)")
            }
        }
        for k in Self.weekdays {
            let day = Self.weekdayWords(k)
            if let s = starts[k] {
                let session: Session = s < register.pm.opens ? .am : .pm
                if s <= register[session].lateAfter {
                    throw ValidationError(
                        field: "agreed_start.\(k)",
                        reason: "\(s) is not later than the school's start (late after \(register[session].lateAfter)); "
                            + "an agreed late start is later than that")
                }
                if session == .pm && !off.contains("\(k)_am") {
                    throw ValidationError(
                        field: "agreed_start.\(k)",
                        reason: "a start at \(s) is in the afternoon, so the pupil is not in on \(day) morning: "
                            + "add it to the sessions not expected")
                }
            }
            if let f = finishes[k] {
                if f <= register.am.lateAfter {
                    throw ValidationError(
                        field: "agreed_finish.\(k)", reason: "\(f) is before the school day starts (late after \(register.am.lateAfter))")
                }
                if f < register.pm.opens && !off.contains("\(k)_pm") {
                    throw ValidationError(
                        field: "agreed_finish.\(k)",
                        reason: "a finish at \(f) is before the afternoon register opens (\(register.pm.opens)), so the pupil is "
                            + "not in on \(day) afternoon: add it to the sessions not expected")
                }
                if let s = starts[k], f <= s {
                    throw ValidationError(field: "agreed_finish.\(k)", reason: "\(f) is not after the agreed start, \(s)")
                }
            }
        }
    }
}

extension RegisterTimes {
    /// The mark an arrival at `time` earns for a pupil with an agreed late start: the session's late time moves to the
    /// agreed start, and the register's grace before U moves with it. A start in the other session changes nothing.
    public func arrival(at time: TimeOfDay, session: Session, agreedStart: TimeOfDay?) -> (code: AttendanceCode, minutesLate: Int?) {
        let w = self[session]
        guard let start = agreedStart, start > w.lateAfter, (start < pm.opens) == (session == .am) else {
            return arrival(at: time, session: session)
        }
        if time <= start { return (session == .am ? .presentAM : .presentPM, nil) }
        let grace = w.closes.minutes - w.lateAfter.minutes
        return (time.minutes <= start.minutes + grace ? .late : .u, time.minutes - start.minutes)
    }
}
