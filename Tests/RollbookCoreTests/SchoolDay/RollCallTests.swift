import Foundation
import Testing

@testable import RollbookCore

@Suite("Evacuation roll call")
struct RollCallTests {
    typealias F = SchoolDayFixtures
    static let pupils = (1...6).map {
        RollCall.Pupil(upn: F.upn($0), name: "Pupil \($0)", form: $0 <= 3 ? "9A" : "9B", assemblyPoint: $0 % 2 == 0 ? "Field" : "Car park")
    }

    @Test("issue 17 'several phones work on the same roll call at once': ticks merge in any order, twice over, to the same state")
    func mergeOrderIndependent() throws {
        let phoneA = (1...4).map { RollCall.Tick(upn: F.upn($0), accounted: true, device: "a", at: 10 + $0, by: "t1@school.example") }
        let phoneB = (3...6).map { RollCall.Tick(upn: F.upn($0), accounted: true, device: "b", at: 12 + $0, by: "t2@school.example") }
        // Phone A takes pupil 2 back (ticked by mistake), later than its tick.
        let untick = RollCall.Tick(upn: F.upn(2), accounted: false, device: "a", at: 30, by: "t1@school.example")
        let all = phoneA + phoneB + [untick]
        var one = RollCall(pupils: Self.pupils)
        try one.merge(all)
        var two = RollCall(pupils: Self.pupils)
        try two.merge(all.reversed())
        try two.merge(phoneB)
        try two.merge(all.shuffled())
        #expect(one == two)
        #expect(one.unaccounted.map(\.upn) == [F.upn(2)])
        // The other phone ticks pupil 2 again after it was taken back: 0 unaccounted.
        try two.merge([.init(upn: F.upn(2), accounted: true, device: "b", at: 31, by: "t2@school.example")])
        #expect(two.unaccounted.isEmpty && two.isAccounted(F.upn(2)))
    }

    @Test("the list per form or assembly point shows the unaccounted first; closing records it and takes no more ticks")
    func sectionsAndClose() throws {
        var r = RollCall(pupils: Self.pupils + [Self.pupils[0]])
        #expect(r.pupils.count == 6)
        try r.merge([.init(upn: F.upn(1), accounted: true, device: "a", at: 1, by: "t1")])
        let forms = r.sections(by: .form)
        #expect(forms.map(\.name) == ["9A", "9B"])
        #expect(forms[0].unaccounted.map(\.upn) == [F.upn(2), F.upn(3)] && forms[0].accounted.map(\.upn) == [F.upn(1)])
        #expect(r.sections(by: .assemblyPoint).map(\.name) == ["Car park", "Field"])
        #expect(throws: RollCall.Failure.unknownPupil("X")) {
            try r.merge([
                .init(upn: F.upn(2), accounted: true, device: "a", at: 2, by: "t1"),
                .init(upn: "X", accounted: true, device: "a", at: 2, by: "t1"),
            ])
        }
        #expect(!r.isAccounted(F.upn(2)))  // nothing of a refused batch is applied
        let rec = try r.close(at: "2026-11-25T10:20", by: "head@school.example")
        #expect(rec.pupils == 6 && rec.accounted == 1 && rec.unaccounted.count == 5 && r.record == rec)
        #expect(throws: RollCall.Failure.closed) { try r.merge([.init(upn: F.upn(2), accounted: true, device: "a", at: 3, by: "t1")]) }
        #expect(throws: RollCall.Failure.closed) { try r.close(at: "later", by: "x") }
    }
}
