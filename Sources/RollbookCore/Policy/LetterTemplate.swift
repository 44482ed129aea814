import Foundation

/// A letter to parents as a school writes it: a subject and a body of plain text with merge fields in braces
/// (`{forename}`). Paragraphs are separated by a blank line. Only the fields in `Field` exist: each is a fact a
/// parent may read. Staff instructions (a due action's `reason`) are never a field.
public struct LetterTemplate: Sendable, Hashable, Codable {
    public var subject: String
    public var body: String

    public init(subject: String, body: String) {
        self.subject = subject
        self.body = body
    }

    /// The merge fields a template may use.
    public enum Field: String, Sendable, CaseIterable, Codable {
        case parents, pupil, forename, school, date, attendance, target
        case sessionsMissed = "sessions_missed"
        case possible, sessions
        case unauthorisedSessions = "unauthorised_sessions"
        case lates
        case latePeriod = "late_period"
        case illnessAbsence = "illness_absence"
        case monitoringWeeks = "monitoring_weeks"
        case reviewDate = "review_date"
        case deadline
        case signatory, position

        /// What the field holds, for the editing page.
        public var meaning: String {
            switch self {
            case .parents: "the parents with parental responsibility, e.g. \"Ann Smith and Joe Smith\""
            case .pupil: "the pupil's name"
            case .forename: "the pupil's preferred forename"
            case .school: "the school's name"
            case .date: "the date of the letter"
            case .attendance: "attendance this school year, e.g. \"91.2%\""
            case .target: "the school's attendance target"
            case .sessionsMissed: "sessions missed this school year"
            case .possible: "possible sessions this school year"
            case .sessions: "the sessions concerned, with their dates"
            case .unauthorisedSessions: "sessions of unauthorised absence: those the action counts, else this school year's"
            case .lates: "how many late arrivals the letter is about"
            case .latePeriod: "the period they were counted in, e.g. \"this week\""
            case .illnessAbsence: "the illness absence the letter is about, e.g. \"8 sessions this term\""
            case .monitoringWeeks: "the school weeks of monitoring that follow, e.g. \"4 school weeks\""
            case .reviewDate: "the day monitoring ends"
            case .deadline: "the day evidence is due by"
            case .signatory: "the name of the member of staff sending the letter"
            case .position: "their position"
            }
        }
    }

    enum Piece: Equatable {
        case text(String)
        case field(Field)
    }

    /// The text split into literal text and fields; an unknown field, or a brace that opens no field, is refused
    /// naming it. `part` is the form field the text came from (`subject` or `body`).
    static func pieces(_ text: String, part: String) throws(ValidationError) -> [Piece] {
        var out: [Piece] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) {
            literal += rest[..<open]
            guard rest[open] == "{" else {
                throw ValidationError(field: part, reason: "a '}' closes no merge field: write merge fields as {forename}")
            }
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(where: { $0 == "}" || $0 == "{" || $0 == "\n" }), after[close] == "}" else {
                throw ValidationError(field: part, reason: "a '{' opens a merge field that is not closed with '}'")
            }
            let name = String(after[..<close]).trimmingCharacters(in: .whitespaces)
            guard let f = Field(rawValue: name) else {
                throw ValidationError(
                    field: part,
                    reason: "unknown merge field {\(name)}: the fields are "
                        + Field.allCases.map { "{\($0.rawValue)}" }.joined(separator: ", "))
            }
            if !literal.isEmpty {
                out.append(.text(literal))
                literal = ""
            }
            out.append(.field(f))
            rest = after[after.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { out.append(.text(literal)) }
        return out
    }

    /// Refuses a template with an unknown merge field, naming it, or with an empty subject or body.
    public func validate() throws(ValidationError) {
        guard !subject.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError(field: "subject", reason: "is required")
        }
        guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError(field: "body", reason: "is required")
        }
        _ = try Self.pieces(subject, part: "subject")
        _ = try Self.pieces(body, part: "body")
    }

    /// The fields the template uses, in order of first use.
    public func fields() throws(ValidationError) -> [Field] {
        var seen: [Field] = []
        for p in try Self.pieces(subject, part: "subject") + Self.pieces(body, part: "body") {
            if case .field(let f) = p, !seen.contains(f) { seen.append(f) }
        }
        return seen
    }

    /// The template filled in, in one pass: a merged value is never read for fields. A field without a value is left
    /// empty, and a paragraph whose fields all have none is left out (a list of sessions for an action without
    /// sessions). The result is plain text, escaped only when rendered (`Letter.html`).
    public func merge(_ values: [Field: String]) throws(ValidationError) -> (subject: String, body: String) {
        func value(_ f: Field) -> String { values[f]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
        func fill(_ pieces: [Piece]) -> String {
            pieces.map { p in
                switch p {
                case .text(let t): t
                case .field(let f): value(f)
                }
            }.joined()
        }
        let s = fill(try Self.pieces(subject, part: "subject")).replacingOccurrences(of: "\n", with: " ").trimmingCharacters(
            in: .whitespaces)
        // Paragraphs: runs of lines between blank lines.
        var paragraphs: [[String]] = [[]]
        for line in body.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                if !(paragraphs.last?.isEmpty ?? true) { paragraphs.append([]) }
            } else {
                paragraphs[paragraphs.count - 1].append(String(line))
            }
        }
        var out: [String] = []
        for p in paragraphs where !p.isEmpty {
            let pieces = try Self.pieces(p.joined(separator: "\n"), part: "body")
            let fields = pieces.compactMap { if case .field(let f) = $0 { f } else { nil } }
            if !fields.isEmpty && fields.allSatisfy({ value($0).isEmpty }) { continue }
            out.append(fill(pieces))
        }
        return (s, out.joined(separator: "\n\n"))
    }
}

/// A letter as sent: the subject and plain-text body (after any edits by the sender), with the school, date and
/// addressee. The HTML kept on the timeline and the email's HTML and text parts all come from this.
public struct Letter: Sendable, Hashable, Codable {
    public var subject: String
    public var body: String
    public var school: String
    public var date: String
    public var to: String

    public init(subject: String, body: String, school: String, date: String, to: String) {
        self.subject = subject
        self.body = body
        self.school = school
        self.date = date
        self.to = to
    }

    /// The body's paragraphs: split at blank lines, each trimmed, empty ones left out.
    public var paragraphs: [String] {
        let lines = body.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        return lines.split(separator: "", omittingEmptySubsequences: true).map { $0.joined(separator: "\n") }
    }

    /// The letter as an HTML fragment; every piece of text is escaped, line breaks within a paragraph kept.
    public var html: String {
        var h = "<article class=\"letter\">\n<header><p class=\"from\">\(xmlEscaped(school))</p><p class=\"date\">\(xmlEscaped(date))</p>"
        h += "<p class=\"to\">\(xmlEscaped(to))</p></header>\n<h1>\(xmlEscaped(subject))</h1>\n"
        for p in paragraphs {
            h += "<p>" + p.split(separator: "\n").map { xmlEscaped(String($0)) }.joined(separator: "<br>\n") + "</p>\n"
        }
        return h + "</article>"
    }

    /// The letter as plain text for an email's text part: the paragraphs, then the school.
    public var text: String {
        (paragraphs + [school]).joined(separator: "\n\n") + "\n"
    }
}

extension LetterTemplate {
    /// A built-in letter: a general one, or one of the example policies' letter ids, which name general letters.
    public struct BuiltIn: Sendable {
        public var id: String
        public var title: String
        public var template: LetterTemplate
    }

    /// The built-in letter for an id, following aliases (`concern-below-93` is the concern letter).
    public static func builtIn(_ id: String) -> BuiltIn? {
        let key = aliases[id] ?? id
        guard let b = builtIns.first(where: { $0.id == key }) else { return nil }
        return BuiltIn(id: id, title: b.title, template: b.template)
    }

    /// The general letter used for an action whose letter id has no template.
    public static func fallbackID(for action: Policy.ActionKind) -> String {
        switch action {
        case .meeting: "meeting-invitation"
        case .earlyHelpPlan: "early-help-meeting"
        case .attendanceContract: "contract"
        case .noticeToImprove: "notice-to-improve"
        case .penaltyNotice: "penalty-notice"
        case .evidenceRequest: "evidence-request"
        default: "concern"
        }
    }

    /// The letter id a due action names in the policy: its stage's (the stage to enter, for a review without
    /// improvement), its lateness rung's or its illness rule's; `congratulations-improvement` for a review that found
    /// improvement. Nil when the policy names none.
    public static func letterID(for a: DueAction, policy: Policy) -> String? {
        if a.audience == .pupil { return nil }
        if let own = a.letter { return own }
        let parts = a.rule.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        switch parts[0] {
        case "stages":
            if a.kind == .stageReview {
                if a.figures["improved"] == 1 { return "congratulations-improvement" }
                return a.proposedStage.flatMap { policy.stage($0)?.letter }
            }
            return policy.stage(parts[1])?.letter
        case "lateness":
            if a.kind == .latenessReview {
                if a.figures["improved"] == 1 { return "congratulations-improvement" }
                if let r = a.proposedRung { return policy.latenessRung(r)?.letter }
                return a.proposedStage.flatMap { policy.stage($0)?.letter }
            }
            return policy.latenessRung(parts[1])?.letter
        case "truancy": return policy.truancy?.ladder.first { $0.id == parts[1] }?.letter
        case "illness_evidence": return policy.illnessEvidence.first { $0.id == parts[1] }?.letter
        default: return nil
        }
    }

    /// Every letter id `policy` names, in the policy's order, without repeats.
    public static func letterIDs(in policy: Policy) -> [String] {
        var out: [String] = []
        let ladder = policy.stages.compactMap(\.improvedLetter) + (policy.planReviews ?? []).compactMap(\.letter)
        for id in policy.stages.compactMap(\.letter) + ladder + policy.lateness.compactMap(\.letter)
            + policy.illnessEvidence.compactMap(\.letter) + (policy.truancy?.ladder ?? []).compactMap(\.letter)
            + (policy.exclusions.map { [$0.noticeLetterID] } ?? []) + (policy.termlyLetters?.letters.map(\.letter) ?? [])
        where !out.contains(id) { out.append(id) }
        return out
    }

    static let opening = "Dear {parents},\n\n"
    static let closing = "\n\nYours sincerely,\n\n{signatory}\n{position}"
    static func letter(_ id: String, _ title: String, _ subject: String, _ paragraphs: [String]) -> BuiltIn {
        BuiltIn(
            id: id, title: title, template: LetterTemplate(subject: subject, body: opening + paragraphs.joined(separator: "\n\n") + closing)
        )
    }

    /// Policy letter ids that are one of the general letters.
    static let aliases: [String: String] = [
        "concern-below-93": "concern", "stage-1-attendance-concern": "concern",
        "persistent-absence-below-90": "persistent-absence", "stage-2-early-help-plan-meeting": "early-help-meeting",
        "persistent-absence-meeting": "meeting-invitation", "formal-meeting-request": "meeting-invitation",
        "meeting-to-set-targets": "targets",
        "attendance-contract": "contract", "parental-contract": "contract", "stage-3-attendance-contract-meeting": "contract",
        "final-written-warning": "final-warning",
        "rag-red-monitoring-warning": "rag-red",
    ]

    /// The general letters, warm and plain, written to the parents.
    public static let builtIns: [BuiltIn] = [
        letter(
            "concern", "Concern about attendance", "{forename}'s attendance at {school}",
            [
                "We are writing because {forename}'s attendance this school year is {attendance}, below our target of {target}. {forename} has missed {sessions_missed} of {possible} sessions so far.",
                "Every day in school matters for {forename}'s learning and friendships, and we know that families sometimes face difficulties that make attendance hard. If there is anything getting in the way, please talk to us: we would like to help.",
                "We will keep an eye on {forename}'s attendance over the next {monitoring_weeks} and hope to see it improve.",
            ]),
        letter(
            "persistent-absence", "Persistent absence", "{forename}'s attendance: we are concerned",
            [
                "{forename}'s attendance this school year is {attendance}, which means {forename} is now persistently absent: {sessions_missed} of {possible} sessions have been missed.",
                "Missing this much school makes it hard to keep up with learning. We are seriously concerned and want to work with you to turn this around.",
                "We will contact you to talk about how we can support {forename}, and we will monitor attendance closely over the next {monitoring_weeks}. Please get in touch with us sooner if there is something we should know.",
            ]),
        letter(
            "meeting-invitation", "Invitation to a meeting", "Invitation to a meeting about {forename}'s attendance",
            [
                "{forename}'s attendance this school year is {attendance}, below our target of {target}: {sessions_missed} of {possible} sessions have been missed.",
                "We would like to meet you to understand what is making attendance difficult and to agree together how we can help {forename} be in school every day.",
                "Please contact the school office to arrange a time that suits you within the next week. You are welcome to bring someone with you.",
            ]),
        letter(
            "early-help-meeting", "Early help meeting", "A meeting to agree support for {forename}",
            [
                "{forename}'s attendance has not improved as we had hoped: it is now {attendance}, with {sessions_missed} of {possible} sessions missed this school year.",
                "We would like to invite you to a meeting to agree an early help plan: a plan, made with you, of the support that will help {forename} attend regularly. Taking part is voluntary, and it is there to help your family.",
                "Please contact the school office to arrange a time. We will then review how things are going over the next {monitoring_weeks}.",
            ]),
        letter(
            "targets", "Meeting to set targets", "Setting attendance targets for {forename}",
            [
                "{forename}'s attendance this school year is {attendance}, below our target of {target}.",
                "We would like to meet you to agree some clear, achievable attendance targets for {forename} and the support that will help meet them.",
                "Please contact the school office to arrange a time. After the meeting we will review {forename}'s progress over the next {monitoring_weeks}.",
            ]),
        letter(
            "contract", "Attendance contract", "An attendance contract for {forename}",
            [
                "Despite the support so far, {forename}'s attendance is {attendance}: {sessions_missed} of {possible} sessions have been missed this school year.",
                "We would like to meet you to agree an attendance contract. This is a written agreement between you and the school setting out what each of us will do to help {forename} attend every day. It is voluntary, and it is meant to help.",
                "Please contact the school office to arrange a meeting. We will review the contract together after {monitoring_weeks}.",
            ]),
        letter(
            "final-warning", "Final written warning", "Final written warning about {forename}'s attendance",
            [
                "We have written to you and met you about {forename}'s attendance, and we are sorry to say it has not improved enough. It is now {attendance}, with {sessions_missed} of {possible} sessions missed this school year.",
                "This is a final written warning. If {forename}'s attendance does not improve over the next {monitoring_weeks}, the school may have to take further action, which can include asking the local authority to consider a penalty notice.",
                "We would still much rather solve this with you. If something is making attendance difficult, please contact us straight away.",
            ]),
        letter(
            "congratulations-improvement", "Congratulations on improvement", "Well done, {forename}!",
            [
                "We are delighted to tell you that {forename}'s attendance has improved. Thank you for the effort you and {forename} have made.",
                "{forename}'s attendance this school year is now {attendance}. We will keep in touch and continue to support {forename} to reach our target of {target}.",
                "Please pass on our congratulations to {forename}.",
            ]),
        letter(
            "medical-1", "Medical 1: asking for evidence of illness", "{forename}'s absence through illness",
            [
                "We are sorry that {forename} has been unwell. Our records show {illness_absence} of absence through illness.",
                "Where possible, please let us have evidence for these absences, for example an appointment card, a prescription label or a note from a doctor or other health professional. This helps us authorise the absences and support {forename}.",
                "If there is an ongoing medical condition, please let us know so that we can talk about the support {forename} may need in school.",
            ]),
        letter(
            "medical-2", "Medical 2: evidence needed", "Medical evidence needed for {forename}'s absence",
            [
                "We wrote to you earlier about {forename}'s absence through illness, which is now {illness_absence}.",
                "We now need medical evidence for these absences, such as an appointment card, a prescription label or a letter from a doctor or other health professional. Without it, we will not be able to authorise further absences for illness, and they will be recorded as unauthorised.",
                "If you are finding it hard to get evidence, or {forename} has an ongoing condition, please contact us so that we can help.",
            ]),
        letter(
            "evidence-reminder", "Evidence reminder", "Evidence needed by {deadline} for {forename}'s absence",
            [
                "We asked you for evidence of the reason for {forename}'s absence: {sessions}. We have not received it yet.",
                "Please send it by {deadline}: a photo or a PDF through the parent portal, or a copy to the school office. It could be an appointment card, a prescription or a letter from a doctor or another professional.",
                "If we do not receive evidence by then, the absence will be recorded as unauthorised. If you are finding it hard to get evidence, please contact us so that we can help.",
            ]),
        letter(
            "lateness-warning", "Lateness warning", "{forename} arriving late",
            [
                "{forename} has arrived late {lates} times {late_period}.",
                "Arriving late means missing the start of the day, when the most important information is given, and it can be unsettling for {forename}. Please help {forename} to be in school on time every day.",
                "If something is making mornings difficult, please talk to us: we may be able to help.",
            ]),
        letter(
            "lateness-written-warning", "Lateness: written warning", "Written warning: {forename} arriving late",
            [
                "{forename} has arrived late {lates} times {late_period}, and we are concerned that this is continuing.",
                "Late arrivals after the register closes are recorded as unauthorised absence, and repeated unauthorised absence can lead to further action by the school and the local authority.",
                "Please make sure {forename} arrives on time every day. If there is a reason this is difficult, please contact us so that we can find a way forward together.",
            ]),
        letter(
            "lateness-panel-invitation", "Lateness panel invitation", "Invitation to a lateness panel meeting for {forename}",
            [
                "We wrote to you about {forename} arriving late, and {forename}'s punctuality has not improved since.",
                "We would like to invite you to a lateness panel meeting with the headteacher and a governor, where we will agree with you a written plan to help {forename} arrive on time.",
                "Please contact the school office to arrange a time. It is important that you attend.",
            ]),
        letter(
            "truancy-warning", "Truancy warning", "{forename} absent from school without permission",
            [
                "We are writing to let you know that {forename} was absent without permission during the school day, after arriving at school.",
                "While {forename} is away from lessons without our knowledge we cannot keep {forename} safe, and {forename} misses important learning. Any further truancy could result in further action being taken.",
                "Please talk to {forename} about this, and contact us if there is anything worrying {forename} or anything we can do to help.",
            ]),
        letter(
            "punctuality-letter", "Punctuality", "{forename}'s punctuality",
            [
                "{forename} has arrived after the register closed {lates} times {late_period}. These late arrivals are recorded as unauthorised absence.",
                "Being on time helps {forename} start the day calmly with the rest of the class. Please help {forename} to arrive on time every day.",
                "If something is making this hard, please talk to us.",
            ]),
        letter(
            "rag-upper-amber", "RAG letter: upper amber", "{forename}'s attendance this term",
            [
                "We write to every family each term about attendance. {forename}'s attendance this school year is {attendance}, a little below our target of {target}.",
                "This is not yet a serious concern, but every day counts. We would love to see {forename}'s attendance back above {target}.",
                "If there is anything we can do to help, please get in touch.",
            ]),
        letter(
            "rag-lower-amber", "RAG letter: lower amber", "{forename}'s attendance this term",
            [
                "We write to every family each term about attendance. {forename}'s attendance this school year is {attendance}, below our target of {target}: {sessions_missed} of {possible} sessions have been missed.",
                "We are concerned that {forename} is missing important learning. Please help {forename} to attend every day.",
                "If there is anything making attendance difficult, please talk to us so that we can help.",
            ]),
        letter(
            "rag-red", "RAG letter: red, with monitoring", "{forename}'s attendance: monitoring",
            [
                "{forename}'s attendance this school year is {attendance}, well below our target of {target}: {sessions_missed} of {possible} sessions have been missed.",
                "We are seriously concerned. We will monitor {forename}'s attendance closely over the next {monitoring_weeks}, until {review_date}, and we will be in touch about the next steps if it does not improve.",
                "Please contact us if there is anything we should know or anything we can do to help.",
            ]),
        letter(
            "attendance-panel-invitation", "Attendance panel invitation", "Invitation to an attendance panel meeting for {forename}",
            [
                "{forename}'s attendance remains a concern: it is {attendance} this school year, with {sessions_missed} of {possible} sessions missed.",
                "We would like to invite you to an attendance panel meeting, where we will talk with you about the reasons for {forename}'s absence and agree the support and next steps.",
                "Please contact the school office to arrange a time. It is important that you attend.",
            ]),
        letter(
            "notice-to-improve", "Notice to Improve", "Notice to Improve: {forename}'s attendance",
            [
                "{forename} has {unauthorised_sessions} sessions of unauthorised absence.",
                "The sessions were: {sessions}.",
                "This Notice to Improve gives you the chance to improve {forename}'s attendance before a penalty notice is considered. During the improvement period every session must be attended unless the absence is authorised by the school.",
                "We will support you during this time. Please contact us if there is anything that is making attendance difficult.",
            ]),
        letter(
            "penalty-notice", "Penalty notice", "{forename}'s unauthorised absence: penalty notice",
            [
                "{forename} has {unauthorised_sessions} sessions of unauthorised absence.",
                "The sessions were: {sessions}.",
                "Because of this, a penalty notice is being issued. The notice itself explains the amount, how to pay it and the time allowed.",
                "Please contact us if you would like to talk about {forename}'s attendance and the support available.",
            ]),
        letter(
            "evidence-request", "Evidence request", "Evidence for {forename}'s absence",
            [
                "Our records show {illness_absence} of absence through illness for {forename}.",
                "Please send us evidence, for example an appointment card, a prescription label or a letter from a doctor, so that the absence can be authorised. Without it, the school may record the sessions as unauthorised.",
            ]),
        letter(
            "exclusion-public-places", "Exclusion: the first five school days", "{forename}'s time away from school",
            [
                "We are writing about the days {forename} cannot come to school. We know this is a hard time for your family, and we want to make sure you know what the law asks of you.",
                "For the first five school days, you must make sure {forename} is not in a public place during school hours without a good reason, even with an adult. A public place could be a shopping centre, a park or the street.",
                "These are the days and times: {sessions}.",
                "If {forename} is found in a public place at these times without a good reason, you could be given a penalty notice by the local authority.",
                "We will send work home for {forename}. If the time away from school goes on beyond five school days, {forename} will be offered full-time education from the sixth school day, and we will tell you where. If you have any questions or worries, please contact us: we are here to help.",
            ]),
        letter(
            "rag-green", "RAG letter: green", "{forename}'s attendance this term",
            [
                "We write to every family each term about attendance. {forename}'s attendance this school year is {attendance}: {forename} has been in school for almost every session. Thank you.",
                "Good attendance gives {forename} the best chance to learn and to enjoy school with friends. Please keep it up.",
            ]),
        letter(
            "full-attendance", "Full attendance this term", "{forename} has been in school every day",
            [
                "We write to every family each term about attendance. We are delighted to tell you that {forename} has attended every session this term. Thank you.",
                "Every day in school counts, and {forename} has not missed one. Please pass on our congratulations to {forename}.",
            ]),
    ]
}
