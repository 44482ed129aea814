import Foundation
import RollbookDemo
import Testing

@testable import RollbookCore

// A timing of the full-year school report against a plain scan of the same bytes, on a large generated roll.
// Off unless asked for; run it in a release build:
//   ROLLBOOK_ANALYTICS_BENCH=50000 ROLLBOOK_CORE_ONLY=1 swift test -c release -Xswiftc -enable-testing \
//       --scratch-path .build-core-analytics --filter AnalyticsBench
@Suite("Analytics benchmark")
struct AnalyticsBenchTests {
    static let pupils = Int(ProcessInfo.processInfo.environment["ROLLBOOK_ANALYTICS_BENCH"] ?? "") ?? 0

    @Test("full-year report against a memory scan", .enabled(if: pupils > 0))
    func fullYearReport() {
        let clock = ContinuousClock()
        var school: DemoSchool?
        let g = clock.measure {
            school = Demo.generate(DemoOptions(phase: .secondary, pupils: Self.pupils, through: LocalDate(iso: "2026-07-22")!))
        }
        var roll: AnalyticsRoll?
        let b = clock.measure { roll = AnalyticsRoll(demo: school!) }
        school = nil
        let r = roll!
        // Interleaved rounds, each figure the fastest of its rounds: on a shared machine the minimum is the least disturbed.
        var sink: UInt64 = 0
        var report: FullYearReport?
        var scan = Duration.seconds(1000)
        var full = scan
        var overview = scan
        var cohorts = scan
        var penalty = scan
        let rounds = Int(ProcessInfo.processInfo.environment["ROLLBOOK_ANALYTICS_BENCH_ROUNDS"] ?? "") ?? 15
        for _ in 0..<rounds {
            scan = min(scan, clock.measure { sink &+= r.memoryScanBaseline() })
            full = min(full, clock.measure { report = r.fullYearReport() })
            overview = min(overview, clock.measure { _ = r.overview(r.year.range) })
            cohorts = min(cohorts, clock.measure { _ = r.cohorts(r.year.range) })
            penalty = min(penalty, clock.measure { _ = r.penaltyScan(r.year.range) })
        }
        func ms(_ d: Duration) -> String {
            String(format: "%.2f ms", Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1000)
        }
        let ratio =
            (Double(full.components.attoseconds) + Double(full.components.seconds) * 1e18)
            / (Double(scan.components.attoseconds) + Double(scan.components.seconds) * 1e18)
        print(
            """
            analytics bench: \(r.count) pupils, \(r.stride) bytes each (\(r.sessionBytes.count / 1_000_000) MB), \(r.groups.count) groups; \
            generate \(g), build roll \(b)
              memory scan       \(ms(scan))  (checksum \(sink % 1000))
              fullYearReport    \(ms(full))  = \(String(format: "%.1f", ratio))x the memory scan; \
            \(report!.overview.pupils) pupils, PA \(report!.overview.persistentAbsence), \(report!.cohorts.count) cohorts, \(report!.penalty.count) at the penalty threshold
              overview + trend  \(ms(overview))
              cohorts           \(ms(cohorts))
              penalty scan      \(ms(penalty))
            """)
        #expect(report!.overview.pupils > 0)
    }
}
