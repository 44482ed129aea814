import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

/// Issue 17 (seed 004's evacuation): who should be on site now, and a roll call ticked from several phones at once.
extension ServerTests {
    @Suite("On site now and evacuation roll calls") struct RollCallServerTests {
        static let mia = "A100000000001"
        static let danny = "A100000000002"
        static let zofia = "A100000000003"

        /// 9 September at 8:50, the AM register open: Mia and Zofia present, Danny absent; Zofia signed out.
        static func morning(_ f: Fixture) async throws {
            let r = try await f.call(
                .POST, "/api/v1/registers/2025-09-09/AM", as: .office,
                json: """
                    {"form": "RA", "marks": [{"upn": "\(mia)", "code": "/"}, {"upn": "\(danny)", "code": "N"}, {"upn": "\(zofia)", "code": "/"}]}
                    """)
            #expect(r.status == .ok, "\(r.text)")
            let zofiaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: zofia)?.id)
            try await f.store.signOut(
                SignOutRow(
                    pupilID: zofiaID, date: day("2025-09-09"), outAt: TimeOfDay(hour: 8, minute: 50)!, reason: "Dentist",
                    by: Actor(name: "Office Person", position: "Office")))
        }

        static func names(_ list: Any?) -> [String] { (list as? [[String: Any]] ?? []).compactMap { $0["upn"] as? String } }

        @Test(
            "on site now: present at registration, less the absent and those signed out and not back, per form; back in counts again",
            arguments: Backend.available)
        func onSite(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                try await Self.morning(f)
                var now = try await f.call(.GET, "/api/v1/on-site", as: .office)
                #expect(now.status == .ok, "\(now.text)")
                #expect(now.object["total"] as? Int == 1 && (now.object["not_counted"] as? String ?? "").contains("visitors and staff"))
                var forms = now.object["forms"] as? [[String: Any]] ?? []
                #expect(forms.map { $0["form"] as? String } == ["RA"] && Self.names(forms.first?["pupils"]) == [Self.mia])
                let zofiaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.zofia)?.id)
                try await f.store.signBackIn(
                    pupilID: zofiaID, date: day("2025-09-09"), time: TimeOfDay(hour: 8, minute: 50)!,
                    by: Actor(name: "Office Person", position: "Office"))
                now = try await f.call(.GET, "/api/v1/on-site", as: .office)
                forms = now.object["forms"] as? [[String: Any]] ?? []
                #expect(now.object["total"] as? Int == 2)
                #expect(forms.map { $0["form"] as? String } == ["6A", "RA"] && forms.map { $0["count"] as? Int } == [1, 1])
                // The page says the same, and that visitors and staff are not counted.
                let s = try await staffSession(f, .office)
                let page = try await formSend(f, .GET, "/on-site", cookie: s.cookie)
                #expect(page.status == .ok && page.text.contains("<h1>On site now") && page.text.contains("Zofia Nowak"))
                #expect(page.text.contains("visitors and staff are not included") && !page.text.contains("Danny Okafor"))
                #expect(try await f.call(.GET, "/api/v1/on-site", as: .teacher).status == .forbidden)
            }
        }

        @Test(
            "seed 004 evacuation: a roll call of everyone on site, ticked from two phones in any order and again, ends with 0 unaccounted; closing records who and when; a tick after closing is refused (409) naming the reason",
            arguments: Backend.available)
        func twoDevices(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                try await Self.morning(f)
                let zofiaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.zofia)?.id)
                try await f.store.signBackIn(
                    pupilID: zofiaID, date: day("2025-09-09"), time: TimeOfDay(hour: 8, minute: 50)!,
                    by: Actor(name: "Office Person", position: "Office"))
                #expect(try await f.call(.POST, "/api/v1/roll-calls", as: .teacher, json: "{}").status == .forbidden)
                let started = try await f.call(.POST, "/api/v1/roll-calls", as: .office, json: #"{"grouping": "form"}"#)
                #expect(started.status == .created, "\(started.text)")
                let id = try #require(started.object["id"] as? Int)
                #expect(started.object["pupils"] as? Int == 2 && Self.names(started.object["unaccounted"]) == [Self.zofia, Self.mia])
                let ticks = "/api/v1/roll-calls/\(id)/ticks"

                // Phone A ticks Mia; phone B ticks Mia too, takes her back by mistake and ticks her again, then Zofia;
                // phone A, back online, sends its tick again.
                let a = #"{"device": "phone-a", "ticks": [{"upn": "A100000000001", "accounted": true}]}"#
                #expect(try await f.call(.POST, ticks, as: .teacher, json: a).status == .ok)
                let bReply = try await f.call(
                    .POST, ticks, as: .office,
                    json:
                        #"{"device": "phone-b", "ticks": [{"upn": "A100000000001", "accounted": true}, {"upn": "A100000000001", "accounted": false}, {"upn": "A100000000001", "accounted": true}, {"upn": "A100000000003", "accounted": true}]}"#
                )
                #expect(bReply.status == .ok, "\(bReply.text)")
                let again = try await f.call(.POST, ticks, as: .teacher, json: a)
                #expect(again.status == .ok && again.object["accounted"] as? Int == 2)
                #expect(Self.names(again.object["unaccounted"]).isEmpty)
                let state = try await f.call(.GET, "/api/v1/roll-calls/\(id)", as: .teacher).object
                #expect(Self.names(state["unaccounted"]).isEmpty && state["closed"] as? Bool == false)
                let sections = state["sections"] as? [[String: Any]] ?? []
                #expect(sections.map { $0["name"] as? String } == ["6A", "RA"])
                #expect(sections.allSatisfy { Self.names($0["unaccounted"]).isEmpty && Self.names($0["accounted"]).count == 1 })

                // A pupil not on the roll call (Danny was absent) is refused, naming the tick, and nothing is taken.
                let danny = try await f.call(
                    .POST, ticks, as: .office,
                    json:
                        #"{"device": "phone-b", "ticks": [{"upn": "A100000000001", "accounted": false}, {"upn": "A100000000002", "accounted": true}]}"#
                )
                #expect(danny.status == .unprocessableEntity && danny.errorField == "ticks[1].upn", "\(danny.text)")
                #expect(Self.names(try await f.call(.GET, "/api/v1/roll-calls/\(id)", as: .office).object["unaccounted"]).isEmpty)

                // Closing is for the office, the attendance lead and the head; it records who, when and who was missing.
                #expect(try await f.call(.POST, "/api/v1/roll-calls/\(id)/close", as: .teacher).status == .forbidden)
                let closed = try await f.call(.POST, "/api/v1/roll-calls/\(id)/close", as: .head)
                #expect(closed.status == .ok, "\(closed.text)")
                #expect(closed.object["closed"] as? Bool == true && (closed.object["closed_by"] as? String ?? "").hasPrefix("Head Person"))
                #expect(closed.object["closed_at"] as? String == "2025-09-09T08:50:00Z")
                let row = try #require(try await f.store.rollCall(schoolID: f.schoolID, id: id))
                #expect(try row.record()?.unaccounted == [] && row.record()?.accounted == 2)

                let late = try await f.call(.POST, ticks, as: .teacher, json: a)
                #expect(late.status == .conflict && late.errorReason.contains("closed"), "\(late.text)")
                #expect(try await f.call(.POST, "/api/v1/roll-calls/\(id)/close", as: .office).status == .conflict)
            }
        }

        @Test(
            "the roll call pages: started from a button, ticked by a form without the script, closed with who is still missing on the list of roll calls; a printable list",
            arguments: Backend.available)
        func pages(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                try await Self.morning(f)
                let office = try await staffSession(f, .office)
                let started = try await formSend(
                    f, .POST, "/roll-calls", cookie: office.cookie, form: [("csrf", office.csrf), ("grouping", "form")])
                #expect(started.status == .seeOther, "\(started.text)")
                let path = try #require(redirectTarget(started))
                let teacher = try await staffSession(f, .teacher)
                let page = try await formSend(f, .GET, path, cookie: teacher.cookie)
                #expect(page.status == .ok && page.text.contains("<h1>Roll call") && page.text.contains("Mia Fielding"))
                #expect(!page.text.contains("Close the roll call"))
                let tick = try await formSend(
                    f, .POST, path + "/ticks", cookie: teacher.cookie,
                    form: [("csrf", teacher.csrf), ("upn", Self.mia), ("accounted", "2")])
                #expect(tick.status == .unprocessableEntity && tick.text.contains("must be 1"))
                let ok = try await formSend(
                    f, .POST, path + "/ticks", cookie: teacher.cookie,
                    form: [("csrf", teacher.csrf), ("upn", Self.mia), ("accounted", "1")])
                #expect(ok.status == .seeOther)
                let print = try await formSend(f, .GET, path + "?print=1", cookie: teacher.cookie)
                #expect(print.status == .ok && print.text.contains("☑ Mia Fielding"))
                // Zofia was signed out: not on the list at all, so the roll call is complete.
                #expect(!print.text.contains("Zofia"))
                let close = try await formSend(f, .POST, path + "/close", cookie: office.cookie, form: [("csrf", office.csrf)])
                #expect(close.status == .seeOther)
                let list = try await formSend(f, .GET, "/roll-calls", cookie: office.cookie)
                #expect(list.status == .ok && list.text.contains("1 of 1 accounted for") && list.text.contains("by Office Person"))
            }
        }
    }
}
