// Escalation stages: entry below a threshold, and the review when monitoring ends.

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
        // A pupil in no stage may enter the first stage or one with direct entry; a pupil in a stage moves on by `next`
        // when its monitoring ends without improvement, or may enter a later stage with direct entry whose threshold
        // is crossed (seed 004's letter below 90% for a pupil already sent the 93% letter; seed 003's severe absence).
        var after = -1
        var floorDay = cw.stageHistory.compactMap(\.left).max()
        if let current = cw.stage {
            review(p, current, s, test, &out)
            after = policy.stages.firstIndex { $0.id == current.stage } ?? policy.stages.count
            floorDay = max(floorDay ?? current.entered, current.entered)
        }
        // The furthest such stage whose threshold is crossed.
        var chosen: (stage: Policy.Stage, attended: Int, possible: Int)?
        for (i, st) in policy.stages.enumerated() where i > after && (st.directEntry || i == 0) {
            guard let c = stageCounts(s, st, endingAt: last), c.possible >= st.minimum, Self.isBelow(c.attended, c.possible, st.below)
            else { continue }
            chosen = (st, c.attended, c.possible)
        }
        guard let (st, att, poss) = chosen else { return }
        // The episode: the days, ending today, on which the rate has been below the threshold without a break,
        // and not before the pupil last left a stage (or entered the current one).
        let floor = max(0, floorDay.map { index($0) + 1 } ?? 0)
        var first = last
        while first - 1 >= floor, let c = stageCounts(s, st, endingAt: first - 1), c.possible >= st.minimum,
            Self.isBelow(c.attended, c.possible, st.below)
        {
            first -= 1
        }
        let rate = Double(att) / Double(poss)
        var reason =
            "Attendance \(EvalWords.percent(rate)) over \(windowWords(st)) (\(att) of \(poss) sessions) is below "
            + "\(EvalWords.threshold(st.below)): \(st.name) (\(st.id))."
        if let letter = st.letter { reason += " Send the '\(letter)' letter." }
        if let m = st.monitoringSchoolWeeks { reason += " Then monitor for \(EvalWords.count(m, "school week"))." }
        var figures: [String: Double] = [
            "attendance_rate": EvalWords.round4(rate), "attended": Double(att), "possible": Double(poss),
            "below": st.below,
        ]
        if let w = st.windowSchoolWeeks { figures["window_school_weeks"] = Double(w) }
        let step = stageStep(st.action, test, s, &reason)
        out.append(
            action(
                p, .stageEntry, rule: "stages.\(st.id)", anchor: date(first), due: date(first), reason: reason,
                figures: figures, action: step, proposedStage: st.id))
    }

    func review(_ p: PupilFacts, _ current: StageState, _ s: EvalScratch, _ test: PenaltyTest?, _ out: inout [DueAction]) {
        guard let st = policy.stage(current.stage), let weeks = st.monitoringSchoolWeeks,
            let end = Evaluation.monitoringEnd(entered: current.entered, schoolWeeks: weeks, calendar: calendar), asOf >= end
        else { return }
        let period = DateRange(from: current.entered.adding(days: 1), to: end)
        let c = StatisticsEngine(calendar: calendar).counts(p.codes, enrolment: p.enrolment, range: period).markedOnly
        let attended = c.present + c.approvedActivity
        let target = st.improvementTarget ?? st.below
        let rule = "stages.\(st.id)"
        var figures: [String: Double] = [
            "attended": Double(attended), "possible": Double(c.possible), "target": target,
            "monitoring_school_weeks": Double(weeks),
        ]
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
            reason += "met the target of \(EvalWords.threshold(target)): improved. Tell the family and continue monitoring."
            out.append(
                action(p, .stageReview, rule: rule, anchor: current.entered, due: end, reason: reason, figures: figures, action: .review))
        } else if let nextID = st.next, let next = policy.stage(nextID) {
            reason += "is below the target of \(EvalWords.threshold(target)): not improved. Next: \(next.name) (\(next.id))."
            if let letter = next.letter { reason += " Send the '\(letter)' letter." }
            let step = stageStep(next.action, test, s, &reason)
            out.append(
                action(
                    p, .stageReview, rule: rule, anchor: current.entered, due: end, reason: reason, figures: figures,
                    action: step, proposedStage: next.id))
        } else {
            reason +=
                "is below the target of \(EvalWords.threshold(target)): not improved. This is the policy's last stage: "
                + "decide on further action."
            out.append(
                action(p, .stageReview, rule: rule, anchor: current.entered, due: end, reason: reason, figures: figures, action: .review))
        }
    }
}
