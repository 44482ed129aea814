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
}
