import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

extension ServerTests {
    @Suite("Pages") struct PageTests {
        /// Pulls the CSRF token and session cookie out of a page.
        static func csrf(_ r: Reply) -> (token: String, cookie: String)? {
            guard let range = r.text.range(of: #"name="csrf" value="([^"]+)""#, options: .regularExpression) else { return nil }
            let token = String(r.text[range]).replacingOccurrences(of: #"name="csrf" value=""#, with: "").dropLast()
            guard let cookie = r.headers.first(name: .setCookie)?.split(separator: ";").first else { return nil }
            return (String(token), String(cookie))
        }

        static func form(_ fields: [(String, String)]) -> String {
            fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&")
        }

        func post(_ f: Fixture, _ path: String, cookie: String, _ fields: [(String, String)]) async throws -> Reply {
            var h = HTTPHeaders()
            h.add(name: .cookie, value: cookie)
            h.contentType = .urlEncodedForm
            let res = try await f.app.testing().sendRequest(.POST, path, headers: h, body: ByteBuffer(string: Self.form(fields)))
            return Reply(status: res.status, headers: res.headers, text: res.body.string)
        }

        func get(_ f: Fixture, _ path: String, cookie: String) async throws -> Reply {
            try await f.call(.GET, path, as: nil, headers: [HTTPHeaders.Name.cookie.description: cookie])
        }

        /// Signs in and returns the session cookie.
        func signIn(_ f: Fixture, _ role: Role) async throws -> String {
            let home = try await f.call(.GET, "/", as: nil)
            let (token, cookie) = try #require(Self.csrf(home))
            let ok = try await post(
                f, "/sign-in", cookie: cookie,
                [("csrf", token), ("email", "\(role.rawValue)@tiny.example.org"), ("password", "correct horse")])
            return try #require(ok.headers.first(name: .setCookie)?.split(separator: ";").first.map(String.init))
        }

        @Test("lists: pupils by band, lowest attendance first, filtered, as CSV; governors may not see them")
        func lists() async throws {
            try await withRollbook(.sqlite, tinyMarks: true) { f in
                let office = try await signIn(f, .office)
                let page = try await get(f, "/lists?from=2025-09-01&to=2025-09-30", cookie: office)
                #expect(page.status == .ok)
                #expect(page.text.contains("below 90%"))
                let csv = try await get(f, "/lists?from=2025-09-01&to=2025-09-30&format=csv", cookie: office)
                let lines = csv.text.split(separator: "\n").dropFirst().map(String.init)
                let upns: [String] = lines.map { String($0.prefix(13)) }
                #expect(upns == ["A100000000001", "A100000000002", "A100000000003"])
                #expect(csv.text.contains("A100000000001,Mia Fielding,R,RA,Oak,19,0.6316,below 90%,true,false"))
                let form = try await get(f, "/lists?from=2025-09-01&to=2025-09-30&form=5B&format=csv", cookie: office)
                #expect(form.text.split(separator: "\n").count == 2)
                let severe = try await get(f, "/lists?from=2025-09-01&to=2025-09-30&flag=severe&format=csv", cookie: office)
                #expect(severe.text.split(separator: "\n").count == 1)
                #expect(try await get(f, "/lists?flag=tall", cookie: office).status == .unprocessableEntity)
                let governor = try await signIn(f, .governor)
                #expect(try await get(f, "/lists", cookie: governor).status == .forbidden)
            }
        }

        @Test("missing registers: each form and session still unmarked after its close, not closed days")
        func missingRegisters() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: 10, minute: 0)!)) { f in
                let danny = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000002")!.id!
                _ = try await f.store.record(
                    [MarkWrite(pupilID: danny, mark: Mark(date: day("2025-09-09"), session: .am, code: .presentAM))],
                    by: Actor(name: "T", position: "Teacher"), at: "x")
                let office = try await signIn(f, .office)
                let page = try await get(f, "/registers/missing?weeks=1", cookie: office)
                #expect(page.status == .ok)
                #expect(page.text.contains("/registers/2025-09-09/AM?form=RA"))
                #expect(!page.text.contains("/registers/2025-09-09/AM?form=5B"))
                #expect(!page.text.contains("/registers/2025-09-09/PM"))
                #expect(page.text.contains("/registers/2025-09-05/PM?form=5B"))
                #expect(!page.text.contains("/registers/2025-09-03/AM?form=RA"))
                #expect(!page.text.contains("/registers/2025-09-05/AM?form=6A"))
            }
        }

        @Test("the office records a parent's reason over several days in one go; each changed mark is an amendment")
        func recordReason() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-11"), time: TimeOfDay(hour: 10, minute: 0)!), tinyMarks: true)
            { f in
                let office = try await signIn(f, .office)
                let page = try await get(f, "/pupils/A100000000002", cookie: office)
                let token = try #require(Self.csrf(page)?.token)
                let r = try await post(
                    f, "/pupils/A100000000002/reason", cookie: office,
                    [("csrf", token), ("code", "I"), ("from", "2025-09-08"), ("to", "2025-09-12"), ("sessions", "both"), ("note", "flu")])
                #expect(r.status == .seeOther, "\(r.text)")
                // On roll to 10 Sept: 8, 9, 10 Sept, AM and PM.
                let id = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000002")!.id!
                let a = try await f.store.amendments(pupilID: id)
                #expect(a.count == 6)
                #expect(a.allSatisfy { $0.newCode == "I" && $0.reason == "Reported by parent: flu" && $0.byPosition == "Office" })
                #expect(a.map(\.originalCode) == ["O", "O", "B", "K", "/", "\\"])
                let shown = try await get(f, "/pupils/A100000000002", cookie: office)
                #expect(shown.text.contains("I (Illness) recorded for 6 sessions: 0 new, 6 changed."))
                let bad = try await post(
                    f, "/pupils/A100000000002/reason", cookie: office, [("csrf", token), ("code", "C1"), ("from", "2025-09-08")])
                #expect(bad.status == .unprocessableEntity)
                let teacher = try await signIn(f, .teacher)
                let teacherPage = try await get(f, "/pupils/A100000000001", cookie: teacher)
                let t2 = try #require(Self.csrf(teacherPage)?.token)
                #expect(
                    try await post(
                        f, "/pupils/A100000000001/reason", cookie: teacher, [("csrf", t2), ("code", "I"), ("from", "2025-09-08")]
                    ).status == .forbidden)
            }
        }

        @Test("the late book: an arrival after the register closed is U with the minutes late")
        func lateBook() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: 10, minute: 0)!)) { f in
                let office = try await signIn(f, .office)
                let pupilPage = try await get(f, "/pupils/A100000000003", cookie: office)
                let token = try #require(Self.csrf(pupilPage)?.token)
                let r = try await post(f, "/pupils/A100000000003/arrival", cookie: office, [("csrf", token), ("time", "09:20")])
                #expect(r.status == .seeOther, "\(r.text)")
                let reg = try await f.call(.GET, "/api/v1/registers/2025-09-09/AM?form=6A").object
                let line = (reg["pupils"] as? [[String: Any]])?.first
                #expect(line?["code"] as? String == "U")
                #expect(line?["minutes_late"] as? Int == 25)
                let page = try await get(f, "/pupils/A100000000003", cookie: office)
                #expect(page.text.contains("Arrival at 9:20 recorded: U Arrived after the register closed, 25 minutes late."))
            }
        }

        @Test("sign in needs the form's CSRF token and the right password; pages need a session")
        func signIn() async throws {
            try await withRollbook(.sqlite) { f in
                let home = try await f.call(.GET, "/", as: nil)
                #expect(home.status == .ok)
                #expect(home.text.contains("Rollbook"))
                #expect(home.headers.first(name: "Content-Security-Policy")?.contains("default-src 'self'") == true)
                let (token, cookie) = try #require(Self.csrf(home))
                #expect(
                    try await post(f, "/sign-in", cookie: cookie, [("email", "office@tiny.example.org"), ("password", "correct horse")])
                        .status == .forbidden)
                let wrong = try await post(
                    f, "/sign-in", cookie: cookie, [("csrf", token), ("email", "office@tiny.example.org"), ("password", "nope")])
                #expect(wrong.status == .unauthorized)
                #expect(wrong.text.contains("do not match"))
                #expect(try await f.call(.GET, "/today", as: nil).status == .seeOther)
                let ok = try await post(
                    f, "/sign-in", cookie: cookie, [("csrf", token), ("email", "office@tiny.example.org"), ("password", "correct horse")])
                #expect(ok.status == .seeOther)
                #expect(ok.headers.first(name: .location) == "/today")
                let session = try #require(ok.headers.first(name: .setCookie)?.split(separator: ";").first.map(String.init))
                #expect(ok.headers.first(name: .setCookie)?.lowercased().contains("httponly") == true)
                let today = try await get(f, "/today", cookie: session)
                #expect(today.status == .ok)
                #expect(today.text.contains("RA"))
            }
        }

        @Test("taking a register on the page writes the marks, with L from the arrival time")
        func takeRegister() async throws {
            try await withRollbook(.sqlite) { f in
                let home = try await f.call(.GET, "/", as: nil)
                let (token, cookie) = try #require(Self.csrf(home))
                let signed = try await post(
                    f, "/sign-in", cookie: cookie, [("csrf", token), ("email", "office@tiny.example.org"), ("password", "correct horse")])
                let session = try #require(signed.headers.first(name: .setCookie)?.split(separator: ";").first.map(String.init))
                let page = try await get(f, "/registers/2025-09-09/AM?form=5B", cookie: session)
                #expect(page.status == .ok)
                let (t2, _) = try #require(Self.csrf(page) ?? (Self.csrf(home)?.token).map { ($0, session) })
                let saved = try await post(
                    f, "/registers/2025-09-09/AM?form=5B", cookie: session,
                    [("csrf", t2), ("form", "5B"), ("mark_A100000000002", "late"), ("arrival_A100000000002", "09:05")])
                #expect(saved.status == .ok, "\(saved.text)")
                #expect(saved.text.contains("Saved: 1 new"))
                let reg = try await f.call(.GET, "/api/v1/registers/2025-09-09/AM?form=5B").object
                let line = (reg["pupils"] as? [[String: Any]])?.first
                #expect(line?["code"] as? String == "L")
                #expect(line?["minutes_late"] as? Int == 10)
                let pupil = try await get(f, "/pupils/A100000000002", cookie: session)
                #expect(pupil.status == .ok)
                #expect(pupil.text.contains("Late arrivals this year (L and U): 1, 10 minutes in all"))
                // The policy's late-arrival follow-up runs for a late mark from the register page too.
                let danny = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000002")).id!
                #expect(
                    try await f.store.casework(pupilID: danny).map(\.summary) == [
                        "Late to the AM register: L, arrived at 9:05, 10 minutes late."
                    ])
                #expect(pupil.text.contains("parental responsibility") || pupil.text.contains("Contacts"))
            }
        }

        @Test("a teacher sees only their own form's pupils and registers; another form's is a clear 403")
        func teacherScope() async throws {
            try await withRollbook(.sqlite, tinyMarks: true) { f in
                let teacher = try await signIn(f, .teacher)
                #expect(try await get(f, "/pupils/A100000000001", cookie: teacher).status == .ok)
                let other = try await get(f, "/pupils/A100000000003", cookie: teacher)
                #expect(other.status == .forbidden)
                #expect(other.text.contains("Forbidden") && other.text.contains("own forms"), "\(other.text)")
                let register = try await get(f, "/registers/2025-09-09/AM?form=6A", cookie: teacher)
                #expect(register.status == .forbidden)
                #expect(!register.text.contains("A100000000003"))
                let search = try await get(f, "/pupils?q=a", cookie: teacher)
                #expect(search.text.contains("A100000000001") && !search.text.contains("A100000000003"))
                let api = try await f.call(.GET, "/api/v1/pupils", as: .teacher)
                #expect(api.array.compactMap { $0["upn"] as? String } == ["A100000000001"])
                #expect(try await f.call(.GET, "/api/v1/pupils/A100000000003", as: .teacher).status == .forbidden)
                let lists = try await get(f, "/lists?from=2025-09-01&to=2025-09-30&format=csv", cookie: teacher)
                #expect(lists.text.split(separator: "\n").dropFirst().map { String($0.prefix(13)) } == ["A100000000001"])
            }
        }

        @Test("a reason recorded before the register opens comes pre-filled and shown as known; saving it back changes nothing")
        func knownReasonPrefilled() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: 8, minute: 50)!)) { f in
                let office = try await signIn(f, .office)
                let pupilPage = try await get(f, "/pupils/A100000000003", cookie: office)
                let token = try #require(Self.csrf(pupilPage)?.token)
                let r = try await post(
                    f, "/pupils/A100000000003/reason", cookie: office,
                    [("csrf", token), ("code", "M"), ("from", "2025-09-09"), ("sessions", "am"), ("note", "orthodontist")])
                #expect(r.status == .seeOther, "\(r.text)")
                let page = try await get(f, "/registers/2025-09-09/AM?form=6A", cookie: office)
                #expect(page.text.contains("Known reason"))
                #expect(page.text.contains("Reported by parent: orthodontist"))
                #expect(page.text.contains(#"<option value="M" selected>"#))
                let saved = try await post(
                    f, "/registers/2025-09-09/AM", cookie: office, [("csrf", token), ("form", "6A"), ("code_A100000000003", "M")])
                #expect(saved.status == .ok)
                #expect(saved.text.contains("Saved: 0 new, 0 changed, 1 unchanged."), "\(saved.text)")
                let id = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000003")!.id!
                #expect(try await f.store.amendments(pupilID: id).isEmpty)
                // Present instead: a change while the register is open, audited with the note it replaces kept in the amendment.
                let present = try await post(
                    f, "/registers/2025-09-09/AM", cookie: office, [("csrf", token), ("form", "6A"), ("mark_A100000000003", "present")])
                #expect(present.text.contains("Saved: 0 new, 1 changed, 0 unchanged."), "\(present.text)")
            }
        }

        @Test("signing out and back in during the day: shown on the pupil page, Today and the next register; marks unchanged")
        func signOutAndBack() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: 11, minute: 30)!)) { f in
                let office = try await signIn(f, .office)
                let token = try #require(Self.csrf(try await get(f, "/pupils/A100000000003", cookie: office))?.token)
                let out = try await post(
                    f, "/pupils/A100000000003/sign-out", cookie: office,
                    [("csrf", token), ("time", "11:20"), ("reason", "dentist, collected by dad")])
                #expect(out.status == .seeOther, "\(out.text)")
                let noReason = try await post(
                    f, "/pupils/A100000000001/sign-out", cookie: office, [("csrf", token), ("time", "11:20"), ("reason", " ")])
                #expect(noReason.status == .unprocessableEntity)
                let twice = try await post(
                    f, "/pupils/A100000000003/sign-out", cookie: office, [("csrf", token), ("time", "11:25"), ("reason", "again")])
                #expect(twice.status == .unprocessableEntity)
                let page = try await get(f, "/pupils/A100000000003", cookie: office)
                #expect(page.text.contains("Signed out at 11:20: dentist, collected by dad."))
                #expect(page.text.contains("not back yet") && page.text.contains("Sign back in"))
                let today = try await get(f, "/today", cookie: office)
                #expect(today.text.contains("Signed out now") && today.text.contains("dentist, collected by dad"))
                let pm = try await get(f, "/registers/2025-09-09/PM?form=6A", cookie: office)
                #expect(pm.text.contains("Signed out at 11:20: dentist, collected by dad, not back yet"))
                let early = try await post(f, "/pupils/A100000000003/sign-in", cookie: office, [("csrf", token), ("time", "11:00")])
                #expect(early.status == .unprocessableEntity)
                #expect(
                    try await post(f, "/pupils/A100000000003/sign-in", cookie: office, [("csrf", token), ("time", "12:05")]).status
                        == .seeOther)
                #expect(try await get(f, "/registers/2025-09-09/PM?form=6A", cookie: office).text.contains("back at 12:05"))
                #expect(!(try await get(f, "/today", cookie: office)).text.contains("Signed out now"))
                let id = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000003")!.id!
                #expect(try await f.store.marks(pupilID: id).isEmpty)
                let teacher = try await signIn(f, .teacher)
                let t = try #require(Self.csrf(try await get(f, "/pupils/A100000000001", cookie: teacher))?.token)
                #expect(
                    try await post(f, "/pupils/A100000000001/sign-out", cookie: teacher, [("csrf", t), ("time", "11:20"), ("reason", "x")])
                        .status == .forbidden)
            }
        }

        @Test("Today shows attendance today (marked sessions so far) and this year against the school's target, in words")
        func todayAgainstTarget() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: 9, minute: 0)!), tinyMarks: true)
            { f in
                let bad = try await f.call(.PUT, "/api/v1/school", json: #"{"attendance_target": 96}"#)
                #expect(bad.status == .unprocessableEntity && bad.errorField == "attendance_target")
                let ok = try await f.call(.PUT, "/api/v1/school", json: #"{"attendance_target": 0.96}"#)
                #expect(ok.object["attendance_target"] as? Double == 0.96)
                let office = try await signIn(f, .office)
                let today = try await get(f, "/today", cookie: office)
                #expect(today.text.contains("96.0%</span> school target"))
                #expect(today.text.contains("attendance this year, below target"), "\(today.text)")
            }
        }

        @Test("the pupil page's year grid agrees with the statistics engine, with a key, a trend chart and a table of its numbers")
        func yearAtAGlance() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-30"), time: TimeOfDay(hour: 16, minute: 0)!), tinyMarks: true)
            { f in
                let office = try await signIn(f, .office)
                let page = try await get(f, "/pupils/A100000000001", cookie: office).text
                let stats = try await f.call(.GET, "/api/v1/pupils/A100000000001/statistics?from=2025-09-01&to=2025-09-30").object
                func cells(_ category: String) -> Int { page.components(separatedBy: "<td class=\"cat-\(category)\"").count - 1 }
                let s = try #require(stats["sessions"] as? [String: Any], "\(stats)")
                #expect(cells("present") + cells("late") == s["present_sessions"] as? Int)
                #expect(cells("authorised") == s["authorised_absence_sessions"] as? Int)
                #expect(cells("unauthorised") == s["unauthorised_absence_sessions"] as? Int)
                // Reception is closed on 3 and 4 September and everyone on 12 September: # with its words in the title.
                #expect(page.contains(#"<td class="cat-closed" title="Friday 12 September 2025 AM: # – School closed">#</td>"#))
                #expect(page.contains("Still to come") && page.contains("Unauthorised absence"), "the key names every category")
                #expect(page.contains(#"<svg"#) && page.contains("Attendance each week, 2025/26"))
                #expect(page.contains("The weekly figures as a table"))
            }
        }

        func upload(_ f: Fixture, _ path: String, cookie: String, csrf: String, file: String) async throws -> Reply {
            let boundary = "rollbook-test-boundary"
            let body =
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(csrf)\r\n"
                + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"policy.json\"\r\nContent-Type: application/json\r\n\r\n\(file)\r\n"
                + "--\(boundary)--\r\n"
            var h = HTTPHeaders()
            h.add(name: .cookie, value: cookie)
            h.add(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
            let res = try await f.app.testing().sendRequest(.POST, path, headers: h, body: ByteBuffer(string: body))
            return Reply(status: res.status, headers: res.headers, text: res.body.string)
        }

        @Test(
            "the policy page shows each setting with its source; the attendance lead saves a new version from a file; a bad file names the setting"
        )
        func policyPage() async throws {
            try await withRollbook(.sqlite) { f in
                let lead = try await signIn(f, .attendanceLead)
                let page = try await get(f, "/policy", cookie: lead)
                #expect(page.status == .ok)
                #expect(page.text.contains("Rollbook standard policy") && page.text.contains("10 sessions in 10 school weeks"))
                let token = try #require(Self.csrf(page)?.token)
                var p = Policy.standard(name: "Tiny School policy 2025", effectiveFrom: day("2025-09-01"))
                p.attendanceTarget = 0.97
                p.clauses =
                    p.clauses.filter { $0.setting != "attendance_target" } + [
                        .init("attendance_target", "Tiny School policy §2: 'we aim for 97%'")
                    ]
                let saved = try await upload(
                    f, "/policy", cookie: lead, csrf: token, file: String(decoding: PolicyFile.encode(p), as: UTF8.self))
                #expect(saved.status == .seeOther, "\(saved.text)")
                let after = try await get(f, "/policy", cookie: lead)
                #expect(
                    after.text.contains("Tiny School policy 2025") && after.text.contains("97.0%") && after.text.contains("we aim for 97%"))
                #expect(after.text.contains("/policy/versions/2025-09-01"))
                let file = try await get(f, "/policy/versions/2025-09-01", cookie: lead)
                #expect(try PolicyFile.decode(Data(file.text.utf8)) == p)
                var bad = p
                bad.effectiveFrom = day("2025-10-01")
                bad.noReason.nToOSchoolDays = 9
                let refused = try await upload(
                    f, "/policy", cookie: lead, csrf: token, file: String(decoding: PolicyFile.encode(bad), as: UTF8.self))
                #expect(refused.status == .unprocessableEntity)
                #expect(refused.text.contains("no_reason.n_to_o_school_days: must be 1 to 5"), "\(refused.text)")
                #expect(try await f.store.policyVersions(schoolID: f.schoolID).count == 1)
                // Edited on the page: the in-force file is offered, and a changed copy saves as the next version.
                #expect(after.text.contains("Tiny School policy 2025") && after.text.contains("textarea"))
                var edited = p
                edited.effectiveFrom = day("2025-11-01")
                edited.name = "Tiny School policy from November"
                let fromPage = try await post(
                    f, "/policy", cookie: lead, [("csrf", token), ("document", String(decoding: PolicyFile.encode(edited), as: UTF8.self))])
                #expect(fromPage.status == .seeOther, "\(fromPage.text)")
                #expect(try await f.store.policy(schoolID: f.schoolID, on: day("2025-11-02")).name == "Tiny School policy from November")
                let broken = try await post(f, "/policy", cookie: lead, [("csrf", token), ("document", "{\"name\": \"half a policy\"}")])
                #expect(broken.status == .unprocessableEntity && broken.text.contains("half a policy"), "the draft is kept to fix")
                let office = try await signIn(f, .office)
                let officePage = try await get(f, "/policy", cookie: office)
                #expect(officePage.status == .ok && !officePage.text.contains("Save a new version"))
                let t2 = try #require(Self.csrf(officePage)?.token)
                #expect(try await upload(f, "/policy", cookie: office, csrf: t2, file: "{}").status == .forbidden)
            }
        }

        @Test(
            "the worklist: the evaluation's actions; completing a stage entry sends its letter, kept on the timeline as sent; dismissing needs a reason"
        )
        func worklist() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-19"), time: TimeOfDay(hour: 16, minute: 0)!), tinyMarks: true)
            { f in
                let lead = try await signIn(f, .attendanceLead)
                let page = try await get(f, "/worklist", cookie: lead)
                #expect(page.status == .ok)
                let (_, actions) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-19"))
                let entry = try #require(
                    actions.first { $0.upn == "A100000000001" && $0.kind == .stageEntry }, "\(actions.map { "\($0.upn) \($0.kind)" })")
                #expect(page.text.contains(entry.key) && page.text.contains("Mia Fielding"))
                // The API gives the same actions as the worklist and `rollbook evaluate`.
                let api = try await f.call(.GET, "/api/v1/actions?as_of=2025-09-19", as: .attendanceLead)
                #expect(api.array.compactMap { $0["key"] as? String } == actions.map(\.key))
                #expect(
                    (api.array.first?.keys).map(Set.init)?.isSuperset(of: ["upn", "kind", "rule", "due", "reason", "sessions"]) == true)
                #expect(try await f.call(.GET, "/api/v1/actions", as: .office).status == .forbidden)
                let miaPage = try await get(f, "/pupils/A100000000001", cookie: lead)
                #expect(miaPage.text.contains("Proposed today by the policy") && miaPage.text.contains(entry.key))
                let stagesOnly = try await get(f, "/worklist?kind=stage_entry", cookie: lead)
                #expect(
                    stagesOnly.text.contains(entry.key)
                        && !actions.filter { $0.kind != .stageEntry }.contains { stagesOnly.text.contains($0.key) })
                let token = try #require(Self.csrf(page)?.token)
                // A letter is written first: completing without it leads to the letter to edit and send.
                let done = try await LetterTests.complete(
                    f, cookie: lead, token: token, key: entry.key, upn: entry.upn, note: "posted home")
                #expect(done.status == .seeOther, "\(done.text)")
                let mia = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000001")!.id!
                let timeline = try await f.store.casework(pupilID: mia)
                let letter = try #require(timeline.first { $0.document != nil })
                #expect(letter.actionKey == entry.key && letter.outcome == "posted home")
                #expect(timeline.contains { $0.caseworkKind == .stageEntered && $0.stageID == entry.proposedStage })
                let shown = try await get(f, "/casework/\(letter.id!)/letter", cookie: lead)
                #expect(shown.text.contains("Dear Rosa Fielding and Tom Fielding"), "the parents with parental responsibility")
                #expect(shown.text.contains("Mia"))
                let again = try await get(f, "/worklist", cookie: lead)
                #expect(!again.text.contains(entry.key), "a completed action is not proposed again")
                let (_, after) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-19"))
                if let other = after.first {
                    #expect(
                        try await post(f, "/worklist/dismiss", cookie: lead, [("csrf", token), ("key", other.key), ("upn", other.upn)])
                            .status == .unprocessableEntity)
                    #expect(
                        try await post(
                            f, "/worklist/dismiss", cookie: lead,
                            [("csrf", token), ("key", other.key), ("upn", other.upn), ("note", "known to the LA already")]
                        ).status == .seeOther)
                    let (_, left) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-19"))
                    #expect(!left.contains { $0.key == other.key })
                }
                let office = try await signIn(f, .office)
                #expect(try await get(f, "/worklist", cookie: office).status == .forbidden)
            }
        }

        /// Zofia Nowak (Year 6, born 31 December 2014, of compulsory school age) with the tiny example's two parents, and
        /// 10 sessions of O from 8 to 15 September; Mia Fielding (Reception, born 2 November 2020: of compulsory school age
        /// only from 31 December 2025) with the same marks.
        static func tenUnauthorised(_ f: Fixture) async throws -> (mia: Int, zofia: Int) {
            let mia = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000001")!.id!
            let zofia = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000003")!.id!
            let record = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000003")!.record(contacts: [
                Contact(
                    priority: 1, name: "Ewa Nowak", relationship: "Mother", parentalResponsibility: true, livesWith: true,
                    phone: "07700 900301", email: "ewa@example.org"),
                Contact(
                    priority: 2, name: "Piotr Nowak", relationship: "Father", parentalResponsibility: true, livesWith: false,
                    phone: "07700 900302", email: "piotr@example.org"),
            ])
            _ = try await f.store.savePupils(schoolID: f.schoolID, [record], yearGroupYear: AcademicYear(startYear: 2025))
            var writes: [MarkWrite] = []
            for id in [mia, zofia] {
                for d in ["2025-09-08", "2025-09-09", "2025-09-10", "2025-09-11", "2025-09-15"] {
                    for s in Session.allCases { writes.append(MarkWrite(pupilID: id, mark: Mark(date: day(d), session: s, code: .o))) }
                }
            }
            _ = try await f.store.record(writes, by: Actor(name: "T", position: "Teacher"), at: "t")
            return (mia, zofia)
        }

        @Test(
            "a penalty notice recorded from the worklist is the named parent's, so the next one for that parent counts as their second; none for a pupil under compulsory school age"
        )
        func penaltyNoticePerParent() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-19"), time: TimeOfDay(hour: 16, minute: 0)!)) { f in
                let (_, zofia) = try await Self.tenUnauthorised(f)
                let (_, actions) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-19"))
                // Mia is 4: no legal step for her (RULES.md, compulsory school age), whatever her marks.
                #expect(!actions.contains { $0.upn == "A100000000001" && ($0.kind == .penaltyThreshold || $0.action.isLegalStep) })
                let notices = actions.filter { $0.upn == "A100000000003" && $0.kind == .penaltyThreshold }
                #expect(notices.compactMap(\.parent) == ["Ewa Nowak", "Piotr Nowak"], "one per parent with parental responsibility")
                let ewa = try #require(notices.first)
                #expect(ewa.reason.contains("First penalty notice to Ewa Nowak") && ewa.reason.contains("£80"))
                let lead = try await signIn(f, .attendanceLead)
                let token = try #require(Self.csrf(try await get(f, "/worklist", cookie: lead))?.token)
                #expect(try await LetterTests.complete(f, cookie: lead, token: token, key: ewa.key, upn: ewa.upn).status == .seeOther)
                let timeline = try await f.store.casework(pupilID: zofia)
                #expect(timeline.first { $0.caseworkKind == .penaltyNotice }?.parent == "Ewa Nowak")
                let cw = Casework(timeline: timeline.reversed())
                #expect(cw.notices.map(\.parent) == ["Ewa Nowak"] && cw.notices.first?.kind == .penaltyNotice)
                // The other parent's notice is still proposed: each liable parent gets their own.
                let (_, after) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-19"))
                #expect(after.filter { $0.upn == "A100000000003" && $0.kind == .penaltyThreshold }.compactMap(\.parent) == ["Piotr Nowak"])
                // Recorded by hand on the pupil page, a notice must name a parent with parental responsibility.
                let page = try await get(f, "/pupils/A100000000003", cookie: lead)
                let t2 = try #require(Self.csrf(page)?.token)
                let noParent = try await post(
                    f, "/pupils/A100000000003/casework", cookie: lead,
                    [("csrf", t2), ("kind", "penalty_notice_paid_early"), ("date", "2025-09-19"), ("summary", "paid")])
                #expect(noParent.status == .unprocessableEntity)
                #expect(
                    try await post(
                        f, "/pupils/A100000000003/casework", cookie: lead,
                        [
                            ("csrf", t2), ("kind", "penalty_notice_paid_early"),
                            ("date", "2025-09-19"), ("summary", "paid within 21 days"), ("parent", "Ewa Nowak"),
                        ]
                    ).status == .seeOther)
                let paid = Casework(timeline: try await f.store.casework(pupilID: zofia).reversed())
                #expect(paid.notices.first?.paidWithin21Days == true)
                // Nor can a legal step be recorded by hand for a child under compulsory school age.
                let under = try await post(
                    f, "/pupils/A100000000001/casework", cookie: lead,
                    [
                        ("csrf", t2), ("kind", "penalty_notice"),
                        ("date", "2025-09-19"), ("summary", "issued"), ("parent", "Rosa Fielding"),
                    ])
                #expect(under.status == .unprocessableEntity && under.text.contains("not yet of compulsory school age"))
            }
        }

        @Test(
            "the 3-year limit counts a parent's notices for the child at every school of the deployment (seed 000 §6.5.7.4)",
            arguments: Backend.available)
        func noticesAcrossSchools(_ backend: Backend) async throws {
            try await withRollbook(backend, at: FixedClock(date: day("2025-09-19"), time: TimeOfDay(hour: 16, minute: 0)!)) { f in
                _ = try await Self.tenUnauthorised(f)
                // Zofia was at another school of the deployment before, where Ewa had two penalty notices for her.
                let other = try await f.store.createSchool(name: "Far Hill School", times: Fixture.times)
                var before = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000003")!.record(contacts: [])
                before.startingDay = day("2023-09-04")
                before.leavingDay = day("2025-07-18")
                before.deletionGround = .transferred
                before.yearGroup = "4"
                _ = try await f.store.savePupils(schoolID: other.id!, [before], yearGroupYear: AcademicYear(startYear: 2023))
                let there = try await f.store.pupil(schoolID: other.id!, upn: "A100000000003")!.id!
                let head = Actor(name: "Far Hill Head", position: "Headteacher")
                for d in ["2024-02-05", "2025-03-03"] {
                    try await f.store.addCasework(
                        CaseworkRow(
                            pupilID: there, kind: .penaltyNotice, actionKey: nil, happenedOn: day(d),
                            summary: "Penalty notice", parent: "Ewa Nowak", recordedAt: "t", by: head))
                }
                let (_, actions) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-19"))
                let ewa = try #require(actions.first { $0.upn == "A100000000003" && $0.parent == "Ewa Nowak" })
                #expect(ewa.action == .laReferral && ewa.figures["previous_notices"] == 2)
                #expect(ewa.reason.contains("recorded at Far Hill School as well as here"))
                let piotr = try #require(actions.first { $0.upn == "A100000000003" && $0.parent == "Piotr Nowak" })
                #expect(piotr.figures["notice_number"] == 1)
                // Far Hill's own follow-ups stay at Far Hill.
                #expect(!actions.contains { $0.kind == .penaltyNoticeUnpaid })
            }
        }

        @Test("recording the end of monitoring: a pupil who has not improved at the policy's last stage stays in it")
        func reviewAtLastStage() async throws {
            try await withRollbook(.sqlite, at: FixedClock(date: day("2025-09-19"), time: TimeOfDay(hour: 16, minute: 0)!), tinyMarks: true)
            { f in
                var p = Policy.standard(name: "One stage", effectiveFrom: day("2025-09-01"))
                p.stages = [
                    Policy.Stage(
                        id: "stage-1", name: "Concern letter", below: 0.95, action: .letter, letter: "concern",
                        monitoringSchoolWeeks: 1, directEntry: true)
                ]
                let lead = Actor(name: "Lee Lead", position: "Attendance lead")
                _ = try await f.store.savePolicy(
                    schoolID: f.schoolID, p, document: String(decoding: PolicyFile.encode(p), as: UTF8.self), by: lead, at: "t")
                let mia = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000001")!.id!
                try await f.store.addCasework(
                    CaseworkRow(
                        pupilID: mia, kind: .stageEntered, actionKey: nil, stageID: "stage-1", happenedOn: day("2025-09-08"),
                        summary: "Entered Concern letter", recordedAt: "t", by: lead))
                let (_, actions) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-19"))
                let review = try #require(actions.first { $0.upn == "A100000000001" && $0.kind == .stageReview }, "\(actions.map(\.kind))")
                #expect(review.figures["improved"] == 0 && review.reason.contains("last stage"))
                let cookie = try await signIn(f, .attendanceLead)
                let token = try #require(Self.csrf(try await get(f, "/worklist", cookie: cookie))?.token)
                #expect(
                    try await post(f, "/worklist/complete", cookie: cookie, [("csrf", token), ("key", review.key), ("upn", review.upn)])
                        .status == .seeOther)
                let timeline = try await f.store.casework(pupilID: mia)
                #expect(!timeline.contains { $0.caseworkKind == .stageEnded })
                #expect(Casework(timeline: timeline.reversed()).stage?.stage == "stage-1")
            }
        }
    }
}
