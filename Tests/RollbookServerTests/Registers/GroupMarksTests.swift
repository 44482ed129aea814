import FluentKit
import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

/// Issue 18: marking a group for a range of sessions in one step, previewed first; and recurring patterns that
/// pre-fill the register.
extension ServerTests {
    @Suite("Group marks and recurring patterns") struct GroupMarksTests {
        static let mia = "A100000000001"
        static let daniel = "A100000000002"
        static let zofia = "A100000000003"

        static func id(_ f: Fixture, _ upn: String) async throws -> Int {
            try #require(try await f.store.pupil(schoolID: f.schoolID, upn: upn)?.id)
        }

        static func code(_ f: Fixture, _ upn: String, _ d: String, _ s: RollbookCore.Session) async throws -> String? {
            let pid = try await id(f, upn)
            return try await f.store.marks(pupilIDs: [pid], date: day(d), session: s)[pid]?.code
        }

        static func trip(preview: Bool, replace: Bool = false) -> String {
            #"{"upns": ["\#(mia)", "\#(daniel)", "\#(zofia)"], "from": "2025-09-09", "to": "2025-09-11", "sessions": "am", "code": "V", "reason": "Year trip to the science museum", "preview": \#(preview), "replace_existing": \#(replace)}"#
        }

        @Test(
            "seed 000 §6.4 'an educational visit or trip arranged by the school': a trip over 3 sessions is previewed (nothing written), then written with one reason, every change audited with name and position",
            arguments: Backend.available)
        func tripOverThreeSessions(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                // Zofia was marked N at Tuesday's register before the trip was entered.
                let zofia = try await Self.id(f, Self.zofia)
                _ = try await f.store.record(
                    [MarkWrite(pupilID: zofia, mark: Mark(date: day("2025-09-09"), session: .am, code: .n))],
                    by: Actor(name: "Teacher Person", position: "Teacher"), at: "2025-09-09T08:50:00Z")

                let preview = try await f.call(.POST, "/api/v1/group-marks", as: .office, json: Self.trip(preview: true))
                #expect(preview.status == .ok, "\(preview.text)")
                let counts = preview.object["counts"] as? [String: Int]
                // Mia 3, Zofia 2 new + her N kept, Daniel 2 (he left on the 10th: the 11th is reported, not marked).
                #expect(counts == ["write": 7, "amend": 0, "keep": 1, "unchanged": 0], "\(preview.text)")
                let notOnRoll = preview.object["not_on_roll"] as? [[String: Any]]
                #expect(notOnRoll?.count == 1 && notOnRoll?.first?["upn"] as? String == Self.daniel)
                #expect(notOnRoll?.first?["days"] as? [String] == ["2025-09-11"])
                let kept = (preview.object["marks"] as? [[String: Any]])?.first { $0["change"] as? String == "keep" }
                #expect(kept?["existing"] as? String == "N" && kept?["upn"] as? String == Self.zofia)
                // The preview wrote nothing.
                #expect(try await Self.code(f, Self.mia, "2025-09-09", .am) == nil)
                #expect(try await Self.code(f, Self.zofia, "2025-09-09", .am) == "N")
                #expect(try await f.store.groupMarkBatches(schoolID: f.schoolID).isEmpty)

                // Confirmed, replacing the N: 7 new marks and 1 amendment, all with the one reason.
                let done = try await f.call(.POST, "/api/v1/group-marks", as: .office, json: Self.trip(preview: false, replace: true))
                #expect(done.status == .created, "\(done.text)")
                #expect(done.object["counts"] as? [String: Int] == ["write": 7, "amend": 1, "keep": 0, "unchanged": 0])
                #expect(done.object["batch_id"] as? Int != nil)
                var written: [String] = []
                for upn in [Self.mia, Self.daniel, Self.zofia] {
                    let pid = try await Self.id(f, upn)
                    for m in try await f.store.marks(pupilID: pid) {
                        written.append("\(upn) \(m.date) \(m.session) \(m.code)")
                        #expect(m.note == "Year trip to the science museum" && m.recordedBy == "Office Person")
                    }
                }
                #expect(
                    written.sorted()
                        == [
                            "\(Self.daniel) 2025-09-09 AM V", "\(Self.daniel) 2025-09-10 AM V",
                            "\(Self.mia) 2025-09-09 AM V", "\(Self.mia) 2025-09-10 AM V", "\(Self.mia) 2025-09-11 AM V",
                            "\(Self.zofia) 2025-09-09 AM V", "\(Self.zofia) 2025-09-10 AM V", "\(Self.zofia) 2025-09-11 AM V",
                        ].sorted())
                let amendments = try await f.store.amendments(pupilID: zofia)
                #expect(amendments.count == 1)
                #expect(amendments.first?.originalCode == "N" && amendments.first?.newCode == "V")
                #expect(amendments.first?.reason == "Year trip to the science museum")
                #expect(amendments.first?.byName == "Office Person" && amendments.first?.byPosition == "Office")
                let batch = try #require(try await f.store.groupMarkBatches(schoolID: f.schoolID).first)
                #expect(
                    batch.code == "V" && batch.reason == "Year trip to the science museum" && batch.createdBy == "Office Person, Office")
                #expect(batch.written == 7 && batch.amended == 1 && batch.pupils == 3 && batch.scope == "3 pupils")
                let listed = try await f.call(.GET, "/api/v1/group-marks", as: .office)
                let first = (listed.object["batches"] as? [[String: Any]])?.first
                #expect(first?["code"] as? String == "V" && first?["written"] as? Int == 7 && first?["amended"] as? Int == 1)
                #expect(first?["created_by"] as? String == "Office Person, Office" && first?["from"] as? String == "2025-09-09")
                // The same batch again changes nothing.
                let again = try await f.call(.POST, "/api/v1/group-marks", as: .office, json: Self.trip(preview: true))
                #expect(again.object["counts"] as? [String: Int] == ["write": 0, "amend": 0, "keep": 0, "unchanged": 8])
            }
        }

        @Test(
            "seed 002 §4.4.6 'Study leave may be granted for Year 11 pupils': S for a year group marks that year only; a teacher may not",
            arguments: Backend.available)
        func studyLeaveForAYearGroup(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let body =
                    #"{"year_groups": ["6"], "from": "2025-09-15", "to": "2025-09-16", "code": "S", "reason": "Study leave before mock exams", "preview": false}"#
                let teacher = try await f.call(.POST, "/api/v1/group-marks", as: .teacher, json: body)
                #expect(teacher.status == .forbidden)
                let r = try await f.call(.POST, "/api/v1/group-marks", as: .attendanceLead, json: body)
                #expect(r.status == .created, "\(r.text)")
                #expect(r.object["scope"] as? String == "year 6")
                #expect((r.object["counts"] as? [String: Int])?["write"] == 4)
                for (d, s) in [("2025-09-15", RollbookCore.Session.am), ("2025-09-15", .pm), ("2025-09-16", .am), ("2025-09-16", .pm)] {
                    #expect(try await Self.code(f, Self.zofia, d, s) == "S")
                    #expect(try await Self.code(f, Self.mia, d, s) == nil)
                }
            }
        }

        @Test(
            "an enforced closure (Y4) for the whole school writes only the sessions open that day; a planned closure's day has nothing to write",
            arguments: Backend.available)
        func closureCode(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                // Wednesday 17 September: the afternoon is a planned closure.
                let r = try await f.call(
                    .POST, "/api/v1/group-marks", as: .head,
                    json:
                        #"{"whole_school": true, "from": "2025-09-17", "code": "Y4", "reason": "Boiler failure: site closed", "preview": false}"#
                )
                #expect(r.status == .created, "\(r.text)")
                #expect((r.object["counts"] as? [String: Int])?["write"] == 2)
                #expect(try await Self.code(f, Self.mia, "2025-09-17", .am) == "Y4")
                #expect(try await Self.code(f, Self.zofia, "2025-09-17", .am) == "Y4")
                #expect(try await Self.code(f, Self.mia, "2025-09-17", .pm) == nil)
                // Daniel left on the 10th: not part of the whole school on the 17th.
                #expect(try await Self.code(f, Self.daniel, "2025-09-17", .am) == nil)
                // Friday 12 September is a planned closure for everyone.
                let closed = try await f.call(
                    .POST, "/api/v1/group-marks", as: .head,
                    json: #"{"whole_school": true, "from": "2025-09-12", "code": "Y4", "reason": "Boiler", "preview": false}"#)
                #expect(closed.status == .unprocessableEntity && closed.errorField == "from", "\(closed.text)")
            }
        }

        @Test(
            "bad input is refused with 422 naming the field and writes nothing: a code no group may carry, no or two choices of pupils, an unknown UPN, no reason, over a school year",
            arguments: Backend.available)
        func badInput(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let cases: [(String, String)] = [
                    (#"{"upns": ["\#(Self.mia)"], "from": "2025-09-09", "code": "N", "reason": "x", "preview": false}"#, "code"),
                    (#"{"upns": ["\#(Self.mia)"], "from": "2025-09-09", "code": "O", "reason": "x", "preview": true}"#, "code"),
                    (#"{"from": "2025-09-09", "code": "V", "reason": "x", "preview": false}"#, "upns"),
                    (#"{"form": "RA", "whole_school": true, "from": "2025-09-09", "code": "V", "reason": "x", "preview": false}"#, "upns"),
                    (#"{"upns": ["A999999999999"], "from": "2025-09-09", "code": "V", "reason": "x", "preview": false}"#, "upns[0]"),
                    (#"{"upns": ["\#(Self.mia)"], "from": "2025-09-09", "code": "V", "reason": "  ", "preview": false}"#, "reason"),
                    (
                        #"{"whole_school": true, "from": "2025-09-09", "to": "2026-09-30", "code": "V", "reason": "x", "preview": false}"#,
                        "to"
                    ),
                    (
                        #"{"upns": ["\#(Self.mia)"], "from": "2025-09-09", "sessions": "noon", "code": "V", "reason": "x", "preview": false}"#,
                        "sessions"
                    ),
                    (#"{"year_groups": ["99"], "from": "2025-09-09", "code": "P", "reason": "x", "preview": false}"#, "year_groups[0]"),
                ]
                for (body, field) in cases {
                    let r = try await f.call(.POST, "/api/v1/group-marks", as: .office, json: body)
                    #expect(r.status == .unprocessableEntity && r.errorField == field, "\(body): \(r.text)")
                }
                let missing = try await f.call(.POST, "/api/v1/group-marks", as: .office, json: #"{"from": "2025-09-09"}"#)
                #expect(missing.status == .badRequest)
                for upn in [Self.mia, Self.zofia] { #expect(try await f.store.marks(pupilID: try await Self.id(f, upn)).isEmpty) }
                #expect(try await f.store.groupMarkBatches(schoolID: f.schoolID).isEmpty)
            }
        }

        @Test(
            "the office page previews a form's trip (nothing written) and the confirm button writes it", arguments: Backend.available)
        func page(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let s = try await staffSession(f, .office)
                let page = try await formSend(f, .GET, "/group-marks", cookie: s.cookie)
                #expect(page.status == .ok && page.text.contains("<h1>Mark a group</h1>") && page.text.contains(#"for="group-reason""#))
                let token = try #require(pageToken(page))
                let fields: [(String, String)] = [
                    ("csrf", token), ("who", "form"), ("form", "6A"), ("from", "2025-09-10"), ("to", "2025-09-10"), ("sessions", "pm"),
                    ("code", "P"), ("reason", "Football fixture"),
                ]
                let preview = try await formSend(f, .POST, "/group-marks", cookie: s.cookie, form: fields + [("action", "preview")])
                #expect(preview.status == .ok && preview.text.contains("Preview: P for form 6A") && preview.text.contains("Zofia"))
                #expect(preview.text.contains(#"id="confirm-group""#) && preview.text.contains("Write 1 mark"))
                #expect(try await Self.code(f, Self.zofia, "2025-09-10", .pm) == nil)
                let done = try await formSend(f, .POST, "/group-marks", cookie: s.cookie, form: fields + [("action", "confirm")])
                #expect(done.status == .seeOther && redirectTarget(done) == "/group-marks", "\(done.text)")
                #expect(try await Self.code(f, Self.zofia, "2025-09-10", .pm) == "P")
                let after = try await formSend(f, .GET, "/group-marks", cookie: s.cookie)
                #expect(
                    after.text.contains("P for form 6A: 1 written, 0 amended")
                        && after.text.contains("P for form 6A, 2025-09-10 (pm): Football fixture"))
                let bad = try await formSend(
                    f, .POST, "/group-marks", cookie: s.cookie,
                    form: [("csrf", token), ("who", "form"), ("form", "6A"), ("from", "2025-09-10"), ("code", "N"), ("reason", "x")])
                #expect(bad.status == .unprocessableEntity && bad.text.contains("code: N cannot be written for a group"))
            }
        }

        @Test(
            "the policy's optional group_marking.codes narrows the codes a group may be marked with, on the API and the page",
            arguments: Backend.available)
        func policyNarrowsCodes(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                var policy = Policy.standard(name: "Tiny Test School policy", effectiveFrom: day("2025-09-01"))
                policy.groupMarking = GroupMarkingPolicy(codes: ["V", "S"])
                // The setting is written as group_marking in the file, read back and checked.
                let document = String(decoding: PolicyFile.encode(policy), as: UTF8.self)
                #expect(document.contains(#""group_marking""#))
                #expect(try PolicyFile.decode(Data(document.utf8)).groupMarking?.codes == ["V", "S"])
                var bad = policy
                bad.groupMarking = GroupMarkingPolicy(codes: ["V", "O"])
                #expect(throws: ValidationError.self) { try PolicyFile.decode(PolicyFile.encode(bad)) }
                _ = try await f.store.savePolicy(
                    schoolID: f.schoolID, policy, document: document, by: Actor(name: "Head Person", position: "Head"),
                    at: "2025-09-01T08:00:00Z")
                let p = try await f.call(
                    .POST, "/api/v1/group-marks", as: .office,
                    json: #"{"upns": ["\#(Self.zofia)"], "from": "2025-09-10", "code": "P", "reason": "Fixture", "preview": true}"#)
                #expect(
                    p.status == .unprocessableEntity && p.errorField == "code" && p.errorReason.contains("use one of V, S"), "\(p.text)")
                let v = try await f.call(
                    .POST, "/api/v1/group-marks", as: .office,
                    json: #"{"upns": ["\#(Self.zofia)"], "from": "2025-09-10", "code": "V", "reason": "Trip", "preview": true}"#)
                #expect(v.status == .ok, "\(v.text)")
                let s = try await staffSession(f, .office)
                let page = try await formSend(f, .GET, "/group-marks", cookie: s.cookie)
                #expect(page.text.contains(#"<option value="V""#) && !page.text.contains(#"<option value="P""#))
            }
        }

        static func planned(_ f: Fixture, _ d: String, _ s: String) async throws -> String? {
            let r = try await f.call(.GET, "/api/v1/registers/\(d)/\(s)?form=6A", as: .office)
            let line = (r.object["pupils"] as? [[String: Any]])?.first { $0["upn"] as? String == Self.zofia }
            return line?["planned"] as? String
        }

        @Test(
            "seed 000 §6.4 'provision arranged by the local authority': a recurring Tuesday-afternoon K pre-fills the register on Tuesday afternoons only, and stops once ended, the pattern kept",
            arguments: Backend.available)
        func recurringTuesdayAfternoon(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let r = try await f.call(
                    .POST, "/api/v1/pupils/\(Self.zofia)/patterns", as: .office,
                    json: #"{"weekdays": [2], "sessions": "pm", "code": "K", "from": "2025-09-09", "note": "Riverside Learning Centre"}"#)
                #expect(r.status == .created, "\(r.text)")
                #expect(r.object["words"] as? String == "K every Tuesday afternoon from 2025-09-09")
                let id = try #require(r.object["id"] as? Int)
                #expect(try await Self.planned(f, "2025-09-09", "PM") == "K")
                #expect(try await Self.planned(f, "2025-09-16", "PM") == "K")
                #expect(try await Self.planned(f, "2025-09-09", "AM") == nil)
                #expect(try await Self.planned(f, "2025-09-10", "PM") == nil)
                // The register page starts Zofia at K, shown as a known reason; "mark all present" leaves her out.
                let s = try await staffSession(f, .office)
                let page = try await formSend(f, .GET, "/registers/2025-09-09/PM?form=6A", cookie: s.cookie)
                #expect(page.text.contains("Recurring K: Riverside Learning Centre"), "\(page.text)")
                #expect(page.text.contains(#"<option value="K" selected>"#))
                // Saving the register writes the K like any mark.
                let token = try #require(pageToken(page))
                let saved = try await formSend(
                    f, .POST, "/registers/2025-09-09/PM", cookie: s.cookie,
                    form: [("csrf", token), ("form", "6A"), ("code_\(Self.zofia)", "K")])
                #expect(saved.status == .ok, "\(saved.text)")
                #expect(try await Self.code(f, Self.zofia, "2025-09-09", .pm) == "K")
                // Ended on Monday 15th: Tuesday 16th is no longer pre-filled; the pattern stays, with who ended it.
                let ended = try await f.call(
                    .POST, "/api/v1/pupils/\(Self.zofia)/patterns/\(id)/end", as: .office, json: #"{"last_day": "2025-09-15"}"#)
                #expect(ended.status == .ok, "\(ended.text)")
                #expect(try await Self.planned(f, "2025-09-16", "PM") == nil)
                let list = try await f.call(.GET, "/api/v1/pupils/\(Self.zofia)/patterns", as: .office)
                let kept = (list.object["patterns"] as? [[String: Any]])?.first
                #expect(kept?["to"] as? String == "2025-09-15" && kept?["ended_by"] as? String == "Office Person, Office")
                let twice = try await f.call(.POST, "/api/v1/pupils/\(Self.zofia)/patterns/\(id)/end", as: .office, json: "{}")
                #expect(twice.status == .conflict)
                let unknown = try await f.call(.POST, "/api/v1/pupils/\(Self.zofia)/patterns/9999/end", as: .office, json: "{}")
                #expect(unknown.status == .notFound)
            }
        }

        @Test(
            "seed 002 §4.4.7 dual registration: D on set days from the pupil page; a bad pattern is refused naming the field",
            arguments: Backend.available)
        func dualRegistrationPage(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let s = try await staffSession(f, .office)
                let page = try await formSend(f, .GET, "/pupils/\(Self.zofia)/patterns", cookie: s.cookie)
                #expect(page.status == .ok && page.text.contains("<h1>Recurring patterns") && page.text.contains(#"for="pattern-note""#))
                let token = try #require(pageToken(page))
                let added = try await formSend(
                    f, .POST, "/pupils/\(Self.zofia)/patterns", cookie: s.cookie,
                    form: [
                        ("csrf", token), ("weekdays[]", "1"), ("weekdays[]", "4"), ("sessions", "both"), ("code", "D"),
                        ("from", "2025-09-08"), ("note", "Hillside Academy"),
                    ])
                #expect(added.status == .seeOther, "\(added.text)")
                #expect(try await Self.planned(f, "2025-09-11", "AM") == "D")
                #expect(try await Self.planned(f, "2025-09-11", "PM") == "D")
                #expect(try await Self.planned(f, "2025-09-10", "AM") == nil)
                let cases: [(String, String)] = [
                    (#"{"weekdays": [], "sessions": "pm", "code": "K", "from": "2025-09-09", "note": "x"}"#, "weekdays"),
                    (#"{"weekdays": [6], "sessions": "pm", "code": "K", "from": "2025-09-09", "note": "x"}"#, "weekdays"),
                    (#"{"weekdays": [2], "sessions": "pm", "code": "N", "from": "2025-09-09", "note": "x"}"#, "code"),
                    (#"{"weekdays": [2], "sessions": "pm", "code": "K", "from": "2025-09-09", "note": ""}"#, "note"),
                    (#"{"weekdays": [2], "sessions": "pm", "code": "K", "from": "2025-09-09", "to": "2025-09-01", "note": "x"}"#, "to"),
                ]
                for (body, field) in cases {
                    let r = try await f.call(.POST, "/api/v1/pupils/\(Self.mia)/patterns", as: .office, json: body)
                    #expect(r.status == .unprocessableEntity && r.errorField == field, "\(body): \(r.text)")
                }
                let none = try await f.call(.GET, "/api/v1/pupils/\(Self.mia)/patterns", as: .office)
                #expect((none.object["patterns"] as? [Any])?.isEmpty == true)
                #expect(try await f.call(.GET, "/api/v1/pupils/\(Self.mia)/patterns", as: .teacher).status == .forbidden)
            }
        }
    }
}
