import Foundation
import Testing

@testable import RollbookCore

@Suite("Policy: school_day.assembly_points")
struct AssemblyPointsTests {
    static let points: [SchoolDayPolicy.AssemblyPoint] = [
        .init(name: "Field A", forms: ["7A", "7B"]), .init(name: "Car park", forms: ["8A"]),
    ]

    @Test("a policy file's assembly points decode and encode unchanged (form names keep their case), and old files still decode")
    func roundTrip() throws {
        var p = Policy.standard()
        p.schoolDay = SchoolDayPolicy()
        p.schoolDay?.assemblyPoints = Self.points
        let json = String(decoding: PolicyFile.encode(p), as: UTF8.self)
        #expect(json.contains("\"assembly_points\"") && json.contains("\"7A\""))
        let back = try PolicyFile.decode(Data(json.utf8))
        #expect(back.schoolDay?.assemblyPoints == Self.points)
        p.schoolDay?.assemblyPoints = nil
        let old = try PolicyFile.decode(PolicyFile.encode(p))
        #expect(old.schoolDay?.assemblyPoints == nil)
    }

    @Test("each form goes to its point; a form the policy leaves out is grouped as having none, never put at a point")
    func mapping() {
        var s = SchoolDayPolicy()
        s.assemblyPoints = Self.points
        #expect(s.assemblyPoint(ofForm: "7B") == "Field A" && s.assemblyPoint(ofForm: "8A") == "Car park")
        #expect(s.assemblyPoint(ofForm: "9C") == nil)
        #expect(s.rollCallPoint(ofForm: "9C") == "No assembly point set (9C)")
    }

    @Test("validation names the point or form at fault and the reason")
    func validation() {
        var p = Policy.standard()
        func reason(_ points: [SchoolDayPolicy.AssemblyPoint]) -> ValidationError? {
            var s = SchoolDayPolicy()
            s.assemblyPoints = points
            p.schoolDay = s
            do { try p.validate() } catch { return error }
            return nil
        }
        #expect(reason(Self.points) == nil)
        #expect(reason([])?.field == "school_day.assembly_points")
        #expect(reason([.init(name: " ", forms: ["7A"])])?.field == "school_day.assembly_points[0].name")
        #expect(reason([.init(name: "Field A", forms: [])])?.field == "school_day.assembly_points[0].forms")
        let twice = reason([.init(name: "Field A", forms: ["7A"]), .init(name: "field a", forms: ["7B"])])
        #expect(twice?.field == "school_day.assembly_points[1].name" && twice?.reason == "'field a' is named twice")
        let form = reason([.init(name: "Field A", forms: ["7A"]), .init(name: "Car park", forms: ["8A", "7A"])])
        #expect(form?.field == "school_day.assembly_points[1].forms[1]" && form?.reason == "'7A' gathers at 'Field A' already")
        #expect(reason([.init(name: "Field A", forms: [""])])?.field == "school_day.assembly_points[0].forms[0]")
    }
}
