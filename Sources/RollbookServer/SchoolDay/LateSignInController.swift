import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Reception sign-in for late arrivals (issue 17): `/late-sign-in`, a desk or kiosk page where the office finds a
/// pupil by name or card number, asks the reason and signs them in. The mark (L or U from the time) and the family's
/// message go through the late book's path (`ArrivalController.record`); a slip can be printed.
struct LateSignInController {
    /// A pupil as the search shows them: name and form, nothing more.
    struct Found: Content {
        var upn: String
        var name: String
        var form: String
    }

    struct SearchDTO: Content {
        var pupils: [Found]
    }

    /// What one sign-in wrote.
    struct SignedInDTO: Content {
        var upn: String
        var name: String
        var form: String
        var date: String
        var time: String
        var session: String
        var code: String
        var meaning: String
        var minutesLate: Int?
        var reason: String?
    }

    struct SignInBody: Content {
        var cardNumber: String?
        var upn: String?
        var reason: String?
        /// Anything more the pupil says, kept with the mark.
        var note: String?
    }

    struct SignInForm: Content {
        var cardNumber: String?
        var upn: String?
        var reason: String?
        var note: String?
        var slip: String?
        var kiosk: String?
        // Form fields keep their names as written (only JSON converts snake_case).
        enum CodingKeys: String, CodingKey {
            case cardNumber = "card_number"
            case upn, reason, note, slip, kiosk
        }
    }

    struct Page: Encodable {
        var kiosk: Bool
        var query: String
        var results: [Found]
        var searched: Bool
        var notFound: String?
        var chosen: Found?
        var reasons: [String]
        var reasonRequired: Bool
        var time: String
        var flash: String?
        var slip: String?
    }

    struct CardBody: Content {
        var cardNumber: String?
    }

    struct CardForm: Content {
        var cardNumber: String?
        enum CodingKeys: String, CodingKey { case cardNumber = "card_number" }
    }

    struct CardDTO: Content {
        var upn: String
        var cardNumber: String?
    }

    static let maxResults = 8

    // MARK: Finding a pupil

    /// Pupils on roll today whose name holds every word of `q` (any case, any accents); a card number finds its holder.
    static func search(_ req: Request, _ u: StaffUser, _ q: String) async throws -> [Found] {
        let text = q.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count <= 100 else { throw APIError.invalid("q", "is longer than 100 characters") }
        let today = req.clock.now().date
        if PupilCard.looksLikeCard(text), let p = try await req.store.pupil(schoolID: u.schoolID, cardNumber: try PupilCard.parse(text)),
            p.enrolment.isOnRoll(today)
        {
            return [Found(upn: p.upn, name: p.displayName, form: p.form)]
        }
        let words = text.split(whereSeparator: \.isWhitespace).map { fold(String($0)) }
        guard !words.isEmpty else { return [] }
        let pupils = try await req.store.listings(
            schoolID: u.schoolID, filter: PupilFilter(onRollDuring: DateRange(from: today, to: today)))
        return
            pupils
            .filter { p in
                let name = fold(p.displayName + " " + p.legalSurname)
                return words.allSatisfy { name.contains($0) }
            }
            .sorted { ($0.legalSurname, $0.displayName) < ($1.legalSurname, $1.displayName) }
            .prefix(maxResults)
            .map { Found(upn: $0.upn, name: $0.displayName, form: $0.form) }
    }

    static func fold(_ s: String) -> String { s.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil) }

    /// The pupil a sign-in names: by card number (404 when no pupil holds it) or UPN; on roll today.
    static func pupil(_ req: Request, _ u: StaffUser, card: String?, upn: String?) async throws -> PupilRow {
        let p: PupilRow
        if let raw = card?.nilIfEmpty {
            let number = try PupilCard.parse(raw)
            guard let found = try await req.store.pupil(schoolID: u.schoolID, cardNumber: number) else {
                throw APIError(.notFound, field: "card_number", reason: "no pupil has the card number '\(number)'")
            }
            p = found
        } else if let upn = upn?.trimmingCharacters(in: .whitespaces).nilIfEmpty {
            guard let found = try await req.store.pupil(schoolID: u.schoolID, upn: upn) else {
                throw APIError(.notFound, field: "upn", reason: "no pupil with UPN '\(upn)'")
            }
            p = found
        } else {
            throw APIError.invalid("card_number", "scan the pupil's card, or give the card number or UPN")
        }
        guard p.enrolment.isOnRoll(req.clock.now().date) else {
            throw APIError.invalid(card?.nilIfEmpty == nil ? "upn" : "card_number", "\(p.displayName) is not on roll today")
        }
        return p
    }

    static func signIn(_ req: Request, _ u: StaffUser, _ p: PupilRow, reason: String?, note: String?) async throws -> SignedInDTO {
        if let n = note, n.count > 200 { throw APIError.invalid("note", "is longer than 200 characters") }
        let now = req.clock.now()
        let r = try await ArrivalController.record(req, u, p, at: now.time, reason: reason, note: note, via: "signed in at reception")
        return SignedInDTO(
            upn: p.upn, name: p.displayName, form: p.form, date: now.date.iso, time: r.time.description, session: r.session.rawValue,
            code: r.code, meaning: r.meaning, minutesLate: r.minutesLate, reason: r.reason)
    }

    // MARK: API

    /// `GET /api/v1/late-sign-in/pupils?q=`: the search, for a reception app.
    func searchAPI(req: Request) async throws -> SearchDTO {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        guard let q = req.query[String.self, at: "q"], !q.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError.invalid("q", "is required: part of a name, or a card number")
        }
        return SearchDTO(pupils: try await Self.search(req, u, q))
    }

    /// `POST /api/v1/late-sign-in`: signs a pupil in now, by card number or UPN.
    func signInAPI(req: Request) async throws -> SignedInDTO {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let body = try req.content.decode(SignInBody.self)
        let p = try await Self.pupil(req, u, card: body.cardNumber, upn: body.upn)
        return try await Self.signIn(req, u, p, reason: body.reason, note: body.note)
    }

    /// `PUT /api/v1/pupils/{upn}/card`: sets a pupil's card number, or removes it with null.
    func setCardAPI(req: Request) async throws -> CardDTO {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await APIController().pupil(req, u)
        let body = try req.content.decode(CardBody.self)
        let number = try body.cardNumber?.nilIfEmpty.map { try PupilCard.parse($0) }
        try await req.store.setCardNumber(number, pupil: p, by: u.actor, at: req.clock.now().timestamp)
        return CardDTO(upn: p.upn, cardNumber: number)
    }

    /// `GET /api/v1/pupils/{upn}/card`.
    func cardAPI(req: Request) async throws -> CardDTO {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await APIController().pupil(req, u)
        return CardDTO(upn: p.upn, cardNumber: try await req.store.cardNumber(pupilID: p.id!))
    }

    // MARK: Pages

    /// `POST /pupils/:upn/card` from the pupil page: sets or (blank) removes the card number.
    func setCardPage(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await req.pupil(u)
        let body = try req.content.decode(CardForm.self)
        let number = try body.cardNumber?.nilIfEmpty.map { try PupilCard.parse($0) }
        try await req.store.setCardNumber(number, pupil: p, by: u.actor, at: req.clock.now().timestamp)
        req.session.data["flash"] = number.map { "Card number \($0) saved." } ?? "Card number removed."
        return req.redirect(to: "/pupils/\(p.upn)")
    }

    /// The desk or kiosk page: search, then the chosen pupil's sign-in form. `?format=json` gives the search results
    /// (for the page's search as you type).
    func page(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let kiosk = req.query[String.self, at: "kiosk"] == "1"
        let q = req.query[String.self, at: "q"] ?? ""
        let results = q.isEmpty ? [] : try await Self.search(req, u, q)
        if req.query[String.self, at: "format"] == "json" { return try await SearchDTO(pupils: results).encodeResponse(for: req) }
        var chosen: Found?
        if let upn = req.query[String.self, at: "upn"]?.nilIfEmpty {
            let p = try await Self.pupil(req, u, card: nil, upn: upn)
            chosen = Found(upn: p.upn, name: p.displayName, form: p.form)
        } else if results.count == 1 && PupilCard.looksLikeCard(q) {
            // A scanned card goes straight to its pupil.
            chosen = results[0]
        }
        let now = req.clock.now()
        let policy = try await req.store.policy(schoolID: u.schoolID, on: now.date)
        let notFound =
            !q.isEmpty && results.isEmpty
            ? (PupilCard.looksLikeCard(q) ? "No pupil has the card number \(q)." : "No pupil on roll matches \u{201C}\(q)\u{201D}.") : nil
        let page = Page(
            kiosk: kiosk, query: chosen == nil ? q : "", results: chosen == nil ? results : [], searched: !q.isEmpty, notFound: notFound,
            chosen: chosen, reasons: policy.arrivals.reasons, reasonRequired: policy.arrivals.reasonRequired,
            time: now.time.description, flash: req.takeFlash(), slip: req.session.data["late-slip"])
        req.session.data["late-slip"] = nil
        return try await req.render(kiosk ? "SchoolDay/late-sign-in-kiosk" : "SchoolDay/late-sign-in", title: "Late sign-in", page)
            .encodeResponse(for: req)
    }

    /// Signs the chosen pupil in, then back to the search (kiosk) or on to the slip.
    func signInPage(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let form = try req.content.decode(SignInForm.self)
        let kiosk = form.kiosk == "1"
        let p = try await Self.pupil(req, u, card: form.cardNumber, upn: form.upn)
        let r = try await Self.signIn(req, u, p, reason: form.reason, note: form.note)
        let back = kiosk ? "/late-sign-in?kiosk=1" : "/late-sign-in"
        let slip = "/late-sign-in/slip/\(p.upn)?session=\(r.session)&time=\(r.time)\(kiosk ? "&kiosk=1" : "")"
        if form.slip == "1" { return req.redirect(to: slip) }
        req.session.data["flash"] =
            "\(r.name) (\(r.form)) signed in at \(r.time): \(r.code), \(r.meaning)\(r.minutesLate.map { ", \($0) minutes late" } ?? "")."
        req.session.data["late-slip"] = slip
        return req.redirect(to: back)
    }

    struct SlipPage: Encodable {
        var name: String
        var form: String
        var date: String
        var time: String
        var session: String
        var code: String
        var meaning: String
        var minutesLate: Int?
        var reason: String?
        var back: String
    }

    /// `/late-sign-in/slip/:upn?session=AM&time=9:40`: today's late mark for the session, to print.
    func slip(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.amendMarks)
        let p = try await req.pupil(u)
        guard let session = Session(rawValue: req.query[String.self, at: "session"] ?? "") else {
            throw APIError.invalid("session", "must be AM or PM")
        }
        guard let time = TimeOfDay(req.query[String.self, at: "time"] ?? "") else {
            throw APIError.invalid("time", "must be a time in the form HH:MM")
        }
        let today = req.clock.now().date
        guard let mark = try await req.store.marks(pupilIDs: [p.id!], date: today, session: session)[p.id!],
            let code = AttendanceCode.lookup(mark.code)
        else { throw Abort(.notFound, reason: "\(p.displayName) has no \(session.rawValue) mark today.") }
        let key = "late_arrival|\(p.upn)|\(today.iso)|\(session.rawValue)"
        let reason = try await req.store.casework(pupilID: p.id!).first { $0.actionKey == key }?.outcome
        let kiosk = req.query[String.self, at: "kiosk"] == "1"
        return try await req.render(
            "SchoolDay/late-slip", title: "Late slip",
            SlipPage(
                name: p.displayName, form: p.form, date: today.longDate, time: time.description, session: session.rawValue,
                code: code.symbol, meaning: code.meaning(on: today), minutesLate: mark.minutesLate, reason: reason,
                back: kiosk ? "/late-sign-in?kiosk=1" : "/late-sign-in"))
    }
}
