import Foundation
import RollbookCore
import Vapor
import ZIPFoundation

/// A minimal Office Open XML workbook (.xlsx) for exports staff open in Excel: one or more sheets, a bold header row
/// kept in view, text as inline strings, numbers as numbers, dates as ISO text. The parts are deflated into a ZIP
/// archive in memory by ZIPFoundation.
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
            out +=
                row.map { cell -> String in
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
    func xlsx() throws -> Data {
        var names: [String] = []
        for s in sheets {
            // Excel's sheet names: at most 31 characters, none of : \ / ? * [ ], unique.
            var n = String(s.name.map { ":\\/?*[]".contains($0) ? "-" : $0 }.prefix(31))
            if n.isEmpty { n = "Sheet" }
            var unique = n
            var k = 2
            while names.contains(unique) {
                unique = String(n.prefix(28)) + " \(k)"
                k += 1
            }
            names.append(unique)
        }
        var parts: [(String, String)] = []
        let sheetTypes = sheets.indices.map {
            "<Override PartName=\"/xl/worksheets/sheet\($0 + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }.joined()
        parts.append(
            (
                "[Content_Types].xml",
                Self.declaration
                    + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                    + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
                    + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                    + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
                    + sheetTypes
                    + "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
                    + "</Types>"
            ))
        parts.append(
            (
                "_rels/.rels",
                Self.declaration
                    + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                    + "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"
                    + "</Relationships>"
            ))
        parts.append(
            (
                "xl/workbook.xml",
                Self.declaration
                    + "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
                    + "<sheets>"
                    + names.enumerated().map { "<sheet name=\"\(xmlEscaped($1))\" sheetId=\"\($0 + 1)\" r:id=\"rId\($0 + 1)\"/>" }.joined()
                    + "</sheets>"
                    + "</workbook>"
            ))
        parts.append(
            (
                "xl/_rels/workbook.xml.rels",
                Self.declaration
                    + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                    + sheets.indices.map {
                        "<Relationship Id=\"rId\($0 + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>"
                    }.joined()
                    + "<Relationship Id=\"rId\(sheets.count + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
                    + "</Relationships>"
            ))
        parts.append(
            (
                "xl/styles.xml",
                Self.declaration
                    + "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
                    + "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font><font><b/><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>"
                    + "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>"
                    + "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
                    + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
                    + "<cellXfs count=\"2\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
                    + "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/></cellXfs>"
                    + "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
                    + "</styleSheet>"
            ))
        for (i, s) in sheets.enumerated() { parts.append(("xl/worksheets/sheet\(i + 1).xml", Self.worksheet(s))) }
        let archive = try Archive(accessMode: .create)
        for (name, text) in parts {
            let data = Data(text.utf8)
            try archive.addEntry(
                with: name, type: .file, uncompressedSize: Int64(data.count), modificationDate: Self.partsDate,
                compressionMethod: .deflate
            ) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return archive.data ?? Data()
    }

    /// Every part is dated 1 January 2024, so the same workbook gives the same bytes.
    static let partsDate = Date(timeIntervalSince1970: 1_704_067_200)

    static let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"

    static func worksheet(_ s: Sheet) -> String {
        var x = declaration + "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        x +=
            "<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews>"
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
        var i = index + 1
        var s = ""
        while i > 0 {
            let r = (i - 1) % 26
            s = String(UnicodeScalar(UInt8(65 + r))) + s
            i = (i - 1) / 26
        }
        return s
    }

    // MARK: Responses

    /// The export as a download: `format` is "csv" or "xlsx"; `name` is the file name without its extension.
    func response(format: String, name: String) throws -> Response {
        let r: Response
        if format == "xlsx" {
            r = Response(status: .ok, body: .init(data: try xlsx()))
            r.headers.contentType = Self.mediaType
        } else {
            r = Response(status: .ok, body: .init(string: csv()))
            r.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        }
        r.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name).\(format == "xlsx" ? "xlsx" : "csv")\"")
        return r
    }
}
