import Foundation
import Testing

@testable import RollbookCore

private func day(_ s: String) -> LocalDate {
    guard let d = LocalDate(iso: s) else { fatalError("bad test date \(s)") }
    return d
}

/// A full export from another school's system (fictional pupil): every section a CTF carries.
func fullCTF() throws -> String {
    try String(contentsOf: Repository.root.appendingPathComponent("Tests/Fixtures/ctf/full-export.xml"), encoding: .utf8)
}

/// A document's pupils for comparing element by element: a Pupil's and BasicDetails' elements in the specification's
/// order, text without surrounding white space.
func canonicalPupils(_ xml: String) throws -> [XMLNode] {
    func canonical(_ n: XMLNode) -> XMLNode {
        guard !n.children.isEmpty else { return XMLNode(n.name, text: n.text.trimmingCharacters(in: .whitespacesAndNewlines)) }
        var children = n.children.map(canonical)
        if n.name == "Pupil" { children = CTFPupilRecord.inSpecOrder(children, CTFPupilRecord.pupilOrder) }
        if n.name == "BasicDetails" { children = CTFPupilRecord.inSpecOrder(children, CTFPupilRecord.basicOrder) }
        return XMLNode(n.name, children)
    }
    let root = try XMLNode.parse(xml)
    return root.children.filter { $0.name == "CTFpupilData" }.flatMap(\.children).map(canonical)
}

private func ctfError<T>(_ body: () throws -> T, sourceLocation: SourceLocation = #_sourceLocation) -> ValidationError? {
    do {
        _ = try body()
        Issue.record("expected a ValidationError", sourceLocation: sourceLocation)
        return nil
    } catch let e as ValidationError {
        return e
    } catch {
        Issue.record("expected a ValidationError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

@Suite struct CTFRecordTests {
    static let pupil = "CTfile/CTFpupilData/Pupil[1]"

    @Test func aFullExportFillsTheAdmissionRegister() throws {
        let doc = try CTFDocument.parse(try fullCTF())
        let a = doc.pupils[0].record.admission(today: day("2025-10-06"), path: Self.pupil)
        #expect(a.warnings.isEmpty)
        // Contacts in order, with relationship, parental responsibility, the first phone, email and address.
        #expect(a.contacts.map(\.name) == ["Delia Quillfeather", "Tobias Brackley", "Edna Quillfeather"])
        #expect(a.contacts.map(\.priority) == [1, 2, 3])
        #expect(a.contacts.map(\.relationship) == ["Mother", "Father", "Other relative"])
        #expect(a.contacts.map(\.parentalResponsibility) == [true, true, false])
        #expect(a.contacts.map(\.phone) == ["07700 900111", "07700 900333", "01632 960444"])
        #expect(a.contacts[0].email == "delia.quillfeather@example.org")
        #expect(a.contacts[0].address == "14, Larkspur Road, Fennel Green, Westmere, Westshire, Westmere, ZZ9 4XX")
        #expect(a.contacts[1].address == "Flat 2, 9 Orchard Close, Ashcombe, ZZ9 7XX")
        // Lives with: the contact's address is the pupil's.
        #expect(a.contacts.map(\.livesWith) == [true, false, false])
        // The latest SEN entry (an EHC plan from November 2024); FSM open since October 2024; a first language other
        // than English (Urdu); the school with the latest leaving date.
        #expect(a.sen == .ehcp)
        #expect(a.freeSchoolMeals == true && a.everSixFSM)
        #expect(a.englishAdditionalLanguage == true)
        #expect(a.ethnicity == "APKN")
        #expect(a.lastSchool == LastSchool(name: "Fennel Lane Primary"))
        // Before the second FSM instance began, only the first (ended August 2023) counts, and only for Ever 6.
        let earlier = doc.pupils[0].record.admission(today: day("2024-09-30"), path: Self.pupil)
        #expect(earlier.freeSchoolMeals == false && earlier.everSixFSM)
    }

    @Test func whatRollbookDoesNotModelIsCarriedVerbatimAndTheFileWritesBackElementByElement() throws {
        let text = try fullCTF()
        let doc = try CTFDocument.parse(text)
        let r = doc.pupils[0].record
        #expect(r.carried.map(\.name) == ["UniqueLearnerNumber", "LookedAfter", "Phones", "Email", "Assessments"])
        #expect(r.carriedBasic.map(\.name) == ["FormerSurname", "MiddleNames", "EthnicitySource", "MedicalFlag", "EnrolStatus"])
        let assessments = try #require(r.carried.last?.raw)
        #expect(assessments.hasPrefix("<Assessments>") && assessments.hasSuffix("</Assessments>"))
        #expect(assessments.contains("<Result>WTS &amp; support</Result>"))
        let out = doc.xml
        #expect(out.contains("<Result>WTS &amp; support</Result>"))
        #expect(try canonicalPupils(out) == canonicalPupils(text))
        #expect(try CTFDocument.parse(out) == doc)
    }

    @Test func aRelationshipCodeThatIsNotTheDfEsIsImportedAsOtherWithAWarning() throws {
        let text = try fullCTF().replacingOccurrences(
            of: "<RelationshipCode>REL</RelationshipCode>", with: "<RelationshipCode>GNX</RelationshipCode>")
        let a = try CTFDocument.parse(text).pupils[0].record.admission(today: day("2025-10-06"), path: Self.pupil)
        #expect(a.contacts[2].relationship == "Other")
        #expect(
            a.warnings == [
                CTFWarning(
                    field: Self.pupil + "/Contacts/Contact[3]/RelationshipCode",
                    reason: "'GNX' is not a DfE relationship code; Edna Quillfeather is imported as Other")
            ])
    }

    @Test func theRegisterWinsWhereItChangedAndTheRestGoesOutAsItCame() throws {
        let doc = try CTFDocument.parse(try fullCTF())
        let r = doc.pupils[0].record
        let a = r.admission(today: day("2025-10-06"), path: Self.pupil)
        var contacts = a.contacts
        contacts[1].phone = "07700 900999"
        var c = Characteristics()
        c.sen = .senSupport
        c.freeSchoolMeals = false
        c.ethnicity = "APKN"
        let out = r.forExport(contacts: contacts, characteristics: c, lastSchool: a.lastSchool, asOf: day("2025-11-03"))
        // The unchanged contacts go out as they came (title, both phones); the changed one from the register.
        #expect(out.contacts[0] == r.contacts[0] && out.contacts[2] == r.contacts[2])
        #expect(out.contacts[1] != r.contacts[1])
        let back = out.admission(today: day("2025-11-03"), path: Self.pupil)
        #expect(back.contacts == contacts)
        // SEN support from the day of the export; the open FSM instance closed on it.
        #expect(out.senHistory.count == 3 && back.sen == .senSupport)
        #expect(back.freeSchoolMeals == false && out.hadFSM(since: day("2025-11-03"), to: day("2025-11-03")) == false)
        #expect(out.hadFSM(since: day("2025-11-02"), to: day("2025-11-02")))
        #expect(out.carried == r.carried && out.schoolHistory == r.schoolHistory && out.languages == r.languages)
        // Unchanged register: the record as it came.
        let same = r.forExport(
            contacts: a.contacts,
            characteristics: {
                var x = c
                x.sen = .ehcp
                x.freeSchoolMeals = true
                return x
            }(),
            lastSchool: a.lastSchool, asOf: day("2025-11-03"))
        #expect(same == r)
    }

    @Test func aPupilAdmittedHereGoesOutWithTheRegistersContactsSENAndFSM() throws {
        var c = Characteristics()
        c.sen = .ehcp
        c.freeSchoolMeals = true
        c.ethnicity = "WBRI"
        let contact = Contact(
            priority: 1, name: "Ines Marlow-Hart", relationship: "Carer", parentalResponsibility: true, livesWith: true,
            phone: "07700 900555", email: "ines@example.org", address: "3 Mill Street, Westmere, ZZ9 1XX")
        let r = CTFPupilRecord().forExport(
            contacts: [contact], characteristics: c, lastSchool: LastSchool(name: "Ashcombe Infants"), asOf: day("2025-11-03"))
        #expect(r.ethnicity == "WBRI" && r.currentSEN == .ehcp && r.hasFSM(on: day("2025-11-03")))
        #expect(r.lastSchool == LastSchool(name: "Ashcombe Infants"))
        let back = r.admission(today: day("2025-11-03"), path: Self.pupil).contacts
        #expect(back.count == 1 && back[0].name == contact.name && back[0].relationship == "Carer")
        #expect(back[0].phone == contact.phone && back[0].address == "3 Mill Street, Westmere, ZZ9 1XX")
    }

    @Test func sectionsThatAreWrongAreRefusedNamingTheElement() throws {
        let text = try fullCTF()
        func field(_ from: String, _ to: String) -> String? {
            ctfError { try CTFDocument.parse(text.replacingOccurrences(of: from, with: to)) }?.field
        }
        #expect(field("<SENprovision>E</SENprovision>", "<SENprovision>Q</SENprovision>") == Self.pupil + "/SENhistory/SEN[2]/SENprovision")
        #expect(
            field("<FSMendDate>2023-08-31</FSMendDate>", "<FSMendDate>2021-08-31</FSMendDate>")
                == Self.pupil + "/FSMhistory/FSMinstance[1]/FSMendDate")
        #expect(field("<Order>2</Order>", "<Order>1</Order>") == Self.pupil + "/Contacts/Contact[2]/Order")
        #expect(
            field("<Responsibility>false</Responsibility>", "<Responsibility>maybe</Responsibility>") == Self.pupil
                + "/Contacts/Contact[3]/Responsibility")
        #expect(field("<Ethnicity>APKN</Ethnicity>", "<Ethnicity>Pakistani</Ethnicity>") == Self.pupil + "/BasicDetails/Ethnicity")
        #expect(field("<Contacts>", "<Contacts><Note>x</Note>") == Self.pupil + "/Contacts/Note")
        #expect(
            field("<EntryDate>2022-09-05</EntryDate>", "<EntryDate>5/9/2022</EntryDate>") == Self.pupil
                + "/SchoolHistory/School[1]/EntryDate")
        // Counts that disagree with the marks are still refused, naming the element.
        #expect(
            field("<SessionsAttended>7</SessionsAttended>", "<SessionsAttended>8</SessionsAttended>")
                == Self.pupil + "/Attendance/YearData[1]/SessionsAttended")
    }
}
