import Vapor

extension Request {
    /// Signs `id` in as `key` (`staff`, `parent`, `pupil`) in a new session: the old session is deleted, so an id seen
    /// before sign-in is worth nothing after it, and any other account signed in in this browser is signed out.
    func startSession(_ key: String, id: Int) async throws {
        if let old = session.id { try await application.sessions.driver.deleteSession(old, for: self).get() }
        session.id = nil
        session.data = SessionData()
        session.data[key] = String(id)
    }
}
