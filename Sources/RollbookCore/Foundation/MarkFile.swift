import Foundation

/// A marks CSV read at disk speed into columns: the same format, checks and error messages as `Interchange.readMarks`,
/// without a String or a struct per row. Pupils are numbered by their UPN's first appearance in the file.
public struct MarkFile: Sendable {
    public let file: String
    /// Each distinct UPN, in order of first appearance, and the line it first appears on.
    public private(set) var upns: [String] = []
    public private(set) var firstLine: [Int] = []
    /// One entry per row, in file order.
    public private(set) var pupil: [Int32] = []
    public private(set) var day: [Int32] = []
    /// 0 = AM, 1 = PM.
    public private(set) var session: [UInt8] = []
    /// `AttendanceCode.rawValue`.
    public private(set) var code: [UInt8] = []
    /// -1 when the row has no minutes late.
    public private(set) var minutesLate: [Int16] = []
    /// The first and last day of the file's marks (nil when it has no rows).
    public private(set) var range: DateRange?

    public var count: Int { day.count }

    /// The row as `Interchange.readMarks` gives it (line numbers are not kept).
    public func row(_ i: Int) -> (upn: String, mark: Mark) {
        (
            upns[Int(pupil[i])],
            Mark(
                date: LocalDate(dayNumber: day[i]), session: session[i] == 0 ? .am : .pm, code: AttendanceCode(rawValue: code[i])!,
                minutesLate: minutesLate[i] < 0 ? nil : Int(minutesLate[i]))
        )
    }

    /// Reads `bytes` (UTF-8). `progress(bytesRead)` is called about every 64 KB rows.
    public init(file: String, bytes: [UInt8], progress: ((Int) -> Void)? = nil) throws(ImportError) {
        self.file = file
        let expected = Interchange.marksHeader
        var reader = CSVBytes(bytes)
        var line = 1
        guard let header = try reader.next(file: file, line: &line) else {
            throw ImportError(
                file: file, line: 1, column: "-", reason: "the file is empty; expected the header \(expected.joined(separator: ","))")
        }
        var names = (0..<header.count).map { header.string($0) }
        if let f = names.first, f.hasPrefix("\u{FEFF}") { names[0] = String(f.dropFirst()) }
        names = names.map { $0.trimmingCharacters(in: .whitespaces) }
        guard names == expected else {
            // An unclosed quote anywhere in the file is reported first, as `CSVTable` does.
            while try reader.next(file: file, line: &line) != nil {}
            throw ImportError(
                file: file, line: 1, column: "-",
                reason: "the header must be \(expected.joined(separator: ",")), not \(names.joined(separator: ","))")
        }
        let estimate = bytes.count / 34
        pupil.reserveCapacity(estimate)
        day.reserveCapacity(estimate)
        session.reserveCapacity(estimate)
        code.reserveCapacity(estimate)
        minutesLate.reserveCapacity(estimate)

        // Readers of the same values on successive rows reuse the last answer.
        var index: [UPNKey: Int32] = [:]
        var lastKey = UPNKey(a: 0, b: 0)
        var lastPupil: Int32 = -1
        var lastDateKey = UPNKey(a: 0, b: 0)
        var lastDate = LocalDate(dayNumber: 0)
        var codes: [UInt64: AttendanceCode] = [:]
        // Marks seen so far, one bit a session per pupil from the first day seen (grown as needed).
        var seen = SeenSlots()
        // `readMarks` reports a wrong field count anywhere in the file before any other error: keep the first
        // value error and only count fields after it.
        var valueError: ImportError? = nil
        var countError: ImportError? = nil
        var sinceProgress = 0
        while let r = try reader.next(file: file, line: &line) {
            if r.count != expected.count, countError == nil {
                countError = ImportError(file: file, line: r.line, column: "-", reason: "has \(r.count) fields; expected \(expected.count)")
            }
            if valueError != nil || countError != nil { continue }
            sinceProgress += 1
            if sinceProgress == 65536, let progress {
                sinceProgress = 0
                progress(reader.position)
            }
            func fail(_ column: String, _ reason: String) -> ImportError {
                ImportError(file: file, line: r.line, column: column, reason: reason)
            }
            // UPN: 13 ASCII characters when valid.
            let key: UPNKey
            if let k = r.upnKey(0) {
                key = k
            } else {
                valueError = fail("upn", "'\(r.string(0))' is not a UPN")
                continue
            }
            // Date.
            let date: LocalDate
            if let k = r.key16(1), k == lastDateKey {
                date = lastDate
            } else {
                let v = r.string(1)
                if v.isEmpty {
                    valueError = fail("date", "is required")
                    continue
                }
                guard let d = LocalDate(iso: v) else {
                    valueError = fail("date", "'\(v)' is not a date in the form YYYY-MM-DD")
                    continue
                }
                date = d
                lastDate = d
                lastDateKey = r.key16(1) ?? UPNKey(a: 0, b: 0)
            }
            // Session.
            let s: UInt8
            switch r.packed(2) {
            case 0x414D: s = 0  // "AM"
            case 0x504D: s = 1  // "PM"
            default:
                valueError = fail("session", "'\(r.string(2))' must be AM or PM")
                continue
            }
            // Code, checked against its date.
            var c: AttendanceCode? = nil
            if let p = r.packed(3) {
                if let known = codes[p] {
                    c = known
                } else {
                    let symbol = r.string(3)
                    if let k = AttendanceCode.lookup(symbol) ?? AttendanceCode.lookup(symbol.uppercased()) {
                        codes[p] = k
                        c = k
                    }
                }
            }
            if let k = c, (k.isLegacy && date >= codes2024Start) || (k.isNewIn2024 && date < codes2024Start) { c = nil }
            guard let mark = c else {
                do { _ = try AttendanceCode.parse(r.string(3), on: date) } catch { valueError = fail("code", error.description) }
                if valueError == nil { valueError = fail("code", "'\(r.string(3))' is not a DfE attendance code") }
                continue
            }
            // Minutes late.
            var minutes: Int16 = -1
            if !r.isEmpty(4) {
                guard let v = r.int(4), v >= 0, v < 24 * 60 else {
                    valueError = fail("minutes_late", "'\(r.string(4))' must be a whole number of minutes, 0 or more")
                    continue
                }
                guard mark == .late || mark == .u else {
                    valueError = fail("minutes_late", "is only kept with L or U, not \(mark.symbol)")
                    continue
                }
                minutes = Int16(v)
            }
            // The pupil's number.
            let p: Int32
            if key == lastKey && lastPupil >= 0 {
                p = lastPupil
            } else if let known = index[key] {
                p = known
            } else {
                p = Int32(upns.count)
                index[key] = p
                upns.append(r.string(0))
                firstLine.append(r.line)
            }
            lastKey = key
            lastPupil = p
            guard seen.insert(pupil: p, day: date.dayNumber, session: s) else {
                valueError = fail("date", "\(upns[Int(p)]) has two marks for \(date) \(s == 0 ? "AM" : "PM")")
                continue
            }
            pupil.append(p)
            day.append(date.dayNumber)
            session.append(s)
            code.append(mark.rawValue)
            minutesLate.append(minutes)
        }
        if let countError { throw countError }
        if let valueError { throw valueError }
        if let lo = seen.first, let hi = seen.last { range = DateRange(from: LocalDate(dayNumber: lo), to: LocalDate(dayNumber: hi)) }
        progress?(bytes.count)
    }
}

/// A UPN's 13 bytes packed in two words.
struct UPNKey: Hashable {
    var a: UInt64
    var b: UInt64
}

/// One bit per pupil and session from about a year before the first day seen: the duplicate check without a set of
/// strings. Days outside that 40-year window (rare) go to a set.
struct SeenSlots {
    private var bits: [[UInt64]] = []
    private var base: Int32 = 0
    private var outside: Set<UInt64> = []
    private(set) var first: Int32?
    private(set) var last: Int32?
    private static let maxWords = 40 * 366 * 2 / 64

    /// False when the pupil already has a mark on that session.
    mutating func insert(pupil: Int32, day: Int32, session: UInt8) -> Bool {
        if let f = first {
            if day < f { first = day }
            if day > last! { last = day }
        } else {
            base = day - 400
            first = day
            last = day
        }
        let slot = Int(day - base) * 2 + Int(session)
        let w = slot >> 6
        guard slot >= 0, w < Self.maxWords else {
            return outside.insert(UInt64(UInt32(bitPattern: pupil)) << 33 | UInt64(UInt32(bitPattern: day)) << 1 | UInt64(session)).inserted
        }
        let p = Int(pupil)
        while bits.count <= p { bits.append([]) }
        if bits[p].count <= w { bits[p] += [UInt64](repeating: 0, count: max(w + 1 - bits[p].count, 24)) }
        let mask: UInt64 = 1 << UInt64(slot & 63)
        if bits[p][w] & mask != 0 { return false }
        bits[p][w] |= mask
        return true
    }
}

/// RFC 4180 records over bytes with the same rules as `CSVTable`: quotes, doubled quotes, CR dropped outside quotes,
/// blank lines skipped. A record's fields are copied into one reused buffer, trimmed of ASCII spaces and tabs
/// (a field with other bytes is trimmed as `CSVTable` trims it, through a String).
struct CSVBytes {
    let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    struct Record {
        var line = 1
        var buffer: [UInt8] = []
        var bounds: [(Int, Int)] = []
        var count: Int { bounds.count }

        mutating func clear() {
            buffer.removeAll(keepingCapacity: true)
            bounds.removeAll(keepingCapacity: true)
        }

        func string(_ i: Int) -> String {
            let (s, e) = bounds[i]
            return String(decoding: buffer[s..<e], as: UTF8.self)
        }
        func isEmpty(_ i: Int) -> Bool { bounds[i].0 == bounds[i].1 }

        /// Up to 8 bytes as one word (nil when longer or empty).
        func packed(_ i: Int) -> UInt64? {
            let (s, e) = bounds[i]
            guard e > s, e - s <= 8 else { return nil }
            var v: UInt64 = 0
            for j in s..<e { v = v << 8 | UInt64(buffer[j]) }
            return v
        }

        /// Up to 16 bytes as two words (nil when longer or empty).
        func key16(_ i: Int) -> UPNKey? {
            let (s, e) = bounds[i]
            guard e > s, e - s <= 16 else { return nil }
            var k = UPNKey(a: UInt64(e - s), b: 0)
            for j in s..<e {
                if j - s < 8 { k.a = k.a << 8 | UInt64(buffer[j]) } else { k.b = k.b << 8 | UInt64(buffer[j]) }
            }
            return k
        }

        /// The UPN key when the field is a valid UPN (a letter, 11 digits, then a digit or a letter).
        func upnKey(_ i: Int) -> UPNKey? {
            let (s, e) = bounds[i]
            guard e - s == 13 else { return nil }
            func letter(_ c: UInt8) -> Bool { c >= 65 && c <= 90 }
            func digit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
            guard letter(buffer[s]) else { return nil }
            for j in (s + 1)..<(s + 12) where !digit(buffer[j]) { return nil }
            guard digit(buffer[s + 12]) || letter(buffer[s + 12]) else { return nil }
            var a: UInt64 = 0
            var b: UInt64 = 0
            for j in s..<(s + 8) { a = a << 8 | UInt64(buffer[j]) }
            for j in (s + 8)..<(s + 13) { b = b << 8 | UInt64(buffer[j]) }
            return UPNKey(a: a, b: b)
        }

        func int(_ i: Int) -> Int? {
            let (s, e) = bounds[i]
            guard e > s, e - s <= 6 else { return e > s ? Int(string(i)) : nil }
            var v = 0
            for j in s..<e {
                let c = buffer[j]
                guard c >= 48 && c <= 57 else { return Int(string(i)) }
                v = v * 10 + Int(c - 48)
            }
            return v
        }

        /// Trims the last field like `CSVTable` does (whitespace at both ends).
        mutating func closeField(start: Int) {
            var s = start
            var e = buffer.count
            var ascii = true
            for j in s..<e where buffer[j] >= 0x80 {
                ascii = false
                break
            }
            if ascii {
                while s < e && (buffer[s] == 32 || buffer[s] == 9) { s += 1 }
                while e > s && (buffer[e - 1] == 32 || buffer[e - 1] == 9) { e -= 1 }
                bounds.append((s, e))
            } else {
                let t = String(decoding: buffer[s..<e], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                buffer.removeSubrange(s..<e)
                buffer.append(contentsOf: t.utf8)
                bounds.append((s, buffer.count))
            }
        }
    }

    private var record = Record()

    /// The next non-blank record, or nil at the end. `line` is the line the next record starts on.
    mutating func next(file: String, line: inout Int) throws(ImportError) -> Record? {
        let n = bytes.count
        while position < n {
            record.clear()
            record.line = line
            var fieldStart = 0
            var inQuotes = false
            var afterQuote = false
            var ended = false
            while position < n {
                let c = bytes[position]
                position += 1
                if inQuotes {
                    if c == 34 {
                        if position < n {
                            let d = bytes[position]
                            position += 1
                            if d == 34 {
                                record.buffer.append(34)
                            } else {
                                inQuotes = false
                                afterQuote = true
                                position -= 1
                            }
                        } else {
                            inQuotes = false
                        }
                    } else {
                        if c == 10 { line += 1 }
                        record.buffer.append(c)
                    }
                    continue
                }
                switch c {
                case 34 where record.buffer.count == fieldStart && !afterQuote: inQuotes = true
                case 44:
                    record.closeField(start: fieldStart)
                    fieldStart = record.buffer.count
                    afterQuote = false
                case 13: continue
                case 10:
                    record.closeField(start: fieldStart)
                    line += 1
                    ended = true
                default: record.buffer.append(c)
                }
                if ended { break }
            }
            if inQuotes { throw ImportError(file: file, line: record.line, column: "-", reason: "a quoted field is not closed") }
            if !ended {
                // The last record has no line end.
                if record.buffer.count == fieldStart && record.bounds.isEmpty { return nil }
                record.closeField(start: fieldStart)
            }
            if record.count == 1 && record.isEmpty(0) && record.bounds[0] == (0, 0) && ended { continue }
            return record
        }
        return nil
    }
}
