import Foundation
import RollbookCore
import Vapor

/// A minimal Office Open XML workbook (.xlsx) for exports staff open in Excel: one or more sheets, a bold header row
/// kept in view, text as inline strings, numbers as numbers, dates as ISO text. Written as a ZIP of stored (not
/// compressed) entries, so no dependency is needed.
struct Spreadsheet {
    enum Cell: Equatable {
        case text(String)
        case number(Double)
        case integer(Int)
        case empty

        /// A date as ISO text (`YYYY-MM-DD`): sorts as text and reads the same in every locale.
        static func date(_ d: LocalDate?) -> Cell { d.map { .text($0.iso) } ?? .empty }
        /// A rate (0...1) as a number, empty when there is none.
        static func rate(_ r: Double?) -> Cell { r.map { .number($0) } ?? .empty }
    }

    struct Sheet {
        var name: String
        var header: [String]
        var rows: [[Cell]]
    }

    var sheets: [Sheet]

    init(sheets: [Sheet]) { self.sheets = sheets }
    init(name: String, header: [String], rows: [[Cell]]) { self.init(sheets: [Sheet(name: name, header: header, rows: rows)]) }

    /// The same rows as CSV (RFC 4180, UTF-8), for the CSV downloads of the same exports.
    func csv(sheet: Int = 0) -> String {
        let s = sheets[sheet]
        var out = s.header.map(csvField).joined(separator: ",") + "\n"
        for row in s.rows {
            out += row.map { cell -> String in
                switch cell {
                case .text(let t): csvField(t)
                case .number(let n): Self.number(n)
                case .integer(let i): String(i)
                case .empty: ""
                }
            }.joined(separator: ",") + "\n"
        }
        return out
    }

    /// A number as the shortest text that reads back the same (no exponent for the values exported here).
    static func number(_ n: Double) -> String {
        if n == n.rounded(), abs(n) < 1e15 { return String(Int(n)) }
        return String(n)
    }

    // MARK: The workbook

    static let mediaType = HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    /// The .xlsx file.
    func xlsx() -> [UInt8] {
        var names: [String] = []
        for s in sheets {
            // Excel's sheet names: at most 31 characters, none of : \ / ? * [ ], unique.
            var n = String(s.name.map { ":\\/?*[]".contains($0) ? "-" : $0 }.prefix(31))
            if n.isEmpty { n = "Sheet" }
            var unique = n, k = 2
            while names.contains(unique) { unique = String(n.prefix(28)) + " \(k)"; k += 1 }
            names.append(unique)
        }
        var parts: [(String, String)] = []
        let sheetTypes = sheets.indices.map {
            "<Override PartName=\"/xl/worksheets/sheet\($0 + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }.joined()
        parts.append(("[Content_Types].xml", Self.declaration
            + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
            + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
            + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
            + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
            + sheetTypes
            + "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
            + "</Types>"))
        parts.append(("_rels/.rels", Self.declaration
            + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            + "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"
            + "</Relationships>"))
        parts.append(("xl/workbook.xml", Self.declaration
            + "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
            + "<sheets>" + names.enumerated().map { "<sheet name=\"\(xmlEscaped($1))\" sheetId=\"\($0 + 1)\" r:id=\"rId\($0 + 1)\"/>" }.joined() + "</sheets>"
            + "</workbook>"))
        parts.append(("xl/_rels/workbook.xml.rels", Self.declaration
            + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            + sheets.indices.map {
                "<Relationship Id=\"rId\($0 + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>"
            }.joined()
            + "<Relationship Id=\"rId\(sheets.count + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
            + "</Relationships>"))
        parts.append(("xl/styles.xml", Self.declaration
            + "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
            + "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font><font><b/><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>"
            + "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>"
            + "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
            + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
            + "<cellXfs count=\"2\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
            + "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/></cellXfs>"
            + "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
            + "</styleSheet>"))
        for (i, s) in sheets.enumerated() { parts.append(("xl/worksheets/sheet\(i + 1).xml", Self.worksheet(s))) }
        return Zip.stored(parts.map { ($0.0, Array($0.1.utf8)) })
    }

    static let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"

    static func worksheet(_ s: Sheet) -> String {
        var x = declaration + "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        x += "<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews>"
        x += "<sheetData>"
        x += row(1, s.header.map { .text($0) }, style: 1)
        for (i, r) in s.rows.enumerated() { x += row(i + 2, r, style: 0) }
        x += "</sheetData></worksheet>"
        return x
    }

    static func row(_ n: Int, _ cells: [Cell], style: Int) -> String {
        var x = "<row r=\"\(n)\">"
        for (i, c) in cells.enumerated() {
            let ref = column(i) + String(n)
            let s = style == 0 ? "" : " s=\"\(style)\""
            switch c {
            case .text(let t):
                let space = t.first?.isWhitespace == true || t.last?.isWhitespace == true ? " xml:space=\"preserve\"" : ""
                x += "<c r=\"\(ref)\"\(s) t=\"inlineStr\"><is><t\(space)>\(xmlEscaped(t))</t></is></c>"
            case .number(let v) where v.isFinite: x += "<c r=\"\(ref)\"\(s)><v>\(number(v))</v></c>"
            case .integer(let v): x += "<c r=\"\(ref)\"\(s)><v>\(v)</v></c>"
            case .number, .empty: break
            }
        }
        return x + "</row>"
    }

    /// A, B, ..., Z, AA, AB, ...
    static func column(_ index: Int) -> String {
        var i = index + 1, s = ""
        while i > 0 {
            let r = (i - 1) % 26
            s = String(UnicodeScalar(UInt8(65 + r))) + s
            i = (i - 1) / 26
        }
        return s
    }

    // MARK: Responses

    /// The export as a download: `format` is "csv" or "xlsx"; `name` is the file name without its extension.
    func response(format: String, name: String) -> Response {
        let r: Response
        if format == "xlsx" {
            r = Response(status: .ok, body: .init(data: Data(xlsx())))
            r.headers.contentType = Self.mediaType
        } else {
            r = Response(status: .ok, body: .init(string: csv()))
            r.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        }
        r.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name).\(format == "xlsx" ? "xlsx" : "csv")\"")
        return r
    }
}

/// A ZIP archive of stored entries (PKWARE APPNOTE 6.3: local headers, central directory, end record), and a reader
/// for such archives that checks each entry's CRC-32.
enum Zip {
    /// Entries are dated 1 January 2024, 00:00 (MS-DOS time), so the same workbook gives the same bytes.
    static let dosTime: UInt16 = 0
    static let dosDate: UInt16 = UInt16((2024 - 1980) << 9 | 1 << 5 | 1)

    static func stored(_ entries: [(name: String, data: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for e in entries {
            let name = Array(e.name.utf8)
            let crc = crc32(e.data)
            let offset = UInt32(out.count)
            // Local file header.
            out.le32(0x0403_4b50); out.le16(20); out.le16(0x0800); out.le16(0)  // version 2.0, UTF-8 names, stored
            out.le16(dosTime); out.le16(dosDate); out.le32(crc)
            out.le32(UInt32(e.data.count)); out.le32(UInt32(e.data.count))
            out.le16(UInt16(name.count)); out.le16(0)
            out += name
            out += e.data
            // Central directory entry.
            central.le32(0x0201_4b50); central.le16(20); central.le16(20); central.le16(0x0800); central.le16(0)
            central.le16(dosTime); central.le16(dosDate); central.le32(crc)
            central.le32(UInt32(e.data.count)); central.le32(UInt32(e.data.count))
            central.le16(UInt16(name.count)); central.le16(0); central.le16(0)  // extra, comment
            central.le16(0); central.le16(0); central.le32(0)                   // disk, internal and external attributes
            central.le32(offset)
            central += name
        }
        let centralOffset = UInt32(out.count)
        out += central
        // End of central directory.
        out.le32(0x0605_4b50); out.le16(0); out.le16(0)
        out.le16(UInt16(entries.count)); out.le16(UInt16(entries.count))
        out.le32(UInt32(central.count)); out.le32(centralOffset); out.le16(0)
        return out
    }

    enum ReadError: Error, Equatable { case malformed(String) }

    /// The entries of a stored (uncompressed) archive, by name, read through its central directory.
    static func entries(_ zip: [UInt8]) throws -> [String: [UInt8]] {
        func u16(_ i: Int) throws -> Int {
            guard i >= 0, i + 2 <= zip.count else { throw ReadError.malformed("truncated at \(i)") }
            return Int(zip[i]) | Int(zip[i + 1]) << 8
        }
        func u32(_ i: Int) throws -> Int { let low = try u16(i), high = try u16(i + 2); return low | high << 16 }
        guard zip.count >= 22 else { throw ReadError.malformed("too short for an end record") }
        var end = zip.count - 22
        while end >= 0, try u32(end) != 0x0605_4b50 { end -= 1 }
        guard end >= 0 else { throw ReadError.malformed("no end of central directory") }
        let count = try u16(end + 10)
        var p = try u32(end + 16)
        var out: [String: [UInt8]] = [:]
        for _ in 0..<count {
            guard try u32(p) == 0x0201_4b50 else { throw ReadError.malformed("no central directory entry at \(p)") }
            guard try u16(p + 10) == 0 else { throw ReadError.malformed("entry at \(p) is compressed") }
            let crc = UInt32(try u32(p + 16)), size = try u32(p + 20)
            let nameLength = try u16(p + 28), extra = try u16(p + 30), comment = try u16(p + 32)
            let local = try u32(p + 42)
            guard p + 46 + nameLength <= zip.count else { throw ReadError.malformed("truncated name at \(p)") }
            let name = String(decoding: zip[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            guard try u32(local) == 0x0403_4b50 else { throw ReadError.malformed("no local header for \(name)") }
            let localName = try u16(local + 26), localExtra = try u16(local + 28)
            let start = local + 30 + localName + localExtra
            guard start + size <= zip.count else { throw ReadError.malformed("\(name) runs past the end") }
            let data = Array(zip[start..<(start + size)])
            guard crc32(data) == crc else { throw ReadError.malformed("\(name): CRC-32 does not match") }
            out[name] = data
            p += 46 + nameLength + extra + comment
        }
        return out
    }

    /// CRC-32 (ISO 3309, polynomial 0xEDB88320 reflected), as ZIP uses.
    static func crc32(_ data: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in data { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
}

private extension Array where Element == UInt8 {
    mutating func le16(_ v: UInt16) { append(UInt8(v & 0xFF)); append(UInt8(v >> 8)) }
    mutating func le32(_ v: UInt32) { le16(UInt16(v & 0xFFFF)); le16(UInt16(v >> 16)) }
}
