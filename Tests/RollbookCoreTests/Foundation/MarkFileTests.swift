import Foundation
import Testing

@testable import RollbookCore

/// The fast marks reader must read exactly what `Interchange.readMarks` reads, and fail with exactly its error.
@Suite("MarkFile: the marks CSV at disk speed")
struct MarkFileTests {
    private let head = "upn,date,session,code,minutes_late\n"

    private func both(_ text: String) -> (Result<[Interchange.MarkRow], ImportError>, Result<MarkFile, ImportError>) {
        let slow = Result { () throws(ImportError) in try Interchange.readMarks(file: "m.csv", text: text) }
        let fast = Result { () throws(ImportError) in try MarkFile(file: "m.csv", bytes: Array(text.utf8)) }
        return (slow, fast)
    }

    @Test("reads the same rows as readMarks: quotes, CRLF, a BOM, blank lines, padding, lower-case codes, minutes late")
    func sameRows() throws {
        let text =
            "\u{FEFF}" + head
            + "A100000000001,2025-09-03,AM,/,\r\n"
            + "\"A100000000001\",2025-09-03,PM,\"\\\",\r\n"
            + "\n"
            + " A100000000002 , 2025-09-04 ,AM, l ,12\n"
            + "A100000000002,2025-09-04,PM,u,\"5\"\n"
            + "A10000000000B,2024-08-16,AM,H,\n"
            + "A100000000001,2026-01-05,PM,N,"
        let (slow, fast) = both(text)
        let rows = try slow.get()
        let file = try fast.get()
        #expect(rows.count == 6)
        #expect(file.count == rows.count)
        for (i, r) in rows.enumerated() {
            let f = file.row(i)
            #expect(f.upn == r.upn, "row \(i)")
            #expect(f.mark == r.mark, "row \(i)")
        }
        #expect(file.upns == ["A100000000001", "A100000000002", "A10000000000B"])
        #expect(file.firstLine == [2, 5, 7])
        #expect(file.range == DateRange(from: LocalDate(iso: "2024-08-16")!, to: LocalDate(iso: "2026-01-05")!))
    }

    @Test(
        "fails with readMarks' error, naming the same line and column",
        arguments: [
            "A10000000001,2025-09-03,AM,/,\n",  // short UPN
            "A100000000001,2025-09-31,AM,/,\n",  // no such day
            "A100000000001,,AM,/,\n",
            "A100000000001,2025-09-03,am,/,\n",
            "A100000000001,2025-09-03,AM,Q9,\n",
            "A100000000001,2025-09-03,AM,H,\n",  // withdrawn in 2024
            "A100000000001,2024-08-16,AM,K,\n",  // not yet in force
            "A100000000001,2025-09-03,AM,/,5\n",  // minutes only with L or U
            "A100000000001,2025-09-03,AM,L,-1\n",
            "A100000000001,2025-09-03,AM,L,1440\n",
            "A100000000001,2025-09-03,AM,/,\nA100000000001,2025-09-03,AM,N,\n",  // twice
            "A100000000001,2025-09-03,AM,/,\nA100000000001,2025-09-03,PM,Q9,\nA100000000001,2025-09-03\n",  // field count first
            "A100000000001,2025-09-03,AM,/,\n\"A100000000001,2025-09-03,PM,/,\n",  // unclosed quote
        ])
    func sameErrors(_ body: String) {
        let (slow, fast) = both(head + body)
        guard case .failure(let expected) = slow else {
            Issue.record("readMarks accepted \(body)")
            return
        }
        guard case .failure(let got) = fast else {
            Issue.record("MarkFile accepted \(body)")
            return
        }
        #expect(got == expected)
    }

    @Test("a wrong header, or an empty file, fails as readMarks fails")
    func header() {
        for text in ["", "upn,date,session,code\nA100000000001,2025-09-03,AM,/\n", "\n\n"] {
            let (slow, fast) = both(text)
            guard case .failure(let expected) = slow, case .failure(let got) = fast else {
                Issue.record("accepted \(text.debugDescription)")
                continue
            }
            #expect(got == expected)
        }
    }

    @Test("a year of marks in pupil order and in date order gives the same rows, and a repeat anywhere is found")
    func order() throws {
        let days = (0..<190).map { LocalDate(iso: "2025-09-01")!.adding(days: $0) }
        let upns = (1...40).map { String(format: "A1000000%05d", $0) }
        var byPupil = head
        for u in upns { for d in days { byPupil += "\(u),\(d.iso),AM,/,\n\(u),\(d.iso),PM,N,\n" } }
        var byDay = head
        for d in days.reversed() { for u in upns { byDay += "\(u),\(d.iso),AM,/,\n\(u),\(d.iso),PM,N,\n" } }
        let a = try MarkFile(file: "a.csv", bytes: Array(byPupil.utf8))
        let b = try MarkFile(file: "b.csv", bytes: Array(byDay.utf8))
        #expect(a.count == 40 * 190 * 2)
        func key(_ f: MarkFile, _ i: Int) -> String {
            let r = f.row(i)
            return "\(r.upn) \(r.mark.date) \(r.mark.session) \(r.mark.code.symbol)"
        }
        #expect(Set((0..<a.count).map { key(a, $0) }) == Set((0..<b.count).map { key(b, $0) }))
        // The first day of the reversed file is the last of the year: a repeat of it at the end is still caught.
        let repeated = byDay + "\(upns[3]),\(days.last!.iso),PM,/,\n"
        #expect(throws: ImportError.self) { try MarkFile(file: "b.csv", bytes: Array(repeated.utf8)) }
    }
}
