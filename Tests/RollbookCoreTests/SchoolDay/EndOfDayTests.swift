import Foundation
import Testing

@testable import RollbookCore

@Suite("Lunchtime leave register, missing from site, end of day")
struct EndOfDayTests {
    typealias F = SchoolDayFixtures

    @Test("seed 004 'within 10 minutes of the start of lunch ... no later than 5 minutes before the end': a late return is flagged")
    func lunchtimeRegister() throws {
        let policy = try #require(SeedPolicyTests.seed(4).schoolDay?.lunchtimeLeave)
        // Year 6 lunch is 12:30 to 13:15: out by 12:40, back by 13:10.
        func kinds(_ out: String, _ back: String?, now: String = "13:30", year: String = "6", permitted: Bool = true) -> [String] {
            LunchtimeRegister.flags(
                entry: .init(upn: F.upn(1), yearGroup: year, out: F.t(out), back: back.map(F.t)), permitted: permitted, now: F.t(now),
                policy: policy
            ).map(\.kind.rawValue)
        }
        #expect(kinds("12:35", "13:10").isEmpty)
        #expect(kinds("12:41", "13:05") == ["left_late"])
        #expect(kinds("12:20", "13:05") == ["left_before_lunch"])
        #expect(kinds("12:35", "13:11") == ["returned_late"])
        #expect(kinds("12:35", nil, now: "13:10").isEmpty)
        #expect(kinds("12:35", nil, now: "13:11") == ["not_back"])
        #expect(kinds("12:35", "13:00", permitted: false) == ["no_permission"])
        #expect(kinds("12:35", "13:00", year: "3") == ["no_lunch_time"])
        let f = LunchtimeRegister.flags(
            entry: .init(upn: F.upn(1), yearGroup: "6", out: F.t("12:35"), back: F.t("13:14")), permitted: true, now: F.t("13:30"),
            policy: policy)
        #expect(f.first?.reason == "Back at 13:14, after 13:10: a late return.")
    }

    @Test("seed 004 'not been found after 20 minutes then the parents ... notified'; police once contacts are exhausted")
    func missingTimer() throws {
        let policy = try #require(SeedPolicyTests.seed(4).schoolDay?.missingFromSite)
        var i = MissingIncident(upn: F.upn(1), date: F.day("2026-11-25"), startedAt: F.t("11:00"))
        let plain = Characteristics()
        #expect(i.prompts(at: F.t("11:00"), characteristics: plain, policy: policy).map(\.step) == [.search])
        i.done.insert(.search)
        #expect(i.prompts(at: F.t("11:19"), characteristics: plain, policy: policy).isEmpty)
        let at20 = i.prompts(at: F.t("11:20"), characteristics: plain, policy: policy)
        #expect(at20.map(\.step) == [.notifyParents] && at20.first?.due == F.t("11:20") && i.minutes(at: F.t("11:20")) == 20)
        // Parents told; no police until the emergency contacts are exhausted.
        i.done.insert(.notifyParents)
        #expect(i.prompts(at: F.t("11:40"), characteristics: plain, policy: policy).isEmpty)
        i.contactsExhausted = true
        #expect(i.prompts(at: F.t("11:40"), characteristics: plain, policy: policy).map(\.step) == [.police])
        // Found: only the closing step remains.
        i.foundAt = F.t("11:45")
        #expect(i.prompts(at: F.t("11:46"), characteristics: plain, policy: policy).map(\.step) == [.found])
    }

    @Test("seed 004 'allocated social worker, ... looked-after child, or ... SEND, then the appropriate personnel will be informed'")
    func linkedStaff() throws {
        let policy = try #require(SeedPolicyTests.seed(4).schoolDay?.missingFromSite)
        var c = Characteristics()
        c.socialWorkerName = "Lee Hart"
        c.socialWorkerContact = "lee.hart@la.example"
        c.lookedAfter = true
        c.sen = .ehcp
        #expect(
            MissingIncident.linkedStaff(c) == ["social worker Lee Hart (lee.hart@la.example)", "designated safeguarding lead", "SENCO"])
        let i = MissingIncident(upn: F.upn(1), date: F.day("2026-11-25"), startedAt: F.t("11:00"))
        #expect(i.prompts(at: F.t("11:01"), characteristics: c, policy: policy).map(\.step) == [.search, .linkedStaff])
        #expect(MissingIncident.linkedStaff(Characteristics()).isEmpty)
        var off = policy
        off.notifyLinkedStaff = false
        #expect(i.prompts(at: F.t("11:01"), characteristics: c, policy: off).map(\.step) == [.search])
    }

    @Test("seed 003 'At 3:30pm the gates will close ... afterschool club'; 'not been collected by 6pm ... contact social services'")
    func endOfDay() throws {
        let policy = try #require(SeedPolicyTests.seed(3).schoolDay?.endOfDay)
        let a = PermissionsTests.pupil(year: "4")
        var b = PermissionsTests.pupil(year: "4")
        b.upn = F.upn(9)
        b.legalForename = "Bea"
        let pickups = [a.upn: EndOfDayCollection.Pickup(by: "Jo Marlow", at: F.t("15:20"))]
        func states(_ now: String) -> [EndOfDayCollection.State] {
            EndOfDayCollection.lists(pupils: [a, b], collections: pickups, now: F.t(now), policy: policy).flatMap { $0.lines.map(\.state) }
        }
        #expect(states("15:10") == [.awaiting, .awaiting])
        #expect(states("15:30") == [.collected, .awaiting])
        #expect(states("15:31") == [.collected, .afterSchoolClub])
        #expect(states("18:00") == [.collected, .contactSocialServices])
        let club = EndOfDayCollection.lists(pupils: [b], collections: [:], now: F.t("16:00"), policy: policy)
        #expect(club.map(\.form) == ["4R"] && club[0].lines[0].contactsToRing.map(\.priority) == [1, 2])
        let late = EndOfDayCollection.lists(pupils: [b], collections: [:], now: F.t("18:00"), policy: policy)[0].lines[0]
        #expect(EndOfDayCollection.socialServicesReason(late, policy: policy).contains("not been collected by 18:00"))
    }
}
