// A full CTF's pupil record beyond identity and attendance: address, contacts, SEN, FSM, languages, ethnicity and
// school history, which fill the admission register; and every other pupil element (assessments, for example),
// carried through verbatim so that the next CTF sends it on. Pure: no I/O, no clock. The mapping is in docs/ctf.md.

/// Something an import accepted but changed, named by its element path: listed in the import report.
public struct CTFWarning: Sendable, Hashable, Codable {
    public var field: String
    public var reason: String
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }
}

/// The DfE's codes for a contact's relationship to the pupil, and the words the admission register uses for them.
public enum CTFRelationship {
    public static let codes: [(code: String, words: String)] = [
        ("PAM", "Mother"), ("PAF", "Father"), ("STM", "Step-mother"), ("STF", "Step-father"), ("FOM", "Foster mother"),
        ("FOF", "Foster father"), ("CAR", "Carer"), ("CHM", "Childminder"), ("DOC", "Doctor"), ("FAM", "Other family member"),
        ("REL", "Other relative"), ("SWR", "Social worker"), ("OTH", "Other"),
    ]
    /// The register's words for a code; nil for a code that is not the DfE's.
    public static func words(for code: String) -> String? { codes.first { $0.code == code.uppercased() }?.words }
    /// The code for the register's words; OTH for words that are no code's.
    public static func code(for words: String) -> String {
        let w = words.trimmingCharacters(in: .whitespaces).lowercased()
        return codes.first { $0.words.lowercased() == w || $0.code.lowercased() == w }?.code ?? "OTH"
    }
}

/// The parts of a pupil's CTF that Rollbook reads into the admission register or carries through.
public struct CTFPupilRecord: Sendable, Hashable {
    /// Pupil/Address.
    public var address: XMLNode?
    /// Contacts/Contact, in file order.
    public var contacts: [XMLNode]
    /// SENhistory/SEN.
    public var senHistory: [XMLNode]
    /// FSMhistory's FSMreviewDate and FSMinstance elements.
    public var fsmHistory: [XMLNode]
    /// BasicDetails/Languages/Type.
    public var languages: [XMLNode]
    /// BasicDetails/Ethnicity: the DfE code.
    public var ethnicity: String?
    /// SchoolHistory/School.
    public var schoolHistory: [XMLNode]
    /// Pupil elements Rollbook does not model, verbatim, in file order.
    public var carried: [XMLNode]
    /// BasicDetails elements Rollbook does not model, verbatim, in file order.
    public var carriedBasic: [XMLNode]

    public init(
        address: XMLNode? = nil, contacts: [XMLNode] = [], senHistory: [XMLNode] = [], fsmHistory: [XMLNode] = [],
        languages: [XMLNode] = [], ethnicity: String? = nil, schoolHistory: [XMLNode] = [], carried: [XMLNode] = [],
        carriedBasic: [XMLNode] = []
    ) {
        self.address = address
        self.contacts = contacts
        self.senHistory = senHistory
        self.fsmHistory = fsmHistory
        self.languages = languages
        self.ethnicity = ethnicity
        self.schoolHistory = schoolHistory
        self.carried = carried
        self.carriedBasic = carriedBasic
    }

    /// The Pupil elements Rollbook reads itself; every other one is carried.
    public static let modelledPupilElements: Set<String> = [
        "UPN", "Surname", "Forename", "DOB", "Sex", "Gender", "BasicDetails", "Attendance", "Address", "Contacts", "SENhistory",
        "FSMhistory", "SchoolHistory",
    ]
    /// The BasicDetails elements Rollbook reads itself.
    public static let modelledBasicElements: Set<String> = ["PreferredForename", "NCyearActual", "Ethnicity", "Languages"]

    /// The order the CTF specification gives a Pupil's elements; others follow, in the order they came.
    public static let pupilOrder = [
        "ApplicationReference", "UPN", "UniqueLearnerNumber", "UCI", "Surname", "Forename", "DOB", "Sex", "Gender", "BasicDetails",
        "LookedAfter", "SENhistory", "Admissions", "Address", "Phones", "Email", "Contacts", "Attendance", "StageAssessments",
        "Assessments", "FSMhistory", "NAWdetails", "SchoolHistory",
    ]
    /// The order the specification gives BasicDetails' elements.
    public static let basicOrder = [
        "FormerUPN", "PreferredSurname", "FormerSurname", "PreferredForename", "MiddleNames", "NCyearActual", "Ethnicity",
        "EthnicitySource", "Languages", "MedicalFlag", "Disabilities", "EnrolStatus",
    ]

    /// `nodes` sorted by `order` (stable; names not in it last, as they came).
    public static func inSpecOrder(_ nodes: [XMLNode], _ order: [String]) -> [XMLNode] {
        let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        return nodes.enumerated().sorted { a, b in
            let (ra, rb) = (rank[a.element.name] ?? order.count, rank[b.element.name] ?? order.count)
            return ra != rb ? ra < rb : a.offset < b.offset
        }.map(\.element)
    }

    public var isEmpty: Bool { self == CTFPupilRecord() }

    // MARK: Reading

    /// Reads and checks the sections; `source` is the file's bytes, for carrying elements verbatim.
    static func parse(_ pupil: XMLNode, path: String, source: [UInt8]) throws(ValidationError) -> CTFPupilRecord {
        var r = CTFPupilRecord()
        r.carried = pupil.children.filter { !modelledPupilElements.contains($0.name) }.map { $0.verbatim(from: source) }
        if let basic = try pupil.optional("BasicDetails", path) {
            let bp = path + "/BasicDetails"
            r.carriedBasic = basic.children.filter { !modelledBasicElements.contains($0.name) }.map { $0.verbatim(from: source) }
            if let e = try basic.optionalText("Ethnicity", bp) {
                guard e.count == 4, e.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                    throw ValidationError(
                        field: bp + "/Ethnicity", reason: "'\(e)' must be a DfE ethnicity code of four capitals, such as WBRI")
                }
                r.ethnicity = e
            }
            if let langs = try basic.optional("Languages", bp) {
                r.languages = try items(langs, "Type", path: bp + "/Languages")
                for (i, t) in r.languages.enumerated() {
                    let tp = "\(bp)/Languages/Type[\(i + 1)]"
                    _ = try t.text("LanguageType", tp)
                    _ = try t.text("Language", tp)
                }
            }
        }
        if let a = try pupil.optional("Address", path) { r.address = try checkedAddress(a, path: path + "/Address") }
        if let cs = try pupil.optional("Contacts", path) {
            r.contacts = try items(cs, "Contact", path: path + "/Contacts")
            var orders: Set<Int> = []
            for (i, c) in r.contacts.enumerated() {
                let cp = "\(path)/Contacts/Contact[\(i + 1)]"
                let o = try Self.contactParts(c, path: cp, pupilAddress: "")
                guard orders.insert(o.contact.priority).inserted else {
                    throw ValidationError(field: cp + "/Order", reason: "\(o.contact.priority) is the Order of an earlier contact too")
                }
                if let a = try c.optional("Address", cp) { _ = try checkedAddress(a, path: cp + "/Address") }
            }
        }
        if let s = try pupil.optional("SENhistory", path) {
            r.senHistory = try items(s, "SEN", path: path + "/SENhistory")
            for (i, n) in r.senHistory.enumerated() { _ = try senEntry(n, path: "\(path)/SENhistory/SEN[\(i + 1)]") }
        }
        if let f = try pupil.optional("FSMhistory", path) {
            if let other = f.children.first(where: { $0.name != "FSMinstance" && $0.name != "FSMreviewDate" }) {
                throw ValidationError(
                    field: "\(path)/FSMhistory/\(other.name)", reason: "FSMhistory may hold only FSMreviewDate and FSMinstance elements")
            }
            r.fsmHistory = f.children
            for (i, n) in f.children.filter({ $0.name == "FSMinstance" }).enumerated() {
                _ = try fsmEntry(n, path: "\(path)/FSMhistory/FSMinstance[\(i + 1)]")
            }
        }
        if let h = try pupil.optional("SchoolHistory", path) {
            r.schoolHistory = try items(h, "School", path: path + "/SchoolHistory")
            for (i, n) in r.schoolHistory.enumerated() { _ = try schoolEntry(n, path: "\(path)/SchoolHistory/School[\(i + 1)]") }
        }
        return r
    }

    /// A list element's items: every child must be `item`.
    static func items(_ list: XMLNode, _ item: String, path: String) throws(ValidationError) -> [XMLNode] {
        if let other = list.children.first(where: { $0.name != item }) {
            throw ValidationError(field: "\(path)/\(other.name)", reason: "\(list.name) may hold only \(item) elements")
        }
        return list.children
    }

    static func date(_ node: XMLNode, _ name: String, path: String, required: Bool) throws(ValidationError) -> LocalDate? {
        guard let t = required ? try node.text(name, path) : try node.optionalText(name, path) else { return nil }
        guard let d = LocalDate(iso: t) else {
            throw ValidationError(field: "\(path)/\(name)", reason: "'\(t)' is not a date in the form YYYY-MM-DD")
        }
        return d
    }

    static func checkedAddress(_ a: XMLNode, path: String) throws(ValidationError) -> XMLNode {
        guard !addressText(a).isEmpty else { throw ValidationError(field: path, reason: "has no address lines") }
        return a
    }

    /// An address as the register keeps it: its lines and postcode in file order, joined with ", " (grid references
    /// and the property reference left out).
    public static func addressText(_ a: XMLNode) -> String {
        let skipped: Set<String> = ["Easting", "Northing", "UniquePropertyReferenceNumber", "UPRN"]
        var parts: [String] = []
        func walk(_ n: XMLNode) {
            guard !skipped.contains(n.name) else { return }
            if n.children.isEmpty {
                let t = n.text.trimmingXMLSpace
                if !t.isEmpty { parts.append(t) }
            } else {
                n.children.forEach(walk)
            }
        }
        a.children.forEach(walk)
        return parts.joined(separator: ", ")
    }

    /// An address written from the register's text: one AddressLine a comma- or line-separated part (at most five).
    public static func addressNode(_ text: String) -> XMLNode? {
        var lines = text.split(whereSeparator: { $0 == "," || $0 == "\n" }).map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        guard !lines.isEmpty else { return nil }
        if lines.count > 5 { lines = Array(lines[..<4]) + [lines[4...].joined(separator: ", ")] }
        return XMLNode(
            "Address",
            [XMLNode("AddressLines", lines.enumerated().map { XMLNode("AddressLine\($0.offset + 1)", text: $0.element) })])
    }

    /// A contact as the register keeps it, and a warning for a relationship code that is not the DfE's.
    static func contactParts(_ c: XMLNode, path: String, pupilAddress: String) throws(ValidationError) -> (
        contact: Contact, warning: CTFWarning?
    ) {
        let orderText = try c.text("Order", path)
        guard let order = Int(orderText), order >= 1 else {
            throw ValidationError(field: path + "/Order", reason: "'\(orderText)' must be a whole number from 1 (1 is contacted first)")
        }
        let name = [try c.optionalText("Forename", path), try c.optionalText("Surname", path)].compactMap { $0 }.joined(separator: " ")
        guard !name.isEmpty else { throw ValidationError(field: path + "/Surname", reason: "a contact needs a Surname or a Forename") }
        var warning: CTFWarning? = nil
        var relationship = "Other"
        if let code = try c.optionalText("RelationshipCode", path) {
            if let w = CTFRelationship.words(for: code) {
                relationship = w
            } else {
                warning = CTFWarning(
                    field: path + "/RelationshipCode", reason: "'\(code)' is not a DfE relationship code; \(name) is imported as Other")
            }
        }
        var responsible = false
        if let t = try c.optionalText("Responsibility", path) {
            switch t.lowercased() {
            case "true", "1": responsible = true
            case "false", "0": responsible = false
            default: throw ValidationError(field: path + "/Responsibility", reason: "'\(t)' must be true or false")
            }
        }
        var phone = ""
        if let phones = try c.optional("Phones", path) {
            let list = try items(phones, "Phone", path: path + "/Phones")
            for (i, p) in list.enumerated() {
                let n = try p.text("TelephoneNumber", "\(path)/Phones/Phone[\(i + 1)]")
                if phone.isEmpty { phone = n }
            }
        }
        let address = try c.optional("Address", path).map(addressText) ?? ""
        let contact = Contact(
            priority: order, name: name, relationship: relationship, parentalResponsibility: responsible,
            livesWith: !address.isEmpty && address == pupilAddress, phone: phone, email: try c.optionalText("Email", path) ?? "",
            address: address)
        return (contact, warning)
    }

    static func senEntry(_ n: XMLNode, path: String) throws(ValidationError) -> (start: LocalDate, provision: SENProvision) {
        let start = try date(n, "StartDate", path: path, required: true)!
        let code = try n.text("SENprovision", path)
        let p: SENProvision
        switch code {
        case "E", "S": p = .ehcp
        case "K", "A", "P": p = .senSupport
        case "N": p = .none
        default:
            throw ValidationError(
                field: path + "/SENprovision",
                reason: "'\(code)' must be E (EHC plan), K (SEN support) or N (none); legacy S, A, P are read too")
        }
        return (start, p)
    }

    static func fsmEntry(_ n: XMLNode, path: String) throws(ValidationError) -> (start: LocalDate, end: LocalDate?) {
        let start = try date(n, "FSMstartDate", path: path, required: true)!
        let end = try date(n, "FSMendDate", path: path, required: false)
        if let end, end < start { throw ValidationError(field: path + "/FSMendDate", reason: "\(end) is before FSMstartDate \(start)") }
        return (start, end)
    }

    static func schoolEntry(_ n: XMLNode, path: String) throws(ValidationError) -> (name: String, entry: LocalDate?, leaving: LocalDate?) {
        let name = try n.optionalText("SchoolName", path)
        let la = try n.optionalText("LEA", path)
        let estab = try n.optionalText("Estab", path)
        guard name != nil || (la != nil && estab != nil) else {
            throw ValidationError(field: path + "/SchoolName", reason: "a school needs its SchoolName, or its LEA and Estab")
        }
        let entry = try date(n, "EntryDate", path: path, required: false)
        let leaving = try date(n, "LeavingDate", path: path, required: false)
        if let entry, let leaving, leaving < entry {
            throw ValidationError(field: path + "/LeavingDate", reason: "\(leaving) is before EntryDate \(entry)")
        }
        return (name ?? "LA \(la!) establishment \(estab!)", entry, leaving)
    }

    // MARK: Into the admission register

    /// What the admission register takes from the record, as of `today`.
    public struct Admission: Sendable, Hashable {
        public var contacts: [Contact]
        public var sen: SENProvision?
        /// Free school meals on `today`; nil when the file has no FSM history.
        public var freeSchoolMeals: Bool?
        /// Free school meals at any time in the six years before `today` (the pupil premium's "Ever 6 FSM").
        public var everSixFSM: Bool
        /// A first language other than English; nil when the file gives no first language.
        public var englishAdditionalLanguage: Bool?
        public var ethnicity: String?
        public var lastSchool: LastSchool?
        public var warnings: [CTFWarning]
    }

    /// The register's fields from the record; `path` is the Pupil element's, for warnings.
    public func admission(today: LocalDate, path: String) -> Admission {
        var warnings: [CTFWarning] = []
        let home = address.map(Self.addressText) ?? ""
        var contacts: [Contact] = []
        for (i, c) in self.contacts.enumerated() {
            // Checked when the file was read.
            guard let parts = try? Self.contactParts(c, path: "\(path)/Contacts/Contact[\(i + 1)]", pupilAddress: home) else { continue }
            contacts.append(parts.contact)
            if let w = parts.warning { warnings.append(w) }
        }
        contacts.sort { $0.priority < $1.priority }
        return Admission(
            contacts: contacts, sen: currentSEN, freeSchoolMeals: fsmHistory.isEmpty ? nil : hasFSM(on: today),
            everSixFSM: hadFSM(since: Self.sixYears(before: today), to: today), englishAdditionalLanguage: firstLanguageNotEnglish,
            ethnicity: ethnicity, lastSchool: lastSchool, warnings: warnings)
    }

    /// The provision of the latest SEN entry; nil with no SEN history.
    public var currentSEN: SENProvision? {
        let entries = senHistory.compactMap { try? Self.senEntry($0, path: "") }
        return entries.enumerated().max { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }?.element.provision
    }

    public func hasFSM(on d: LocalDate) -> Bool { hadFSM(since: d, to: d) }

    /// Free school meals on some day from `from` to `to`.
    public func hadFSM(since from: LocalDate, to: LocalDate) -> Bool {
        fsmHistory.contains { n in
            guard let e = try? Self.fsmEntry(n, path: "") else { return false }
            return e.start <= to && (e.end ?? to) >= from
        }
    }

    static func sixYears(before d: LocalDate) -> LocalDate {
        let p = d.iso.split(separator: "-")
        let y = (Int(p[0]) ?? 2000) - 6
        return LocalDate(iso: "\(y)-\(p[1])-\(p[2])") ?? LocalDate(iso: "\(y)-\(p[1])-28")!
    }

    /// Whether a first language (FLA) is given that is not English (ENG, or ENB "believed to be English"); nil when no
    /// first language is given or it was not obtained or refused (NOT, REF).
    public var firstLanguageNotEnglish: Bool? {
        let first = languages.filter { (try? $0.text("LanguageType", "")) == "FLA" }.compactMap { try? $0.text("Language", "") }
        let known = first.filter { $0 != "NOT" && $0 != "REF" }
        guard !known.isEmpty else { return nil }
        return known.contains { $0 != "ENG" && $0 != "ENB" }
    }

    /// The school in the history with the latest leaving (or entry) date; nil with no history.
    public var lastSchool: LastSchool? {
        let schools = schoolHistory.compactMap { try? Self.schoolEntry($0, path: "") }
        guard !schools.isEmpty else { return nil }
        let last = schools.enumerated().max { a, b in
            let (da, db) = (a.element.leaving ?? a.element.entry, b.element.leaving ?? b.element.entry)
            return (da ?? LocalDate(dayNumber: 0), a.offset) < (db ?? LocalDate(dayNumber: 0), b.offset)
        }!
        return LastSchool(name: last.element.name)
    }

    /// The school history, in file order.
    public var schools: [(name: String, la: String?, estab: String?, entry: LocalDate?, leaving: LocalDate?)] {
        schoolHistory.compactMap { n in
            guard let e = try? Self.schoolEntry(n, path: "") else { return nil }
            return (e.name, try? n.optionalText("LEA", ""), try? n.optionalText("Estab", ""), e.entry, e.leaving)
        }
    }

    /// The carried elements' names: `Assessments`, `BasicDetails/MiddleNames`, ...
    public var carriedNames: [String] { carried.map(\.name) + carriedBasic.map { "BasicDetails/\($0.name)" } }

    // MARK: Out again

    /// The record to send: this one (as stored at import; empty for a pupil Rollbook admitted itself) brought up to
    /// date with the register, which wins wherever it says something different. Sections the register does not model
    /// go out as they came.
    public func forExport(
        contacts register: [Contact], characteristics c: Characteristics, lastSchool: LastSchool?, asOf: LocalDate
    ) -> CTFPupilRecord {
        var r = self
        let home = address.map(Self.addressText) ?? ""
        let stored = self.contacts.compactMap { n in (try? Self.contactParts(n, path: "", pupilAddress: home)).map { ($0.contact, n) } }
        r.contacts = register.sorted { $0.priority < $1.priority }.map { contact in
            if let same = stored.first(where: { $0.0 == contact }) { return same.1 }
            return Self.contactNode(contact)
        }
        let sen = currentSEN ?? SENProvision.none
        if sen != c.sen {
            let code =
                switch c.sen {
                case .ehcp: "E"
                case .senSupport: "K"
                case .none: "N"
                }
            r.senHistory.append(XMLNode("SEN", [XMLNode("StartDate", text: asOf.iso), XMLNode("SENprovision", text: code)]))
        }
        if c.freeSchoolMeals && !hasFSM(on: asOf) {
            r.fsmHistory.append(XMLNode("FSMinstance", [XMLNode("FSMstartDate", text: asOf.iso)]))
        } else if !c.freeSchoolMeals && hasFSM(on: asOf) {
            // The register says the free meals have ended: the open instances end the day before `asOf`.
            for i in r.fsmHistory.indices {
                guard let e = try? Self.fsmEntry(r.fsmHistory[i], path: ""), e.start <= asOf, e.end == nil || e.end! >= asOf else {
                    continue
                }
                r.fsmHistory[i].children.removeAll { $0.name == "FSMendDate" }
                r.fsmHistory[i].raw = nil
                let at = r.fsmHistory[i].children.firstIndex { $0.name == "FSMstartDate" }.map { $0 + 1 } ?? 0
                r.fsmHistory[i].children.insert(XMLNode("FSMendDate", text: max(e.start, asOf.adding(days: -1)).iso), at: at)
            }
        }
        r.ethnicity = c.ethnicity.isEmpty ? nil : c.ethnicity
        if r.schoolHistory.isEmpty, isEmpty, let s = lastSchool {
            r.schoolHistory = [XMLNode("School", [XMLNode("SchoolName", text: s.name)])]
        }
        return r
    }

    /// A contact written from the register.
    public static func contactNode(_ c: Contact) -> XMLNode {
        let words = c.name.split(separator: " ").map(String.init)
        var children = [XMLNode("Order", text: String(c.priority))]
        if words.count > 1 {
            children.append(XMLNode("Surname", text: words.last!))
            children.append(XMLNode("Forename", text: words.dropLast().joined(separator: " ")))
        } else {
            children.append(XMLNode("Surname", text: c.name))
        }
        children.append(XMLNode("RelationshipCode", text: CTFRelationship.code(for: c.relationship)))
        children.append(XMLNode("Responsibility", text: c.parentalResponsibility ? "true" : "false"))
        if c.hasEmergencyPhone { children.append(XMLNode("Phones", [XMLNode("Phone", [XMLNode("TelephoneNumber", text: c.phone)])])) }
        if !c.email.isEmpty { children.append(XMLNode("Email", text: c.email)) }
        if let a = addressNode(c.address) { children.append(a) }
        return XMLNode("Contact", children)
    }

    /// The BasicDetails elements from this record (PreferredForename and NCyearActual are the pupil's own).
    func basicDetails() -> [XMLNode] {
        var out: [XMLNode] = []
        if let e = ethnicity { out.append(XMLNode("Ethnicity", text: e)) }
        if !languages.isEmpty { out.append(XMLNode("Languages", languages)) }
        return out + carriedBasic
    }

    /// The Pupil elements from this record.
    func pupilElements() -> [XMLNode] {
        var out: [XMLNode] = []
        if !senHistory.isEmpty { out.append(XMLNode("SENhistory", senHistory)) }
        if let address { out.append(address) }
        if !contacts.isEmpty { out.append(XMLNode("Contacts", contacts)) }
        if !fsmHistory.isEmpty { out.append(XMLNode("FSMhistory", fsmHistory)) }
        if !schoolHistory.isEmpty { out.append(XMLNode("SchoolHistory", schoolHistory)) }
        return out + carried
    }
}
