import FluentKit
import Foundation
import RollbookCore
import SQLKit
import Testing

@testable import RollbookServer
@testable import RollbookStore

extension ServerTests {
    @Suite("Change feed") struct ChangeFeedTests {
        static let mia = "A100000000001", danny = "A100000000002"

        /// The feed as the API gives it from `since`, as `role`.
        func feed(_ f: Fixture, since: String = "", limit: Int? = nil, as role: Role = .head) async throws -> (
            changes: [[String: Any]], next: String, more: Bool
        ) {
            var query = since.isEmpty ? [] : ["since=\(since)"]
            if let limit { query.append("limit=\(limit)") }
            let path = "/api/v1/changes" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
            let r = try await f.call(.GET, path, as: role)
            #expect(r.status == .ok, "\(r.text)")
            return (r.object["changes"] as? [[String: Any]] ?? [], r.object["next"] as? String ?? "", r.object["more"] as? Bool ?? true)
        }

        @Test(
            "every kind of change (marks, pupils, contacts, casework) appears once, in commit order, with a cursor to go on from",
            arguments: Backend.available)
        func everyKindOnce(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                // The fixture's admissions are in the feed already: three pupils, then Mia's contact list.
                let start = try await feed(f)
                #expect(
                    start.changes.map { "\($0["kind"]!) \($0["operation"]!)" } == [
                        "pupil created", "pupil created", "pupil created", "contact replaced",
                    ])
                #expect(start.more == false && start.next == start.changes.last?["cursor"] as? String)

                // A register, an amendment, a pupil's details with new contacts, a casework entry.
                let reg = try await f.call(
                    .POST, "/api/v1/registers/2025-09-09/AM", as: .office,
                    json: #"{"form": "RA", "marks": [{"upn": "\#(Self.mia)", "code": "/"}, {"upn": "\#(Self.danny)", "code": "N"}]}"#)
                #expect(reg.status == .ok, "\(reg.text)")
                let amend = try await f.call(
                    .POST, "/api/v1/registers/2025-09-09/AM", as: .office,
                    json: #"{"form": "RA", "marks": [{"upn": "\#(Self.danny)", "code": "I", "reason": "Mother phoned: ill"}]}"#)
                #expect(amend.status == .ok, "\(amend.text)")
                _ = try await f.store.updateRegisterDetails(
                    schoolID: f.schoolID, upn: Self.danny, { $0.house = "Kestrel" },
                    contacts: [
                        Contact(
                            priority: 1, name: "Jo Marsh", relationship: "Carer", parentalResponsibility: true, livesWith: true,
                            phone: "07700 900201", email: "jo@example.org")
                    ])
                let danny = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.danny))
                try await f.store.addCasework(
                    CaseworkRow(
                        pupilID: danny.id!, kind: .call, actionKey: nil, happenedOn: day("2025-09-09"), summary: "Called home",
                        recordedAt: "2025-09-09T10:00:00Z", by: Actor(name: "Lee Park", position: "Attendance lead")))

                let page = try await feed(f, since: start.next)
                #expect(
                    page.changes.map { "\($0["kind"]!) \($0["operation"]!) \($0["key"]!)" } == [
                        "mark created \(Self.mia)/2025-09-09/AM", "mark created \(Self.danny)/2025-09-09/AM",
                        "mark amended \(Self.danny)/2025-09-09/AM", "pupil updated \(Self.danny)", "contact replaced \(Self.danny)",
                        "casework created \(try #require(try await f.store.casework(pupilID: danny.id!).first?.id))",
                    ])
                let values = page.changes.map { $0["value"] as? [String: Any] ?? [:] }
                #expect(values[2]["code"] as? String == "I" && values[2]["previous_code"] as? String == "N")
                #expect(values[0]["previous_code"] is NSNull && values[0]["recorded_by"] as? String == "Office Person")
                #expect(values[3]["house"] as? String == "Kestrel")
                #expect((values[4]["contacts"] as? [[String: Any]])?.map { $0["name"] as? String } == ["Jo Marsh"])
                #expect(values[5]["summary"] as? String == "Called home" && values[5]["kind"] as? String == "call")
                // Marks written through the API carry the server's (injected) clock.
                #expect(page.changes[0]["committed_at"] as? String == "2025-09-09T08:50:00Z")
                #expect(page.changes.map { $0["upn"] as? String } == [Self.mia] + Array(repeating: Self.danny, count: 5))
                #expect(page.more == false && page.next == page.changes.last?["cursor"] as? String)

                // Nothing new: the same cursor back, no changes.
                let after = try await feed(f, since: page.next)
                #expect(after.changes.isEmpty && after.next == page.next && after.more == false)

                // Pages of two join up to the same list, each change once.
                var cursor = start.next
                var keys: [String] = []
                var pages = 0
                while true {
                    let p = try await feed(f, since: cursor, limit: 2)
                    keys += p.changes.map { "\($0["cursor"]!)" }
                    cursor = p.next
                    pages += 1
                    if !p.more { break }
                }
                #expect(keys == page.changes.map { "\($0["cursor"]!)" } && pages == 3)

                // The office reads marks, pupils and contacts, not casework.
                let office = try await feed(f, since: start.next, as: .office)
                #expect(office.changes.map { $0["kind"] as? String } == ["mark", "mark", "mark", "pupil", "contact"])
            }
        }

        @Test("a cursor Rollbook did not make, or a limit out of range, is refused with 400 naming it", arguments: Backend.available)
        func badCursor(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                for since in ["", "abc", "v1.1", "v2.0.1", "v1.-1.2", "v1.1.2.3", "v1.99999999999999999999.1"] {
                    let r = try await f.call(.GET, "/api/v1/changes?since=\(since)", as: .office)
                    #expect(r.status == .badRequest && r.errorField == "since", "\(since): \(r.text)")
                }
                for limit in ["0", "5001", "ten"] {
                    let r = try await f.call(.GET, "/api/v1/changes?limit=\(limit)", as: .office)
                    #expect(r.status == .badRequest && r.errorField == "limit", "\(limit): \(r.text)")
                }
                #expect(try await f.call(.GET, "/api/v1/changes?limit=5000", as: .office).status == .ok)
            }
        }

        @Test("values written by hand are JSON: the PM present code's backslash, quotes, new lines and control characters")
        func quoting() throws {
            for text in ["\\", "\"", "a\nb\tc\r", "\u{01}", "Zoë O'Neill", "lesson:P3 9x/Ma1"] {
                let json = "{\"v\":\(Change.quoted(text))}"
                let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String]
                #expect(parsed?["v"] == text, "\(json)")
            }
        }

        struct Boom: Error {}

        @Test("a write that rolls back leaves no change in the feed; the one that commits leaves its own", arguments: Backend.available)
        func rolledBack(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let store = f.store
                let before = try await store.changes(schoolID: f.schoolID, since: .start, limit: 5000)
                let schoolID = f.schoolID
                await #expect(throws: Boom.self) {
                    try await store.write { db in
                        let p = try #require(try await PupilRow.query(on: db).filter(\.$upn == Self.mia).first())
                        p.form = "ZZ"
                        try await p.update(on: db)
                        _ = try await Store.record(
                            [Store.Entry(MarkWrite(pupilID: p.id!, mark: Mark(date: day("2025-09-09"), session: .am, code: .presentAM)))],
                            in: .sessions, by: Actor(name: "Sam", position: "Office"), at: "2025-09-09T08:50:00Z", on: db)
                        try await Store.recordChanges(
                            [Change(kind: .casework, operation: "created", schoolID: schoolID, upn: Self.mia, key: "x", value: "{}")],
                            at: nil,
                            on: db)
                        throw Boom()
                    }
                }
                let after = try await store.changes(schoolID: f.schoolID, since: before.next, limit: 5000)
                #expect(after.changes.isEmpty)
                #expect(try await store.pupil(schoolID: f.schoolID, upn: Self.mia)?.form != "ZZ")
                // The same write, committed: three changes.
                try await store.write { db in
                    let p = try #require(try await PupilRow.query(on: db).filter(\.$upn == Self.mia).first())
                    p.form = "ZZ"
                    try await p.update(on: db)
                    _ = try await Store.record(
                        [Store.Entry(MarkWrite(pupilID: p.id!, mark: Mark(date: day("2025-09-09"), session: .am, code: .presentAM)))],
                        in: .sessions, by: Actor(name: "Sam", position: "Office"), at: "2025-09-09T08:50:00Z", on: db)
                }
                let committed = try await store.changes(schoolID: f.schoolID, since: before.next, limit: 5000)
                #expect(committed.changes.map(\.kind) == [.pupil, .mark])
            }
        }

        /// A database opened twice, as two Rollbook instances would: two connection pools, one school.
        static func twoInstances(_ b: Backend) async throws -> (StandaloneDatabase, StandaloneDatabase, Int, cleanup: () -> Void) {
            let location: DatabaseLocation
            var file: String?
            switch b {
            case .sqlite:
                file = FileManager.default.temporaryDirectory.appendingPathComponent("rollbook-feed-\(UUID().uuidString).sqlite").path
                location = .sqlite(path: file!)
            case .postgres:
                location = .postgres(url: Backend.postgresURL!)
                let admin = try await StandaloneDatabase(location, migrate: false)
                try await admin.store.dropAllTables()
                await admin.shutdown()
            }
            let one = try await StandaloneDatabase(location)
            let two = try await StandaloneDatabase(location, migrate: false)
            let school = try await one.store.createSchool(name: "Feed School", times: .standard)
            return (
                one, two, school.id!,
                {
                    if let file { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + s) } }
                }
            )
        }

        /// A transaction as another instance runs it: on PostgreSQL each instance has its own write gate, so two
        /// instances' transactions run at once; SQLite has one writer whatever the instance.
        static func transaction(_ b: Backend, _ store: Store, _ body: @escaping @Sendable (any Database) async throws -> Void) async throws
        {
            switch b {
            case .sqlite: try await store.write(body)
            case .postgres: try await store.db.transaction { try await body($0) }
            }
        }

        @Test(
            "two writers and a polling reader over 10,000 changes: every change read once, none missed, in cursor order",
            arguments: Backend.available)
        func twoWritersOneReader(_ b: Backend) async throws {
            let (one, two, schoolID, cleanup) = try await Self.twoInstances(b)
            defer { cleanup() }
            // 2 instances x 4 concurrent tasks x 125 transactions x 10 changes.
            let tasks = 4
            let transactions = 125
            let perTransaction = 10
            let writing = ManagedAtomicFlag()
            try await withThrowingTaskGroup(of: [String].self) { group in
                for (w, db) in [one, two].enumerated() {
                    for t in 0..<tasks {
                        group.addTask {
                            for n in 0..<transactions {
                                try await Self.transaction(b, db.store) { tx in
                                    for i in 0..<perTransaction {
                                        let key = "w\(w)-t\(t)-n\(n)-i\(i)"
                                        try await Store.recordChanges(
                                            [
                                                Change(
                                                    kind: .mark, operation: "created", schoolID: schoolID, upn: "A100000000001", key: key,
                                                    value: "{}")
                                            ],
                                            at: "2025-09-09T09:00:00Z", on: tx)
                                        // Hold the transaction open a little, so commits overtake each other.
                                        if i == perTransaction / 2 { await Task.yield() }
                                    }
                                }
                            }
                            return []
                        }
                    }
                }
                // The reader polls while they write, and once more after they finish.
                group.addTask {
                    var cursor = ChangeCursor.start
                    var seen: [String] = []
                    var last: ChangeCursor?
                    while true {
                        let finished = writing.isDone
                        let page = try await one.store.changes(schoolID: schoolID, since: cursor, limit: 500)
                        for c in page.changes {
                            if let l = last { #expect(c.cursor.xid > l.xid || (c.cursor.xid == l.xid && c.cursor.id > l.id)) }
                            last = c.cursor
                            seen.append(c.key)
                        }
                        cursor = page.next
                        if finished && !page.more && page.changes.isEmpty { break }
                        if page.changes.isEmpty { try await Task.sleep(nanoseconds: 1_000_000) }
                    }
                    return seen
                }
                var written = 0
                var seen: [String] = []
                for try await keys in group {
                    if keys.isEmpty {
                        written += 1
                        if written == 2 * tasks { writing.done() }
                    } else {
                        seen = keys
                    }
                }
                let expected = Set(
                    (0..<2).flatMap { w in
                        (0..<tasks).flatMap { t in
                            (0..<transactions).flatMap { n in (0..<perTransaction).map { "w\(w)-t\(t)-n\(n)-i\($0)" } }
                        }
                    })
                #expect(expected.count == 10_000)
                #expect(seen.count == 10_000, "duplicates or gaps: read \(seen.count)")
                let missing = expected.subtracting(seen)
                #expect(missing.isEmpty, "missed \(missing.count), e.g. \(missing.sorted().prefix(3))")
            }
            await one.shutdown()
            await two.shutdown()
        }

        @Test(
            "PostgreSQL: a change committed while an older transaction is still writing waits for it, so the older is never skipped",
            .enabled(if: Backend.postgresURL != nil))
        func olderTransactionNotSkipped() async throws {
            let (one, two, schoolID, cleanup) = try await Self.twoInstances(.postgres)
            defer { cleanup() }
            let older = Change(kind: .pupil, operation: "updated", schoolID: schoolID, upn: "A100000000001", key: "older", value: "{}")
            let newer = Change(kind: .pupil, operation: "updated", schoolID: schoolID, upn: "A100000000001", key: "newer", value: "{}")
            let (inserted, insertedGo) = AsyncStream.makeStream(of: Void.self)
            let (release, releaseGo) = AsyncStream.makeStream(of: Void.self)
            // A: writes first (the older transaction), then waits, still open.
            let a = Task {
                try await one.store.db.transaction { tx in
                    try await Store.recordChanges([older], at: nil, on: tx)
                    insertedGo.yield()
                    for await _ in release { break }
                }
            }
            for await _ in inserted { break }
            // B: writes and commits while A is open.
            try await two.store.db.transaction { tx in try await Store.recordChanges([newer], at: nil, on: tx) }
            let early = try await one.store.changes(schoolID: schoolID, since: .start)
            #expect(early.changes.isEmpty, "the newer change must wait for the older transaction")
            releaseGo.yield()
            try await a.value
            let late = try await one.store.changes(schoolID: schoolID, since: early.next)
            #expect(late.changes.map(\.key) == ["older", "newer"])
            await one.shutdown()
            await two.shutdown()
        }
    }
}

/// Set once the writers have finished.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isDone: Bool { lock.withLock { value } }
    func done() { lock.withLock { value = true } }
}
