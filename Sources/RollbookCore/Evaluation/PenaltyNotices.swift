// The penalty-notice threshold rule (a Notice to Improve or a penalty notice per parent) and the notices' follow-ups.

extension EvalPlan {
    func penaltyWords(_ e: PenaltyTest.Episode, _ s: EvalScratch) -> (head: String, refs: [SessionRef], figures: [String: Double]) {
        let pn = policy.penaltyNotice
        let weeksFrom = date(Int(windowStart[pn.windowSchoolWeeks]![e.due]))
        var head =
            "\(EvalWords.count(e.countAtDue, "session")) of unauthorised absence (G, N, O or U) in the "
            + "\(EvalWords.count(pn.windowSchoolWeeks, "school week")) from \(EvalWords.date(weeksFrom)) to \(EvalWords.date(date(e.due)))"
        if let n = e.after { head += " (after the notice of \(EvalWords.date(n)))" }
        head +=
            e.reachedEarlier
            ? ": the threshold of \(pn.thresholdSessions) had been reached by \(EvalWords.date(date(e.due))), the first school day this evaluation reads."
            : ": the threshold of \(pn.thresholdSessions) was reached on \(EvalWords.date(date(e.due)))."
        if e.countNow > e.countAtDue {
            head +=
                " Since then the count has risen: \(e.countNow) in the \(EvalWords.count(pn.windowSchoolWeeks, "school week")) to "
                + "\(EvalWords.date(asOf))."
        }
        head += " "
        let refs = sessions(s, from: max(e.from, s.csaFrom), through: min(e.due, s.csaTo), bits: EvalMark.gnou)
        let figures: [String: Double] = [
            "sessions": Double(e.countAtDue), "sessions_now": Double(e.countNow),
            "threshold_sessions": Double(pn.thresholdSessions), "window_school_weeks": Double(pn.windowSchoolWeeks),
        ]
        return (head, refs, figures)
    }

    func penaltyThreshold(_ p: PupilFacts, _ cw: Casework, _ s: EvalScratch, _ test: PenaltyTest, _ out: inout [DueAction]) {
        let pn = policy.penaltyNotice
        // No notice counts sessions from before the window's start, so below the threshold here nothing can fire.
        guard test.countNow(s, after: nil) >= pn.thresholdSessions else { return }
        let rule = "penalty_notice"
        let limitYears = NationalRules.penaltyNoticeLimitYears
        let since = Evaluation.yearsBefore(asOf, limitYears)
        let recent = cw.notices.filter { $0.issued > since && $0.issued <= asOf }
        let parents = p.contacts.filter(\.parentalResponsibility).sorted { $0.priority < $1.priority }
        let ntiRecently = recent.contains { $0.kind == .noticeToImprove }
        let offerNTI = pn.noticeToImprove != .never && !ntiRecently
        let offerPN = pn.noticeToImprove != .always || ntiRecently

        if offerNTI, let e = test.episode(s, after: test.latestNotice) {
            let (head, refs, figures) = penaltyWords(e, s)
            var reason = head
            if pn.noticeToImprove == .always {
                reason +=
                    "The policy uses a Notice to Improve first and none has been issued for this child in the last \(limitYears) years: "
                    + "issue a Notice to Improve"
            } else {
                reason +=
                    "The policy leaves the route to the school (notice to improve: discretionary): a Notice to Improve, "
                    + "or a penalty notice to each parent (proposed beside this); recording one closes the other. Notice to Improve"
            }
            if let w = pn.improvementSchoolWeeks { reason += " with an improvement period of \(EvalWords.count(w, "school week"))" }
            reason += "."
            var f = figures
            f["notice_number"] = 0
            let anchor = date(e.due)
            out.append(
                action(
                    p, .penaltyThreshold, rule: rule, anchor: anchor, suffix: "notice-to-improve", due: anchor, reason: reason,
                    sessions: refs, figures: f, action: .noticeToImprove, contacts: contactLines(parents)))
        }
        guard offerPN else { return }
        guard !parents.isEmpty else {
            guard let e = test.episode(s, after: test.latestNotice) else { return }
            let (head, refs, figures) = penaltyWords(e, s)
            let reason =
                head + "No parent with parental responsibility is on the admission register: add them before a notice can be requested."
            out.append(
                action(
                    p, .penaltyThreshold, rule: rule, anchor: date(e.due), due: date(e.due), reason: reason, sessions: refs,
                    figures: figures, action: .review))
            return
        }
        for parent in parents {
            guard let e = test.episode(s, after: test.latestNotice(for: parent.name)) else { continue }
            let (head, refs, figures) = penaltyWords(e, s)
            let theirs = recent.filter { $0.kind == .penaltyNotice && $0.parent == parent.name }
            let previous = theirs.count
            var f = figures
            f["previous_notices"] = Double(previous)
            let elsewhere = Set(theirs.compactMap(\.recordedAt)).sorted()
            let whereFrom = elsewhere.isEmpty ? "" : " (recorded at \(elsewhere.joined(separator: " and ")) as well as here)"
            let reason: String
            let kind: Policy.ActionKind
            let amount = NationalRules.penaltyAmountGBP
            let reduced = NationalRules.penaltyReducedAmountGBP
            let payDays = NationalRules.penaltyPaymentDays
            let reducedDays = NationalRules.penaltyReducedPaymentDays
            switch previous {
            case 0:
                reason =
                    head + "First penalty notice to \(parent.name) for this child: £\(amount) if paid within \(payDays) days, "
                    + "reduced to £\(reduced) if paid within \(reducedDays) days."
                f["notice_number"] = 1
                f["amount_gbp"] = Double(amount)
                f["reduced_amount_gbp"] = Double(reduced)
                kind = .penaltyNotice
            case 1..<NationalRules.penaltyNoticesLimit:
                reason =
                    head
                    + "Second penalty notice to \(parent.name) for this child within \(limitYears) years\(whereFrom): £\(amount) flat, "
                    + "paid within \(payDays) days (no reduced amount)."
                f["notice_number"] = Double(previous + 1)
                f["amount_gbp"] = Double(amount)
                kind = .penaltyNotice
            default:
                reason =
                    head
                    + "\(parent.name) has had \(previous) penalty notices for this child in the last \(limitYears) years\(whereFrom), the most allowed: "
                    + "no further notice. Other action is needed instead, such as prosecution (s444), a parenting order or "
                    + "an education supervision order."
                f["notice_number"] = Double(previous + 1)
                f["amount_gbp"] = 0
                kind = .laReferral
            }
            let anchor = date(e.due)
            var a = action(
                p, .penaltyThreshold, rule: rule, anchor: anchor, suffix: parent.name, due: anchor, reason: reason,
                sessions: refs, figures: f, action: kind, contacts: contactLines([parent]))
            a.parent = parent.name
            out.append(a)
        }
    }

    /// After a notice: the end of a Notice to Improve's improvement period, and a penalty notice not known to be paid
    /// by day 28 (RULES: "Unpaid after 28 days: the LA decides whether to prosecute").
    func noticeFollowUps(_ p: PupilFacts, _ cw: Casework, _ s: EvalScratch, _ out: inout [DueAction]) {
        let pn = policy.penaltyNotice
        let mine = cw.notices.filter { $0.recordedAt == nil && $0.issued <= asOf }
        if let weeks = pn.improvementSchoolWeeks, let nti = mine.filter({ $0.kind == .noticeToImprove }).max(by: { $0.issued < $1.issued }),
            let end = Evaluation.monitoringEnd(entered: nti.issued, schoolWeeks: weeks, calendar: calendar), asOf >= end
        {
            let a = max(0, index(nti.issued) + 1)
            let b = min(last, index(end))
            let unauthorised = s.count(EvalCounter.gnou, from: a, through: b)
            let refs = sessions(s, from: a, through: b, bits: EvalMark.gnou)
            let improved = unauthorised == 0
            var reason =
                "The improvement period of the Notice to Improve issued on \(EvalWords.date(nti.issued)) "
                + "(\(EvalWords.count(weeks, "school week"))) ended on \(EvalWords.date(end)): "
                + "\(EvalWords.count(unauthorised, "session")) of unauthorised absence (G, N, O or U) in it. "
            reason +=
                improved
                ? "Improved: no further unauthorised absence. Tell the family and close the notice."
                : "Not improved: under the LA's code of conduct a penalty notice may now be issued to each parent with parental "
                    + "responsibility; record it on the timeline when issued."
            out.append(
                action(
                    p, .noticeToImproveReview, rule: "penalty_notice.improvement_school_weeks", anchor: nti.issued, due: end,
                    reason: reason, sessions: refs,
                    figures: [
                        "unauthorised_sessions": Double(unauthorised), "improvement_school_weeks": Double(weeks),
                        "improved": improved ? 1 : 0,
                    ], action: .review))
        }
        let payDays = NationalRules.penaltyPaymentDays
        for notice in mine where notice.kind == .penaltyNotice && notice.paidWithin21Days != true {
            let day28 = notice.issued.adding(days: payDays)
            guard asOf > day28 else { continue }
            let reason =
                "Penalty notice issued to \(notice.parent) on \(EvalWords.date(notice.issued)) is not recorded as paid by day \(payDays) "
                + "(\(EvalWords.date(day28))): check with the LA, which decides whether to prosecute (s444)."
            out.append(
                action(
                    p, .penaltyNoticeUnpaid, rule: "penalty_notice", anchor: notice.issued, suffix: notice.parent,
                    due: day28.adding(days: 1), reason: reason, action: .review, contacts: []))
        }
    }
}

extension EvalPlan {
    /// Traveller protection (`penalty_notice.traveller_protection_sessions`, Education Act 1996 s444(6)): a pupil from
    /// a Traveller family with enough attendances in the 12 months to date gets a review in place of the threshold's
    /// notices, and no other rule proposes a legal step. Below the figure, the threshold's actions say the count.
    func travellerProtection(_ p: PupilFacts, _ s: EvalScratch, _ out: inout [DueAction]) {
        guard let need = policy.penaltyNotice.travellerProtectionSessions else { return }
        let from = max(0, index(Evaluation.yearsBefore(asOf, 1)) + 1)
        let attended = s.count(EvalCounter.attended, from: from, through: last)
        let words =
            "From a Traveller family: \(EvalWords.count(attended, "attendance")) (sessions attended here) in the 12 months from "
            + "\(EvalWords.date(date(from))) to \(EvalWords.date(asOf))"
        guard attended >= need else {
            for i in out.indices where out[i].kind == .penaltyThreshold {
                out[i].reason +=
                    " \(words), below the \(need) that protect a Traveller parent from prosecution (s444(6)). Attendances at "
                    + "another school while travelling are not counted here: check them before a notice."
                out[i].figures["attendances_12_months"] = Double(attended)
                out[i].figures["traveller_protection_sessions"] = Double(need)
            }
            return
        }
        let note =
            "\(words): at least the \(need) that protect a Traveller parent from prosecution (Education Act 1996 s444(6)), "
            + "so no legal step is proposed."
        let first = out.filter { $0.kind == .penaltyThreshold }.min { $0.due < $1.due }
        out.removeAll { $0.kind == .penaltyThreshold }
        for i in out.indices where out[i].action.isLegalStep {
            out[i].action = .review
            out[i].reason += " " + note
        }
        guard let t = first else { return }
        let pn = policy.penaltyNotice
        let sessions = Int(t.figures["sessions"] ?? 0)
        let reason =
            "\(EvalWords.count(sessions, "session")) of unauthorised absence (G, N, O or U) in "
            + "\(EvalWords.count(pn.windowSchoolWeeks, "school week")) to \(EvalWords.date(t.due)): the penalty-notice threshold of "
            + "\(pn.thresholdSessions) is met. \(note) Review the absence as for any pupil: is the family travelling for work, "
            + "and has it said it intends to return?"
        var figures = t.figures.filter { ["sessions", "sessions_now", "threshold_sessions", "window_school_weeks"].contains($0.key) }
        figures["attendances_12_months"] = Double(attended)
        figures["traveller_protection_sessions"] = Double(need)
        out.append(
            action(
                p, .travellerProtection, rule: "penalty_notice.traveller_protection_sessions", anchor: t.due, due: t.due, reason: reason,
                sessions: t.sessions, figures: figures, action: .review, contacts: contactLines(p.contacts)))
    }
}

extension EvalPlan {
    /// Repeated unauthorised absence below the threshold (`penalty_notice.repeated_episodes`): separate runs of G, N or
    /// O sessions (a session attended, authorised or U between them) in the window, after the latest notice. At the
    /// policy's count, while the threshold is not met, a review of whether to refer to the LA; the anchor is the latest
    /// episode's first day, so each further episode asks again.
    func repeatedAbsence(_ p: PupilFacts, _ s: EvalScratch, _ test: PenaltyTest, _ out: inout [DueAction]) {
        guard let r = policy.penaltyNotice.repeatedEpisodes, let w = repeatedStart else { return }
        let latest = test.latestNotice
        let from = max(w, latest.map { index($0) + 1 } ?? 0, s.csaFrom)
        let to = min(last, s.csaTo)
        // Every episode has a G, N, O or U session of compulsory school age: too few, and there is nothing to scan.
        guard s.count(EvalCounter.gnou, from: from, through: to) >= r.count else { return }
        let pn = policy.penaltyNotice
        let now = test.countNow(s, after: latest)
        guard now < pn.thresholdSessions else { return }
        let table = EvalMark.table
        var episodes: [(first: Int, last: Int, sessions: Int)] = []
        var open = false
        for i in from...to {
            for k in 0..<2 {
                let f = table[Int(s.sess[2 * i + k])]
                guard f & EvalMark.possible != 0 else { continue }
                if f & EvalMark.gnou != 0 && f & EvalMark.u == 0 {
                    if open {
                        episodes[episodes.count - 1].last = i
                        episodes[episodes.count - 1].sessions += 1
                    } else {
                        episodes.append((i, i, 1))
                    }
                    open = true
                } else {
                    open = false
                }
            }
        }
        guard episodes.count >= r.count, let newest = episodes.last else { return }
        let refs = sessions(s, from: episodes[0].first, through: newest.last, bits: EvalMark.gnou).filter { $0.code != "U" }
        let list = episodes.map { e in
            let span =
                e.first == e.last ? EvalWords.date(date(e.first)) : "\(EvalWords.date(date(e.first))) to \(EvalWords.date(date(e.last)))"
            return "\(span) (\(EvalWords.count(e.sessions, "session")))"
        }
        var reason =
            "\(episodes.count) separate episodes of unauthorised absence (G, N or O) in the "
            + "\(EvalWords.count(r.withinSchoolWeeks, "school week")) from \(EvalWords.date(date(w)))"
        if let n = latest { reason += " (after the notice of \(EvalWords.date(n)))" }
        reason +=
            ", the policy's pattern being \(r.count): \(list.joined(separator: "; ")). The penalty-notice threshold is not met "
            + "(\(now) of \(pn.thresholdSessions) sessions in \(EvalWords.count(pn.windowSchoolWeeks, "school week"))). "
            + "Review the pattern (term-time holidays, birthdays, family events): the school may refer the case to the LA, "
            + "which can issue a penalty notice before the threshold is met. No notice is proposed here."
        let total = episodes.reduce(0) { $0 + $1.sessions }
        out.append(
            action(
                p, .repeatedAbsence, rule: "penalty_notice.repeated_episodes", anchor: date(newest.first), due: date(newest.first),
                reason: reason, sessions: refs,
                figures: [
                    "episodes": Double(episodes.count), "threshold_episodes": Double(r.count),
                    "within_school_weeks": Double(r.withinSchoolWeeks), "sessions": Double(total), "sessions_now": Double(now),
                    "threshold_sessions": Double(pn.thresholdSessions),
                ], action: .review, contacts: contactLines(p.contacts.filter(\.parentalResponsibility))))
    }
}
