import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor

@testable import RollbookServer

extension ServerTests {
    /// Letters a parent can receive (issue 13): per school and letter id, edited on a page, edited again before sending,
    /// kept exactly as sent, and never carrying staff instructions.
    @Suite("Letters") struct LetterTests {
        let pages = PageTests()

        /// The text of a form control in a page, entities undone.
        static func control(_ page: String, _ pattern: String) -> String? {
            guard let r = page.range(of: pattern, options: .regularExpression) else { return nil }
            let m = String(page[r])
            guard let open = m.firstIndex(of: ">") else { return nil }
            let inner = m[m.index(after: open)...].replacingOccurrences(of: "</textarea>", with: "")
            return unescape(inner)
        }

        static func value(_ page: String, id: String) -> String? {
            guard let r = page.range(of: #"id="\#(id)" name="[a-z]+" type="text" value="[^"]*""#, options: .regularExpression) else {
                return nil
            }
            let m = String(page[r])
            return unescape(String(m[m.range(of: "value=\"")!.upperBound...].dropLast()))
        }

        static func unescape(_ s: String) -> String {
            var t = s
            for (e, c) in [
                ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&#x27;", "'"), ("&apos;", "'"), ("&amp;", "&"),
            ] {
                t = t.replacingOccurrences(of: e, with: c)
            }
            return t
        }

        /// Completes a letter action as a sender would: the letter as drafted, sent by `channel`.
        static func complete(
            _ f: Fixture, cookie: String, token: String, key: String, upn: String, note: String? = nil,
            channel: String = "email"
        ) async throws -> Reply {
            let pages = PageTests()
            let ask = try await pages.post(f, "/worklist/complete", cookie: cookie, [("csrf", token), ("key", key), ("upn", upn)])
            let draft = try await pages.get(f, try #require(ask.headers.first(name: .location)), cookie: cookie)
            let subject = try #require(value(draft.text, id: "send-subject"))
            let body = try #require(control(draft.text, #"<textarea id="send-body"[^>]*>[^<]*</textarea>"#))
            return try await pages.post(
                f, "/worklist/complete", cookie: cookie,
                [
                    ("csrf", token), ("key", key), ("upn", upn), ("subject", subject),
                    ("body", body), ("channel", channel),
                ] + (note.map { [("note", $0)] } ?? []))
        }

        static let clock = FixedClock(date: day("2025-09-19"), time: TimeOfDay(hour: 16, minute: 0)!)

        @Test(
            "the lead saves a school's own letter; a template with an unknown field is refused naming it (issue 13), and the preview escapes a pupil's name"
        )
        func saveAndRefuse() async throws {
            try await withRollbook(.sqlite, at: Self.clock, tinyMarks: true) { f in
                let lead = try await pages.signIn(f, .attendanceLead)
                let list = try await pages.get(f, "/letters", cookie: lead)
                #expect(list.status == .ok && list.text.contains("/letters/concern") && list.text.contains("/letters/meeting-invitation"))
                let page = try await pages.get(f, "/letters/concern?upn=A100000000001", cookie: lead)
                #expect(page.status == .ok && page.text.contains("Preview for Mia Fielding"), "the preview is on a real pupil")
                let due = try await pages.get(f, "/letters/concern", cookie: lead)
                #expect(
                    due.text.contains("over the next 4 school weeks") && !due.text.contains("[monitoring_weeks]"),
                    "with no pupil chosen, the preview is on a pupil with this letter due, with the action's figures")
                let token = try #require(PageTests.csrf(page)?.token)
                let refused = try await pages.post(
                    f, "/letters/concern", cookie: lead,
                    [
                        ("csrf", token), ("action", "save"),
                        ("subject", "About {forename}"), ("body", "Dear {parents},\n\n{reason}"),
                    ])
                #expect(
                    refused.status == .unprocessableEntity && refused.text.contains("unknown merge field {reason}"),
                    "\(refused.text.prefix(300))")
                #expect(try await f.store.letterTemplate(schoolID: f.schoolID, letterID: "concern") == nil)
                let saved = try await pages.post(
                    f, "/letters/concern", cookie: lead,
                    [
                        ("csrf", token), ("action", "save"), ("upn", "A100000000001"),
                        ("subject", "Elm note: {forename}"),
                        ("body", "Dear {parents},\n\nOur own words about {pupil}: {attendance}.\n\n{signatory}"),
                    ])
                #expect(saved.status == .seeOther)
                let row = try #require(try await f.store.letterTemplate(schoolID: f.schoolID, letterID: "concern"))
                #expect(row.subject == "Elm note: {forename}" && row.savedByName == "Attendance lead Person")
                let after = try await pages.get(f, "/letters/concern?upn=A100000000001", cookie: lead)
                #expect(after.text.contains("Our own words about Mia Fielding") && after.text.contains("saved by Attendance lead Person"))
                // Merge fields are escaped: a name with markup shows as text.
                let mia = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000001"))
                mia.preferredForename = "<b>Mia</b>"
                try await mia.save(on: f.app.db)
                let escaped = try await pages.get(f, "/letters/concern?upn=A100000000001", cookie: lead)
                #expect(escaped.text.contains("Elm note: &lt;b&gt;Mia&lt;/b&gt;") && !escaped.text.contains("<b>Mia</b>"))
                let reset = try await pages.post(f, "/letters/concern", cookie: lead, [("csrf", token), ("action", "reset")])
                let afterReset = try await f.store.letterTemplate(schoolID: f.schoolID, letterID: "concern")
                #expect(reset.status == .seeOther && afterReset == nil)
                let office = try await pages.signIn(f, .office)
                #expect(try await pages.get(f, "/letters", cookie: office).status == .forbidden)
            }
        }

        @Test(
            "completing a stage entry: the letter is shown to edit first (seed 003 'amend the attendance letters appropriately'); the timeline and the outbox keep exactly what was sent, with none of the staff instruction (000 §8.3.3)"
        )
        func editBeforeSending() async throws {
            try await withRollbook(.sqlite, at: Self.clock, tinyMarks: true) { f in
                let lead = try await pages.signIn(f, .attendanceLead)
                let worklist = try await pages.get(f, "/worklist", cookie: lead)
                let token = try #require(PageTests.csrf(worklist)?.token)
                let (_, actions) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-19"))
                let entry = try #require(actions.first { $0.upn == "A100000000001" && $0.kind == .stageEntry })
                #expect(entry.reason.contains("Send the"), "the staff instruction the letter must not carry: \(entry.reason)")
                // Without the letter, completing asks for it.
                let ask = try await pages.post(
                    f, "/worklist/complete", cookie: lead, [("csrf", token), ("key", entry.key), ("upn", entry.upn)])
                let location = try #require(ask.headers.first(name: .location))
                #expect(ask.status == .seeOther && location.hasPrefix("/worklist/letter?"))
                let mia = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000001")!.id!
                #expect(try await f.store.casework(pupilID: mia).isEmpty, "nothing recorded before the letter is sent")
                let draft = try await pages.get(f, location, cookie: lead)
                #expect(draft.status == .ok && draft.text.contains("For staff: not part of the letter"))
                let subject = try #require(Self.value(draft.text, id: "send-subject"))
                let body = try #require(Self.control(draft.text, #"<textarea id="send-body"[^>]*>[^<]*</textarea>"#))
                #expect(body.hasPrefix("Dear Rosa Fielding and Tom Fielding,") && body.contains("Mia"), "\(body)")
                for phrase in ["Send the", "Then monitor", entry.reason] { #expect(!body.contains(phrase) && !subject.contains(phrase)) }
                let edited = body.replacingOccurrences(
                    of: "Yours sincerely,", with: "We know Mia has been unwell & we are here to help.\n\nYours sincerely,")
                let sent = try await pages.post(
                    f, "/worklist/complete", cookie: lead,
                    [
                        ("csrf", token), ("key", entry.key), ("upn", entry.upn),
                        ("subject", subject + " (amended)"), ("body", edited), ("channel", "both"), ("note", "posted and emailed"),
                    ])
                let letterPage = try #require(sent.headers.first(name: .location))
                #expect(sent.status == .seeOther && letterPage.hasPrefix("/casework/"), "by post: the printable letter")
                let timeline = try await f.store.casework(pupilID: mia)
                let row = try #require(timeline.first { $0.document != nil })
                let document = try #require(row.document)
                #expect(row.summary.contains(entry.reason) && row.summary.contains("by email and post"), "the staff text stays with staff")
                #expect(document.contains("we are here to help") && document.contains("&amp;") && document.contains("(amended)"))
                let outbox = try await f.store.outbox(schoolID: f.schoolID)
                #expect(outbox.count == 2 && Set(outbox.map(\.recipient)) == ["rosa@example.org", "tom@example.org"])
                for m in outbox {
                    #expect(m.html == document, "the email's HTML is the letter kept on the timeline")
                    #expect(m.subject == subject + " (amended)")
                    #expect(m.body.contains("We know Mia has been unwell & we are here to help."))
                    for phrase in ["Send the", "Then monitor", "stage-1", entry.reason] {
                        #expect(!m.body.contains(phrase) && !(m.html ?? "").contains(phrase) && !m.subject.contains(phrase), "\(phrase)")
                    }
                }
                let printable = try await pages.get(f, letterPage, cookie: lead)
                #expect(printable.text.contains("we are here to help"))
            }
        }

        @Test("a school's own letter is used for its letter id when completing; by post only, nothing is emailed")
        func schoolLetterUsed() async throws {
            try await withRollbook(.sqlite, at: Self.clock, tinyMarks: true) { f in
                let (policy, actions) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-19"))
                let entry = try #require(actions.first { $0.upn == "A100000000001" && $0.kind == .stageEntry })
                let id = try #require(LetterTemplate.letterID(for: entry, policy: policy))
                try await f.store.saveLetterTemplate(
                    schoolID: f.schoolID, letterID: id,
                    LetterTemplate(subject: "Tiny letter for {forename}", body: "Dear {parents},\n\nOur words: {attendance}."),
                    by: Actor(name: "Lee Lead", position: "Attendance lead"), at: "t")
                let lead = try await pages.signIn(f, .attendanceLead)
                let draft = try await pages.get(
                    f, "/worklist/letter?key=\(entry.key.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&upn=\(entry.upn)",
                    cookie: lead)
                #expect(Self.value(draft.text, id: "send-subject") == "Tiny letter for Mia")
                let body = try #require(Self.control(draft.text, #"<textarea id="send-body"[^>]*>[^<]*</textarea>"#))
                #expect(body.hasPrefix("Dear Rosa Fielding and Tom Fielding,\n\nOur words: "), "\(body)")
                let token = try #require(PageTests.csrf(draft)?.token)
                let sent = try await pages.post(
                    f, "/worklist/complete", cookie: lead,
                    [
                        ("csrf", token), ("key", entry.key), ("upn", entry.upn),
                        ("subject", "Tiny letter for Mia"), ("body", body), ("channel", "post"),
                    ])
                #expect(sent.status == .seeOther)
                #expect(try await f.store.outbox(schoolID: f.schoolID).isEmpty)
                let bad = try await pages.post(
                    f, "/worklist/complete", cookie: lead,
                    [
                        ("csrf", token), ("key", entry.key), ("upn", entry.upn),
                        ("subject", "x"), ("body", "y"), ("channel", "pigeon"),
                    ])
                #expect(bad.status == .unprocessableEntity, "the action is done already, or the channel is refused")
            }
        }

        @Test("a letter id with no wording falls back to the general letter for the action's kind; once the school writes it, it is used")
        func unknownLetterID() async throws {
            try await withRollbook(.sqlite, at: Self.clock, tinyMarks: true) { f in
                var p = Policy.standard(name: "Own letters", effectiveFrom: day("2025-09-01"))
                p.stages[0].letter = "tiny-first-letter"
                _ = try await f.store.savePolicy(
                    schoolID: f.schoolID, p, document: String(decoding: PolicyFile.encode(p), as: UTF8.self),
                    by: Actor(name: "Lee Lead", position: "Attendance lead"), at: "t")
                let (_, actions) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-19"))
                let entry = try #require(actions.first { $0.upn == "A100000000001" && $0.kind == .stageEntry })
                let lead = try await pages.signIn(f, .attendanceLead)
                let path =
                    "/worklist/letter?key=\(entry.key.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&upn=\(entry.upn)"
                let general = try await pages.get(f, path, cookie: lead)
                #expect(general.text.contains("<code>concern</code>"), "the general letter for a `letter` action")
                #expect(
                    Self.value(general.text, id: "send-subject")
                        == LetterTemplate.builtIns[0].template.subject.replacingOccurrences(of: "{forename}", with: "Mia")
                        .replacingOccurrences(of: "{school}", with: "Tiny Test School"))
                let list = try await pages.get(f, "/letters", cookie: lead)
                #expect(list.text.contains("/letters/tiny-first-letter"), "the policy's own id is listed to write")
                #expect(try await pages.get(f, "/letters/no-such-letter", cookie: lead).status == .notFound)
                let token = try #require(PageTests.csrf(list)?.token)
                let saved = try await pages.post(
                    f, "/letters/tiny-first-letter", cookie: lead,
                    [
                        ("csrf", token), ("action", "save"),
                        ("subject", "First letter for {forename}"), ("body", "Dear {parents},\n\n{forename} is missed when away."),
                    ])
                #expect(saved.status == .seeOther)
                let own = try await pages.get(f, path, cookie: lead)
                #expect(
                    own.text.contains("<code>tiny-first-letter</code>")
                        && Self.value(own.text, id: "send-subject") == "First letter for Mia")
            }
        }

        @Test(
            "an improved review sends the congratulations letter and ends the stage (004 App. 8 'a letter ... to congratulate'; 002 Flowchart 1 'communicate and celebrate')"
        )
        func congratulations() async throws {
            try await withRollbook(.sqlite, at: Self.clock, tinyMarks: true) { f in
                var p = Policy.standard(name: "One stage", effectiveFrom: day("2025-09-01"))
                p.stages = [
                    Policy.Stage(
                        id: "stage-1", name: "Concern letter", below: 0.95, action: .letter, letter: "concern",
                        monitoringSchoolWeeks: 1, improvementTarget: 0.1, directEntry: true)
                ]
                let actor = Actor(name: "Lee Lead", position: "Attendance lead")
                _ = try await f.store.savePolicy(
                    schoolID: f.schoolID, p, document: String(decoding: PolicyFile.encode(p), as: UTF8.self), by: actor, at: "t")
                let mia = try await f.store.pupil(schoolID: f.schoolID, upn: "A100000000001")!.id!
                try await f.store.addCasework(
                    CaseworkRow(
                        pupilID: mia, kind: .stageEntered, actionKey: nil, stageID: "stage-1", happenedOn: day("2025-09-08"),
                        summary: "Entered Concern letter", recordedAt: "t", by: actor))
                let (_, actions) = try await f.store.evaluate(schoolID: f.schoolID, asOf: day("2025-09-19"))
                let review = try #require(actions.first { $0.upn == "A100000000001" && $0.kind == .stageReview }, "\(actions.map(\.kind))")
                #expect(review.figures["improved"] == 1)
                let lead = try await pages.signIn(f, .attendanceLead)
                let token = try #require(PageTests.csrf(try await pages.get(f, "/worklist", cookie: lead))?.token)
                #expect(try await Self.complete(f, cookie: lead, token: token, key: review.key, upn: review.upn).status == .seeOther)
                let timeline = try await f.store.casework(pupilID: mia)
                let letter = try #require(timeline.first { $0.document != nil })
                #expect(letter.caseworkKind == .letterSent && letter.summary.contains("'congratulations-improvement'"))
                #expect(letter.document?.contains("Well done, Mia!") == true)
                #expect(timeline.contains { $0.caseworkKind == .stageEnded })
                let sent = try await f.store.outbox(schoolID: f.schoolID)
                #expect(sent.count == 2 && sent.allSatisfy { !$0.body.contains("Tell the family") && !$0.body.contains("monitoring") })
            }
        }

        @Test("an email letter has a plain-text part and an HTML part from the same letter")
        func multipart() throws {
            let letter = Letter(
                subject: "Ivy's attendance", body: "Dear Ann Example,\n\nIvy & friends.\n\nYours sincerely,\n\nSam Lead",
                school: "Elm Lane",
                date: "Friday 19 September 2025", to: "Ann Example")
            let m = OutgoingMessage(
                id: 7, channel: .email, recipient: "ann@example.org", recipientName: "Ann Example", subject: letter.subject,
                body: letter.text, template: "letter", html: letter.html)
            let text = try MailFormat.message(
                m, from: "office@elm.example.org", fromName: "Elm Lane", domain: "elm.example.org", date: Date(timeIntervalSince1970: 0))
            #expect(text.contains("Content-Type: multipart/alternative; boundary=\"=_rollbook_7_alt\""))
            #expect(text.contains("Content-Type: text/plain; charset=utf-8") && text.contains("Content-Type: text/html; charset=utf-8"))
            #expect(text.contains("Ivy & friends.") && text.contains("Ivy &amp; friends."))
            #expect(text.hasSuffix("--=_rollbook_7_alt--\r\n"))
            let plain = OutgoingMessage(
                id: 8, channel: .email, recipient: "ann@example.org", recipientName: "Ann", subject: "s", body: "b",
                template: "leave_decision")
            #expect(!(try MailFormat.message(plain, from: "o@e.org", fromName: "E", domain: "e.org", date: Date())).contains("multipart"))
        }
    }
}
