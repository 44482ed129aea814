import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

/// Issue 17 (seeds 003 and 004): permissions on the admission register, signing out checks who collects, and the
/// lunchtime leave register.
extension ServerTests {
    @Suite("Permissions, collection and lunchtime leave") struct CollectionServerTests {
        static let mia = "A100000000001"  // Reception, contacts Rosa (mother) and Tom (father) Fielding
        static let zofia = "A100000000003"  // Year 6

        /// Seed 003: Years 5 and 6 may walk with a letter; collectors over 18; `notAllowed` refuse or warn.
        static func collection(_ notAllowed: String? = nil) -> SchoolDayPolicy {
            SchoolDayPolicy(collection: .init(walkAloneYearGroups: ["5", "6"], collectorMinimumAge: 18, notAllowed: notAllowed))
        }

        /// Seed 004: one lunch, 12:00 to 13:00; out within 10 minutes, back 5 minutes before the end.
        static let lunch = SchoolDayPolicy(
            lunchtimeLeave: .init(
                lunches: [.init(yearGroups: [], start: TimeOfDay(hour: 12, minute: 0)!, end: TimeOfDay(hour: 13, minute: 0)!)],
                leaveWithinMinutes: 10, backMinutesBeforeEnd: 5))

        /// Adds Mia's grandmother as her third contact.
        static func grandmother(_ f: Fixture) async throws {
            let miaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: mia)?.id)
            try await ContactRow(
                pupilID: miaID,
                contact: Contact(
                    priority: 3, name: "Edith Fielding", relationship: "Grandmother", parentalResponsibility: false, livesWith: false,
                    phone: "07700 900103", email: "")
            ).create(on: f.app.db)
        }

        static func signOut(_ f: Fixture, _ s: (cookie: String, csrf: String), _ upn: String, collector: String?) async throws -> Reply {
            var form = [("csrf", s.csrf), ("time", "14:30"), ("reason", "Dentist")]
            if let collector { form.append(("collector", collector)) }
            return try await formSend(f, .POST, "/pupils/\(upn)/sign-out", cookie: s.cookie, form: form)
        }

        static func signOuts(_ f: Fixture, _ upn: String) async throws -> [SignOutRow] {
            let id = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: upn)?.id)
            return try await f.store.signOuts(pupilIDs: [id], date: day("2025-09-09"))
        }

        @Test(
            "seed 003 Proactive 13 'only be collected by an adult ... on the contact list': signing out to a stranger is refused (422 naming collector) and records nothing; to her grandmother on the list it is allowed and records who",
            arguments: Backend.available)
        func refusedToStranger(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                try await saveSchoolDay(f, Self.collection())
                try await Self.grandmother(f)
                let s = try await staffSession(f, .office)
                let page = try await formSend(f, .GET, "/pupils/\(Self.mia)", cookie: s.cookie)
                #expect(page.text.contains(#"<option value="Edith Fielding">"#) && page.text.contains(#"name="collector""#))

                let none = try await Self.signOut(f, s, Self.mia, collector: nil)
                #expect(none.status == .unprocessableEntity && none.text.contains("name who is collecting"), "\(none.status)")
                let stranger = try await Self.signOut(f, s, Self.mia, collector: "Harold Pike")
                #expect(stranger.status == .unprocessableEntity, "\(stranger.status)")
                #expect(stranger.text.contains("Harold Pike is not on Mia Fielding"))
                #expect(try await Self.signOuts(f, Self.mia).isEmpty)

                let gran = try await Self.signOut(f, s, Self.mia, collector: " edith  fielding ")
                #expect(gran.status == .seeOther, "\(gran.text)")
                let rows = try await Self.signOuts(f, Self.mia)
                #expect(rows.count == 1 && rows.first?.collector == "edith  fielding" && rows.first?.checkDecision == "allowed")
                #expect(rows.first?.checkReason?.contains("Grandmother") == true)
            }
        }

        @Test(
            "seed 003 'only children in Years 5 and 6 ... with a permission letter': walking alone is refused without the letter and allowed once it is recorded; a collector under 18 is refused",
            arguments: Backend.available)
        func walkingAlone(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                try await saveSchoolDay(f, Self.collection())
                let s = try await staffSession(f, .office)
                let refused = try await Self.signOut(f, s, Self.zofia, collector: "walking alone")
                #expect(refused.status == .unprocessableEntity && refused.text.contains("no written permission"))
                let young = try await formSend(
                    f, .POST, "/pupils/\(Self.mia)/sign-out", cookie: s.cookie,
                    form: [("csrf", s.csrf), ("time", "14:30"), ("reason", "Dentist"), ("collector", "Rosa Fielding"), ("age", "16")])
                #expect(young.status == .unprocessableEntity && young.text.contains("must be 18 or over"))
                let letter = try await f.call(
                    .POST, "/api/v1/pupils/\(Self.zofia)/permissions", as: .office,
                    json: #"{"kind": "walk_home_alone", "form": "written", "valid_from": "2025-09-08"}"#)
                #expect(letter.status == .created, "\(letter.text)")
                #expect(letter.object["current"] as? Bool == true && letter.object["recorded_by"] as? String == "Office Person, Office")
                let walks = try await Self.signOut(f, s, Self.zofia, collector: "Walking alone")
                #expect(walks.status == .seeOther, "\(walks.text)")
                #expect(try await Self.signOuts(f, Self.zofia).first?.collector == "walking alone")
            }
        }

        @Test(
            "school_day.collection.not_allowed warn: signing out to someone not on the list goes ahead and records the warning, shown on the pupil page",
            arguments: Backend.available)
        func warnMode(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                try await saveSchoolDay(f, Self.collection("warn"))
                let s = try await staffSession(f, .office)
                let r = try await Self.signOut(f, s, Self.mia, collector: "Harold Pike")
                #expect(r.status == .seeOther, "\(r.text)")
                let row = try #require(try await Self.signOuts(f, Self.mia).first)
                #expect(row.collector == "Harold Pike" && row.checkDecision == "warn")
                #expect(row.checkReason == "Harold Pike is not on Mia Fielding's contact list.")
                let page = try await formSend(f, .GET, "/pupils/\(Self.mia)", cookie: s.cookie)
                #expect(page.text.contains("Warning: Harold Pike is not on Mia Fielding"))
            }
        }

        @Test(
            "seed 003 Proactive 13 emergency collection: verbal permission accepted by a senior leader, photo ID seen, is allowed; without photo ID it goes ahead with a warning to consult a senior leader; a younger sibling is refused",
            arguments: Backend.available)
        func emergencyCollection(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                try await saveSchoolDay(f, Self.collection())
                let given = try await f.call(
                    .POST, "/api/v1/pupils/\(Self.mia)/permissions", as: .office,
                    json:
                        #"{"kind": "emergency_collection", "form": "verbal", "collector_name": "Harold Pike", "approved_by": "Head Person"}"#
                )
                #expect(given.status == .created, "\(given.text)")
                // Danny (Year 5) cannot take Zofia home: he is younger than she is.
                let sibling = try await f.call(
                    .POST, "/api/v1/pupils/\(Self.zofia)/permissions", as: .office,
                    json: #"{"kind": "sibling_collects", "form": "written", "sibling_upn": "A100000000002"}"#)
                #expect(sibling.status == .unprocessableEntity && sibling.errorField == "sibling_upn", "\(sibling.text)")
                let s = try await staffSession(f, .office)
                let noID = try await Self.signOut(f, s, Self.mia, collector: "Harold Pike")
                #expect(noID.status == .seeOther, "\(noID.text)")
                var rows = try await Self.signOuts(f, Self.mia)
                #expect(rows.first?.checkDecision == "warn" && rows.first?.checkReason?.contains("no photo ID has been seen") == true)
                let miaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.mia)?.id)
                try await f.store.signBackIn(
                    pupilID: miaID, date: day("2025-09-09"), time: TimeOfDay(hour: 14, minute: 40)!,
                    by: Actor(name: "Office Person", position: "Office"))
                let withID = try await formSend(
                    f, .POST, "/pupils/\(Self.mia)/sign-out", cookie: s.cookie,
                    form: [
                        ("csrf", s.csrf), ("time", "14:45"), ("reason", "Family emergency"), ("collector", "Harold Pike"),
                        ("photoid", "on"),
                    ])
                #expect(withID.status == .seeOther, "\(withID.text)")
                rows = try await Self.signOuts(f, Self.mia)
                #expect(
                    rows.last?.checkDecision == "allowed"
                        && rows.last?.checkReason?.contains("accepted by Head Person, photo ID seen") == true)
            }
        }

        @Test("without school_day.collection a sign-out needs no collector, as before", arguments: Backend.available)
        func noPolicy(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let s = try await staffSession(f, .office)
                #expect(try await Self.signOut(f, s, Self.mia, collector: nil).status == .seeOther)
                let row = try #require(try await Self.signOuts(f, Self.mia).first)
                #expect(row.collector == nil && row.checkDecision == nil)
            }
        }

        @Test(
            "a permission with bad input is refused with 422 naming the field, and nothing is stored; withdrawing ends it today",
            arguments: Backend.available)
        func permissionInput(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let path = "/api/v1/pupils/\(Self.mia)/permissions"
                let bad: [(String, String)] = [
                    (#"{"kind": "flying", "form": "written"}"#, "kind"),
                    (#"{"kind": "lunchtime_leave", "form": "by pigeon"}"#, "form"),
                    (#"{"kind": "walk_home_alone", "form": "verbal"}"#, "form"),
                    (#"{"kind": "emergency_collection", "form": "written"}"#, "collector_name"),
                    (#"{"kind": "emergency_collection", "form": "verbal", "collector_name": "Harold Pike"}"#, "approved_by"),
                    (#"{"kind": "lunchtime_leave", "form": "written", "valid_from": "2025-09-10", "valid_to": "2025-09-09"}"#, "valid_to"),
                    (#"{"kind": "lunchtime_leave", "form": "written", "valid_from": "9/9/2025"}"#, "valid_from"),
                    (#"{"kind": "lunchtime_leave", "form": "written", "valid_to": ""}"#, "valid_to"),
                    (#"{"kind": "sibling_collects", "form": "written", "sibling_upn": "A100000000001"}"#, "sibling_upn"),
                ]
                for (body, field) in bad {
                    let r = try await f.call(.POST, path, as: .office, json: body)
                    #expect(r.status == .unprocessableEntity && r.errorField == field, "\(body): \(r.text)")
                }
                #expect((try await f.call(.GET, path, as: .office).object["permissions"] as? [Any])?.isEmpty == true)
                #expect(
                    try await f.call(.POST, path, as: .teacher, json: #"{"kind": "lunchtime_leave", "form": "written"}"#).status
                        == .forbidden)

                let added = try await f.call(
                    .POST, path, as: .office,
                    json:
                        #"{"kind": "emergency_collection", "form": "verbal", "collector_name": "Harold Pike", "approved_by": "Head Person"}"#
                )
                // A one-off: it ends the day it starts unless an end is given.
                #expect(added.status == .created && added.object["valid_to"] as? String == "2025-09-09", "\(added.text)")
                let id = try #require(added.object["id"] as? Int)
                let w = try await f.call(.POST, "\(path)/\(id)/withdrawal", as: .head)
                #expect(w.status == .ok && w.object["withdrawn"] as? String == "2025-09-09" && w.object["current"] as? Bool == false)
                #expect(w.object["last_day"] as? String == "2025-09-08")
                #expect(try await f.call(.POST, "\(path)/\(id)/withdrawal", as: .head).status == .conflict)
                #expect(try await f.call(.POST, "\(path)/999/withdrawal", as: .head).status == .notFound)
            }
        }

        @Test(
            "seed 004 'Permission will be updated on a termly basis': lunchtime leave holds on the last day of term and not on the first day of the next",
            arguments: Backend.available)
        func lunchtimeLapses(_ b: Backend) async throws {
            // The tiny calendar's autumn term ends on Friday 19 September 2025; here spring begins on Monday 5 January.
            func setUp(_ f: Fixture) async throws {
                var entries = try Interchange.readCalendar(file: "calendar.csv", text: Fixture.text("calendar.csv"))
                entries.append(CalendarEntry(start: day("2026-01-05"), end: day("2026-02-13"), kind: .term, yearGroups: []))
                try await f.store.replaceCalendar(schoolID: f.schoolID, entries: entries)
                try await saveSchoolDay(f, Self.lunch)
                let id = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.zofia)?.id)
                try await f.store.addPermission(
                    PupilPermissionRow(
                        pupilID: id,
                        permission: PupilPermission(
                            kind: .lunchtimeLeave, form: .written, validFrom: day("2025-09-09"), recordedBy: "Office Person, Office",
                            recordedAt: "2025-09-09T08:00:00Z")))
            }
            try await withRollbook(b, at: FixedClock(date: day("2025-09-19"), time: TimeOfDay(hour: 12, minute: 0)!)) { f in
                try await setUp(f)
                let p = try await f.call(.GET, "/api/v1/pupils/\(Self.zofia)/permissions", as: .office)
                let first = (p.object["permissions"] as? [[String: Any]])?.first
                #expect(first?["current"] as? Bool == true && first?["last_day"] as? String == "2025-09-19", "\(p.text)")
                let reg = try await f.call(.GET, "/api/v1/lunchtime", as: .office)
                #expect((reg.object["pupils"] as? [[String: Any]])?.map { $0["upn"] as? String } == [Self.zofia], "\(reg.text)")
            }
            try await withRollbook(b, at: FixedClock(date: day("2026-01-05"), time: TimeOfDay(hour: 12, minute: 0)!)) { f in
                try await setUp(f)
                let p = try await f.call(.GET, "/api/v1/pupils/\(Self.zofia)/permissions", as: .office)
                #expect((p.object["permissions"] as? [[String: Any]])?.first?["current"] as? Bool == false, "\(p.text)")
                let reg = try await f.call(.GET, "/api/v1/lunchtime", as: .office)
                #expect(reg.object["enabled"] as? Bool == true && (reg.object["pupils"] as? [Any])?.isEmpty == true, "\(reg.text)")
                let s = try await staffSession(f, .office)
                let out = try await formSend(
                    f, .POST, "/lunchtime/\(Self.zofia)/out", cookie: s.cookie, form: [("csrf", s.csrf), ("time", "12:02")])
                #expect(out.status == .unprocessableEntity && out.text.contains("no lunchtime leave permission in force"))
            }
        }

        @Test(
            "seed 004 'letters will be sent to parents at the beginning of each term': lunchtime leave that lapsed last term brings the renewal letter to each parent in the first week of the next, in parents' words, once",
            arguments: Backend.available)
        func renewalLetters(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                var entries = try Interchange.readCalendar(file: "calendar.csv", text: Fixture.text("calendar.csv"))
                entries.append(CalendarEntry(start: day("2026-01-05"), end: day("2026-02-13"), kind: .term, yearGroups: []))
                try await f.store.replaceCalendar(schoolID: f.schoolID, entries: entries)
                var rule = Self.lunch
                rule.lunchtimeLeave?.renewalLetter = "lunchtime-renewal"
                try await saveSchoolDay(f, rule)
                let id = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.mia)?.id)
                try await f.store.addPermission(
                    PupilPermissionRow(
                        pupilID: id,
                        permission: PupilPermission(
                            kind: .lunchtimeLeave, form: .written, validFrom: day("2025-09-09"), recordedBy: "Office Person, Office",
                            recordedAt: "2025-09-09T08:00:00Z")))
                func run(_ d: String) async throws -> Int {
                    try await LunchtimeRenewalLetters.run(
                        store: f.store, now: FixedClock(date: day(d), time: TimeOfDay(hour: 10, minute: 0)!).now())
                }
                // The last day of the autumn term is not the start of a term.
                #expect(try await run("2025-09-19") == 0)
                #expect(try await run("2026-01-05") == 2)
                let sent = try await f.store.outbox(schoolID: f.schoolID).filter {
                    $0.template == MessageTemplate.lunchtimeLeaveRenewal.rawValue
                }
                #expect(Set(sent.map(\.recipient)) == ["rosa@example.org", "tom@example.org"])
                let body = try #require(sent.first?.body)
                #expect(body.hasPrefix("Dear Rosa Fielding and Tom Fielding,"))
                #expect(body.contains("Mia's permission to leave the school site at lunchtime ended with the last term"))
                #expect(sent.first?.subject == "Lunchtime leave for Mia this term")
                // Once: the next day of the first week queues nothing more.
                #expect(try await run("2026-01-06") == 0)
            }
        }

        @Test(
            "seed 004 'back on site 5 minutes before the end of lunch': a return at 12:58 for a 13:00 end is flagged as late, recorded, and shown on the register",
            arguments: Backend.available)
        func lateReturn(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: 12, minute: 58)!)) { f in
                try await saveSchoolDay(f, Self.lunch)
                let r = try await f.call(
                    .POST, "/api/v1/pupils/\(Self.zofia)/permissions", as: .office, json: #"{"kind": "lunchtime_leave", "form": "written"}"#
                )
                #expect(r.status == .created && r.object["last_day"] as? String == "2025-09-19", "\(r.text)")
                let s = try await staffSession(f, .office)
                let page = try await formSend(f, .GET, "/lunchtime", cookie: s.cookie)
                #expect(page.status == .ok && page.text.contains("<h1>Lunchtime leave") && page.text.contains("back by 12:55"))
                let out = try await formSend(
                    f, .POST, "/lunchtime/\(Self.zofia)/out", cookie: s.cookie, form: [("csrf", s.csrf), ("time", "12:05")])
                #expect(out.status == .seeOther)
                var reg = try await f.call(.GET, "/api/v1/lunchtime", as: .office)
                var line = (reg.object["pupils"] as? [[String: Any]])?.first
                // Out at 12:05 within the 10 minutes; at 12:58 not back after 12:55.
                #expect(line?["state"] as? String == "out" && line?["flags"] as? [String] == ["not_back"], "\(reg.text)")
                let back = try await formSend(
                    f, .POST, "/lunchtime/\(Self.zofia)/back", cookie: s.cookie, form: [("csrf", s.csrf), ("time", "12:58")])
                #expect(back.status == .seeOther)
                reg = try await f.call(.GET, "/api/v1/lunchtime", as: .office)
                line = (reg.object["pupils"] as? [[String: Any]])?.first
                #expect(line?["state"] as? String == "back" && line?["flags"] as? [String] == ["returned_late"], "\(reg.text)")
                let id = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.zofia)?.id)
                #expect(try await f.store.lunchtimeOuts(pupilIDs: [id], date: day("2025-09-09"))[id]?.flagList == ["returned_late"])
                let after = try await formSend(f, .GET, "/lunchtime", cookie: s.cookie)
                #expect(after.text.contains("Late return: due back by 12:55"))
            }
        }
    }
}
