import Foundation
import LeafKit
import RollbookCore
import RollbookStore
import Vapor

/// `/postcards`: electronic postcards to families (seed 004: "Electronic postcards for 100% attendance at the end of
/// each half-term and end of year"), and for improved attendance where the policy's `rewards.postcards` says. Staff
/// choose a period that has ended, see who gets one with a sample of each postcard, then queue them all: each goes
/// on the pupil's timeline and by email to each parent with parental responsibility, once per pupil and period.
struct PostcardsController {
    struct PeriodOption: Encodable {
        var id, label: String
        var selected: Bool
    }
    struct Sample: Encodable {
        var kind, title, name, subject, body: String
    }
    struct Line: Encodable {
        var upn, name, kind: String
        var sent: Bool
    }
    struct Page: Encodable {
        var configured: Bool
        var periods: [PeriodOption]
        var period: String?
        var periodLabel: String
        var fullAttendance: Int
        var improving: Int
        var toSend: Int
        var alreadySent: Int
        var samples: [Sample]
        var pupils: [Line]
        var flash: String?
    }

    /// The casework key that records a pupil's postcard for a period, so a run repeated sends nothing twice.
    static func key(period: String, pupilID: Int) -> String { "postcard:\(period):\(pupilID)" }

    struct Run {
        var rewards: Policy.Rewards
        var periods: [PostcardPeriod]
        var period: PostcardPeriod?
        var roll: AnalyticsRoll
        /// Each postcard with the pupil's row (pupils on roll today only).
        var cards: [(card: Postcard, pupil: PupilRow)]
        var taken: Set<String>
    }

    static func run(_ req: Request, _ u: StaffUser, periodID: String?) async throws -> Run? {
        let now = req.clock.now()
        let policy = try await req.store.policy(schoolID: u.schoolID, on: now.date)
        guard let rewards = policy.rewards, rewards.postcards != nil else { return nil }
        let through = figuresThrough(now, policy: policy)
        let roll = try await req.application.analytics.roll(req.store, schoolID: u.schoolID, year: AcademicYear(containing: through))
        let periods = roll.postcardPeriods(rewards, through: through)
        var period = periods.last
        if let id = periodID {
            guard let p = periods.first(where: { $0.id == id }) else {
                throw APIError.invalid("period", "'\(id)' is not a period of this school year that has ended and has postcards")
            }
            period = p
        }
        var cards: [(card: Postcard, pupil: PupilRow)] = []
        if let period {
            let rows = Dictionary(try await req.store.pupils(schoolID: u.schoolID).map { ($0.upn, $0) }, uniquingKeysWith: { a, _ in a })
            for c in roll.postcards(period, rewards: rewards) {
                guard let p = rows[c.pupil.id], p.leavingDay.map({ $0 > now.date.iso }) ?? true else { continue }
                cards.append((c, p))
            }
        }
        let keys = period.map { pd in cards.map { Self.key(period: pd.id, pupilID: $0.pupil.id!) } } ?? []
        return Run(
            rewards: rewards, periods: periods, period: period, roll: roll, cards: cards,
            taken: try await req.store.caseworkKeysTaken(keys))
    }

    static func label(_ p: PostcardPeriod, roll: AnalyticsRoll) -> String {
        let span = roll.schoolDaySpan(p.range) ?? p.range
        let what =
            switch p.period {
            case .halfTerm: "Half term"
            case .term: "Term"
            default: "School year"
            }
        return "\(what): \(ParentWords.range(span.from, span.to))"
    }

    /// "this half term (Monday 1 September 2025 to Friday 17 October 2025)", for the parents.
    static func periodWords(_ p: PostcardPeriod, roll: AnalyticsRoll) -> String {
        let span = roll.schoolDaySpan(p.range) ?? p.range
        let what =
            switch p.period {
            case .halfTerm: "half term"
            case .term: "term"
            default: "school year"
            }
        return "this \(what) (\(ParentWords.range(span.from, span.to)))"
    }

    /// The postcard as HTML (escaped), as the timeline keeps it and the email's HTML part carries it.
    static func html(subject: String, body: String) -> String {
        func e(_ s: String) -> String { s.htmlEscaped() }
        return "<h2>\(e(subject))</h2>"
            + body.components(separatedBy: "\n\n").map { "<p>\(e($0))</p>" }.joined()
    }

    static func forename(_ p: PupilRow) -> String { p.preferredForename.isEmpty ? p.legalForename : p.preferredForename }

    func page(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let asked = req.query[String.self, at: "period"].flatMap { $0.isEmpty ? nil : $0 }
        var content = Page(
            configured: false, periods: [], period: nil, periodLabel: "", fullAttendance: 0, improving: 0, toSend: 0, alreadySent: 0,
            samples: [], pupils: [], flash: req.takeFlash())
        if let run = try await Self.run(req, u, periodID: asked) {
            content.configured = true
            content.periods = run.periods.reversed().map {
                PeriodOption(id: $0.id, label: Self.label($0, roll: run.roll), selected: $0.id == run.period?.id)
            }
            if let period = run.period {
                content.period = period.id
                content.periodLabel = Self.label(period, roll: run.roll)
                let school = try await req.store.school(u.schoolID).name
                for kind in [Postcard.Kind.fullAttendance, .improving] {
                    let of = run.cards.filter { $0.card.kind == kind }
                    if kind == .fullAttendance { content.fullAttendance = of.count } else { content.improving = of.count }
                    guard let first = of.first else { continue }
                    let w = Postcard.words(
                        kind, forename: Self.forename(first.pupil), period: Self.periodWords(period, roll: run.roll), school: school)
                    content.samples.append(
                        Sample(
                            kind: kind.rawValue, title: kind == .fullAttendance ? "100% attendance" : "Improved attendance",
                            name: first.pupil.displayName, subject: w.subject, body: w.body))
                }
                content.pupils = run.cards.map {
                    Line(
                        upn: $0.pupil.upn, name: $0.pupil.displayName,
                        kind: $0.card.kind == .fullAttendance ? "100% attendance" : "Improved attendance",
                        sent: run.taken.contains(Self.key(period: period.id, pupilID: $0.pupil.id!)))
                }
                content.alreadySent = content.pupils.filter(\.sent).count
                content.toSend = content.pupils.count - content.alreadySent
            }
        }
        return try await req.render("Casework/postcards", title: "Postcards", content)
    }

    /// Queues the period's postcards for every pupil who has not had one: on the timeline, and by email to each parent
    /// with parental responsibility.
    func queue(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let now = req.clock.now()
        guard let id = try? req.content.get(String.self, at: "period"), !id.isEmpty else {
            throw APIError.invalid("period", "choose the period to send postcards for")
        }
        guard let run = try await Self.run(req, u, periodID: id), let period = run.period else {
            throw APIError.invalid("rewards.postcards", "the policy in force sends no postcards")
        }
        let school = try await req.store.school(u.schoolID).name
        let words = Self.periodWords(period, roll: run.roll)
        var cards = 0
        var emails = 0
        var noEmail = 0
        for (card, p) in run.cards {
            let key = Self.key(period: period.id, pupilID: p.id!)
            guard !run.taken.contains(key) else { continue }
            let w = Postcard.words(card.kind, forename: Self.forename(p), period: words, school: school)
            let entry = CaseworkRow(
                pupilID: p.id!, kind: .postcardSent, actionKey: key, happenedOn: now.date,
                summary: "Postcard, \(card.kind == .fullAttendance ? "100% attendance" : "improved attendance") \(words).",
                document: Self.html(subject: w.subject, body: w.body), figure: card.pupil.attendanceRate, recordedAt: now.timestamp,
                by: u.actor)
            try await req.store.addCasework(entry)
            let n = try await Outbox.toParents(
                store: req.store, pupil: p, template: .postcard, subject: w.subject, body: w.body, caseworkID: entry.id,
                about: "casework:\(entry.id!)", dedupe: "postcard:\(entry.id!)", html: Self.html(subject: w.subject, body: w.body),
                at: now.instant)
            cards += 1
            emails += n
            if n == 0 { noEmail += 1 }
        }
        req.session.data["flash"] =
            cards == 0
            ? "Every pupil already has their postcard for this period: nothing was sent again."
            : "\(cards) postcard\(cards == 1 ? "" : "s") recorded on the pupils' timelines; \(emails) email\(emails == 1 ? "" : "s") queued in the outbox\(noEmail > 0 ? "; \(noEmail) famil\(noEmail == 1 ? "y has" : "ies have") no email address" : "")."
        return req.redirect(to: "/postcards?period=\(period.id)")
    }
}
