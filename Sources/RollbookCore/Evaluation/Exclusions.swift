// Suspensions and permanent exclusions: the parents' notice of the first school days (when the child must not be in a
// public place) and alternative provision from the policy's consecutive school day (the sixth by law).

/// A suspension or permanent exclusion, as staff record it.
public struct ExclusionRecord: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case suspension, permanent
    }
    public var kind: Kind
    /// The day it starts; a day the pupil's year group is closed moves it to the next school day.
    public var firstDay: LocalDate
    /// A suspension's length in the pupil's school days; nil for a permanent exclusion.
    public var schoolDays: Int?
    /// The head teacher's reason, for staff only.
    public var reason: String?

    public init(kind: Kind, firstDay: LocalDate, schoolDays: Int? = nil, reason: String? = nil) {
        self.kind = kind
        self.firstDay = firstDay
        self.schoolDays = schoolDays
        self.reason = reason
    }

    /// The sessions open for the pupil's year group on `d` (none when the pupil is not on roll).
    static func openSessions(_ d: LocalDate, _ calendar: SchoolCalendar, _ enrolment: Enrolment) -> [Session] {
        guard enrolment.isOnRoll(d) else { return [] }
        let g = enrolment.yearGroup(in: AcademicYear(containing: d))
        return Session.allCases.filter { calendar.isOpen(d, $0, yearGroup: g) }
    }

    /// The pupil's school days of the exclusion, in order: a suspension's `schoolDays`, a permanent exclusion's until
    /// the pupil leaves the roll or the calendar ends; none after `through` when given. Days with no session open for
    /// the pupil's year group are skipped.
    public func days(calendar: SchoolCalendar, enrolment: Enrolment, through: LocalDate? = nil) -> [LocalDate] {
        days(calendar: calendar, enrolment: enrolment, through: through, atMost: .max)
    }

    /// `days`, the first `atMost` of them.
    func days(calendar: SchoolCalendar, enrolment: Enrolment, through: LocalDate?, atMost: Int) -> [LocalDate] {
        guard let span = calendar.span else { return [] }
        let limit = min(atMost, kind == .suspension ? max(0, schoolDays ?? 0) : .max)
        var end = span.to
        if let t = through { end = min(end, t) }
        if let l = enrolment.leavingDay { end = min(end, l) }
        var out: [LocalDate] = []
        var d = max(firstDay, enrolment.startingDay, span.from)
        while d <= end && out.count < limit {
            if !Self.openSessions(d, calendar, enrolment).isEmpty { out.append(d) }
            d = d.adding(days: 1)
        }
        return out
    }

    /// The sessions to code E (excluded, no alternative provision) for the exclusion, through `through` when given:
    /// every session open for the pupil on its school days. The server writes E on those still unmarked.
    public func sessions(calendar: SchoolCalendar, enrolment: Enrolment, through: LocalDate? = nil) -> [SessionSlot] {
        days(calendar: calendar, enrolment: enrolment, through: through).flatMap { d in
            Self.openSessions(d, calendar, enrolment).map { SessionSlot(date: d, session: $0) }
        }
    }

    /// "suspended for 3 school days from 3 November 2025", "permanently excluded from 3 November 2025".
    var words: String {
        switch kind {
        case .suspension: "suspended for \(EvalWords.count(schoolDays ?? 0, "school day")) from \(EvalWords.date(firstDay))"
        case .permanent: "permanently excluded from \(EvalWords.date(firstDay))"
        }
    }
}

extension EvalPlan {
    static let noticeRule = "exclusions.notice_letter"
    static let provisionRule = "exclusions.alternative_provision_from_school_day"

    /// The exclusion notice during each exclusion's first school days, and alternative provision once the consecutive
    /// school days of exclusion (back-to-back exclusions together) reach the policy's day. Only for a pupil of
    /// compulsory school age, whom the duties concern.
    func exclusions(_ p: PupilFacts, _ cw: Casework, _ out: inout [DueAction]) {
        guard let rules = policy.exclusions, !cw.exclusions.isEmpty else { return }
        let records = cw.exclusions.filter { $0.firstDay <= asOf }.sorted { $0.firstDay < $1.firstDay }
        let provisionDay = rules.provisionDay
        var chainCount = 0
        var chainStart = asOf
        var chainEnd: LocalDate?
        for r in records {
            // A permanent exclusion runs on: only its days up to today are read.
            let days = r.days(calendar: calendar, enrolment: p.enrolment, through: r.kind == .permanent ? asOf : nil)
            guard let first = days.first, first <= asOf, let lastDay = days.last else { continue }
            // Back-to-back: it starts on or before the school day after the previous exclusion's last.
            if let end = chainEnd, first <= nextSchoolDay(after: end, p.enrolment) {
                // Overlapping days count once.
            } else {
                chainCount = 0
                chainStart = first
            }
            var dueDay: LocalDate?
            var dayAtDue = 0
            var countToday = chainCount
            for d in days where chainEnd.map({ d > $0 }) ?? true {
                chainCount += 1
                if d <= asOf { countToday = chainCount }
                if dueDay == nil && chainCount >= provisionDay {
                    dueDay = d
                    dayAtDue = chainCount
                }
            }
            chainEnd = max(chainEnd ?? lastDay, lastDay)
            let current = r.kind == .permanent || asOf <= lastDay

            // The duty's days run on past today for an exclusion that has just begun.
            let duty = r.days(
                calendar: calendar, enrolment: p.enrolment, through: nil, atMost: NationalRules.exclusionPublicPlaceSchoolDays)
            if let dutyEnd = duty.last, asOf <= dutyEnd,
                CompulsorySchoolAge.isOfCompulsorySchoolAge(dateOfBirth: p.dateOfBirth, on: first)
            {
                let letter = rules.noticeLetterID
                let reason =
                    "\(p.name) is \(r.words). Tell the parents in writing, with the '\(letter)' letter, that on the first "
                    + "\(EvalWords.count(duty.count, "school day")) (\(EvalWords.date(first)) to \(EvalWords.date(dutyEnd))) "
                    + "they must make sure the child is not in a public place during school hours without good reason."
                var a = action(
                    p, .exclusionNotice, rule: Self.noticeRule, anchor: r.firstDay, due: first, reason: reason,
                    sessions: refs(p, duty), figures: figures(r, ["school_days": Double(duty.count)]), action: .letter)
                a.letter = letter
                out.append(a)
            }

            if let dueDay, dueDay <= asOf, current,
                CompulsorySchoolAge.isOfCompulsorySchoolAge(dateOfBirth: p.dateOfBirth, on: dueDay)
            {
                let who = r.kind == .permanent ? "the LA arranges it for a permanent exclusion" : "the school arranges it for a suspension"
                let reason =
                    "\(p.name) is \(r.words): school day \(dayAtDue) of exclusion in a row since \(EvalWords.date(chainStart)) "
                    + "is \(EvalWords.date(dueDay)). Full-time alternative provision is due from school day \(provisionDay) (\(who)); "
                    + "record its sessions with the provision's code instead of E."
                out.append(
                    action(
                        p, .alternativeProvision, rule: Self.provisionRule, anchor: r.firstDay, due: dueDay, reason: reason,
                        sessions: refs(p, days.filter { $0 >= dueDay }),
                        figures: figures(
                            r,
                            [
                                "school_day": Double(dayAtDue), "consecutive_school_days": Double(countToday),
                                "from_school_day": Double(provisionDay),
                            ]), action: .alternativeProvision))
            }
        }
    }

    /// The first day after `d` with a session open for the pupil (bounded by a school holiday's length).
    private func nextSchoolDay(after d: LocalDate, _ enrolment: Enrolment) -> LocalDate {
        var x = d.adding(days: 1)
        for _ in 0..<60 {
            if !ExclusionRecord.openSessions(x, calendar, enrolment).isEmpty { return x }
            x = x.adding(days: 1)
        }
        return x
    }

    private func refs(_ p: PupilFacts, _ days: [LocalDate]) -> [SessionRef] {
        days.flatMap { d in
            ExclusionRecord.openSessions(d, calendar, p.enrolment).map {
                SessionRef(date: d, session: $0, code: p.codes[d, $0]?.symbol ?? "")
            }
        }
    }

    private func figures(_ r: ExclusionRecord, _ f: [String: Double]) -> [String: Double] {
        var f = f
        if let n = r.schoolDays, r.kind == .suspension { f["suspension_school_days"] = Double(n) }
        return f
    }
}
