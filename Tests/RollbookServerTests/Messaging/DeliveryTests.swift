import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import RollbookServer

private func outgoing(
    id: Int = 42, channel: OutgoingMessage.Channel = .email, to recipient: String = "ann.smith@example.test",
    name: String = "Ann Smith", subject: String = "Absence today", body: String = "Dear Ann,\nZoë was absent today.\n",
    template: String = "day_one_absence"
) -> OutgoingMessage {
    OutgoingMessage(id: id, channel: channel, recipient: recipient, recipientName: name, subject: subject, body: body, template: template)
}

private let sent = Date(timeIntervalSince1970: 1_795_596_360)  // Wed 25 Nov 2026 08:46:00 GMT

private func format(_ m: OutgoingMessage) throws(DeliveryError) -> String {
    try MailFormat.message(m, from: "office@oakfield.test", fromName: "Oakfield Primary", domain: "rollbook.local", date: sent)
}

/// The headers of a formatted message, unfolded, by lower-cased name.
private func headers(_ message: String) -> [String: String] {
    let head = message.components(separatedBy: "\r\n\r\n")[0].replacingOccurrences(of: "\r\n ", with: " ")
    var result: [String: String] = [:]
    for line in head.components(separatedBy: "\r\n") {
        guard let colon = line.firstIndex(of: ":") else { continue }
        result[line[..<colon].lowercased()] = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
    }
    return result
}

/// Decodes RFC 2047 B encoded-words (UTF-8 only), separated by folding white space.
private func decodeWords(_ text: String) -> String? {
    var bytes = Data()
    for word in text.replacingOccurrences(of: "\r\n", with: " ").split(separator: " ") {
        guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="),
            let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))
        else { return nil }
        bytes.append(data)
    }
    return String(data: bytes, encoding: .utf8)
}

/// Decodes quoted-printable with CRLF line breaks.
private func decodeQP(_ text: String) -> String? {
    var bytes: [UInt8] = []
    let source = Array(text.replacingOccurrences(of: "=\r\n", with: "").utf8)
    var i = 0
    while i < source.count {
        if source[i] == UInt8(ascii: "="), i + 2 < source.count,
            let byte = UInt8(String(decoding: source[(i + 1)...(i + 2)], as: UTF8.self), radix: 16)
        {
            bytes.append(byte)
            i += 3
        } else {
            bytes.append(source[i])
            i += 1
        }
    }
    return String(bytes: bytes, encoding: .utf8)
}

private func base64URLDecode(_ text: Substring) -> Data? {
    var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while s.count % 4 != 0 { s += "=" }
    return Data(base64Encoded: s)
}

private let serviceID = "26785a09-ab16-4eb0-8407-a37497a57506"
private let secret = "3d844edf-8d35-48ac-975b-e847b4f122b0"

@Suite("Delivery: SMTP and Notify transports") struct DeliveryTests {
    // MARK: Email formatting

    @Test("an email has RFC 5322 headers, CRLF line endings only and a quoted-printable UTF-8 body")
    func messageFormat() throws {
        let text = try format(outgoing())
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        let h = headers(text)
        #expect(h["from"] == "\"Oakfield Primary\" <office@oakfield.test>")
        #expect(h["to"] == "\"Ann Smith\" <ann.smith@example.test>")
        #expect(h["subject"] == "Absence today")
        #expect(h["date"] == "Wed, 25 Nov 2026 08:46:00 +0000")
        #expect(h["message-id"] == "<rollbook-42@rollbook.local>")
        #expect(h["mime-version"] == "1.0")
        #expect(h["content-type"] == "text/plain; charset=utf-8")
        #expect(h["content-transfer-encoding"] == "quoted-printable")
        let body = try #require(text.components(separatedBy: "\r\n\r\n").dropFirst().first)
        #expect(body.contains("Zo=C3=AB was absent today."))
        #expect(
            decodeQP(text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n"))
                == "Dear Ann,\r\nZoë was absent today.\r\n")
        #expect(try format(outgoing(body: "No line break at the end")).hasSuffix("\r\n\r\nNo line break at the end\r\n"))
        // Every line within the limits: 998 for any line, 76 in the quoted-printable body.
        for line in text.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 998) }
        for line in body.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 76) }
        // In summer, UK time.
        #expect(MailFormat.rfc5322Date(Date(timeIntervalSince1970: 1_783_000_000)).hasSuffix("+0100"))
    }

    @Test("a line starting with a dot is doubled, and the message ends with CRLF . CRLF")
    func dotStuffing() throws {
        let text = try format(outgoing(body: "Dear Ann,\n.\n.hidden line\n..two\nend."))
        let payload = MailFormat.dataPayload(text)
        #expect(payload.hasSuffix("\r\nend.\r\n.\r\n"))
        #expect(payload.contains("\r\n..\r\n"))
        #expect(payload.contains("\r\n...hidden line\r\n") == false)
        #expect(payload.contains("\r\n..hidden line\r\n"))
        #expect(payload.contains("\r\n...two\r\n"))
        // The lone "." appears once: at the end.
        #expect(payload.components(separatedBy: "\r\n").filter { $0 == "." }.count == 1)
        #expect(MailFormat.dataPayload("a\r\n.b\r\n") == "a\r\n..b\r\n.\r\n")
    }

    @Test("a subject or name that is not ASCII is sent as RFC 2047 encoded-words")
    func encodedWords() throws {
        let text = try format(outgoing(name: "Zoë Brontë", subject: "Penalty notice: £160"))
        let h = headers(text)
        let subject = try #require(h["subject"])
        #expect(subject.hasPrefix("=?UTF-8?B?"))
        #expect(subject.allSatisfy { $0.isASCII })
        #expect(decodeWords(subject) == "Penalty notice: £160")
        let to = try #require(h["to"])
        #expect(to.hasSuffix(" <ann.smith@example.test>"))
        #expect(decodeWords(String(to.dropLast(" <ann.smith@example.test>".count))) == "Zoë Brontë")
        // A long one is split into several words of at most 75 characters, none splitting a character.
        let long = String(repeating: "Zoë’s absence: £160 fine. ", count: 6)
        let words = MailFormat.encodedWords(long)
        #expect(words.count > 1)
        #expect(words.allSatisfy { $0.count <= 75 })
        #expect(decodeWords(words.joined(separator: "\r\n ")) == long)
        // A long ASCII subject is folded at spaces and unfolds to itself.
        let plain = String(repeating: "Attendance below ninety per cent ", count: 5).trimmingCharacters(in: .whitespaces)
        let folded = MailFormat.headerText(plain, used: 9)
        #expect(folded.contains("\r\n "))
        #expect(folded.replacingOccurrences(of: "\r\n", with: "") == plain)
        #expect(folded.components(separatedBy: "\r\n").allSatisfy { $0.count <= 78 })
    }

    @Test(
        "a line break in a header value is refused as a permanent error",
        arguments: [
            outgoing(to: "ann@example.test\r\nBcc: all@example.test"),
            outgoing(to: "ann@example.test\nBcc: all@example.test"),
            outgoing(name: "Ann\r\nBcc: all@example.test"),
            outgoing(subject: "Absence\nBcc: all@example.test"),
            outgoing(subject: "Absence\rBcc: all@example.test"),
        ])
    func headerInjection(_ m: OutgoingMessage) {
        do throws(DeliveryError) {
            _ = try format(m)
            Issue.record("formatted a message with a line break in a header")
        } catch {
            #expect(error.isPermanent)
            #expect(error.description.contains("line break"))
        }
    }

    @Test(
        "recipients that are not plain addresses are refused",
        arguments: [
            "", "ann", "@example.test", "ann@", "ann smith@example.test", "<ann@example.test>", "ann@example.test>",
            "zoë@example.test", "a@b.test, c@d.test",
        ])
    func badRecipients(_ address: String) {
        #expect(throws: DeliveryError.self) { try format(outgoing(to: address)) }
    }

    @Test("quoted-printable: = and non-ASCII as =XX, trailing spaces encoded, long lines soft-broken")
    func quotedPrintable() {
        #expect(MailFormat.quotedPrintable("£160 = fine") == "=C2=A3160 =3D fine")
        #expect(MailFormat.quotedPrintable("end \nnext\t") == "end=20\r\nnext=09")
        #expect(MailFormat.quotedPrintable("a\r\nb\rc") == "a\r\nb\r\nc")
        let long = String(repeating: "Zoë was absent on Monday and Tuesday. ", count: 8)
        let encoded = MailFormat.quotedPrintable(long)
        #expect(encoded.components(separatedBy: "\r\n").allSatisfy { $0.count <= 76 })
        #expect(encoded.contains("=\r\n"))
        #expect(decodeQP(encoded) == long)
    }

    // MARK: SMTP replies

    @Test("reply lines make replies: multi-line 250-... 250 ..., and malformed lines are errors")
    func replyParser() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.feed("250-smtp.example.test Hello") == nil)
        #expect(try parser.feed("250-STARTTLS") == nil)
        #expect(try parser.feed("250-AUTH LOGIN") == nil)
        let ehlo = try #require(try parser.feed("250 8BITMIME"))
        #expect(ehlo.code == 250)
        #expect(ehlo.lines == ["smtp.example.test Hello", "STARTTLS", "AUTH LOGIN", "8BITMIME"])
        let ext = SMTPReply.extensions(ehlo)
        #expect(ext["STARTTLS"] == [])
        #expect(ext["AUTH"] == ["LOGIN"])
        #expect(SMTPReply.extensions(SMTPReply(code: 250, lines: ["x", "AUTH=PLAIN LOGIN"]))["AUTH"] == ["PLAIN", "LOGIN"])
        #expect(try parser.feed("220 ready") == SMTPReply(code: 220, lines: ["ready"]))
        #expect(try parser.feed("354") == SMTPReply(code: 354, lines: [""]))
        #expect(throws: SMTPReplyParser.Malformed.self) { try parser.feed("hello") }
        var other = SMTPReplyParser()
        _ = try other.feed("250-first")
        #expect(throws: SMTPReplyParser.Malformed.self) { try other.feed("550 second") }
    }

    @Test("SMTP replies map to errors: 4xx temporary, 5xx permanent")
    func replyErrors() {
        #expect(SMTPSession.failure(SMTPReply(code: 451, lines: ["try later"]), stage: "RCPT") == .temporary("RCPT: 451 try later"))
        #expect(SMTPSession.failure(SMTPReply(code: 550, lines: ["no such user"]), stage: "RCPT") == .permanent("RCPT: 550 no such user"))
        #expect(SMTPTransport.serverName("127.0.0.1") == nil)
        #expect(SMTPTransport.serverName("::1") == nil)
        #expect(SMTPTransport.serverName("smtp.example.test") == "smtp.example.test")
    }

    @Test("nothing listening on the port is a temporary failure")
    func closedPort() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        try await server.close()
        let transport = try SMTPTransport(
            settings: SMTPSettings(
                host: "127.0.0.1", port: port, security: .none,
                from: "office@oakfield.test", fromName: "Oakfield", timeout: 5))
        do {
            let outcome = try await transport.send(outgoing())
            Issue.record("sent to a closed port: \(outcome)")
        } catch let error as DeliveryError {
            guard case .temporary(let why) = error else {
                Issue.record("not temporary: \(error)")
                return
            }
            #expect(why.contains("could not connect"))
        }
    }

    @Test("SMTP refuses a text message and a malformed sender before connecting")
    func smtpRefusesWithoutConnecting() async throws {
        let transport = try SMTPTransport(
            settings: SMTPSettings(
                host: "127.0.0.1", port: 9, security: .none,
                from: "not an address", fromName: "Oakfield"))
        await #expect(throws: DeliveryError.self) { try await transport.send(outgoing(channel: .sms, to: "07700900123")) }
        await #expect(throws: DeliveryError.permanent("the sender not an address is not a valid email address")) {
            try await transport.send(outgoing())
        }
    }

    // MARK: Notify

    @Test("the Notify token is an HS256 JWT with iss and iat, signed with the secret")
    func jwt() async throws {
        let token = try await NotifyJWT.token(serviceID: serviceID, secret: secret, issuedAt: Date(timeIntervalSince1970: 1_795_596_360))
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3)
        #expect(!token.contains("=") && !token.contains("+") && !token.contains("/"))
        let headerJSON = try #require(base64URLDecode(parts[0]))
        let claimsJSON = try #require(base64URLDecode(parts[1]))
        #expect(try JSONSerialization.jsonObject(with: headerJSON) as? [String: String] == ["typ": "JWT", "alg": "HS256"])
        // A whole number of seconds, even when the clock has a fraction: Notify refuses a fractional iat.
        let later = try await NotifyJWT.token(serviceID: serviceID, secret: secret, issuedAt: Date(timeIntervalSince1970: 1_795_596_360.75))
        let laterClaims = try #require(base64URLDecode(later.split(separator: ".")[1]))
        #expect(String(decoding: laterClaims, as: UTF8.self).contains("\"iat\":1795596360"))
        let claims = try #require(try JSONSerialization.jsonObject(with: claimsJSON) as? [String: Any])
        #expect(claims["iss"] as? String == serviceID)
        #expect((claims["iat"] as? NSNumber)?.intValue == 1_795_596_360)
        #expect(claims.count == 2)
        let signature = try #require(base64URLDecode(parts[2]))
        #expect(signature.count == 32)
        #expect(
            HMAC<SHA256>.isValidAuthenticationCode(
                signature, authenticating: Data("\(parts[0]).\(parts[1])".utf8),
                using: SymmetricKey(data: Data(secret.utf8))))
        #expect(
            !HMAC<SHA256>.isValidAuthenticationCode(
                signature, authenticating: Data("\(parts[0]).\(parts[1])".utf8),
                using: SymmetricKey(data: Data("another secret".utf8))))
    }

    @Test("an API key is {name}-{service id}-{secret key}")
    func apiKey() throws {
        let key = try NotifyAPIKey(parsing: "rollbook_live-\(serviceID)-\(secret)")
        #expect(key.name == "rollbook_live")
        #expect(key.serviceID == serviceID)
        #expect(key.secret == secret)
        // Names may contain hyphens themselves.
        #expect(try NotifyAPIKey(parsing: " my-test-key-\(serviceID)-\(secret)\n").name == "my-test-key")
    }

    @Test(
        "a malformed API key is a clear error that does not repeat the key",
        arguments: [
            "", "rollbook", "\(serviceID)-\(secret)", "rollbook-\(serviceID)\(secret)x",
            "rollbook-\(serviceID)-not-a-uuid-at-all-but-thirty-six-chars", "rollbook-zzzzzzzz-ab16-4eb0-8407-a37497a57506-\(secret)",
        ])
    func badAPIKey(_ text: String) {
        do throws(NotifyConfigurationError) {
            _ = try NotifyAPIKey(parsing: text)
            Issue.record("accepted \(text)")
        } catch {
            guard case .apiKey(let why) = error else {
                Issue.record("not an API key error: \(error)")
                return
            }
            #expect(why.contains("{key_name}-{service_id}-{secret_key}"))
            #expect(!why.contains(secret))
            #expect(error.description.hasPrefix("Notify API key: "))
        }
    }

    @Test("a transport is not made with a bad key, base URL or template id")
    func badSettings() throws {
        let client = HTTPClient.shared
        let key = "rollbook-\(serviceID)-\(secret)"
        #expect(throws: NotifyConfigurationError.self) { try NotifyTransport(settings: NotifySettings(apiKey: "nope"), client: client) }
        #expect(throws: NotifyConfigurationError.self) {
            try NotifyTransport(settings: NotifySettings(baseURL: "ftp://x", apiKey: key), client: client)
        }
        #expect(throws: NotifyConfigurationError.self) {
            try NotifyTransport(settings: NotifySettings(apiKey: key, emailTemplateID: "welcome"), client: client)
        }
        let transports = try makeTransports(smtp: nil, notify: NotifySettings(apiKey: key, smsTemplateID: serviceID), httpClient: client)
        #expect(transports.email == nil)
        #expect(transports.sms != nil)
        #expect(transports.transport(for: .sms) != nil)
    }

    @Test("Notify request bodies carry the recipient, template, personalisation and reference")
    func notifyBodies() throws {
        let m = outgoing(id: 7, subject: "Absence: £160", body: "Zoë was absent")
        let email = try #require(try JSONSerialization.jsonObject(with: NotifyTransport.emailBody(m, templateID: "T")) as? [String: Any])
        #expect(email["email_address"] as? String == "ann.smith@example.test")
        #expect(email["template_id"] as? String == "T")
        #expect(email["reference"] as? String == "rollbook-7")
        #expect(
            email["personalisation"] as? [String: String] == ["subject": "Absence: £160", "body": "Zoë was absent", "name": "Ann Smith"])
        #expect(email.count == 4)
        let sms = try #require(
            try JSONSerialization.jsonObject(
                with: NotifyTransport.smsBody(
                    outgoing(id: 8, channel: .sms, to: "07700900123"),
                    templateID: "S")) as? [String: Any])
        #expect(sms["phone_number"] as? String == "07700900123")
        #expect(sms["template_id"] as? String == "S")
        #expect(sms["reference"] as? String == "rollbook-8")
        #expect(sms["personalisation"] as? [String: String] == ["body": "Dear Ann,\nZoë was absent today.\n", "name": "Ann Smith"])
    }

    @Test("Notify answers map to outcomes: 400/403 permanent with Notify's message, 429/5xx temporary")
    func notifyFailures() {
        let bad = Data(
            #"{"status_code":400,"errors":[{"error":"BadRequestError","message":"Can't send to this recipient using a team-only API key"}]}"#
                .utf8)
        #expect(
            NotifyTransport.failure(.badRequest, bad)
                == .permanent("Notify 400: BadRequestError: Can't send to this recipient using a team-only API key"))
        let auth = Data(#"{"status_code":403,"errors":[{"error":"AuthError","message":"Invalid token: API key not found"}]}"#.utf8)
        #expect(NotifyTransport.failure(.forbidden, auth) == .permanent("Notify 403: AuthError: Invalid token: API key not found"))
        #expect(NotifyTransport.failure(.tooManyRequests, nil).isPermanent == false)
        #expect(NotifyTransport.failure(.internalServerError, Data("<html>".utf8)) == .temporary("Notify 500 Internal Server Error"))
        #expect(NotifyTransport.failure(.badGateway, nil).isPermanent == false)
        #expect(NotifyTransport.deliveryStatus("delivered") == .delivered)
        #expect(NotifyTransport.deliveryStatus("permanent-failure") == .failed("permanent-failure"))
        #expect(NotifyTransport.deliveryStatus("temporary-failure") == .failed("temporary-failure"))
        #expect(NotifyTransport.deliveryStatus("technical-failure") == .failed("technical-failure"))
        #expect(NotifyTransport.deliveryStatus("sending") == .pending)
        #expect(NotifyTransport.deliveryStatus("created") == .pending)
    }

    /// AsyncHTTPClient keeps trying a refused connection until the deadline, so this takes the timeout (1 s).
    @Test("Notify unreachable is a temporary failure")
    func notifyUnreachable() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        try await server.close()
        let transport = try NotifyTransport(
            settings: NotifySettings(
                baseURL: "http://127.0.0.1:\(port)", apiKey: "rollbook-\(serviceID)-\(secret)",
                emailTemplateID: serviceID, timeout: 1), client: .shared)
        let result: Result<DeliveryOutcome, any Error>
        do { result = .success(try await transport.send(outgoing())) } catch { result = .failure(error) }
        guard case .failure(let error) = result, case DeliveryError.temporary = error else {
            Issue.record("expected a temporary failure, got \(result)")
            return
        }
    }
}

/// Against the loopback fakes of Tests/e2e/fakes.py (`python Tests/e2e/fakes.py` prints these variables):
/// ROLLBOOK_TEST_SMTP=host:port, ROLLBOOK_TEST_NOTIFY_URL, ROLLBOOK_TEST_NOTIFY_KEY, ROLLBOOK_TEST_NOTIFY_EMAIL_TEMPLATE,
/// ROLLBOOK_TEST_NOTIFY_SMS_TEMPLATE. Skipped when they are not set.
/// ROLLBOOK_TEST_SMTP_SECURITY (none, startTLS, tls), ROLLBOOK_TEST_SMTP_CA (a PEM file), ROLLBOOK_TEST_SMTP_USER and
/// ROLLBOOK_TEST_SMTP_PASSWORD set the rest; ROLLBOOK_TEST_SMTP_REFUSED names a recipient the server refuses.
@Suite("Delivery: against running servers") struct DeliveryLiveTests {
    static let env = ProcessInfo.processInfo.environment

    static func smtpSettings() throws -> SMTPSettings {
        let parts = try #require(env["ROLLBOOK_TEST_SMTP"]?.split(separator: ":"))
        return SMTPSettings(
            host: String(parts[0]), port: try #require(Int(parts[1])),
            security: try #require(SMTPSettings.Security(rawValue: env["ROLLBOOK_TEST_SMTP_SECURITY"] ?? "none")),
            username: env["ROLLBOOK_TEST_SMTP_USER"], password: env["ROLLBOOK_TEST_SMTP_PASSWORD"],
            from: "office@oakfield.test", fromName: "Oakfield Primary", timeout: 10,
            extraCAFile: env["ROLLBOOK_TEST_SMTP_CA"])
    }

    @Test("SMTP: a message is accepted", .enabled(if: env["ROLLBOOK_TEST_SMTP"] != nil))
    func smtp() async throws {
        let settings = try Self.smtpSettings()
        let outcome = try await SMTPTransport(settings: settings).send(
            outgoing(id: 9, name: "Zoë Brontë", subject: "Penalty notice: £160", body: "Dear Zoë,\n.\n.hidden\nThe fine is £160.\n"))
        #expect(outcome != .sent(providerID: nil))
    }

    @Test("SMTP: a refused recipient is permanent (550) or temporary (451)", .enabled(if: env["ROLLBOOK_TEST_SMTP_REFUSED"] != nil))
    func smtpRefused() async throws {
        let settings = try Self.smtpSettings()
        let recipient = try #require(Self.env["ROLLBOOK_TEST_SMTP_REFUSED"])
        await #expect(throws: DeliveryError.self) { try await SMTPTransport(settings: settings).send(outgoing(to: recipient)) }
    }

    @Test("Notify: an email and a text are sent and their status read", .enabled(if: env["ROLLBOOK_TEST_NOTIFY_URL"] != nil))
    func notify() async throws {
        let url = try #require(Self.env["ROLLBOOK_TEST_NOTIFY_URL"])
        let key = try #require(Self.env["ROLLBOOK_TEST_NOTIFY_KEY"])
        let settings = NotifySettings(
            baseURL: url, apiKey: key,
            emailTemplateID: Self.env["ROLLBOOK_TEST_NOTIFY_EMAIL_TEMPLATE"],
            smsTemplateID: Self.env["ROLLBOOK_TEST_NOTIFY_SMS_TEMPLATE"], timeout: 10)
        let transport = try NotifyTransport(settings: settings, client: .shared)
        let email = try await transport.send(outgoing(subject: "Penalty notice: £160"))
        let sms = try await transport.send(outgoing(channel: .sms, to: "07700900123"))
        for outcome in [email, sms] {
            guard case .sent(let id?) = outcome else {
                Issue.record("no id: \(outcome)")
                continue
            }
            #expect(try await transport.status(providerID: id) == .delivered)
        }
    }
}
