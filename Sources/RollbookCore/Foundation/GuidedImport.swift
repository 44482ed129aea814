import Foundation

/// A CSV from another system, with its own column names, mapped onto one of Rollbook's interchange formats
/// (pupils.csv, contacts.csv or marks.csv): which of the file's columns fills each of Rollbook's, a preview of the first rows,
/// and every error in the file by row and column before anything is imported.
public enum GuidedImport {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case pupils, contacts, marks
        public var title: String {
            switch self {
            case .pupils: "Pupils (admission register)"
            case .contacts: "Contacts (parents and emergency contacts)"
            case .marks: "Attendance marks"
            }
        }
        /// Rollbook's columns, in its own order.
        public var targets: [String] {
            switch self {
            case .pupils: Interchange.pupilsHeader
            case .contacts: Interchange.contactsHeader
            case .marks: Interchange.marksHeader
            }
        }
        /// Columns that must come from the file; the others may be left empty.
        public var required: Set<String> {
            switch self {
            case .pupils: ["upn", "legal_surname", "legal_forename", "date_of_birth", "sex", "year_group", "starting_day"]
            case .contacts: ["upn", "name"]
            case .marks: ["upn", "date", "session", "code"]
            }
        }
    }

    /// Rollbook's column -> the file's column (absent: left empty).
    public typealias Mapping = [String: String]

    /// The file's own header, and its data rows with their line numbers.
    public struct Source: Sendable {
        public var file: String
        public var header: [String]
        public var rows: [(line: Int, fields: [String])]
    }

    /// Reads any CSV with a header row (RFC 4180, as the interchange reader reads it).
    public static func read(file: String, text: String) throws(ImportError) -> Source {
        var reader = CSVBytes(Array(text.utf8))
        var line = 1
        guard let head = try reader.next(file: file, line: &line) else {
            throw ImportError(file: file, line: 1, column: "-", reason: "the file is empty; it needs a header row naming its columns")
        }
        var header = (0..<head.count).map { head.string($0) }
        if let f = header.first, f.hasPrefix("\u{FEFF}") { header[0] = String(f.dropFirst()).trimmingCharacters(in: .whitespaces) }
        var rows: [(line: Int, fields: [String])] = []
        while let r = try reader.next(file: file, line: &line) { rows.append((r.line, (0..<r.count).map { r.string($0) })) }
        return Source(file: file, header: header, rows: rows)
    }

    /// A mapping for a new file: the saved one where its columns are in this file, else the file's column with the
    /// same name (ignoring case, spaces, `-` and `_`).
    public static func suggest(_ kind: Kind, header: [String], saved: Mapping?) -> Mapping {
        func norm(_ s: String) -> String { s.lowercased().filter { $0.isLetter || $0.isNumber } }
        var out: Mapping = [:]
        for t in kind.targets {
            if let s = saved?[t], header.contains(s) {
                out[t] = s
            } else if let s = header.first(where: { norm($0) == norm(t) }) {
                out[t] = s
            }
        }
        return out
    }

    public struct Preview: Sendable {
        /// Rollbook's columns and the first rows as they will be imported.
        public var header: [String]
        public var firstRows: [[String]]
        public var rowCount: Int
        /// Every error, by the file's own line and Rollbook's column.
        public var errors: [ImportError]
        /// The file in Rollbook's format (what is imported when there are no errors).
        public var canonical: String
    }

    /// Maps every row and checks each on its own (so every bad row is named, not just the first), then the file as a
    /// whole (a UPN or a mark twice).
    public static func preview(_ kind: Kind, source: Source, mapping: Mapping, firstRows limit: Int = 10) -> Preview {
        let targets = kind.targets
        var errors: [ImportError] = []
        for t in targets where kind.required.contains(t) && (mapping[t] ?? "").isEmpty {
            errors.append(ImportError(file: source.file, line: 1, column: t, reason: "choose the file's column for \(t)"))
        }
        for (t, s) in mapping.sorted(by: { $0.key < $1.key }) where !s.isEmpty && !source.header.contains(s) {
            errors.append(ImportError(file: source.file, line: 1, column: t, reason: "the file has no column '\(s)'"))
        }
        let index = targets.map { t in mapping[t].flatMap { source.header.firstIndex(of: $0) } }
        let headerLine = targets.joined(separator: ",") + "\n"
        var canonical = headerLine
        var mapped: [[String]] = []
        // Line in `canonical` -> line in the file.
        var lines: [Int: Int] = [:]
        var canonicalLine = 2
        for (line, fields) in source.rows {
            if fields.count != source.header.count {
                errors.append(
                    ImportError(
                        file: source.file, line: line, column: "-",
                        reason: "has \(fields.count) fields; the header has \(source.header.count)"))
                continue
            }
            let row = index.map { $0.map { fields[$0] } ?? "" }
            if mapped.count < limit { mapped.append(row) }
            let text = row.map(csvField).joined(separator: ",") + "\n"
            canonical += text
            lines[canonicalLine] = line
            canonicalLine += text.utf8.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            guard errors.allSatisfy({ $0.line != 1 }) else { continue }
            do throws(ImportError) {
                try check(kind, file: source.file, text: headerLine + text)
            } catch {
                errors.append(ImportError(file: source.file, line: line, column: error.column, reason: error.reason))
            }
        }
        if errors.isEmpty {
            do throws(ImportError) { try check(kind, file: source.file, text: canonical) } catch {
                errors.append(
                    ImportError(file: source.file, line: lines[error.line] ?? error.line, column: error.column, reason: error.reason))
            }
        }
        return Preview(header: targets, firstRows: mapped, rowCount: source.rows.count, errors: errors, canonical: canonical)
    }

    static func check(_ kind: Kind, file: String, text: String) throws(ImportError) {
        switch kind {
        case .pupils: _ = try Interchange.readPupils(file: file, text: text)
        case .contacts: _ = try Interchange.readContacts(file: file, text: text)
        case .marks: _ = try Interchange.readMarks(file: file, text: text)
        }
    }
}
