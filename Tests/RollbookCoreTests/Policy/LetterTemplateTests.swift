import Foundation
import Testing

@testable import RollbookCore

/// Letters a parent receives: templates per letter id with merge fields (issue 13).
@Suite("Letter templates")
struct LetterTemplateTests {
    static let values: [LetterTemplate.Field: String] = [
        .parents: "Ann Example and Joe Example", .pupil: "Ivy Example", .forename: "Ivy", .school: "Elm Lane Primary",
        .date: "Friday 19 September 2025", .attendance: "91.2%", .target: "96%", .sessionsMissed: "6", .possible: "68",
        .sessions: "2025-09-08 AM (O)", .unauthorisedSessions: "10", .lates: "4", .latePeriod: "this week",
        .illnessAbsence: "8 sessions this term", .monitoringWeeks: "4 school weeks", .reviewDate: "Friday 17 October 2025",
        .signatory: "Sam Lead", .position: "Attendance lead",
    ]

    /// Staff-facing wording the evaluation writes into a due action's reason.
    static let staffPhrases = [
        "Send the", "Then monitor", "Consider a penalty notice", "stages.", "(stage-", "rule", "policy's last stage",
    ]

    @Test("an unknown merge field is refused, naming the field; {reason} (staff text) is not a field")
    func unknownField() throws {
        let t = LetterTemplate(subject: "About {forename}", body: "Dear {parents},\n\nYour child {nickname} was absent.")
        #expect(throws: ValidationError.self) { try t.validate() }
        do { try t.validate() } catch {
            #expect(error.field == "body" && error.reason.contains("{nickname}"), "\(error)")
        }
        do { try LetterTemplate(subject: "{reason}", body: "x").validate() } catch {
            #expect(error.field == "subject" && error.reason.contains("unknown merge field {reason}"), "\(error)")
        }
        #expect(throws: ValidationError.self) { try LetterTemplate(subject: "a", body: "an {unclosed field").validate() }
        #expect(throws: ValidationError.self) { try LetterTemplate(subject: "a", body: "a stray } brace").validate() }
        #expect(throws: ValidationError.self) { try LetterTemplate(subject: "a", body: "  ").validate() }
        #expect(!LetterTemplate.Field.allCases.map(\.rawValue).contains("reason"))
        #expect(throws: Never.self) { try LetterTemplate(subject: "{ forename }", body: "{pupil}").validate() }
    }

    @Test("merged values are escaped in the HTML, and merged once: a value's braces are not read as fields")
    func escaping() throws {
        var v = Self.values
        v[.pupil] = "<script>alert(1)</script> & {signatory}"
        v[.parents] = "O'Brien \"family\""
        let t = LetterTemplate(subject: "{pupil}", body: "Dear {parents},\n\n{pupil} line one\nline two")
        let (subject, body) = try t.merge(v)
        #expect(subject == "<script>alert(1)</script> & {signatory}" && body.contains("& {signatory} line one"))
        let letter = Letter(subject: subject, body: body, school: "Elm <Lane>", date: "today", to: v[.parents]!)
        let html = letter.html
        #expect(!html.contains("<script>") && html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; {signatory}"))
        #expect(html.contains("O&apos;Brien &quot;family&quot;") && html.contains("Elm &lt;Lane&gt;"))
        #expect(html.contains("line one<br>\nline two"))
        #expect(letter.text.contains("<script>alert(1)</script>"), "the plain-text part is plain text")
    }

    @Test("a paragraph whose merge fields all have no value is left out; one with text only, or any value, stays")
    func emptyParagraphs() throws {
        let t = LetterTemplate(
            subject: "{forename}", body: "Dear {parents},\n\nThe sessions were: {sessions}.\n\n\n\nKind regards\n{signatory}")
        let (_, without) = try t.merge([.parents: "Ann Example", .forename: "Ivy", .signatory: "Sam Lead"])
        #expect(without == "Dear Ann Example,\n\nKind regards\nSam Lead")
        let (_, with) = try t.merge([.parents: "Ann Example", .sessions: "Monday morning", .signatory: " "])
        #expect(with == "Dear Ann Example,\n\nThe sessions were: Monday morning.", "a blank value is no value: 'Kind regards' goes with it")
    }

    /// The letter ids the five example policies name, from the files in Policies/.
    static func policyLetterIDs() throws -> [String] {
        try SeedPolicyTests.files.flatMap { LetterTemplate.letterIDs(in: try SeedPolicyTests.policy($0)) }
    }

    @Test(
        "every letter the seed policies name has a built-in template (000 §8.3.3 Letters 1-3; 001 named letters; 002 RAG, panel and lateness letters; 003 Medical 1/2, punctuality; 004 concern, persistent absence, targets, contract, final warning, congratulations)"
    )
    func everyPolicyLetter() throws {
        let ids = try Self.policyLetterIDs()
        #expect(ids.count >= 20, "\(ids)")
        for id in ids + LetterTemplate.letterIDs(in: .standard(name: "s", effectiveFrom: LocalDate(iso: "2025-09-01")!)) {
            let b = try #require(LetterTemplate.builtIn(id), "no built-in template for '\(id)'")
            try b.template.validate()
        }
        let general = [
            "concern", "persistent-absence", "meeting-invitation", "targets", "contract", "final-warning",
            "congratulations-improvement", "medical-1", "medical-2", "lateness-warning", "rag-upper-amber",
            "rag-lower-amber", "rag-red", "attendance-panel-invitation", "punctuality-letter", "notice-to-improve",
            "penalty-notice", "evidence-request",
        ]
        for id in general { #expect(LetterTemplate.builtIn(id) != nil, "\(id)") }
        for a in [
            Policy.ActionKind.letter, .meeting, .earlyHelpPlan, .attendanceContract, .noticeToImprove, .penaltyNotice, .evidenceRequest,
        ] {
            #expect(LetterTemplate.builtIn(LetterTemplate.fallbackID(for: a)) != nil)
        }
        #expect(LetterTemplate.builtIn("no-such-letter") == nil)
    }

    @Test("no built-in letter carries staff instructions; rendered, each has its figures and none of the staff wording")
    func noStaffText() throws {
        for b in LetterTemplate.builtIns {
            try b.template.validate()
            let (subject, body) = try b.template.merge(Self.values)
            let letter = Letter(subject: subject, body: body, school: "Elm Lane Primary", date: "today", to: "Ann Example")
            for phrase in Self.staffPhrases {
                #expect(!letter.html.contains(phrase) && !letter.text.contains(phrase), "\(b.id): '\(phrase)'")
            }
            #expect(body.hasPrefix("Dear Ann Example and Joe Example,") && body.hasSuffix("Sam Lead\nAttendance lead"), "\(b.id)")
            #expect(!body.contains("{") && !subject.contains("{"), "\(b.id)")
        }
    }

    @Test(
        "a due action's letter id comes from its stage, lateness rung or illness rule; an improved review is the congratulations letter (004 App. 8)"
    )
    func letterIDs() throws {
        let p3 = try SeedPolicyTests.seed(3)
        let p4 = try SeedPolicyTests.seed(4)
        func action(
            _ kind: DueAction.Kind, _ rule: String, _ act: Policy.ActionKind, figures: [String: Double] = [:], proposed: String? = nil
        ) -> DueAction {
            DueAction(
                upn: "A100000000001", kind: kind, rule: rule, due: LocalDate(iso: "2025-09-19")!, reason: "staff words", sessions: [],
                figures: figures, source: "", action: act, contacts: [], proposedStage: proposed, key: "k", policy: "p")
        }
        let stage = try #require(p4.stages.first)
        #expect(
            LetterTemplate.letterID(for: action(.stageEntry, "stages.\(stage.id)", stage.action, proposed: stage.id), policy: p4)
                == stage.letter)
        let improved = action(.stageReview, "stages.\(stage.id)", .review, figures: ["improved": 1])
        #expect(LetterTemplate.letterID(for: improved, policy: p4) == "congratulations-improvement")
        let medical = try #require(p3.illnessEvidence.first { $0.letter == "medical-1" })
        #expect(
            LetterTemplate.letterID(for: action(.illnessEvidence, "illness_evidence.\(medical.id)", .evidenceRequest), policy: p3)
                == "medical-1")
        let late = try #require(p3.lateness.first)
        #expect(LetterTemplate.letterID(for: action(.lateness, "lateness.\(late.id)", late.action), policy: p3) == late.letter)
        #expect(LetterTemplate.letterID(for: action(.penaltyThreshold, "penalty_notice", .penaltyNotice), policy: p3) == nil)
    }
}
