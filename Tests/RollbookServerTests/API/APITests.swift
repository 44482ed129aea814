import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

extension ServerTests {
    @Suite("JSON API") struct APITests {
        static let mia = "A100000000001"  // reception, form RA
        static let danny = "A100000000002"  // year 5, leaves 10 Sept
        static let zofia = "A100000000003"  // year 6, starts 8 Sept

        @Test("PostgreSQL is configured when running in CI")
        func postgresInCI() {
            if ProcessInfo.processInfo.environment["CI"] == "true" { #expect(Backend.postgresURL != nil, "set ROLLBOOK_TEST_POSTGRES_URL") }
        }

        @Test("every API call needs a valid token: 401 with a JSON error naming the header", arguments: Backend.available)
        func unauthenticated(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let none = try await f.call(.GET, "/api/v1/pupils", as: nil)
                #expect(none.status == .unauthorized)
                #expect(none.errorField == "Authorization")
                let bad = try await f.call(.GET, "/api/v1/pupils", as: nil, token: "rb_not-a-token")
                #expect(bad.status == .unauthorized)
                let ok = try await f.call(.GET, "/api/v1/pupils", as: .office)
                #expect(ok.status == .ok)
                #expect(ok.array.map { $0["upn"] as? String } == [Self.mia, Self.danny, Self.zofia])
            }
        }

        @Test("pupils filter by form, year group and characteristic; unknown filters are 422", arguments: Backend.available)
        func pupilFilters(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                #expect(try await f.call(.GET, "/api/v1/pupils?form=5B").array.map { $0["upn"] as? String } == [Self.danny])
                #expect(try await f.call(.GET, "/api/v1/pupils?year_group=6").array.map { $0["upn"] as? String } == [Self.zofia])
                #expect(try await f.call(.GET, "/api/v1/pupils?characteristic=fsm").array.map { $0["upn"] as? String } == [Self.danny])
                #expect(try await f.call(.GET, "/api/v1/pupils?characteristic=eal").array.map { $0["upn"] as? String } == [Self.zofia])
                #expect(
                    try await f.call(.GET, "/api/v1/pupils?on_roll_on=2025-09-05").array.map { $0["upn"] as? String } == [
                        Self.mia, Self.danny,
                    ])
                let bad = try await f.call(.GET, "/api/v1/pupils?characteristic=tall")
                #expect(bad.status == .unprocessableEntity)
                #expect(bad.errorField == "characteristic")
                let detail = try await f.call(.GET, "/api/v1/pupils/\(Self.mia)").object
                let contacts = detail["contacts"] as? [[String: Any]] ?? []
                #expect(contacts.map { $0["priority"] as? Int } == [1, 2])
                #expect(contacts.first?["parental_responsibility"] as? Bool == true)
                #expect(try await f.call(.GET, "/api/v1/pupils/Z999").status == .notFound)
            }
        }

        @Test("a governor sees figures but no pupil", arguments: Backend.available)
        func governor(_ b: Backend) async throws {
            try await withRollbook(b, tinyMarks: true) { f in
                #expect(try await f.call(.GET, "/api/v1/pupils", as: .governor).status == .forbidden)
                #expect(try await f.call(.GET, "/api/v1/registers/2025-09-09/AM", as: .governor).status == .forbidden)
                let s = try await f.call(.GET, "/api/v1/statistics?from=2025-09-01&to=2025-09-30", as: .governor)
                #expect(s.status == .ok)
                #expect(s.object["pupils"] as? Int == 3)
            }
        }

        @Test("arrival times give L while the register is open and U after it closes, with the minutes late", arguments: Backend.available)
        func arrivals(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let r = try await f.call(
                    .POST, "/api/v1/registers/2025-09-09/AM", as: .office,
                    json: """
                        {"marks": [{"upn": "\(Self.mia)", "arrival_time": "8:55"},
                                   {"upn": "\(Self.danny)", "arrival_time": "9:15"},
                                   {"upn": "\(Self.zofia)", "arrival_time": "9:16"}]}
                        """)
                #expect(r.status == .ok, "\(r.text)")
                #expect(r.object["created"] as? Int == 3)
                let lines = (r.object["register"] as? [String: Any])?["pupils"] as? [[String: Any]] ?? []
                let byUPN = Dictionary(uniqueKeysWithValues: lines.map { ($0["upn"] as! String, $0) })
                #expect(byUPN[Self.mia]?["code"] as? String == "/")
                #expect(byUPN[Self.danny]?["code"] as? String == "L")
                #expect(byUPN[Self.danny]?["minutes_late"] as? Int == 20)
                #expect(byUPN[Self.zofia]?["code"] as? String == "U")
                #expect(byUPN[Self.zofia]?["minutes_late"] as? Int == 21)
            }
        }

        /// Each seed's register times as a school would set them, and the arrivals either side of the close.
        static let seedTimes: [(String, String, [(String, String, Int?)])] = [
            // 000: AM taken at 8.30 and kept open until 9.29.
            (
                "000",
                #"{"am": {"opens": "8:30", "late_after": "8:30", "closes": "9:29"}, "pm": {"opens": "13:00", "late_after": "13:00", "closes": "13:59"}}"#,
                [("8:30", "/", nil), ("9:29", "L", 59), ("9:30", "U", 60)]
            ),
            // 001: U after 9:10.
            (
                "001",
                #"{"am": {"opens": "8:30", "late_after": "8:30", "closes": "9:10"}, "pm": {"opens": "13:00", "late_after": "13:00", "closes": "13:30"}}"#,
                [("9:10", "L", 40), ("9:11", "U", 41)]
            ),
            // 002: registration 9.00, closes 9.25.
            (
                "002",
                #"{"am": {"opens": "9:00", "late_after": "9:00", "closes": "9:25"}, "pm": {"opens": "13:00", "late_after": "13:00", "closes": "13:25"}}"#,
                [("9:00", "/", nil), ("9:01", "L", 1), ("9:26", "U", 26)]
            ),
            // 003: registers 8:45-9:00, U after 9.15.
            (
                "003",
                #"{"am": {"opens": "8:45", "late_after": "9:00", "closes": "9:15"}, "pm": {"opens": "13:00", "late_after": "13:00", "closes": "13:15"}}"#,
                [("9:00", "/", nil), ("9:15", "L", 15), ("9:16", "U", 16)]
            ),
            // 004: late after 9:10, absent unless in before 9:20.
            (
                "004",
                #"{"am": {"opens": "8:50", "late_after": "9:10", "closes": "9:19"}, "pm": {"opens": "13:30", "late_after": "13:30", "closes": "13:44"}}"#,
                [("9:10", "/", nil), ("9:19", "L", 9), ("9:20", "U", 10)]
            ),
        ]

        @Test("each seed's register times give L up to the close and U after it", arguments: Self.seedTimes.indices)
        func seedRegisterTimes(_ i: Int) async throws {
            let (seed, times, arrivals) = Self.seedTimes[i]
            try await withRollbook(.sqlite) { f in
                #expect(try await f.call(.PUT, "/api/v1/school", as: .office, json: "{\"register_times\": \(times)}").status == .forbidden)
                let set = try await f.call(.PUT, "/api/v1/school", as: .head, json: "{\"register_times\": \(times)}")
                #expect(set.status == .ok, "seed \(seed): \(set.text)")
                for (n, (time, code, minutes)) in arrivals.enumerated() {
                    let date = ["2025-09-08", "2025-09-09", "2025-09-10"][n]
                    let r = try await f.call(
                        .POST, "/api/v1/registers/\(date)/AM", as: .office,
                        json: "{\"marks\": [{\"upn\": \"\(Self.danny)\", \"arrival_time\": \"\(time)\"}]}")
                    let line = ((r.object["register"] as? [String: Any])?["pupils"] as? [[String: Any]])?.first {
                        $0["upn"] as? String == Self.danny
                    }
                    #expect(line?["code"] as? String == code, "seed \(seed) arrival \(time)")
                    #expect(line?["minutes_late"] as? Int == minutes, "seed \(seed) arrival \(time)")
                }
            }
        }

        @Test("register times are validated field by field", arguments: Backend.available)
        func badRegisterTimes(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let backwards = try await f.call(
                    .PUT, "/api/v1/school", as: .head,
                    json:
                        #"{"register_times": {"am": {"opens": "9:00", "late_after": "9:00", "closes": "8:30"}, "pm": {"opens": "13:00", "late_after": "13:00", "closes": "13:15"}}}"#
                )
                #expect(backwards.status == .unprocessableEntity)
                #expect(backwards.errorField == "register_times.am")
                let garbled = try await f.call(
                    .PUT, "/api/v1/school", as: .head,
                    json:
                        #"{"register_times": {"am": {"opens": "nine", "late_after": "9:00", "closes": "9:30"}, "pm": {"opens": "13:00", "late_after": "13:00", "closes": "13:15"}}}"#
                )
                #expect(garbled.status == .badRequest)
                #expect(garbled.errorField == "register_times.am.opens")
                let school = try await f.call(.GET, "/api/v1/school").object
                #expect((school["register_times"] as? [String: [String: String]])?["am"]?["closes"] == "9:15")
            }
        }

        @Test("a bad entry rejects the whole register and names the field", arguments: Backend.available)
        func badSubmissionChangesNothing(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let cases: [(String, String)] = [
                    (
                        "{\"marks\": [{\"upn\": \"\(Self.mia)\", \"code\": \"/\"}, {\"upn\": \"\(Self.danny)\", \"code\": \"H\"}]}",
                        "marks[1].code"
                    ),
                    (
                        "{\"marks\": [{\"upn\": \"\(Self.mia)\", \"code\": \"/\"}, {\"upn\": \"A999999999999\", \"code\": \"/\"}]}",
                        "marks[1].upn"
                    ),
                    (
                        "{\"marks\": [{\"upn\": \"\(Self.mia)\", \"code\": \"/\"}, {\"upn\": \"\(Self.danny)\", \"arrival_time\": \"25:00\"}]}",
                        "marks[1].arrival_time"
                    ),
                    ("{\"marks\": [{\"upn\": \"\(Self.mia)\", \"code\": \"I\", \"minutes_late\": 5}]}", "marks[0].minutes_late"),
                    (
                        "{\"marks\": [{\"upn\": \"\(Self.mia)\", \"code\": \"/\"}, {\"upn\": \"\(Self.mia)\", \"code\": \"L\"}]}",
                        "marks[1].upn"
                    ),
                    ("{\"marks\": [{\"upn\": \"\(Self.mia)\"}]}", "marks[0].code"),
                    ("{\"marks\": []}", "marks"),
                    ("{\"form\": \"RA\"}", "marks"),
                ]
                for (body, field) in cases {
                    let r = try await f.call(.POST, "/api/v1/registers/2025-09-09/AM", as: .office, json: body)
                    #expect(r.status.code >= 400 && r.status.code < 500, "\(body)")
                    #expect(r.errorField == field, "\(body) -> \(r.text)")
                }
                let reg = try await f.call(.GET, "/api/v1/registers/2025-09-09/AM").object
                let codes = (reg["pupils"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
                #expect(codes.isEmpty)
            }
        }

        @Test("the calendar decides: no marks on a closed session, a pupil off roll, or a bad session", arguments: Backend.available)
        func closedSessions(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: day("2025-09-17"), time: TimeOfDay(hour: 13, minute: 5)!)) { f in
                let pm = try await f.call(
                    .POST, "/api/v1/registers/2025-09-17/PM", as: .office,
                    json: "{\"marks\": [{\"upn\": \"\(Self.zofia)\", \"code\": \"/\"}]}")
                #expect(pm.status == .unprocessableEntity)
                #expect(pm.errorField == "date")
                let offRoll = try await f.call(
                    .POST, "/api/v1/registers/2025-09-17/AM", as: .office,
                    json: "{\"marks\": [{\"upn\": \"\(Self.danny)\", \"code\": \"/\"}]}")
                #expect(offRoll.errorField == "marks[0].upn")
                #expect(try await f.call(.GET, "/api/v1/registers/2025-09-17/XX").errorField == "session")
                #expect(try await f.call(.GET, "/api/v1/registers/2025-13-01/AM").errorField == "date")
            }
        }

        @Test(
            "after the register closes a change needs office access and a reason; every change is an amendment, in order",
            arguments: Backend.available)
        func amendments(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: 8, minute: 50)!)) { f in
                // Taken by the teacher while open.
                let first = try await f.call(
                    .POST, "/api/v1/registers/2025-09-09/AM", as: .teacher,
                    json: "{\"form\": \"RA\", \"marks\": [{\"upn\": \"\(Self.mia)\", \"code\": \"N\"}]}")
                #expect(first.status == .ok, "\(first.text)")
                // A teacher may not register another form.
                let other = try await f.call(
                    .POST, "/api/v1/registers/2025-09-09/AM", as: .teacher,
                    json: "{\"marks\": [{\"upn\": \"\(Self.danny)\", \"code\": \"/\"}]}")
                #expect(other.status == .forbidden)
            }
            try await withRollbook(b, at: FixedClock(date: day("2025-09-09"), time: TimeOfDay(hour: 10, minute: 0)!)) { f in
                _ = try await f.store.record(
                    [
                        MarkWrite(
                            pupilID: try await f.store.pupil(schoolID: f.schoolID, upn: Self.mia)!.id!,
                            mark: Mark(date: day("2025-09-09"), session: .am, code: .n))
                    ],
                    by: Actor(name: "Class Teacher", position: "Teacher"), at: "2025-09-09T08:50:00+01:00")
                let teacher = try await f.call(
                    .POST, "/api/v1/registers/2025-09-09/AM", as: .teacher,
                    json: "{\"marks\": [{\"upn\": \"\(Self.mia)\", \"code\": \"I\", \"reason\": \"mum rang\"}]}")
                #expect(teacher.status == .forbidden)
                let noReason = try await f.call(
                    .POST, "/api/v1/registers/2025-09-09/AM", as: .office,
                    json: "{\"marks\": [{\"upn\": \"\(Self.mia)\", \"code\": \"I\"}]}")
                #expect(noReason.status == .unprocessableEntity)
                #expect(noReason.errorField == "marks[0].reason")
                let ok = try await f.call(
                    .POST, "/api/v1/registers/2025-09-09/AM", as: .office,
                    json: "{\"marks\": [{\"upn\": \"\(Self.mia)\", \"code\": \"I\", \"reason\": \"Mother phoned: illness\"}]}")
                #expect(ok.object["amended"] as? Int == 1)
                let same = try await f.call(
                    .POST, "/api/v1/registers/2025-09-09/AM", as: .office,
                    json: "{\"marks\": [{\"upn\": \"\(Self.mia)\", \"code\": \"I\"}]}")
                #expect(same.object["unchanged"] as? Int == 1)
                _ = try await f.call(
                    .POST, "/api/v1/registers/2025-09-09/AM", as: .head,
                    json: "{\"marks\": [{\"upn\": \"\(Self.mia)\", \"code\": \"M\", \"reason\": \"appointment letter seen\"}]}")
                let marks = try await f.call(.GET, "/api/v1/pupils/\(Self.mia)/marks?from=2025-09-09&to=2025-09-09").array
                #expect(marks.count == 1)
                #expect(marks.first?["code"] as? String == "M")
                let am = marks.first?["amendments"] as? [[String: Any]] ?? []
                #expect(am.map { $0["original_code"] as? String } == ["N", "I"])
                #expect(am.map { $0["new_code"] as? String } == ["I", "M"])
                #expect(am.map { $0["reason"] as? String } == ["Mother phoned: illness", "appointment letter seen"])
                #expect(am.map { $0["by_name"] as? String } == ["Office Person", "Head Person"])
                #expect(am.map { $0["by_position"] as? String } == ["Office", "Head"])
                #expect(am.allSatisfy { ($0["amended_at"] as? String)?.hasPrefix("2025-09-09T10:00") == true })
            }
        }

        @Test("statistics over the API agree with the worked example", arguments: Backend.available)
        func statistics(_ b: Backend) async throws {
            try await withRollbook(b, tinyMarks: true) { f in
                let perPupil = try await f.call(.GET, "/api/v1/statistics/pupils?from=2025-09-01&to=2025-09-30")
                let expected =
                    try JSONSerialization.jsonObject(with: Data(try Fixture.text("expected_report_2025-09-01_2025-09-30.json").utf8))
                    as! [[String: Any]]
                #expect(NSArray(array: perPupil.array).isEqual(to: expected), "\(perPupil.text)")
                let csv = try await f.call(.GET, "/api/v1/statistics/pupils?from=2025-09-01&to=2025-09-30&format=csv")
                #expect(csv.text.hasPrefix("upn,possible_sessions,present_sessions"))
                #expect(csv.text.contains("A100000000001,19,11,1,2,5,0.6316,0.3684,0.1053,0.2632,true,false"))
                let school = try await f.call(.GET, "/api/v1/statistics?from=2025-09-01&to=2025-09-30").object
                let sessions = school["sessions"] as? [String: Any] ?? [:]
                #expect(sessions["possible_sessions"] as? Int == 44)
                #expect(sessions["present_sessions"] as? Int == 28)
                #expect(school["persistent_absence_pupils"] as? Int == 3)
                #expect(school["severe_absence_pupils"] as? Int == 0)
                let reception = try await f.call(.GET, "/api/v1/statistics?from=2025-09-01&to=2025-09-30&year_group=R").object
                #expect((reception["sessions"] as? [String: Any])?["possible_sessions"] as? Int == 19)
                let pupil = try await f.call(.GET, "/api/v1/pupils/\(Self.mia)/statistics?from=2025-09-01&to=2025-09-30").object
                #expect(pupil["persistent_absence"] as? Bool == true)
                #expect((pupil["codes"] as? [String: Int])?["G"] == 2)
                let bad = try await f.call(.GET, "/api/v1/statistics?from=2025-09-30&to=2025-09-01")
                #expect(bad.errorField == "to")
            }
        }

        @Test("N marks are overdue after 5 school days", arguments: Backend.available)
        func overdue(_ b: Backend) async throws {
            try await withRollbook(b, tinyMarks: true) { f in
                // Mia's N is on Thu 18 Sept; the term ends Fri 19 Sept, so no later school day exists.
                #expect(try await f.call(.GET, "/api/v1/marks/overdue?as_of=2025-09-19").array.isEmpty)
                let id = try await f.store.pupil(schoolID: f.schoolID, upn: Self.danny)!.id!
                _ = try await f.store.record(
                    [MarkWrite(pupilID: id, mark: Mark(date: day("2025-09-03"), session: .pm, code: .n), reason: "test")],
                    by: Actor(name: "T", position: "Office"), at: "x")
                // 3 Sept PM: school days after it: 4, 5, 8, 9, 10 (5) then 11 (6): 12 Sept is closed.
                #expect(try await f.call(.GET, "/api/v1/marks/overdue?as_of=2025-09-10").array.isEmpty)
                let due = try await f.call(.GET, "/api/v1/marks/overdue?as_of=2025-09-11").array
                #expect(due.map { $0["upn"] as? String } == [Self.danny])
                #expect(due.first?["date"] as? String == "2025-09-03")
            }
        }

        @Test("admission and deletion: validated, never hard-deleted, history kept", arguments: Backend.available)
        func admissionRegister(_ b: Backend) async throws {
            try await withRollbook(b, tinyMarks: true) { f in
                let body = """
                    {"upn": "B200000000009", "legal_surname": "Adeyemi", "legal_forename": "Tobi", "date_of_birth": "2019-05-02", "sex": "M",
                     "year_group": "1", "form": "1A", "starting_day": "2025-09-15",
                     "contacts": [{"priority": 1, "name": "Ada Adeyemi", "relationship": "Mother", "parental_responsibility": true,
                                   "lives_with": true, "phone": "07700 900200", "email": "ada@example.org"}]}
                    """
                #expect(try await f.call(.POST, "/api/v1/pupils", as: .teacher, json: body).status == .forbidden)
                let created = try await f.call(.POST, "/api/v1/pupils", as: .attendanceLead, json: body)
                #expect(created.status == .created, "\(created.text)")
                #expect(try await f.call(.POST, "/api/v1/pupils", as: .attendanceLead, json: body).status == .conflict)
                let badUPN = try await f.call(
                    .POST, "/api/v1/pupils", as: .head, json: body.replacingOccurrences(of: "B200000000009", with: "123"))
                #expect(badUPN.errorField == "upn")
                let missing = try await f.call(.POST, "/api/v1/pupils", as: .head, json: "{\"upn\": \"B200000000010\"}")
                #expect(missing.status == .badRequest)
                #expect(missing.errorField == "legal_surname")
                #expect(try await f.call(.GET, "/api/v1/pupils").array.count == 4)

                let badGround = try await f.call(
                    .POST, "/api/v1/pupils/\(Self.mia)/deletion", as: .head,
                    json: "{\"ground\": \"bored\", \"leaving_day\": \"2025-09-19\"}")
                #expect(badGround.errorField == "ground")
                let deleted = try await f.call(
                    .POST, "/api/v1/pupils/\(Self.mia)/deletion", as: .head,
                    json: "{\"ground\": \"transferred_to_another_school\", \"leaving_day\": \"2025-09-16\"}")
                #expect(deleted.status == .ok, "\(deleted.text)")
                let p = try await f.call(.GET, "/api/v1/pupils/\(Self.mia)").object["pupil"] as? [String: Any]
                #expect(p?["leaving_day"] as? String == "2025-09-16")
                #expect(p?["deletion_ground"] as? String == "transferred_to_another_school")
                // Marks after leaving are kept but no longer counted.
                #expect(try await f.call(.GET, "/api/v1/pupils/\(Self.mia)/marks?from=2025-09-01&to=2025-09-30").array.count == 23)
                let s = try await f.call(.GET, "/api/v1/pupils/\(Self.mia)/statistics?from=2025-09-01&to=2025-09-30").object
                // 5, 8-11, 15 and 16 Sept: 3-4 Sept were closed for reception and 12 Sept for everyone.
                #expect((s["sessions"] as? [String: Any])?["possible_sessions"] as? Int == 14)
                #expect(
                    try await f.call(.GET, "/api/v1/pupils?on_roll_on=2025-09-17").array.map { $0["upn"] as? String }.contains(Self.mia)
                        == false)
            }
        }

        @Test("lesson registers: kept apart from AM/PM, all or nothing, changes audited as lesson:NAME", arguments: Backend.available)
        func lessons(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: day("2025-09-10"), time: TimeOfDay(hour: 11, minute: 0)!)) { f in
                let bad = try await f.call(
                    .POST, "/api/v1/lessons/2025-09-10/P2", as: .office,
                    json: """
                        {"marks": [{"upn": "\(Self.danny)", "code": "/"}, {"upn": "\(Self.zofia)", "code": "L", "minutes_late": -1}]}
                        """)
                #expect(bad.errorField == "marks[1].minutes_late")
                #expect(try await f.call(.GET, "/api/v1/lessons/2025-09-10/P2").array.isEmpty)
                let ok = try await f.call(
                    .POST, "/api/v1/lessons/2025-09-10/P2", as: .office,
                    json: """
                        {"marks": [{"upn": "\(Self.danny)", "code": "/"}, {"upn": "\(Self.zofia)", "code": "L", "minutes_late": 7}]}
                        """)
                #expect(ok.object["created"] as? Int == 2, "\(ok.text)")
                // Same day: a correction without a reason is allowed and audited.
                let fix = try await f.call(
                    .POST, "/api/v1/lessons/2025-09-10/P2", as: .office,
                    json: "{\"marks\": [{\"upn\": \"\(Self.danny)\", \"code\": \"N\"}]}")
                #expect(fix.object["amended"] as? Int == 1)
                let lines =
                    (try await f.call(.GET, "/api/v1/lessons/2025-09-10/P2?year_group=6").object["pupils"] as? [[String: Any]]) ?? []
                #expect(lines.first?["code"] as? String == "L")
                #expect(lines.first?["minutes_late"] as? Int == 7)
                // The AM/PM register is untouched.
                let am = (try await f.call(.GET, "/api/v1/registers/2025-09-10/AM").object["pupils"] as? [[String: Any]]) ?? []
                #expect(am.allSatisfy { $0["code"] == nil })
                let id = try await f.store.pupil(schoolID: f.schoolID, upn: Self.danny)!.id!
                #expect(
                    try await f.store.amendments(pupilID: id).map { "\($0.session) \($0.originalCode)>\($0.newCode)" } == ["lesson:P2 />N"])
                // Closed day.
                #expect(
                    try await f.call(
                        .POST, "/api/v1/lessons/2025-09-12/P2", as: .office,
                        json: "{\"marks\": [{\"upn\": \"\(Self.zofia)\", \"code\": \"/\"}]}"
                    ).errorField == "date")
            }
            try await withRollbook(b, at: FixedClock(date: day("2025-09-11"), time: TimeOfDay(hour: 9, minute: 0)!)) { f in
                let id = try await f.store.pupil(schoolID: f.schoolID, upn: Self.zofia)!.id!
                _ = try await f.store.recordLessonMarks(
                    [LessonMarkWrite(pupilID: id, date: day("2025-09-10"), lesson: "P2", code: .presentAM)],
                    by: Actor(name: "T", position: "Teacher"), at: "x")
                let later = try await f.call(
                    .POST, "/api/v1/lessons/2025-09-10/P2", as: .office,
                    json: "{\"marks\": [{\"upn\": \"\(Self.zofia)\", \"code\": \"O\"}]}")
                #expect(later.errorField == "marks[0].reason")
            }
        }

        @Test("the OpenAPI document lists every API route", arguments: [Backend.sqlite])
        func openAPICoversRoutes(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let doc = try await f.call(.GET, "/api/openapi.json", as: nil)
                #expect(doc.status == .ok)
                let paths = doc.object["paths"] as? [String: [String: Any]] ?? [:]
                let routes = f.app.routes.all.filter { $0.path.first?.description == "api" }
                #expect(!routes.isEmpty)
                for r in routes {
                    let path =
                        "/"
                        + r.path.map { c -> String in
                            if case .parameter(let name) = c { return "{\(name)}" }
                            return c.description
                        }.joined(separator: "/")
                    #expect(
                        paths[path]?[r.method.rawValue.lowercased()] != nil, "\(r.method.rawValue) \(path) is missing from openapi.json")
                }
                // Every kind of action the rules propose is one the contract names.
                let schemas = (doc.object["components"] as? [String: Any])?["schemas"] as? [String: Any]
                let due = (schemas?["DueAction"] as? [String: Any])?["properties"] as? [String: Any]
                let kinds = (due?["kind"] as? [String: Any])?["enum"] as? [String]
                #expect(Set(kinds ?? []) == Set(DueAction.Kind.allCases.map(\.rawValue)))
            }
        }
    }
}
