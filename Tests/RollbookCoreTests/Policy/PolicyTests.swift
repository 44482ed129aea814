import Foundation
import Testing

@testable import RollbookCore

@Suite("Policy file and validation")
struct PolicyTests {
    @Test("the standard policy is valid and survives a round trip through its file")
    func roundTrip() throws {
        let p = Policy.standard()
        try p.validate()
        let again = try PolicyFile.decode(PolicyFile.encode(p))
        #expect(again == p)
        let text = String(decoding: PolicyFile.encode(p), as: UTF8.self)
        #expect(text.contains(#""n_to_o_school_days" : 5"#))
        #expect(text.contains(#""late_after" : "8:40""#))
    }

    func decode(_ edit: (inout [String: Any]) -> Void) throws(ValidationError) -> Policy {
        var json = try! JSONSerialization.jsonObject(with: PolicyFile.encode(.standard())) as! [String: Any]
        edit(&json)
        return try PolicyFile.decode(try! JSONSerialization.data(withJSONObject: json))
    }

    func error(_ edit: (inout [String: Any]) -> Void) -> ValidationError? {
        do {
            _ = try decode(edit)
            return nil
        } catch { return error }
    }

    @Test("bad settings are refused with the setting's path and the reason")
    func badSettings() {
        #expect(error { $0["attendance_target"] = 96 }?.field == "attendance_target")
        #expect(error { $0["no_reason"] = ["n_to_o_school_days": 7] }?.field == "no_reason.n_to_o_school_days")
        #expect(error { $0.removeValue(forKey: "day_one") }?.field == "day_one")
        #expect(error { $0["attendance_target"] = "high" }?.field == "attendance_target")
        #expect(
            error { j in
                var pn = j["penalty_notice"] as! [String: Any]
                pn["threshold_sessions"] = 12
                j["penalty_notice"] = pn
            }?.reason.contains("national threshold is 10") == true)
        #expect(
            error { j in
                var stages = j["stages"] as! [[String: Any]]
                stages[0]["next"] = "stage-9"
                j["stages"] = stages
            }?.field == "stages[0].next")
        #expect(
            error { j in
                var stages = j["stages"] as! [[String: Any]]
                stages[1]["next"] = "stage-1"
                stages[1]["monitoring_school_weeks"] = 4
                j["stages"] = stages
            }?.reason.contains("later stage") == true)
        #expect(
            error { j in
                var bands = j["bands"] as! [[String: Any]]
                bands.removeLast()
                j["bands"] = bands
            }?.reason.contains("start at 0") == true)
        #expect(
            error { j in
                var r = j["register"] as! [String: Any]
                r["pm"] = ["opens": "9:00", "late_after": "9:00", "closes": "9:30"]
                j["register"] = r
            }?.field == "register.pm.opens")
        #expect(
            error { j in j["lateness"] = [["id": "x", "name": "x", "codes": ["N"], "per": "week", "at_least": 1, "action": "letter"]] }?
                .field == "lateness[0].codes")
    }

    @Test("late_arrival: absent means the standard follow-up; bad settings name the field")
    func lateArrival() throws {
        #expect(try decode { _ in }.arrivals == .standard)
        let ok: [String: Any] = [
            "codes": ["L"], "sanction": "Late to learning detention", "notify": ["sms", "email"], "recipients": "parents",
            "reasons": ["Overslept"], "reason_required": true,
        ]
        let p = try decode { $0["late_arrival"] = ok }
        #expect(p.arrivals.counts(.late) && !p.arrivals.counts(.u) && p.arrivals.notify == [.sms, .email])
        func bad(_ key: String, _ value: Any) -> ValidationError? {
            error { j in
                var a = ok
                a[key] = value
                j["late_arrival"] = a
            }
        }
        #expect(bad("codes", ["L", "N"])?.field == "late_arrival.codes")
        #expect(bad("codes", ["L", "L"])?.reason == "must list L, U or both, once each")
        #expect(bad("sanction", " ")?.field == "late_arrival.sanction")
        #expect(bad("notify", ["sms", "sms"])?.field == "late_arrival.notify")
        #expect(bad("notify", ["post"])?.field == "late_arrival.notify[0]")
        #expect(bad("recipients", "everyone")?.field == "late_arrival.recipients")
        #expect(bad("reasons", ["Overslept", ""])?.field == "late_arrival.reasons[1]")
        #expect(bad("reasons", [String]())?.reason.contains("reason_required") == true)
    }

    /// The error for the standard policy with `fields` set on stage `i` (stage-1 enters directly, stage-2 is the last).
    func stageError(_ fields: [String: Any], at i: Int = 0) -> ValidationError? {
        error { j in
            var stages = j["stages"] as! [[String: Any]]
            for (k, v) in fields { stages[i][k] = v }
            j["stages"] = stages
        }
    }

    func expectRefused(_ e: ValidationError?, _ field: String, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(e?.field == field, sourceLocation: sourceLocation)
        #expect(e?.reason.contains(reason) == true, "\(e?.reason ?? "accepted")", sourceLocation: sourceLocation)
    }

    @Test("each stage-ladder setting is refused with its path and the reason")
    func badLadderSettings() {
        // Triggers.
        expectRefused(
            stageError(["trigger": ["measure": "late_count"]]), "stages[0].trigger.at_least", "late_count needs a count of at least 1")
        expectRefused(
            stageError(["trigger": ["measure": "absence_episodes", "at_least": 0, "per": "term"]]), "stages[0].trigger.at_least",
            "needs a count of at least 1")
        expectRefused(
            stageError(["trigger": ["measure": "severe_absence", "at_least": 3]]), "stages[0].trigger.at_least",
            "reads the policy's severe_absence")
        expectRefused(
            stageError(["trigger": ["measure": "illness_sessions", "at_least": 6, "per": "term", "school_weeks": 6]]),
            "stages[0].trigger.per",
            "give per or school_weeks, not both")
        expectRefused(
            stageError(["trigger": ["measure": "illness_sessions", "at_least": 6, "school_weeks": 60]]), "stages[0].trigger.school_weeks",
            "must be 1 to 52")
        expectRefused(stageError(["trigger": ["measure": "at_risk", "per": "term"]]), "stages[0].trigger.per", "per does not apply")
        expectRefused(
            stageError(["trigger": ["measure": "illness_sessions", "at_least": 6, "codes": ["L"]]]), "stages[0].trigger.codes",
            "only late_count reads codes")
        expectRefused(
            stageError(["trigger": ["measure": "late_count", "at_least": 6, "codes": ["N"]]]), "stages[0].trigger.codes",
            "must list L, U or both")
        expectRefused(stageError(["trigger": ["measure": "truancy"]]), "stages[0].trigger.measure", "invalid String value truancy")
        expectRefused(
            stageError(["triggers": [["measure": "attendance_rate", "at_least": 2]]]), "stages[0].triggers[0]",
            "attendance_rate reads the stage's below")
        expectRefused(
            stageError(["trigger": ["measure": "severe_absence"], "triggers": [["measure": "attendance_rate"]]]), "stages[0].triggers",
            "give trigger or triggers, not both")
        expectRefused(stageError(["triggers": [Any]()]), "stages[0].triggers", "list at least one trigger")
        // Groups, repeat and exit.
        expectRefused(stageError(["groups": ["pp"]]), "stages[0].groups[0]", "'pp' is not a group: use one of sen_support")
        expectRefused(stageError(["groups": [Any]()]), "stages[0].groups", "list at least one group")
        expectRefused(stageError(["repeat": "week"]), "stages[0].repeat", "must be term or half_term")
        expectRefused(stageError(["exit_above": 1.2]), "stages[0].exit_above", "must be a fraction")
        expectRefused(stageError(["exit_above": 0.9]), "stages[0].exit_above", "must be at or above below (0.95)")
        // Periods.
        expectRefused(
            stageError(["monitoring": ["count": 1, "unit": "half_term"]]), "stages[0].monitoring",
            "give monitoring or monitoring_school_weeks")
        expectRefused(
            stageError(["monitoring_school_weeks": NSNull(), "monitoring": ["count": 7, "unit": "half_term"]]),
            "stages[0].monitoring.count",
            "must be 1 to 6 (half_term)")
        expectRefused(
            stageError(["monitoring_school_weeks": NSNull(), "monitoring": ["count": 1, "unit": "fortnight"]]), "stages[0].monitoring.unit",
            "invalid String value fortnight")
        expectRefused(stageError(["review_every": ["count": 0, "unit": "school_week"]]), "stages[0].review_every.count", "must be 1 to 39")
        // Improvement.
        expectRefused(stageError(["improvement": ["kind": "agreed"]]), "stages[0].improvement", "give improvement or improvement_target")
        expectRefused(
            stageError(["improvement_target": NSNull(), "improvement": ["kind": "fixed"]]), "stages[0].improvement.target",
            "a fixed improvement needs target")
        expectRefused(
            stageError(["improvement_target": NSNull(), "improvement": ["kind": "rise", "by": 2]]), "stages[0].improvement.by",
            "a rise needs by, a fraction above 0 and below 1")
        expectRefused(
            stageError(["improvement_target": NSNull(), "improvement": ["kind": "agreed", "target": 0.95]]), "stages[0].improvement.kind",
            "leave target and by out")
        expectRefused(
            stageError(["monitoring_school_weeks": NSNull(), "improved_letter": "well-done"], at: 1), "stages[1].monitoring",
            "need a monitoring period to review")
        expectRefused(stageError(["improved_letter": " "]), "stages[0].improved_letter", "must not be empty")
        expectRefused(stageError(["after_improvement": "stage-9"]), "stages[0].after_improvement", "no stage has the id 'stage-9'")
        expectRefused(stageError(["after_improvement": "stage-1"]), "stages[0].after_improvement", "must be another stage")
        // Actions with the pupil.
        expectRefused(
            stageError(["pupil_actions": [["action": "meeting", "name": ""]]]), "stages[0].pupil_actions[0].name", "must not be empty")
        expectRefused(
            stageError(["pupil_actions": [["action": "letter", "name": "Write to the pupil"]]]), "stages[0].pupil_actions[0].action",
            "never a letter or a legal step")
        // Plan reviews.
        let eso: [String: Any] = [
            "id": "eso", "plan": "education_supervision_order", "every": ["count": 3, "unit": "month"], "action": "meeting",
            "name": "ESO review meeting",
        ]
        func planError(_ edit: (inout [String: Any]) -> Void) -> ValidationError? {
            var r = eso
            edit(&r)
            return error { $0["plan_reviews"] = [eso, r] }
        }
        expectRefused(planError { _ in }, "plan_reviews[1].id", "must be present and unique ('eso')")
        expectRefused(
            planError {
                $0["id"] = "x"
                $0["plan"] = ""
            }, "plan_reviews[1].plan", "must name the plan's casework kind")
        expectRefused(
            planError {
                $0["id"] = "x"
                $0["every"] = ["count": 13, "unit": "month"]
            }, "plan_reviews[1].every.count", "must be 1 to 12")
        expectRefused(
            planError {
                $0["id"] = "x"
                $0["action"] = "penalty_notice"
            }, "plan_reviews[1].action", "only on the national penalty test")
        expectRefused(
            planError {
                $0["id"] = "x"
                $0["name"] = ""
            }, "plan_reviews[1].name", "must not be empty")
        // Each setting well formed is accepted, and a file without any of them still reads.
        #expect(
            stageError([
                "triggers": [["measure": "attendance_rate"], ["measure": "late_count", "at_least": 6, "per": "term", "codes": ["L"]]],
                "groups": ["pupil_premium", "sen"], "repeat": "term", "exit_above": 0.96, "monitoring_school_weeks": NSNull(),
                "monitoring": ["count": 1, "unit": "half_term"], "improvement_target": NSNull(),
                "improvement": ["kind": "rise", "by": 0.02],
                "improved_letter": "congratulations-improvement", "after_improvement": "stage-2",
                "review_every": ["count": 1, "unit": "school_week"],
                "pupil_actions": [["action": "meeting", "name": "Speak to the pupil"]],
            ]) == nil)
        #expect(error { $0["plan_reviews"] = [eso] } == nil)
        #expect(Policy.standard().stages.allSatisfy { $0.triggerList.isEmpty && $0.monitoringPeriod?.unit == .schoolWeek })
    }

    @Test("clauses cite where a setting comes from; national rules cite the regulation")
    func clauses() {
        let p = Policy.standard()
        #expect(p.clause("attendance_target").contains("Working together"))
        #expect(p.clause("penalty_notice").contains("10 sessions in 10 school weeks"))
    }

    // MARK: - Lateness ladders and truancy

    /// A lateness rung as the file writes it; `edit` changes its keys.
    static func rung(_ id: String, _ edit: (inout [String: Any]) -> Void = { _ in }) -> [String: Any] {
        var r: [String: Any] = ["id": id, "name": id, "codes": ["L", "U"], "per": "week", "at_least": 3, "action": "letter"]
        edit(&r)
        return r
    }

    @Test("lateness ladder settings are refused with the setting's path and the reason")
    func latenessLadderSettings() {
        func refused(_ rungs: [[String: Any]]) -> ValidationError? { error { $0["lateness"] = rungs } }
        let cases: [([[String: Any]], String, String)] = [
            ([Self.rung("a") { $0["per"] = "school_weeks" }], "lateness[0].school_weeks", "must be 1 to 52 with per school_weeks"),
            (
                [
                    Self.rung("a") {
                        $0["per"] = "school_weeks"
                        $0["school_weeks"] = 53
                    }
                ], "lateness[0].school_weeks", "must be 1 to 52"
            ),
            ([Self.rung("a") { $0["school_weeks"] = 6 }], "lateness[0].school_weeks", "is read only with per school_weeks"),
            ([Self.rung("a") { $0["next"] = "b" }, Self.rung("b")], "lateness[0].monitoring", "needs a monitoring period"),
            ([Self.rung("a") { $0["improved_at_most"] = 1 }], "lateness[0].monitoring", "needs a monitoring period"),
            (
                [Self.rung("a") { $0["monitoring"] = ["count": 0, "unit": "school_week"] }], "lateness[0].monitoring.count",
                "must be 1 to 39 (school_week)"
            ),
            (
                [Self.rung("a") { $0["monitoring"] = ["count": 7, "unit": "half_term"] }], "lateness[0].monitoring.count",
                "must be 1 to 6 (half_term)"
            ),
            (
                [
                    Self.rung("a") {
                        $0["monitoring"] = ["count": 4, "unit": "school_week"]
                        $0["next"] = "zz"
                    }
                ], "lateness[0].next",
                "no lateness rung has the id 'zz'"
            ),
            (
                [
                    Self.rung("a"),
                    Self.rung("b") {
                        $0["monitoring"] = ["count": 4, "unit": "school_week"]
                        $0["next"] = "a"
                    },
                ],
                "lateness[1].next", "must be a later rung"
            ),
            (
                [
                    Self.rung("a") {
                        $0["monitoring"] = ["count": 4, "unit": "school_week"]
                        $0["hand_over"] = "stage-9"
                    }
                ],
                "lateness[0].hand_over", "no stage has the id 'stage-9'"
            ),
            (
                [
                    Self.rung("a") {
                        $0["monitoring"] = ["count": 4, "unit": "school_week"]
                        $0["next"] = "b"
                        $0["hand_over"] = "stage-1"
                    },
                    Self.rung("b"),
                ], "lateness[0].hand_over", "give next or hand_over, not both"
            ),
            (
                [
                    Self.rung("a") {
                        $0["monitoring"] = ["count": 4, "unit": "school_week"]
                        $0["improved_at_most"] = -1
                    }
                ],
                "lateness[0].improved_at_most", "must not be negative"
            ),
            ([Self.rung("a") { $0["direct_entry"] = false }], "lateness[0].direct_entry", "no rung's next names 'a'"),
            ([Self.rung("a"), Self.rung("a")], "lateness[1].id", "must be present and unique"),
        ]
        for (rungs, field, reason) in cases {
            let e = refused(rungs)
            #expect(e?.field == field, "\(rungs)")
            #expect(e?.reason.contains(reason) == true, "\(e?.reason ?? "accepted")")
        }
        // A well-formed ladder: a monitored rung, its next rung (entered only by next) handing over to a stage.
        let ladder = [
            Self.rung("a") {
                $0["monitoring"] = ["count": 4, "unit": "school_week"]
                $0["next"] = "b"
            },
            Self.rung("b") {
                $0["monitoring"] = ["count": 1, "unit": "term"]
                $0["hand_over"] = "stage-2"
                $0["direct_entry"] = false
            },
            Self.rung("c") {
                $0["per"] = "school_weeks"
                $0["school_weeks"] = 6
                $0["at_least"] = 6
            },
        ]
        #expect(refused(ladder) == nil)
    }

    @Test("a policy saved before lateness ladders and truancy still decodes: the new keys are optional")
    func olderFilesDecode() throws {
        let p = try decode { $0["lateness"] = [Self.rung("a")] }
        let r = try #require(p.lateness.first)
        #expect(r.monitoring == nil && r.next == nil && r.handOver == nil && r.schoolWeeks == nil && r.directEntry == nil)
        #expect(r.allowsDirectEntry && r.improvedLimit == 2 && r.periodWords == "this week")
        #expect(p.truancy == nil && !p.truancyNotifies(.head))
    }

    @Test("truancy settings are refused with the setting's path and the reason; notify is read through truancyNotifies")
    func truancySettings() throws {
        func truancy(_ ladder: [[String: Any]], notify: [String] = ["head"]) -> (inout [String: Any]) -> Void {
            { $0["truancy"] = ["ladder": ladder, "notify": notify] }
        }
        let first: [String: Any] = ["id": "first", "name": "First", "at_least": 1, "per": "year", "action": "letter"]
        var zero = first
        zero["at_least"] = 0
        var rolling = first
        rolling["per"] = "school_weeks"
        let cases: [((inout [String: Any]) -> Void, String, String)] = [
            (truancy([zero]), "truancy.ladder[0].at_least", "must be at least 1"),
            (truancy([rolling]), "truancy.ladder[0].per", "must be week, half_term, term or year"),
            (truancy([first, first]), "truancy.ladder[1].id", "must be present and unique"),
            (truancy([first], notify: ["head", "parents", "head"]), "truancy.notify[2]", "'head' is listed twice"),
        ]
        for (edit, field, reason) in cases {
            let e = error(edit)
            #expect(e?.field == field)
            #expect(e?.reason.contains(reason) == true, "\(e?.reason ?? "accepted")")
        }
        #expect(error(truancy([first], notify: ["governors"]))?.field == "truancy.notify[0]")
        let p = try decode(truancy([first], notify: ["head"]))
        #expect(p.truancyNotifies(.head) && !p.truancyNotifies(.parents))
        #expect(p.truancy?.notifies(.head) == true)
    }
}

@Suite("Policy validation: safeguarding and penalty-notice discretion (issue 16)")
struct SafeguardingPolicyTests {
    let base = PolicyTests()

    func missingEducation(_ key: String, _ value: Any?) -> ValidationError? {
        base.error { j in
            var me = j["missing_education"] as! [String: Any]
            me[key] = value
            j["missing_education"] = me
        }
    }

    @Test("missing_education.unauthorised_enquiry_school_days is optional, and refused empty, out of 1 to 20 or out of order")
    func unauthorisedEnquiryDays() throws {
        #expect(try base.decode { _ in }.missingEducation.unauthorisedEnquirySchoolDays == nil)
        let p = try base.decode { j in
            var me = j["missing_education"] as! [String: Any]
            me["unauthorised_enquiry_school_days"] = [3, 5]
            j["missing_education"] = me
        }
        #expect(p.missingEducation.unauthorisedEnquirySchoolDays == [3, 5])
        #expect(try PolicyFile.decode(PolicyFile.encode(p)) == p)
        let f = "missing_education.unauthorised_enquiry_school_days"
        base.expectRefused(missingEducation("unauthorised_enquiry_school_days", [Int]()), f, "at least one school day")
        base.expectRefused(missingEducation("unauthorised_enquiry_school_days", [0]), f, "1 to 20")
        base.expectRefused(missingEducation("unauthorised_enquiry_school_days", [21]), f, "1 to 20")
        base.expectRefused(missingEducation("unauthorised_enquiry_school_days", [5, 5]), f, "in order, each day once")
        base.expectRefused(missingEducation("unauthorised_enquiry_school_days", [5, 3]), f, "in order, each day once")
    }

    func penaltyNotice(_ key: String, _ value: Any?) -> ValidationError? {
        base.error { j in
            var pn = j["penalty_notice"] as! [String: Any]
            pn[key] = value
            j["penalty_notice"] = pn
        }
    }

    @Test("penalty_notice.traveller_protection_sessions is optional, and refused outside 1 to 400")
    func travellerProtectionSessions() throws {
        #expect(try base.decode { _ in }.penaltyNotice.travellerProtectionSessions == nil)
        let p = try base.decode { j in
            var pn = j["penalty_notice"] as! [String: Any]
            pn["traveller_protection_sessions"] = 200
            j["penalty_notice"] = pn
        }
        #expect(p.penaltyNotice.travellerProtectionSessions == 200)
        #expect(try PolicyFile.decode(PolicyFile.encode(p)) == p)
        let f = "penalty_notice.traveller_protection_sessions"
        base.expectRefused(penaltyNotice("traveller_protection_sessions", 0), f, "1 to 400")
        base.expectRefused(penaltyNotice("traveller_protection_sessions", 401), f, "s444(6): 200")
    }

    @Test("penalty_notice.repeated_episodes is optional, and refused below 2 episodes or outside 1 to 52 school weeks")
    func repeatedEpisodes() throws {
        #expect(try base.decode { _ in }.penaltyNotice.repeatedEpisodes == nil)
        let p = try base.decode { j in
            var pn = j["penalty_notice"] as! [String: Any]
            pn["repeated_episodes"] = ["count": 3, "within_school_weeks": 39]
            j["penalty_notice"] = pn
        }
        #expect(p.penaltyNotice.repeatedEpisodes == .init(count: 3, withinSchoolWeeks: 39))
        #expect(try PolicyFile.decode(PolicyFile.encode(p)) == p)
        base.expectRefused(
            penaltyNotice("repeated_episodes", ["count": 1, "within_school_weeks": 39]), "penalty_notice.repeated_episodes.count",
            "one episode is not a pattern")
        base.expectRefused(
            penaltyNotice("repeated_episodes", ["count": 3, "within_school_weeks": 53]),
            "penalty_notice.repeated_episodes.within_school_weeks", "1 to 52")
        #expect(penaltyNotice("repeated_episodes", ["count": 3])?.field == "penalty_notice.repeated_episodes.within_school_weeks")
    }
}
