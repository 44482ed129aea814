// Leave of absence (Pupil Registration Regulations 2024, reg 11): a request, the checks the head sees before deciding,
// the grant and its code, and the follow-up afterwards (G for leave taken after refusal or beyond the days granted;
// evidence for absence on the school days next to agreed leave). Pure: no I/O, no clock.

// MARK: - Sessions

/// One session of a leave request or grant.
public struct LeaveSession: Sendable, Hashable, Codable, Comparable {
    public var date: LocalDate
    public var session: Session
    public init(date: LocalDate, session: Session) {
        self.date = date
        self.session = session
    }
    /// Sessions in time order: two a day, AM first.
    var ordinal: Int { Int(date.dayNumber) * 2 + session.index }
    public static func < (a: LeaveSession, b: LeaveSession) -> Bool { a.ordinal < b.ordinal }
}

/// From a session on one day to a session on another, both included.
struct LeaveSpan {
    let first: LeaveSession
    let last: LeaveSession
    func contains(_ s: LeaveSession) -> Bool { s >= first && s <= last }

    /// The sessions in the span the school is open for the pupil's year group (as it is on each day) while on roll.
    func openSessions(calendar: SchoolCalendar, enrolment: Enrolment) -> [LeaveSession] {
        var out: [LeaveSession] = []
        guard first <= last else { return out }
        var d = first.date
        while d <= last.date {
            if enrolment.isOnRoll(d) {
                let g = enrolment.yearGroup(in: AcademicYear(containing: d))
                for s in Session.allCases where calendar.isOpen(d, s, yearGroup: g) {
                    let x = LeaveSession(date: d, session: s)
                    if contains(x) { out.append(x) }
                }
            }
            d = d.adding(days: 1)
        }
        return out
    }

    /// "4 May 2026 (AM) to 8 May 2026 (PM)"
    var words: String {
        "\(EvalWords.date(first.date)) (\(first.session.rawValue)) to \(EvalWords.date(last.date)) (\(last.session.rawValue))"
    }
}

// MARK: - The request

extension LeaveRequest {
    /// Where a request stands: pending until the head (or a delegate) grants or refuses it, or the parent withdraws it.
    /// The raw values are the text stored.
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        case pending, granted, refused, withdrawn
    }
}

/// A parent's request for leave of absence, from a session on one day to a session on another.
public struct LeaveRequest: Sendable, Hashable, Codable {
    public var from: LocalDate
    public var fromSession: Session
    public var to: LocalDate
    public var toSession: Session
    /// The day the school received the request in writing.
    public var requestedOn: LocalDate
    /// The parent (or the office) marks the request as about exceptional circumstances, e.g. a bereavement.
    public var exceptional: Bool
    public var reason: String
    /// What the leave is for, as a leave code's symbol (`C1` for a licensed performance); nil when not said.
    public var code: String? = nil
    /// Where the pupil stays while away: needed for leave of 15 school days or more (TemporaryAddress.swift). Staff only.
    public var temporaryAddress: String? = nil

    /// The codes a request may name, with the words a parent chooses from.
    public static let purposes: [(code: String, words: String)] = [
        ("C", "Exceptional circumstances (for example a bereavement)"),
        ("C1", "A performance or activity licensed by the local authority"),
        ("R", "Religious observance: a day set apart by your religious body"),
    ]

    /// The longest request, first day to last: 62 calendar days.
    public static let maximumDays = 62

    public init(
        from: LocalDate, fromSession: Session = .am, to: LocalDate, toSession: Session = .pm, requestedOn: LocalDate,
        exceptional: Bool = false, reason: String, code: String? = nil
    ) {
        self.code = code
        self.from = from
        self.fromSession = fromSession
        self.to = to
        self.toSession = toSession
        self.requestedOn = requestedOn
        self.exceptional = exceptional
        self.reason = reason
    }

    var span: LeaveSpan {
        LeaveSpan(first: LeaveSession(date: from, session: fromSession), last: LeaveSession(date: to, session: toSession))
    }
    public var firstSession: LeaveSession { span.first }
    public var lastSession: LeaveSession { span.last }
    public func contains(_ date: LocalDate, _ session: Session) -> Bool { span.contains(LeaveSession(date: date, session: session)) }

    /// The sessions of the request the school is open for the pupil's year group (weekends, holidays and closures
    /// left out), while the pupil is on roll, from `fromSession` on `from` to `toSession` on `to`.
    public func sessions(calendar: SchoolCalendar, enrolment: Enrolment) -> [LeaveSession] {
        span.openSessions(calendar: calendar, enrolment: enrolment)
    }

    /// Checks the request's own fields; the error names the field (snake_case, as in the form and the API).
    public func validate(today: LocalDate) throws(ValidationError) {
        if to < from { throw ValidationError(field: "to", reason: "\(to.iso) is before the first day, \(from.iso)") }
        if to == from && fromSession == .pm && toSession == .am {
            throw ValidationError(
                field: "from_session", reason: "the leave cannot start in the afternoon and end in the morning of the same day")
        }
        let days = from.days(to: to) + 1
        if days > Self.maximumDays {
            throw ValidationError(field: "to", reason: "the leave covers \(days) days; a request may cover at most \(Self.maximumDays)")
        }
        if requestedOn > today {
            throw ValidationError(field: "requested_on", reason: "\(requestedOn.iso) is after today (\(today.iso))")
        }
        if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError(field: "reason", reason: "must say why the leave is requested")
        }
        if let c = code, !Self.purposes.contains(where: { $0.code == c }) {
            throw ValidationError(
                field: "code",
                reason: "'\(c)' is not a kind of leave a request may name; use \(Self.purposes.map(\.code).joined(separator: ", "))")
        }
    }
}

// MARK: - The checks before a decision

/// One rule's verdict on a request, for the head deciding it.
public struct LeaveFinding: Sendable, Hashable, Codable {
    public enum Verdict: String, Sendable, Hashable, Codable, Comparable {
        case ok, caution, refuse
        var severity: Int {
            switch self {
            case .ok: 0
            case .caution: 1
            case .refuse: 2
            }
        }
        public static func < (a: Verdict, b: Verdict) -> Bool { a.severity < b.severity }
    }
    /// The policy setting checked (`leave.notice_days`, `leave.blackouts[0]`, `leave.refuse_when_authorised_above`),
    /// or `reg_11` for the regulation itself.
    public var rule: String
    public var verdict: Verdict
    /// Plain English with the figures and dates.
    public var message: String
    /// The clause of the school's policy, or the regulation, the rule follows.
    public var source: String
    /// The numbers behind the verdict, where the rule has them (`leave.refuse_below_projected_attendance`).
    public var figures: [String: Double]?
    /// The verdict in words for the family (no staff text); nil where the rule has none.
    public var parent: String?
    public init(
        rule: String, verdict: Verdict, message: String, source: String, figures: [String: Double]? = nil, parent: String? = nil
    ) {
        self.rule = rule
        self.verdict = verdict
        self.message = message
        self.source = source
        self.figures = figures
        self.parent = parent
    }
}

extension Array where Element == LeaveFinding {
    /// Any finding refuses the request.
    public var refused: Bool { contains { $0.verdict == .refuse } }
}

/// The checks of a request against the regulation and the school's leave policy.
public struct LeaveCheck: Sendable, Hashable, Codable {
    /// In a stable order: reg 11, notice, authorised absence, projected attendance, then each blackout in the policy's order.
    public var findings: [LeaveFinding]
    public init(findings: [LeaveFinding]) { self.findings = findings }
    /// Any finding refuses the request.
    public var refused: Bool { findings.refused }
    /// The most serious verdict: refuse, else caution, else ok.
    public var verdict: LeaveFinding.Verdict { findings.map(\.verdict).max() ?? .ok }
    /// One line for the head: the verdict and the rules behind it.
    public var summary: String {
        let refusing = findings.filter { $0.verdict == .refuse }.map(\.rule)
        let cautions = findings.filter { $0.verdict == .caution }.map(\.rule)
        switch verdict {
        case .refuse:
            return "Refuse: \(refusing.joined(separator: ", "))"
                + (cautions.isEmpty ? "." : "; caution: \(cautions.joined(separator: ", ")).")
        case .caution: return "The head decides: caution on \(cautions.joined(separator: ", "))."
        case .ok: return "No rule refuses this request: the head decides whether the circumstances are exceptional."
        }
    }

    /// Statutory source for reg 11, used unless the policy cites a clause for `reg_11`.
    public static let reg11Source =
        "School Attendance (Pupil Registration) (England) Regulations 2024 reg 11: leave is granted only "
        + "by the head, in advance, for C1, J1, S, C2 or exceptional circumstances (C); never retrospectively; holiday is not an "
        + "exceptional circumstance. Leave taken after refusal, or beyond the days granted, is G."

    public static func check(
        request: LeaveRequest, policy: Policy, calendar: SchoolCalendar, enrolment: Enrolment, asOf: LocalDate,
        authorisedAbsence: SessionCounts
    ) -> LeaveCheck {
        LeaveCheck(
            findings: findings(
                request: request, policy: policy, calendar: calendar, enrolment: enrolment, asOf: asOf,
                authorisedAbsence: authorisedAbsence))
    }

    /// The findings on `request` as it stands on `asOf`. `authorisedAbsence` is the pupil's sessions this academic year
    /// to `asOf` (see `yearToDate`); its authorised rate is checked against `leave.refuse_when_authorised_above`.
    public static func findings(
        request: LeaveRequest, policy: Policy, calendar: SchoolCalendar, enrolment: Enrolment, asOf: LocalDate,
        authorisedAbsence: SessionCounts
    ) -> [LeaveFinding] {
        var out: [LeaveFinding] = []
        let rules = policy.leave
        func source(_ rule: String) -> String {
            rule == "reg_11" ? (policy.clauses.first { $0.setting == rule }?.source ?? reg11Source) : EvalPlan.source(rule, policy)
        }
        func add(_ rule: String, _ verdict: LeaveFinding.Verdict, _ message: String, parent: String? = nil) {
            out.append(LeaveFinding(rule: rule, verdict: verdict, message: message, source: source(rule), parent: parent))
        }
        let start = "\(EvalWords.date(request.from)) (\(request.fromSession.rawValue))"

        // Reg 11: in advance, never retrospectively.
        if request.from < asOf {
            add(
                "reg_11", .refuse,
                "The leave started on \(start), \(EvalWords.count(request.from.days(to: asOf), "day")) ago: "
                    + "leave cannot be granted retrospectively (reg 11).",
                parent: "The leave had already started when it was decided: the law does not allow leave to be granted "
                    + "after it has begun.")
        } else if request.from == asOf {
            add(
                "reg_11", .caution,
                "The leave starts today, \(start): it can only be granted before it starts (reg 11), "
                    + "so decide before the \(request.fromSession == .am ? "morning" : "afternoon") register.")
        } else {
            add(
                "reg_11", .ok,
                "Decided in advance: the leave starts on \(start), \(EvalWords.count(asOf.days(to: request.from), "day")) from today.")
        }
        let sessions = request.sessions(calendar: calendar, enrolment: enrolment)
        if sessions.isEmpty {
            add(
                "reg_11", .caution,
                "The school is not open for this pupil on any session from \(request.span.words): there is nothing to grant.")
        }

        // Notice.
        let given = request.requestedOn.days(to: request.from)
        let (needed, noticeRule) = notice(for: request, policy: policy)
        let requested =
            "Requested on \(EvalWords.date(request.requestedOn)), \(EvalWords.count(given, "day")) before the leave "
            + "starts on \(EvalWords.date(request.from)); the policy asks for \(noticeWords(needed))"
        if given >= needed {
            add(noticeRule, .ok, requested + ".")
        } else if request.exceptional {
            add(
                noticeRule, .caution,
                requested + ", \(EvalWords.count(needed - given, "day")) short, but the request is marked "
                    + "exceptional: the head may still consider it (a holiday is not an exceptional circumstance).")
        } else {
            add(
                noticeRule, .refuse,
                requested + ", \(EvalWords.count(needed - given, "day")) short, and the request is not marked exceptional.",
                parent: "The request reached the school \(EvalWords.count(given, "day")) before the leave, and the school's "
                    + "attendance policy asks for \(noticeWords(needed)).")
        }
        // Religious observance (ReligiousObservance.swift).
        out += religiousFindings(request: request, sessions: sessions, policy: policy)

        // Authorised absence already above the policy's limit.
        if let limit = rules.refuseWhenAuthorisedAbove {
            let c = authorisedAbsence
            if c.possible == 0 {
                add(
                    "leave.refuse_when_authorised_above", .ok,
                    "No possible sessions yet this year, so no authorised absence rate; the policy's limit is \(EvalWords.threshold(limit))."
                )
            } else {
                let rate = Double(c.authorised) / Double(c.possible)
                let figures =
                    "Authorised absence this year is \(EvalWords.percent(rate)) (\(c.authorised) of \(EvalWords.count(c.possible, "possible session")))"
                // Above means strictly above; exactly at the limit is allowed (compared without rounding noise).
                if Double(c.authorised) > limit * Double(c.possible) + 1e-9 {
                    add(
                        "leave.refuse_when_authorised_above", .refuse, figures + ", above the policy's \(EvalWords.threshold(limit)).",
                        parent: "Authorised absence this school year is already \(EvalWords.percent(rate)) of the sessions so far, "
                            + "above the \(EvalWords.threshold(limit)) the school's attendance policy allows before more leave is granted.")
                } else {
                    add("leave.refuse_when_authorised_above", .ok, figures + ", not above the policy's \(EvalWords.threshold(limit)).")
                }
            }
        }

        // The projected-attendance floor (LeaveProjection.swift).
        if let f = floorFinding(
            request: request, sessions: sessions, policy: policy, calendar: calendar, enrolment: enrolment, asOf: asOf,
            soFar: authorisedAbsence)
        {
            out.append(f)
        }

        // Blackouts.
        var anyOverlap = false
        for (i, b) in rules.blackouts.enumerated() {
            let rule = "leave.blackouts[\(i)]"
            let dates = "\(EvalWords.date(b.from)) to \(EvalWords.date(b.to))"
            let inside = sessions.filter { b.from <= $0.date && $0.date <= b.to }
            guard !inside.isEmpty else { continue }
            anyOverlap = true
            let applying = inside.filter { b.applies(to: enrolment.yearGroup(in: AcademicYear(containing: $0.date))) }
            let groups = b.yearGroups.map { " (for \(yearWords($0)))" } ?? ""
            if let first = applying.first {
                add(
                    rule, .refuse,
                    "\(EvalWords.count(applying.count, "session")) of the request, from \(EvalWords.date(first.date)), \(applying.count == 1 ? "falls" : "fall") in the blackout "
                        + "'\(b.reason)', \(dates)\(groups): leave is not granted then.",
                    parent: "The dates fall in a period when the school does not grant leave: \(b.reason), \(dates).")
            } else {
                let g = enrolment.yearGroup(in: AcademicYear(containing: inside[0].date))
                add(
                    rule, .ok,
                    "The request overlaps the blackout '\(b.reason)', \(dates), but that is for \(yearWords(b.yearGroups ?? [])) only "
                        + "and this pupil is in \(yearWords([g])): it does not apply.")
            }
        }
        if !rules.blackouts.isEmpty && !anyOverlap {
            add(
                "leave.blackouts", .ok,
                "The request does not overlap any of the policy's \(EvalWords.count(rules.blackouts.count, "blackout period")).")
        }
        return out
    }

    /// The parent-facing form's check before a request is accepted: the fields, then the notice period (unless the
    /// request is marked exceptional) and no start in the past. Errors name the field.
    public static func canRequest(_ request: LeaveRequest, policy: Policy, today: LocalDate) throws(ValidationError) {
        try request.validate(today: today)
        if request.from < today {
            throw ValidationError(field: "from", reason: "\(request.from.iso) has passed: leave cannot be granted retrospectively")
        }
        let given = request.requestedOn.days(to: request.from)
        let needed = notice(for: request, policy: policy).days
        if given < needed && !request.exceptional {
            throw ValidationError(
                field: "from",
                reason: "requests need \(noticeWords(needed)) and this gives "
                    + "\(given); choose a later first day, or mark the request exceptional and say why")
        }
    }

    /// The pupil's sessions this academic year up to and including `asOf`, with sessions not yet marked left out:
    /// the figures `findings` compares with `leave.refuse_when_authorised_above`.
    public static func yearToDate(marks: SessionArray, calendar: SchoolCalendar, enrolment: Enrolment, asOf: LocalDate) -> SessionCounts {
        let range = DateRange(from: AcademicYear(containing: asOf).range.from, to: asOf)
        return StatisticsEngine(calendar: calendar).counts(marks, enrolment: enrolment, range: range).markedOnly
    }

    /// "14 days' notice", "1 day's notice".
    static func noticeWords(_ days: Int) -> String {
        switch days {
        case 0: "no minimum notice"
        case 1: "1 day's notice"
        default: "\(days) days' notice"
        }
    }

    /// "Year 6", "Reception", "Years 1 and 2".
    static func yearWords(_ groups: [String]) -> String {
        func one(_ g: String) -> String {
            switch g {
            case "R": "Reception"
            case "N1", "N2": "Nursery (\(g))"
            default: g
            }
        }
        let numbered = groups.filter { Int($0) != nil }
        let named = groups.filter { Int($0) == nil }.map(one)
        var parts: [String] = named
        if numbered.count == 1 { parts.append("Year \(numbered[0])") }
        if numbered.count > 1 { parts.append("Years " + list(numbered)) }
        return list(parts)
    }

    static func list(_ items: [String]) -> String {
        items.count <= 1 ? (items.first ?? "") : items.dropLast().joined(separator: ", ") + " and " + items.last!
    }
}

// MARK: - The grant

/// The head's grant: the code the sessions are recorded with and the sessions granted, inside the request.
public struct LeaveGrant: Sendable, Hashable, Codable {
    public var code: AttendanceCode
    public var from: LocalDate
    public var fromSession: Session
    public var to: LocalDate
    public var toSession: Session
    /// The LA's licence for a regulated performance or employment abroad: required for C1.
    public var licenceReference: String?
    /// The agreed days and times of a temporary part-time timetable: required for C2.
    public var timetable: String?
    /// When a part-time timetable is reviewed: required for C2, after it starts.
    public var reviewDate: LocalDate?
    /// For R: the religious body's advice on whether the day is set apart, where the school sought it (staff only).
    public var religiousBodyAdvice: String? = nil
    /// For C2: the weekly sessions (`mon_am` ... `fri_pm`) the pupil is not expected to attend; only those are coded C2.
    public var notExpected: [String]? = nil
    /// Where the pupil stays while away, when the decision records it (15 school days or more). Staff only.
    public var temporaryAddress: String? = nil
    /// For C2: an agreed late start by weekday (`mon` ... `fri`); arriving by it is present, not L or U.
    public var agreedStart: [String: TimeOfDay]? = nil
    /// For C2: an agreed early finish by weekday (`mon` ... `fri`); leaving from it needs no sign-out reason.
    public var agreedFinish: [String: TimeOfDay]? = nil

    /// The codes a head grants leave with. M is not among them: the office records a medical appointment as M
    /// without a leave decision.
    public static let codes: [AttendanceCode] = [.c, .c1, .j1, .s, .c2, .t, .r]

    public init(
        code: AttendanceCode, from: LocalDate, fromSession: Session = .am, to: LocalDate, toSession: Session = .pm,
        licenceReference: String? = nil, timetable: String? = nil, reviewDate: LocalDate? = nil
    ) {
        self.code = code
        self.from = from
        self.fromSession = fromSession
        self.to = to
        self.toSession = toSession
        self.licenceReference = licenceReference
        self.timetable = timetable
        self.reviewDate = reviewDate
    }

    /// The whole request granted as it was asked for.
    public init(
        code: AttendanceCode, granting r: LeaveRequest, licenceReference: String? = nil, timetable: String? = nil,
        reviewDate: LocalDate? = nil
    ) {
        self.init(
            code: code, from: r.from, fromSession: r.fromSession, to: r.to, toSession: r.toSession,
            licenceReference: licenceReference, timetable: timetable, reviewDate: reviewDate)
    }

    var span: LeaveSpan {
        LeaveSpan(first: LeaveSession(date: from, session: fromSession), last: LeaveSession(date: to, session: toSession))
    }
    public func contains(_ date: LocalDate, _ session: Session) -> Bool { span.contains(LeaveSession(date: date, session: session)) }

    /// The sessions granted the school is open for the pupil's year group while on roll.
    public func sessions(calendar: SchoolCalendar, enrolment: Enrolment) -> [LeaveSession] {
        span.openSessions(calendar: calendar, enrolment: enrolment)
    }

    /// Checks the grant against the request it decides; the error names the field (snake_case).
    public func validate(request: LeaveRequest) throws(ValidationError) {
        func blank(_ s: String?) -> Bool { (s ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        guard Self.codes.contains(code) else {
            let allowed = Self.codes.map(\.symbol).joined(separator: ", ")
            let why =
                code == .m
                ? "M (medical or dental appointment) is recorded by the office, not granted as leave; "
                : "\(code.symbol) is not a leave code; "
            throw ValidationError(field: "code", reason: why + "leave is granted as one of \(allowed)")
        }
        if to < from { throw ValidationError(field: "to", reason: "\(to.iso) is before the first day granted, \(from.iso)") }
        if to == from && fromSession == .pm && toSession == .am {
            throw ValidationError(
                field: "from_session", reason: "the leave cannot start in the afternoon and end in the morning of the same day")
        }
        if span.first < request.span.first {
            throw ValidationError(
                field: "from",
                reason: "\(from.iso) (\(fromSession.rawValue)) is before the request starts, "
                    + "\(request.from.iso) (\(request.fromSession.rawValue)): only days requested can be granted")
        }
        if span.last > request.span.last {
            throw ValidationError(
                field: "to",
                reason: "\(to.iso) (\(toSession.rawValue)) is after the request ends, "
                    + "\(request.to.iso) (\(request.toSession.rawValue)): only days requested can be granted")
        }
        if code == .c1 && blank(licenceReference) {
            throw ValidationError(
                field: "licence_reference", reason: "C1 needs the LA's licence reference for the performance or employment")
        }
        if code == .c2 {
            if blank(timetable) {
                throw ValidationError(field: "timetable", reason: "C2 needs the agreed days and times of the part-time timetable")
            }
            guard let review = reviewDate else {
                throw ValidationError(field: "review_date", reason: "C2 needs the date the part-time timetable is reviewed")
            }
            if review <= from {
                throw ValidationError(field: "review_date", reason: "\(review.iso) must be after the timetable starts, \(from.iso)")
            }
            try validatePartTime()
        }
    }

    // The code is stored as its symbol ("C1"), as in registers and files.
    enum CodingKeys: String, CodingKey {
        case code, from, fromSession, to, toSession, licenceReference, timetable, reviewDate, religiousBodyAdvice, notExpected,
            temporaryAddress, agreedStart, agreedFinish
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let symbol = try c.decode(String.self, forKey: .code)
        guard let code = AttendanceCode.lookup(symbol) else {
            throw DecodingError.dataCorruptedError(forKey: .code, in: c, debugDescription: "'\(symbol)' is not a DfE attendance code")
        }
        self.init(
            code: code, from: try c.decode(LocalDate.self, forKey: .from), fromSession: try c.decode(Session.self, forKey: .fromSession),
            to: try c.decode(LocalDate.self, forKey: .to), toSession: try c.decode(Session.self, forKey: .toSession),
            licenceReference: try c.decodeIfPresent(String.self, forKey: .licenceReference),
            timetable: try c.decodeIfPresent(String.self, forKey: .timetable),
            reviewDate: try c.decodeIfPresent(LocalDate.self, forKey: .reviewDate))
        religiousBodyAdvice = try c.decodeIfPresent(String.self, forKey: .religiousBodyAdvice)
        notExpected = try c.decodeIfPresent([String].self, forKey: .notExpected)
        temporaryAddress = try c.decodeIfPresent(String.self, forKey: .temporaryAddress)
        agreedStart = try c.decodeIfPresent([String: TimeOfDay].self, forKey: .agreedStart)
        agreedFinish = try c.decodeIfPresent([String: TimeOfDay].self, forKey: .agreedFinish)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(code.symbol, forKey: .code)
        try c.encode(from, forKey: .from)
        try c.encode(fromSession, forKey: .fromSession)
        try c.encode(to, forKey: .to)
        try c.encode(toSession, forKey: .toSession)
        try c.encodeIfPresent(licenceReference, forKey: .licenceReference)
        try c.encodeIfPresent(timetable, forKey: .timetable)
        try c.encodeIfPresent(reviewDate, forKey: .reviewDate)
        try c.encodeIfPresent(religiousBodyAdvice, forKey: .religiousBodyAdvice)
        try c.encodeIfPresent(notExpected, forKey: .notExpected)
        try c.encodeIfPresent(temporaryAddress, forKey: .temporaryAddress)
        try c.encodeIfPresent(agreedStart, forKey: .agreedStart)
        try c.encodeIfPresent(agreedFinish, forKey: .agreedFinish)
    }
}

// MARK: - Follow-up after a decision

/// A request and the head's decision on it.
public struct LeaveDecisionFacts: Sendable, Hashable, Codable {
    public var request: LeaveRequest
    /// The sessions granted and their code; nil when the request was refused.
    public var grant: LeaveGrant?
    public var decidedOn: LocalDate
    public init(request: LeaveRequest, grant: LeaveGrant?, decidedOn: LocalDate) {
        self.request = request
        self.grant = grant
        self.decidedOn = decidedOn
    }
}

/// The actions a leave decision leads to once the registers are marked: `leave_unauthorised` (code G), and for
/// absence on the school days next to agreed leave `leave_evidence` (ask for evidence), then `evidence_deadline` (code
/// G) and `inform_la` when none came within the policy's days of the pupil's return.
public enum LeaveFollowUp {
    /// Every leave action due on `asOf` for one pupil, in worklist order. Decisions made after `asOf` are ignored; where
    /// one request was decided more than once, the latest decision stands. From `casework` it reads `evidenceReceived`
    /// (sessions next to a leave with evidence) and `done` (a deadline needs its request sent). Keys are stable (kind,
    /// UPN, rule, anchor day and a suffix); the caller leaves out keys already done, as for `Evaluation.run`.
    public static func run(
        policy: Policy, calendar: SchoolCalendar, asOf: LocalDate, pupil: PupilFacts, decisions: [LeaveDecisionFacts],
        casework: Casework = Casework()
    ) -> [DueAction] {
        var latest: [LeaveRequest: LeaveDecisionFacts] = [:]
        var order: [LeaveRequest] = []
        for d in decisions where d.decidedOn <= asOf {
            if let seen = latest[d.request] {
                if d.decidedOn >= seen.decidedOn { latest[d.request] = d }
            } else {
                latest[d.request] = d
                order.append(d.request)
            }
        }
        let stands = order.compactMap { latest[$0] }
        let label = "\(policy.name) (in force from \(policy.effectiveFrom.iso))"
        var out: [DueAction] = []
        var keys: Set<String> = []
        func add(_ a: DueAction) { if keys.insert(a.key).inserted { out.append(a) } }

        for d in stands {
            if let a = unauthorised(d, policy: policy, calendar: calendar, asOf: asOf, pupil: pupil, label: label) { add(a) }
            if let a = partTimeReview(d, policy: policy, calendar: calendar, asOf: asOf, pupil: pupil, label: label) { add(a) }
            for a in partTimeInformLA(d, policy: policy, asOf: asOf, pupil: pupil, label: label) { add(a) }
        }
        if let days = policy.leave.adjacentDaysEvidenceDays {
            let grants = stands.compactMap(\.grant)
            for d in stands {
                guard let g = d.grant else { continue }
                for a in evidence(
                    g, days: days, others: grants, policy: policy, calendar: calendar, asOf: asOf, pupil: pupil, casework: casework,
                    label: label)
                { add(a) }
            }
        }
        return out.enumerated().sorted { x, y in
            let a = x.element
            let b = y.element
            if a.due != b.due { return a.due < b.due }
            if a.kind != b.kind { return a.kind.order < b.kind.order }
            return x.offset < y.offset
        }.map(\.element)
    }

    /// The earlier form, evidence by day (both sessions) and no casework: kept so callers build until they pass
    /// `casework:`. With no `done`, a request is never taken as sent, so no deadline action follows.
    public static func run(
        policy: Policy, calendar: SchoolCalendar, asOf: LocalDate, pupil: PupilFacts, decisions: [LeaveDecisionFacts],
        evidenceReceived: Set<LocalDate>
    ) -> [DueAction] {
        let slots = evidenceReceived.flatMap { d in Session.allCases.map { SessionSlot(date: d, session: $0) } }
        return run(
            policy: policy, calendar: calendar, asOf: asOf, pupil: pupil, decisions: decisions,
            casework: Casework(evidenceReceived: Set(slots)))
    }

    /// The words a leave letter (grant or refusal) carries to remind the parents of the adjacent-days rule (seed 003
    /// 'Proactive strategies' 10); nil when the policy has no such rule. For parents: no staff instructions in it.
    public static func adjacentDaysReminder(policy: Policy) -> String? {
        guard let days = policy.leave.adjacentDaysEvidenceDays else { return nil }
        let reported = policy.evidence?.reportToLA == true ? " and reported to the local authority's school attendance team" : ""
        return
            "If your child is absent on any school days immediately before or after this leave, we will ask you for evidence "
            + "of the reason. If it is not given within \(EvalWords.count(days, "day")) of your child's return to school, those days "
            + "will be recorded as unauthorised leave of absence\(reported)."
    }

    static let unauthorisedRule = "reg_11"

    /// N or O on a session of a refused request, or of a request outside the sessions granted: code it G.
    static func unauthorised(
        _ d: LeaveDecisionFacts, policy: Policy, calendar: SchoolCalendar, asOf: LocalDate, pupil: PupilFacts,
        label: String
    ) -> DueAction? {
        let r = d.request
        let requested = r.sessions(calendar: calendar, enrolment: pupil.enrolment)
        let outside = requested.filter { $0.date <= asOf && !(d.grant?.contains($0.date, $0.session) ?? false) }
        let refs: [SessionRef] = outside.compactMap { s in
            guard let c = pupil.codes[s.date, s.session], c == .n || c == .o else { return nil }
            return SessionRef(date: s.date, session: s.session, code: c.symbol)
        }
        guard let first = refs.first else { return nil }
        let list = refs.map { "\(EvalWords.date($0.date)) \($0.session.rawValue) (\($0.code))" }.joined(separator: ", ")
        var figures: [String: Double] = ["sessions": Double(refs.count), "requested_sessions": Double(requested.count)]
        let reason: String
        let suffix: String
        if let g = d.grant {
            let granted = g.sessions(calendar: calendar, enrolment: pupil.enrolment).count
            figures["granted_sessions"] = Double(granted)
            reason =
                "Leave was requested from \(r.span.words) and granted on \(EvalWords.date(d.decidedOn)) for \(g.span.words) only "
                + "(\(EvalWords.count(granted, "session")) of \(requested.count)), coded \(g.code.symbol). "
                + "Absent without authorisation on \(EvalWords.count(refs.count, "session")) requested but not granted: \(list). "
                + "Code these sessions G (leave taken beyond the days granted)."
            suffix = "beyond-grant"
        } else {
            reason =
                "Leave from \(r.span.words) was refused on \(EvalWords.date(d.decidedOn)). "
                + "Absent without authorisation on \(EvalWords.count(refs.count, "session")) of it: \(list). "
                + "Code these sessions G (leave taken after refusal)."
            suffix = "refused"
        }
        let rule = unauthorisedRule
        let source = policy.clauses.first { $0.setting == rule }?.source ?? LeaveCheck.reg11Source
        return DueAction(
            upn: pupil.upn, kind: .leaveUnauthorised, rule: rule, due: first.date, reason: reason, sessions: refs,
            figures: figures, source: source, action: .review, contacts: [], proposedStage: nil,
            key: "\(DueAction.Kind.leaveUnauthorised.rawValue)|\(pupil.upn)|\(rule)|\(r.from.iso)|\(r.to.iso)|\(suffix)",
            policy: label)
    }

    static let evidenceRule = "leave.adjacent_days_evidence_days"

    /// Absence on the school days next to granted leave (every absent school day in a row before it, and after it):
    /// ask for evidence; without it within `days` calendar days of the pupil's return, once the request was sent,
    /// amend the sessions still authorised to G (unauthorised leave) and tell the LA when the policy says so.
    static func evidence(
        _ g: LeaveGrant, days: Int, others: [LeaveGrant], policy: Policy, calendar: SchoolCalendar, asOf: LocalDate,
        pupil: PupilFacts, casework: Casework, label: String
    ) -> [DueAction] {
        let e = pupil.enrolment
        func openSessions(_ d: LocalDate) -> [Session] {
            let yg = e.yearGroup(in: AcademicYear(containing: d))
            return Session.allCases.filter { calendar.isOpen(d, $0, yearGroup: yg) }
        }
        /// The pupil's open days in direction `step` from `from`, up to `asOf`, each taken or not by `keep`, until it
        /// says stop; closed days are skipped (weekends, holidays: at most a summer holiday's worth).
        func walk(_ from: LocalDate, _ step: Int, _ keep: (LocalDate, [Session]) -> (take: Bool, go: Bool)) -> [LocalDate] {
            var out: [LocalDate] = []
            var d = from
            var closed = 0
            while closed <= 70 {
                d = d.adding(days: step)
                let open = openSessions(d)
                if open.isEmpty {
                    closed += 1
                    continue
                }
                closed = 0
                guard d <= asOf, e.isOnRoll(d) else { break }
                let k = keep(d, open)
                if k.take { out.append(d) }
                if !k.go { break }
            }
            return out
        }
        /// A day of the run next to the leave: any absence marked and no session of other leave. The run goes on past
        /// it only when the pupil attended no session and nothing is unmarked (but today's later session).
        func absent(_ d: LocalDate, _ open: [Session]) -> (take: Bool, go: Bool) {
            var any = false
            var whole = true
            for s in open {
                if others.contains(where: { $0.contains(d, s) }) { return (false, false) }
                guard let c = pupil.codes[d, s] else {
                    if d != asOf { whole = false }
                    continue
                }
                if c.isAttendance { whole = false }
                if c.isAbsence { any = true }
            }
            return (any, any && whole)
        }
        let after = walk(g.to, 1, absent)
        // The return: the first day after the leave with any attendance.
        var back: LocalDate?
        _ = walk(g.to, 1) { d, open in
            if open.contains(where: { pupil.codes[d, $0]?.isAttendance == true }) {
                back = d
                return (false, false)
            }
            return (false, true)
        }
        let deadline = back.map { $0.adding(days: days) }
        var out: [DueAction] = []
        for (run, side) in [(walk(g.from, -1, absent), "before"), (after, "after")] {
            guard let anchor = run.first else { continue }
            // Absence the family could explain: authorised absence, or N. G, O and U are already unauthorised.
            var refs: [SessionRef] = []
            var requested = 0
            var received = 0
            for d in run.sorted() {
                for s in openSessions(d) {
                    guard let c = pupil.codes[d, s], c.statisticalMeaning == .authorisedAbsence || c == .n else { continue }
                    requested += 1
                    if casework.evidenceReceived.contains(SessionSlot(date: d, session: s)) {
                        received += 1
                        continue
                    }
                    refs.append(SessionRef(date: d, session: s, code: c.symbol))
                }
            }
            guard !refs.isEmpty else { continue }
            let list = refs.map { "\(EvalWords.date($0.date)) \($0.session.rawValue) (\($0.code))" }.joined(separator: ", ")
            let leaveWords = "the leave granted (\(g.code.symbol)) from \(g.span.words)"
            let head = "Absent \(EvalWords.count(run.count, "school day")) in a row just \(side) \(leaveWords): \(list). "
            var figures: [String: Double] = [
                "sessions": Double(refs.count), "school_days": Double(run.count), "evidence_days": Double(days),
                "evidence_sessions": Double(received),
            ]
            let base = "|\(pupil.upn)|\(evidenceRule)|\(anchor.iso)"
            let request = DueAction.Kind.leaveEvidence.rawValue + base + "|request"
            let source = EvalPlan.source(evidenceRule, policy)
            let by = deadline.map {
                "by \(EvalWords.date($0)), \(EvalWords.count(days, "day")) after the return on \(EvalWords.date(back!))"
            }
            guard let deadline, asOf > deadline, casework.done.contains(request) else {
                let reason =
                    head + "Ask the family for evidence of the reason, "
                    + (by ?? "to be given within \(EvalWords.count(days, "day")) of the pupil's return")
                    + "; without it the sessions become unauthorised leave of absence (G)."
                let a = DueAction(
                    upn: pupil.upn, kind: .leaveEvidence, rule: evidenceRule, due: anchor, reason: reason, sessions: refs,
                    figures: figures, source: source, action: .evidenceRequest, contacts: contactLines(pupil.contacts),
                    proposedStage: nil, key: request, policy: label)
                out.append(a)
                continue
            }
            // Past the deadline: the sessions still coded as authorised absence and without evidence become G.
            let owed = refs.filter { $0.code != "N" }
            guard !owed.isEmpty else { continue }
            figures["sessions"] = Double(owed.count)
            figures["amend_to_g"] = 1
            let owedList = owed.map { "\(EvalWords.date($0.date)) \($0.session.rawValue) (\($0.code))" }.joined(separator: ", ")
            let amendment =
                "No evidence within \(days) days of the return on \(EvalWords.date(back!)) for absence next to agreed leave: "
                + "unauthorised leave of absence, G; \(policy.name)"
            let reason =
                "Absent just \(side) \(leaveWords). Evidence was asked for and was due \(by!); none has been received for "
                + "\(EvalWords.count(owed.count, "session")) (\(received) with evidence). Amend each to G (unauthorised leave of absence): "
                + "\(owedList), with the reason \"\(amendment)\"."
            var a = DueAction(
                upn: pupil.upn, kind: .evidenceDeadline, rule: evidenceRule, due: deadline.adding(days: 1), reason: reason, sessions: owed,
                figures: figures, source: source, action: .review, contacts: [], proposedStage: nil,
                key: DueAction.Kind.evidenceDeadline.rawValue + base + "|amend-to-g", policy: label)
            a.amendment = ProposedAmendment(code: "G", reason: amendment)
            out.append(a)
            guard policy.evidence?.reportToLA == true else { continue }
            let rule = "evidence.report_to_la"
            out.append(
                DueAction(
                    upn: pupil.upn, kind: .informLA, rule: rule, due: deadline.adding(days: 1),
                    reason: "\(EvalWords.count(owed.count, "session")) next to agreed leave recorded as unauthorised leave of absence (G) "
                        + "for want of evidence: \(owedList). Report them to the LA's school attendance team.",
                    sessions: owed, figures: ["sessions": Double(owed.count)], source: EvalPlan.source(rule, policy), action: .informLA,
                    contacts: [], proposedStage: nil,
                    key: DueAction.Kind.informLA.rawValue + "|\(pupil.upn)|\(rule)|\(anchor.iso)|\(evidenceRule)",
                    policy: label))
        }
        return out
    }

    /// "name (relationship): phone" for the contacts with parental responsibility, in priority order (all contacts
    /// when none has it recorded).
    static func contactLines(_ contacts: [Contact]) -> [String] {
        let parents = contacts.filter(\.parentalResponsibility)
        return (parents.isEmpty ? contacts : parents).sorted { $0.priority < $1.priority }.map { c in
            let rel = c.relationship.isEmpty ? "" : " (\(c.relationship))"
            return "\(c.name)\(rel): \(c.phone.isEmpty ? "no phone on record" : c.phone)"
        }
    }
}
