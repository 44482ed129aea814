import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

extension ServerTests {
    @Suite("Roll calls per assembly point (school_day.assembly_points)") struct AssemblyPointRollCallTests {
        typealias R = RollCallServerTests

        @Test(
            "with the policy's assembly points the roll call is grouped by point (a form left out is shown as having none), by form when asked; without them, by assembly point is refused (409) naming the setting and nothing starts",
            arguments: Backend.available)
        func perPoint(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                try await R.morning(f)
                let zofiaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: R.zofia)?.id)
                try await f.store.signBackIn(
                    pupilID: zofiaID, date: day("2025-09-09"), time: TimeOfDay(hour: 8, minute: 50)!,
                    by: Actor(name: "Office Person", position: "Office"))
                let refused = try await f.call(.POST, "/api/v1/roll-calls", as: .office, json: #"{"grouping": "assembly_point"}"#)
                #expect(refused.status == .conflict && refused.errorField == "grouping", "\(refused.text)")
                #expect(refused.text.contains("school_day.assembly_points"))
                #expect(try await f.call(.GET, "/api/v1/roll-calls", as: .office).text.contains(#""id""#) == false)

                var s = SchoolDayPolicy()
                s.assemblyPoints = [.init(name: "Field A", forms: ["RA"])]
                try await saveSchoolDay(f, s)
                let byPoint = try await f.call(.POST, "/api/v1/roll-calls", as: .office, json: "{}")
                #expect(byPoint.status == .created, "\(byPoint.text)")
                #expect(byPoint.object["grouping"] as? String == "assembly_point")
                let sections = byPoint.object["sections"] as? [[String: Any]] ?? []
                #expect(sections.map { $0["name"] as? String } == ["Field A", "No assembly point set (6A)"], "\(byPoint.text)")
                #expect(sections.map { R.names($0["unaccounted"]) } == [[R.mia], [R.zofia]])
                let byForm = try await f.call(.POST, "/api/v1/roll-calls", as: .office, json: #"{"grouping": "form"}"#)
                #expect((byForm.object["sections"] as? [[String: Any]] ?? []).map { $0["name"] as? String } == ["6A", "RA"])
                let bad = try await f.call(.POST, "/api/v1/roll-calls", as: .office, json: #"{"grouping": "house"}"#)
                #expect(bad.status == .unprocessableEntity && bad.errorField == "grouping" && bad.text.contains("form or assembly_point"))
                // The pages offer the choice, with a label.
                let session = try await staffSession(f, .office)
                let page = try await formSend(f, .GET, "/roll-calls", cookie: session.cookie)
                #expect(page.text.contains(#"<label for="grouping">"#) && page.text.contains(#"value="assembly_point""#), "\(page.text)")
            }
        }
    }
}
