import FluentKit
import Foundation
import NIOCore
import RollbookCore
import RollbookStore
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

// The parent loop: portal accounts and what they may see, absence reports, leave requests and decisions, and the
// outbox's day-1 messages with their one-time reply links. Everyone here is fictional.

// MARK: - Browsers

/// One browser: its session cookie and the form token of the pages it was shown.
private struct Browser {
    let f: Fixture
    var cookie: String
    var csrf: String

    func get(_ path: String) async throws -> Reply { try await send(f, .GET, path, cookie: cookie) }

    /// Posts a form with this browser's token.
    func post(_ path: String, _ fields: [(String, String)]) async throws -> Reply {
        try await send(f, .POST, path, cookie: cookie, form: [("csrf", csrf)] + fields)
    }
}

private let parentPassword = "heron-lantern-57"

private func send(_ f: Fixture, _ method: HTTPMethod, _ path: String, cookie: String?, form: [(String, String)]? = nil) async throws
    -> Reply
{
    var headers = HTTPHeaders()
    if let cookie { headers.add(name: .cookie, value: cookie) }
    var body: ByteBuffer?
    if let form {
        headers.contentType = .urlEncodedForm
        body = ByteBuffer(
            string: form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&"))
    }
    let res = try await f.app.testing().sendRequest(method, path, headers: headers, body: body)
    return Reply(status: res.status, headers: res.headers, text: res.body.string)
}

/// A multipart/form-data body with one file.
private func multipart(_ fields: [(String, String)], file name: String, filename: String, type: String, data: Data) -> (ByteBuffer, String)
{
    let boundary = "rollbook-parent-test-boundary"
    var body = Data()
    for (k, v) in fields { body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n".utf8)) }
    body.append(
        Data(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(type)\r\n\r\n"
                .utf8))
    body.append(data)
    body.append(Data("\r\n--\(boundary)--\r\n".utf8))
    return (ByteBuffer(bytes: body), "multipart/form-data; boundary=\(boundary)")
}

/// The form token on a page.
private func formToken(_ r: Reply) -> String? {
    firstMatch(#"name="csrf" value="([^"]+)""#, in: r.text)
}

/// The session cookie a response sets.
private func setCookie(_ r: Reply) -> String? { r.headers.first(name: .setCookie)?.split(separator: ";").first.map(String.init) }

private func location(_ r: Reply) -> String? { r.headers.first(name: .location) }

/// The first capture group of `pattern` in `text`.
private func firstMatch(_ pattern: String, in text: String) -> String? { allMatches(pattern, in: text).first }

private func allMatches(_ pattern: String, in text: String) -> [String] {
    let re = try! NSRegularExpression(pattern: pattern)
    return re.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { m in
        Range(m.range(at: 1), in: text).map { String(text[$0]) }
    }
}

/// Signs a staff member in (the fixture's `ROLE@tiny.example.org`).
private func staff(_ f: Fixture, _ role: Role) async throws -> Browser {
    let home = try await send(f, .GET, "/", cookie: nil)
    let token = try #require(formToken(home))
    let cookie = try #require(setCookie(home))
    let ok = try await send(
        f, .POST, "/sign-in", cookie: cookie,
        form: [("csrf", token), ("email", "\(role.rawValue)@tiny.example.org"), ("password", "correct horse")])
    #expect(ok.status == .seeOther)
    let session = try #require(setCookie(ok))
    let page = try await send(f, .GET, "/today", cookie: session)
    return Browser(f: f, cookie: session, csrf: try #require(formToken(page)))
}

/// Signs a parent in through the portal's sign-in form.
private func parent(_ f: Fixture, _ email: String, password: String = parentPassword) async throws -> Browser {
    let page = try await send(f, .GET, "/parent/sign-in", cookie: nil)
    let token = try #require(formToken(page))
    let cookie = try #require(setCookie(page))
    let ok = try await send(f, .POST, "/parent/sign-in", cookie: cookie, form: [("csrf", token), ("email", email), ("password", password)])
    #expect(ok.status == .seeOther && location(ok) == "/parent", "\(ok.status) \(ok.text)")
    let session = try #require(setCookie(ok))
    let home = try await send(f, .GET, "/parent", cookie: session)
    #expect(home.status == .ok)
    return Browser(f: f, cookie: session, csrf: try #require(formToken(home)))
}

/// An activated parent account, as if the invitation had been accepted.
@discardableResult
private func makeParent(_ f: Fixture, email: String, name: String) async throws -> ParentAccountRow {
    let row = try await f.store.inviteParent(
        schoolID: f.schoolID, email: email, name: name, tokenHash: APIToken.hash(APIToken.generate()),
        expiresAt: "2025-09-23T08:00:00Z", by: Actor(name: "Office Person", position: "Office"),
        at: "2025-09-08T08:00:00Z")
    try await f.store.activateParent(id: row.id!, passwordHash: try Bcrypt.hash(parentPassword, cost: 4), at: "2025-09-08T08:05:00Z")
    return row
}

private func pupilID(_ f: Fixture, _ upn: String) async throws -> Int {
    try #require(try await f.store.pupil(schoolID: f.schoolID, upn: upn)?.id)
}

private func addContact(_ f: Fixture, _ pupilID: Int, _ c: Contact) async throws {
    try await ContactRow(pupilID: pupilID, contact: c).create(on: f.app.db)
}

/// A pupil's marks as "date session code", in date order.
private func marks(_ f: Fixture, _ pupilID: Int) async throws -> [String] {
    try await f.store.marks(pupilID: pupilID).map { "\($0.date) \($0.session) \($0.code)" }.sorted()
}

/// The tiny example's calendar with the autumn half term running on to 24 October and an INSET day on Friday 26 September.
private func longerTerm(_ f: Fixture) async throws {
    let csv = """
        start,end,kind,year_groups
        2025-09-03,2025-10-24,term,
        2025-09-03,2025-09-04,closure,R
        2025-09-12,2025-09-12,closure,
        2025-09-17,2025-09-17,closure_pm,
        2025-09-26,2025-09-26,inset,

        """
    try await f.store.replaceCalendar(schoolID: f.schoolID, entries: try Interchange.readCalendar(file: "calendar.csv", text: csv))
}

private let office = Actor(name: "Office Person", position: "Office")

// MARK: - Transports

/// Every message handed to a transport, in order.
private actor SendLog {
    private(set) var sent: [OutgoingMessage] = []
    func add(_ m: OutgoingMessage) { sent.append(m) }
    var recipients: [String] { sent.map(\.recipient) }
}

/// A transport that records what it is given and fails for some recipients.
private struct RecordingTransport: MessageTransport {
    let log: SendLog
    var failures: [String: DeliveryError] = [:]
    func send(_ m: OutgoingMessage) async throws -> DeliveryOutcome {
        await log.add(m)
        if let e = failures[m.recipient] { throw e }
        return .sent(providerID: "250 2.0.0 Ok: queued as \(m.id)")
    }
}

// MARK: - A school morning for the day-1 messages

/// Year 6 pupils for the day-1 tests, each with their AM mark on Tuesday 9 September 2025.
private enum Morning {
    static let date = day("2025-09-09")
    static func at(_ hour: Int, _ minute: Int) -> SchoolNow { FixedClock(date: date, time: TimeOfDay(hour: hour, minute: minute)!).now() }

    static let amara = "B100000000001"  // N; first contact has no email, second does, third too
    static let bilal = "B100000000002"  // N; two contacts with email
    static let cora = "B100000000003"  // V (trip)
    static let dev = "B100000000004"  // L
    static let esme = "B100000000005"  // U
    static let finn = "B100000000006"  // D
    static let gus = "B100000000007"  // C
    static let hana = "B100000000008"  // N, a parent's report covering the day
    static let ivo = "B100000000009"  // N, a parent's report for the afternoon only
    static let jude = "B100000000010"  // N, no contact with an email
    static let kit = "B100000000011"  // N, a report that the office declined

    static func contact(_ priority: Int, _ name: String, _ relationship: String, pr: Bool = true, email: String) -> Contact {
        Contact(
            priority: priority, name: name, relationship: relationship, parentalResponsibility: pr, livesWith: true,
            phone: "07700 9002\(String(format: "%02d", priority))", email: email)
    }

    static let pupils: [(upn: String, forename: String, surname: String, code: AttendanceCode, contacts: [Contact])] = [
        (
            amara, "Amara", "Quill", .n,
            [
                contact(1, "Lena Quill", "Mother", email: ""), contact(2, "Owen Quill", "Father", email: "owen.quill@example.org"),
                contact(3, "Pia Quill", "Aunt", pr: false, email: "pia.quill@example.org"),
            ]
        ),
        (
            bilal, "Bilal", "Hart", .n,
            [
                contact(1, "Sana Hart", "Mother", email: "sana.hart@example.org"),
                contact(2, "Idris Hart", "Father", email: "idris.hart@example.org"),
            ]
        ),
        (cora, "Cora", "Vale", .v, [contact(1, "Mina Vale", "Mother", email: "mina.vale@example.org")]),
        (dev, "Dev", "Lark", .late, [contact(1, "Ravi Lark", "Father", email: "ravi.lark@example.org")]),
        (esme, "Esme", "Rook", .u, [contact(1, "Jo Rook", "Mother", email: "jo.rook@example.org")]),
        (finn, "Finn", "Moss", .d, [contact(1, "Ada Moss", "Mother", email: "ada.moss@example.org")]),
        (gus, "Gus", "Pike", .c, [contact(1, "Lou Pike", "Father", email: "lou.pike@example.org")]),
        (hana, "Hana", "Reed", .n, [contact(1, "Eve Reed", "Mother", email: "eve.reed@example.org")]),
        (ivo, "Ivo", "Teal", .n, [contact(1, "Zara Teal", "Mother", email: "zara.teal@example.org")]),
        (jude, "Jude", "Wren", .n, [contact(1, "Sam Wren", "Father", email: "")]),
        (kit, "Kit", "Ash", .n, [contact(1, "Mo Ash", "Mother", email: "mo.ash@example.org")]),
    ]

    /// Admits the pupils, records their AM marks and the parents' reports; returns pupil ids by UPN.
    static func setUp(_ f: Fixture) async throws -> [String: Int] {
        let records = pupils.map { p in
            PupilRecord(
                upn: p.upn, legalSurname: p.surname, legalForename: p.forename, dateOfBirth: day("2014-10-01"), sex: "F", yearGroup: "6",
                form: "6A", startingDay: day("2025-09-03"), contacts: p.contacts)
        }
        try await f.store.savePupils(schoolID: f.schoolID, records, yearGroupYear: AcademicYear(startYear: 2025))
        var ids: [String: Int] = [:]
        for p in pupils { ids[p.upn] = try await pupilID(f, p.upn) }
        let writes = pupils.map { p in
            MarkWrite(
                pupilID: ids[p.upn]!,
                mark: Mark(
                    date: date, session: .am, code: p.code,
                    minutesLate: p.code == .late ? 10 : p.code == .u ? 25 : nil))
        }
        _ = try await f.store.record(writes, by: Actor(name: "Teacher Person", position: "Teacher"), at: "2025-09-09T09:00:00Z")
        try await f.store.addAbsenceReport(report(ids[hana]!, by: "Eve Reed", sessions: "both"))
        try await f.store.addAbsenceReport(report(ids[ivo]!, by: "Zara Teal", sessions: "pm"))
        let declined = report(ids[kit]!, by: "Mo Ash", sessions: "both")
        declined.state = .declined
        try await f.store.addAbsenceReport(declined)
        return ids
    }

    static func report(_ pupilID: Int, by: String, sessions: String) -> AbsenceReportRow {
        AbsenceReporting.reportRow(
            pupilID: pupilID, by: by, via: "portal", from: date, to: date, sessions: sessions, category: .medical,
            note: "Dentist", back: nil, at: "2025-09-09T07:30:00Z")
    }

    static func dayOne(_ f: Fixture) async throws -> [OutboxRow] {
        try await f.store.outbox(schoolID: f.schoolID).filter { $0.template == MessageTemplate.dayOneAbsence.rawValue }.sorted {
            $0.id! < $1.id!
        }
    }
}

extension ServerTests {
    @Suite("Parents: accounts, reports, leave and messages") struct ParentTests {
        static let mia = "A100000000001"  // reception, form RA; Rosa and Tom Fielding have parental responsibility
        static let danny = "A100000000002"  // year 5, leaves 10 Sept
        static let zofia = "A100000000003"  // year 6, starts 8 Sept

        // MARK: Accounts and scoping

        @Test(
            "a parent sees exactly the children whose contact with parental responsibility has their email, in any case; not where that contact lacks it, nor another school's",
            arguments: Backend.available)
        func ownChildren(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                try await addContact(
                    f, try await pupilID(f, Self.zofia),
                    Contact(
                        priority: 1, name: "Rosa Fielding", relationship: "Stepmother",
                        parentalResponsibility: true, livesWith: true, phone: "07700 900101",
                        email: "ROSA@Example.ORG"))
                try await addContact(
                    f, try await pupilID(f, Self.danny),
                    Contact(
                        priority: 1, name: "Rosa Fielding", relationship: "Family friend",
                        parentalResponsibility: false, livesWith: false, phone: "07700 900101",
                        email: "rosa@example.org"))
                let other = try await f.store.createSchool(name: "Far Hill School", times: Fixture.times)
                try await f.store.savePupils(
                    schoolID: other.id!,
                    [
                        PupilRecord(
                            upn: "C100000000001", legalSurname: "Fielding", legalForename: "Noah", dateOfBirth: day("2016-05-01"), sex: "M",
                            yearGroup: "4",
                            form: "4F", startingDay: day("2025-09-03"),
                            contacts: [
                                Contact(
                                    priority: 1, name: "Rosa Fielding", relationship: "Mother", parentalResponsibility: true,
                                    livesWith: true,
                                    phone: "07700 900101", email: "rosa@example.org")
                            ])
                    ], yearGroupYear: AcademicYear(startYear: 2025))
                let account = try await makeParent(f, email: "Rosa@Example.org", name: "Rosa Fielding")
                #expect(account.email == "rosa@example.org")
                #expect(Set(try await f.store.children(of: account, on: day("2025-09-09")).map(\.upn)) == [Self.mia, Self.zofia])
                let rosa = try await parent(f, "ROSA@example.org")
                let home = try await rosa.get("/parent")
                #expect(Set(allMatches(#"href="/parent/children/([A-Z0-9]{13})""#, in: home.text)) == [Self.mia, Self.zofia])
                #expect(home.text.contains("Mia Fielding") && home.text.contains("Zofia Nowak"))
                #expect(!home.text.contains("Danny") && !home.text.contains("Noah"))
                #expect(try await rosa.get("/parent/children/\(Self.mia)").status == .ok)
                #expect(try await rosa.get("/parent/children/\(Self.zofia)").status == .ok)
                #expect(try await rosa.get("/parent/children/\(Self.danny)").status == .notFound)
                #expect(try await rosa.get("/parent/children/C100000000001").status == .notFound)
                // Tom has parental responsibility for Mia only.
                try await makeParent(f, email: "tom@example.org", name: "Tom Fielding")
                let tom = try await parent(f, "tom@example.org")
                #expect(Set(allMatches(#"href="/parent/children/([A-Z0-9]{13})""#, in: try await tom.get("/parent").text)) == [Self.mia])
                let page = try await send(f, .GET, "/parent/sign-in", cookie: nil)
                let pageCookie = try #require(setCookie(page))
                let pageToken = try #require(formToken(page))
                let wrong = try await send(
                    f, .POST, "/parent/sign-in", cookie: pageCookie,
                    form: [("csrf", pageToken), ("email", "rosa@example.org"), ("password", "not her password")])
                #expect(wrong.status == .unauthorized)
            }
        }

        @Test(
            "every child-scoped parent URL with another family's child is 404 and says nothing about the child; staff and parent sessions stay on their own side",
            arguments: Backend.available)
        func otherFamiliesChildren(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let zofiaID = try await pupilID(f, Self.zofia)
                let miaID = try await pupilID(f, Self.mia)
                try await addContact(
                    f, zofiaID,
                    Contact(
                        priority: 1, name: "Nadia Nowak", relationship: "Mother", parentalResponsibility: true,
                        livesWith: true, phone: "07700 900301", email: "nadia@example.org"))
                try await makeParent(f, email: "rosa@example.org", name: "Rosa Fielding")
                try await makeParent(f, email: "nadia@example.org", name: "Nadia Nowak")
                let rosa = try await parent(f, "rosa@example.org")
                let routes = f.app.routes.all.filter { r in
                    let p = r.path.map(\.description)
                    return p.count >= 3 && p[0] == "parent" && p[1] == "children" && p[2] == ":upn"
                }
                let names = Set(routes.map { "\($0.method.rawValue) /\($0.path.map(\.description).joined(separator: "/"))" })
                #expect(
                    names.isSuperset(of: [
                        "GET /parent/children/:upn", "GET /parent/children/:upn/report", "POST /parent/children/:upn/report",
                        "GET /parent/children/:upn/leave", "POST /parent/children/:upn/leave",
                    ]), "\(names.sorted())")
                // What a parent would send for their own child: each POST is valid for Mia (checked below).
                let fields = [
                    ("from", "2025-09-10"), ("to", "2025-09-10"), ("sessions", "both"), ("category", "illness"), ("note", "Fever"),
                    ("fromSession", "am"), ("toSession", "pm"), ("reason", "A family funeral"), ("exceptional", "on"),
                ]
                func request(_ r: Route, _ upn: String) async throws -> Reply {
                    let path =
                        "/" + r.path.map(\.description).map { $0 == ":upn" ? upn : $0.hasPrefix(":") ? "1" : $0 }.joined(separator: "/")
                    return r.method == .GET ? try await rosa.get(path) : try await rosa.post(path, fields)
                }
                for r in routes {
                    let theirs = try await request(r, Self.zofia)
                    let nobody = try await request(r, "A999999999999")
                    let route = "\(r.method.rawValue) \(r.path.map(\.description).joined(separator: "/"))"
                    #expect(theirs.status == .notFound, "\(route): \(theirs.status)")
                    #expect(theirs.text == nobody.text, "\(route): another family's child must look exactly like no child")
                    #expect(!theirs.text.contains("Zofia") && !theirs.text.contains("Nowak"), "\(route)")
                }
                #expect(try await f.store.absenceReports(pupilID: zofiaID).isEmpty)
                #expect(try await f.store.leaveRequests(pupilID: zofiaID).isEmpty)
                // The same routes answer for her own child.
                for r in routes where names.contains("\(r.method.rawValue) /\(r.path.map(\.description).joined(separator: "/"))") {
                    let own = try await request(r, Self.mia)
                    // Evidence needs an open request and a file: past the child check, the form itself is refused.
                    let expected: HTTPStatus =
                        r.method == .GET ? .ok : r.path.last?.description == "evidence" ? .unprocessableEntity : .seeOther
                    #expect(own.status == expected, "\(r.method.rawValue) \(r.path): \(own.status)")
                }
                #expect(try await f.store.absenceReports(pupilID: miaID).count == 1)
                #expect(try await f.store.leaveRequests(pupilID: miaID).count == 1)

                // A staff session is not a parent's, and a parent's is not staff's.
                let officeUser = try await staff(f, .office)
                for path in ["/parent", "/parent/children/\(Self.mia)", "/parent/children/\(Self.mia)/leave"] {
                    let r = try await officeUser.get(path)
                    #expect(r.status == .seeOther && location(r) == "/parent/sign-in", "\(path): \(r.status) \(location(r) ?? "")")
                }
                for path in ["/today", "/pupils/\(Self.mia)", "/reports", "/leave", "/outbox"] {
                    let r = try await rosa.get(path)
                    #expect(r.status == .seeOther && location(r) == "/", "\(path): \(r.status) \(location(r) ?? "")")
                }
                let invite = try await rosa.post("/pupils/\(Self.mia)/contacts/2/invite", [])
                #expect(invite.status == .seeOther && location(invite) == "/")
                #expect(try await f.store.outbox(schoolID: f.schoolID).isEmpty)
                #expect(try await send(f, .GET, "/api/v1/pupils", cookie: rosa.cookie).status == .unauthorized)
            }
        }

        @Test(
            "the office invites a contact with parental responsibility; the link sets a password once; a contact without it is refused",
            arguments: Backend.available)
        func invitation(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let miaID = try await pupilID(f, Self.mia)
                try await addContact(
                    f, miaID,
                    Contact(
                        priority: 3, name: "Gwen Fielding", relationship: "Grandmother", parentalResponsibility: false,
                        livesWith: false, phone: "07700 900103", email: "gwen@example.org"))
                let officeUser = try await staff(f, .office)
                let sent = try await officeUser.post("/pupils/\(Self.mia)/contacts/1/invite", [])
                #expect(sent.status == .seeOther && location(sent) == "/pupils/\(Self.mia)", "\(sent.status) \(sent.text)")
                let rows = try await f.store.outbox(schoolID: f.schoolID)
                #expect(rows.count == 1)
                let m = try #require(rows.first)
                let account = try #require(try await f.store.parentAccounts(schoolID: f.schoolID).first)
                #expect(
                    m.template == "portal_invitation" && m.channel == "email" && m.recipient == "rosa@example.org"
                        && m.recipientName == "Rosa Fielding")
                #expect(m.contactPriority == 1 && m.pupilID == miaID && m.state == "queued" && m.about == "invitation:\(account.id!)")
                #expect(m.subject == "Your account for Tiny Test School's parent portal")
                #expect(account.email == "rosa@example.org" && account.name == "Rosa Fielding" && account.passwordHash == nil)
                #expect(account.invitedBy == "Office Person, Office" && account.inviteExpiresAt == "2025-09-23T08:50:00Z")
                let token = try #require(
                    firstMatch(#"http://localhost:8080/parent/invitation/(rb_[A-Za-z0-9_-]+)\n"#, in: m.body), "\(m.body)")

                let page = try await send(f, .GET, "/parent/invitation/\(token)", cookie: nil)
                #expect(page.status == .ok && page.text.contains("Welcome, Rosa Fielding"))
                let cookie = try #require(setCookie(page))
                let csrf = try #require(formToken(page))
                let short = try await send(
                    f, .POST, "/parent/invitation/\(token)", cookie: cookie,
                    form: [("csrf", csrf), ("password", "short"), ("confirm", "short")])
                #expect(short.status == .unprocessableEntity && short.text.contains("at least 10 characters"))
                let different = try await send(
                    f, .POST, "/parent/invitation/\(token)", cookie: cookie,
                    form: [("csrf", csrf), ("password", "willow-kettle-88"), ("confirm", "willow-kettle-89")])
                #expect(different.status == .unprocessableEntity && different.text.contains("two passwords are different"))
                let set = try await send(
                    f, .POST, "/parent/invitation/\(token)", cookie: cookie,
                    form: [("csrf", csrf), ("password", "willow-kettle-88"), ("confirm", "willow-kettle-88")])
                #expect(set.status == .seeOther && location(set) == "/parent", "\(set.status) \(set.text)")
                let session = try #require(setCookie(set))
                let home = try await send(f, .GET, "/parent", cookie: session)
                #expect(home.status == .ok)
                #expect(allMatches(#"href="/parent/children/([A-Z0-9]{13})""#, in: home.text) == [Self.mia])
                let active = try #require(try await f.store.parent(id: account.id!))
                #expect(active.passwordHash != nil && active.inviteTokenHash == nil && active.inviteExpiresAt == nil)
                #expect(active.activatedAt == "2025-09-09T08:50:00Z")
                // Once only.
                #expect(try await send(f, .GET, "/parent/invitation/\(token)", cookie: nil).status == .gone)
                let again = try await send(f, .GET, "/parent/sign-in", cookie: nil)
                let againCookie = try #require(setCookie(again))
                let againToken = try #require(formToken(again))
                let reuse = try await send(
                    f, .POST, "/parent/invitation/\(token)", cookie: againCookie,
                    form: [("csrf", againToken), ("password", "taken-over-1234"), ("confirm", "taken-over-1234")])
                #expect(reuse.status == .gone)
                _ = try await parent(f, "rosa@example.org", password: "willow-kettle-88")

                // Refused: no parental responsibility, no such contact, and a teacher may not invite.
                let gwen = try await officeUser.post("/pupils/\(Self.mia)/contacts/3/invite", [])
                #expect(gwen.status == .unprocessableEntity)
                #expect(gwen.text.contains("Gwen Fielding does not have parental responsibility"), "\(gwen.text)")
                let nobody = try await officeUser.post("/pupils/\(Self.mia)/contacts/9/invite", [])
                #expect(nobody.status == .unprocessableEntity && nobody.text.contains("no contact with that priority"))
                let teacher = try await staff(f, .teacher)
                #expect(try await teacher.post("/pupils/\(Self.mia)/contacts/2/invite", []).status == .forbidden)
                #expect(try await f.store.outbox(schoolID: f.schoolID).count == 1)
                #expect(try await f.store.parentAccounts(schoolID: f.schoolID).map(\.email) == ["rosa@example.org"])
            }
        }

        // MARK: Absence reports

        @Test(
            "a parent's report sets no mark; the office accepts it with a code on the open sessions (an amendment only over an existing mark); bad reports name the field",
            arguments: Backend.available)
        func absenceReport(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let miaID = try await pupilID(f, Self.mia)
                try await makeParent(f, email: "rosa@example.org", name: "Rosa Fielding")
                let rosa = try await parent(f, "rosa@example.org")
                #expect(try await rosa.get("/parent/children/\(Self.mia)/report").status == .ok)
                let path = "/parent/children/\(Self.mia)/report"
                // 12 September is a closure: the report covers Wednesday 10 to Friday 12.
                let ok = try await rosa.post(
                    path,
                    [
                        ("from", "2025-09-10"), ("to", "2025-09-12"), ("sessions", "both"), ("category", "illness"),
                        ("note", "Fever"), ("expectedReturn", "2025-09-15"),
                    ])
                #expect(ok.status == .seeOther && location(ok) == "/parent/children/\(Self.mia)", "\(ok.status) \(ok.text)")
                let reports = try await f.store.absenceReports(pupilID: miaID)
                #expect(reports.count == 1)
                let r = try #require(reports.first)
                #expect(
                    r.state == .pending && r.via == "portal" && r.reportedBy == "Rosa Fielding" && r.from == "2025-09-10"
                        && r.to == "2025-09-12")
                #expect(
                    r.sessions == "both" && r.category == "illness" && r.note == "Fever" && r.expectedReturn == "2025-09-15"
                        && r.code == nil)
                #expect(try await marks(f, miaID).isEmpty, "a report never sets a code by itself")
                let contact = try await f.store.casework(pupilID: miaID)
                #expect(contact.map(\.kind) == ["family_contact"])
                #expect(
                    contact.first?.summary
                        == "Rosa Fielding reported an absence on the parent portal: Illness, Wednesday 10 September 2025 to Friday 12 September 2025: Fever"
                )

                // Refused, naming the field, and nothing stored.
                func refused(_ fields: [(String, String)], _ field: String) async throws {
                    let r = try await rosa.post(path, fields)
                    #expect(r.status == .unprocessableEntity, "\(fields)")
                    #expect(r.text.contains(#"class="field-error" id="\#(field)-error""#), "\(fields): \(r.text)")
                }
                try await refused([("from", "2025-09-08"), ("sessions", "both"), ("category", "illness")], "from")
                try await refused([("from", "2025-09-10"), ("sessions", "both"), ("category", "other"), ("note", "  ")], "note")
                try await refused(
                    [
                        ("from", "2025-09-10"), ("to", "2025-09-11"), ("sessions", "both"), ("category", "illness"),
                        ("expectedReturn", "2025-09-10"),
                    ],
                    "expectedReturn")
                try await refused(
                    [
                        ("from", "2025-09-10"), ("to", "2025-09-11"), ("sessions", "both"), ("category", "illness"),
                        ("expectedReturn", "2025-09-11"),
                    ],
                    "expectedReturn")
                #expect(try await f.store.absenceReports(pupilID: miaID).count == 1)

                // The register is taken on the 10th before the office gets to the report: N in the morning.
                _ = try await f.store.record(
                    [MarkWrite(pupilID: miaID, mark: Mark(date: day("2025-09-10"), session: .am, code: .n))],
                    by: Actor(name: "Teacher Person", position: "Teacher"), at: "2025-09-10T09:00:00Z")
                let officeUser = try await staff(f, .office)
                let accepted = try await officeUser.post("/reports/\(r.id!)/accept", [("code", "I")])
                #expect(accepted.status == .seeOther && location(accepted) == "/reports", "\(accepted.status) \(accepted.text)")
                #expect(try await marks(f, miaID) == ["2025-09-10 AM I", "2025-09-10 PM I", "2025-09-11 AM I", "2025-09-11 PM I"])
                let amendments = try await f.store.amendments(pupilID: miaID)
                #expect(amendments.map { "\($0.date) \($0.session) \($0.originalCode)>\($0.newCode)" } == ["2025-09-10 AM N>I"])
                #expect(
                    amendments.first?.reason == "Reported by Rosa Fielding (illness): Fever" && amendments.first?.byPosition == "Office")
                let decided = try #require(try await f.store.absenceReport(id: r.id!))
                #expect(decided.state == .accepted && decided.code == "I" && decided.decidedBy == "Office Person, Office")
                let told = try await f.store.outbox(schoolID: f.schoolID)
                #expect(told.map { "\($0.template) \($0.recipient)" } == ["absence_report_received rosa@example.org"])
                #expect(told.first?.subject == "Absence recorded for Mia")
                let twice = try await officeUser.post("/reports/\(r.id!)/accept", [("code", "I")])
                #expect(twice.status == .conflict)
                let declineAfter = try await officeUser.post("/reports/\(r.id!)/decline", [("note", "Changed my mind")])
                #expect(declineAfter.status == .conflict)
                #expect(try await f.store.amendments(pupilID: miaID).count == 1)
                #expect(try await f.store.outbox(schoolID: f.schoolID).count == 1)
            }
        }

        // MARK: Leave

        @Test(
            "a leave request with less than the policy's 14 days' notice is refused naming from unless marked exceptional; documents go with it",
            arguments: Backend.available)
        func leaveNotice(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                try await longerTerm(f)
                let miaID = try await pupilID(f, Self.mia)
                let account = try await makeParent(f, email: "rosa@example.org", name: "Rosa Fielding")
                let rosa = try await parent(f, "rosa@example.org")
                let path = "/parent/children/\(Self.mia)/leave"
                #expect(try await rosa.get(path).status == .ok)
                // Requested on 9 September: 22 September is 13 days ahead.
                let short = try await rosa.post(
                    path,
                    [
                        ("from", "2025-09-22"), ("fromSession", "am"), ("to", "2025-09-23"), ("toSession", "pm"),
                        ("reason", "Grandmother's funeral in Gdańsk"),
                    ])
                #expect(short.status == .unprocessableEntity)
                #expect(short.text.contains(#"class="field-error" id="from-error""#), "\(short.text)")
                #expect(try await f.store.leaveRequests(pupilID: miaID).isEmpty)
                // Exactly 14 days is enough.
                let onTime = try await rosa.post(
                    path,
                    [
                        ("from", "2025-09-23"), ("fromSession", "am"), ("to", "2025-09-23"), ("toSession", "pm"),
                        ("reason", "Cousin's wedding abroad"),
                    ])
                #expect(onTime.status == .seeOther && location(onTime) == "/parent/children/\(Self.mia)", "\(onTime.status) \(onTime.text)")
                // Exceptional, with a letter.
                let letter = Data("%PDF-1.4 funeral notice for the Fielding family".utf8)
                let (body, type) = multipart(
                    [
                        ("csrf", rosa.csrf), ("from", "2025-09-22"), ("fromSession", "am"), ("to", "2025-09-23"), ("toSession", "pm"),
                        ("reason", "Grandmother's funeral in Gdańsk"), ("exceptional", "on"),
                    ],
                    file: "documents[]", filename: "letter.pdf", type: "application/pdf", data: letter)
                var h = HTTPHeaders()
                h.add(name: .cookie, value: rosa.cookie)
                h.add(name: .contentType, value: type)
                let res = try await f.app.testing().sendRequest(.POST, path, headers: h, body: body)
                #expect(res.status == .seeOther, "\(res.status) \(res.body.string)")
                let requests = try await f.store.leaveRequests(pupilID: miaID).sorted { $0.id! < $1.id! }
                #expect(requests.count == 2)
                #expect(
                    requests.map(\.leaveRequest) == [
                        LeaveRequest(
                            from: day("2025-09-23"), to: day("2025-09-23"), requestedOn: day("2025-09-09"),
                            reason: "Cousin's wedding abroad"),
                        LeaveRequest(
                            from: day("2025-09-22"), to: day("2025-09-23"), requestedOn: day("2025-09-09"), exceptional: true,
                            reason: "Grandmother's funeral in Gdańsk"),
                    ])
                #expect(requests.allSatisfy { $0.state == .pending && $0.parentID == account.id && $0.requestedBy == "Rosa Fielding" })
                let exceptional = try #require(requests.last)
                let docs = try await f.store.leaveDocuments(requestID: exceptional.id!)
                #expect(
                    docs.map(\.filename) == ["letter.pdf"] && docs.first?.data == letter && docs.first?.contentType == "application/pdf")
                let head = try await staff(f, .head)
                let download = try await head.get("/leave/\(exceptional.id!)/documents/\(try #require(docs.first?.id))")
                #expect(download.status == .ok && download.text == String(decoding: letter, as: UTF8.self))
                #expect(try await f.store.leaveDocuments(requestID: requests[0].id!).isEmpty)
            }
        }

        @Test(
            "a document of 2 MB (the limit is 5 MB each) goes with a leave request sent to a running server", arguments: Backend.available)
        func leaveDocumentOverOneMegabyte(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let miaID = try await pupilID(f, Self.mia)
                try await makeParent(f, email: "rosa@example.org", name: "Rosa Fielding")
                let rosa = try await parent(f, "rosa@example.org")
                let scan = Data(repeating: UInt8(ascii: "x"), count: 2 * 1024 * 1024)
                let (body, type) = multipart(
                    [
                        ("csrf", rosa.csrf), ("from", "2025-09-10"), ("to", "2025-09-10"),
                        ("reason", "Hospital appointment letter attached"),
                        ("exceptional", "on"),
                    ], file: "documents[]", filename: "scan.pdf", type: "application/pdf", data: scan)
                var h = HTTPHeaders()
                h.add(name: .cookie, value: rosa.cookie)
                h.add(name: .contentType, value: type)
                let res = try await f.app.testing(method: .running(hostname: "127.0.0.1", port: 0)).sendRequest(
                    .POST, "/parent/children/\(Self.mia)/leave",
                    headers: h, body: body)
                // The client follows the redirect to the child's page; before the CSRF check allowed large forms this was 413.
                #expect(
                    res.status == .ok && res.body.string.contains("has gone to the headteacher"),
                    "\(res.status) \(String(res.body.string.prefix(300)))")
                let requests = try await f.store.leaveRequests(pupilID: miaID)
                #expect(requests.count == 1)
                if let r = requests.first { #expect(try await f.store.leaveDocuments(requestID: r.id!).map(\.data.count) == [scan.count]) }
            }
        }

        @Test(
            "the head grants C for part of a request: exactly the open sessions granted are pre-filled, with a timeline entry and a letter to the parent who asked; others may not decide",
            arguments: Backend.available)
        func leaveGranted(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                try await longerTerm(f)
                let miaID = try await pupilID(f, Self.mia)
                try await makeParent(f, email: "rosa@example.org", name: "Rosa Fielding")
                let rosa = try await parent(f, "rosa@example.org")
                // Thursday 25 September to Wednesday 1 October; Friday 26 is an INSET day.
                let asked = try await rosa.post(
                    "/parent/children/\(Self.mia)/leave",
                    [
                        ("from", "2025-09-25"), ("fromSession", "am"), ("to", "2025-10-01"),
                        ("toSession", "pm"), ("reason", "Grandfather's funeral in Lagos"),
                    ])
                #expect(asked.status == .seeOther, "\(asked.status) \(asked.text)")
                let id = try #require(try await f.store.leaveRequests(pupilID: miaID).first?.id)
                let grantFields = [("code", "C"), ("from", "2025-09-25"), ("fromSession", "pm"), ("to", "2025-09-30"), ("toSession", "pm")]

                // Without the head's authorisation a teacher or the office may not decide, nor see the requests.
                for role in [Role.teacher, .office, .attendanceLead] {
                    let u = try await staff(f, role)
                    #expect(try await u.get("/leave").status == .forbidden, "\(role)")
                    #expect(try await u.get("/leave/\(id)").status == .forbidden, "\(role)")
                    #expect(try await u.post("/leave/\(id)/grant", grantFields).status == .forbidden, "\(role)")
                    #expect(try await u.post("/leave/\(id)/refuse", [("reason", "No")]).status == .forbidden, "\(role)")
                }
                #expect(try await f.store.leaveRequest(id: id)?.state == .pending)
                // The head authorises the office.
                let head = try await staff(f, .head)
                let officeID = try #require(try await f.store.staff(email: "office@tiny.example.org")?.id)
                #expect(try await staff(f, .office).post("/leave/deciders", [("staff[]", "\(officeID)")]).status == .forbidden)
                let authorise = try await head.post("/leave/deciders", [("staff[]", "\(officeID)")])
                #expect(authorise.status == .seeOther && location(authorise) == "/leave", "\(authorise.status) \(authorise.text)")
                #expect(try await f.store.staff(schoolID: f.schoolID).filter(\.decidesLeave).map(\.email) == ["office@tiny.example.org"])
                let list = try await staff(f, .office).get("/leave")
                #expect(list.status == .ok && list.text.contains("Mia Fielding"))

                #expect(try await head.get("/leave/\(id)").status == .ok)
                // C1 needs the LA's licence reference: nothing is written without it.
                let noLicence = try await head.post(
                    "/leave/\(id)/grant",
                    [
                        ("code", "C1"), ("from", "2025-09-25"), ("fromSession", "am"), ("to", "2025-09-30"),
                        ("toSession", "pm"), ("licenceReference", " "),
                    ])
                #expect(noLicence.status == .unprocessableEntity)
                #expect(
                    noLicence.text.contains("licence_reference: C1 needs") && noLicence.text.contains("Nothing was saved."),
                    "\(noLicence.text)")
                #expect(try await f.store.leaveRequest(id: id)?.state == .pending)
                #expect(try await marks(f, miaID).isEmpty)
                #expect(try await f.store.casework(pupilID: miaID).filter { $0.kind == "leave_decision" }.isEmpty)
                #expect(try await f.store.outbox(schoolID: f.schoolID).isEmpty)

                let granted = try await head.post("/leave/\(id)/grant", grantFields)
                #expect(granted.status == .seeOther && location(granted) == "/leave/\(id)", "\(granted.status) \(granted.text)")
                #expect(
                    try await marks(f, miaID) == [
                        "2025-09-25 PM C", "2025-09-29 AM C", "2025-09-29 PM C", "2025-09-30 AM C", "2025-09-30 PM C",
                    ])
                #expect(try await f.store.marks(pupilID: miaID).allSatisfy { $0.note == "Leave granted by Head Person (request \(id))" })
                #expect(try await f.store.amendments(pupilID: miaID).isEmpty)
                let row = try #require(try await f.store.leaveRequest(id: id))
                #expect(row.state == .granted && row.decidedBy == "Head Person, Head" && row.decidedAt == "2025-09-09T08:50:00Z")
                #expect(
                    row.leaveGrant == LeaveGrant(code: .c, from: day("2025-09-25"), fromSession: .pm, to: day("2025-09-30"), toSession: .pm)
                )
                let decisions = try await f.store.casework(pupilID: miaID).filter { $0.kind == "leave_decision" }
                #expect(decisions.count == 1)
                let cw = try #require(decisions.first)
                #expect(cw.outcome == "granted" && cw.byName == "Head Person")
                #expect(
                    cw.summary
                        == "Leave granted: C for Thursday 25 September 2025 to Tuesday 30 September 2025, 5 sessions. Requested: Grandfather's funeral in Lagos"
                )
                let letters = try await f.store.outbox(schoolID: f.schoolID)
                #expect(letters.map { "\($0.template) \($0.recipient)" } == ["leave_decision rosa@example.org"], "Tom Fielding did not ask")
                let letter = try #require(letters.first)
                #expect(
                    letter.caseworkID == cw.id && letter.about == "leave:\(id)" && letter.subject == "Leave of absence for Mia: granted")
                #expect(letter.body.contains("granted for Thursday 25 September 2025 to Tuesday 30 September 2025 (5 sessions)"))

                // Decided once.
                #expect(try await head.post("/leave/\(id)/grant", grantFields).status == .conflict)
                #expect(try await head.post("/leave/\(id)/refuse", [("reason", "Second thoughts")]).status == .conflict)
                #expect(try await marks(f, miaID).count == 5)
                #expect(try await f.store.casework(pupilID: miaID).filter { $0.kind == "leave_decision" }.count == 1)
                #expect(try await f.store.outbox(schoolID: f.schoolID).count == 1)
                #expect(try await f.store.leaveRequest(id: id)?.state == .granted)
            }
        }

        @Test(
            "absence on the days of a refused request is proposed as leave_unauthorised with those sessions; attendance on them proposes nothing",
            arguments: Backend.available)
        func leaveRefusedFollowUp(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                try await longerTerm(f)
                let miaID = try await pupilID(f, Self.mia)
                try await makeParent(f, email: "rosa@example.org", name: "Rosa Fielding")
                let rosa = try await parent(f, "rosa@example.org")
                let asked = try await rosa.post(
                    "/parent/children/\(Self.mia)/leave",
                    [
                        ("from", "2025-09-29"), ("fromSession", "am"), ("to", "2025-09-30"),
                        ("toSession", "pm"), ("reason", "Cheaper flights for a family holiday"),
                    ])
                #expect(asked.status == .seeOther)
                let id = try #require(try await f.store.leaveRequests(pupilID: miaID).first?.id)
                let head = try await staff(f, .head)
                let refused = try await head.post("/leave/\(id)/refuse", [("reason", "A holiday is not an exceptional circumstance.")])
                #expect(refused.status == .seeOther, "\(refused.status) \(refused.text)")
                #expect(try await f.store.leaveRequest(id: id)?.state == .refused)
                #expect(try await marks(f, miaID).isEmpty)
                let letters = try await f.store.outbox(schoolID: f.schoolID)
                #expect(
                    letters.map { "\($0.template) \($0.recipient) \($0.subject)" } == [
                        "leave_decision rosa@example.org Leave of absence for Mia: refused"
                    ])

                // She went anyway: N on three of the four sessions, present on the last.
                let teacher = Actor(name: "Teacher Person", position: "Teacher")
                _ = try await f.store.record(
                    [
                        MarkWrite(pupilID: miaID, mark: Mark(date: day("2025-09-29"), session: .am, code: .n)),
                        MarkWrite(pupilID: miaID, mark: Mark(date: day("2025-09-29"), session: .pm, code: .n)),
                        MarkWrite(pupilID: miaID, mark: Mark(date: day("2025-09-30"), session: .am, code: .n)),
                        MarkWrite(pupilID: miaID, mark: Mark(date: day("2025-09-30"), session: .pm, code: .presentPM)),
                    ], by: teacher, at: "2025-09-30T13:05:00Z")
                let (_, actions) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-10-01"))
                let leave = actions.filter { $0.kind == .leaveUnauthorised }
                #expect(leave.count == 1, "\(leave.map(\.key))")
                let a = try #require(leave.first)
                #expect(a.upn == Self.mia && a.rule == "reg_11" && a.due == day("2025-09-29"))
                #expect(
                    a.sessions == [
                        SessionRef(date: day("2025-09-29"), session: .am, code: "N"),
                        SessionRef(date: day("2025-09-29"), session: .pm, code: "N"),
                        SessionRef(date: day("2025-09-30"), session: .am, code: "N"),
                    ])
                #expect(a.key == "leave_unauthorised|\(Self.mia)|reg_11|2025-09-29|2025-09-30|refused")
                // Not before the days themselves.
                let (_, early) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-26"))
                #expect(!early.contains { $0.kind == .leaveUnauthorised })

                // The register was wrong: she was in school after all.
                _ = try await f.store.record(
                    [
                        MarkWrite(
                            pupilID: miaID, mark: Mark(date: day("2025-09-29"), session: .am, code: .presentAM),
                            reason: "Register corrected: was in class"),
                        MarkWrite(
                            pupilID: miaID, mark: Mark(date: day("2025-09-29"), session: .pm, code: .presentPM),
                            reason: "Register corrected: was in class"),
                        MarkWrite(
                            pupilID: miaID, mark: Mark(date: day("2025-09-30"), session: .am, code: .presentAM),
                            reason: "Register corrected: was in class"),
                    ], by: office, at: "2025-10-01T10:00:00Z")
                let (_, after) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-10-01"))
                #expect(
                    !after.contains { $0.kind == .leaveUnauthorised }, "\(after.filter { $0.kind == .leaveUnauthorised }.map(\.reason))")
            }
        }

        // MARK: Day-1 messages

        @Test(
            "day-1 messages wait for the register to close, go once per absence to the first contact with an email, and not for V, L, U, D, C or a reported absence; the reply link works once",
            arguments: Backend.available)
        func dayOneMessages(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: Morning.date, time: TimeOfDay(hour: 9, minute: 20)!)) { f in
                let ids = try await Morning.setUp(f)
                let settings = MessageSettings()
                func queue(_ now: SchoolNow) async throws -> Int {
                    try await Outbox.queueDayOne(
                        store: f.store, schoolID: f.schoolID, now: now, settings: settings, transports: Transports())
                }
                #expect(try await queue(Morning.at(8, 50)) == 0)
                #expect(try await queue(Morning.at(9, 10)) == 0)
                #expect(try await f.store.outbox(schoolID: f.schoolID).isEmpty)
                #expect(try await ReplyLinkRow.query(on: f.app.db).count() == 0)

                #expect(try await queue(Morning.at(9, 20)) == 4)
                let rows = try await Morning.dayOne(f)
                let upnByID = Dictionary(uniqueKeysWithValues: ids.map { ($0.value, $0.key) })
                #expect(
                    rows.map { "\(upnByID[$0.pupilID ?? 0] ?? "?") \($0.recipientName) <\($0.recipient)> \($0.contactPriority ?? 0)" } == [
                        "\(Morning.amara) Owen Quill <owen.quill@example.org> 2",
                        "\(Morning.bilal) Sana Hart <sana.hart@example.org> 1",
                        "\(Morning.ivo) Zara Teal <zara.teal@example.org> 1",
                        "\(Morning.kit) Mo Ash <mo.ash@example.org> 1",
                    ])
                #expect(
                    rows.allSatisfy {
                        $0.channel == "email" && $0.state == "queued" && $0.attempts == 0 && $0.about == "absence:2025-09-09"
                    })
                #expect(
                    rows.map(\.dedupeKey)
                        == [Morning.amara, Morning.bilal, Morning.ivo, Morning.kit].map { "day_one:\(ids[$0]!):2025-09-09:email" })
                #expect(
                    rows.map(\.subject) == [
                        "Amara is absent from school today", "Bilal is absent from school today",
                        "Ivo is absent from school today", "Kit is absent from school today",
                    ])
                // Once per absence: again after the morning, and after the afternoon register, nothing more.
                #expect(try await queue(Morning.at(9, 21)) == 0)
                #expect(try await queue(Morning.at(13, 20)) == 0)
                #expect(try await Morning.dayOne(f).count == 4)

                let links = try await ReplyLinkRow.query(on: f.app.db).all()
                #expect(
                    links.map { "\(upnByID[$0.pupilID] ?? "?") \($0.contactName) \($0.date) \($0.expiresAt)" }.sorted() == [
                        "\(Morning.amara) Owen Quill 2025-09-09 2025-09-10T09:20:00Z",
                        "\(Morning.bilal) Sana Hart 2025-09-09 2025-09-10T09:20:00Z",
                        "\(Morning.ivo) Zara Teal 2025-09-09 2025-09-10T09:20:00Z", "\(Morning.kit) Mo Ash 2025-09-09 2025-09-10T09:20:00Z",
                    ])
                #expect(links.allSatisfy { $0.usedAt == nil })

                // Sana answers through the link in Bilal's message.
                let bilal = try #require(rows.first { $0.pupilID == ids[Morning.bilal] })
                let token = try #require(firstMatch(#"http://localhost:8080/reply/(rb_[A-Za-z0-9_-]+)\n"#, in: bilal.body), "\(bilal.body)")
                let page = try await send(f, .GET, "/reply/\(token)", cookie: nil)
                #expect(page.status == .ok && page.text.contains("Tell us why Bilal is absent on Tuesday 9 September 2025"), "\(page.text)")
                let cookie = try #require(setCookie(page))
                let csrf = try #require(formToken(page))
                let answer = [("csrf", csrf), ("sessions", "both"), ("category", "illness"), ("note", "Sick in the night")]
                let done = try await send(f, .POST, "/reply/\(token)", cookie: cookie, form: answer)
                #expect(done.status == .ok && done.text.contains("This link cannot be used again"), "\(done.status) \(done.text)")
                let reports = try await f.store.absenceReports(pupilID: ids[Morning.bilal]!)
                #expect(
                    reports.map { "\($0.via) \($0.reportedBy) \($0.from) \($0.to) \($0.sessions) \($0.category) \($0.note) \($0.state)" }
                        == ["link Sana Hart 2025-09-09 2025-09-09 both illness Sick in the night pending"])
                #expect(try await send(f, .POST, "/reply/\(token)", cookie: cookie, form: answer).status == .gone)
                #expect(try await send(f, .GET, "/reply/\(token)", cookie: nil).status == .gone)
                #expect(try await send(f, .GET, "/reply/rb_not-a-real-token", cookie: nil).status == .gone)
                #expect(try await f.store.absenceReports(pupilID: ids[Morning.bilal]!).count == 1)
                #expect(
                    try await f.store.casework(pupilID: ids[Morning.bilal]!).map(\.summary)
                        == [
                            "Sana Hart reported an absence through the link in a message: Illness, Tuesday 9 September 2025: Sick in the night"
                        ])
                #expect(try await queue(Morning.at(13, 30)) == 0)
            }
        }

        @Test(
            "at the minute the register closes it is still open (an arrival then is L), so no day-1 message is queued until the minute after",
            arguments: Backend.available)
        func dayOneWaitsForTheClose(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: Morning.date, time: TimeOfDay(hour: 9, minute: 15)!)) { f in
                _ = try await Morning.setUp(f)
                let closes = Fixture.times.am.closes
                #expect(Fixture.times.am.state(at: closes) == .open)
                let atClose = try await Outbox.queueDayOne(
                    store: f.store, schoolID: f.schoolID, now: Morning.at(9, 15), settings: MessageSettings(),
                    transports: Transports())
                #expect(atClose == 0, "queued while the register is still open")
                let after = try await Outbox.queueDayOne(
                    store: f.store, schoolID: f.schoolID, now: Morning.at(9, 16), settings: MessageSettings(),
                    transports: Transports())
                #expect(atClose + after == 4)
            }
        }

        @Test(
            "the worker cancels a day-1 message once the pupil arrives (L) or a parent reports the absence, and sends the rest",
            arguments: Backend.available)
        func dayOneNoLongerNeeded(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: Morning.date, time: TimeOfDay(hour: 9, minute: 20)!)) { f in
                let ids = try await Morning.setUp(f)
                let settings = MessageSettings()
                #expect(
                    try await Outbox.queueDayOne(
                        store: f.store, schoolID: f.schoolID, now: Morning.at(9, 20), settings: settings, transports: Transports()) == 4)
                // Nothing is sent, or cancelled, without a transport.
                #expect(
                    try await Outbox.deliver(store: f.store, transports: Transports(), settings: settings, now: Morning.at(9, 20))
                        == Outbox.PassReport())
                // Amara arrives and is marked late; Kit's mother reports the absence on the portal.
                _ = try await f.store.record(
                    [
                        MarkWrite(
                            pupilID: ids[Morning.amara]!, mark: Mark(date: Morning.date, session: .am, code: .late, minutesLate: 12),
                            reason: "Arrived at 9:07, signed in at the office")
                    ], by: office, at: "2025-09-09T09:20:30Z")
                try await f.store.addAbsenceReport(Morning.report(ids[Morning.kit]!, by: "Mo Ash", sessions: "both"))
                let log = SendLog()
                let transports = Transports(email: RecordingTransport(log: log))
                let pass = try await Outbox.deliver(store: f.store, transports: transports, settings: settings, now: Morning.at(9, 21))
                #expect(pass == Outbox.PassReport(sent: 2, cancelled: 2))
                #expect(await log.recipients.sorted() == ["sana.hart@example.org", "zara.teal@example.org"])
                let rows = Dictionary(uniqueKeysWithValues: try await Morning.dayOne(f).map { ($0.pupilID!, $0) })
                for upn in [Morning.amara, Morning.kit] {
                    let m = try #require(rows[ids[upn]!])
                    #expect(
                        m.state == "cancelled" && m.attempts == 0
                            && m.lastError == "not sent: the absence was explained before the message went", "\(upn)")
                }
                for upn in [Morning.bilal, Morning.ivo] {
                    let m = try #require(rows[ids[upn]!])
                    #expect(
                        m.state == "sent" && m.attempts == 1 && m.lastError == nil && m.providerID == nil
                            && m.updatedAt == "2025-09-09T09:21:00Z", "\(upn)")
                }
                #expect(
                    try await Outbox.deliver(store: f.store, transports: transports, settings: settings, now: Morning.at(9, 30))
                        == Outbox.PassReport())
                #expect(await log.sent.count == 2)
            }
        }

        @Test(
            "a temporary failure is retried after the delays, then fails and the next contact in priority order gets the message; a permanent failure fails at once",
            arguments: Backend.available)
        func dayOneRetries(_ b: Backend) async throws {
            try await withRollbook(b, at: FixedClock(date: Morning.date, time: TimeOfDay(hour: 9, minute: 20)!)) { f in
                let ids = try await Morning.setUp(f)
                let settings = MessageSettings(retryDelays: [60, 300])
                #expect(settings.maxAttempts == 3)
                #expect(
                    try await Outbox.queueDayOne(
                        store: f.store, schoolID: f.schoolID, now: Morning.at(9, 20), settings: settings, transports: Transports()) == 4)
                let log = SendLog()
                let transports = Transports(
                    email: RecordingTransport(
                        log: log,
                        failures: [
                            "sana.hart@example.org": .temporary("421 4.3.2 try again later"),
                            "owen.quill@example.org": .permanent("550 5.1.1 no such mailbox"),
                        ]))
                func deliver(_ h: Int, _ m: Int) async throws -> Outbox.PassReport {
                    try await Outbox.deliver(store: f.store, transports: transports, settings: settings, now: Morning.at(h, m))
                }
                func message(_ upn: String, priority: Int) async throws -> OutboxRow {
                    try #require(
                        try await Morning.dayOne(f).first { $0.pupilID == ids[upn] && $0.contactPriority == priority }, "\(upn) \(priority)"
                    )
                }
                #expect(try await deliver(9, 20) == Outbox.PassReport(sent: 2, retrying: 1, failed: 1))
                let owen = try await message(Morning.amara, priority: 2)
                #expect(
                    owen.state == "failed" && owen.attempts == 1
                        && owen.lastError == "permanent failure: 550 5.1.1 no such mailbox (after 1 attempt)")
                // Amara's next contact with an email is her aunt (priority 3); Lena (1) has none and comes before Owen anyway.
                let pia = try await message(Morning.amara, priority: 3)
                #expect(pia.recipient == "pia.quill@example.org" && pia.state == "queued" && pia.nextAttemptAt == "2025-09-09T09:20:00Z")
                #expect(pia.dedupeKey == "day_one:\(ids[Morning.amara]!):2025-09-09:email:3" && pia.template == "day_one_absence")
                #expect(try await ReplyLinkRow.query(on: f.app.db).filter(\.$contactName == "Pia Quill").count() == 1)
                var sana = try await message(Morning.bilal, priority: 1)
                #expect(sana.state == "queued" && sana.attempts == 1 && sana.nextAttemptAt == "2025-09-09T09:21:00Z")
                #expect(sana.lastError == "temporary failure: 421 4.3.2 try again later")

                #expect(try await deliver(9, 20) == Outbox.PassReport(sent: 1), "Pia's message is due; Sana's is not yet")
                #expect(try await message(Morning.amara, priority: 3).state == "sent")
                #expect(try await deliver(9, 21) == Outbox.PassReport(retrying: 1))
                sana = try await message(Morning.bilal, priority: 1)
                #expect(sana.state == "queued" && sana.attempts == 2 && sana.nextAttemptAt == "2025-09-09T09:26:00Z")
                #expect(try await deliver(9, 25) == Outbox.PassReport())
                #expect(try await deliver(9, 26) == Outbox.PassReport(failed: 1))
                sana = try await message(Morning.bilal, priority: 1)
                #expect(
                    sana.state == "failed" && sana.attempts == 3
                        && sana.lastError == "temporary failure: 421 4.3.2 try again later (after 3 attempts)")
                let idris = try await message(Morning.bilal, priority: 2)
                #expect(idris.recipient == "idris.hart@example.org" && idris.recipientName == "Idris Hart" && idris.state == "queued")
                #expect(idris.dedupeKey == "day_one:\(ids[Morning.bilal]!):2025-09-09:email:2")
                #expect(try await deliver(9, 26) == Outbox.PassReport(sent: 1))
                #expect(try await message(Morning.bilal, priority: 2).state == "sent")
                let counts = Dictionary(await log.recipients.map { ($0, 1) }, uniquingKeysWith: +)
                #expect(
                    counts == [
                        "owen.quill@example.org": 1, "sana.hart@example.org": 3, "zara.teal@example.org": 1, "mo.ash@example.org": 1,
                        "pia.quill@example.org": 1, "idris.hart@example.org": 1,
                    ])
                #expect(try await Morning.dayOne(f).count == 6)
            }
        }

        @Test(
            "two workers claiming at once never get the same message; a message stuck in sending is claimable again after 10 minutes",
            arguments: Backend.available)
        func claimOnce(_ b: Backend) async throws {
            try await withRollbook(b) { f in
                let now = Morning.at(9, 30).instant
                let rows = (1...40).map { i in
                    OutboxRow(
                        schoolID: f.schoolID, pupilID: nil, template: .letter, channel: "email", recipient: "parent\(i)@example.org",
                        recipientName: "Parent \(i)", subject: "A letter", body: "Dear parent", dedupeKey: nil, about: nil, at: now)
                }
                let queued = try await f.store.enqueue(rows)
                let all = Set(queued.compactMap(\.id))
                #expect(all.count == 40)
                let store = f.store
                for (round, at) in [now, now.addingTimeInterval(601)].enumerated() {
                    async let first = store.claimDueMessages(now: at)
                    async let second = store.claimDueMessages(now: at)
                    let (a, b) = try await (first, second)
                    let ids = a.compactMap(\.id) + b.compactMap(\.id)
                    #expect(ids.count == 40, "round \(round): \(a.count) + \(b.count)")
                    #expect(Set(ids) == all, "round \(round)")
                    #expect(Set(a.compactMap(\.id)).isDisjoint(with: b.compactMap(\.id)), "round \(round)")
                    #expect(try await store.claimDueMessages(now: at).isEmpty, "round \(round)")
                }
                #expect(
                    try await store.outbox(schoolID: f.schoolID).allSatisfy {
                        $0.state == "sending" && $0.updatedAt == OutboxTime.string(now.addingTimeInterval(601))
                    })
            }
        }

        // MARK: Evidence

        @Test(
            "seed 002 §4.4.1 / seed 004 'reserves the right': staff ask for evidence by hand; the parent sends a PDF on the portal; it answers every open request for those sessions"
        )
        func evidenceByHand() async throws {
            try await withRollbook(.sqlite) { f in
                let miaID = try await pupilID(f, Self.mia)
                let ill = try await f.call(
                    .POST, "/api/v1/registers/2025-09-08/AM", as: .office, json: #"{"marks": [{"upn": "A100000000001", "code": "I"}]}"#)
                #expect(ill.status == .ok, "\(ill.text)")
                let lead = try await staff(f, .attendanceLead)
                // Without evidence.by_hand in the policy no deadline would follow: asking is refused.
                let unset = try await lead.post("/pupils/\(Self.mia)/evidence", [("action", "request"), ("from", "2025-09-08")])
                #expect(unset.status == .unprocessableEntity && unset.text.contains("evidence.by_hand"), "\(unset.status)")
                var policy = Policy.standard(name: "Evidence by hand", effectiveFrom: day("2025-09-01"))
                policy.evidence = Policy.Evidence(deadlineSchoolDays: 10, byHand: true)
                _ = try await f.store.savePolicy(
                    schoolID: f.schoolID, policy, document: String(decoding: PolicyFile.encode(policy), as: UTF8.self), by: office, at: "t")
                // Only absences can need evidence: a day with no absence marked is refused and records nothing.
                let none = try await lead.post("/pupils/\(Self.mia)/evidence", [("action", "request"), ("from", "2025-09-05")])
                #expect(none.status == .unprocessableEntity && none.text.contains("no absence is marked"), "\(none.status)")
                let asked = try await lead.post(
                    "/pupils/\(Self.mia)/evidence", [("action", "request"), ("from", "2025-09-08"), ("note", "third Monday this term")])
                #expect(asked.status == .seeOther, "\(asked.status) \(asked.text)")
                let request = try #require(try await f.store.casework(pupilID: miaID).first { $0.caseworkKind == .evidenceRequested })
                #expect(request.sessionList.map { "\($0.date) \($0.session.rawValue)" } == ["2025-09-08 AM"])
                // The parents hear in parents' words: the staff note stays on the timeline.
                let letters = try await OutboxRow.query(on: f.app.db).all().filter { $0.caseworkID == request.id }
                #expect(Set(letters.map(\.recipient)) == ["rosa@example.org", "tom@example.org"])
                #expect(letters.allSatisfy { $0.body.contains("Monday 8 September 2025 (morning)") && !$0.body.contains("third Monday") })

                try await makeParent(f, email: "rosa@example.org", name: "Rosa Fielding")
                let rosa = try await parent(f, "rosa@example.org")
                let page = try await rosa.get("/parent/children/\(Self.mia)")
                #expect(page.text.contains("Evidence the school has asked for") && page.text.contains("Monday 8 September 2025 (morning)"))
                var h = HTTPHeaders()
                h.add(name: .cookie, value: rosa.cookie)
                // A file that is neither a photo nor a PDF is refused.
                let (bad, badType) = multipart(
                    [("csrf", rosa.csrf), ("request", String(request.id!))], file: "documents[]", filename: "note.txt",
                    type: "text/plain", data: Data("trust me".utf8))
                h.replaceOrAdd(name: .contentType, value: badType)
                let refused = try await f.app.testing().sendRequest(.POST, "/parent/children/\(Self.mia)/evidence", headers: h, body: bad)
                #expect(refused.status == .unprocessableEntity && refused.body.string.contains("not a photo or a PDF"))
                let card = Data("%PDF-1.4 appointment card".utf8)
                let (body, type) = multipart(
                    [("csrf", rosa.csrf), ("request", String(request.id!)), ("note", "GP appointment")], file: "documents[]",
                    filename: "card.pdf", type: "application/pdf", data: card)
                h.replaceOrAdd(name: .contentType, value: type)
                let sent = try await f.app.testing().sendRequest(.POST, "/parent/children/\(Self.mia)/evidence", headers: h, body: body)
                #expect(sent.status == .seeOther, "\(sent.status) \(sent.body.string)")
                #expect(try await f.store.openEvidenceRequests(pupilID: miaID).isEmpty)
                let received = try #require(try await f.store.casework(pupilID: miaID).first { $0.caseworkKind == .evidenceReceived })
                #expect(received.sessionList.map { "\($0.date) \($0.session.rawValue)" } == ["2025-09-08 AM"])
                let docs = try #require(try await f.store.evidenceDocuments(caseworkIDs: [received.id!])[received.id!])
                #expect(docs.map(\.data) == [card])
                // Staff see it on the timeline and download it.
                let pupilPage = try await lead.get("/pupils/\(Self.mia)")
                #expect(pupilPage.text.contains("/evidence/\(docs[0].id!)"))
                let download = try await lead.get("/evidence/\(docs[0].id!)")
                #expect(download.status == .ok && download.text == String(decoding: card, as: UTF8.self))
                #expect(!(try await rosa.get("/parent/children/\(Self.mia)")).text.contains("Evidence the school has asked for"))
            }
        }
    }
}

extension ServerTests.ParentTests {
    // MARK: The projected-attendance floor

    @Test(
        "seed 004 'Performances': a C1 request that would take attendance below 96% is refused with the figures on the page, in its JSON and in the decision record; the family's letter is in parent words",
        arguments: Backend.available)
    func leaveFloor(_ b: Backend) async throws {
        try await withRollbook(b, at: FixedClock(date: day("2025-09-19"), time: TimeOfDay(hour: 16, minute: 0)!)) { f in
            try await longerTerm(f)
            var policy = Policy.standard(name: "Floor", effectiveFrom: day("2025-09-01"))
            policy.leave.refuseBelowProjectedAttendance = 0.96
            policy.leave.projectedAttendanceCodes = ["C1"]
            _ = try await f.store.savePolicy(
                schoolID: f.schoolID, policy, document: String(decoding: PolicyFile.encode(policy), as: UTF8.self), by: office, at: "t")
            // Mia's open sessions 8 to 19 September: 17 (12 September closed, 17 September PM closed); ill on 2 of them.
            let miaID = try await pupilID(f, Self.mia)
            let calendar = try await f.store.calendar(schoolID: f.schoolID)
            var writes: [MarkWrite] = []
            var d = day("2025-09-08")
            while d <= day("2025-09-19") {
                for s in RollbookCore.Session.allCases where calendar.isOpen(d, s, yearGroup: "R") {
                    let ill = d == day("2025-09-15")
                    writes.append(
                        MarkWrite(pupilID: miaID, mark: Mark(date: d, session: s, code: ill ? .i : (s == .am ? .presentAM : .presentPM))))
                }
                d = d.adding(days: 1)
            }
            #expect(writes.count == 17)
            _ = try await f.store.record(writes, by: office, at: "2025-09-19T15:00:00Z")
            try await makeParent(f, email: "rosa@example.org", name: "Rosa Fielding")
            let rosa = try await parent(f, "rosa@example.org")
            let form = try await rosa.get("/parent/children/\(Self.mia)/leave")
            #expect(form.text.contains(#"<option value="C1">A performance or activity licensed by the local authority</option>"#))
            let asked = try await rosa.post(
                "/parent/children/\(Self.mia)/leave",
                [("from", "2025-10-06"), ("to", "2025-10-10"), ("code", "C1"), ("reason", "A part in a touring children's opera")])
            #expect(asked.status == .seeOther, "\(asked.status) \(asked.text)")
            let id = try #require(try await f.store.leaveRequests(pupilID: miaID).first?.id)
            #expect(try await f.store.leaveRequest(id: id)?.leaveRequest?.code == "C1")

            // 15 of 17 attended; 48 sessions left to 24 October (26 September is INSET); 10 of leave:
            // (15 + 48 - 10) / (17 + 48) = 53 / 65 = 81.5%.
            let head = try await staff(f, .head)
            let page = try await head.get("/leave/\(id)")
            #expect(page.status == .ok)
            #expect(page.text.contains("Attendance with this leave"))
            #expect(page.text.contains("88.2%") && page.text.contains("81.5%") && page.text.contains("<td>96%</td>"), "\(page.text)")
            let json = try await head.get("/leave/\(id)?format=json")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.text.utf8)) as? [String: Any])
            let projection = try #require(object["projection"] as? [String: Any])
            #expect(projection["attendance_now"] as? String == "88.2%")
            #expect(projection["projected"] as? String == "81.5%")
            #expect(projection["floor"] as? String == "96%")
            #expect(projection["remaining_sessions"] as? Int == 48)
            let findings = try #require(object["findings"] as? [[String: Any]])
            let floor = try #require(findings.first { $0["rule"] as? String == "leave.refuse_below_projected_attendance" })
            #expect(floor["verdict"] as? String == "refuse")
            #expect((floor["figures"] as? [String: Any])?["projected_attendance"] as? Double == 0.8154)
            let suggested = try #require(object["suggested_refusal"] as? String)
            #expect(suggested.contains("below 96%") && !suggested.contains("leave.refuse"), "\(suggested)")

            // Granting C1 is rejected with the figures; nothing is written.
            let grant = try await head.post(
                "/leave/\(id)/grant",
                [("code", "C1"), ("from", "2025-10-06"), ("to", "2025-10-10"), ("licenceReference", "LA-PERF-7")])
            #expect(grant.status == .unprocessableEntity)
            #expect(grant.text.contains("leave.refuse_below_projected_attendance: C1 for 10 sessions is not authorised"), "\(grant.text)")
            #expect(grant.text.contains("81.5%") && grant.text.contains("Nothing was saved."))
            #expect(try await f.store.leaveRequest(id: id)?.state == .pending)
            #expect(try await marks(f, miaID).count == 17)

            // Refused with the suggested words: the record keeps the figures, the family's letter has none of the staff text.
            let refused = try await head.post("/leave/\(id)/refuse", [("reason", suggested)])
            #expect(refused.status == .seeOther, "\(refused.status) \(refused.text)")
            let entry = try #require(try await f.store.casework(pupilID: miaID).first { $0.kind == "leave_decision" })
            #expect(entry.summary.contains("attendance now 88.2%; projected to the end of the year with the leave 81.5%; the floor 96%"))
            let letters = try await f.store.outbox(schoolID: f.schoolID)
            #expect(!letters.isEmpty)
            #expect(
                letters.allSatisfy {
                    $0.body.contains("below 96%") && !$0.body.contains("leave.refuse") && !$0.body.contains("projected to the end")
                })
        }
    }
}

extension ServerTests.ParentTests {
    @Test(
        "seed 001's R: a parent asks for religious observance on the portal; R for two days is rejected naming the limit; one day is granted as R with the religious body's advice kept for staff, not in the letter",
        arguments: Backend.available)
    func religiousObservance(_ b: Backend) async throws {
        try await withRollbook(b) { f in
            try await longerTerm(f)
            // Seed 001's rule: one day per religious event, the religious body's advice sought where necessary.
            var policy = Policy.standard(name: "One day for religious events", effectiveFrom: day("2025-09-01"))
            policy.leave.religiousObservance = .init(maxDaysPerEvent: 1, seekAdvice: true)
            _ = try await f.store.savePolicy(
                schoolID: f.schoolID, policy, document: String(decoding: PolicyFile.encode(policy), as: UTF8.self), by: office, at: "t")
            let miaID = try await pupilID(f, Self.mia)
            try await makeParent(f, email: "rosa@example.org", name: "Rosa Fielding")
            let rosa = try await parent(f, "rosa@example.org")
            #expect(try await rosa.get("/parent/children/\(Self.mia)/leave").text.contains(#"<option value="R">Religious observance"#))
            // Thursday 2 and Friday 3 October 2025.
            let asked = try await rosa.post(
                "/parent/children/\(Self.mia)/leave",
                [("from", "2025-10-02"), ("to", "2025-10-03"), ("code", "R"), ("reason", "Yom Kippur")])
            #expect(asked.status == .seeOther, "\(asked.status) \(asked.text)")
            let id = try #require(try await f.store.leaveRequests(pupilID: miaID).first?.id)
            let head = try await staff(f, .head)
            let page = try await head.get("/leave/\(id)")
            #expect(page.text.contains("Religious observance: a day set apart by your religious body (R)"))
            #expect(page.text.contains("covers 2 school days; the policy authorises religious observance for at most 1 school day"))
            #expect(page.text.contains("seek the religious body&#39;s advice") || page.text.contains("seek the religious body's advice"))
            let two = try await head.post("/leave/\(id)/grant", [("code", "R"), ("from", "2025-10-02"), ("to", "2025-10-03")])
            #expect(two.status == .unprocessableEntity)
            #expect(two.text.contains("leave.religious_observance.max_days_per_event: R for 2 school days"), "\(two.text)")
            #expect(try await marks(f, miaID).isEmpty)
            let advice = "The synagogue's rabbi confirmed 2 October is set apart."
            let one = try await head.post(
                "/leave/\(id)/grant", [("code", "R"), ("from", "2025-10-02"), ("to", "2025-10-02"), ("religiousBodyAdvice", advice)])
            #expect(one.status == .seeOther, "\(one.status) \(one.text)")
            #expect(try await marks(f, miaID) == ["2025-10-02 AM R", "2025-10-02 PM R"])
            #expect(try await f.store.leaveRequest(id: id)?.leaveGrant?.religiousBodyAdvice == advice)
            let entry = try #require(try await f.store.casework(pupilID: miaID).first { $0.kind == "leave_decision" })
            #expect(entry.summary.contains("Religious body's advice: \(advice)"))
            let letters = try await f.store.outbox(schoolID: f.schoolID)
            #expect(!letters.isEmpty && letters.allSatisfy { !$0.body.contains("rabbi") && $0.body.contains("religious observance") })
        }
    }
}

extension ServerTests.ParentTests {
    @Test(
        "seed 000 §6.1.1: a part-time timetable over 4 school weeks is rejected naming part_time.max_school_weeks; within it, only the weekly sessions not expected are coded C2",
        arguments: Backend.available)
    func partTimeTimetable(_ b: Backend) async throws {
        try await withRollbook(b) { f in
            try await longerTerm(f)
            var policy = Policy.standard(name: "Part-time up to 4 weeks", effectiveFrom: day("2025-09-01"))
            policy.partTime = .init(maxSchoolWeeks: 4)
            _ = try await f.store.savePolicy(
                schoolID: f.schoolID, policy, document: String(decoding: PolicyFile.encode(policy), as: UTF8.self), by: office, at: "t")
            let miaID = try await pupilID(f, Self.mia)
            try await makeParent(f, email: "rosa@example.org", name: "Rosa Fielding")
            let rosa = try await parent(f, "rosa@example.org")
            let asked = try await rosa.post(
                "/parent/children/\(Self.mia)/leave",
                [
                    ("from", "2025-09-23"), ("to", "2025-10-24"), ("reason", "A phased return after an operation"),
                    ("temporaryAddress", "At home: 4 Mill Lane, Truro"),
                ])
            #expect(asked.status == .seeOther, "\(asked.status) \(asked.text)")
            let id = try #require(try await f.store.leaveRequests(pupilID: miaID).first?.id)
            let head = try await staff(f, .head)
            #expect(try await head.get("/leave/\(id)").text.contains(#"name="notExpected[]" type="checkbox" value="mon_pm""#))
            let fields: [(String, String)] = [
                ("code", "C2"), ("timetable", "Mornings in school; Monday and Friday afternoons at home with work set"),
                ("reviewDate", "2025-10-17"), ("notExpected[]", "fri_pm"), ("notExpected[]", "mon_pm"),
            ]
            // 23 September to 24 October: 5 school weeks.
            let long = try await head.post("/leave/\(id)/grant", fields + [("from", "2025-09-23"), ("to", "2025-10-24")])
            #expect(long.status == .unprocessableEntity)
            #expect(long.text.contains("part_time.max_school_weeks: the part-time timetable spans 5 school weeks"), "\(long.text)")
            #expect(try await marks(f, miaID).isEmpty)
            // None of the sessions named: refused naming not_expected.
            let none = try await head.post(
                "/leave/\(id)/grant",
                [("code", "C2"), ("timetable", "Mornings"), ("reviewDate", "2025-10-17"), ("from", "2025-09-29"), ("to", "2025-10-24")])
            #expect(none.status == .unprocessableEntity && none.text.contains("not_expected: C2 needs"), "\(none.text)")
            // 29 September to 24 October: 4 school weeks; Monday and Friday afternoons only are C2.
            let ok = try await head.post("/leave/\(id)/grant", fields + [("from", "2025-09-29"), ("to", "2025-10-24")])
            #expect(ok.status == .seeOther, "\(ok.status) \(ok.text)")
            #expect(
                try await marks(f, miaID) == [
                    "2025-09-29 PM C2", "2025-10-03 PM C2", "2025-10-06 PM C2", "2025-10-10 PM C2", "2025-10-13 PM C2", "2025-10-17 PM C2",
                    "2025-10-20 PM C2", "2025-10-24 PM C2",
                ])
            #expect(try await f.store.leaveRequest(id: id)?.leaveGrant?.notExpected == ["mon_pm", "fri_pm"])
            let letters = try await f.store.outbox(schoolID: f.schoolID)
            #expect(letters.allSatisfy { $0.body.contains("not expected in school on: Monday afternoon, Friday afternoon") })
            // The LA returns list every pupil on a part-time timetable.
            let returns = try await head.get("/la-returns?format=json")
            let lines = returns.object["part_time"] as? [[String: Any]] ?? []
            #expect(lines.count == 1, "\(returns.text.prefix(300))")
            #expect(lines.first?["upn"] as? String == Self.mia && lines.first?["from"] as? String == "2025-09-29")
            #expect(lines.first?["review_date"] as? String == "2025-10-17")
            #expect(lines.first?["not_expected"] as? String == "Monday afternoon, Friday afternoon")
        }
    }
}

extension ServerTests.ParentTests {
    @Test(
        "seed 004 'Leave of absence': a request for 15 school days or more needs the temporary address, naming temporary_address; the head sees it, the parent's pages and letter never show it",
        arguments: Backend.available)
    func temporaryAddress(_ b: Backend) async throws {
        try await withRollbook(b) { f in
            try await longerTerm(f)
            let miaID = try await pupilID(f, Self.mia)
            try await makeParent(f, email: "rosa@example.org", name: "Rosa Fielding")
            let rosa = try await parent(f, "rosa@example.org")
            let path = "/parent/children/\(Self.mia)/leave"
            // 29 September to 17 October 2025: 15 school days.
            let fields = [("from", "2025-09-29"), ("to", "2025-10-17"), ("exceptional", "on"), ("reason", "Caring for a grandparent")]
            let missing = try await rosa.post(path, fields)
            #expect(missing.status == .unprocessableEntity)
            #expect(
                missing.text.contains(#"id="temporaryAddress-error""#) && missing.text.contains("covers 15 school days"), "\(missing.text)")
            #expect(try await f.store.leaveRequests(pupilID: miaID).isEmpty)
            let address = "Flat 3, 8 Quay Street, Falmouth"
            let ok = try await rosa.post(path, fields + [("temporaryAddress", address)])
            #expect(ok.status == .seeOther, "\(ok.status) \(ok.text)")
            let id = try #require(try await f.store.leaveRequests(pupilID: miaID).first?.id)
            #expect(try await f.store.leaveRequest(id: id)?.leaveRequest?.temporaryAddress == address)
            let head = try await staff(f, .head)
            #expect(try await head.get("/leave/\(id)").text.contains(address))
            let granted = try await head.post("/leave/\(id)/grant", [("code", "C"), ("from", "2025-09-29"), ("to", "2025-10-17")])
            #expect(granted.status == .seeOther, "\(granted.status) \(granted.text)")
            #expect(!(try await rosa.get("/parent/children/\(Self.mia)")).text.contains("Quay Street"))
            #expect(try await f.store.outbox(schoolID: f.schoolID).allSatisfy { !$0.body.contains("Quay Street") })
        }
    }
}
