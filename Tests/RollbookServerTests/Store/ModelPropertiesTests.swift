import FluentKit
import Testing

@testable import RollbookStore

/// Models that list their fields (to spare FluentKit's reflection on every row) must list exactly the fields they
/// declare, in order: a field left out would be neither written nor read.
@Suite("Models' listed fields") struct ModelPropertiesTests {
    static func reflected(_ m: some Fields) -> [ObjectIdentifier] {
        Mirror(reflecting: m).children.compactMap { $0.value as? any AnyProperty }.map { ObjectIdentifier($0 as AnyObject) }
    }

    static func listed(_ m: some Fields) -> [ObjectIdentifier] { m.properties.map { ObjectIdentifier($0 as AnyObject) } }

    @Test("each listed model lists every field it declares, in order")
    func listsMatchReflection() {
        let models: [(String, any Fields)] = [
            ("PupilRow", PupilRow()), ("CalendarEntryRow", CalendarEntryRow()), ("SchoolRow", SchoolRow()), ("MarkRow", MarkRow()),
            ("StaffRow", StaffRow()), ("PolicyVersionRow", PolicyVersionRow()), ("CaseworkRow", CaseworkRow()),
            ("ContactRow", ContactRow()), ("LeaveRequestRow", LeaveRequestRow()),
        ]
        for (name, m) in models {
            let reflected = Self.reflected(m)
            #expect(reflected.count > 1, "\(name): no fields found by reflection")
            #expect(Self.listed(m) == reflected, "\(name): its `properties` list differs from its declared fields")
        }
    }

    @Test("a field left out of a list is caught")
    func catchesOmission() {
        final class Partial: Model, @unchecked Sendable {
            static let schema = "partial"
            @ID(custom: "id", generatedBy: .database) var id: Int?
            @Field(key: "a") var a: String
            @Field(key: "b") var b: String
            var properties: [any AnyProperty] { [$id, $a] }
            init() {}
        }
        #expect(Self.listed(Partial()) != Self.reflected(Partial()))
    }
}
