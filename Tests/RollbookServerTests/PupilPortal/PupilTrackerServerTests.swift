import FluentKit
import Foundation
import RollbookCore
import RollbookStore
import Testing
import Vapor
import VaporTesting

@testable import RollbookServer

// A pupil's own attendance tracker (seed 000 §3.2): the invitation, signing in, and what the pupil sees.

/// The tiny school on the Saturday after its first term's marks: every register of the three weeks taken.
let saturdayAfterTinyTerm = FixedClock(date: day("2025-09-20"), time: TimeOfDay(hour: 10, minute: 0)!)

extension ServerTests {
    @Suite("Pupil tracker: invitation, sign-in, own attendance only") struct PupilTrackerServerTests {
        static let mia = "A100000000001"
        static let zofia = "A100000000003"

        @Test(
            "seed 000 §3.2 'Personal Attendance Tracker': the office invites a pupil; the link sets a password once; the pupil sees their own weeks and target in plain words, nothing else",
            arguments: Backend.available)
        func invitationAndTracker(_ b: Backend) async throws {
            try await withRollbook(b, at: saturdayAfterTinyTerm, tinyMarks: true) { f in
                let office = try await staffSession(f, .office)
                // Refused with the field and the reason, changing nothing.
                let bad = try await formSend(
                    f, .POST, "/pupils/\(Self.mia)/pupil-account", cookie: office.cookie,
                    form: [("csrf", office.csrf), ("email", "mia at school")])
                #expect(bad.status == .unprocessableEntity && bad.text.contains("is not an email address"), "\(bad.status)")
                let teacher = try await staffSession(f, .teacher)
                let refused = try await formSend(
                    f, .POST, "/pupils/\(Self.mia)/pupil-account", cookie: teacher.cookie,
                    form: [("csrf", teacher.csrf), ("email", "mia@pupils.example.org")])
                #expect(refused.status == .forbidden)
                #expect(try await f.store.pupilAccounts(schoolID: f.schoolID).isEmpty)
                #expect(try await f.store.outbox(schoolID: f.schoolID).isEmpty)

                let sent = try await formSend(
                    f, .POST, "/pupils/\(Self.mia)/pupil-account", cookie: office.cookie,
                    form: [("csrf", office.csrf), ("email", "Mia.F@pupils.example.org")])
                #expect(sent.status == .seeOther && redirectTarget(sent) == "/pupils/\(Self.mia)", "\(sent.status) \(sent.text)")
                let m = try #require(try await f.store.outbox(schoolID: f.schoolID).first)
                #expect(m.template == "pupil_invitation" && m.recipient == "mia.f@pupils.example.org" && m.recipientName == "Mia")
                #expect(!m.body.contains("Fielding") && !m.body.contains("Rosa"))
                let page = try await formSend(f, .GET, "/pupils/\(Self.mia)", cookie: office.cookie)
                #expect(page.text.contains("Invited 2025-09-20 (mia.f@pupils.example.org)"))
                // Another pupil cannot take the same email.
                let taken = try await formSend(
                    f, .POST, "/pupils/\(Self.zofia)/pupil-account", cookie: office.cookie,
                    form: [("csrf", office.csrf), ("email", "mia.f@pupils.example.org")])
                #expect(taken.status == .unprocessableEntity && taken.text.contains("tracker account already uses"))

                let token = try #require(firstCapture(#"/pupil/invitation/(rb_[A-Za-z0-9_-]+)"#, in: m.body))
                let invitation = try await formSend(f, .GET, "/pupil/invitation/\(token)", cookie: nil)
                #expect(
                    invitation.status == .ok && invitation.text.contains("mia.f@pupils.example.org") && !invitation.text.contains("Mia"))
                let cookie = try #require(sessionCookie(invitation))
                let csrf = try #require(pageToken(invitation))
                let short = try await formSend(
                    f, .POST, "/pupil/invitation/\(token)", cookie: cookie,
                    form: [("csrf", csrf), ("password", "short"), ("confirm", "short")])
                #expect(short.status == .unprocessableEntity)
                let set = try await formSend(
                    f, .POST, "/pupil/invitation/\(token)", cookie: cookie,
                    form: [("csrf", csrf), ("password", "otter-maple-31"), ("confirm", "otter-maple-31")])
                #expect(set.status == .seeOther && redirectTarget(set) == "/pupil")
                #expect(try await formSend(f, .GET, "/pupil/invitation/\(token)", cookie: nil).status == .gone)

                // Signing in with the email and password.
                let signInPage = try await formSend(f, .GET, "/pupil/sign-in", cookie: nil)
                let signInCookie: String = try #require(sessionCookie(signInPage))
                let signInToken: String = try #require(pageToken(signInPage))
                let wrong = try await formSend(
                    f, .POST, "/pupil/sign-in", cookie: signInCookie,
                    form: [
                        ("csrf", signInToken), ("email", "mia.f@pupils.example.org"), ("password", "not-it-at-all"),
                    ])
                #expect(wrong.status == .unauthorized)
                let ok = try await formSend(
                    f, .POST, "/pupil/sign-in", cookie: signInCookie,
                    form: [
                        ("csrf", signInToken), ("email", "mia.f@pupils.example.org"),
                        ("password", "otter-maple-31"),
                    ])
                #expect(ok.status == .seeOther && redirectTarget(ok) == "/pupil")
                let session = try #require(sessionCookie(ok))
                let tracker = try await formSend(f, .GET, "/pupil", cookie: session)
                #expect(tracker.status == .ok)
                // Week of 1 Sept 2 of 2; of 8 Sept 5 of 8 (I I, U absent; V counts); of 15 Sept 5 of 9 (G G, N O absent).
                #expect(tracker.text.contains("You have been in school 12 out of 19 times this year."))
                #expect(tracker.text.contains("Your latest week: you were in school 5 out of 9 times."))
                #expect(tracker.text.contains("target is 96%. You are at 63.2%, which is below it."), "\(tracker.text)")
                #expect(tracker.text.contains("Week of 8 September:</strong> In school 5 out of 8 times."))
                // Nothing but Mia's own figures: no surname, contacts, other pupils, codes' words or staff links.
                for absent in ["Fielding", "Rosa", "Zofia", "Danny", "unauthorised", "Unauthorised", "/pupils/", "/worklist", "/parent/"] {
                    #expect(!tracker.text.contains(absent), "the tracker shows \(absent)")
                }
                // A pupil's session reaches no staff, parent or API page.
                for path in ["/today", "/pupils/\(Self.mia)", "/pupils/\(Self.zofia)", "/worklist", "/analytics/rewards"] {
                    let r = try await formSend(f, .GET, path, cookie: session)
                    #expect(r.status == .seeOther && (redirectTarget(r) ?? "").hasPrefix("/"), "\(path): \(r.status)")
                    #expect(redirectTarget(r) != nil && !(redirectTarget(r)!.hasPrefix("/pupil")), "\(path)")
                }
                for path in ["/parent", "/parent/children/\(Self.mia)"] {
                    let r = try await formSend(f, .GET, path, cookie: session)
                    #expect(r.status == .seeOther && redirectTarget(r) == "/parent/sign-in", "\(path)")
                }
                #expect(try await formSend(f, .GET, "/api/v1/pupils/\(Self.mia)", cookie: session).status == .unauthorized)
                // A staff member's session is not a pupil's.
                let staffTracker = try await formSend(f, .GET, "/pupil", cookie: office.cookie)
                #expect(staffTracker.status == .seeOther && redirectTarget(staffTracker) == "/pupil/sign-in")
            }
        }

        @Test(
            "seed 004 'not unfairly excluded from attendance rewards, e.g. by setting individualised targets': the lead sets a dated target with a reason; the pupil's tracker judges against it; bad input changes nothing",
            arguments: Backend.available)
        func individualTarget(_ b: Backend) async throws {
            try await withRollbook(b, at: saturdayAfterTinyTerm, tinyMarks: true) { f in
                let miaID = try #require(try await f.store.pupil(schoolID: f.schoolID, upn: Self.mia)?.id)
                let account = try await f.store.invitePupil(
                    schoolID: f.schoolID, pupilID: miaID, email: "mia@pupils.example.org", tokenHash: "t",
                    expiresAt: "2025-10-01T00:00:00Z",
                    by: Actor(name: "Office Person", position: "Office"), at: "2025-09-08T08:00:00Z")
                try await f.store.activatePupilAccount(id: account.id!, passwordHash: try Bcrypt.hash("otter-maple-31", cost: 4), at: "t")
                let lead = try await staffSession(f, .attendanceLead)
                let office = try await staffSession(f, .office)
                let path = "/pupils/\(Self.mia)/target"
                #expect(
                    try await formSend(
                        f, .POST, path, cookie: office.cookie, form: [("csrf", office.csrf), ("target", "60"), ("reason", "x")]
                    )
                    .status == .forbidden)
                let tooHigh = try await formSend(
                    f, .POST, path, cookie: lead.cookie, form: [("csrf", lead.csrf), ("target", "140"), ("reason", "Asthma")])
                #expect(tooHigh.status == .unprocessableEntity && tooHigh.text.contains("percentage from 1 to 100"))
                let noReason = try await formSend(
                    f, .POST, path, cookie: lead.cookie, form: [("csrf", lead.csrf), ("target", "60"), ("reason", " ")])
                #expect(noReason.status == .unprocessableEntity)
                #expect(try await f.store.individualTarget(pupilID: miaID, on: day("2025-09-20")) == nil)

                let set = try await formSend(
                    f, .POST, path, cookie: lead.cookie,
                    form: [("csrf", lead.csrf), ("target", "60"), ("reason", "Hospital appointments for a long-term condition")])
                #expect(set.status == .seeOther && redirectTarget(set) == "/pupils/\(Self.mia)")
                let t = try #require(try await f.store.individualTarget(pupilID: miaID, on: day("2025-09-20")))
                #expect(t.target == 0.6 && t.from == "2025-09-20" && t.setBy == "Attendance lead Person, Attendance lead")
                let note = try await f.store.casework(pupilID: miaID).first {
                    $0.summary.hasPrefix("Individual attendance target set: 60%")
                }
                #expect(note?.outcome == "Hospital appointments for a long-term condition")
                let page = try await formSend(f, .GET, "/pupils/\(Self.mia)", cookie: lead.cookie)
                #expect(page.text.contains("60% from 2025-09-20, set by Attendance lead Person"))

                let signIn = try await formSend(f, .GET, "/pupil/sign-in", cookie: nil)
                let ok = try await formSend(
                    f, .POST, "/pupil/sign-in", cookie: try #require(sessionCookie(signIn)) as String,
                    form: [("csrf", try #require(pageToken(signIn))), ("email", "mia@pupils.example.org"), ("password", "otter-maple-31")])
                let tracker = try await formSend(f, .GET, "/pupil", cookie: try #require(sessionCookie(ok)) as String)
                #expect(tracker.text.contains("Your own target is 60%. You are at 63.2%, so you are meeting it."), "\(tracker.text)")
                // The reason is staff text: never on the pupil's page.
                #expect(!tracker.text.contains("Hospital"))
            }
        }
    }
}
