import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import RollbookCore

/// Where and how to hand email to an SMTP server.
public struct SMTPSettings: Sendable {
    public enum Security: String, Sendable, CaseIterable {
        /// Plain TCP (a relay on the same host or a private network; tests).
        case none
        /// Plain TCP, then STARTTLS before anything else is said (usually port 587). Refuses to go on without it.
        case startTLS
        /// TLS from the first byte (usually port 465).
        case tls
    }
    public var host: String
    public var port: Int
    public var security: Security
    /// AUTH PLAIN (or LOGIN when that is all the server offers) when both are set.
    public var username: String?
    public var password: String?
    /// The sender's address (envelope and From header).
    public var from: String
    public var fromName: String
    /// The name said in EHLO and the right-hand side of the Message-ID.
    public var helo: String
    /// Seconds for the whole conversation, connecting included.
    public var timeout: Double
    /// A PEM file of certificate authorities to trust besides the system's (a private server; tests). Certificates
    /// and host names are always verified.
    public var extraCAFile: String?

    public init(
        host: String, port: Int, security: Security = .startTLS, username: String? = nil, password: String? = nil,
        from: String, fromName: String, helo: String = "rollbook.local", timeout: Double = 30,
        extraCAFile: String? = nil
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.from = from
        self.fromName = fromName
        self.helo = helo
        self.timeout = timeout
        self.extraCAFile = extraCAFile
    }
}

/// Sends each message over its own SMTP connection: greeting, EHLO (HELO if refused), STARTTLS, AUTH, MAIL FROM,
/// RCPT TO, DATA, QUIT. 4xx replies, connection failures and timeouts are temporary; 5xx replies are permanent.
public struct SMTPTransport: MessageTransport {
    public let settings: SMTPSettings
    let group: any EventLoopGroup
    let tls: NIOSSLContext?
    let now: @Sendable () -> Date

    /// Throws when TLS cannot be set up (e.g. `extraCAFile` is unreadable).
    public init(
        settings: SMTPSettings, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.settings = settings
        self.group = eventLoopGroup
        self.now = now
        if settings.security == .none {
            tls = nil
        } else {
            var config = TLSConfiguration.makeClientConfiguration()
            config.certificateVerification = .fullVerification
            if let file = settings.extraCAFile { config.additionalTrustRoots = [.file(file)] }
            tls = try NIOSSLContext(configuration: config)
        }
    }

    public func send(_ m: OutgoingMessage) async throws -> DeliveryOutcome {
        guard m.channel == .email else { throw DeliveryError.permanent("SMTP sends email only, not \(m.channel.rawValue)") }
        try MailFormat.checkAddress(settings.from, field: "sender")
        let text = try MailFormat.message(m, from: settings.from, fromName: settings.fromName, domain: settings.helo, date: now())
        let payload = MailFormat.dataPayload(text)

        let deadline = NIODeadline.now() + .milliseconds(Int64(max(settings.timeout, 0.1) * 1000))
        let tls = self.tls
        let implicitTLS = settings.security == .tls
        let serverName = Self.serverName(settings.host)
        let channel: NIOAsyncChannel<SMTPReply, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.milliseconds(Int64(max(settings.timeout, 0.1) * 1000)))
                .connect(host: settings.host, port: settings.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if implicitTLS, let tls {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName))
                        }
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                        return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw DeliveryError.temporary("could not connect to \(settings.host):\(settings.port): \(error)")
        }
        // Whatever happens, the connection is closed at the deadline, which ends any wait for a reply.
        let raw = channel.channel
        let timer = raw.eventLoop.scheduleTask(deadline: deadline) { raw.close(promise: nil) }
        defer { timer.cancel() }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                var session = SMTPSession(
                    replies: inbound.makeAsyncIterator(), writer: outbound, channel: raw,
                    deadline: deadline, timeout: settings.timeout)
                return try await converse(&session, recipient: m.recipient, payload: payload)
            }
        } catch let error as DeliveryError {
            throw error
        } catch {
            throw DeliveryError.temporary("SMTP connection to \(settings.host) failed: \(error)")
        }
    }

    private func converse(_ s: inout SMTPSession, recipient: String, payload: String) async throws -> DeliveryOutcome {
        let greeting = try await s.read("greeting")
        try s.check(greeting, [220], "greeting")
        var extensions = try await hello(&s)
        if settings.security == .startTLS {
            guard extensions["STARTTLS"] != nil else {
                throw DeliveryError.permanent("\(settings.host) does not offer STARTTLS, and security is startTLS")
            }
            try await s.command("STARTTLS", expect: [220])
            guard let tls else { throw DeliveryError.permanent("TLS is not set up") }
            try await s.startTLS(context: tls, serverName: Self.serverName(settings.host))
            extensions = try await hello(&s)
        }
        if let user = settings.username, let password = settings.password {
            try await authenticate(&s, extensions: extensions, user: user, password: password)
        }
        try await s.command("MAIL FROM:<\(settings.from)>", expect: [250])
        try await s.command("RCPT TO:<\(recipient)>", expect: [250, 251])
        try await s.command("DATA", expect: [354])
        let accepted = try await s.command(payload, stage: "message", expect: [250], terminator: "")
        // Accepted: nothing after this may turn the send into a failure.
        _ = try? await s.command("QUIT", expect: [221])
        return .sent(providerID: accepted.text.isEmpty ? nil : accepted.text)
    }

    /// EHLO, or HELO when the server refuses EHLO with 5xx. Returns the extensions offered (keyword -> parameters).
    private func hello(_ s: inout SMTPSession) async throws -> [String: [String]] {
        let reply = try await s.command("EHLO \(settings.helo)", expect: nil)
        if reply.code == 250 { return SMTPReply.extensions(reply) }
        if (500..<600).contains(reply.code) {
            try await s.command("HELO \(settings.helo)", expect: [250])
            return [:]
        }
        throw SMTPSession.failure(reply, stage: "EHLO")
    }

    private func authenticate(_ s: inout SMTPSession, extensions: [String: [String]], user: String, password: String) async throws {
        let mechanisms = Set((extensions["AUTH"] ?? []).map { $0.uppercased() })
        if mechanisms.contains("PLAIN") {
            let token = Data("\0\(user)\0\(password)".utf8).base64EncodedString()
            try await s.command("AUTH PLAIN \(token)", stage: "AUTH", expect: [235])
        } else if mechanisms.contains("LOGIN") {
            try await s.command("AUTH LOGIN", stage: "AUTH", expect: [334])
            try await s.command(Data(user.utf8).base64EncodedString(), stage: "AUTH username", expect: [334])
            try await s.command(Data(password.utf8).base64EncodedString(), stage: "AUTH password", expect: [235])
        } else {
            throw DeliveryError.permanent(
                "\(settings.host) offers neither AUTH PLAIN nor AUTH LOGIN (offers: \(mechanisms.sorted().joined(separator: " ")))")
        }
    }

    /// The name for SNI and certificate checks: nil for an IP address (then the address itself is checked).
    static func serverName(_ host: String) -> String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }
}

// MARK: - The conversation

/// One reply: its code and the text of each line (without the code and separator).
struct SMTPReply: Sendable, Equatable {
    var code: Int
    var lines: [String]
    var text: String { lines.joined(separator: " ").trimmingCharacters(in: .whitespaces) }

    /// The EHLO reply's extensions: every line after the first, keyword (upper case) -> parameters. `AUTH=PLAIN`
    /// (an old form) counts as `AUTH PLAIN`.
    static func extensions(_ reply: SMTPReply) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for line in reply.lines.dropFirst() {
            var words = line.split(separator: " ").map(String.init)
            guard !words.isEmpty else { continue }
            var keyword = words.removeFirst().uppercased()
            if keyword.hasPrefix("AUTH=") {
                words.insert(String(keyword.dropFirst(5)), at: 0)
                keyword = "AUTH"
            }
            result[keyword, default: []].append(contentsOf: words)
        }
        return result
    }
}

/// Turns reply lines into replies: `250-first`, `250-second`, `250 last` is one reply with three lines.
struct SMTPReplyParser {
    private var code: Int?
    private var lines: [String] = []

    struct Malformed: Error, CustomStringConvertible {
        var line: String
        var description: String { "malformed SMTP reply line: \(line.prefix(80))" }
    }

    /// Feeds one line without its line ending; returns the reply when this line completes one.
    mutating func feed(_ line: String) throws -> SMTPReply? {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, bytes[0...2].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let lineCode = Int(String(decoding: bytes[0...2], as: UTF8.self)), (200..<600).contains(lineCode)
        else { throw Malformed(line: line) }
        let separator = bytes.count > 3 ? bytes[3] : UInt8(ascii: " ")
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else { throw Malformed(line: line) }
        if let code, code != lineCode { throw Malformed(line: line) }
        code = lineCode
        lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        guard separator == UInt8(ascii: " ") else {
            if lines.count > 1000 { throw Malformed(line: "more than 1000 lines in one reply") }
            return nil
        }
        defer {
            code = nil
            lines = []
        }
        return SMTPReply(code: lineCode, lines: lines)
    }
}

/// Splits the byte stream into lines (CRLF, or a bare LF) and passes on whole replies.
final class SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply
    private var parser = SMTPReplyParser()

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 4096 { throw SMTPReplyParser.Malformed(line: "a line longer than 4096 bytes") }
            return .needMoreData
        }
        var line = buffer.readString(length: newline - buffer.readerIndex + 1) ?? ""
        line.removeLast()  // "\n"
        if line.hasSuffix("\r") { line.removeLast() }
        if let reply = try parser.feed(line) {
            context.fireChannelRead(wrapInboundOut(reply))
        }
        return .continue
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// The client's side of one connection: send a line, read a reply, each failure already a `DeliveryError`.
struct SMTPSession {
    var replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
    let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let channel: any Channel
    let deadline: NIODeadline
    let timeout: Double

    static func failure(_ reply: SMTPReply, stage: String) -> DeliveryError {
        let what = "\(stage): \(reply.code) \(reply.text)"
        switch reply.code {
        case 400..<500: return .temporary(what)
        case 500..<600: return .permanent(what)
        default: return .temporary("\(stage): unexpected reply \(reply.code) \(reply.text)")
        }
    }

    func check(_ reply: SMTPReply, _ expected: Set<Int>, _ stage: String) throws {
        guard expected.contains(reply.code) else { throw Self.failure(reply, stage: stage) }
    }

    private func lost(_ stage: String, _ error: (any Error)?) -> DeliveryError {
        if NIODeadline.now() >= deadline {
            return .temporary("timed out after \(timeout) s (\(stage))")
        }
        if let error { return .temporary("\(stage): connection failed: \(error)") }
        return .temporary("\(stage): the server closed the connection")
    }

    mutating func read(_ stage: String) async throws -> SMTPReply {
        let reply: SMTPReply?
        do { reply = try await replies.next() } catch { throw lost(stage, error) }
        guard let reply else { throw lost(stage, nil) }
        return reply
    }

    /// Sends `line` (plus CRLF) and reads the reply, which must have one of `expect`'s codes (any code when nil).
    /// `stage` names the step in errors: by default the command's first word, so no credential is ever repeated.
    @discardableResult
    mutating func command(_ line: String, stage: String? = nil, expect: Set<Int>?, terminator: String = "\r\n") async throws -> SMTPReply {
        let stage = stage ?? String(line.prefix { $0 != " " && $0 != ":" })
        do { try await writer.write(ByteBuffer(string: line + terminator)) } catch { throw lost(stage, error) }
        let reply = try await read(stage)
        if let expect { try check(reply, expect, stage) }
        return reply
    }

    /// Puts TLS under everything after the server's 220 to STARTTLS.
    func startTLS(context: NIOSSLContext, serverName: String?) async throws {
        let channel = self.channel
        do {
            try await channel.eventLoop.submit {
                let handler = try NIOSSLClientHandler(context: context, serverHostname: serverName)
                try channel.pipeline.syncOperations.addHandler(handler, position: .first)
            }.get()
        } catch {
            throw DeliveryError.temporary("STARTTLS: \(error)")
        }
    }
}

// MARK: - The message

/// RFC 5322 / MIME formatting of one message: pure, so it is tested without a server.
enum MailFormat {
    /// The whole message (headers, blank line, quoted-printable body) with CRLF line endings, not yet dot-stuffed.
    static func message(_ m: OutgoingMessage, from: String, fromName: String, domain: String, date: Date) throws(DeliveryError) -> String {
        try checkAddress(m.recipient, field: "recipient")
        try checkHeaderText(m.recipientName, field: "recipient name")
        try checkHeaderText(m.subject, field: "subject")
        try checkHeaderText(fromName, field: "sender name")
        try checkHeaderText(m.template, field: "template")
        try checkHeaderText(domain, field: "helo")
        let headers = [
            "From: " + mailbox(name: fromName, address: from),
            "To: " + mailbox(name: m.recipientName, address: m.recipient),
            "Subject: " + headerText(m.subject, used: "Subject: ".count),
            "Date: " + rfc5322Date(date),
            "Message-ID: <rollbook-\(m.id)@\(domain)>",
            "MIME-Version: 1.0",
        ]
        let common = ["Auto-Submitted: auto-generated", "X-Rollbook-Template: \(m.template)"]
        func part(_ text: String) -> String {
            let qp = quotedPrintable(text)
            return qp + (qp.hasSuffix("\r\n") ? "" : "\r\n")
        }
        let plain = ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"]
        guard let html = m.html else {
            return (headers + plain + common).joined(separator: "\r\n") + "\r\n\r\n" + part(m.body)
        }
        // A letter: text and HTML as alternatives. "=" never appears bare in quoted-printable, so the boundary cannot.
        let boundary = "=_rollbook_\(m.id)_alt"
        let page =
            "<!doctype html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>\(xmlEscaped(m.subject))</title></head>\n<body>\n\(html)\n</body></html>"
        return (headers + ["Content-Type: multipart/alternative; boundary=\"\(boundary)\""] + common).joined(separator: "\r\n") + "\r\n\r\n"
            + "--\(boundary)\r\n" + plain.joined(separator: "\r\n") + "\r\n\r\n" + part(m.body)
            + "--\(boundary)\r\n"
            + ["Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"].joined(separator: "\r\n")
            + "\r\n\r\n" + part(page) + "--\(boundary)--\r\n"
    }

    /// What follows DATA: every line that starts with "." gets another, then the lone "." that ends the message.
    static func dataPayload(_ message: String) -> String {
        var lines = message.components(separatedBy: "\r\n")
        if lines.last == "" { lines.removeLast() }
        return lines.map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n") + "\r\n.\r\n"
    }

    /// Refuses control characters in header text; a line break would let the text add headers of its own.
    static func checkHeaderText(_ text: String, field: String) throws(DeliveryError) {
        if text.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw .permanent("the \(field) contains a line break: refused (header injection)")
        }
        if text.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) {
            throw .permanent("the \(field) contains a control character")
        }
    }

    /// A plain ASCII address with a local part and a domain, nothing that could end the SMTP command or the header.
    static func checkAddress(_ address: String, field: String) throws(DeliveryError) {
        try checkHeaderText(address, field: field)
        guard address.unicodeScalars.allSatisfy({ $0.isASCII }) else {
            throw .permanent("the \(field) \(address) is not ASCII (international addresses are not supported)")
        }
        let forbidden = Set("<>()[]\\,;: \t\"")
        guard let at = address.lastIndex(of: "@"), at != address.startIndex, address.index(after: at) != address.endIndex,
            !address.contains(where: { forbidden.contains($0) }), address.count <= 254
        else { throw .permanent("the \(field) \(address) is not a valid email address") }
    }

    /// `"Name" <address>`, or `=?UTF-8?B?...?= <address>` when the name is not ASCII, or just `<address>`.
    static func mailbox(name: String, address: String) -> String {
        if name.isEmpty { return "<\(address)>" }
        if name.unicodeScalars.allSatisfy({ $0.isASCII }) {
            let quoted = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(quoted)\" <\(address)>"
        }
        return encodedWords(name).joined(separator: "\r\n ") + " <\(address)>"
    }

    /// Unstructured header text: as it is (folded at spaces) when it is short-worded printable ASCII, otherwise
    /// RFC 2047 encoded-words. `used` is how much of the first line the header's name takes.
    static func headerText(_ text: String, used: Int) -> String {
        let printable = text.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) } && !text.contains("=?")
        let words = text.split(separator: " ")
        guard printable, words.allSatisfy({ $0.count <= 70 }) else { return encodedWords(text).joined(separator: "\r\n ") }
        if used + text.count <= 78 { return text }
        // Fold before a space (unfolding takes the CRLF out and keeps the space); runs of spaces become one.
        var lines: [String] = []
        var line = ""
        var room = 78 - used
        for word in words {
            if line.isEmpty {
                line = String(word)
            } else if line.count + 1 + word.count > room {
                lines.append(line)
                line = String(word)
                room = 77
            } else {
                line += " " + word
            }
        }
        lines.append(line)
        return lines.joined(separator: "\r\n ")
    }

    /// RFC 2047 B encoded-words of at most 45 UTF-8 bytes each (72 characters), never splitting a character.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        func flush() {
            if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
            chunk = []
        }
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > 45 { flush() }
            chunk += bytes
        }
        flush()
        return words.isEmpty ? ["=?UTF-8?B??="] : words
    }

    /// Quoted-printable (RFC 2045) of UTF-8 text: CRLF line breaks, lines of at most 76 characters (soft breaks
    /// `=`), `=` and bytes outside printable ASCII as `=XX`, a space or tab at a line's end encoded too.
    static func quotedPrintable(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        let hex = Array("0123456789ABCDEF")
        var out: [String] = []
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            let bytes = Array(line.utf8)
            var encoded = ""
            var width = 0
            for (i, byte) in bytes.enumerated() {
                let last = i == bytes.count - 1
                let token: String
                if (byte == 0x20 || byte == 0x09) && !last {
                    token = String(UnicodeScalar(byte))
                } else if (33...126).contains(byte) && byte != UInt8(ascii: "=") {
                    token = String(UnicodeScalar(byte))
                } else {
                    token = "=" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0x0F)])
                }
                // Keep room for the soft break's "=" unless this token ends the line.
                if width + token.count > (last ? 76 : 75) {
                    encoded += "=\r\n"
                    width = 0
                }
                encoded += token
                width += token.count
            }
            out.append(encoded)
        }
        return out.joined(separator: "\r\n")
    }

    /// `Wed, 25 Nov 2026 08:46:00 +0000`, in UK time.
    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Europe/London") ?? TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, d MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}
