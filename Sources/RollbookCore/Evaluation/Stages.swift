// Escalation stages: entry when a trigger holds (attendance below a threshold unless the stage says otherwise), repeats,
// exits, check-ins, and the review when monitoring ends. The settings and triggers are in StageLadder.swift.

extension EvalPlan {
    /// Attended and possible (marked) sessions over a stage's window ending on day i; nil when the window is not whole.
    func stageCounts(_ s: EvalScratch, _ stage: Policy.Stage, endingAt i: Int) -> (attended: Int, possible: Int, from: Int)? {
        let from: Int
        if let w = stage.windowSchoolWeeks {
            let f = Int(windowStart[w]![i])
            guard f >= 0 else { return nil }
            from = f
        } else {
            guard i >= yearStart else { return nil }
            from = yearStart
        }
        return (s.count(EvalCounter.attended, from: from, through: i), s.count(EvalCounter.possible, from: from, through: i), from)
    }

    /// Below a threshold at the precision schools read: one decimal of a percent, as the bands compare.
    static func isBelow(_ attended: Int, _ possible: Int, _ threshold: Double) -> Bool {
        possible > 0 && EvalWords.round3(Double(attended) / Double(possible)) < threshold
    }

    func windowWords(_ stage: Policy.Stage) -> String {
        stage.windowSchoolWeeks.map { "the last \(EvalWords.count($0, "school week"))" } ?? "the year to date"
    }

    /// A stage whose step is a legal one passes the same national test as any other: the stage proposes a review that
    /// says whether the test is met, and only the penalty-notice threshold rule proposes a notice (per parent, with the
    /// 3-year limit and the amounts). Never a notice on the attendance rate alone.
    func stageStep(_ kind: Policy.ActionKind, _ test: PenaltyTest?, _ s: EvalScratch, _ reason: inout String) -> Policy.ActionKind {
        guard kind.isLegalStep else { return kind }
        let step = kind == .noticeToImprove ? "a Notice to Improve" : "a penalty notice"
        guard let test else { return .review }  // not of compulsory school age: the root guard says why
        let pn = policy.penaltyNotice
        if let e = test.episode(s, after: test.latestNotice) {
            reason +=
                " This stage's step is \(step): the national test is met (\(EvalWords.count(e.countAtDue, "session")) of G, N, O or U "
                + "in \(EvalWords.count(pn.windowSchoolWeeks, "school week")), reached on \(EvalWords.date(date(e.due)))): see the "
                + "penalty-notice threshold action for each parent."
        } else {
            reason +=
                " This stage's step is \(step), but the national test is not met: \(EvalWords.count(test.countNow(s, after: test.latestNotice), "session")) "
                + "of G, N, O or U in the last \(EvalWords.count(pn.windowSchoolWeeks, "school week")), below \(pn.thresholdSessions). "
                + "A notice cannot rest on the attendance rate alone: consider other support and keep monitoring."
        }
        return .review
    }

    func stages(_ p: PupilFacts, _ cw: Casework, _ s: EvalScratch, _ test: PenaltyTest?, _ out: inout [DueAction]) {
        planReviews(p, cw, &out)
        // A pupil in no stage may enter the first stage or one with direct entry; a pupil in a stage moves on by `next`
        // when its monitoring ends without improvement, or may enter a later stage with direct entry whose trigger
        // holds (seed 004's letter below 90% for a pupil already sent the 93% letter; seed 003's severe absence).
        var after = -1
        var floorDay = cw.stageHistory.compactMap(\.left).max()
        if let current = cw.stage {
            if let st = policy.stage(current.stage) {
                review(p, current, st, s, test, &out)
                exit(p, current, st, s, &out)
                again(p, current, st, s, test, &out)
                checkIn(p, current, st, &out)
            }
            after = policy.stages.firstIndex { $0.id == current.stage } ?? policy.stages.count
            floorDay = max(floorDay ?? current.entered, current.entered)
        }
        // The furthest such stage whose trigger holds.
        var chosen: (stage: Policy.Stage, hit: StageHit)?
        for (i, st) in policy.stages.enumerated() where i > after && (st.directEntry || i == 0) && applies(st, to: p) {
            if let hit = stageHit(s, st, endingAt: last) { chosen = (st, hit) }
        }
        guard let (st, hit) = chosen else { return }
        // The episode: the days, ending today, on which the trigger has held without a break, and not before the pupil
        // last left a stage (or entered the current one).
        let floor = max(0, floorDay.map { index($0) + 1 } ?? 0)
        var first = last
        while first - 1 >= floor, stageHit(s, st, endingAt: first - 1) != nil { first -= 1 }
        entry(p, st, hit, first: first, anchor: date(first), again: nil, s, test, &out)
    }

    /// A stage entry (or its repeat in a new period) and the actions with the pupil that go with it.
    func entry(
        _ p: PupilFacts, _ st: Policy.Stage, _ hit: StageHit, first: Int, anchor: LocalDate, again: Policy.Period?, _ s: EvalScratch,
        _ test: PenaltyTest?, _ out: inout [DueAction]
    ) {
        var (reason, figures, refs) = entryWords(s, st, hit)
        reason += ": \(st.name) (\(st.id))."
        if let again {
            let period = again == .term ? "term" : "half term"
            reason =
                "Again this \(period) (from \(EvalWords.date(anchor))), the stage repeating each \(period) while its trigger holds: "
                + reason
            figures["repeat"] = 1
        }
        if let letter = st.letter { reason += " Send the '\(letter)' letter." }
        if let m = st.monitoringPeriod {
            reason += " Then monitor for \(m.words)"
            if m.unit != .schoolWeek, let end = Evaluation.periodEnd(from: date(first), m, calendar: calendar) {
                reason += " (to \(EvalWords.date(end)))"
            }
            reason += "."
        }
        if let e = st.exitAbove { reason += " The stage ends when attendance is back at \(EvalWords.threshold(e)) or above." }
        let step = stageStep(st.action, test, s, &reason)
        let rule = "stages.\(st.id)"
        var a = action(
            p, .stageEntry, rule: rule, anchor: anchor, due: date(first), reason: reason, sessions: refs, figures: figures, action: step,
            proposedStage: st.id)
        a.letter = st.letter
        out.append(a)
        for (j, pa) in (st.pupilActions ?? []).enumerated() {
            var b = action(
                p, .pupilAction, rule: rule, anchor: anchor, suffix: "pupil-\(j + 1)", due: date(first),
                reason: "\(pa.name): with the pupil in school, alongside \(st.name) (\(st.id)); nothing is sent to parents.",
                figures: figures, action: pa.action)
            b.audience = .pupil
            out.append(b)
        }
    }

    /// A stage with `repeat`: while its trigger holds, its action again in each new period after the one it was entered in.
    func again(_ p: PupilFacts, _ current: StageState, _ st: Policy.Stage, _ s: EvalScratch, _ test: PenaltyTest?, _ out: inout [DueAction])
    {
        guard let per = st.repeat, let starts = ladder.periodStart[per] else { return }
        let ps = Int(starts[last])
        guard ps >= 0, date(ps) > current.entered, applies(st, to: p), let hit = stageHit(s, st, endingAt: last) else { return }
        var first = last
        while first - 1 >= ps, stageHit(s, st, endingAt: first - 1) != nil { first -= 1 }
        entry(p, st, hit, first: first, anchor: date(ps), again: per, s, test, &out)
    }

    /// A stage with `exit_above`: attendance over the stage's window back at or above it proposes leaving the stage.
    func exit(_ p: PupilFacts, _ current: StageState, _ st: Policy.Stage, _ s: EvalScratch, _ out: inout [DueAction]) {
        guard let line = st.exitAbove else { return }
        func above(_ i: Int) -> (attended: Int, possible: Int, from: Int)? {
            guard let c = stageCounts(s, st, endingAt: i), c.possible >= st.minimum, !Self.isBelow(c.attended, c.possible, line) else {
                return nil
            }
            return c
        }
        guard let c = above(last) else { return }
        let floor = max(0, index(current.entered) + 1)
        var first = last
        while first - 1 >= floor, above(first - 1) != nil { first -= 1 }
        let rate = Double(c.attended) / Double(c.possible)
        let reason =
            "Attendance \(EvalWords.percent(rate)) over \(windowWords(st)) (\(c.attended) of \(c.possible) sessions) is back at or above "
            + "\(EvalWords.threshold(line)), the line for leaving \(st.name) (\(st.id)), entered \(EvalWords.date(current.entered)): "
            + "the pupil leaves the stage. Tell the family."
        var figures: [String: Double] = [
            "attendance_rate": EvalWords.round4(rate), "attended": Double(c.attended), "possible": Double(c.possible), "exit_above": line,
        ]
        if let w = st.windowSchoolWeeks { figures["window_school_weeks"] = Double(w) }
        out.append(
            action(
                p, .stageExit, rule: "stages.\(st.id)", anchor: date(first), due: date(first), reason: reason, figures: figures,
                action: .review))
    }

    /// The target a review judges against, with words and figures: fixed, agreed at the meeting, or a rise on entry.
    func reviewTarget(_ current: StageState, _ st: Policy.Stage, _ s: EvalScratch, _ figures: inout [String: Double]) -> (Double, String) {
        let fixed = st.improvement?.target ?? st.improvementTarget ?? st.below
        switch st.improvement?.kind ?? .fixed {
        case .fixed:
            return (fixed, "the target of \(EvalWords.threshold(fixed))")
        case .agreed:
            if let t = current.agreedTarget {
                figures["agreed_target"] = t
                return (t, "the target of \(EvalWords.threshold(t)) agreed at the meeting")
            }
            return (fixed, "the stage's threshold of \(EvalWords.threshold(fixed)) (no target agreed at the meeting is recorded yet)")
        case .rise:
            let by = st.improvement?.by ?? 0
            var base = current.rateAtEntry
            var said = "recorded"
            if base == nil, index(current.entered) >= 0, let c = stageCounts(s, st, endingAt: index(current.entered)), c.possible > 0 {
                base = Double(c.attended) / Double(c.possible)
                said = "over \(windowWords(st)) on the day of entry"
            }
            guard let base else {
                return (fixed, "the stage's threshold of \(EvalWords.threshold(fixed)) (the rate at entry is not known)")
            }
            let t = min(1, EvalWords.round4(base + by))
            figures["rate_at_entry"] = EvalWords.round4(base)
            figures["rise_by"] = by
            return (
                t,
                "the target of \(EvalWords.threshold(t)), the rate at entry (\(EvalWords.percent(base)), \(said)) plus \(EvalWords.percent(by))"
            )
        }
    }

    func review(
        _ p: PupilFacts, _ current: StageState, _ st: Policy.Stage, _ s: EvalScratch, _ test: PenaltyTest?, _ out: inout [DueAction]
    ) {
        guard let length = st.monitoringPeriod, let end = Evaluation.periodEnd(from: current.entered, length, calendar: calendar),
            asOf >= end
        else { return }
        let period = DateRange(from: current.entered.adding(days: 1), to: end)
        let c = StatisticsEngine(calendar: calendar).counts(p.codes, enrolment: p.enrolment, range: period).markedOnly
        let attended = c.present + c.approvedActivity
        let rule = "stages.\(st.id)"
        var figures: [String: Double] = ["attended": Double(attended), "possible": Double(c.possible)]
        switch length.unit {
        case .schoolWeek: figures["monitoring_school_weeks"] = Double(length.count)
        case .halfTerm: figures["monitoring_half_terms"] = Double(length.count)
        case .term: figures["monitoring_terms"] = Double(length.count)
        case .month: figures["monitoring_months"] = Double(length.count)
        }
        let (target, targetWords) = reviewTarget(current, st, s, &figures)
        figures["target"] = target
        let head = "Monitoring for \(st.name) (\(st.id)) from \(EvalWords.date(current.entered)) ended \(EvalWords.date(end))"
        guard c.possible > 0 else {
            out.append(
                action(
                    p, .stageReview, rule: rule, anchor: current.entered, due: end,
                    reason: head + ": no possible sessions to measure (not on roll or no marks); review by hand.",
                    figures: figures, action: .review))
            return
        }
        let rate = Double(attended) / Double(c.possible)
        let improved = !Self.isBelow(attended, c.possible, target)
        figures["attendance_rate"] = EvalWords.round4(rate)
        figures["improved"] = improved ? 1 : 0
        var reason = head + ": attendance \(EvalWords.percent(rate)) (\(attended) of \(c.possible) sessions) "
        if improved {
            reason += "met \(targetWords): improved."
            let after = st.afterImprovement.flatMap { policy.stage($0) }
            if let l = st.improvedLetter { reason += " Send the '\(l)' letter." } else { reason += " Tell the family" }
            if let after {
                reason += "\(st.improvedLetter == nil ? "; m" : " M")ove to \(after.name) (\(after.id)) to keep monitoring"
                if let e = after.exitAbove { reason += " until attendance is back at \(EvalWords.threshold(e)) or above" }
                reason += "."
            } else {
                reason += st.improvedLetter == nil ? " and continue monitoring." : " Continue monitoring."
            }
            var a = action(
                p, .stageReview, rule: rule, anchor: current.entered, due: end, reason: reason, figures: figures,
                action: st.improvedLetter == nil ? .review : .letter, proposedStage: after?.id)
            a.letter = st.improvedLetter
            out.append(a)
        } else if let nextID = st.next, let next = policy.stage(nextID) {
            reason += "is below \(targetWords): not improved. Next: \(next.name) (\(next.id))."
            if let letter = next.letter { reason += " Send the '\(letter)' letter." }
            let step = stageStep(next.action, test, s, &reason)
            var a = action(
                p, .stageReview, rule: rule, anchor: current.entered, due: end, reason: reason, figures: figures, action: step,
                proposedStage: next.id)
            a.letter = next.letter
            out.append(a)
        } else {
            reason +=
                "is below \(targetWords): not improved. This is the policy's last stage: "
                + "decide on further action."
            out.append(
                action(p, .stageReview, rule: rule, anchor: current.entered, due: end, reason: reason, figures: figures, action: .review))
        }
    }
}
