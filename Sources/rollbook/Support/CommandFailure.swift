import Foundation
import RollbookCore

/// A command that failed on its data (a missing file, a bad row): ArgumentParser prints only the message, without the
/// usage text, and the command exits non-zero.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Reads a file the user named, saying plainly why it cannot be.
func readUserFile(_ path: String) throws -> Data {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw CommandFailure("\(path): no such file") }
    guard !isDirectory.boolValue else { throw CommandFailure("\(path): is a folder, not a file") }
    do { return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
        throw CommandFailure("\(path): cannot be read (\(error.localizedDescription))")
    }
}

/// Progress of a long import on standard error, at most once a second: rows done, rows a second and time left.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let label: String
    private let start = Date()
    private var last = Date()

    init(_ label: String) { self.label = label }

    func update(done: Int, total: Int, unit: String = "rows") {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(last) >= 1, total > 0 else { return }
        last = now
        let line = "\(label): \(ImportPace(done: done, total: total, elapsed: now.timeIntervalSince(start)).words(unit: unit))\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
