import AsyncHTTPClient
import Fluent
import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// How messages leave Rollbook: the channels (SMTP, GOV.UK Notify), the address links point at, and the retry plan
/// (read from the environment by `Settings`).
public struct MessageSettings: Sendable {
    public var smtp: SMTPSettings?
    public var notify: NotifySettings?
    /// The address parents reach this server at, for links in messages.
    public var publicURL: String
    /// Seconds to wait after the 1st, 2nd, ... failed attempt; a message fails for good after one more attempt than
    /// there are delays.
    public var retryDelays: [Double]
    /// Seconds between the outbox worker's passes while serving.
    public var interval: Double

    public init(
        smtp: SMTPSettings? = nil, notify: NotifySettings? = nil, publicURL: String = "http://localhost:8080",
        retryDelays: [Double] = [60, 300, 900, 3600], interval: Double = 30
    ) {
        self.smtp = smtp
        self.notify = notify
        self.publicURL = publicURL
        self.retryDelays = retryDelays
        self.interval = interval
    }

    public var maxAttempts: Int { retryDelays.count + 1 }
    public var configured: Bool { smtp != nil || notify != nil }
}

struct TransportsKey: StorageKey { typealias Value = Transports }

extension Application {
    /// The message channels as configured (none: messages wait in the outbox).
    var transports: Transports {
        get { storage[TransportsKey.self] ?? Transports() }
        set { storage[TransportsKey.self] = newValue }
    }
}

/// The words of each message. Plain, short, and never more personal than a parent needs.
enum MessageText {
    static func forename(_ p: PupilRow) -> String { p.preferredForename.isEmpty ? p.legalForename : p.preferredForename }

    /// `afternoonOnly`: the pupil was in for the morning register and is missing from the afternoon's.
    static func dayOne(
        _ p: PupilRow, date: LocalDate, school: String, link: String, channel: OutgoingMessage.Channel,
        afternoonOnly: Bool = false
    ) -> (String, String) {
        let name = forename(p)
        let when = afternoonOnly ? "this afternoon" : "today"
        let subject = "\(name) is absent from school \(when)"
        if channel == .sms {
            return (
                subject,
                "\(school): \(name) is not in school \(when) and we have no reason. Please tell us why: \(link) or phone the office."
            )
        }
        return (
            subject,
            """
            \(name) is not in school \(when) (\(ParentWords.date(date))) and we have not been told why.

            Please tell us the reason as soon as you can, using this link (it works once, for today's absence only, and needs no password):
            \(link)

            Or phone the school office. If \(name) should be in school, please contact us at once.

            \(school)
            """
        )
    }

    /// `lesson`: the lesson a pupil already in school was late to; nil for arriving late to school.
    static func lateArrival(
        _ p: PupilRow, date: LocalDate, time: TimeOfDay?, minutesLate: Int?, code: AttendanceCode, lesson: String?, school: String,
        channel: OutgoingMessage.Channel
    ) -> (String, String) {
        let name = forename(p)
        let when = time.map { " at \($0)" } ?? minutesLate.map { " \($0) minutes late" } ?? " late"
        let what = lesson.map { "was\(minutesLate.map { " \($0) minutes" } ?? "") late to \($0)" } ?? "arrived at school\(when)"
        let after = code == .u ? " This was after the register closed, so the session counts as an unauthorised absence." : ""
        if channel == .sms {
            return ("\(name) was late today", "\(school): \(name) \(lesson == nil ? "arrived\(when)" : what) today.\(after)")
        }
        return (
            "\(name) was late today",
            "\(name) \(what) today (\(ParentWords.date(date))).\(after) Being on time matters: please talk to us if something is making it hard.\n\n\(school)"
        )
    }

    static func truancy(_ p: PupilRow, date: LocalDate, session: Session, school: String) -> (String, String) {
        let name = forename(p)
        return (
            "\(name) left school without permission",
            "We are contacting you because \(name) left the school site without permission on \(ParentWords.date(date)) (\(session == .am ? "morning" : "afternoon")). While \(name) is away without our knowledge we cannot keep \(name) safe. Please contact the school office today, and let us know at once if you know where \(name) is.\n\n\(school)"
        )
    }

    /// Staff ask for evidence of the reason for an absence.
    static func evidenceRequest(_ p: PupilRow, sessions: String, school: String) -> (String, String) {
        let name = forename(p)
        return (
            "Evidence for \(name)'s absence",
            "We need evidence of the reason for \(name)'s absence: \(sessions). This could be a photo of an appointment card, a prescription or a letter from a doctor or another professional. Please send a photo or a PDF through the parent portal (\(name)'s attendance page), or bring it to the school office. Without evidence, the absence may be recorded as unauthorised.\n\n\(school)"
        )
    }

    static func reportAnswered(_ p: PupilRow, report: AbsenceReportRow, accepted: Bool, code: AttendanceCode?, school: String) -> (
        String, String
    ) {
        let name = forename(p)
        let when = ParentWords.range(report.fromDay, report.toDay)
        if accepted, let code {
            return (
                "Absence recorded for \(name)",
                "Thank you for telling us about \(name)'s absence (\(when)). We have recorded it as: \(code.meaning(on: report.fromDay).lowercased()).\n\n\(school)"
            )
        }
        return (
            "About \(name)'s absence",
            "We could not accept the reason given for \(name)'s absence (\(when))\(report.decisionNote.map { ": \($0)" } ?? ""). Please contact the school office.\n\n\(school)"
        )
    }

    static func invitation(name: String, school: String, link: String) -> (String, String) {
        (
            "Your account for \(school)'s parent portal",
            """
            Dear \(name),

            \(school) has invited you to its parent portal, where you can see your child's attendance, report an absence and ask for leave.

            Set your password with this link (it works once and expires in 14 days):
            \(link)

            \(school)
            """
        )
    }
}

/// The outbox worker: queues the day-1 messages once registers close, and delivers what is due.
enum Outbox {
    static let jobActor = Actor(name: "Rollbook", position: "Messages")

    /// The day-1 hold-off: after each register closes on a school day, one message per channel to the first contact
    /// in priority order for every pupil still unexplained (marked N, with no report from a parent covering the session).
    /// Pupils on a trip, on leave, dual registered or arrived late do not have N. Never twice for the same absence.
    @discardableResult
    static func queueDayOne(store: Store, schoolID: Int, now: SchoolNow, settings: MessageSettings, transports: Transports) async throws
        -> Int
    {
        let calendar = try await store.calendar(schoolID: schoolID)
        guard calendar.isSchoolDay(now.date) else { return 0 }
        let policy = try await store.policy(schoolID: schoolID, on: now.date)
        var absent: [Int: [Session]] = [:]
        for s in Session.allCases where policy.register[s].state(at: now.time) == .closed {
            for id in try await store.noReasonPupils(schoolID: schoolID, date: now.date, session: s) { absent[id, default: []].append(s) }
        }
        guard !absent.isEmpty else { return 0 }
        for r in try await store.absenceReports(pupilIDs: Array(absent.keys), covering: now.date) {
            absent[r.pupilID] = absent[r.pupilID]?.filter { !r.covers(now.date, $0) }
        }
        let ids = absent.filter { !$0.value.isEmpty }.map(\.key).sorted()
        let channels = Self.channels(transports)
        let taken = try await store.dedupeKeysTaken(ids.flatMap { id in channels.map { dayOneKey(id, now.date, $0) } })
        let pupils = ids.isEmpty ? [] : try await PupilRow.query(on: store.db).filter(\.$id ~~ ids).sort(\.$id).all()
        let contacts = try await store.contacts(schoolID: schoolID, pupilIDs: ids)
        let school = try await store.school(schoolID).name
        var rows: [OutboxRow] = []
        for p in pupils {
            for channel in channels where !taken.contains(dayOneKey(p.id!, now.date, channel)) {
                guard let c = (contacts[p.id!] ?? []).first(where: { !address($0, channel).isEmpty }) else { continue }
                rows.append(
                    try await dayOneMessage(
                        store: store, pupil: p, contact: c, channel: channel, date: now.date, school: school,
                        settings: settings, now: now, key: dayOneKey(p.id!, now.date, channel),
                        afternoonOnly: absent[p.id!] == [.pm]))
            }
        }
        return try await store.enqueue(rows).count
    }

    static func dayOneKey(_ pupilID: Int, _ date: LocalDate, _ channel: OutgoingMessage.Channel) -> String {
        "day_one:\(pupilID):\(date.iso):\(channel.rawValue)"
    }

    /// Email always (it waits in the outbox when no channel is configured); SMS when Notify sends SMS.
    static func channels(_ t: Transports) -> [OutgoingMessage.Channel] { t.sms == nil ? [.email] : [.email, .sms] }

    static func address(_ c: Contact, _ channel: OutgoingMessage.Channel) -> String {
        (channel == .email ? c.email : c.phone).trimmingCharacters(in: .whitespaces)
    }

    static func dayOneMessage(
        store: Store, pupil p: PupilRow, contact c: Contact, channel: OutgoingMessage.Channel, date: LocalDate,
        school: String, settings: MessageSettings, now: SchoolNow, key: String, afternoonOnly: Bool = false
    ) async throws -> OutboxRow {
        let token = APIToken.generate()
        let link = ReplyLinkRow()
        link.tokenHash = APIToken.hash(token)
        link.pupilID = p.id!
        link.date = date.iso
        link.contactName = c.name
        link.expiresAt = OutboxTime.string(now.instant.addingTimeInterval(24 * 3600))
        try await store.addReplyLink(link)
        let (subject, body) = MessageText.dayOne(
            p, date: date, school: school, link: "\(settings.publicURL)/reply/\(token)", channel: channel,
            afternoonOnly: afternoonOnly)
        return OutboxRow(
            schoolID: p.schoolID, pupilID: p.id!, template: .dayOneAbsence, channel: channel.rawValue, recipient: address(c, channel),
            recipientName: c.name, contactPriority: c.priority, subject: subject, body: body, dedupeKey: key,
            about: OutboxRow.absenceAbout(date), at: now.instant)
    }

    /// Queues a message to a pupil's contacts with parental responsibility (letters, decisions), by email.
    @discardableResult
    static func toParents(
        store: Store, pupil p: PupilRow, template: MessageTemplate, subject: String, body: String, caseworkID: Int?,
        about: String, dedupe: String?, onlyEmail: String? = nil, html: String? = nil, at now: Date
    ) async throws -> Int {
        var rows: [OutboxRow] = []
        for c in try await store.contacts(pupilID: p.id!) where c.parentalResponsibility && !c.email.isEmpty {
            if let only = onlyEmail, c.email.lowercased() != only.lowercased() { continue }
            rows.append(
                OutboxRow(
                    schoolID: p.schoolID, pupilID: p.id!, caseworkID: caseworkID, template: template, channel: "email",
                    recipient: c.email, recipientName: c.name, contactPriority: c.priority, subject: subject, body: body,
                    html: html, dedupeKey: dedupe.map { "\($0):\(c.priority)" }, about: about, at: now))
        }
        return try await store.enqueue(rows).count
    }

    struct PassReport: Sendable, Equatable {
        var sent = 0, retrying = 0, failed = 0, cancelled = 0, delivered = 0
        var description: String { "\(sent) sent, \(retrying) to retry, \(failed) failed, \(cancelled) cancelled, \(delivered) delivered" }
    }

    /// Sends every message due by `now` (claimed, so each goes from one instance only), then asks Notify about
    /// messages it accepted earlier.
    static func deliver(store: Store, transports: Transports, settings: MessageSettings, now: SchoolNow) async throws -> PassReport {
        var report = PassReport()
        guard transports.email != nil || transports.sms != nil else { return report }
        let instant = now.instant
        for m in try await store.claimDueMessages(now: instant) {
            if let why = try await noLongerNeeded(store: store, m, now: now) {
                try await store.finishAttempt(id: m.id!, state: .cancelled, error: why, providerID: nil, nextAttempt: nil, at: instant)
                report.cancelled += 1
                continue
            }
            let channel = OutgoingMessage.Channel(rawValue: m.channel) ?? .email
            guard let transport = transports.transport(for: channel) else {
                try await store.finishAttempt(
                    id: m.id!, state: .failed, error: "no \(channel.rawValue) channel is configured", providerID: nil,
                    nextAttempt: nil, at: instant)
                report.failed += 1
                continue
            }
            let message = OutgoingMessage(
                id: m.id!, channel: channel, recipient: m.recipient, recipientName: m.recipientName,
                subject: m.subject, body: m.body, template: m.template, html: m.html)
            do {
                let outcome = try await transport.send(message)
                guard case .sent(let providerID) = outcome else { continue }
                // Only Notify's id can be asked about later; an SMTP server's reply is kept as the error-free note.
                let viaNotify = transport is NotifyTransport
                try await store.finishAttempt(
                    id: m.id!, state: .sent, error: nil, providerID: viaNotify ? providerID : nil, nextAttempt: nil, at: instant)
                report.sent += 1
            } catch {
                let failure = error as? DeliveryError ?? .temporary("\(error)")
                let attempt = m.attempts + 1
                if !failure.isPermanent && attempt < settings.maxAttempts {
                    let delay = settings.retryDelays[min(attempt - 1, settings.retryDelays.count - 1)]
                    try await store.finishAttempt(
                        id: m.id!, state: .queued, error: failure.description, providerID: nil,
                        nextAttempt: instant.addingTimeInterval(delay), at: instant)
                    report.retrying += 1
                } else {
                    try await store.finishAttempt(
                        id: m.id!, state: .failed, error: "\(failure.description) (after \(attempt) attempt\(attempt == 1 ? "" : "s"))",
                        providerID: nil, nextAttempt: nil, at: instant)
                    report.failed += 1
                    try await nextContact(store: store, after: m, settings: settings, transports: transports, now: now)
                }
            }
        }
        if let notify = transports.notify {
            for m in try await store.awaitingDeliveryReport(since: instant.addingTimeInterval(-72 * 3600)) {
                guard let id = m.providerID else { continue }
                switch try? await notify.status(providerID: id) {
                case .delivered:
                    try await store.finishAttempt(id: m.id!, state: .delivered, error: nil, providerID: nil, nextAttempt: nil, at: instant)
                    report.delivered += 1
                case .failed(let why):
                    try await store.finishAttempt(
                        id: m.id!, state: .failed, error: "Notify: \(why)", providerID: nil, nextAttempt: nil, at: instant)
                    report.failed += 1
                    try await nextContact(store: store, after: m, settings: settings, transports: transports, now: now)
                default: break
                }
            }
        }
        return report
    }

    /// A day-1 message is cancelled when the absence was explained before it went (the pupil arrived, a parent
    /// reported it, the office recorded a reason) or its day has passed.
    static func noLongerNeeded(store: Store, _ m: OutboxRow, now: SchoolNow) async throws -> String? {
        guard m.template == MessageTemplate.dayOneAbsence.rawValue, let pupilID = m.pupilID,
            let day = m.absenceDay
        else { return nil }
        if day < now.date { return "not sent: the day of the absence (\(day)) has passed" }
        var unexplained: [Session] = []
        for s in Session.allCases
        where try await !store.noReasonPupils(schoolID: m.schoolID, date: day, session: s, pupilIDs: [pupilID]).isEmpty {
            unexplained.append(s)
        }
        let reports = try await store.absenceReports(pupilIDs: [pupilID], covering: day)
        unexplained.removeAll { s in reports.contains { $0.covers(day, s) } }
        return unexplained.isEmpty ? "not sent: the absence was explained before the message went" : nil
    }

    /// Day-1 messages go to contacts in priority order: when one cannot be delivered, the next contact gets it.
    static func nextContact(store: Store, after m: OutboxRow, settings: MessageSettings, transports: Transports, now: SchoolNow)
        async throws
    {
        guard m.template == MessageTemplate.dayOneAbsence.rawValue, let pupilID = m.pupilID, let priority = m.contactPriority,
            let channel = OutgoingMessage.Channel(rawValue: m.channel),
            let day = m.absenceDay, day == now.date,
            let p = try await PupilRow.find(pupilID, on: store.db)
        else { return }
        let contacts = try await store.contacts(schoolID: p.schoolID, pupilIDs: [pupilID])[pupilID] ?? []
        guard let next = contacts.first(where: { $0.priority > priority && !address($0, channel).isEmpty }) else { return }
        let school = try await store.school(p.schoolID).name
        let key = "\(dayOneKey(pupilID, day, channel)):\(next.priority)"
        try await store.enqueue([
            try await dayOneMessage(
                store: store, pupil: p, contact: next, channel: channel, date: day, school: school,
                settings: settings, now: now, key: key, afternoonOnly: m.subject.hasSuffix("this afternoon"))
        ])
    }

    /// One pass for every school: day-1 messages for registers that have closed, then delivery.
    static func runPass(app: Application) async {
        let store = app.store
        let now = app.options.clock.now()
        do {
            var queued = 0
            for school in try await store.schools() {
                queued += try await queueDayOne(
                    store: store, schoolID: school.id!, now: now, settings: app.options.messages, transports: app.transports)
            }
            let r = try await deliver(store: store, transports: app.transports, settings: app.options.messages, now: now)
            if queued > 0 || r != PassReport() { app.logger.info("Outbox: \(queued) day-1 messages queued; \(r.description).") }
        } catch {
            app.logger.error("Outbox pass failed: \(error)")
        }
    }
}

/// The outbox worker's pass outside a server (`rollbook messages run`): the same queueing and delivery.
public enum OutboxPass {
    public static func run(store: Store, settings: MessageSettings, now: SchoolNow) async throws -> String {
        let transports = try makeTransports(smtp: settings.smtp, notify: settings.notify, httpClient: HTTPClient.shared)
        var queued = 0
        for school in try await store.schools() {
            queued += try await Outbox.queueDayOne(store: store, schoolID: school.id!, now: now, settings: settings, transports: transports)
        }
        let r = try await Outbox.deliver(store: store, transports: transports, settings: settings, now: now)
        return "\(queued) day-1 messages queued; \(r.description)."
    }
}
