import Foundation

/// The checkout this test file sits in: the nearest directory above it that holds Package.swift.
enum Repository {
    static let root: URL = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path),
            dir.pathComponents.count > 1
        {
            dir.deleteLastPathComponent()
        }
        return dir
    }()

    /// The `.swift` files under `folder` (relative to the root), sorted, as paths relative to the root.
    static func swiftFiles(under folder: String) -> [String] {
        let base = root.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(atPath: base.path) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }.map { "\(folder)/\($0)" }.sorted()
    }
}
