import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// Each school's academic years held in memory as analytics rolls (one byte a session per pupil), built from the
/// database once and kept current: every read first asks the database for the school's versions (one small query);
/// marks written since (by this instance or any other sharing the database) are copied in from the session arrays
/// those writes stamped, and a change to the roll itself (pupils admitted, changed or deleted) rebuilds it.
actor AnalyticsCache {
    struct Key: Hashable {
        var school: Int
        var year: Int
    }
    struct Entry {
        var roll: AnalyticsRoll
        /// Roll index of each pupil's database id.
        var index: [Int: Int]
        var dataVersion: Int
        var rollVersion: Int
    }
    private var entries: [Key: Entry] = [:]
    /// Reads, incremental refreshes and full builds, for the benchmarks and tests.
    private(set) var builds = 0
    private(set) var refreshes = 0

    func roll(_ store: Store, schoolID: Int, year: AcademicYear) async throws -> AnalyticsRoll {
        let key = Key(school: schoolID, year: year.startYear)
        let v = try await store.versions(schoolID: schoolID)
        if var e = entries[key], e.rollVersion == v.roll {
            if e.dataVersion == v.data { return e.roll }
            let changed = try await store.sessionArrays(schoolID: schoolID, year: year, changedAfter: e.dataVersion)
            let late = try await store.lateness(schoolID: schoolID, range: year.range, pupilIDs: Array(changed.keys))
            for (id, marks) in changed {
                guard let i = e.index[id] else { continue }
                e.roll.replace(pupil: i, marks: marks, lateness: late[id] ?? [])
            }
            // Writes that commit while this runs are stamped later than v.data: the next read copies them again.
            e.dataVersion = v.data
            entries[key] = e
            refreshes += 1
            return e.roll
        }
        let built = try await store.analyticsRoll(schoolID: schoolID, year: year)
        entries[key] = Entry(
            roll: built.roll, index: Dictionary(uniqueKeysWithValues: built.ids.enumerated().map { ($1, $0) }),
            dataVersion: built.versions.data, rollVersion: built.versions.roll)
        builds += 1
        return built.roll
    }
}

struct AnalyticsCacheKey: StorageKey { typealias Value = AnalyticsCache }

extension Application {
    /// Set up by `configure`.
    var analytics: AnalyticsCache { storage[AnalyticsCacheKey.self]! }
}
