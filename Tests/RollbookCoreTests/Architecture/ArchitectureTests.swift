import Foundation
import Testing

/// What each target may import: the layering the README's Architecture section draws. The domain (Core) sees only
/// Foundation; the demo generator sees only the domain; storage sees Fluent, SQLKit and the demo generator (it loads a
/// generated school) but never Vapor; the server, the benchmarks and the command line sit on top.
@Suite struct ArchitectureTests {
    static let allowed: [String: Set<String>] = [
        "RollbookCore": ["Foundation"],
        "RollbookDemo": ["Foundation", "RollbookCore"],
        "RollbookStore": [
            "Foundation", "RollbookCore", "RollbookDemo", "FluentKit", "FluentSQL", "SQLKit", "FluentSQLiteDriver",
            "FluentPostgresDriver", "Logging", "NIOCore", "NIOPosix", "Synchronization",
        ],
        "RollbookServer": [
            "Foundation", "RollbookCore", "RollbookStore", "RollbookDemo", "Vapor", "Fluent", "Leaf", "LeafKit",
            "AsyncHTTPClient", "Crypto", "JWTKit", "ZIPFoundation", "NIOCore", "NIOHTTP1", "NIOPosix", "NIOSSL",
            "Logging", "Synchronization",
        ],
        "RollbookBench": [
            "Foundation", "RollbookCore", "RollbookDemo", "RollbookStore", "RollbookServer", "ArgumentParser",
            "FluentKit", "SQLKit", "Vapor", "Logging", "NIOCore", "NIOPosix",
        ],
        "rollbook": [
            "Foundation", "RollbookCore", "RollbookDemo", "RollbookStore", "RollbookServer", "RollbookBench",
            "ArgumentParser", "FluentKit", "SQLKit", "Vapor", "Logging", "NIOCore", "NIOPosix",
        ],
        // The instruction-count guard's paths, for callgrind.
        "callgrind-guard": ["Foundation", "RollbookBench"],
    ]

    /// The modules a Swift source imports, whatever the form: `import X`, `@testable import X`,
    /// `public import X`, `import struct X.Y`.
    static func imports(in source: String) -> Set<String> {
        var modules: Set<String> = []
        for line in source.split(separator: "\n", omittingEmptySubsequences: true) {
            var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })[...]
            while let first = words.first,
                first.hasPrefix("@") || ["public", "package", "internal", "private", "fileprivate"].contains(first)
            {
                words = words.dropFirst()
            }
            guard words.first == "import", words.count >= 2 else { continue }
            words = words.dropFirst()
            if ["typealias", "struct", "class", "enum", "protocol", "let", "var", "func"].contains(words.first!), words.count >= 2 {
                words = words.dropFirst()
            }
            modules.insert(String(words.first!.split(separator: ".").first!))
        }
        return modules
    }

    @Test func theCheckSeesEveryFormOfImport() {
        let source = """
            import Foundation
            @preconcurrency import Vapor
            @testable import RollbookStore
            public import struct NIOCore.ByteBuffer
            // import Leaf (a comment is not an import)
            let important = 1
            """
        #expect(Self.imports(in: source) == ["Foundation", "Vapor", "RollbookStore", "NIOCore"])
    }

    @Test func everyTargetIsInTheTable() throws {
        let targets = try FileManager.default.contentsOfDirectory(atPath: Repository.root.appendingPathComponent("Sources").path)
            .filter { !$0.hasPrefix(".") }
        #expect(!targets.isEmpty)
        for target in targets {
            #expect(Self.allowed[target] != nil, "Sources/\(target) is not in ArchitectureTests.allowed: say what it may import")
        }
    }

    @Test(arguments: allowed.keys.sorted())
    func targetImportsOnlyWhatItMay(_ target: String) throws {
        let allowed = try #require(Self.allowed[target])
        for file in Repository.swiftFiles(under: "Sources/\(target)") {
            let source = try String(contentsOf: Repository.root.appendingPathComponent(file), encoding: .utf8)
            let extra = Self.imports(in: source).subtracting(allowed)
            #expect(extra.isEmpty, "\(file) imports \(extra.sorted().joined(separator: ", ")), which \(target) may not")
        }
    }
}
