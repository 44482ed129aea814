import FluentKit
import Foundation
import NIOCore
import RollbookCore
import RollbookStore
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

// Every route x every role, sent for real: AccessTable.swift holds the expected outcomes, the route list comes from
// the application, and a route without a row (or a row without a route) fails. Everyone here is fictional.

/// One caller: a session cookie and its form token (pages), a bearer token (the API), or nothing.
private struct Caller {
    var cookie: String?
    var csrf: String?
    var bearer: String?
}

private func send(_ f: Fixture, _ method: HTTPMethod, _ path: String, as c: Caller, form: [(String, String)]? = nil) async throws -> Reply {
    var headers = HTTPHeaders()
    if let cookie = c.cookie { headers.add(name: .cookie, value: cookie) }
    var body: ByteBuffer?
    if path.hasPrefix("/api/v1/") {
        if let b = c.bearer { headers.add(name: .authorization, value: "Bearer \(b)") }
        if method != .GET {
            headers.contentType = .json
            body = ByteBuffer(string: "{}")
        }
    } else if method != .GET {
        // A valid form token and nothing else: the outcome is about who may, not about the form.
        let fields = form ?? (c.csrf.map { [("csrf", $0)] } ?? [])
        headers.contentType = .urlEncodedForm
        body = ByteBuffer(
            string: fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&"))
    }
    let res = try await f.app.testing().sendRequest(method, path, headers: headers, body: body)
    return Reply(status: res.status, headers: res.headers, text: res.body.string)
}

private func formToken(_ r: Reply) -> String? {
    guard let range = r.text.range(of: #"name="csrf" value="[^"]+""#, options: .regularExpression) else { return nil }
    return String(r.text[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
}

private func setCookie(_ r: Reply) -> String? { r.headers.first(name: .setCookie)?.split(separator: ";").first.map(String.init) }

private let parentEmail = "rosa@example.org"
private let pupilEmail = "mia@pupils.example.org"
private let parentPassword = "heron-lantern-57"

/// Signs `who` in as a browser would: the staff form or the parents' form; anonymous gets a session with a form token.
private func signIn(_ f: Fixture, _ who: Who) async throws -> Caller {
    switch who {
    case .anonymous:
        let home = try await send(f, .GET, "/", as: Caller())
        return Caller(cookie: setCookie(home), csrf: formToken(home))
    case .parent:
        let page = try await send(f, .GET, "/parent/sign-in", as: Caller())
        let token: String = try #require(formToken(page))
        let first: String = try #require(setCookie(page))
        let ok = try await send(
            f, .POST, "/parent/sign-in", as: Caller(cookie: first),
            form: [("csrf", token), ("email", parentEmail), ("password", parentPassword)])
        try #require(ok.status == .seeOther, "parent sign-in: \(ok.status)")
        let cookie = try #require(setCookie(ok))
        let home = try await send(f, .GET, "/parent", as: Caller(cookie: cookie))
        let csrf: String = try #require(formToken(home))
        return Caller(cookie: cookie, csrf: csrf)
    case .pupil:
        let page = try await send(f, .GET, "/pupil/sign-in", as: Caller())
        let token: String = try #require(formToken(page))
        let first: String = try #require(setCookie(page))
        let ok = try await send(
            f, .POST, "/pupil/sign-in", as: Caller(cookie: first),
            form: [("csrf", token), ("email", pupilEmail), ("password", parentPassword)])
        try #require(ok.status == .seeOther, "pupil sign-in: \(ok.status)")
        let cookie = try #require(setCookie(ok))
        let home = try await send(f, .GET, "/pupil", as: Caller(cookie: cookie))
        let csrf: String = try #require(formToken(home))
        return Caller(cookie: cookie, csrf: csrf)
    default:
        let role = try #require(Role(rawValue: who.rawValue))
        let home = try await send(f, .GET, "/", as: Caller())
        let token: String = try #require(formToken(home))
        let first: String = try #require(setCookie(home))
        let ok = try await send(
            f, .POST, "/sign-in", as: Caller(cookie: first),
            form: [("csrf", token), ("email", "\(role.rawValue)@tiny.example.org"), ("password", "correct horse")])
        try #require(ok.status == .seeOther, "\(who) sign-in: \(ok.status)")
        let cookie = try #require(setCookie(ok))
        let today = try await send(f, .GET, "/today", as: Caller(cookie: cookie))
        let csrf: String = try #require(formToken(today))
        return Caller(cookie: cookie, csrf: csrf, bearer: f.token(role))
    }
}

/// Whether a reply is the outcome expected.
private func matches(_ o: Outcome, _ r: Reply) -> Bool {
    let location = r.headers.first(name: .location) ?? ""
    let staffSignIn = r.status == .seeOther && (location == "/" || location.hasPrefix("/?next="))
    let parentSignIn = r.status == .seeOther && location == "/parent/sign-in"
    let pupilSignIn = r.status == .seeOther && location == "/pupil/sign-in"
    switch o {
    case .ok: return r.status == .ok
    case .allowed:
        return !staffSignIn && !parentSignIn && !pupilSignIn && ![.unauthorized, .forbidden, .notFound].contains(r.status)
            && r.status.code < 500
    case .redirect(let to): return r.status == .seeOther && location == to
    case .signIn: return staffSignIn
    case .parentSignIn: return parentSignIn
    case .pupilSignIn: return pupilSignIn
    case .unauthorized: return r.status == .unauthorized
    case .forbidden: return r.status == .forbidden
    case .notFound: return r.status == .notFound
    }
}

/// The real records each route's parameters name.
private struct Values {
    static let mia = "A100000000001"  // form RA, the teacher's; Rosa Fielding's child
    static let zofia = "A100000000003"  // form 6A; another family's
    static let elsewhere = "C100000000001"  // a pupil of another school
    static let date = "2025-09-09"
    var leaveID = 0, documentID = 0, reportID = 0, caseworkID = 0, webhookID = 0, evidenceID = 0
    var invitation = "", reply = "", pupilInvitation = ""
    var rollCallID = 0
    var missingIncidentID = 0
    var permissionID = 0
    var serviceAccountID = 0
    var patternID = 0
    var importJobID = ""
    /// Another school's records, by `segment/parameter` (`leave/id`): no one here may reach them.
    var foreign: [String: String] = [:]

    /// The value of `:name` in `path` (after the segment `after`) for a pupil `upn`; nil for a parameter this test does not know.
    func value(_ name: String, after: String, upn: String, foreignRecords: Bool = false) -> String? {
        if foreignRecords, let id = foreign["\(after)/\(name)"] { return id }
        return switch (after, name) {
        case (_, "upn"): upn
        case (_, "date"): Self.date
        case (_, "session"): "AM"
        case (_, "lesson"): "P1 RA"
        case (_, "priority"): "1"
        case ("versions", "from"): "2025-09-01"
        case ("leave", "id"): String(leaveID)
        case ("documents", "doc"): String(documentID)
        case ("reports", "id"): String(reportID)
        case ("casework", "id"): String(caseworkID)
        case ("evidence", "id"): String(evidenceID)
        case ("webhooks", "id"): String(webhookID)
        case ("letters", "id"): "concern"
        case ("invitation", "token"): invitation
        case ("pupil-invitation", "token"): pupilInvitation
        case ("reply", "token"): reply
        case ("lesson-alerts", "id"): "1"
        case ("roll-calls", "id"): String(rollCallID)
        case ("missing-incidents", "id"): String(missingIncidentID)
        case ("permissions", "id"): String(permissionID)
        case ("service-accounts", "id"): String(serviceAccountID)
        case ("patterns", "id"): String(patternID)
        case ("jobs", "id"): importJobID
        default: nil
        }
    }

    /// Sets up what the routes name: a parent account, a contact to invite, an invitation, a reply link, a parent's
    /// report, a leave request with a document, a letter, a policy version, the school's CTF numbers, a webhook, another
    /// school's pupil.
    static func prepare(_ f: Fixture) async throws -> Values {
        var v = Values()
        let now = FixedClock(date: day(date), time: TimeOfDay(hour: 8, minute: 50)!).now()
        let office = Actor(name: "Office Person", position: "Office")
        let miaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: mia)?.id)
        let zofiaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: zofia)?.id)

        let rosa = try await f.store.inviteParent(
            schoolID: f.schoolID, email: parentEmail, name: "Rosa Fielding",
            tokenHash: APIToken.hash(APIToken.generate()), expiresAt: "2025-09-23T08:00:00Z", by: office,
            at: "2025-09-08T08:00:00Z")
        try await f.store.activateParent(id: rosa.id!, passwordHash: try Bcrypt.hash(parentPassword, cost: 4), at: "2025-09-08T08:05:00Z")
        try await ContactRow(
            pupilID: zofiaID,
            contact: Contact(
                priority: 1, name: "Piotr Nowak", relationship: "Father", parentalResponsibility: true,
                livesWith: true, phone: "07700 900301", email: "piotr.nowak@example.org")
        ).create(on: f.app.db)
        v.invitation = APIToken.generate()
        _ = try await f.store.inviteParent(
            schoolID: f.schoolID, email: "ada.marsh@example.org", name: "Ada Marsh", tokenHash: APIToken.hash(v.invitation),
            expiresAt: "2025-09-23T08:00:00Z", by: office, at: "2025-09-08T08:00:00Z")

        // Mia's own tracker account, and Zofia's invitation still outstanding.
        let miaAccount = try await f.store.invitePupil(
            schoolID: f.schoolID, pupilID: miaID, email: pupilEmail, tokenHash: APIToken.hash(APIToken.generate()),
            expiresAt: "2025-09-23T08:00:00Z", by: office, at: "2025-09-08T08:00:00Z")
        try await f.store.activatePupilAccount(
            id: miaAccount.id!, passwordHash: try Bcrypt.hash(parentPassword, cost: 4), at: "2025-09-08T08:05:00Z")
        v.pupilInvitation = APIToken.generate()
        _ = try await f.store.invitePupil(
            schoolID: f.schoolID, pupilID: zofiaID, email: "zofia@pupils.example.org", tokenHash: APIToken.hash(v.pupilInvitation),
            expiresAt: "2025-09-23T08:00:00Z", by: office, at: "2025-09-08T08:00:00Z")

        v.reply = APIToken.generate()
        let link = ReplyLinkRow()
        link.tokenHash = APIToken.hash(v.reply)
        link.pupilID = miaID
        link.date = date
        link.contactName = "Rosa Fielding"
        link.expiresAt = OutboxTime.string(now.instant.addingTimeInterval(24 * 3600))
        try await f.store.addReplyLink(link)

        try await f.store.addAbsenceReport(
            AbsenceReporting.reportRow(
                pupilID: miaID, by: "Rosa Fielding", via: "portal", from: day(date), to: day(date),
                sessions: "both", category: .medical, note: "Dentist", back: nil,
                at: "2025-09-09T07:30:00Z"))
        v.reportID = try #require(try await f.store.absenceReports(pupilID: miaID).first?.id)

        let request = LeaveRequestRow()
        request.pupilID = miaID
        request.parentID = rosa.id
        request.requestedBy = "Rosa Fielding"
        request.state = .pending
        request.request = LeaveRequestRow.json(
            LeaveRequest(
                from: day("2025-09-22"), to: day("2025-09-23"), requestedOn: day("2025-09-08"),
                exceptional: true, reason: "A family funeral"))
        request.createdAt = "2025-09-08T09:00:00Z"
        let document = LeaveDocumentRow()
        document.filename = "letter.txt"
        document.contentType = "text/plain"
        document.data = Data("Order of service".utf8)
        document.uploadedAt = "2025-09-08T09:00:00Z"
        try await f.store.addLeaveRequest(request, documents: [document])
        v.leaveID = try #require(try await f.store.leaveRequests(pupilID: miaID).first?.id)
        v.documentID = try #require(try await f.store.leaveDocuments(requestID: v.leaveID).first?.id)

        try await f.store.addCasework(
            CaseworkRow(
                pupilID: zofiaID, kind: .letterSent, actionKey: nil, happenedOn: day("2025-09-08"),
                summary: "First letter", document: "<p>Dear Piotr Nowak,</p>", recordedAt: "2025-09-08T10:00:00Z",
                by: Actor(name: "Attendance lead Person", position: "Attendance lead")))
        v.caseworkID = try #require(try await f.store.casework(pupilID: zofiaID).first?.id)
        try await f.store.recordEvidence(
            CaseworkRow(
                pupilID: zofiaID, kind: .evidenceReceived, actionKey: nil, happenedOn: day("2025-09-08"),
                summary: "Appointment card", sessions: [(day("2025-09-08"), .am)], recordedAt: "2025-09-08T11:00:00Z",
                by: Actor(name: "Piotr Nowak", position: "Parent or carer")),
            documents: [EvidenceDocumentRow(filename: "card.pdf", contentType: "application/pdf", data: Data("%PDF".utf8), uploadedAt: "t")]
        )
        let evidenceEntry = try #require(try await f.store.casework(pupilID: zofiaID).first { $0.caseworkKind == .evidenceReceived }?.id)
        v.evidenceID = try #require(try await f.store.evidenceDocuments(caseworkIDs: [evidenceEntry])[evidenceEntry]?.first?.id)

        var policy = try await f.store.policy(schoolID: f.schoolID, on: day(date))
        policy.effectiveFrom = day("2025-09-01")
        policy.name = "Tiny Test School attendance policy"
        _ = try await f.store.savePolicy(
            schoolID: f.schoolID, policy, document: String(decoding: PolicyFile.encode(policy), as: UTF8.self),
            by: Actor(name: "Head Person", position: "Head"), at: "2025-09-01T08:00:00Z")

        try await f.store.setCTFNumbers(schoolID: f.schoolID, la: "999", estab: "9001")
        v.webhookID = try await f.store.createWebhook(
            schoolID: f.schoolID, url: "https://hooks.example.org/rollbook", events: [.markChanged],
            secret: "a-shared-secret", by: "Head Person", at: "2025-09-01T08:00:00Z")

        let other = try await f.store.createSchool(name: "Far Hill School", times: Fixture.times)
        try await f.store.savePupils(
            schoolID: other.id!,
            [
                PupilRecord(
                    upn: elsewhere, legalSurname: "Moor", legalForename: "Noah", dateOfBirth: day("2016-05-01"),
                    sex: "M", yearGroup: "4", form: "4F", startingDay: day("2025-09-03"))
            ],
            yearGroupYear: AcademicYear(startYear: 2025))
        // Far Hill's own report, leave request with a document, letter and webhook.
        let noahID = try #require(try await f.store.pupil(schoolID: other.id!, upn: elsewhere)?.id)
        try await f.store.addAbsenceReport(
            AbsenceReporting.reportRow(
                pupilID: noahID, by: "Lena Moor", via: "portal", from: day(date), to: day(date),
                sessions: "both", category: .medical, note: "Fever", back: nil,
                at: "2025-09-09T07:40:00Z"))
        v.foreign["reports/id"] = String(try #require(try await f.store.absenceReports(pupilID: noahID).first?.id))
        let theirs = LeaveRequestRow()
        theirs.pupilID = noahID
        theirs.requestedBy = "Lena Moor"
        theirs.state = .pending
        theirs.createdAt = "2025-09-08T09:30:00Z"
        theirs.request = LeaveRequestRow.json(
            LeaveRequest(
                from: day("2025-09-22"), to: day("2025-09-22"), requestedOn: day("2025-09-08"),
                exceptional: true, reason: "A hospital appointment"))
        let card = LeaveDocumentRow()
        card.filename = "card.txt"
        card.contentType = "text/plain"
        card.data = Data("Appointment card".utf8)
        card.uploadedAt = "2025-09-08T09:30:00Z"
        try await f.store.addLeaveRequest(theirs, documents: [card])
        let theirLeave = try #require(try await f.store.leaveRequests(pupilID: noahID).first?.id)
        v.foreign["leave/id"] = String(theirLeave)
        v.foreign["documents/doc"] = String(try #require(try await f.store.leaveDocuments(requestID: theirLeave).first?.id))
        try await f.store.addCasework(
            CaseworkRow(
                pupilID: noahID, kind: .letterSent, actionKey: nil, happenedOn: day("2025-09-08"),
                summary: "First letter", document: "<p>Dear Lena Moor,</p>", recordedAt: "2025-09-08T10:00:00Z",
                by: Actor(name: "Far Hill Lead", position: "Attendance lead")))
        v.foreign["casework/id"] = String(try #require(try await f.store.casework(pupilID: noahID).first?.id))
        try await f.store.recordEvidence(
            CaseworkRow(
                pupilID: noahID, kind: .evidenceReceived, actionKey: nil, happenedOn: day("2025-09-08"), summary: "Their card",
                recordedAt: "2025-09-08T11:00:00Z", by: Actor(name: "Lena Moor", position: "Parent or carer")),
            documents: [
                EvidenceDocumentRow(filename: "theirs.pdf", contentType: "application/pdf", data: Data("%PDF".utf8), uploadedAt: "t")
            ])
        let theirEntry = try #require(try await f.store.casework(pupilID: noahID).first { $0.caseworkKind == .evidenceReceived }?.id)
        v.foreign["evidence/id"] = String(
            try #require(try await f.store.evidenceDocuments(caseworkIDs: [theirEntry])[theirEntry]?.first?.id))
        v.foreign["webhooks/id"] = String(
            try await f.store.createWebhook(
                schoolID: other.id!, url: "https://hooks.example.org/far-hill",
                events: [.markChanged], secret: "another-secret", by: "Far Hill Head",
                at: "2025-09-01T08:00:00Z"))
        // A timetable with the lesson `P1 RA` (Mia's form, the teacher's) every day.
        let timetable = (1...5).map { "period,\($0),P1,09:00,10:00,,,,,\nlesson,\($0),P1,,,RA,,teacher@tiny.example.org,R1," }
        if case .success(let t) = TimetableCSV.read(
            file: "timetable.csv",
            text: TimetableCSV.header.joined(separator: ",") + "\n" + timetable.joined(separator: "\n")
                + "\nmember,,,,,RA,class,,,\(mia)\n",
            effectiveFrom: day("2025-09-08"), cycleStart: day("2025-09-08"), cycleDays: 5)
        {
            _ = try await f.store.saveTimetable(schoolID: f.schoolID, t, filename: "timetable.csv", by: office, at: "2025-09-08T08:00:00Z")
        } else {
            Issue.record("the access table's timetable did not read")
        }
        // A guided import finished here, and one of another school's.
        v.importJobID = f.app.importJobs.start(schoolID: f.schoolID, kind: .contacts, fileName: "contacts.csv", rows: 0) { _ in "done" }
        v.foreign["jobs/id"] = f.app.importJobs.start(schoolID: other.id!, kind: .contacts, fileName: "contacts.csv", rows: 0) { _ in
            "done"
        }
        // An evacuation roll call of Mia and Zofia, and another school's.
        v.rollCallID = try await f.store.startRollCall(
            schoolID: f.schoolID, date: day(date), grouping: .form,
            pupils: [
                RollCall.Pupil(upn: mia, name: "Mia", form: "RA", assemblyPoint: "RA"),
                RollCall.Pupil(upn: zofia, name: "Zofia", form: "6A", assemblyPoint: "6A"),
            ], by: office, at: "2025-09-09T10:00:00Z"
        ).id!
        v.foreign["roll-calls/id"] = String(
            try await f.store.startRollCall(
                schoolID: other.id!, date: day(date), grouping: .form, pupils: [], by: office, at: "2025-09-09T10:00:00Z"
            ).id!)
        // Mia missing from the site, and a pupil of another school missing there.
        v.missingIncidentID = try await f.store.startMissingIncident(
            schoolID: f.schoolID, pupilID: miaID, date: day(date), at: TimeOfDay(hour: 8, minute: 40)!, by: office
        ).id!
        v.foreign["missing-incidents/id"] = String(
            try await f.store.startMissingIncident(
                schoolID: other.id!, pupilID: noahID, date: day(date), at: TimeOfDay(hour: 8, minute: 40)!, by: office
            ).id!)
        // Zofia may walk home alone (her parents' letter).
        let walks = PupilPermissionRow(
            pupilID: zofiaID,
            permission: PupilPermission(
                kind: .walkHomeAlone, form: .written, validFrom: day("2025-09-08"), recordedBy: "Office Person, Office",
                recordedAt: "2025-09-08T08:00:00Z"))
        try await f.store.addPermission(walks)
        v.permissionID = try #require(walks.id)
        // A collector's service account (issue 18), and another school's.
        v.serviceAccountID = try #require(
            try await createServiceToken(
                store: f.store, schoolID: f.schoolID, name: "LA attendance team", scope: "daily-feed", by: "Head Person",
                now: "2025-09-01T08:00:00Z"
            ).account.id)
        v.foreign["service-accounts/id"] = String(
            try #require(
                try await createServiceToken(
                    store: f.store, schoolID: other.id!, name: "Far Hill trust", scope: "daily-feed", by: "Far Hill Head",
                    now: "2025-09-01T08:00:00Z"
                ).account.id))
        // Zofia is at alternative provision every Tuesday afternoon (issue 18).
        let pattern = RecurringPatternRow(
            schoolID: f.schoolID, pupilID: zofiaID,
            pattern: RecurringPattern(weekdays: [2], sessions: [.pm], code: .k, from: day("2025-09-09")), note: "Riverside Centre",
            by: office, at: "2025-09-08T08:00:00Z")
        try await f.store.addPattern(pattern)
        v.patternID = try #require(pattern.id)
        return v
    }
}

extension ServerTests {
    @Suite("Access table: every route x every role") struct AccessTableTests {
        static func name(_ r: Route) -> String { "\(r.method.rawValue) /" + r.path.map(\.description).joined(separator: "/") }

        @Test("every route has exactly one row, and every row a route", arguments: Backend.available)
        func everyRouteHasARow(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let routes = Set(f.app.routes.all.map(Self.name))
                let rows = AccessTable.rows.map(\.route)
                for r in routes.sorted() where !rows.contains(r) {
                    Issue.record(
                        "\(r) has no row in AccessTable.swift: add one with the outcome for each of \(Who.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                for r in rows where !routes.contains(r) { Issue.record("AccessTable.swift has a row for \(r), which is not a route") }
                for (r, n) in Dictionary(grouping: rows, by: { $0 }) where n.count > 1 { Issue.record("\(r) has \(n.count) rows") }
                for row in AccessTable.rows where Set(row.expected.keys) != Set(Who.allCases) { Issue.record("\(row.route) lacks a role") }
            }
        }

        @Test(
            "each role gets the table's outcome on every route; teachers their own form's pupils; parents 404 for another family's child; nobody another school's pupil or records",
            arguments: Backend.available)
        func everyCell(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let v = try await Values.prepare(f)
                let routes = Dictionary(f.app.routes.all.map { (Self.name($0), $0) }, uniquingKeysWith: { a, _ in a })
                var callers: [Who: Caller] = [:]
                for w in Who.allCases { callers[w] = try await signIn(f, w) }
                var cells = 0

                func path(_ row: AccessRow, upn: String, foreignRecords: Bool = false) -> String? {
                    let parts = row.path.split(separator: "/").map(String.init)
                    var out: [String] = []
                    for p in parts {
                        guard p.hasPrefix(":") else {
                            out.append(p)
                            continue
                        }
                        // `/pupil/invitation/:token` is the pupil's invitation, not a parent's.
                        let after = out == ["pupil", "invitation"] ? "pupil-invitation" : out.last ?? ""
                        guard let value = v.value(String(p.dropFirst()), after: after, upn: upn, foreignRecords: foreignRecords)
                        else {
                            Issue.record("\(row.route): no value for \(p); add one to Values.value in AccessTableTests.swift")
                            return nil
                        }
                        out.append(value.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? value)
                    }
                    return "/" + out.joined(separator: "/")
                }
                func check(_ row: AccessRow, _ who: Who, upn: String, _ expected: [Outcome], _ what: String, foreignRecords: Bool = false)
                    async throws
                {
                    guard let p = path(row, upn: upn, foreignRecords: foreignRecords) else { return }
                    let reply = try await send(f, HTTPMethod(rawValue: row.method), p, as: callers[who]!)
                    cells += 1
                    // A governor sees figures, never a pupil's name (the API's description has made-up examples).
                    if who == .governor && row.route != "GET /api/openapi.json" {
                        for name in ["Fielding", "Okafor", "Nowak", "Zofia", "Moor"] {
                            #expect(!reply.text.contains(name), "\(row.route) shows a governor \(name)")
                        }
                    }
                    #expect(
                        expected.contains { matches($0, reply) },
                        "\(row.route) as \(who)\(what) (\(p)): expected \(expected.map(\.description).joined(separator: " or ")), got \(reply.status.code)\(reply.headers.first(name: .location).map { " to \($0)" } ?? "")"
                    )
                    if row.endsSession { callers[who] = try await signIn(f, who) }
                }

                for row in AccessTable.rows where routes[row.route] != nil {
                    let parentRoute = row.path.hasPrefix("/parent/")
                    let upn = parentRoute ? Values.mia : Values.zofia
                    for who in Who.allCases { try await check(row, who, upn: upn, [row.expected[who]!], "") }
                    // Another school's report, leave request, document, letter or webhook: refused or not found, for everyone.
                    let segments = row.path.split(separator: "/").map(String.init)
                    if zip(segments, segments.dropFirst()).contains(where: { v.foreign["\($0)/\($1.dropFirst())"] != nil }) {
                        for who in Who.allCases where who.isStaff {
                            try await check(row, who, upn: upn, [.forbidden, .notFound], ", another school's record", foreignRecords: true)
                        }
                    }
                    guard row.path.contains(":upn") else { continue }
                    if parentRoute {
                        try await check(row, .parent, upn: Values.zofia, [.notFound], ", another family's child")
                        continue
                    }
                    try await check(row, .teacher, upn: Values.mia, [row.ownForm ?? row.expected[.teacher]!], ", own form's pupil")
                    for who in Who.allCases where who.isStaff {
                        let e = row.expected[who]!
                        let elsewhere: [Outcome] =
                            row.acrossSchools.contains(who) ? [e] : e == .ok || e == .allowed ? [.notFound] : [e, .notFound]
                        try await check(row, who, upn: Values.elsewhere, elsewhere, ", another school's pupil")
                    }
                }
                let rowsChecked = AccessTable.rows.filter { routes[$0.route] != nil }.count
                print("Access table (\(b)): \(cells) cells checked over \(rowsChecked) routes and \(Who.allCases.count) roles")
                #expect(cells >= rowsChecked * Who.allCases.count)
            }
        }

        @Test(
            "a teacher's figures through the API are their own forms': another form is refused, another form's pupil has none",
            arguments: Backend.available)
        func teacherFigures(_ b: Backend) async throws {
            try await withRollbook(b, tinyMarks: true) { f in
                let range = "from=2025-09-01&to=2025-09-30"
                #expect(try await f.call(.GET, "/api/v1/statistics?\(range)&form=6A", as: .teacher).status == .forbidden)
                let other = try await f.call(.GET, "/api/v1/statistics?\(range)&upn=\(Values.zofia)", as: .teacher)
                #expect(other.status == .ok && other.object["pupils"] as? Int == 0)
                let own = try await f.call(.GET, "/api/v1/statistics?\(range)", as: .teacher).object
                let ownForm = try await f.call(.GET, "/api/v1/statistics?\(range)&form=RA", as: .office).object
                let school = try await f.call(.GET, "/api/v1/statistics?\(range)", as: .office).object
                #expect(own["pupils"] as? Int == ownForm["pupils"] as? Int && own["pupils"] as? Int == 1)
                #expect((school["pupils"] as? Int ?? 0) > 1)
            }
        }
    }
}
