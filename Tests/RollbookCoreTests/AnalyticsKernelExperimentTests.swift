import Foundation
import Testing
@testable import RollbookCore

@Suite struct AnalyticsKernelExperimentTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["ROLLBOOK_ANALYTICS_BENCH"] != nil)) func variants() {
        let school = Demo.generate(DemoOptions(phase: .secondary, pupils: 50000, through: LocalDate(iso: "2026-07-22")!))
        let r = AnalyticsRoll(demo: school)
        let clock = ContinuousClock()
        func best(_ body: () -> UInt64) -> (Duration, UInt64) {
            var s: UInt64 = 0
            let d = (0..<25).map { _ in clock.measure { s = body() } }.min()!
            return (d, s)
        }
        let stride = r.stride
        let weekFirst = r.weekFirstDay.map { Int($0) * 2 }
        let table = AnalyticsRoll.packedTable
        var pair = [UInt64](repeating: 0, count: 65536)
        for a in 0..<256 { for b in 0..<256 { pair[a | b << 8] = table[a] &+ table[b] } }
        let n = r.count
        let bytes = r.sessionBytes
        // A: one accumulator, by week.
        let a = best {
            table.withUnsafeBufferPointer { t in bytes.withUnsafeBufferPointer { all in weekFirst.withUnsafeBufferPointer { wf in
                var x: UInt64 = 0
                for p in 0..<n {
                    let row = all.baseAddress! + p * stride
                    for w in 0..<(wf.count - 1) {
                        var acc: UInt64 = 0
                        var k = wf[w]; let e = wf[w + 1]
                        while k < e { acc &+= t[Int(row[k])]; k += 1 }
                        x &+= acc >> 48
                    }
                }
                return x
            }}}
        }
        // B: two accumulators.
        let b = best {
            table.withUnsafeBufferPointer { t in bytes.withUnsafeBufferPointer { all in weekFirst.withUnsafeBufferPointer { wf in
                var x: UInt64 = 0
                for p in 0..<n {
                    let row = all.baseAddress! + p * stride
                    for w in 0..<(wf.count - 1) {
                        var a0: UInt64 = 0, a1: UInt64 = 0
                        var k = wf[w]; let e = wf[w + 1]
                        while k < e { a0 &+= t[Int(row[k])]; a1 &+= t[Int(row[k + 1])]; k += 2 }
                        x &+= (a0 &+ a1) >> 48
                    }
                }
                return x
            }}}
        }
        // C: pair table (two bytes a lookup).
        let c = best {
            pair.withUnsafeBufferPointer { t in bytes.withUnsafeBufferPointer { all in weekFirst.withUnsafeBufferPointer { wf in
                var x: UInt64 = 0
                let raw = UnsafeRawPointer(all.baseAddress!)
                for p in 0..<n {
                    let row = raw + p * stride
                    for w in 0..<(wf.count - 1) {
                        var acc: UInt64 = 0
                        var k = wf[w]; let e = wf[w + 1]
                        while k < e { acc &+= t[Int(row.loadUnaligned(fromByteOffset: k, as: UInt16.self))]; k += 2 }
                        x &+= acc >> 48
                    }
                }
                return x
            }}}
        }
        // D: whole row, one accumulator, no weeks.
        let d = best {
            table.withUnsafeBufferPointer { t in bytes.withUnsafeBufferPointer { all in
                var x: UInt64 = 0
                for p in 0..<n {
                    let row = all.baseAddress! + p * stride
                    var a0: UInt64 = 0, a1: UInt64 = 0
                    var k = 0
                    while k < stride { a0 &+= t[Int(row[k])]; a1 &+= t[Int(row[k + 1])]; k += 2 }
                    x &+= (a0 &+ a1) >> 48
                }
                return x
            }}
        }
        let m = best { r.memoryScanBaseline() }
        print("KERNEL A \(a.0) B \(b.0) C \(c.0) D \(d.0) scan \(m.0); sums \(a.1) \(b.1) \(c.1) \(d.1)")
    }
}
