// The lateness ladder: simple rungs (an action once per period) and ladder rungs (entry, monitoring, then a review
// that finds improvement, proposes the next rung or hands the pupil over to an attendance stage).

extension Policy.LatenessRule {
    /// Takes part in the escalation: it has a monitoring period, or another rung's `next` names it.
    func isLadderRung(in policy: Policy) -> Bool { monitoring != nil || policy.lateness.contains { $0.next == id } }

    /// The last day of the monitoring period for a pupil who entered the rung on `entered` (`Evaluation.periodEnd`); nil
    /// without monitoring, or when the calendar ends first.
    public func monitoringEnd(entered: LocalDate, calendar: SchoolCalendar) -> LocalDate? {
        monitoring.flatMap { Evaluation.periodEnd(from: entered, $0, calendar: calendar) }
    }

    /// "4 school weeks", "1 half term".
    var monitoringWords: String? { monitoring?.words }
}

extension EvalPlan {
    /// The first day of a calendar period ending today; nil for a rolling window or a period the calendar lacks.
    func periodStart(_ per: Policy.Period) -> Int? {
        switch per {
        case .week: weekStart
        case .halfTerm: halfTermStart
        case .term: termStart
        case .year: yearStart
        case .schoolWeeks: nil
        }
    }

    /// A ladder step that is a legal one passes the national test like any other (see `stageStep`): the action becomes
    /// a review saying whether the test is met, with its figures; only the penalty-notice threshold rule proposes a
    /// notice. Without `test` (not of compulsory school age) the root guard says why.
    func ladderStep(
        _ kind: Policy.ActionKind, _ test: PenaltyTest?, _ s: EvalScratch, _ reason: inout String, _ figures: inout [String: Double]
    ) -> Policy.ActionKind {
        guard kind.isLegalStep, let test else { return kind.isLegalStep ? .review : kind }
        let step = kind == .noticeToImprove ? "a Notice to Improve" : "a penalty notice"
        let pn = policy.penaltyNotice
        let weeks = EvalWords.count(pn.windowSchoolWeeks, "school week")
        figures["threshold_sessions"] = Double(pn.thresholdSessions)
        if let e = test.episode(s, after: test.latestNotice) {
            figures["unauthorised_sessions"] = Double(e.countNow)
            figures["penalty_test_met"] = 1
            reason +=
                " This rung's step is \(step): the national test is met (\(EvalWords.count(e.countNow, "session")) of G, N, O or U in "
                + "\(weeks), reached on \(EvalWords.date(date(e.due)))): see the penalty-notice threshold action for each parent."
        } else {
            let n = test.countNow(s, after: test.latestNotice)
            figures["unauthorised_sessions"] = Double(n)
            figures["penalty_test_met"] = 0
            reason +=
                " This rung's step is \(step), but the national test is not met: \(EvalWords.count(n, "session")) of G, N, O or U "
                + "in the last \(weeks), below \(pn.thresholdSessions). No notice on this alone: consider other support."
        }
        return .review
    }

    func lateness(_ p: PupilFacts, _ cw: Casework, _ s: EvalScratch, _ test: PenaltyTest?, _ out: inout [DueAction]) {
        let rungs = policy.lateness
        guard !rungs.isEmpty else { return }
        // A pupil in a rung is reviewed when its monitoring ends and is not proposed that rung or a lower one; lates
        // before they entered it (or last left one) count for no rung.
        var current = -1
        var floorDay = cw.latenessHistory.compactMap(\.left).max()
        if let c = cw.latenessRung {
            latenessReview(p, cw, c, s, test, &out)
            current = rungs.firstIndex { $0.id == c.stage } ?? rungs.count
            floorDay = max(floorDay ?? c.entered, c.entered)
        }
        let floor = max(0, floorDay.map { index($0) + 1 } ?? 0)
        for (i, r) in rungs.enumerated() where i > current {
            let ladder = r.isLadderRung(in: policy)
            // A ladder rung is entered on the count only from no rung; from a rung only by `next`, at a review.
            if ladder && (current >= 0 || !r.allowsDirectEntry) { continue }
            let countL = r.codes.contains("L")
            let countU = r.codes.contains("U")
            func count(_ a: Int, _ b: Int) -> Int {
                (countL ? s.count(EvalCounter.late, from: a, through: b) : 0) + (countU ? s.count(EvalCounter.u, from: a, through: b) : 0)
            }
            let bits = (countL ? EvalMark.late : 0) | (countU ? EvalMark.u : 0)
            let from: Int
            let anchor: Int
            let due: Int
            if r.per == .schoolWeeks {
                // A rolling window: the episode is the days, ending today, on which the window has held the rung's count.
                guard let starts = r.schoolWeeks.flatMap({ windowStart[$0] }) else { continue }
                func holds(_ i: Int) -> Bool {
                    let f = Int(starts[i])
                    guard f >= 0 else { return false }
                    let c = count(max(f, floor), i)
                    return c >= r.atLeast && c <= (r.atMost ?? .max)
                }
                guard holds(last) else { continue }
                var first = last
                while first - 1 >= floor, holds(first - 1) { first -= 1 }
                from = max(Int(starts[last]), floor)
                anchor = first
                due = first
            } else {
                guard let f = periodStart(r.per) else { continue }
                from = max(f, floor)
                anchor = f
                let c = count(from, last)
                guard c >= r.atLeast, c <= (r.atMost ?? .max) else { continue }
                due = dayOfNth(s, r.atLeast, bits: bits, from: from, through: last)
            }
            let n = count(from, last)
            let rung = r.atMost.map { $0 == r.atLeast ? "exactly \($0)" : "\(r.atLeast) to \($0)" } ?? "\(r.atLeast) or more"
            let what = countL && countU ? "late arrivals (L or U)" : countU ? "unauthorised late arrivals (U)" : "late arrivals (L)"
            var reason = "\(n) \(what) \(r.periodWords), since \(EvalWords.date(date(from))): the rung for \(rung) (\(r.name))."
            let inLessons = countL ? lessonLates(cw, from: from, through: last) : 0
            if inLessons > 0 { reason += " \(inLessons) of them late to a lesson (L on a lesson register)." }
            if let letter = r.letter { reason += " Send the '\(letter)' letter." }
            if let m = r.monitoringWords { reason += " Then monitor for \(m)." }
            var figures: [String: Double] = ["count": Double(n), "at_least": Double(r.atLeast)]
            if inLessons > 0 { figures["lesson_lates"] = Double(inLessons) }
            if let m = r.atMost { figures["at_most"] = Double(m) }
            if r.per == .schoolWeeks, let w = r.schoolWeeks { figures["school_weeks"] = Double(w) }
            let step = ladderStep(r.action, test, s, &reason, &figures)
            var a = action(
                p, .lateness, rule: "lateness.\(r.id)", anchor: date(anchor), due: date(due), reason: reason,
                sessions: sessions(s, from: from, through: last, bits: bits), figures: figures, action: step)
            if ladder { a.proposedRung = r.id }
            out.append(a)
        }
    }

    func latenessReview(
        _ p: PupilFacts, _ cw: Casework, _ current: StageState, _ s: EvalScratch, _ test: PenaltyTest?, _ out: inout [DueAction]
    ) {
        guard let r = policy.latenessRung(current.stage), let end = r.monitoringEnd(entered: current.entered, calendar: calendar),
            asOf >= end, let m = r.monitoring
        else { return }
        let countL = r.codes.contains("L")
        let countU = r.codes.contains("U")
        let bits = (countL ? EvalMark.late : 0) | (countU ? EvalMark.u : 0)
        // The days the evaluation reads: a period reaching back before them counts from its first day.
        let a = max(0, index(current.entered) + 1)
        let b = min(last, index(end))
        let lates =
            (countL ? s.count(EvalCounter.late, from: a, through: b) : 0) + (countU ? s.count(EvalCounter.u, from: a, through: b) : 0)
        let limit = r.improvedLimit
        let improved = lates <= limit
        var figures: [String: Double] = [
            "count": Double(lates), "improved_at_most": Double(limit), "monitoring_count": Double(m.count), "improved": improved ? 1 : 0,
        ]
        let rule = "lateness.\(r.id)"
        var reason =
            "Lateness monitoring for \(r.name) (\(r.id)) from \(EvalWords.date(current.entered)) ended \(EvalWords.date(end)): "
            + "\(EvalWords.count(lates, "late arrival")) in the period, "
        var step = Policy.ActionKind.review
        var nextRung: String?
        var stage: String?
        if improved {
            reason += "at most \(limit): improved. Tell the family and continue monitoring."
        } else {
            reason += "more than \(limit): not improved."
            if let id = r.next, let next = policy.latenessRung(id) {
                reason += " Next: \(next.name) (\(next.id))."
                if let letter = next.letter { reason += " Send the '\(letter)' letter." }
                if let w = next.monitoringWords { reason += " Then monitor for \(w)." }
                step = ladderStep(next.action, test, s, &reason, &figures)
                nextRung = next.id
            } else if let id = r.handOver, let st = policy.stage(id) {
                if let now = cw.stage {
                    reason +=
                        " The lateness moves over to the attendance stages, and the pupil is already in \(now.stage): review it there."
                } else {
                    reason += " Move over to the attendance escalation procedure: \(st.name) (\(st.id))."
                    if let letter = st.letter { reason += " Send the '\(letter)' letter." }
                    step = stageStep(st.action, test, s, &reason)
                    stage = st.id
                }
            } else {
                reason += " This is the ladder's last rung: decide on further action."
            }
        }
        var action = action(
            p, .latenessReview, rule: rule, anchor: current.entered, due: end, reason: reason,
            sessions: sessions(s, from: a, through: b, bits: bits), figures: figures, action: step, proposedStage: stage)
        action.proposedRung = nextRung
        out.append(action)
    }
}
