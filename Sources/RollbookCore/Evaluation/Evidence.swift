// Evidence asked of the family (policy `evidence`): a deadline counted in school days from the request, a reminder
// before it telling the parents the sessions will otherwise be unauthorised, and after it the amendment to O of the
// sessions still without evidence (and the LA told). Medical appointments (M) without advance notice or evidence, and
// the allowances (seed 003's one D&V period a year authorised without evidence), are here too.

extension EvalPlan {
    // MARK: Allowances

    /// Day indices, ascending, of illness the policy's allowances cover this school year: for each allowance, up to
    /// `max_school_days` days of each of its first `per_year` runs of school days coded I throughout with a recorded
    /// reason containing its text. Empty (and cheap) unless the policy has allowances and the pupil has reasons.
    func allowanceDays(_ cw: Casework, _ s: EvalScratch) -> [Int] {
        guard let e = policy.evidence, !e.allowances.isEmpty, !cw.illnessReasons.isEmpty else { return [] }
        let table = EvalMark.table
        var out: Set<Int> = []
        for a in e.allowances {
            let needle = a.reasonContains.lowercased()
            var runs = 0
            var length = 0
            var i = yearStart
            scan: while i <= last {
                defer { i += 1 }
                var considered = false
                var qualifies = true
                for k in 0..<2 {
                    let f = table[Int(s.sess[2 * i + k])]
                    if f == 0 || f & EvalMark.neutral != 0 { continue }
                    considered = true
                    guard f & EvalMark.illness != 0,
                        let r = cw.illnessReasons[SessionSlot(date: date(i), session: k == 0 ? .am : .pm)],
                        r.lowercased().contains(needle)
                    else {
                        qualifies = false
                        break
                    }
                }
                // A day with nothing marked for the pupil (closed, a weekend) neither extends nor ends a run.
                guard considered else { continue }
                guard qualifies else {
                    length = 0
                    continue
                }
                if length == 0 {
                    if runs == a.perYear { break scan }
                    runs += 1
                }
                length += 1
                if length <= a.maxSchoolDays { out.insert(i) }
            }
        }
        return out.sorted()
    }

    // MARK: Deadlines

    /// The `n`th whole-school school day after `d`; nil past the calendar.
    func schoolDay(_ n: Int, after d: LocalDate) -> LocalDate? {
        var x = d
        var found = 0
        for _ in 0..<500 {
            x = x.adding(days: 1)
            if calendar.isSchoolDay(x) {
                found += 1
                if found == n { return x }
            }
        }
        return nil
    }

    func evidenceDeadlines(_ p: PupilFacts, _ cw: Casework, _ s: EvalScratch, _ exempt: [Int], _ out: inout [DueAction]) {
        guard let e = policy.evidence else { return }
        for r in cw.evidenceRequests where r.raised <= asOf {
            deadline(
                p, cw, e, exempt, raised: r.raised, slots: r.sessions, requestRule: r.rule,
                stillOwed: { $0.statisticalMeaning == .authorisedAbsence },
                kind: .evidenceDeadline, words: r.rule == EvidenceRequestRecord.byHand ? "asked for by hand" : "asked for under \(r.rule)",
                report: e.reportToLA, into: &out)
        }
        if let m = e.medicalAppointments, s.count(EvalCounter.medical, from: yearStart, through: last) > 0 {
            medicalAppointments(p, cw, s, e, m, exempt, &out)
        }
    }

    /// A request's reminder before its deadline, and after it the amendment of the sessions still owed evidence.
    func deadline(
        _ p: PupilFacts, _ cw: Casework, _ e: Policy.Evidence, _ exempt: [Int], raised: LocalDate, slots: [SessionSlot],
        requestRule: String,
        stillOwed: (AttendanceCode) -> Bool, kind: DueAction.Kind, words: String, report: Bool, into out: inout [DueAction]
    ) {
        let all = slots.sorted()
        guard let first = all.first, let deadline = schoolDay(e.deadlineSchoolDays, after: raised) else { return }
        let exemptDays = Set(exempt.map { date($0) })
        let owed: [SessionRef] = all.compactMap { slot in
            guard !cw.evidenceReceived.contains(slot), !exemptDays.contains(slot.date), let c = p.codes[slot.date, slot.session],
                stillOwed(c)
            else { return nil }
            return SessionRef(date: slot.date, session: slot.session, code: c.symbol)
        }
        guard !owed.isEmpty else { return }
        let suffix = "\(requestRule)|\(first.iso)"
        let received = all.filter { cw.evidenceReceived.contains($0) }.count
        let list = owed.map { "\(EvalWords.date($0.date)) \($0.session.rawValue) (\($0.code))" }.joined(separator: ", ")
        let amendTo = "O"
        var figures: [String: Double] = [
            "sessions": Double(owed.count), "requested_sessions": Double(all.count), "evidence_sessions": Double(received),
            "deadline_school_days": Double(e.deadlineSchoolDays),
        ]
        if let t = e.tellParentsSchoolDaysBefore {
            let rule = "evidence.tell_parents_school_days_before"
            let key = "\(DueAction.Kind.evidenceReminder.rawValue)|\(p.upn)|\(rule)|\(raised.iso)|\(suffix)"
            if !cw.done.contains(key) {
                guard let due = schoolDay(e.deadlineSchoolDays - t, after: raised), asOf >= due else { return }
                let reason =
                    "Evidence \(words) on \(EvalWords.date(raised)) is due by \(EvalWords.date(deadline)) "
                    + "(\(EvalWords.count(e.deadlineSchoolDays, "school day"))). Tell the parents now, \(EvalWords.count(t, "school day")) "
                    + "before, that without it \(owed.count == 1 ? "this session" : "these sessions") will be recorded as unauthorised: "
                    + "\(list). Send the '\(e.reminderLetterID)' letter."
                var a = action(
                    p, .evidenceReminder, rule: rule, anchor: raised, suffix: suffix, due: due, reason: reason, sessions: owed,
                    figures: figures.merging(["tell_parents_school_days_before": Double(t)]) { a, _ in a }, action: .letter,
                    contacts: contactLines(p.contacts))
                a.letter = e.reminderLetterID
                a.deadline = deadline
                out.append(a)
                // The parents are told before any amendment: the deadline waits for the reminder.
                return
            }
        }
        guard let due = schoolDay(1, after: deadline), asOf >= due else { return }
        figures["amend_to_o"] = 1
        let told = e.tellParentsSchoolDaysBefore == nil ? "" : " The parents were told in advance."
        let amendment =
            "No evidence received by \(EvalWords.date(deadline)) (asked for on \(EvalWords.date(raised))): becomes \(amendTo); \(policy.name)"
        let rule = kind == .medicalUnauthorised ? "evidence.medical_appointments" : "evidence.deadline_school_days"
        let reason =
            "Evidence \(words) on \(EvalWords.date(raised)) was due by \(EvalWords.date(deadline)): none has been received for "
            + "\(EvalWords.count(owed.count, "session")) of \(all.count) (\(received) with evidence).\(told) Amend each to \(amendTo) "
            + "(unauthorised): \(list), with the reason \"\(amendment)\"."
        var a = action(
            p, kind, rule: rule, anchor: raised, suffix: kind == .medicalUnauthorised ? "no-evidence" : suffix, due: due, reason: reason,
            sessions: owed, figures: figures, action: .review)
        a.amendment = ProposedAmendment(code: amendTo, reason: amendment)
        out.append(a)
        guard report else { return }
        let la =
            "\(EvalWords.count(owed.count, "session")) recorded as unauthorised for want of the evidence \(words) on "
            + "\(EvalWords.date(raised)) (due by \(EvalWords.date(deadline))): report them to the LA's school attendance team."
        out.append(
            action(
                p, .informLA, rule: "evidence.report_to_la", anchor: raised, suffix: suffix, due: due, reason: la, sessions: owed,
                figures: ["sessions": Double(owed.count)], action: .informLA))
    }

    // MARK: Medical appointments

    /// Each day with M this year (since the policy took effect): without advance notice (when the policy asks for it) amend to O now; otherwise, when
    /// the policy asks for evidence, the M sessions are a request raised that day, with its reminder and deadline.
    func medicalAppointments(
        _ p: PupilFacts, _ cw: Casework, _ s: EvalScratch, _ e: Policy.Evidence, _ m: Policy.Evidence.MedicalAppointments, _ exempt: [Int],
        _ out: inout [DueAction]
    ) {
        let rule = "evidence.medical_appointments"
        let code = AttendanceCode.m.rawValue
        // From the policy's first day: M marked before it was under rules that asked for neither.
        let from = max(yearStart, index(policy.effectiveFrom))
        guard from <= last else { return }
        for i in from...last where s.count(EvalCounter.medical, from: i, through: i) > 0 {
            let day = date(i)
            let slots = (0..<2).filter { s.sess[2 * i + $0] == code }.map { SessionSlot(date: day, session: $0 == 0 ? .am : .pm) }
            let unnotified = m.advanceNotice ? slots.filter { !cw.advanceNotice.contains($0) } : []
            if !unnotified.isEmpty {
                let refs = unnotified.map { SessionRef(date: $0.date, session: $0.session, code: "M") }
                let amendment = "Medical appointment not notified in advance: becomes O; \(policy.name)"
                let reason =
                    "Medical or dental appointment (M) on \(EvalWords.date(day)) "
                    + "(\(unnotified.map(\.session.rawValue).joined(separator: " and "))) was not reported by the parents before the day; "
                    + "the policy authorises it only with advance notice. Amend to O (unauthorised), with the reason \"\(amendment)\", "
                    + "unless the head accepts the reason."
                var a = action(
                    p, .medicalUnauthorised, rule: rule, anchor: day, suffix: "no-notice", due: day, reason: reason, sessions: refs,
                    figures: ["sessions": Double(refs.count)], action: .review)
                a.amendment = ProposedAmendment(code: "O", reason: amendment)
                out.append(a)
            }
            let rest = slots.filter { !unnotified.contains($0) }
            if m.evidence && !rest.isEmpty {
                deadline(
                    p, cw, e, exempt, raised: day, slots: rest, requestRule: rule, stillOwed: { $0 == .m }, kind: .medicalUnauthorised,
                    words: "of the medical appointment", report: false, into: &out)
            }
        }
    }
}
