import Foundation
import Testing

@testable import RollbookCore

@Suite("Permissions and collection")
struct PermissionsTests {
    typealias F = SchoolDayFixtures
    static let date = F.day("2026-11-25")

    static func pupil(year: String) -> PupilRecord {
        PupilRecord(
            upn: F.upn(7), legalSurname: "Marlow", legalForename: "Ada", dateOfBirth: F.day("2018-03-04"), sex: "F", yearGroup: year,
            form: "\(year)R", startingDay: F.day("2022-09-01"),
            contacts: [
                Contact(
                    priority: 1, name: "Jo Marlow", relationship: "Mother", parentalResponsibility: true, livesWith: true,
                    phone: "07000 000001",
                    email: "jo@example.org"),
                Contact(
                    priority: 2, name: "Rose Marlow", relationship: "Grandmother", parentalResponsibility: false, livesWith: false,
                    phone: "07000 000002", email: ""),
            ])
    }
    static func permission(
        _ kind: PupilPermission.Kind, _ form: PupilPermission.Form = .written, from: String = "2026-09-07", to: String? = nil,
        collector: String? = nil, sibling: String? = nil, approvedBy: String? = nil, withdrawn: String? = nil
    ) -> PupilPermission {
        PupilPermission(
            kind: kind, form: form, validFrom: F.day(from), validTo: to.map(F.day), collectorName: collector, siblingUPN: sibling,
            approvedBy: approvedBy, recordedBy: "office@school.example", recordedAt: "\(from)T09:00", withdrawn: withdrawn.map(F.day))
    }

    func check(
        _ year: String, _ c: Collector, _ ps: [PupilPermission] = [], at: String = "15:20", policy: SchoolDayPolicy.Collectors? = nil
    ) throws -> SignOutCheck {
        let p = try policy ?? #require(SeedPolicyTests.seed(3).schoolDay?.collection)
        return SignOutCheck.check(
            pupil: Self.pupil(year: year), permissions: ps, collector: c, on: Self.date, at: F.t(at), calendar: F.calendar, policy: p)
    }

    @Test(
        "seed 003 Proactive 13 'they will need to be on the contact list': Year 4 to someone not on it is refused, to the grandmother on it allowed"
    )
    func contactList() throws {
        let stranger = try check("4", Collector(name: "Sam Fielding", age: 35))
        #expect(stranger.decision == .refuse && stranger.reason == "Sam Fielding is not on Ada Marlow's contact list.")
        let gran = try check("4", Collector(name: "  rose   MARLOW ", age: 68))
        #expect(gran.decision == .allowed && gran.reason.contains("Grandmother") && gran.reason.contains("contact 2"))
        // Seed 003 Proactive 13: 'This means that the person is over 18.'
        let young = try check("4", Collector(name: "Rose Marlow", age: 16))
        #expect(young.decision == .refuse && young.reason.contains("must be 18 or over"))
        // A school whose policy says warn instead.
        var warn = try #require(SeedPolicyTests.seed(3).schoolDay?.collection)
        warn.notAllowed = "warn"
        #expect(try check("4", Collector(name: "Sam Fielding"), policy: warn).decision == .warn)
    }

    @Test("seed 003 'only children in Years 5 and 6 ... walk home on their own' with the letter; not after 4:30pm")
    func walkingHome() throws {
        let letter = Self.permission(.walkHomeAlone)
        #expect(try check("5", .walkingAlone, [letter]).decision == .allowed)
        #expect(try check("6", .walkingAlone).decision == .refuse)
        // Another year group with a written permission is the exception the seed allows: staff are warned.
        let y4 = try check("4", .walkingAlone, [letter])
        #expect(y4.decision == .warn && y4.reason.contains("Year 5 and Year 6"))
        // 'Where a sporting activity ... finishes after 4:30pm, the children will not be allowed to walk home on their own'
        #expect(try check("6", .walkingAlone, [letter], at: "16:45").decision == .refuse)
        // Verbal, expired or withdrawn permission does not count.
        #expect(try check("5", .walkingAlone, [Self.permission(.walkHomeAlone, .verbal)]).decision == .refuse)
        #expect(try check("5", .walkingAlone, [Self.permission(.walkHomeAlone, to: "2026-10-31")]).decision == .refuse)
        #expect(try check("5", .walkingAlone, [Self.permission(.walkHomeAlone, withdrawn: "2026-11-25")]).decision == .refuse)
        #expect(try check("5", .walkingAlone, [Self.permission(.walkHomeAlone, withdrawn: "2026-11-26")]).decision == .allowed)
    }

    @Test("seed 003 'an older sibling ... written permission to be provided by the parent/carer'")
    func sibling() throws {
        let sib = Collector(name: "Tom Marlow", age: 10, siblingUPN: F.upn(8))
        #expect(try check("2", sib).decision == .refuse)
        #expect(try check("2", sib, [Self.permission(.siblingCollects, sibling: F.upn(8))]).decision == .allowed)
        #expect(try check("2", sib, [Self.permission(.siblingCollects, sibling: F.upn(9))]).decision == .refuse)
    }

    @Test("seed 003 emergency collection: written permission with photo ID; verbal only once a senior leader accepts it")
    func emergency() throws {
        let aunt = Collector(name: "Kit Fielding", age: 40, photoIDSeen: true)
        let written = Self.permission(.emergencyCollection, from: "2026-11-25", to: "2026-11-25", collector: "Kit Fielding")
        #expect(try check("3", aunt, [written]).decision == .allowed)
        var noID = aunt
        noID.photoIDSeen = false
        let w = try check("3", noID, [written])
        #expect(w.decision == .warn && w.reason.contains("no photo ID"))
        let verbal = Self.permission(.emergencyCollection, .verbal, from: "2026-11-25", to: "2026-11-25", collector: "Kit Fielding")
        #expect(try check("3", aunt, [verbal]).decision == .refuse)
        var accepted = verbal
        accepted.approvedBy = "deputy@school.example"
        #expect(try check("3", aunt, [accepted]).reason.contains("verbal permission accepted by deputy@school.example"))
        // Yesterday's one-off permission does not hold today.
        let yesterday = Self.permission(.emergencyCollection, from: "2026-11-24", to: "2026-11-24", collector: "Kit Fielding")
        #expect(try check("3", aunt, [yesterday]).decision == .refuse)
    }

    @Test("seed 004 'Permission will be updated on a termly basis': lunchtime leave lapses at the end of its term")
    func lunchtimeLeaveLapses() {
        let p = Self.permission(.lunchtimeLeave, from: "2026-09-07")
        #expect(p.lastDay(calendar: F.calendar) == F.day("2026-12-18"))
        #expect(p.isValid(on: F.day("2026-12-18"), calendar: F.calendar))
        #expect(!p.isValid(on: F.day("2027-01-05"), calendar: F.calendar))
        // Given in the summer holiday: it runs for the coming term.
        #expect(Self.permission(.lunchtimeLeave, from: "2026-08-20").lastDay(calendar: F.calendar) == F.day("2026-12-18"))
        // An earlier end date or a withdrawal ends it sooner.
        #expect(Self.permission(.lunchtimeLeave, to: "2026-10-01").lastDay(calendar: F.calendar) == F.day("2026-10-01"))
        #expect(Self.permission(.lunchtimeLeave, withdrawn: "2026-10-05").lastDay(calendar: F.calendar) == F.day("2026-10-04"))
        // The families to write to for renewal: lapsing at the end of this term.
        let lapsing = PupilPermission.lapsingAtEndOfTerm(
            [p, Self.permission(.walkHomeAlone), Self.permission(.lunchtimeLeave, to: "2026-10-01")], containing: F.day("2026-12-10"),
            calendar: F.calendar)
        #expect(lapsing == [p])
        // A walking permission has no term limit.
        #expect(Self.permission(.walkHomeAlone).lastDay(calendar: F.calendar) == nil)
    }
}
