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

    @Test("clauses cite where a setting comes from; national rules cite the regulation")
    func clauses() {
        let p = Policy.standard()
        #expect(p.clause("attendance_target").contains("Working together"))
        #expect(p.clause("penalty_notice").contains("10 sessions in 10 school weeks"))
    }
}
