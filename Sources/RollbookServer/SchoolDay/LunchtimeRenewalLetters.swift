import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Seed 004 'Permission will be updated on a termly basis – letters will be sent to parents at the beginning of each
/// term to confirm whether they would like their request to continue': in the first school week of a term, when the
/// policy names `school_day.lunchtime_leave.renewal_letter`, each parent with parental responsibility and an email of a
/// pupil whose lunchtime leave lapsed at the end of the last term gets the letter through the outbox, once.
enum LunchtimeRenewalLetters {
    /// The wording when the school has no letter of that name: parents' words only.
    static let standard = LetterTemplate(
        subject: "Lunchtime leave for {forename} this term",
        body: """
            Dear {parents},

            {forename}'s permission to leave the school site at lunchtime ended with the last term. If you would like it \
            to continue this term, please write to the school office to ask for it again.

            Yours sincerely,

            {school}
            """)

    static func runDue(app: Application) async {
        do {
            let n = try await run(store: app.store, now: app.options.clock.now())
            if n > 0 { app.logger.info("Lunchtime leave renewal: \(n) letters to parents queued.") }
        } catch {
            app.logger.error("Lunchtime leave renewal letters failed: \(error)")
        }
    }

    /// Queues the letters due today; returns how many were queued.
    static func run(store: Store, now: SchoolNow) async throws -> Int {
        var queued = 0
        for school in try await store.schools() {
            let id = school.id!
            guard let letter = try await store.policy(schoolID: id, on: now.date).schoolDay?.lunchtimeLeave?.renewalLetter else { continue }
            let calendar = try await store.calendar(schoolID: id)
            guard calendar.isSchoolDay(now.date), let term = calendar.term(containing: now.date),
                let last = calendar.terms.last(where: { $0.range.to < term.range.from })
            else { continue }
            // The first school week of the term: the first five school days.
            var firstDays: [LocalDate] = []
            var d = term.range.from
            while d <= now.date && firstDays.count < 5 {
                if calendar.isSchoolDay(d) { firstDays.append(d) }
                d = d.adding(days: 1)
            }
            guard firstDays.contains(now.date) else { continue }
            let lapsed = try await store.permissions(schoolID: id, kind: .lunchtimeLeave).filter {
                !PupilPermission.lapsingAtEndOfTerm($0.value, containing: last.range.to, calendar: calendar).isEmpty
            }
            guard !lapsed.isEmpty else { continue }
            let template = try await Letters.template(store, schoolID: id, id: letter) ?? standard
            let pupils = try await store.pupilRows(ids: Array(lapsed.keys)).filter { $0.enrolment.isOnRoll(now.date) }
            let contacts = try await store.contacts(schoolID: id, pupilIDs: pupils.compactMap(\.id))
            var rows: [OutboxRow] = []
            for p in pupils {
                let cs = contacts[p.id!] ?? []
                let values: [LetterTemplate.Field: String] = [
                    .parents: Letters.addressee(cs, pupil: p), .pupil: p.displayName,
                    .forename: p.preferredForename.isEmpty ? p.legalForename : p.preferredForename, .school: school.name,
                    .date: PupilYearGrid.longDate(now.date),
                ]
                // A school's own letter may ask for a field this letter has no value for: then the standard wording.
                guard let m = (try? template.merge(values)) ?? (try? standard.merge(values)) else { continue }
                for c in cs where c.parentalResponsibility && !c.email.isEmpty {
                    rows.append(
                        OutboxRow(
                            schoolID: id, pupilID: p.id, template: .lunchtimeLeaveRenewal, channel: "email", recipient: c.email,
                            recipientName: c.name, contactPriority: c.priority, subject: m.subject, body: m.body,
                            dedupeKey: "lunchtime-renewal:\(term.range.from.iso):\(p.id!):\(c.email.lowercased())",
                            about: "lunchtime-renewal:\(letter)", at: now.instant))
                }
            }
            queued += try await store.enqueue(rows).count
        }
        return queued
    }
}
