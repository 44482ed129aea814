import Foundation
import Testing

@testable import RollbookCore

@Suite("Policy: school_day")
struct SchoolDayPolicyTests {
    typealias F = SchoolDayFixtures

    @Test(
        "the seeds' school_day sections: 000 registration at P1, 003 collection and end of day, 004 lunchtime leave and missing from site")
    func seeds() throws {
        let s0 = try #require(SeedPolicyTests.seed(0).schoolDay)
        #expect(s0.registration == .init(am: "P1", pm: nil))
        let s3 = try #require(SeedPolicyTests.seed(3).schoolDay)
        #expect(s3.collection?.walkAloneYearGroups == ["5", "6"] && s3.collection?.collectorMinimumAge == 18)
        #expect(s3.collection?.walkAloneLatest == F.t("16:30") && s3.collection?.refuses == true)
        #expect(s3.endOfDay == .init(collectBy: F.t("15:30"), socialServicesAt: F.t("18:00")))
        let s4 = try #require(SeedPolicyTests.seed(4).schoolDay)
        #expect(s4.lunchtimeLeave?.leaveWithinMinutes == 10 && s4.lunchtimeLeave?.backMinutesBeforeEnd == 5)
        #expect(s4.lunchtimeLeave?.lunch(yearGroup: "6")?.start == F.t("12:30"))
        #expect(s4.lunchtimeLeave?.lunch(yearGroup: "3") == nil)
        #expect(s4.missingFromSite?.notifyParentsAfterMinutes == 20)
        #expect(try SeedPolicyTests.seed(1).schoolDay == nil)
    }

    @Test("validation names the setting and the reason for each section")
    func validation() throws {
        var p = Policy.standard()
        func reason(_ s: SchoolDayPolicy) -> ValidationError? {
            p.schoolDay = s
            do { try p.validate() } catch { return error }
            return nil
        }
        #expect(reason(.init(registration: .init(am: nil, pm: nil)))?.field == "school_day.registration")
        #expect(reason(.init(registration: .init(am: "P1", pm: "P1")))?.field == "school_day.registration.pm")
        #expect(reason(.init(registration: .init(am: " ", pm: nil)))?.field == "school_day.registration.am")
        #expect(reason(.init(notInLesson: .init(afterMinutes: 0, notify: ["head"])))?.field == "school_day.not_in_lesson.after_minutes")
        #expect(reason(.init(notInLesson: .init(notify: [])))?.field == "school_day.not_in_lesson.notify")
        let role = reason(.init(notInLesson: .init(notify: ["head", "caretaker"])))
        #expect(role?.field == "school_day.not_in_lesson.notify[1]" && role?.reason.hasPrefix("'caretaker' must be one of") == true)
        #expect(
            reason(.init(collection: .init(walkAloneYearGroups: ["5", "Y6"], collectorMinimumAge: 18)))?.field
                == "school_day.collection.walk_alone_year_groups[1]")
        #expect(
            reason(.init(collection: .init(walkAloneYearGroups: [], collectorMinimumAge: 5)))?.field
                == "school_day.collection.collector_minimum_age")
        #expect(
            reason(.init(collection: .init(walkAloneYearGroups: [], collectorMinimumAge: 18, notAllowed: "ask")))?.field
                == "school_day.collection.not_allowed")
        let lunch = SchoolDayPolicy.LunchtimeLeave.Lunch(yearGroups: [], start: F.t("12:00"), end: F.t("13:00"))
        #expect(
            reason(.init(lunchtimeLeave: .init(lunches: [], leaveWithinMinutes: 10, backMinutesBeforeEnd: 5)))?.field
                == "school_day.lunchtime_leave.lunches")
        #expect(
            reason(
                .init(
                    lunchtimeLeave: .init(
                        lunches: [.init(yearGroups: [], start: F.t("13:00"), end: F.t("12:00"))], leaveWithinMinutes: 10,
                        backMinutesBeforeEnd: 5)))?.field == "school_day.lunchtime_leave.lunches[0].end")
        #expect(
            reason(.init(lunchtimeLeave: .init(lunches: [lunch], leaveWithinMinutes: 90, backMinutesBeforeEnd: 5)))?.field
                == "school_day.lunchtime_leave.leave_within_minutes")
        #expect(
            reason(.init(missingFromSite: .init(notifyParentsAfterMinutes: 0)))?.field
                == "school_day.missing_from_site.notify_parents_after_minutes")
        let eod = reason(.init(endOfDay: .init(collectBy: F.t("15:30"), socialServicesAt: F.t("15:00"))))
        #expect(eod?.field == "school_day.end_of_day.social_services_at" && eod?.reason == "15:00 is not after collect_by 15:30")
        #expect(reason(.init(lunchtimeLeave: .init(lunches: [lunch], leaveWithinMinutes: 10, backMinutesBeforeEnd: 5))) == nil)
    }

    @Test("a saved policy without school_day still decodes; a bad value names its path")
    func decoding() throws {
        var json = try JSONSerialization.jsonObject(with: SeedPolicyTests.data("seed-003-primary.json")) as! [String: Any]
        json["school_day"] = nil
        json["clauses"] = (json["clauses"] as! [[String: Any]]).filter { !($0["setting"] as! String).hasPrefix("school_day") }
        #expect(try PolicyFile.decode(JSONSerialization.data(withJSONObject: json)).schoolDay == nil)
        json["school_day"] = ["end_of_day": ["collect_by": "3.30pm", "social_services_at": "18:00"]]
        #expect(throws: ValidationError.self) { try PolicyFile.decode(JSONSerialization.data(withJSONObject: json)) }
        do {
            _ = try PolicyFile.decode(JSONSerialization.data(withJSONObject: json))
        } catch let e as ValidationError {
            #expect(e.field == "school_day.end_of_day.collect_by")
        }
    }

    @Test("the school_day example in Policies/README.md decodes and validates")
    func documentedExample() throws {
        let readme = try String(contentsOf: SeedPolicyTests.directory.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "```json\n\"school_day\": "))
        let end = try #require(readme.range(of: "\n```", range: start.upperBound..<readme.endIndex))
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        let s = try d.decode(SchoolDayPolicy.self, from: Data(readme[start.upperBound..<end.lowerBound].utf8))
        try s.validate()
        #expect(
            s.registration?.pm == "P4" && s.notInLesson?.minutes == 10 && s.lunchtimeLeave?.lunch(yearGroup: "3")?.start == F.t("12:00"))
        #expect(s.collection != nil && s.missingFromSite != nil && s.endOfDay != nil)
    }
}
