import Foundation
import RollbookCore
import RollbookStore
import Synchronization
import Vapor

/// The guided imports running in this process, each in its own task and all or nothing; its page follows it by id.
/// Shutting down waits for those still running, so an import either lands whole or not at all.
final class ImportJobs: LifecycleHandler, Sendable {
    struct Job: Sendable {
        var schoolID: Int
        var kind: GuidedImport.Kind
        var fileName: String
        var started: Date
        var done = 0
        var total: Int
        var finished: Date? = nil
        /// What was imported, or why nothing was.
        var message: String? = nil
        var failed = false

        var pace: ImportPace { ImportPace(done: done, total: total, elapsed: (finished ?? Date()).timeIntervalSince(started)) }
    }

    /// A failure the page shows as it is.
    struct Failure: Error {
        var message: String
    }

    /// A finished job's page stays readable this long.
    static let kept: TimeInterval = 3600

    private let jobs = Mutex<[String: Job]>([:])
    private let tasks = Mutex<[String: Task<Void, Never>]>([:])

    /// Starts `body`, which reports progress as it goes and returns what was imported; returns the job's id.
    func start(
        schoolID: Int, kind: GuidedImport.Kind, fileName: String, rows: Int,
        _ body: @escaping @Sendable (_ progress: @escaping Store.ImportProgress) async throws -> String
    ) -> String {
        let id = UUID().uuidString.lowercased()
        let now = Date()
        let kept = jobs.withLock { jobs in
            jobs = jobs.filter { $0.value.finished.map { now.timeIntervalSince($0) < Self.kept } ?? true }
            jobs[id] = Job(schoolID: schoolID, kind: kind, fileName: fileName, started: now, total: rows)
            return Set(jobs.keys)
        }
        let task = Task {
            let outcome: (String, Bool)
            do {
                outcome = (
                    try await body { done, total in
                        self.jobs.withLock {
                            $0[id]?.done = done
                            $0[id]?.total = total
                        }
                    }, false
                )
            } catch let e as Failure {
                outcome = (e.message, true)
            } catch {
                outcome = ("The import failed (\(error)). Nothing was imported.", true)
            }
            jobs.withLock {
                $0[id]?.finished = Date()
                $0[id]?.message = outcome.0
                $0[id]?.failed = outcome.1
                if !outcome.1, let total = $0[id]?.total { $0[id]?.done = total }
            }
        }
        tasks.withLock {
            $0 = $0.filter { kept.contains($0.key) }
            $0[id] = task
        }
        return id
    }

    /// The school's job with this id, if it is running or finished within the last hour.
    func job(_ id: String, schoolID: Int) -> Job? {
        jobs.withLock { $0[id] }.flatMap { $0.schoolID == schoolID ? $0 : nil }
    }

    func shutdownAsync(_ app: Application) async {
        for t in tasks.withLock({ Array($0.values) }) { await t.value }
    }
}

struct ImportJobsKey: StorageKey { typealias Value = ImportJobs }

extension Application {
    /// Set up by `configure`.
    var importJobs: ImportJobs { storage[ImportJobsKey.self]! }
}
