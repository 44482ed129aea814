import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

/// Issue 17: a pupil missing from the site (seed 004) and the end-of-day collection lists (seed 003).
extension ServerTests {
    @Suite("Missing from site and end of day") struct MissingAndEndOfDayTests {
        static let mia = "A100000000001"
        static let zofia = "A100000000003"

        static func at(_ f: Fixture, _ hour: Int, _ minute: Int) {
            f.app.options.clock = FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: hour, minute: minute)!)
        }

        /// Mia is looked after, has SEN support and a social worker; the school has a DSL and a SENCO; her contacts
        /// are her grandmother (priority 1, an emergency contact by phone only), then her mother and father.
        static func linkedMia(_ f: Fixture) async throws {
            let p = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: mia))
            p.lookedAfter = true
            p.sen = SENProvision.senSupport.rawValue
            p.socialWorkerName = "Lee Hart"
            p.socialWorkerContact = "lee.hart@example.org"
            try await p.update(on: f.app.db)
            try await ContactRow(
                pupilID: p.id!,
                contact: Contact(
                    priority: 3, name: "Jean Fielding", relationship: "Grandmother", parentalResponsibility: false, livesWith: false,
                    phone: "07700 900103", email: "")
            ).create(on: f.app.db)
            let hash = try Bcrypt.hash("correct horse", cost: 4)
            for (name, email, position) in [
                ("Dana Shaw", "dsl@tiny.example.org", "Designated Safeguarding Lead"), ("Sam Reed", "senco@tiny.example.org", "SENCO"),
            ] {
                try await f.store.addStaff(
                    StaffRow(schoolID: f.schoolID, name: name, email: email, position: position, role: .teacher, passwordHash: hash))
            }
        }

        static func outbox(_ f: Fixture, _ template: MessageTemplate) async throws -> [OutboxRow] {
            try await f.store.outbox(schoolID: f.schoolID).filter { $0.template == template.rawValue }.sorted { $0.id! < $1.id! }
        }

        static func steps(_ r: Reply, _ key: String) -> [String] {
            (r.object[key] as? [[String: Any]] ?? []).compactMap { $0["step"] as? String }
        }

        @Test(
            "seed 004 'Pupils missing from site': the social worker, the DSL (looked after) and the SENCO (SEND) are told at once through the outbox; 'not been found after 20 minutes then the parents ... will be notified': no prompt at 19 minutes, the prompt at 20, and sending queues the parents then the emergency contacts in the family's words",
            arguments: Backend.available)
        func notifyAfterMinutes(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                try await saveSchoolDay(f, SchoolDayPolicy(missingFromSite: .init(notifyParentsAfterMinutes: 20)))
                try await Self.linkedMia(f)
                Self.at(f, 10, 0)
                #expect(
                    try await f.call(.POST, "/api/v1/missing-incidents", as: .governor, json: #"{"upn": "\#(Self.mia)"}"#).status
                        == .forbidden)
                let unknown = try await f.call(.POST, "/api/v1/missing-incidents", as: .teacher, json: #"{"upn": "Z999"}"#)
                #expect(unknown.status == .unprocessableEntity && unknown.errorField == "upn", "\(unknown.text)")
                let started = try await f.call(.POST, "/api/v1/missing-incidents", as: .teacher, json: #"{"upn": "\#(Self.mia)"}"#)
                #expect(started.status == .created, "\(started.text)")
                let id = try #require(started.object["id"] as? Int)
                #expect(started.object["started_at"] as? String == "10:00" && started.object["minutes"] as? Int == 0)
                // Linked staff at once: the step is done, so only the search is prompted.
                #expect(Self.steps(started, "steps_done") == ["linked_staff"])
                #expect(Self.steps(started, "prompts") == ["search"])
                let staff = try await Self.outbox(f, .missingFromSiteStaff)
                #expect(Set(staff.map(\.recipient)) == ["lee.hart@example.org", "dsl@tiny.example.org", "senco@tiny.example.org"])
                #expect(try await Self.outbox(f, .missingFromSite).isEmpty)
                let again = try await f.call(.POST, "/api/v1/missing-incidents", as: .office, json: #"{"upn": "\#(Self.mia)"}"#)
                #expect(again.status == .conflict && again.errorReason.contains("already missing"), "\(again.text)")

                // 19 minutes: no prompt to tell the parents, on the API or the page.
                Self.at(f, 10, 19)
                let early = try await f.call(.GET, "/api/v1/missing-incidents/\(id)", as: .office)
                #expect(early.object["minutes"] as? Int == 19 && !Self.steps(early, "prompts").contains("notify_parents"))
                #expect(try await f.call(.GET, "/api/v1/missing-incidents/\(id)/notification", as: .office).object["due"] as? Bool == false)
                let s = try await staffSession(f, .office)
                var page = try await formSend(f, .GET, "/missing-incidents/\(id)", cookie: s.cookie)
                #expect(page.status == .ok && page.text.contains("<h1>Missing from site: Mia Fielding"))
                #expect(page.text.contains("id=\"mi-not-yet\"") && !page.text.contains("id=\"mi-send\""))
                // Open incidents show on Today for the office.
                let today = try await formSend(f, .GET, "/today", cookie: s.cookie)
                #expect(today.text.contains("href=\"/missing-incidents/\(id)\"") && today.text.contains("19 minutes"))

                // 20 minutes: the prompt, with the preview in the family's words and the recipients in order.
                Self.at(f, 10, 20)
                let due = try await f.call(.GET, "/api/v1/missing-incidents/\(id)", as: .office)
                #expect(Self.steps(due, "prompts").contains("notify_parents"))
                let preview = try await f.call(.GET, "/api/v1/missing-incidents/\(id)/notification", as: .office)
                #expect(preview.object["due"] as? Bool == true && preview.object["sent"] as? Bool == false)
                let names = (preview.object["recipients"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                #expect(names == ["Rosa Fielding", "Tom Fielding", "Jean Fielding"])
                page = try await formSend(f, .GET, "/missing-incidents/\(id)", cookie: s.cookie)
                #expect(page.text.contains("id=\"mi-send\"") && !page.text.contains("id=\"mi-not-yet\""))

                let sent = try await f.call(.POST, "/api/v1/missing-incidents/\(id)/notification", as: .office)
                #expect(sent.status == .ok && Self.steps(sent, "steps_done").contains("notify_parents"), "\(sent.text)")
                let toFamily = try await Self.outbox(f, .missingFromSite)
                #expect(toFamily.map(\.recipient) == ["rosa@example.org", "tom@example.org", "07700 900103"])
                #expect(toFamily.map(\.channel) == ["email", "email", "sms"] && toFamily.map(\.contactPriority) == [1, 2, 3])
                for m in toFamily {
                    #expect(m.body.contains("Mia") && !m.body.contains("Lee Hart") && !m.body.contains("Raised by"))
                    #expect(!m.body.lowercased().contains("looked after") && !m.body.contains("SENCO"))
                }
                let twice = try await f.call(.POST, "/api/v1/missing-incidents/\(id)/notification", as: .office)
                let queued = try await Self.outbox(f, .missingFromSite)
                #expect(twice.status == .conflict && queued.count == 3)
            }
        }

        @Test(
            "seed 004 'Pupils missing from site': the police once the contacts are exhausted (who called, the reference); found: the parents told through the outbox, the written report and outcome on the pupil's timeline, and the incident takes nothing more",
            arguments: Backend.available)
        func policeAndReport(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                try await saveSchoolDay(f, SchoolDayPolicy(missingFromSite: .init(notifyParentsAfterMinutes: 20)))
                Self.at(f, 10, 0)
                let id = try #require(
                    try await f.call(.POST, "/api/v1/missing-incidents", as: .office, json: #"{"upn": "\#(Self.mia)"}"#).object["id"]
                        as? Int)
                Self.at(f, 10, 25)
                #expect(try await f.call(.POST, "/api/v1/missing-incidents/\(id)/notification", as: .office).status == .ok)
                let steps = "/api/v1/missing-incidents/\(id)/steps"
                let exhausted = try await f.call(.POST, steps, as: .office, json: #"{"contacts_exhausted": true}"#)
                #expect(Self.steps(exhausted, "prompts").contains("police"), "\(exhausted.text)")
                let noRef = try await f.call(.POST, steps, as: .head, json: #"{"step": "police"}"#)
                #expect(noRef.status == .unprocessableEntity && noRef.errorField == "reference")
                #expect(!Self.steps(try await f.call(.GET, "/api/v1/missing-incidents/\(id)", as: .head), "steps_done").contains("police"))
                let bad = try await f.call(.POST, steps, as: .head, json: #"{"step": "notify_parents"}"#)
                #expect(bad.status == .unprocessableEntity && bad.errorField == "step")
                let police = try await f.call(.POST, steps, as: .head, json: #"{"step": "police", "reference": "CAD 1234"}"#)
                #expect(police.status == .ok && !Self.steps(police, "prompts").contains("police"), "\(police.text)")
                let note = (police.object["steps_done"] as? [[String: Any]] ?? []).last?["note"] as? String ?? ""
                #expect(note.contains("Head Person") && note.contains("CAD 1234"))

                Self.at(f, 10, 40)
                let close = "/api/v1/missing-incidents/\(id)/close"
                let empty = try await f.call(.POST, close, as: .head, json: #"{"report": " ", "outcome": "Safe", "told": "Both parents"}"#)
                #expect(empty.status == .unprocessableEntity && empty.errorField == "report")
                let closed = try await f.call(
                    .POST, close, as: .head,
                    json:
                        #"{"report": "Found hiding in the library store cupboard, upset after a falling-out at break.", "outcome": "Found on site, safe", "told": "Both parents and the police", "found_at": "10:38"}"#
                )
                #expect(closed.status == .ok && closed.object["open"] as? Bool == false, "\(closed.text)")
                #expect(closed.object["found_at"] as? String == "10:38" && closed.object["minutes"] as? Int == 38)
                // The parents told of the search are told she is found, in the family's words.
                let found = try await Self.outbox(f, .missingFromSite).filter { $0.subject.contains("has been found") }
                #expect(found.map(\.recipient) == ["rosa@example.org", "tom@example.org"])
                #expect(found.allSatisfy { $0.body.contains("10:38") && !$0.body.contains("library") })
                let miaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.mia)?.id)
                let entry = try #require(try await f.store.casework(pupilID: miaID).first { $0.caseworkKind == .missingFromSite })
                #expect(entry.summary.contains("library store cupboard") && entry.outcome == "Found on site, safe")
                #expect(entry.summary.contains("10:00–10:38") && entry.byName == "Head Person")
                // The timeline on the pupil's page shows it.
                let s = try await staffSession(f, .head)
                #expect(try await formSend(f, .GET, "/pupils/\(Self.mia)", cookie: s.cookie).text.contains("library store cupboard"))
                #expect(
                    try await f.call(.POST, close, as: .head, json: #"{"report": "x", "outcome": "y", "told": "z"}"#).status == .conflict)
                #expect(try await f.call(.POST, steps, as: .head, json: #"{"step": "search"}"#).status == .conflict)
            }
        }

        /// 9 September: Mia (RA) and Zofia (6A) present at the AM register, Danny absent.
        static func register(_ f: Fixture) async throws {
            Self.at(f, 8, 50)
            let r = try await f.call(
                .POST, "/api/v1/registers/2025-09-09/AM", as: .office,
                json: """
                    {"form": "RA", "marks": [{"upn": "\(mia)", "code": "/"}, {"upn": "A100000000002", "code": "N"}, {"upn": "\(zofia)", "code": "/"}]}
                    """)
            #expect(r.status == .ok, "\(r.text)")
        }

        static func line(_ r: Reply, _ upn: String) -> [String: Any]? {
            (r.object["classes"] as? [[String: Any]] ?? []).flatMap { $0["lines"] as? [[String: Any]] ?? [] }.first {
                $0["upn"] as? String == upn
            }
        }

        @Test(
            "seed 003 'Close of the day': per-class collection lists of the children still in school; collected recorded with by whom; 'Children who have not been collected will be taken to the afterschool club' after 3:30pm with the contacts in order; 'not been collected by 6pm, the school will contact social services': the action appears on the list and Today, and is recorded on the timeline",
            arguments: Backend.available)
        func endOfDay(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                try await Self.register(f)
                Self.at(f, 15, 20)
                let unset = try await f.call(.GET, "/api/v1/end-of-day", as: .office)
                #expect(unset.status == .conflict && unset.errorField == "school_day.end_of_day")
                try await saveSchoolDay(
                    f,
                    SchoolDayPolicy(
                        endOfDay: .init(collectBy: TimeOfDay(hour: 15, minute: 30)!, socialServicesAt: TimeOfDay(hour: 18, minute: 0)!)))
                var list = try await f.call(.GET, "/api/v1/end-of-day", as: .office)
                #expect(list.status == .ok, "\(list.text)")
                #expect((list.object["classes"] as? [[String: Any]] ?? []).map { $0["form"] as? String } == ["6A", "RA"])
                #expect(Self.line(list, Self.mia)?["state"] as? String == "awaiting" && Self.line(list, "A100000000002") == nil)
                // A teacher sees their own class only.
                let teacher = try await f.call(.GET, "/api/v1/end-of-day", as: .teacher)
                #expect((teacher.object["classes"] as? [[String: Any]] ?? []).map { $0["form"] as? String } == ["RA"])

                Self.at(f, 15, 25)
                let collections = "/api/v1/end-of-day/collections"
                let nobody = try await f.call(.POST, collections, as: .office, json: #"{"upn": "\#(Self.zofia)", "collected_by": ""}"#)
                #expect(nobody.status == .unprocessableEntity && nobody.errorField == "collected_by")
                let danny = try await f.call(.POST, collections, as: .office, json: #"{"upn": "A100000000002", "collected_by": "Mum"}"#)
                #expect(danny.status == .unprocessableEntity && danny.errorField == "upn")
                list = try await f.call(.POST, collections, as: .office, json: #"{"upn": "\#(Self.zofia)", "collected_by": "Dad"}"#)
                #expect(list.status == .ok, "\(list.text)")
                let zofia = try #require(Self.line(list, Self.zofia))
                #expect(zofia["state"] as? String == "collected" && zofia["collected_by"] as? String == "Dad")
                #expect(zofia["collected_at"] as? String == "15:25" && zofia["recorded_by"] as? String == "Office Person, Office")
                #expect(
                    try await f.call(.POST, collections, as: .office, json: #"{"upn": "\#(Self.zofia)", "collected_by": "Mum"}"#).status
                        == .conflict)
                // Collected, she has left the site; Mia, not yet collected, is still on it.
                let onSite = try await f.call(.GET, "/api/v1/on-site", as: .office)
                let onSiteUPNs = (onSite.object["forms"] as? [[String: Any]] ?? []).flatMap { ($0["pupils"] as? [[String: Any]] ?? []) }
                    .compactMap { $0["upn"] as? String }
                #expect(!onSiteUPNs.contains(Self.zofia) && onSiteUPNs.contains(Self.mia))

                // After 3:30 Mia is at the after-school club, her contacts to ring in order.
                Self.at(f, 15, 31)
                list = try await f.call(.GET, "/api/v1/end-of-day", as: .office)
                let mia = try #require(Self.line(list, Self.mia))
                #expect(mia["state"] as? String == "after_school_club")
                #expect(
                    (mia["contacts_to_ring"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } == [
                        "Rosa Fielding", "Tom Fielding",
                    ])
                #expect((list.object["social_services_due"] as? [Any] ?? []).isEmpty)
                let s = try await staffSession(f, .office)
                let page = try await formSend(f, .GET, "/end-of-day", cookie: s.cookie)
                #expect(page.status == .ok && page.text.contains("<h1>End of day") && page.text.contains("After-school club"))
                let ss = "/api/v1/end-of-day/social-services"
                let early = try await f.call(.POST, ss, as: .office, json: #"{"upn": "\#(Self.mia)", "note": "Duty desk"}"#)
                #expect(early.status == .conflict && early.errorReason.contains("18:00"), "\(early.text)")
                let before = try await formSend(f, .GET, "/today", cookie: s.cookie)
                #expect(before.status == .ok && before.text.contains("<h1>Today") && !before.text.contains("contact social services"))

                // At 6pm: the action to contact social services, on the list and on Today.
                Self.at(f, 18, 0)
                list = try await f.call(.GET, "/api/v1/end-of-day", as: .office)
                #expect(Self.line(list, Self.mia)?["state"] as? String == "contact_social_services")
                #expect((list.object["social_services_due"] as? [[String: Any]] ?? []).compactMap { $0["upn"] as? String } == [Self.mia])
                // Signed in again: the 3:31 session has timed out.
                let evening = try await staffSession(f, .office)
                #expect(try await formSend(f, .GET, "/today", cookie: evening.cookie).text.contains("contact social services"))
                let due = try await formSend(f, .GET, "/end-of-day", cookie: evening.cookie).text
                #expect(due.contains("Contact social services") && due.contains("action=\"/end-of-day/social-services\""))
                #expect(try await f.call(.POST, ss, as: .teacher, json: #"{"upn": "\#(Self.mia)", "note": "x"}"#).status == .forbidden)
                let noNote = try await f.call(.POST, ss, as: .office, json: #"{"upn": "\#(Self.mia)", "note": ""}"#)
                #expect(noNote.status == .unprocessableEntity && noNote.errorField == "note")
                list = try await f.call(
                    .POST, ss, as: .office, json: #"{"upn": "\#(Self.mia)", "note": "Duty desk: Jo at 18:00, a worker is on the way"}"#)
                #expect(list.status == .ok && (list.object["social_services_due"] as? [Any] ?? []).isEmpty, "\(list.text)")
                #expect(Self.line(list, Self.mia)?["social_services_contacted_at"] as? String == "18:00")
                let miaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.mia)?.id)
                let entry = try #require(try await f.store.casework(pupilID: miaID).first { $0.caseworkKind == .notCollected })
                #expect(entry.summary.contains("Duty desk") && entry.byName == "Office Person")
                let after = try await formSend(f, .GET, "/today", cookie: evening.cookie)
                #expect(after.status == .ok && !after.text.contains("contact social services"))
                let recorded = try await formSend(f, .GET, "/end-of-day", cookie: evening.cookie).text
                #expect(
                    recorded.contains("social services contacted at 18:00") && !recorded.contains("action=\"/end-of-day/social-services\""))
            }
        }
    }
}
