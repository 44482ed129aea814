import Synchronization

/// Documents stored as JSON (a policy version, a timetable version) decoded once per process, keyed by the document
/// itself: every request of the day reads the same version, and decoding it cost more than the rest of a short
/// request. A new or replaced version is a new key; the cache is emptied when it holds `limit` documents.
final class DecodedDocuments<Value: Sendable>: Sendable {
    private let cache = Mutex<[String: Value]>([:])
    private let limit: Int

    init(limit: Int = 32) { self.limit = limit }

    func value(_ document: String, decode: (String) throws -> Value) rethrows -> Value {
        if let v = cache.withLock({ $0[document] }) { return v }
        let v = try decode(document)
        cache.withLock { c in
            if c.count >= limit { c.removeAll() }
            c[document] = v
        }
        return v
    }
}
