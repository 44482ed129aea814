import Foundation

/// Marking a group for a range of sessions in one step (a trip, a fixture, study leave, an enforced closure): the
/// sessions each pupil gets, what each write does to the register, and the limits of one batch.
public enum GroupMarking {
    /// Codes that make sense for a group at once: approved activities off site, study leave and the enforced closure
    /// codes. Absence codes that need a reason per pupil (N, O, I, M, G...) and leave the head decides are refused.
    public static let allowedCodes: [AttendanceCode] = [.v, .p, .w, .b, .k, .s, .y1, .y2, .y3, .y4, .y5, .y6, .y7]
    /// At most this many marks in one batch.
    public static let maxMarks = 200_000
    /// At most this many days from the first to the last (inclusive), and never across two school years.
    public static let maxDays = 366

    public struct Pupil: Sendable, Hashable {
        public var id: Int
        public var enrolment: Enrolment
        public init(id: Int, enrolment: Enrolment) {
            self.id = id
            self.enrolment = enrolment
        }
    }

    /// One session a batch marks.
    public struct Slot: Sendable, Hashable {
        public var pupilID: Int
        public var date: LocalDate
        public var session: Session
    }

    /// The sessions of a batch, and the school days of the range on which a pupil was not on roll.
    public struct Expansion: Sendable, Equatable {
        public var slots: [Slot] = []
        /// Pupil id → the days the school was open for them in the range while they were not on roll.
        public var notOnRoll: [Int: [LocalDate]] = [:]
    }

    /// Checks the code (against `allowed`, the policy's list when it sets one) and the range.
    public static func check(code: AttendanceCode, from: LocalDate, to: LocalDate, allowed: [AttendanceCode]? = nil) throws(ValidationError)
    {
        let permitted = allowed ?? allowedCodes
        guard permitted.contains(code) else {
            throw ValidationError(
                field: "code",
                reason: "\(code.symbol) cannot be written for a group; use one of \(permitted.map(\.symbol).joined(separator: ", "))")
        }
        guard from <= to else { throw ValidationError(field: "to", reason: "\(to) is before \(from)") }
        guard from.days(to: to) < maxDays, AcademicYear(containing: from) == AcademicYear(containing: to) else {
            throw ValidationError(field: "to", reason: "a batch covers at most one school year (\(from) to \(to) crosses into another)")
        }
    }

    /// Every session from `from` to `to` the school is open for each pupil's year group while they are on roll.
    /// Days the school is closed (weekends, holidays, closures) are skipped; open days off roll are reported.
    /// More than `maxMarks` sessions is refused.
    public static func expand(
        pupils: [Pupil], from: LocalDate, to: LocalDate, sessions: [Session], calendar: SchoolCalendar, maxMarks: Int = maxMarks
    ) throws(ValidationError) -> Expansion {
        var out = Expansion()
        let year = AcademicYear(containing: from)
        for p in pupils {
            let group = p.enrolment.yearGroup(in: year)
            var d = from
            while d <= to {
                let open = sessions.filter { calendar.isOpen(d, $0, yearGroup: group) }
                if !open.isEmpty {
                    if p.enrolment.isOnRoll(d) {
                        for s in open { out.slots.append(Slot(pupilID: p.id, date: d, session: s)) }
                        if out.slots.count > maxMarks {
                            throw ValidationError(
                                field: "to", reason: "more than \(maxMarks) marks at once; choose fewer pupils or a shorter range")
                        }
                    } else {
                        out.notOnRoll[p.id, default: []].append(d)
                    }
                }
                d = d.adding(days: 1)
            }
        }
        return out
    }

    /// What a batch does to one session.
    public enum Change: String, Sendable, Codable {
        /// No mark yet: the code is written.
        case write
        /// The same code is already there.
        case unchanged
        /// A different mark is there and the batch replaces it (an audited amendment with the batch's reason).
        case amend
        /// A different mark is there and stays (the batch was not asked to replace marks).
        case keep
    }

    /// The change for one session given its current code (nil: no mark).
    public static func change(existing: AttendanceCode?, code: AttendanceCode, replaceExisting: Bool) -> Change {
        guard let existing else { return .write }
        if existing == code { return .unchanged }
        return replaceExisting ? .amend : .keep
    }
}

/// A pupil's recurring pattern (alternative provision every Tuesday afternoon, dual registration on set days): the
/// register starts from its code on those sessions, as it does for a known reason. Ending one sets its last day and
/// keeps it.
public struct RecurringPattern: Sendable, Hashable {
    /// The codes a pattern may carry: B (approved activity off site), K (provision arranged by the LA), D (dual
    /// registered, at the other school).
    public static let codes: [AttendanceCode] = [.b, .k, .d]

    /// ISO weekdays, 1 Monday to 5 Friday.
    public var weekdays: [Int]
    public var sessions: [Session]
    public var code: AttendanceCode
    public var from: LocalDate
    /// The last day it applies; nil while open-ended.
    public var to: LocalDate?

    public init(weekdays: [Int], sessions: [Session], code: AttendanceCode, from: LocalDate, to: LocalDate? = nil) {
        self.weekdays = Array(Set(weekdays)).sorted()
        self.sessions = sessions
        self.code = code
        self.from = from
        self.to = to
    }

    /// The pattern, or the first setting that is wrong with the reason.
    public func checked() throws(ValidationError) -> RecurringPattern {
        guard !weekdays.isEmpty else { throw ValidationError(field: "weekdays", reason: "choose at least one weekday") }
        guard weekdays.allSatisfy({ (1...5).contains($0) }) else {
            throw ValidationError(field: "weekdays", reason: "weekdays are 1 (Monday) to 5 (Friday)")
        }
        guard !sessions.isEmpty else { throw ValidationError(field: "sessions", reason: "must be am, pm or both") }
        guard Self.codes.contains(code) else {
            throw ValidationError(
                field: "code",
                reason: "\(code.symbol) is not a recurring code; use \(Self.codes.map(\.symbol).joined(separator: ", "))")
        }
        if let to, to < from { throw ValidationError(field: "to", reason: "\(to) is before \(from)") }
        return self
    }

    /// Whether the pattern covers this session (whether the school is open is the calendar's question).
    public func applies(on d: LocalDate, _ s: Session) -> Bool {
        d >= from && (to.map { d <= $0 } ?? true) && weekdays.contains(d.weekday) && sessions.contains(s)
    }

    /// The sessions it covers in `range` that the school is open for `yearGroup`.
    public func slots(in range: DateRange, calendar: SchoolCalendar, yearGroup: String?) -> [SessionSlot] {
        var out: [SessionSlot] = []
        var d = max(range.from, from)
        let last = to.map { min($0, range.to) } ?? range.to
        while d <= last {
            for s in sessions where applies(on: d, s) && calendar.isOpen(d, s, yearGroup: yearGroup) {
                out.append(SessionSlot(date: d, session: s))
            }
            d = d.adding(days: 1)
        }
        return out
    }

    /// In words: "K every Tuesday afternoon from 2025-09-09".
    public var words: String {
        let days = weekdays.map { ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"][$0 - 1] }
        let dayWords =
            days.count <= 1 ? days.joined() : days.dropLast().joined(separator: ", ") + " and " + days.last!
        let when =
            sessions.count == 2 ? "" : sessions.first == .am ? " morning" : " afternoon"
        return "\(code.symbol) every \(dayWords)\(when) from \(from.iso)\(to.map { " to \($0.iso)" } ?? "")"
    }

    /// Ending it: the last day it applies, not before the day before it began, and not after an end it already has.
    public func ended(lastDay: LocalDate) throws(ValidationError) -> RecurringPattern {
        guard lastDay >= from.adding(days: -1) else {
            throw ValidationError(field: "last_day", reason: "\(lastDay) is before the pattern began on \(from)")
        }
        if let to, lastDay > to { throw ValidationError(field: "last_day", reason: "the pattern already ends on \(to)") }
        var p = self
        p.to = lastDay
        return p
    }
}

/// The policy's `group_marking`: the codes a group may be marked with, a subset of `GroupMarking.allowedCodes`.
public struct GroupMarkingPolicy: Sendable, Hashable, Codable {
    /// Symbols, e.g. `["V", "P", "S"]`; absent: every code of `GroupMarking.allowedCodes`.
    public var codes: [String]?
    public init(codes: [String]? = nil) { self.codes = codes }

    public func validate() throws(ValidationError) {
        guard let codes else { return }
        guard !codes.isEmpty else { throw ValidationError(field: "group_marking.codes", reason: "must list at least one code") }
        for (i, c) in codes.enumerated() {
            guard let code = AttendanceCode.lookup(c), GroupMarking.allowedCodes.contains(code) else {
                throw ValidationError(
                    field: "group_marking.codes[\(i)]",
                    reason: "'\(c)' cannot be written for a group; use \(GroupMarking.allowedCodes.map(\.symbol).joined(separator: ", "))")
            }
        }
        if Set(codes).count != codes.count { throw ValidationError(field: "group_marking.codes", reason: "lists a code twice") }
    }
}
