import Foundation
import RollbookCore
import RollbookStore
import SQLKit
import Testing

@testable import RollbookServer

extension ServerTests {
    @Suite("Webhooks") struct WebhookTests {
        static let mia = "A100000000001", danny = "A100000000002"

        func deliveries(_ f: Fixture) async throws -> [(event: String, payload: [String: Any])] {
            let rows = try await (f.app.db as! any SQLDatabase).select().columns("event", "payload").from("webhook_deliveries").orderBy(
                "id"
            ).all()
            return try rows.map { r in
                (
                    try r.decode(column: "event", as: String.self),
                    try JSONSerialization.jsonObject(with: Data(try r.decode(column: "payload", as: String.self).utf8)) as! [String: Any]
                )
            }
        }

        @Test(
            "a register submission queues mark.changed and register.taken in its own transaction; a refused one queues nothing",
            arguments: Backend.available)
        func events(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let created = try await f.call(
                    .POST, "/api/v1/webhooks", as: .head,
                    json: #"{"url": "https://hooks.example.org/rollbook", "events": ["mark.changed", "register.taken"]}"#)
                #expect(created.status == .created, "\(created.text)")
                #expect((created.object["secret"] as? String)?.count ?? 0 >= 40)
                // Nothing subscribed to action.due: the daily job's actions are not queued for this subscription.
                let r = try await f.call(
                    .POST, "/api/v1/registers/2025-09-09/AM", as: .office,
                    json: """
                        {"form": "RA", "marks": [{"upn": "\(Self.mia)", "code": "/"}, {"upn": "\(Self.danny)", "code": "N"}]}
                        """)
                #expect(r.status == .ok, "\(r.text)")
                var d = try await deliveries(f)
                #expect(d.map(\.event) == ["mark.changed", "register.taken"])
                let marks = d[0].payload["marks"] as? [[String: Any]] ?? []
                #expect(Set(marks.map { "\($0["upn"]!) \($0["code"]!)" }) == ["\(Self.mia) /", "\(Self.danny) N"])
                #expect(
                    marks.allSatisfy {
                        $0["previous_code"] is NSNull && $0["date"] as? String == "2025-09-09" && $0["session"] as? String == "AM"
                    })
                #expect(
                    d[1].payload["form"] as? String == "RA" && d[1].payload["pupils"] as? Int == 2 && d[1].payload["absent"] as? Int == 1)
                #expect(d[1].payload["school_id"] as? Int == f.schoolID && d[1].payload["event"] as? String == "register.taken")

                // An amendment reports the previous code; an unchanged resubmission reports the register only.
                _ = try await f.call(
                    .POST, "/api/v1/registers/2025-09-09/AM", as: .office,
                    json: """
                        {"form": "RA", "marks": [{"upn": "\(Self.danny)", "code": "I", "reason": "Mother phoned: ill"}]}
                        """)
                _ = try await f.call(
                    .POST, "/api/v1/registers/2025-09-09/AM", as: .office,
                    json: """
                        {"form": "RA", "marks": [{"upn": "\(Self.danny)", "code": "I"}]}
                        """)
                d = try await deliveries(f)
                #expect(d.map(\.event) == ["mark.changed", "register.taken", "mark.changed", "register.taken", "register.taken"])
                let amended = (d[2].payload["marks"] as? [[String: Any]])?.first
                #expect(amended?["code"] as? String == "I" && amended?["previous_code"] as? String == "N")

                // A submission refused for bad input queues nothing.
                let bad = try await f.call(
                    .POST, "/api/v1/registers/2025-09-09/AM", as: .office,
                    json: """
                        {"marks": [{"upn": "\(Self.mia)", "code": "QQ"}]}
                        """)
                #expect(bad.status == .unprocessableEntity)
                #expect(try await deliveries(f).count == 5)

                // Stopped: no more deliveries, and queued ones are cancelled.
                let id = try #require(created.object["id"] as? Int)
                #expect(try await f.call(.DELETE, "/api/v1/webhooks/\(id)", as: .head).status == .noContent)
                _ = try await f.call(
                    .POST, "/api/v1/registers/2025-09-09/PM", as: .office,
                    json: """
                        {"marks": [{"upn": "\(Self.mia)", "code": "/"}]}
                        """)
                let states = try await (f.app.db as! any SQLDatabase).select().column("state").from("webhook_deliveries").all()
                    .map { try $0.decode(column: "state", as: String.self) }
                #expect(states == Array(repeating: "cancelled", count: 5))
            }
        }

        @Test("subscribing: errors name the field; only the attendance lead and head manage webhooks, and only their school's")
        func validation() async throws {
            try await withRollbook(.sqlite) { f in
                func post(_ json: String, as role: Role = .head) async throws -> Reply {
                    try await f.call(.POST, "/api/v1/webhooks", as: role, json: json)
                }
                let plain = try await post(#"{"url": "http://hooks.example.org/x", "events": ["mark.changed"]}"#)
                #expect(plain.status == .unprocessableEntity && plain.errorField == "url")
                #expect(try await post(#"{"events": ["mark.changed"]}"#).errorField == "url")
                #expect(try await post(#"{"url": "https://hooks.example.org/x", "events": []}"#).errorField == "events")
                let unknown = try await post(#"{"url": "https://hooks.example.org/x", "events": ["mark.changed", "pupil.deleted"]}"#)
                #expect(unknown.errorField == "events[1]" && unknown.errorReason.contains("pupil.deleted"))
                #expect(try await post(#"{"url": "http://127.0.0.1:9/x", "events": ["action.due"]}"#).status == .created)
                for inside in [
                    "https://10.1.2.3/x", "https://169.254.169.254/latest", "https://192.168.0.10/", "https://[fd00::1]/x",
                    "https://127.0.0.1/x",
                ] {
                    let r = try await post(#"{"url": "\#(inside)", "events": ["action.due"]}"#)
                    #expect(r.status == .unprocessableEntity && r.errorField == "url", "\(inside)")
                }
                #expect(
                    try await post(#"{"url": "https://hooks.example.org/x", "events": ["action.due"]}"#, as: .office).status == .forbidden)
                #expect(try await f.call(.GET, "/api/v1/webhooks", as: .teacher).status == .forbidden)
                let list = try await f.call(.GET, "/api/v1/webhooks", as: .attendanceLead)
                #expect(list.array.count == 1 && list.array[0]["secret"] == nil)
                #expect(try await f.call(.DELETE, "/api/v1/webhooks/999", as: .head).status == .notFound)
                #expect(try await f.call(.GET, "/api/v1/webhooks/999/deliveries", as: .head).status == .notFound)
            }
        }

        @Test("the signature is HMAC-SHA256 of the timestamp and the body")
        func signature() {
            // Worked with Python: hmac.new(b"s3cret", b"1700000000.{}", hashlib.sha256).hexdigest()
            #expect(
                WebhookSender.signature(secret: "s3cret", timestamp: 1_700_000_000, body: "{}")
                    == "t=1700000000,v1=97926816e98fbb41ccb1673225ff29a2f35369099990e1b1561651e7bd097ebf")
        }
    }
}
