// The Common Transfer File (CTF): the DfE's XML for sending a pupil's record to their next school.
// Rollbook writes and reads the pupil's identity, basic details and the attendance section (one YearData per
// academic year and school, with the session counts and the marks string), and the rest of the record (CTFRecord.swift).
// Pure: no I/O, no clock.
// The format and every choice made where the DfE's documents are silent are in docs/ctf.md.

// MARK: - The marks string

/// Attendance codes as one character a session in a CTF's `AttendanceMarks`: the one table, both ways.
///
/// Single-character codes are written as themselves. The 2024 two-character codes take characters that no code in
/// force on the same day uses: J1 is `J` (the withdrawn J was also "interview"), C1 is `F` (abroad, "foreign"),
/// C2 is `H` (reduced hours), Y1-Y7 are the digits `1`-`7`. Legacy H, J, Y and F keep their letters before
/// 19 August 2024, so a character is read by its date. Every code comes back exactly, and so does its
/// statistical meaning.
public enum CTFMarks {
    /// A session open for the pupil while on roll with no mark yet: a possible session in no other count.
    public static let noMark: Character = "-"
    /// A session not counted for the pupil (weekend, holiday, closure for their year group, off roll); also code #.
    public static let notCounted: Character = "#"

    /// Every code and its character. The two-character 2024 codes are the only ones not written as themselves.
    public static let table: [(code: AttendanceCode, character: Character)] = AttendanceCode.allCases.map { c in
        let ch: Character =
            switch c {
            case .j1: "J"
            case .c1: "F"
            case .c2: "H"
            case .y1: "1"
            case .y2: "2"
            case .y3: "3"
            case .y4: "4"
            case .y5: "5"
            case .y6: "6"
            case .y7: "7"
            default: Character(c.symbol)
            }
        return (c, ch)
    }

    private static let byCode: [AttendanceCode: Character] = Dictionary(uniqueKeysWithValues: table.map { ($0.code, $0.character) })
    private static let before2024: [Character: AttendanceCode] = decoding { !$0.isNewIn2024 }
    private static let from2024: [Character: AttendanceCode] = decoding { !$0.isLegacy }
    private static func decoding(_ valid: (AttendanceCode) -> Bool) -> [Character: AttendanceCode] {
        Dictionary(uniqueKeysWithValues: table.filter { valid($0.code) }.map { ($0.character, $0.code) })
    }

    /// Whether a code may be on a mark on `date` (legacy codes before 19 August 2024, the new ones from then).
    public static func isInForce(_ code: AttendanceCode, on date: LocalDate) -> Bool {
        date < codes2024Start ? !code.isNewIn2024 : !code.isLegacy
    }

    /// The character for a code; nil when the code was not in force on `date` (it would read back as another code).
    public static func character(for code: AttendanceCode, on date: LocalDate) -> Character? {
        isInForce(code, on: date) ? byCode[code] : nil
    }

    /// The code a character stands for on `date`; nil for `-` and for characters that are no code on that day.
    public static func code(for character: Character, on date: LocalDate) -> AttendanceCode? {
        (date < codes2024Start ? before2024 : from2024)[character]
    }
}

// MARK: - The document

/// A school as the CTF names it: LA number (3 digits), establishment number (4 digits), name.
public struct CTFSchool: Sendable, Hashable, Codable {
    public var la: String
    public var estab: String
    public var name: String
    public init(la: String, estab: String, name: String) {
        self.la = la
        self.estab = estab
        self.name = name
    }

    /// Checks the numbers' form; the error names `field` (e.g. the element path).
    public func validate(field: String) throws(ValidationError) {
        guard la.count == 3, la.allSatisfy(\.isASCIIDigit) else {
            throw ValidationError(field: "\(field)/LEA", reason: "'\(la)' must be a three-digit LA number")
        }
        guard estab.count == 4, estab.allSatisfy(\.isASCIIDigit) else {
            throw ValidationError(field: "\(field)/Estab", reason: "'\(estab)' must be a four-digit establishment number")
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

public struct CTFHeader: Sendable, Hashable {
    /// "Common Transfer File".
    public var documentName: String
    public var version: String
    /// When the file was made, school-local, `YYYY-MM-DDTHH:MM:SS`.
    public var dateTime: String
    /// "partial": Rollbook sends the pupil's details and attendance, not the whole CTF data set.
    public var documentQualifier: String
    public var supplierID: String
    public var source: CTFSchool
    /// The academic year the data is for (SourceSchool/AcademicYear, its first calendar year).
    public var academicYear: AcademicYear
    /// The next school; `MMM`/`MMMM` when it is not known.
    public var destinationLA: String
    public var destinationEstab: String

    public init(
        dateTime: String, source: CTFSchool, academicYear: AcademicYear, destinationLA: String = "MMM", destinationEstab: String = "MMMM",
        documentName: String = "Common Transfer File", version: String = "25.0", documentQualifier: String = "partial",
        supplierID: String = "Rollbook"
    ) {
        self.documentName = documentName
        self.version = version
        self.dateTime = dateTime
        self.documentQualifier = documentQualifier
        self.supplierID = supplierID
        self.source = source
        self.academicYear = academicYear
        self.destinationLA = destinationLA
        self.destinationEstab = destinationEstab
    }
}

/// One academic year's attendance at one school.
public struct CTFYearData: Sendable, Hashable {
    public var year: AcademicYear
    public var school: CTFSchool
    public var sessionsPossible: Int
    public var sessionsAuthorised: Int
    /// Present (L included) and approved educational activity.
    public var sessionsAttended: Int
    public var sessionsUnauthorised: Int
    /// The day the marks string starts on.
    public var startDate: LocalDate
    /// Two characters a day from `startDate`, AM then PM (see `CTFMarks`).
    public var marks: String

    public init(
        year: AcademicYear, school: CTFSchool, sessionsPossible: Int, sessionsAuthorised: Int, sessionsAttended: Int,
        sessionsUnauthorised: Int, startDate: LocalDate, marks: String
    ) {
        self.year = year
        self.school = school
        self.sessionsPossible = sessionsPossible
        self.sessionsAuthorised = sessionsAuthorised
        self.sessionsAttended = sessionsAttended
        self.sessionsUnauthorised = sessionsUnauthorised
        self.startDate = startDate
        self.marks = marks
    }

    /// The last day the marks string covers.
    public var endDate: LocalDate { startDate.adding(days: max(1, marks.count / 2) - 1) }

    /// One session of the marks string read back: its code, or nil for `-` (open, on roll, no mark).
    public struct SessionMark: Sendable, Hashable {
        public var date: LocalDate
        public var session: Session
        public var code: AttendanceCode?
        public init(date: LocalDate, session: Session, code: AttendanceCode?) {
            self.date = date
            self.session = session
            self.code = code
        }
    }

    /// Each session of the marks string with its code; the error names `field` and the character.
    public func sessions(field: String = "AttendanceMarks") throws(ValidationError) -> [SessionMark] {
        let chars = Array(marks)
        guard !chars.isEmpty else { throw ValidationError(field: field, reason: "is empty") }
        guard chars.count % 2 == 0 else {
            throw ValidationError(field: field, reason: "has \(chars.count) characters; it must have two a day (AM then PM)")
        }
        var out: [SessionMark] = []
        out.reserveCapacity(chars.count)
        for (i, ch) in chars.enumerated() {
            let date = startDate.adding(days: i / 2)
            let session: Session = i % 2 == 0 ? .am : .pm
            if ch == CTFMarks.noMark {
                out.append(SessionMark(date: date, session: session, code: nil))
                continue
            }
            guard let code = CTFMarks.code(for: ch, on: date) else {
                let why =
                    AttendanceCode.lookup(String(ch)).map { c in
                        c.isLegacy ? "code \(c.symbol) was withdrawn on 19 August 2024" : "it stands for no code in force on that day"
                    } ?? "it stands for no attendance code"
                throw ValidationError(field: field, reason: "character \(i + 1) ('\(ch)', \(date) \(session.rawValue)): \(why)")
            }
            out.append(SessionMark(date: date, session: session, code: code))
        }
        return out
    }

    /// The counts the marks string gives: each session by its code's statistical meaning; `-` is possible and unmarked.
    public func tally(field: String = "AttendanceMarks") throws(ValidationError) -> SessionCounts {
        var c = SessionCounts()
        for s in try sessions(field: field) {
            guard let code = s.code else {
                c.unmarked += 1
                c.possible += 1
                continue
            }
            switch code.statisticalMeaning {
            case .present: c.present += 1
            case .approvedEducationalActivity: c.approvedActivity += 1
            case .authorisedAbsence: c.authorised += 1
            case .unauthorisedAbsence: c.unauthorised += 1
            case .notPossible: continue
            }
            c.possible += 1
        }
        return c
    }

    /// Checks the year, the dates and the marks string, and that the four counts are the ones the marks give.
    /// `path` is the YearData's element path, used to name the element at fault.
    public func validate(path: String) throws(ValidationError) {
        try school.validate(field: path)
        guard year.range.contains(startDate) else {
            throw ValidationError(
                field: "\(path)/AttendSessions/AttendanceStartDate",
                reason: "\(startDate) is not in the academic year \(year) given in Year")
        }
        let counts = try tally(field: "\(path)/AttendSessions/AttendanceMarks")
        guard endDate <= year.range.to else {
            throw ValidationError(
                field: "\(path)/AttendSessions/AttendanceMarks",
                reason: "runs to \(endDate), past the end of the academic year \(year) (\(year.range.to))")
        }
        let checks = [
            ("SessionsPossible", sessionsPossible, counts.possible, "possible sessions"),
            (
                "SessionsAttended", sessionsAttended, counts.present + counts.approvedActivity,
                "sessions attended (present or at an approved educational activity)"
            ),
            ("SessionsAuthorised", sessionsAuthorised, counts.authorised, "sessions of authorised absence"),
            ("SessionsUnauthorised", sessionsUnauthorised, counts.unauthorised, "sessions of unauthorised absence"),
        ]
        for (name, given, fromMarks, what) in checks where given != fromMarks {
            throw ValidationError(field: "\(path)/\(name)", reason: "is \(given) but the marks string has \(fromMarks) \(what)")
        }
    }

    /// A pupil's year at this school: the marks string from the later of 1 September and the starting day to the earliest
    /// of 31 August, the leaving day, `asOf` and the calendar's last term day. Sessions the statistics engine does not
    /// count for the pupil are `#`; open sessions with no mark are `-`; the counts are the engine's over the same days.
    /// Nil when the pupil has no possible session in that stretch.
    public static func build(
        year: AcademicYear, school: CTFSchool, marks: SessionArray, enrolment: Enrolment,
        calendar: SchoolCalendar, asOf: LocalDate
    ) throws(ValidationError) -> CTFYearData? {
        guard let span = calendar.span else { return nil }
        let from = max(year.range.from, enrolment.startingDay)
        var to = min(year.range.to, asOf, span.to)
        if let l = enrolment.leavingDay { to = min(to, l) }
        guard from <= to else { return nil }
        let range = DateRange(from: from, to: to)
        let counts = StatisticsEngine(calendar: calendar).counts(marks, enrolment: enrolment, range: range)
        guard counts.possible > 0 else { return nil }
        let group = enrolment.yearGroup(in: year)
        var text = ""
        text.reserveCapacity(range.days * 2)
        var d = from
        while d <= to {
            for s in Session.allCases {
                guard enrolment.isOnRoll(d), calendar.isOpen(d, s, yearGroup: group) else {
                    text.append(CTFMarks.notCounted)
                    continue
                }
                guard let code = marks[d, s] else {
                    text.append(CTFMarks.noMark)
                    continue
                }
                guard let ch = CTFMarks.character(for: code, on: d) else {
                    throw ValidationError(
                        field: "marks", reason: "\(d) \(s.rawValue) has code \(code.symbol), which was not in force on that day")
                }
                text.append(ch)
            }
            d = d.adding(days: 1)
        }
        return CTFYearData(
            year: year, school: school, sessionsPossible: counts.possible, sessionsAuthorised: counts.authorised,
            sessionsAttended: counts.present + counts.approvedActivity, sessionsUnauthorised: counts.unauthorised,
            startDate: from, marks: text)
    }
}

public struct CTFPupil: Sendable, Hashable {
    public var upn: String
    public var surname: String
    public var forename: String
    public var dateOfBirth: LocalDate
    /// M or F.
    public var sex: String
    /// BasicDetails/PreferredForename; empty when none.
    public var preferredForename: String
    /// BasicDetails/NCyearActual: the year group in the header's academic year (R, 1 ... 14, N1, N2).
    public var ncYearActual: String?
    /// Each academic year at each school, oldest first.
    public var attendance: [CTFYearData]
    /// Address, contacts, SEN, FSM, languages, ethnicity, school history and the elements carried through.
    public var record: CTFPupilRecord

    public init(
        upn: String, surname: String, forename: String, dateOfBirth: LocalDate, sex: String, preferredForename: String = "",
        ncYearActual: String? = nil, attendance: [CTFYearData] = [], record: CTFPupilRecord = .init()
    ) {
        self.record = record
        self.upn = upn
        self.surname = surname
        self.forename = forename
        self.dateOfBirth = dateOfBirth
        self.sex = sex
        self.preferredForename = preferredForename
        self.ncYearActual = ncYearActual
        self.attendance = attendance
    }
}

public struct CTFDocument: Sendable, Hashable {
    public var header: CTFHeader
    public var pupils: [CTFPupil]
    public init(header: CTFHeader, pupils: [CTFPupil]) {
        self.header = header
        self.pupils = pupils
    }

    // MARK: Writing

    /// The file, UTF-8 XML with two-space indentation.
    public var xml: String {
        func leaf(_ name: String, _ text: String) -> XMLNode { XMLNode(name, text: text) }
        let h = header
        let head = XMLNode(
            "Header",
            [
                leaf("DocumentName", h.documentName), leaf("CTFversion", h.version), leaf("DateTime", h.dateTime),
                leaf("DocumentQualifier", h.documentQualifier), leaf("SupplierID", h.supplierID),
                XMLNode(
                    "SourceSchool",
                    [
                        leaf("LEA", h.source.la), leaf("Estab", h.source.estab), leaf("SchoolName", h.source.name),
                        leaf("AcademicYear", String(h.academicYear.startYear)),
                    ]),
                XMLNode("DestSchool", [leaf("LEA", h.destinationLA), leaf("Estab", h.destinationEstab)]),
            ])
        let pupils = pupils.map { p in
            var basic: [XMLNode] = []
            if !p.preferredForename.isEmpty { basic.append(leaf("PreferredForename", p.preferredForename)) }
            if let y = p.ncYearActual { basic.append(leaf("NCyearActual", y)) }
            basic = CTFPupilRecord.inSpecOrder(basic + p.record.basicDetails(), CTFPupilRecord.basicOrder)
            var children = [
                leaf("UPN", p.upn), leaf("Surname", p.surname), leaf("Forename", p.forename), leaf("DOB", p.dateOfBirth.iso),
                leaf("Sex", p.sex),
            ]
            if !basic.isEmpty { children.append(XMLNode("BasicDetails", basic)) }
            if !p.attendance.isEmpty {
                children.append(
                    XMLNode(
                        "Attendance",
                        p.attendance.map { y in
                            XMLNode(
                                "YearData",
                                [
                                    leaf("Year", String(y.year.startYear)), leaf("LEA", y.school.la), leaf("Estab", y.school.estab),
                                    leaf("SchoolName", y.school.name), leaf("SessionsPossible", String(y.sessionsPossible)),
                                    leaf("SessionsAuthorised", String(y.sessionsAuthorised)),
                                    leaf("SessionsAttended", String(y.sessionsAttended)),
                                    leaf("SessionsUnauthorised", String(y.sessionsUnauthorised)),
                                    XMLNode(
                                        "AttendSessions", [leaf("AttendanceStartDate", y.startDate.iso), leaf("AttendanceMarks", y.marks)]),
                                ])
                        }))
            }
            return XMLNode("Pupil", CTFPupilRecord.inSpecOrder(children + p.record.pupilElements(), CTFPupilRecord.pupilOrder))
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + XMLNode("CTfile", [head, XMLNode("CTFpupilData", pupils)]).rendered()
    }

    // MARK: Reading

    /// Reads a CTF: well-formed XML, the elements Rollbook needs present and valid, every year's counts equal to its
    /// marks string. Pupil elements Rollbook does not model are kept verbatim (`CTFPupilRecord.carried`); other
    /// unknown elements are ignored. Errors name the element (path) and the reason.
    public static func parse(_ text: String) throws(ValidationError) -> CTFDocument {
        let (root, bytes) = try XMLNode.parseKeepingSource(text)
        guard root.name == "CTfile" else {
            throw ValidationError(field: root.name, reason: "the root element must be CTfile, not \(root.name)")
        }
        let path = "CTfile"
        let h = try root.one("Header", path)
        let hp = path + "/Header"
        let src = try h.one("SourceSchool", hp)
        let sp = hp + "/SourceSchool"
        let source = CTFSchool(
            la: try src.text("LEA", sp), estab: try src.text("Estab", sp), name: try src.optionalText("SchoolName", sp) ?? "")
        try source.validate(field: sp)
        let yearText = try src.text("AcademicYear", sp)
        guard let y = Int(yearText), (1990...2100).contains(y) else {
            throw ValidationError(field: sp + "/AcademicYear", reason: "'\(yearText)' must be a year such as 2025 (for 2025/26)")
        }
        let dest = try h.optional("DestSchool", hp)
        let header = CTFHeader(
            dateTime: try h.optionalText("DateTime", hp) ?? "", source: source, academicYear: AcademicYear(startYear: y),
            destinationLA: try dest?.optionalText("LEA", hp + "/DestSchool") ?? "",
            destinationEstab: try dest?.optionalText("Estab", hp + "/DestSchool") ?? "",
            documentName: try h.text("DocumentName", hp), version: try h.optionalText("CTFversion", hp) ?? "",
            documentQualifier: try h.optionalText("DocumentQualifier", hp) ?? "", supplierID: try h.optionalText("SupplierID", hp) ?? "")
        guard header.documentName == "Common Transfer File" else {
            throw ValidationError(field: hp + "/DocumentName", reason: "'\(header.documentName)' is not 'Common Transfer File'")
        }
        let data = try root.one("CTFpupilData", path)
        let pupilNodes = data.children.filter { $0.name == "Pupil" }
        guard !pupilNodes.isEmpty else { throw ValidationError(field: path + "/CTFpupilData", reason: "has no Pupil") }
        var pupils: [CTFPupil] = []
        var seen: Set<String> = []
        for (i, node) in pupilNodes.enumerated() {
            let pp = "\(path)/CTFpupilData/Pupil[\(i + 1)]"
            let p = try CTFPupil.parse(node, path: pp, source: bytes)
            guard seen.insert(p.upn).inserted else {
                throw ValidationError(field: pp + "/UPN", reason: "\(p.upn) appears twice in the file")
            }
            pupils.append(p)
        }
        return CTFDocument(header: header, pupils: pupils)
    }
}

extension CTFPupil {
    static func parse(_ node: XMLNode, path: String, source: [UInt8]) throws(ValidationError) -> CTFPupil {
        let upn = try node.text("UPN", path)
        guard UPN.isValid(upn) else {
            throw ValidationError(
                field: path + "/UPN", reason: "'\(upn)' is not a UPN: one letter then 12 digits, or 12 digits and a letter")
        }
        let dobText = try node.text("DOB", path)
        guard let dob = LocalDate(iso: dobText) else {
            throw ValidationError(field: path + "/DOB", reason: "'\(dobText)' is not a date in the form YYYY-MM-DD")
        }
        let sexName =
            node.children.contains { $0.name == "Sex" } ? "Sex" : (node.children.contains { $0.name == "Gender" } ? "Gender" : "Sex")
        let sex = try node.text(sexName, path)
        guard ["M", "F"].contains(sex) else { throw ValidationError(field: "\(path)/\(sexName)", reason: "'\(sex)' must be M or F") }
        let basic = try node.optional("BasicDetails", path)
        let year = try basic?.optionalText("NCyearActual", path + "/BasicDetails")
        if let year, !YearGroup.isValid(year) {
            throw ValidationError(
                field: path + "/BasicDetails/NCyearActual", reason: "'\(year)' must be one of \(YearGroup.all.joined(separator: ", "))")
        }
        var years: [CTFYearData] = []
        if let att = try node.optional("Attendance", path) {
            for (j, yd) in att.children.filter({ $0.name == "YearData" }).enumerated() {
                let yp = "\(path)/Attendance/YearData[\(j + 1)]"
                years.append(try CTFYearData.parse(yd, path: yp))
            }
        }
        return CTFPupil(
            upn: upn, surname: try node.text("Surname", path), forename: try node.text("Forename", path), dateOfBirth: dob, sex: sex,
            preferredForename: try basic?.optionalText("PreferredForename", path + "/BasicDetails") ?? "", ncYearActual: year,
            attendance: years, record: try CTFPupilRecord.parse(node, path: path, source: source))
    }
}

extension CTFYearData {
    static func parse(_ node: XMLNode, path: String) throws(ValidationError) -> CTFYearData {
        func count(_ name: String) throws(ValidationError) -> Int {
            let t = try node.text(name, path)
            guard let n = Int(t), n >= 0, t.allSatisfy(\.isASCIIDigit) else {
                throw ValidationError(field: "\(path)/\(name)", reason: "'\(t)' must be a whole number")
            }
            return n
        }
        let yearText = try node.text("Year", path)
        guard let y = Int(yearText), (1990...2100).contains(y) else {
            throw ValidationError(field: path + "/Year", reason: "'\(yearText)' must be a year such as 2025 (for 2025/26)")
        }
        let sessions = try node.one("AttendSessions", path)
        let ap = path + "/AttendSessions"
        let startText = try sessions.text("AttendanceStartDate", ap)
        guard let start = LocalDate(iso: startText) else {
            throw ValidationError(field: ap + "/AttendanceStartDate", reason: "'\(startText)' is not a date in the form YYYY-MM-DD")
        }
        let d = CTFYearData(
            year: AcademicYear(startYear: y),
            school: CTFSchool(
                la: try node.text("LEA", path), estab: try node.text("Estab", path), name: try node.optionalText("SchoolName", path) ?? ""),
            sessionsPossible: try count("SessionsPossible"), sessionsAuthorised: try count("SessionsAuthorised"),
            sessionsAttended: try count("SessionsAttended"), sessionsUnauthorised: try count("SessionsUnauthorised"),
            startDate: start, marks: try sessions.text("AttendanceMarks", ap))
        try d.validate(path: path)
        return d
    }
}

// MARK: - A small XML writer and a strict reader for the subset a CTF uses

/// An element: a name and either child elements or text. Attributes are read and ignored.
public struct XMLNode: Sendable, Hashable {
    public var name: String
    public var children: [XMLNode]
    public var text: String
    /// The element's XML exactly as a file gave it, written back as it is (an element Rollbook carries through).
    public var raw: String? = nil
    /// Where a parsed element was in the file's bytes; not part of equality.
    var range: Range<Int>? = nil

    public static func == (a: XMLNode, b: XMLNode) -> Bool {
        a.name == b.name && a.text == b.text && a.raw == b.raw && a.children == b.children
    }
    public func hash(into h: inout Hasher) {
        h.combine(name)
        h.combine(text)
        h.combine(raw)
        h.combine(children)
    }

    /// The same element to be written back exactly as `source` (the parsed file's bytes) held it.
    public func verbatim(from source: [UInt8]) -> XMLNode {
        var n = self
        if let r = range, r.upperBound <= source.count {
            n.raw = String(decoding: source[r], as: UTF8.self)
        } else {
            n.raw = rendered().trimmingXMLSpace
        }
        return n
    }

    public init(_ name: String, _ children: [XMLNode]) {
        self.name = name
        self.children = children
        self.text = ""
    }
    public init(_ name: String, text: String) {
        self.name = name
        self.children = []
        self.text = text
    }

    public func rendered(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent)
        if let raw { return "\(pad)\(raw)\n" }
        if children.isEmpty { return "\(pad)<\(name)>\(xmlEscaped(text))</\(name)>\n" }
        return "\(pad)<\(name)>\n" + children.map { $0.rendered(indent: indent + 1) }.joined() + "\(pad)</\(name)>\n"
    }

    // Lookups that name the element at fault.
    func optional(_ name: String, _ path: String? = nil) throws(ValidationError) -> XMLNode? {
        let found = children.filter { $0.name == name }
        guard found.count <= 1 else {
            throw ValidationError(field: "\(path ?? self.name)/\(name)", reason: "appears \(found.count) times; expected once")
        }
        return found.first
    }
    func one(_ name: String, _ path: String) throws(ValidationError) -> XMLNode {
        let found = children.filter { $0.name == name }
        guard found.count == 1 else {
            throw ValidationError(
                field: "\(path)/\(name)", reason: found.isEmpty ? "is required" : "appears \(found.count) times; expected once")
        }
        return found[0]
    }
    func text(_ name: String, _ path: String) throws(ValidationError) -> String {
        let n = try one(name, path)
        guard n.children.isEmpty else { throw ValidationError(field: "\(path)/\(name)", reason: "must hold text, not elements") }
        let t = n.text.trimmingXMLSpace
        guard !t.isEmpty else { throw ValidationError(field: "\(path)/\(name)", reason: "is empty") }
        return t
    }
    func optionalText(_ name: String, _ path: String? = nil) throws(ValidationError) -> String? {
        guard let n = try optional(name, path) else { return nil }
        let t = n.text.trimmingXMLSpace
        return t.isEmpty ? nil : t
    }

    /// Parses a document: an optional XML declaration, comments and processing instructions, one root element.
    /// Elements, attributes (ignored), text, CDATA, the five predefined entities and character references.
    /// No DOCTYPE (so no entity definitions). Errors give the open element's path, the line and what is wrong.
    public static func parse(_ text: String) throws(ValidationError) -> XMLNode {
        try parseKeepingSource(text).root
    }

    /// Parses a document and returns its bytes too, for `verbatim(from:)`.
    public static func parseKeepingSource(_ text: String) throws(ValidationError) -> (root: XMLNode, source: [UInt8]) {
        var p = XMLReader(Array(text.utf8))
        return (try p.document(), p.b)
    }

    /// Elements written one after another (as `rendered` or `raw` writes them), each kept verbatim.
    public static func fragments(_ text: String) throws(ValidationError) -> [XMLNode] {
        guard !text.trimmingXMLSpace.isEmpty else { return [] }
        let (root, source) = try parseKeepingSource("<fragments>" + text + "</fragments>")
        return root.children.map { $0.verbatim(from: source) }
    }
}

extension String {
    /// Without leading and trailing XML white space (space, tab, CR, LF).
    var trimmingXMLSpace: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\n" || f == "\t" || f == "\r" || f == "\r\n" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\n" || l == "\t" || l == "\r" || l == "\r\n" { s = s.dropLast() }
        return String(s)
    }
}

struct XMLReader {
    let b: [UInt8]
    var i = 0
    /// Names of the open elements, for error messages.
    var stack: [String] = []
    init(_ bytes: [UInt8]) { b = bytes }

    var line: Int { b[..<min(i, b.count)].reduce(1) { $0 + ($1 == 10 ? 1 : 0) } }
    func fail(_ reason: String) -> ValidationError {
        ValidationError(field: stack.isEmpty ? "document" : stack.joined(separator: "/"), reason: "line \(line): \(reason)")
    }
    func peek(_ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        return s.withUTF8Buffer { u in (0..<n).allSatisfy { b[i + $0] == u[$0] } }
    }
    mutating func skipSpace() { while i < b.count, [32, 9, 10, 13].contains(b[i]) { i += 1 } }
    /// Moves past `end`, returning what came before it.
    mutating func until(_ end: StaticString, what: String) throws(ValidationError) -> ArraySlice<UInt8> {
        let start = i
        while i < b.count {
            if peek(end) {
                let s = b[start..<i]
                i += end.utf8CodeUnitCount
                return s
            }
            i += 1
        }
        throw fail("\(what) is not closed with '\(end)'")
    }
    /// Comments, processing instructions and white space between markup.
    mutating func misc() throws(ValidationError) {
        while true {
            skipSpace()
            if peek("<!--") {
                i += 4
                let c = try until("-->", what: "a comment")
                if c.count >= 1 && c.last == 45 { throw fail("a comment may not end with '--->'") }
            } else if peek("<?") {
                i += 2
                _ = try until("?>", what: "a processing instruction")
            } else if peek("<!DOCTYPE") || peek("<!doctype") {
                throw fail("a DOCTYPE is not allowed in a CTF")
            } else {
                return
            }
        }
    }

    mutating func document() throws(ValidationError) -> XMLNode {
        if peek("\u{FEFF}") { i += 3 }
        if peek("<?xml") {
            i += 5
            let decl = String(decoding: try until("?>", what: "the XML declaration"), as: UTF8.self)
            if let r = decl.range(of: "encoding=") {
                let enc = decl[r.upperBound...].dropFirst().prefix { $0 != "\"" && $0 != "'" }.lowercased()
                guard enc == "utf-8" || enc == "utf8" else { throw fail("the encoding must be UTF-8, not \(enc)") }
            }
        }
        try misc()
        guard i < b.count, b[i] == 60 else { throw fail(i < b.count ? "expected the root element" : "the file is empty") }
        let root = try element()
        try misc()
        guard i == b.count else { throw fail("content after the root element </\(root.name)>") }
        return root
    }

    mutating func name() throws(ValidationError) -> String {
        let start = i
        func ok(_ c: UInt8, first: Bool) -> Bool {
            (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 58 || c >= 128
                || (!first && ((c >= 48 && c <= 57) || c == 45 || c == 46))
        }
        guard i < b.count, ok(b[i], first: true) else { throw fail("expected a name") }
        while i < b.count, ok(b[i], first: false) { i += 1 }
        return String(decoding: b[start..<i], as: UTF8.self)
    }

    /// A qualified name's local part: `ctf:Pupil` is `Pupil`.
    static func local(_ n: String) -> String { n.split(separator: ":").last.map(String.init) ?? n }

    static let maxDepth = 32

    mutating func element() throws(ValidationError) -> XMLNode {
        let start = i
        i += 1  // <
        let qname = try name()
        let n = Self.local(qname)
        // A CTF nests about 6 deep; a file nested deeper is refused before it can exhaust the stack.
        guard stack.count < Self.maxDepth else { throw fail("elements are nested more than \(Self.maxDepth) deep") }
        stack.append(n)
        // Attributes: read for well-formedness, then ignored.
        var attributes: Set<String> = []
        while true {
            let before = i
            skipSpace()
            guard i < b.count else { throw fail("the start tag <\(qname)> is not closed") }
            if b[i] == 62 {
                i += 1
                break
            }
            if peek("/>") {
                i += 2
                stack.removeLast()
                var empty = XMLNode(n, text: "")
                empty.range = start..<i
                return empty
            }
            guard i > before else { throw fail("expected white space before an attribute in <\(qname)>") }
            let a = try name()
            guard attributes.insert(a).inserted else { throw fail("attribute \(a) appears twice") }
            skipSpace()
            guard i < b.count, b[i] == 61 else { throw fail("attribute \(a) needs '=' and a quoted value") }
            i += 1
            skipSpace()
            guard i < b.count, b[i] == 34 || b[i] == 39 else { throw fail("attribute \(a)'s value must be in quotes") }
            let q = b[i]
            i += 1
            let start = i
            while i < b.count, b[i] != q {
                if b[i] == 60 { throw fail("'<' in attribute \(a)'s value") }
                i += 1
            }
            guard i < b.count else { throw fail("attribute \(a)'s value is not closed") }
            _ = try decode(b[start..<i])
            i += 1
        }
        var children: [XMLNode] = []
        var text = ""
        while true {
            guard i < b.count else { throw fail("<\(qname)> is not closed") }
            if peek("</") {
                i += 2
                let close = try name()
                guard close == qname else { throw fail("the end tag </\(close)> does not match <\(qname)>") }
                skipSpace()
                guard i < b.count, b[i] == 62 else { throw fail("the end tag </\(close)> is not closed with '>'") }
                i += 1
                break
            } else if peek("<!--") {
                i += 4
                _ = try until("-->", what: "a comment")
            } else if peek("<![CDATA[") {
                i += 9
                text += String(decoding: try until("]]>", what: "a CDATA section"), as: UTF8.self)
            } else if peek("<?") {
                i += 2
                _ = try until("?>", what: "a processing instruction")
            } else if peek("<!") {
                throw fail("declarations are not allowed inside elements")
            } else if b[i] == 60 {
                children.append(try element())
            } else {
                let start = i
                while i < b.count, b[i] != 60 { i += 1 }
                text += try decode(b[start..<i])
            }
        }
        stack.removeLast()
        if !children.isEmpty {
            guard text.trimmingXMLSpace.isEmpty else {
                stack.append(n)
                defer { stack.removeLast() }
                throw fail("<\(qname)> holds both elements and text ('\(text.trimmingXMLSpace.prefix(20))')")
            }
            var node = XMLNode(n, children)
            node.range = start..<i
            return node
        }
        var node = XMLNode(n, text: text)
        node.range = start..<i
        return node
    }

    /// Text with entity and character references replaced.
    func decode(_ s: ArraySlice<UInt8>) throws(ValidationError) -> String {
        guard let raw = String(validating: s, as: UTF8.self) else { throw fail("the text is not valid UTF-8") }
        guard s.contains(38) else { return raw }
        var out = ""
        var rest = Substring(raw)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { throw fail("'&' must start an entity such as &amp;") }
            let ref = rest[rest.index(after: amp)..<semi]
            switch ref {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                var v: UInt32? = nil
                if ref.hasPrefix("#x") || ref.hasPrefix("#X") {
                    v = UInt32(ref.dropFirst(2), radix: 16)
                } else if ref.hasPrefix("#") {
                    v = UInt32(ref.dropFirst(), radix: 10)
                }
                guard let v, let scalar = Unicode.Scalar(v), v == 9 || v == 10 || v == 13 || v >= 32 else {
                    throw fail("&\(ref); is not an entity Rollbook reads (&amp; &lt; &gt; &quot; &apos; or a character reference)")
                }
                out.unicodeScalars.append(scalar)
            }
            rest = rest[rest.index(after: semi)...]
        }
        out += rest
        return out
    }
}
