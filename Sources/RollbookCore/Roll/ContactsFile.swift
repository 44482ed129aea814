import Foundation

extension Interchange {
    /// contacts.csv: one row per contact. A pupil named in the file has exactly the file's contacts afterwards, in
    /// priority order; pupils not named keep theirs.
    public static let contactsHeader = [
        "upn", "priority", "name", "relationship", "parental_responsibility", "lives_with", "phone", "email", "address",
    ]

    /// One pupil's contacts from the file, and the line each pupil first appears on.
    public struct ContactsRow: Sendable, Hashable {
        public var upn: String
        public var contacts: [Contact]
        public var line: Int
    }

    /// Reads contacts.csv. An empty priority takes the next after the pupil's rows before it; a priority given twice
    /// for one pupil, a missing name or a bad flag fails the file with its line and column.
    public static func readContacts(file: String, text: String) throws(ImportError) -> [ContactsRow] {
        let t = try CSVTable(file: file, text: text, expectedHeader: contactsHeader)
        var out: [ContactsRow] = []
        var index: [String: Int] = [:]
        for r in rows(t) {
            let upn = r.value("upn")
            guard UPN.isValid(upn) else { throw r.fail("upn", "'\(upn)' is not a UPN") }
            let i = index[upn] ?? out.count
            if i == out.count {
                index[upn] = i
                out.append(ContactsRow(upn: upn, contacts: [], line: r.line))
            }
            let p = r.value("priority")
            let priority: Int
            if p.isEmpty {
                priority = (out[i].contacts.map(\.priority).max() ?? 0) + 1
            } else {
                guard let v = Int(p), v >= 1 else {
                    throw r.fail("priority", "'\(p)' must be a whole number, 1 or more (1 is contacted first)")
                }
                priority = v
            }
            guard !out[i].contacts.contains(where: { $0.priority == priority }) else {
                throw r.fail("priority", "\(upn) has two contacts with priority \(priority)")
            }
            let c = Contact(
                priority: priority, name: r.value("name"), relationship: r.value("relationship"),
                parentalResponsibility: try r.flag("parental_responsibility"), livesWith: try r.flag("lives_with"), phone: r.value("phone"),
                email: r.value("email"), address: r.value("address"))
            do { try c.validate(field: "contact") } catch {
                throw r.fail(String(error.field.dropFirst("contact.".count)), error.reason)
            }
            out[i].contacts.append(c)
        }
        for i in out.indices { out[i].contacts.sort { $0.priority < $1.priority } }
        return out
    }
}
