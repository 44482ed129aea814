import ArgumentParser
import Foundation

/// PostgreSQL's client programs, given the connection through libpq's environment (so the password is not on a
/// command line).
struct PostgresConnection {
    var environment: [String: String]
    var database: String

    init(url: String) throws {
        guard let c = URLComponents(string: url), let host = c.host, ["postgres", "postgresql"].contains(c.scheme ?? "") else {
            throw UsageError("DATABASE_URL: not a postgres://user:password@host:port/database URL")
        }
        database = String(c.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw UsageError("DATABASE_URL: names no database") }
        var env = ProcessInfo.processInfo.environment
        env["PGHOST"] = host
        env["PGDATABASE"] = database
        if let p = c.port { env["PGPORT"] = String(p) }
        if let u = c.user { env["PGUSER"] = u.removingPercentEncoding ?? u }
        if let p = c.password { env["PGPASSWORD"] = p.removingPercentEncoding ?? p }
        environment = env
    }

    /// Debian's newest /usr/lib/postgresql/N/bin first (the client must not be older than the server), else PATH.
    static func tool(_ name: String) -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap { v in Int(v).map { ($0, v) } }
        for (_, v) in versions.sorted(by: { $0.0 > $1.0 }) where FileManager.default.isExecutableFile(atPath: "\(root)/\(v)/bin/\(name)") {
            return "\(root)/\(v)/bin/\(name)"
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return nil
    }

    /// Runs the tool; a failure is an error with its standard error. Returns standard output when captured.
    @discardableResult
    func run(_ name: String, _ arguments: [String], capture: Bool = false) throws -> String {
        guard let path = Self.tool(name) else {
            throw UsageError("\(name) was not found: install PostgreSQL's client programs (apt-get install postgresql-client)")
        }
        // Standard error goes to a file, so only one pipe is read while the tool runs.
        let errPath = NSTemporaryDirectory() + "rollbook-\(name)-\(ProcessInfo.processInfo.processIdentifier).err"
        guard FileManager.default.createFile(atPath: errPath, contents: nil) else { throw UsageError("cannot write \(errPath)") }
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        guard let errFile = FileHandle(forWritingAtPath: errPath) else { throw UsageError("cannot write \(errPath)") }
        defer { try? errFile.close() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.environment = environment
        let out = Pipe()
        p.standardOutput = capture ? out : FileHandle.standardError
        p.standardError = errFile
        try p.run()
        let outData = capture ? out.fileHandleForReading.readDataToEndOfFile() : Data()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let message = ((try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            throw UsageError("\(name) failed (exit \(p.terminationStatus)): \(message)")
        }
        return String(decoding: outData, as: UTF8.self)
    }
}
