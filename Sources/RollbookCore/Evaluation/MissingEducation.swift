// Continuous absence (illness evidence by consecutive days, children missing education, vulnerable pupils, long
// illness) and not back after leave.

extension EvalPlan {
    // MARK: Continuous absence: illness evidence (consecutive days), missing education, vulnerable pupils, long illness

    func absenceRuns(_ p: PupilFacts, _ cw: Casework, _ allowed: [Int], _ s: inout EvalScratch, _ out: inout [DueAction]) {
        // Walk back from today over the pupil's school days. A day counts when every marked session that is a possible
        // session is an absence; sessions not yet marked today are left out, an unmarked earlier day ends the run.
        s.run.removeAll(keepingCapacity: true)
        var gnoDays = 0
        var illDays = 0
        // Illness for the evidence rule: an allowance's day (`allowed`) ends it, as any other day would.
        var evidenceDays = 0
        var evidenceAlive = true
        var gnoAlive = true
        var illAlive = true
        let table = EvalMark.table
        var i = last
        walk: while i >= 0 {
            var considered = false
            var absent = true
            var gno = true
            var ill = true
            for k in 0..<2 {
                let v = s.sess[2 * i + k]
                if v == EvalMark.offRoll { break walk }
                if v == EvalMark.closed { continue }
                if v == 0 { if i == last { continue } else { break walk } }
                let f = table[Int(v)]
                if f & EvalMark.neutral != 0 { continue }
                considered = true
                if f & EvalMark.attended != 0 { absent = false }
                if f & EvalMark.gnou == 0 || f & EvalMark.u != 0 { gno = false }
                if f & EvalMark.illness == 0 { ill = false }
            }
            if considered {
                if !absent { break }
                s.run.append(Int32(i))
                if gnoAlive { if gno { gnoDays += 1 } else { gnoAlive = false } }
                if illAlive { if ill { illDays += 1 } else { illAlive = false } }
                if evidenceAlive {
                    if ill && (allowed.isEmpty || !allowed.contains(i)) { evidenceDays += 1 } else { evidenceAlive = false }
                }
            }
            i -= 1
        }
        let run = s.run
        let total = run.count
        guard total > 0 else { return }
        /// The t-th day (1-based) of the run of the latest `length` days.
        func nth(_ t: Int, of length: Int) -> LocalDate { date(Int(run[length - t])) }
        /// The absences of the run of the latest `length` days (every possible session in it is one).
        func refs(_ length: Int) -> [SessionRef] { sessions(s, from: Int(run[length - 1]), through: last, bits: EvalMark.possible) }
        let began = nth(1, of: total)
        let me = policy.missingEducation

        // Illness evidence: consecutive school days of illness.
        for r in policy.illnessEvidence where r.measure == .consecutiveSchoolDays && evidenceDays >= r.count {
            let from = nth(1, of: evidenceDays)
            let reason =
                "Illness (I) on \(evidenceDays) consecutive school days since \(EvalWords.date(from)), the rule being \(r.count) "
                + "(\(r.name))\(r.letter.map { ", with the '\($0)' letter" } ?? ""): ask the family for medical evidence."
            var a = action(
                p, .illnessEvidence, rule: "illness_evidence.\(r.id)", anchor: from, due: nth(r.count, of: evidenceDays),
                reason: reason, sessions: refs(evidenceDays), figures: ["school_days": Double(evidenceDays), "count": Double(r.count)],
                action: .evidenceRequest)
            a.letter = r.letter
            out.append(a)
        }

        // No contact from the family since the absence began.
        let contacted = cw.lastFamilyContact.map { $0 >= began } ?? false
        let thresholds = me.noContactSchoolDays
        if !contacted {
            for (j, t) in thresholds.enumerated() where total >= t {
                let final = j == thresholds.count - 1
                let reason =
                    "Absent \(total) consecutive school days since \(EvalWords.date(began)) with no contact from the family "
                    + "since the absence began: day \(t). "
                    + (final
                        ? "Refer to the LA as a child missing education; keep the pupil on roll until the LA's enquiries are complete."
                        : "Make reasonable enquiries: call every contact, consider a home visit.")
                out.append(
                    action(
                        p, .missingEducation, rule: "missing_education.no_contact_school_days", anchor: began, suffix: "day-\(t)",
                        due: nth(t, of: total), reason: reason, sessions: refs(total),
                        figures: ["school_days": Double(total), "threshold_school_days": Double(t)],
                        action: final ? .laReferral : .call, contacts: contactLines(p.contacts)))
            }
        }

        // Continuous unauthorised absence, contact or not: enquiries, the last day a CME referral. Without contact, a
        // no-contact day at or before it already asks for the same, so it is not proposed twice.
        if let days = me.unauthorisedEnquirySchoolDays, gnoDays >= days[0] {
            let from = nth(1, of: gnoDays)
            for (j, t) in days.enumerated() where gnoDays >= t && (contacted || !thresholds.contains { $0 <= t }) {
                let final = j == days.count - 1
                let reason =
                    "\(gnoDays) continuous school days of unauthorised absence (G, N or O) since \(EvalWords.date(from)): day \(t). "
                    + (contacted
                        ? "The family has been in contact since the absence began, but the absence is still unauthorised. "
                        : "No contact from the family since the absence began. ")
                    + (final
                        ? "Make reasonable enquiries into the pupil's whereabouts and refer to the LA as a child missing education; "
                            + "keep the pupil on roll until the LA's enquiries are complete."
                        : "Make reasonable enquiries: call every contact, consider a home visit.")
                out.append(
                    action(
                        p, .missingEducation, rule: "missing_education.unauthorised_enquiry_school_days", anchor: from, suffix: "day-\(t)",
                        due: nth(t, of: gnoDays), reason: reason, sessions: refs(gnoDays),
                        figures: ["school_days": Double(gnoDays), "threshold_school_days": Double(t), "contacted": contacted ? 1 : 0],
                        action: final ? .laReferral : .call, contacts: contactLines(p.contacts)))
            }
        }

        // Vulnerable pupils.
        if p.vulnerable, let v = me.vulnerableAfterSchoolDays, total >= v {
            let reason =
                "Vulnerable pupil (\(p.characteristics.vulnerableWords.isEmpty ? "child protection or child in need plan, or looked after" : p.characteristics.vulnerableWords)) absent \(total) consecutive "
                + "school days since \(EvalWords.date(began)): at \(v), escalate to children's social care and the lead professional. "
                + (contacted
                    ? "The family has been in contact since the absence began." : "No contact from the family since the absence began.")
            out.append(
                action(
                    p, .vulnerableAbsence, rule: "missing_education.vulnerable_after_school_days", anchor: began,
                    due: nth(v, of: total), reason: reason, sessions: refs(total),
                    figures: ["school_days": Double(total), "threshold_school_days": Double(v)],
                    action: .socialCareReferral, contacts: contactLines(p.contacts)))
        }

        // Continuous unauthorised absence (G, N, O throughout).
        let cu = me.continuousUnauthorisedSchoolDays
        if gnoDays >= cu {
            let from = nth(1, of: gnoDays)
            let reason =
                "\(gnoDays) continuous school days of unauthorised absence (G, N or O) since \(EvalWords.date(from)): at \(cu), "
                + "make enquiries and inform the LA. This is a deletion ground only after the school and the LA have both made "
                + "reasonable enquiries and the pupil's whereabouts are still unknown: do not delete from the roll yet."
            out.append(
                action(
                    p, .missingEducation, rule: "missing_education.continuous_unauthorised_school_days", anchor: from,
                    due: nth(cu, of: gnoDays), reason: reason, sessions: refs(gnoDays),
                    figures: ["school_days": Double(gnoDays), "threshold_school_days": Double(cu)], action: .laReferral))
        }

        // Long illness: over the policy's school days, inform the LA.
        if let d = me.illnessSchoolDays, illDays > d {
            let from = nth(1, of: illDays)
            let reason =
                "Absent through illness (I) for \(illDays) consecutive school days since \(EvalWords.date(from)): over \(d), "
                + "inform the LA, which must arrange suitable education for a child unable to attend because of their health."
            out.append(
                action(
                    p, .informLA, rule: "missing_education.illness_school_days", anchor: from, due: nth(d + 1, of: illDays),
                    reason: reason, sessions: refs(illDays), figures: ["school_days": Double(illDays), "threshold_school_days": Double(d)],
                    action: .informLA))
        }
    }

    // MARK: Not back after leave

    func notBackAfterLeave(_ p: PupilFacts, _ cw: Casework, _ out: inout [DueAction]) {
        guard let ended = cw.leaveEnded, ended < asOf else { return }
        let limit = policy.missingEducation.notBackAfterLeaveSchoolDays
        var days = 0
        var dueDay: LocalDate?
        var refs: [SessionRef] = []
        var d = ended.adding(days: 1)
        while d <= asOf {
            if p.enrolment.isOnRoll(d) {
                let g = p.enrolment.yearGroup(in: AcademicYear(containing: d))
                var open = false
                for s in Session.allCases where calendar.isOpen(d, s, yearGroup: g) {
                    let code = p.codes[d, s]
                    if let c = code, c.isAttendance { return }
                    if code == nil && d == asOf { continue }
                    open = true
                    refs.append(SessionRef(date: d, session: s, code: code?.symbol ?? ""))
                }
                if open {
                    days += 1
                    if days == limit { dueDay = d }
                }
            }
            d = d.adding(days: 1)
        }
        guard let dueDay else { return }
        let reason =
            "Not back \(days) school days after agreed leave ended on \(EvalWords.date(ended)): no attendance since. "
            + "At \(limit), make enquiries and inform the LA. Deletion from the roll is a ground only if the pupil's whereabouts "
            + "are still unknown after the school and the LA have made reasonable enquiries."
        out.append(
            action(
                p, .missingEducation, rule: "missing_education.not_back_after_leave_school_days", anchor: ended, due: dueDay,
                reason: reason, sessions: refs, figures: ["school_days": Double(days), "threshold_school_days": Double(limit)],
                action: .laReferral, contacts: contactLines(p.contacts)))
    }
}
