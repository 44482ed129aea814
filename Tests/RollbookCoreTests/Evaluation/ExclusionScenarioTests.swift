import Foundation
import Testing

@testable import RollbookCore

// Suspensions and permanent exclusions (Evaluation/Exclusions.swift): the parents' notice of the first five school
// days and alternative provision from the sixth consecutive school day, under the example policies of seeds 000-002.

private func day(_ s: String) -> LocalDate { EvalTest.day(s) }
private typealias Book = EvalTest.Book

@Suite("Exclusions: notice and alternative provision")
struct ExclusionScenarioTests {
    static let upn = "X000000000001"
    static let provisionRule = "exclusions.alternative_provision_from_school_day"
    static let noticeRule = "exclusions.notice_letter"

    /// A pupil present at every session up to `asOf`, with E on every exclusion day up to it.
    static func book(_ exclusions: [ExclusionRecord], asOf: String, yearGroup: String = "5") -> EvalTest.Book {
        var b = Book(yearGroup: yearGroup, through: asOf)
        for x in exclusions {
            for s in x.sessions(calendar: EvalTest.calendar, enrolment: b.enrolment, through: day(asOf)) {
                b.codes[s.date, s.session] = .e
            }
        }
        return b
    }

    static func run(
        _ policy: Policy, _ asOf: String, _ exclusions: [ExclusionRecord], dateOfBirth: String = "2016-01-15", yearGroup: String = "5",
        done: Set<String> = []
    ) -> [DueAction] {
        let b = book(exclusions, asOf: asOf, yearGroup: yearGroup)
        let f = b.facts(upn, dateOfBirth: dateOfBirth)
        return EvalTest.run(policy, asOf, [f], casework: [upn: Casework(done: done, exclusions: exclusions)])
    }

    static func refs(_ days: [String], _ code: (String) -> String) -> [SessionRef] {
        days.flatMap { d in [SessionRef(date: day(d), session: .am, code: code(d)), SessionRef(date: day(d), session: .pm, code: code(d))] }
    }

    // MARK: Alternative provision

    @Test(
        "seed 001 App. I code E: 'Alternative provision will be arranged ... from the sixth consecutive day': day 6 exactly, weekend skipped"
    )
    func sixthDayExactly() throws {
        let policy = try SeedScenario.policy("001")
        // 8 school days from Monday 10 November: the sixth is Monday 17 November.
        let x = [ExclusionRecord(kind: .suspension, firstDay: day("2025-11-10"), schoolDays: 8, reason: "fictional")]
        #expect(Self.run(policy, "2025-11-14", x).of(.alternativeProvision).isEmpty)
        let on = Self.run(policy, "2025-11-17", x).of(.alternativeProvision)
        #expect(on.count == 1)
        let a = try #require(on.first)
        #expect(a.due == day("2025-11-17") && a.rule == Self.provisionRule && a.action == .alternativeProvision)
        #expect(a.key == "alternative_provision|\(Self.upn)|\(Self.provisionRule)|2025-11-10")
        #expect(a.figures == ["school_day": 6, "consecutive_school_days": 6, "from_school_day": 6, "suspension_school_days": 8])
        // The days provision must cover: marked E so far, the rest still to come.
        #expect(a.sessions == Self.refs(["2025-11-17", "2025-11-18", "2025-11-19"]) { $0 <= "2025-11-17" ? "E" : "" })
        #expect(a.source.contains("from the sixth consecutive day of any fixed period or permanent exclusion"))
        #expect(a.reason.contains("school day 6 of exclusion in a row since 10 November 2025 is 17 November 2025"))
        #expect(a.reason.contains("the school arranges it for a suspension"))
        // Still proposed while the suspension lasts, with today's count; not after it ends, nor once done.
        #expect(Self.run(policy, "2025-11-19", x).of(.alternativeProvision).first?.figures["consecutive_school_days"] == 8)
        #expect(Self.run(policy, "2025-11-20", x).of(.alternativeProvision).isEmpty)
        #expect(Self.run(policy, "2025-11-18", x, done: [a.key]).of(.alternativeProvision).isEmpty)
        // A suspension of five school days never reaches the sixth.
        let five = [ExclusionRecord(kind: .suspension, firstDay: day("2025-11-10"), schoolDays: 5)]
        #expect(Self.run(policy, "2025-11-14", five).of(.alternativeProvision).isEmpty)
    }

    @Test(
        "seed 002 §4.4.4 'from the sixth consecutive school day of any suspension': two back-to-back suspensions of 3 days reach day 6 on the second"
    )
    func backToBack() throws {
        let policy = try SeedScenario.policy("002")
        // Wednesday 5 to Friday 7 November, then Monday 10 to Wednesday 12 November: day 6 is 12 November.
        let x = [
            ExclusionRecord(kind: .suspension, firstDay: day("2025-11-10"), schoolDays: 3),
            ExclusionRecord(kind: .suspension, firstDay: day("2025-11-05"), schoolDays: 3),
        ]
        #expect(Self.run(policy, "2025-11-11", x).of(.alternativeProvision).isEmpty)
        let a = try #require(Self.run(policy, "2025-11-12", x).of(.alternativeProvision).first)
        #expect(a.due == day("2025-11-12"))
        #expect(a.key == "alternative_provision|\(Self.upn)|\(Self.provisionRule)|2025-11-10")
        #expect(a.figures["school_day"] == 6 && a.figures["suspension_school_days"] == 3)
        #expect(a.sessions == Self.refs(["2025-11-12"]) { _ in "E" })
        #expect(a.reason.contains("since 5 November 2025"))
        #expect(a.source.hasPrefix("Seed 002 §4.4.4"))
        // A school day between them breaks the run: 5-7 November, then 11-13 November.
        let apart = [
            ExclusionRecord(kind: .suspension, firstDay: day("2025-11-05"), schoolDays: 3),
            ExclusionRecord(kind: .suspension, firstDay: day("2025-11-11"), schoolDays: 3),
        ]
        #expect(Self.run(policy, "2025-11-13", apart).of(.alternativeProvision).isEmpty)
    }

    @Test("seed 002 §4.4.4 'sixth consecutive school day': weekends and the October half term are not school days")
    func holidaysSkipped() throws {
        let policy = try SeedScenario.policy("002")
        // From Wednesday 22 October, 6 school days: 22-24 October, half term 27-31 October, 3-5 November.
        let x = [ExclusionRecord(kind: .suspension, firstDay: day("2025-10-22"), schoolDays: 6)]
        #expect(Self.run(policy, "2025-11-04", x).of(.alternativeProvision).isEmpty)
        let a = try #require(Self.run(policy, "2025-11-05", x).of(.alternativeProvision).first)
        #expect(a.due == day("2025-11-05") && a.figures["school_day"] == 6)
        // A suspension recorded from a Saturday starts on the Monday.
        let sat = [ExclusionRecord(kind: .suspension, firstDay: day("2025-11-08"), schoolDays: 6)]
        #expect(try #require(Self.run(policy, "2025-11-17", sat).of(.alternativeProvision).first).due == day("2025-11-17"))
    }

    @Test(
        "seed 001 App. I code E: 'from the sixth consecutive day of any ... permanent exclusion': counted from its first day, and on from a suspension before it"
    )
    func permanent() throws {
        let policy = try SeedScenario.policy("001")
        let x = [ExclusionRecord(kind: .permanent, firstDay: day("2025-12-01"))]
        #expect(Self.run(policy, "2025-12-05", x).of(.alternativeProvision).isEmpty)
        let a = try #require(Self.run(policy, "2025-12-08", x).of(.alternativeProvision).first)
        #expect(a.due == day("2025-12-08") && a.key == "alternative_provision|\(Self.upn)|\(Self.provisionRule)|2025-12-01")
        #expect(a.figures == ["school_day": 6, "consecutive_school_days": 6, "from_school_day": 6])
        #expect(a.sessions == Self.refs(["2025-12-08"]) { _ in "E" })
        #expect(a.reason.contains("the LA arranges it for a permanent exclusion"))
        let later = try #require(Self.run(policy, "2025-12-10", x).of(.alternativeProvision).first)
        #expect(later.key == a.key && later.due == a.due && later.figures["consecutive_school_days"] == 8)
        #expect(later.sessions == Self.refs(["2025-12-08", "2025-12-09", "2025-12-10"]) { _ in "E" })
        // A suspension of 3 days (1-3 December) and then a permanent exclusion from Thursday 4 December: day 6 is Monday 8th.
        let both = [
            ExclusionRecord(kind: .suspension, firstDay: day("2025-12-01"), schoolDays: 3),
            ExclusionRecord(kind: .permanent, firstDay: day("2025-12-04")),
        ]
        let b = Self.run(policy, "2025-12-08", both).of(.alternativeProvision)
        #expect(b.map(\.key) == ["alternative_provision|\(Self.upn)|\(Self.provisionRule)|2025-12-04"])
        #expect(b.first?.due == day("2025-12-08"))
    }

    // MARK: The parents' notice

    @Test(
        "seed 000 §6.5.7.1 'The school must have notified the parents of the days the student must not be present in a public place': a letter due on the first day"
    )
    func notice() throws {
        let policy = try SeedScenario.policy("000")
        let x = [ExclusionRecord(kind: .suspension, firstDay: day("2025-11-10"), schoolDays: 8)]
        #expect(Self.run(policy, "2025-11-07", x, yearGroup: "9").of(.exclusionNotice).isEmpty)
        let a = try #require(Self.run(policy, "2025-11-10", x, yearGroup: "9").of(.exclusionNotice).first)
        #expect(a.due == day("2025-11-10") && a.action == .letter && a.letter == "exclusion-public-places")
        #expect(a.key == "exclusion_notice|\(Self.upn)|\(Self.noticeRule)|2025-11-10")
        // The first five school days: the days the letter names.
        let five = ["2025-11-10", "2025-11-11", "2025-11-12", "2025-11-13", "2025-11-14"]
        #expect(a.sessions == Self.refs(five) { $0 == "2025-11-10" ? "E" : "" })
        #expect(a.figures == ["school_days": 5, "suspension_school_days": 8])
        #expect(a.reason.contains("first 5 school days (10 November 2025 to 14 November 2025)"))
        #expect(a.source.hasPrefix("Seed 000 §6.5.7.1"))
        #expect(LetterTemplate.letterID(for: a, policy: policy) == "exclusion-public-places")
        // Proposed through the fifth day, not after.
        #expect(Self.run(policy, "2025-11-14", x, yearGroup: "9").of(.exclusionNotice).first?.key == a.key)
        #expect(Self.run(policy, "2025-11-17", x, yearGroup: "9").of(.exclusionNotice).isEmpty)
    }

    @Test(
        "seed 001 §4.2 'during the first five days of that exclusion': each exclusion gets its notice; a 3-day suspension names its 3 days")
    func noticePerExclusion() throws {
        let policy = try SeedScenario.policy("001")
        let x = [
            ExclusionRecord(kind: .suspension, firstDay: day("2025-11-05"), schoolDays: 3),
            ExclusionRecord(kind: .permanent, firstDay: day("2025-11-10")),
        ]
        let first = try #require(Self.run(policy, "2025-11-05", x).of(.exclusionNotice).first)
        #expect(first.sessions == Self.refs(["2025-11-05", "2025-11-06", "2025-11-07"]) { $0 == "2025-11-05" ? "E" : "" })
        #expect(first.figures["school_days"] == 3)
        let second = Self.run(policy, "2025-11-10", x).of(.exclusionNotice)
        #expect(second.map(\.key) == ["exclusion_notice|\(Self.upn)|\(Self.noticeRule)|2025-11-10"])
        #expect(second.first?.figures == ["school_days": 5])
        #expect(second.first?.reason.contains("permanently excluded from 10 November 2025") == true)
    }

    @Test("seed 001 §4.2 'a learner of compulsory school age': no notice or provision action for a sixth-former")
    func compulsorySchoolAgeOnly() throws {
        let policy = try SeedScenario.policy("001")
        let x = [ExclusionRecord(kind: .suspension, firstDay: day("2025-11-10"), schoolDays: 8)]
        let sixthFormer = Self.run(policy, "2025-11-17", x, dateOfBirth: "2008-01-15", yearGroup: "13")
        #expect(sixthFormer.of(.alternativeProvision).isEmpty)
        #expect(Self.run(policy, "2025-11-10", x, dateOfBirth: "2008-01-15", yearGroup: "13").of(.exclusionNotice).isEmpty)
        #expect(Self.run(policy, "2025-11-17", x, dateOfBirth: "2010-01-15", yearGroup: "11").of(.alternativeProvision).count == 1)
    }

    @Test("a policy without an exclusions section proposes neither action; a school may set an earlier day")
    func configuration() throws {
        let x = [ExclusionRecord(kind: .suspension, firstDay: day("2025-11-10"), schoolDays: 8)]
        let none = Self.run(EvalTest.quiet(), "2025-11-17", x)
        #expect(none.of(.alternativeProvision).isEmpty && none.of(.exclusionNotice).isEmpty)
        let early = EvalTest.quiet { $0.exclusions = .init(alternativeProvisionFromSchoolDay: 3, noticeLetter: "our-own-letter") }
        let a = try #require(Self.run(early, "2025-11-12", x).of(.alternativeProvision).first)
        #expect(a.due == day("2025-11-12") && a.figures["from_school_day"] == 3)
        #expect(a.source.contains("Excluded Pupils") && a.source.contains("6th school day"))
        #expect(Self.run(early, "2025-11-11", x).of(.alternativeProvision).isEmpty)
        #expect(Self.run(early, "2025-11-10", x).of(.exclusionNotice).first?.letter == "our-own-letter")
        #expect(LetterTemplate.letterIDs(in: early).contains("our-own-letter"))
    }

    // MARK: The sessions to code E

    @Test("E marks: an exclusion's sessions are every session open for the pupil on its school days, holidays skipped, up to leaving")
    func eSessions() throws {
        let b = Book(through: "2025-12-19")
        let s = ExclusionRecord(kind: .suspension, firstDay: day("2025-10-23"), schoolDays: 3)
        let slots = s.sessions(calendar: EvalTest.calendar, enrolment: b.enrolment)
        let days = ["2025-10-23", "2025-10-24", "2025-11-03"].map(day)
        #expect(slots == days.flatMap { [SessionSlot(date: $0, session: .am), SessionSlot(date: $0, session: .pm)] })
        #expect(s.sessions(calendar: EvalTest.calendar, enrolment: b.enrolment, through: day("2025-10-23")).count == 2)
        // A permanent exclusion runs until the pupil leaves the roll.
        var leaving = b.enrolment
        leaving.leavingDay = day("2025-12-05")
        let p = ExclusionRecord(kind: .permanent, firstDay: day("2025-12-01"))
        #expect(
            p.days(calendar: EvalTest.calendar, enrolment: leaving).map(\.iso) == ["01", "02", "03", "04", "05"].map { "2025-12-\($0)" })
        #expect(p.days(calendar: EvalTest.calendar, enrolment: b.enrolment, through: day("2025-12-02")).count == 2)
        // Closed for the pupil's year group: no session to code.
        let closed = SchoolCalendar(
            entries: EvalTest.calendar.entries + [
                CalendarEntry(start: day("2025-11-04"), end: day("2025-11-04"), kind: .closure, yearGroups: ["5"])
            ])
        let around = ExclusionRecord(kind: .suspension, firstDay: day("2025-11-03"), schoolDays: 2)
        #expect(around.days(calendar: closed, enrolment: b.enrolment) == [day("2025-11-03"), day("2025-11-05")])
    }

    // MARK: Validation

    @Test("exclusions.alternative_provision_from_school_day is 1 to 6: the law requires provision from the sixth school day")
    func validation() throws {
        func check(_ edit: (inout Policy) -> Void) -> ValidationError? {
            var p = Policy.standard()
            edit(&p)
            do { try p.validate() } catch { return error }
            return nil
        }
        for bad in [0, 7, 10] {
            let e = try #require(check { $0.exclusions = .init(alternativeProvisionFromSchoolDay: bad) })
            #expect(e.field == "exclusions.alternative_provision_from_school_day")
            #expect(e.reason.contains("must be 1 to 6") && e.reason.contains("from the 6th school day of exclusion"))
        }
        for good in 1...6 { #expect(check { $0.exclusions = .init(alternativeProvisionFromSchoolDay: good) } == nil) }
        let e = try #require(check { $0.exclusions = .init(noticeLetter: " ") })
        #expect(e.field == "exclusions.notice_letter" && e.reason.contains("exclusion-public-places"))
        #expect(check { $0.exclusions = .init() } == nil)
    }

    @Test("the exclusions section is optional in the file, and its settings default to the sixth day and the built-in letter")
    func decoding() throws {
        let standard = PolicyFile.encode(.standard())
        var json = try #require(JSONSerialization.jsonObject(with: standard) as? [String: Any])
        #expect(json["exclusions"] == nil)
        #expect(try PolicyFile.decode(standard).exclusions == nil)
        json["exclusions"] = [String: Any]()
        let p = try PolicyFile.decode(try JSONSerialization.data(withJSONObject: json))
        let x = try #require(p.exclusions)
        #expect(x.provisionDay == 6 && x.noticeLetterID == "exclusion-public-places")
        json["exclusions"] = ["alternative_provision_from_school_day": 7]
        #expect(throws: ValidationError.self) { try PolicyFile.decode(try JSONSerialization.data(withJSONObject: json)) }
        for n in ["000", "001", "002"] {
            let s = try #require(try SeedScenario.policy(n).exclusions)
            #expect(s.provisionDay == 6 && s.noticeLetterID == "exclusion-public-places")
        }
    }
}
