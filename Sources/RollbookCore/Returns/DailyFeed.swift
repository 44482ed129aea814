import Foundation

/// The daily attendance feed (issue 18, docs/daily-feed.md): every AM/PM session of every pupil on roll over some
/// days, with the school's numbers and the characteristics the DfE breaks figures down by; whether each day's
/// registers are all taken; and, on request, the marks of earlier days amended since a moment.
///
/// A record is a session the statistics engine counts for the pupil (open for their year group while on roll), so
/// the feed's codes give the same possible sessions and absences as `StatisticsEngine.counts`. An open session with
/// no mark yet is a record with no code. The output has no time of its own: the same data gives the same bytes.
public struct DailyFeed: Sendable, Hashable {
    public struct School: Sendable, Hashable {
        public var name: String
        public var laNumber: String?
        public var estabNumber: String?
        public var urn: String?
        public init(name: String, laNumber: String?, estabNumber: String?, urn: String?) {
            self.name = name
            self.laNumber = laNumber
            self.estabNumber = estabNumber
            self.urn = urn
        }
    }

    public struct Pupil: Sendable, Hashable {
        /// The pupil's key in `marks` (the database id).
        public var key: Int
        public var upn: String
        public var sex: String
        public var form: String
        public var sen: SENProvision
        public var fsm: Bool
        public var enrolment: Enrolment
        public init(key: Int, upn: String, sex: String, form: String, sen: SENProvision, fsm: Bool, enrolment: Enrolment) {
            self.key = key
            self.upn = upn
            self.sex = sex
            self.form = form
            self.sen = sen
            self.fsm = fsm
            self.enrolment = enrolment
        }
    }

    /// A mark as the register holds it now.
    public struct Mark: Sendable, Hashable {
        public var pupil: Int
        public var date: LocalDate
        public var session: Session
        public var code: AttendanceCode
        public var minutesLate: Int?
        public init(pupil: Int, date: LocalDate, session: Session, code: AttendanceCode, minutesLate: Int?) {
            self.pupil = pupil
            self.date = date
            self.session = session
            self.code = code
            self.minutesLate = minutesLate
        }
    }

    public struct Record: Sendable, Hashable {
        public var upn: String
        public var date: LocalDate
        public var session: Session
        /// Nil: the session is open for the pupil and no mark is recorded yet.
        public var code: AttendanceCode?
        public var minutesLate: Int?
        /// The National Curriculum year group on that day.
        public var yearGroup: String
        public var sex: String
        public var sen: SENProvision
        public var fsm: Bool
        /// For an amendment: when the mark was last amended.
        public var amendedAt: String?
    }

    public struct Day: Sendable, Hashable {
        public var date: LocalDate
        /// Every register (form and session) of the day has a mark for every pupil it should.
        public var complete: Bool { missingRegisters == 0 }
        /// Forms' AM and PM registers with at least one pupil to mark.
        public var registers: Int
        /// Of those, the registers with at least one pupil still unmarked (as the Missing registers page counts them).
        public var missingRegisters: Int
        /// Sessions with no mark, over all pupils.
        public var unmarkedSessions: Int
    }

    public var school: School
    public var range: DateRange
    /// The moment given as `amended_since`, as given.
    public var amendedSince: String?
    /// The school days of the range (days with a session open for some pupil on roll), in order.
    public var days: [Day]
    /// Ordered by date, session (AM first), UPN.
    public var records: [Record]
    /// Marks of days before the range amended after `amendedSince`, in the same order.
    public var amendments: [Record]

    private struct Key: Hashable {
        var pupil: Int
        var day: Int32
        var session: Session
    }

    /// Builds the feed from the roll, the register's marks over `range`, and the amended marks of earlier days (each
    /// with its pupil and the time of its latest amendment).
    public static func build(
        school: School, calendar: SchoolCalendar, range: DateRange, pupils: [Pupil], marks: [Mark],
        amendedSince: String? = nil, amended: [(mark: Mark, amendedAt: String)] = [], amendedPupils: [Pupil] = []
    ) -> DailyFeed {
        var byKey: [Key: Mark] = [:]
        byKey.reserveCapacity(marks.count)
        for m in marks where range.contains(m.date) { byKey[Key(pupil: m.pupil, day: m.date.dayNumber, session: m.session)] = m }
        let roll = pupils.sorted { $0.upn < $1.upn }
        var days: [Day] = []
        var records: [Record] = []
        var d = range.from
        while d <= range.to {
            let year = AcademicYear(containing: d)
            var registers = 0
            var missing = 0
            var unmarked = 0
            var any = false
            for s in Session.allCases {
                // Per form: whether it has a register this session, and whether one of its pupils is unmarked.
                var forms: [String: Bool] = [:]
                for p in roll where p.enrolment.isOnRoll(d) {
                    let group = p.enrolment.yearGroup(in: year)
                    guard calendar.isOpen(d, s, yearGroup: group) else { continue }
                    let m = byKey[Key(pupil: p.key, day: d.dayNumber, session: s)]
                    if m == nil { unmarked += 1 }
                    forms[p.form, default: false] = forms[p.form, default: false] || m == nil
                    records.append(
                        Record(
                            upn: p.upn, date: d, session: s, code: m?.code, minutesLate: m?.minutesLate, yearGroup: group, sex: p.sex,
                            sen: p.sen, fsm: p.fsm))
                }
                registers += forms.count
                missing += forms.values.filter { $0 }.count
                any = any || !forms.isEmpty
            }
            if any { days.append(Day(date: d, registers: registers, missingRegisters: missing, unmarkedSessions: unmarked)) }
            d = d.adding(days: 1)
        }
        let who = Dictionary((pupils + amendedPupils).map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let changes = amended.compactMap { a -> Record? in
            guard a.mark.date < range.from, let p = who[a.mark.pupil] else { return nil }
            return Record(
                upn: p.upn, date: a.mark.date, session: a.mark.session, code: a.mark.code, minutesLate: a.mark.minutesLate,
                yearGroup: p.enrolment.yearGroup(in: AcademicYear(containing: a.mark.date)), sex: p.sex, sen: p.sen, fsm: p.fsm,
                amendedAt: a.amendedAt)
        }.sorted { ($0.date, $0.session.index, $0.upn) < ($1.date, $1.session.index, $1.upn) }
        return DailyFeed(
            school: school, range: range, amendedSince: amendedSince, days: days, records: records, amendments: changes)
    }

    /// The feed's day for `date`, if it is a school day of the range.
    public func day(_ date: LocalDate) -> Day? { days.first { $0.date == date } }

    // MARK: Output

    /// The CSV columns, in order (docs/daily-feed.md describes each).
    public static let csvColumns = [
        "record_type", "la_number", "estab_number", "urn", "upn", "date", "session", "code", "minutes_late", "year_group", "sex",
        "sen", "fsm", "day_complete", "day_missing_registers", "amended_at",
    ]

    /// One row per record ("mark") then per amendment ("amendment"); each mark row carries its day's completeness.
    public var csv: String {
        var out = Self.csvColumns.joined(separator: ",") + "\n"
        let numbers = [school.laNumber ?? "", school.estabNumber ?? "", school.urn ?? ""].map(csvField)
        var dayIndex: [Int32: Day] = [:]
        for d in days { dayIndex[d.date.dayNumber] = d }
        func row(_ type: String, _ r: Record, day: Day?) -> String {
            ([type] + numbers + [
                csvField(r.upn), r.date.iso, r.session.rawValue, csvField(r.code?.symbol ?? ""), r.minutesLate.map(String.init) ?? "",
                csvField(r.yearGroup), csvField(r.sex), Self.senCode(r.sen), r.fsm ? "true" : "false",
                day.map { $0.complete ? "true" : "false" } ?? "", day.map { String($0.missingRegisters) } ?? "", r.amendedAt ?? "",
            ]).joined(separator: ",") + "\n"
        }
        for r in records { out += row("mark", r, day: dayIndex[r.date.dayNumber]) }
        for r in amendments { out += row("amendment", r, day: nil) }
        return out
    }

    /// The census's SEN provision letter: N (none), K (SEN support), E (EHC plan).
    public static func senCode(_ s: SENProvision) -> String { s == .none ? "N" : s.rawValue }

    /// The feed as one JSON object, keys in a fixed order, absent values as null.
    public var json: String {
        func str(_ s: String?) -> String { s.map(jsonString) ?? "null" }
        func record(_ r: Record, amendment: Bool) -> String {
            var parts = [
                "\"upn\": \(jsonString(r.upn))", "\"date\": \"\(r.date.iso)\"", "\"session\": \"\(r.session.rawValue)\"",
                "\"code\": \(str(r.code?.symbol))", "\"minutes_late\": \(r.minutesLate.map(String.init) ?? "null")",
                "\"year_group\": \(jsonString(r.yearGroup))", "\"sex\": \(jsonString(r.sex))", "\"sen\": \"\(Self.senCode(r.sen))\"",
                "\"fsm\": \(r.fsm)",
            ]
            if amendment { parts.append("\"amended_at\": \(str(r.amendedAt))") }
            return "    {" + parts.joined(separator: ", ") + "}"
        }
        let dayLines = days.map {
            "    {\"date\": \"\($0.date.iso)\", \"complete\": \($0.complete), \"registers\": \($0.registers), "
                + "\"missing_registers\": \($0.missingRegisters), \"unmarked_sessions\": \($0.unmarkedSessions)}"
        }
        func list(_ lines: [String]) -> String { lines.isEmpty ? "[]" : "[\n" + lines.joined(separator: ",\n") + "\n  ]" }
        return """
            {
              "school": {"name": \(jsonString(school.name)), "la_number": \(str(school.laNumber)), \
            "estab_number": \(str(school.estabNumber)), "urn": \(str(school.urn))},
              "from": "\(range.from.iso)",
              "to": "\(range.to.iso)",
              "amended_since": \(str(amendedSince)),
              "complete": \(days.allSatisfy(\.complete)),
              "days": \(list(dayLines)),
              "records": \(list(records.map { record($0, amendment: false) })),
              "amendments": \(list(amendments.map { record($0, amendment: true) }))
            }

            """
    }
}

extension DailyFeed {
    /// The longest range one call covers: about a term.
    public static let maxDays = 93

    /// The days asked for: `date`, or `from` and `to` (at most `limit` days), or with neither the last school day
    /// before `today`. Errors name the parameter.
    public static func range(
        date: String?, from: String?, to: String?, today: LocalDate, calendar: SchoolCalendar, limit: Int? = maxDays
    ) throws(ValidationError) -> DateRange {
        func day(_ s: String, _ field: String) throws(ValidationError) -> LocalDate {
            guard let d = LocalDate(iso: s) else {
                throw ValidationError(field: field, reason: "'\(s)' is not a date in the form YYYY-MM-DD")
            }
            return d
        }
        if let date {
            guard from == nil, to == nil else { throw ValidationError(field: "date", reason: "give either date or from and to, not both") }
            let d = try day(date, "date")
            return DateRange(from: d, to: d)
        }
        switch (from, to) {
        case (nil, nil):
            guard let d = calendar.latestSchoolDay(onOrBefore: today.adding(days: -1)) else {
                throw ValidationError(field: "date", reason: "the school's calendar has no school day before \(today.iso): give a date")
            }
            return DateRange(from: d, to: d)
        case (let f?, let t?):
            let r = DateRange(from: try day(f, "from"), to: try day(t, "to"))
            guard r.from <= r.to else { throw ValidationError(field: "to", reason: "\(r.to.iso) is before from (\(r.from.iso))") }
            if let limit, r.days > limit {
                throw ValidationError(field: "to", reason: "the range has \(r.days) days; at most \(limit) (about a term) in one call")
            }
            return r
        case (nil, _): throw ValidationError(field: "from", reason: "is required with to")
        case (_, nil): throw ValidationError(field: "to", reason: "is required with from")
        }
    }

    /// `amended_since`: an ISO 8601 date-time with a UTC offset (e.g. 2026-11-24T18:00:00Z or 2026-11-24T18:00:00+00:00).
    public static func moment(_ s: String) throws(ValidationError) -> Date {
        let f = ISO8601DateFormatter()
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d }
        throw ValidationError(
            field: "amended_since", reason: "'\(s)' is not a date-time with a UTC offset, e.g. 2026-11-24T18:00:00Z")
    }
}
