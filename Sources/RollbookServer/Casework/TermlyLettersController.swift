import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/letter-runs`: the termly letter to every family by attendance band, green included (seed 003 Proactive 6).
/// Staff choose the term, see how many letters each band gets with one merged sample each, then queue them all at
/// once. Each letter goes on the pupil's timeline; a pupil who already has the term's letter gets none again.
struct TermlyLettersController {
    struct BandLine: Encodable {
        var band, tone, letterID, letterTitle: String
        var count: Int
        /// One merged letter of the band (HTML, escaped), and whose it is.
        var sample: String?
        var sampleName: String?
    }
    struct TermOption: Encodable {
        var id, label: String
        var selected: Bool
    }
    struct Content: Encodable {
        var configured: Bool
        var terms: [TermOption]
        var term: String
        var termLabel: String
        var bands: [BandLine]
        var toSend: Int
        var alreadySent: Int
        var withoutEmail: Int
        var flash: String?
    }

    /// The run for a term: each pupil on roll today with their counts for the year so far, planned by band.
    struct Run {
        var policy: Policy
        var config: TermlyLetters
        var planned: [(pupil: PupilRow, counts: SessionCounts, plan: TermlyLetters.Planned)]
        var taken: Set<String>
    }

    static func term(_ req: Request, today: LocalDate) throws -> CensusTerm {
        guard let id = req.query[String.self, at: "term"] ?? (try? req.content.get(String.self, at: "term")) else {
            return CensusTerm(containing: today)
        }
        guard let t = CensusTerm(id: id), CensusTerm.terms(of: AcademicYear(containing: today)).contains(t) else {
            throw APIError.invalid("term", "'\(id)' is not a term of this school year (autumn-YYYY, spring-YYYY or summer-YYYY)")
        }
        return t
    }

    static func run(_ req: Request, _ u: StaffUser, term: CensusTerm, today: LocalDate) async throws -> Run? {
        let policy = try await req.store.policy(schoolID: u.schoolID, on: today)
        guard let config = policy.termlyLetters else { return nil }
        let year = AcademicYear(containing: today)
        let lines = try await req.store.pupilStatistics(
            schoolID: u.schoolID, range: DateRange(from: year.range.from, to: today), filter: PupilFilter())
        let rows = Dictionary(try await req.store.pupils(schoolID: u.schoolID).map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
        let onRoll = lines.compactMap { e, c in rows[e.id].flatMap { e.enrolment.onRoll.contains(today) ? ($0, c) : nil } }
        let recognised = try await Self.recognised(req, u, config: config, policy: policy, term: term, today: today)
        let plan = config.plan(
            rates: onRoll.map { $0.1.markedOnly.attendanceRate }, bands: policy.attendanceBands,
            fullAttendance: Set(onRoll.indices.filter { recognised.full.contains(onRoll[$0].0.upn) }),
            improving: Set(onRoll.indices.filter { recognised.improving.contains(onRoll[$0].0.upn) }))
        let planned = plan.map { (pupil: onRoll[$0.index].0, counts: onRoll[$0.index].1, plan: $0) }
        let taken = try await req.store.caseworkKeysTaken(planned.map { TermlyLetters.key(term: term.id, pupilID: $0.pupil.id!) })
        return Run(policy: policy, config: config, planned: planned, taken: taken)
    }

    /// UPNs of pupils with 100% attendance over the term so far, and of those improving as `rewards.improving` defines it
    /// (this half term or term against the one before, as on the rewards page), where the policy has letters for them.
    static func recognised(_ req: Request, _ u: StaffUser, config: TermlyLetters, policy: Policy, term: CensusTerm, today: LocalDate)
        async throws -> (full: Set<String>, improving: Set<String>)
    {
        guard config.fullAttendance != nil || config.improving != nil else { return ([], []) }
        let roll = try await req.application.analytics.roll(req.store, schoolID: u.schoolID, year: AcademicYear(containing: today))
        var full: Set<String> = []
        var improving: Set<String> = []
        if config.fullAttendance != nil, term.range.from <= today {
            full = Set(roll.fullAttendance(DateRange(from: term.range.from, to: min(term.range.to, today))).map(\.id))
        }
        if config.improving != nil, let rule = policy.rewards?.improving,
            let now = roll.periodRange(rule.compareWith == .previousTerm ? .term : .halfTerm, containing: today, through: today),
            let before = roll.previousPeriod(rule.compareWith, before: now)
        {
            improving = Set(roll.improving(now: now, before: before, byPoints: rule.byPoints).map(\.now.id))
        }
        return (full, improving)
    }

    /// The letter for one pupil, merged with parent-safe facts only.
    static func letter(_ req: Request, _ u: StaffUser, _ p: PupilRow, letterID: String, policy: Policy, date: LocalDate) async throws
        -> Letter
    {
        guard let t = try await Letters.template(req.store, schoolID: u.schoolID, id: letterID) else {
            throw APIError.invalid("termly_letters", "the policy's letter '\(letterID)' has no template: write it on the Letters page")
        }
        let values = try await Letters.values(req, u, pupil: p, action: nil, policy: policy, date: date)
        let (subject, body) = try t.merge(values)
        return Letter(
            subject: subject, body: body, school: values[.school] ?? "", date: values[.date] ?? "", to: values[.parents] ?? "")
    }

    /// Why the pupil got the letter, for the timeline (staff words).
    static func why(_ p: TermlyLetters.Planned) -> String {
        switch p.reason {
        case .band: "band \(p.band.name)"
        case .fullAttendance: "100% this term; band \(p.band.name)"
        case .improving: "improving attendance; band \(p.band.name)"
        }
    }

    func page(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let today = req.clock.now().date
        let term = try Self.term(req, today: today)
        let terms = CensusTerm.terms(of: AcademicYear(containing: today)).map {
            TermOption(id: $0.id, label: $0.description, selected: $0 == term)
        }
        var content = Content(
            configured: false, terms: terms, term: term.id, termLabel: term.description, bands: [], toSend: 0, alreadySent: 0,
            withoutEmail: 0, flash: req.takeFlash())
        if let run = try await Self.run(req, u, term: term, today: today) {
            content.configured = true
            // The 100% and improving letters first, where the policy names them; then each band's.
            var lines:
                [(
                    band: String, letter: String, tone: String,
                    inBand: [(pupil: PupilRow, counts: SessionCounts, plan: TermlyLetters.Planned)]
                )] = []
            if let l = run.config.fullAttendance {
                lines.append(("100% this term", l, "green", run.planned.filter { $0.plan.reason == .fullAttendance }))
            }
            if let l = run.config.improving {
                lines.append(("Improving", l, "green", run.planned.filter { $0.plan.reason == .improving }))
            }
            for bl in run.config.letters {
                let tone = run.policy.bands.first { $0.name == bl.band }?.tone ?? ""
                lines.append((bl.band, bl.letter, tone, run.planned.filter { $0.plan.band.name == bl.band && $0.plan.reason == .band }))
            }
            for bl in lines {
                let inBand = bl.inBand
                var line = BandLine(
                    band: bl.band, tone: bl.tone, letterID: bl.letter, letterTitle: Letters.title(bl.letter), count: inBand.count)
                if let first = inBand.first {
                    line.sample = try await Self.letter(req, u, first.pupil, letterID: bl.letter, policy: run.policy, date: today).html
                    line.sampleName = first.pupil.displayName
                }
                content.bands.append(line)
            }
            content.alreadySent = run.planned.filter { run.taken.contains(TermlyLetters.key(term: term.id, pupilID: $0.pupil.id!)) }.count
            content.toSend = run.planned.count - content.alreadySent
        }
        return try await req.render("Casework/letter-runs", title: "Termly letters", content)
    }

    /// Queues the term's letters for every pupil who has not had one: on the timeline, and by email to each parent
    /// with parental responsibility (those without an email address are counted, to post).
    func queue(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.casework)
        let now = req.clock.now()
        guard (try? req.content.get(String.self, at: "term")) != nil else { throw APIError.invalid("term", "choose the term") }
        let term = try Self.term(req, today: now.date)
        guard let run = try await Self.run(req, u, term: term, today: now.date) else {
            throw APIError.invalid("termly_letters", "the policy in force names no termly letters")
        }
        // Every letter id must have a template before anything is sent.
        let ids = run.config.letters.map(\.letter) + [run.config.fullAttendance, run.config.improving].compactMap { $0 }
        for id in ids where try await Letters.template(req.store, schoolID: u.schoolID, id: id) == nil {
            throw APIError.invalid("termly_letters", "the policy's letter '\(id)' has no template: write it on the Letters page")
        }
        var letters = 0
        var emails = 0
        var toPost = 0
        for item in run.planned {
            let key = TermlyLetters.key(term: term.id, pupilID: item.pupil.id!)
            guard !run.taken.contains(key) else { continue }
            let letter = try await Self.letter(req, u, item.pupil, letterID: item.plan.letter, policy: run.policy, date: now.date)
            let entry = CaseworkRow(
                pupilID: item.pupil.id!, kind: .letterSent, actionKey: key, happenedOn: now.date,
                summary: "Termly letter, \(term): '\(item.plan.letter)' (\(Self.why(item.plan))).", document: letter.html,
                figure: item.counts.markedOnly.attendanceRate, recordedAt: now.timestamp, by: u.actor)
            try await req.store.addCasework(entry)
            let n = try await Outbox.toParents(
                store: req.store, pupil: item.pupil, template: .letter, subject: letter.subject, body: letter.text,
                caseworkID: entry.id, about: "casework:\(entry.id!)", dedupe: "letter:\(entry.id!)", html: letter.html, at: now.instant)
            letters += 1
            emails += n
            if n == 0 { toPost += 1 }
        }
        req.session.data["flash"] =
            letters == 0
            ? "Every pupil already has the \(term) letter: nothing was sent again."
            : "\(letters) termly letter\(letters == 1 ? "" : "s") for \(term) recorded on the pupils' timelines; \(emails) email\(emails == 1 ? "" : "s") queued in the outbox\(toPost > 0 ? "; \(toPost) famil\(toPost == 1 ? "y has" : "ies have") no email address: print those from the timeline" : "")."
        return req.redirect(to: "/letter-runs?term=\(term.id)")
    }
}
