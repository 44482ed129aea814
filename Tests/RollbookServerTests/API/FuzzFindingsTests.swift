import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

/// What the schemathesis run (Tests/e2e/test_fuzz.py) found, each kept as a test.
extension ServerTests {
    @Suite("API fuzz findings") struct FuzzFindingsTests {
        /// The fixture's clock reads 2025-09-09, so ten years either side is 2015-09 to 2035-09.
        @Test("as_of far from today is 422 at once, not an evaluation that runs for minutes", arguments: Backend.available)
        func asOfBounded(_ b: Backend) async throws {
            try await withRollbook(b, tinyMarks: true) { f in
                for path in ["/api/v1/actions", "/api/v1/marks/overdue"] {
                    for far in ["7932-03-13", "2036-01-01", "1900-01-01"] {
                        let started = Date()
                        let r = try await f.call(.GET, "\(path)?as_of=\(far)")
                        #expect(r.status == .unprocessableEntity, "\(path)?as_of=\(far)")
                        #expect(r.errorField == "as_of")
                        #expect(r.errorReason.contains("ten years"))
                        #expect(Date().timeIntervalSince(started) < 5)
                    }
                    // Within ten years it is answered as before.
                    #expect(try await f.call(.GET, "\(path)?as_of=2035-09-01").status == .ok)
                    #expect(try await f.call(.GET, "\(path)?as_of=2025-09-19").status == .ok)
                }
                // The tiny example's N marks: the same whether as_of is given as today or left out.
                let today = try await f.call(.GET, "/api/v1/marks/overdue?as_of=2025-09-09")
                let plain = try await f.call(.GET, "/api/v1/marks/overdue")
                #expect(today.text == plain.text)
            }
        }

        @Test("the calendar's range and year group are checked (422, as the OpenAPI document now says)", arguments: Backend.available)
        func calendarQuery(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let badYear = try await f.call(.GET, "/api/v1/calendar?year_group=AAA")
                #expect(badYear.status == .unprocessableEntity)
                #expect(badYear.errorField == "year_group")
                let backwards = try await f.call(.GET, "/api/v1/calendar?from=2025-09-10&to=2025-09-01")
                #expect(backwards.status == .unprocessableEntity)
                #expect(backwards.errorField == "to")
                let notADate = try await f.call(.GET, "/api/v1/calendar?from=2025-13-01")
                #expect(notADate.status == .unprocessableEntity)
                #expect(notADate.errorField == "from")
                // `to` alone: from 1 September of its academic year, clamped to the calendar (term starts 3 September).
                func days(_ r: Reply) -> [String] { (r.object["days"] as? [[String: Any]] ?? []).compactMap { $0["date"] as? String } }
                #expect(days(try await f.call(.GET, "/api/v1/calendar?to=2025-09-05")) == ["2025-09-03", "2025-09-04", "2025-09-05"])
                // Reception is closed on 3 and 4 September.
                #expect(days(try await f.call(.GET, "/api/v1/calendar?to=2025-09-05&year_group=R")) == ["2025-09-05"])
            }
        }

        @Test(
            "a method the API does not serve on a path it has is 405 with Allow, as JSON; an unknown path stays 404",
            arguments: Backend.available)
        func methodNotAllowed(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let patch = try await f.call(.PATCH, "/api/v1/pupils")
                #expect(patch.status == .methodNotAllowed)
                #expect(patch.headers.first(name: .allow) == "GET, HEAD, POST")
                #expect((patch.object["error"] as? [String: Any])?["status"] as? Int == 405)
                #expect(patch.errorReason.contains("PATCH"))
                let delete = try await f.call(.DELETE, "/api/v1/pupils/\(APITests.mia)")
                #expect(delete.status == .methodNotAllowed)
                #expect(delete.headers.first(name: .allow) == "GET, HEAD")
                #expect(try await f.call(.PUT, "/api/v1/webhooks/1").headers.first(name: .allow) == "DELETE")
                #expect(try await f.call(.POST, "/api/openapi.json", as: nil).status == .methodNotAllowed)
                // Without a token too: the method is wrong whoever asks.
                #expect(try await f.call(.PUT, "/api/v1/codes", as: nil).status == .methodNotAllowed)
                let unknown = try await f.call(.PATCH, "/api/v1/nothing-here")
                #expect(unknown.status == .notFound)
                #expect((unknown.object["error"] as? [String: Any])?["status"] as? Int == 404)
            }
        }

        @Test("a query upn or year_group outside the document's pattern or list is 422 naming it", arguments: Backend.available)
        func queryChecked(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                for path in ["/api/v1/pupils", "/api/v1/statistics", "/api/v1/statistics/pupils"] {
                    for bad in ["A12345", "a100000000001", "A1000000000011", "AB00000000001"] {
                        let r = try await f.call(.GET, "\(path)?upn=\(bad)")
                        #expect(r.status == .unprocessableEntity, "\(path)?upn=\(bad)")
                        #expect(r.errorField == "upn")
                    }
                    #expect(try await f.call(.GET, "\(path)?upn=\(APITests.mia)").status == .ok)
                    #expect(try await f.call(.GET, "\(path)?upn=A10000000000X").status == .ok)  // a temporary UPN
                }
                for path in ["/api/v1/pupils", "/api/v1/registers/2025-09-09/AM", "/api/v1/lessons/2025-09-09/P1", "/api/v1/statistics"] {
                    let r = try await f.call(.GET, "\(path)?year_group=15")
                    #expect(r.status == .unprocessableEntity, "\(path)")
                    #expect(r.errorField == "year_group")
                    #expect(try await f.call(.GET, "\(path)?year_group=R").status == .ok, "\(path)")
                }
            }
        }

        @Test("a deleted webhook's deliveries are 404, as after any DELETE; it is still listed, stopped", arguments: Backend.available)
        func deletedWebhook(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let created = try await f.call(
                    .POST, "/api/v1/webhooks", json: #"{"url": "https://hooks.example.org/x", "events": ["mark.changed"]}"#)
                let id = try #require(created.object["id"] as? Int)
                #expect(try await f.call(.GET, "/api/v1/webhooks/\(id)/deliveries").status == .ok)
                #expect(try await f.call(.DELETE, "/api/v1/webhooks/\(id)").status == .noContent)
                let gone = try await f.call(.GET, "/api/v1/webhooks/\(id)/deliveries")
                #expect(gone.status == .notFound)
                #expect(gone.errorField == "id")
                #expect(try await f.call(.GET, "/api/v1/webhooks").array.first?["active"] as? Bool == false)
            }
        }

        @Test(
            "enquiries given with a ground that does not need them are still checked: a bad date is 422 naming it",
            arguments: Backend.available)
        func deletionEnquiriesChecked(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let r = try await f.call(
                    .POST, "/api/v1/pupils/\(APITests.mia)/deletion",
                    json: """
                        {"ground": "transferred_to_another_school", "leaving_day": "2025-09-09",
                         "enquiries": {"school_completed_on": "2025-09-01", "la_completed_on": "", "la_confirmed_by": ""}}
                        """)
                #expect(r.status == .unprocessableEntity)
                #expect(r.errorField == "enquiries.la_completed_on")
                let pupil = try await f.call(.GET, "/api/v1/pupils/\(APITests.mia)").object["pupil"] as? [String: Any]
                #expect(pupil?["upn"] as? String == APITests.mia && pupil?["leaving_day"] == nil)
            }
        }

        @Test("admitting a pupil, a SEN provision other than none, K or E is 422 naming it, not read as none", arguments: Backend.available)
        func senChecked(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let r = try await f.call(
                    .POST, "/api/v1/pupils",
                    json: """
                        {"upn": "A100000000009", "legal_surname": "Okafor", "legal_forename": "Chi", "date_of_birth": "2017-05-02", "sex": "F",
                         "year_group": "3", "form": "3K", "starting_day": "2025-09-08",
                         "characteristics": {"sen": "k", "fsm": false, "pupil_premium": false, "eal": false, "looked_after": false,
                                             "previously_looked_after": false, "child_in_need": false, "child_protection": false,
                                             "young_carer": false, "ethnicity": "", "social_worker_name": "", "social_worker_contact": ""}}
                        """)
                #expect(r.status == .unprocessableEntity)
                #expect(r.errorField == "characteristics.sen")
                #expect(try await f.call(.GET, "/api/v1/pupils/A100000000009").status == .notFound)
            }
        }
    }
}
