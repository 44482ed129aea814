// swift-tools-version:6.0
import PackageDescription

// ROLLBOOK_CORE_ONLY=1 builds just the domain library, the demo generator and their tests, with no server dependencies:
// a fast loop for work on the rules (use with --scratch-path .build-core).
let coreOnly = Context.environment["ROLLBOOK_CORE_ONLY"] != nil

let coreTargets: [Target] = [
    // The rules: pure Swift, Foundation only, no I/O.
    .target(name: "RollbookCore"),
    // The demo school generator: fictional pupils and marks, pure like Core (the rules' tests use its rolls).
    .target(name: "RollbookDemo", dependencies: ["RollbookCore"]),
    .testTarget(name: "RollbookCoreTests", dependencies: ["RollbookCore", "RollbookDemo"]),
    .testTarget(name: "RollbookDemoTests", dependencies: ["RollbookDemo", "RollbookCore"]),
]

let package = Package(
    name: "Rollbook",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "RollbookCore", targets: ["RollbookCore"])
    ],
    dependencies: coreOnly
        ? []
        : [
            .package(url: "https://github.com/vapor/vapor.git", from: "4.110.0"),
            .package(url: "https://github.com/vapor/fluent.git", from: "4.12.0"),
            .package(url: "https://github.com/vapor/fluent-kit.git", from: "1.50.0"),
            .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.8.0"),
            .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.10.0"),
            .package(url: "https://github.com/vapor/leaf.git", from: "4.4.0"),
            .package(url: "https://github.com/vapor/leaf-kit.git", from: "1.10.0"),
            .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
            .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
            .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.0.0"),
            .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.19"),
        ],
    targets: coreTargets
        + (coreOnly
            ? []
            : [
                // Persistence: schema, migrations, queries (SQLite by default, PostgreSQL via DATABASE_URL).
                .target(
                    name: "RollbookStore",
                    dependencies: [
                        "RollbookCore", "RollbookDemo",
                        .product(name: "FluentKit", package: "fluent-kit"),
                        .product(name: "FluentSQL", package: "fluent-kit"),
                        .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                        .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                    ]),
                // HTTP: JSON API, pages, auth. Thin over Store and Core.
                .target(
                    name: "RollbookServer",
                    dependencies: [
                        "RollbookCore", "RollbookDemo", "RollbookStore",
                        .product(name: "Vapor", package: "vapor"),
                        .product(name: "Fluent", package: "fluent"),
                        .product(name: "Leaf", package: "leaf"),
                        .product(name: "LeafKit", package: "leaf-kit"),
                        .product(name: "JWTKit", package: "jwt-kit"),
                        .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                    ], resources: [.copy("Web")]),
                // Benchmarks (`rollbook bench ...`): figures, kept out of the product targets.
                .target(
                    name: "RollbookBench",
                    dependencies: [
                        "RollbookServer", "RollbookStore", "RollbookDemo", "RollbookCore",
                        .product(name: "Vapor", package: "vapor"),
                        .product(name: "FluentKit", package: "fluent-kit"),
                        .product(name: "ArgumentParser", package: "swift-argument-parser"),
                    ]),
                .executableTarget(
                    name: "rollbook",
                    dependencies: [
                        "RollbookServer", "RollbookStore", "RollbookDemo", "RollbookCore", "RollbookBench",
                        .product(name: "ArgumentParser", package: "swift-argument-parser"),
                        .product(name: "Logging", package: "swift-log"),
                    ]),
                // The instruction-count guard's paths, run under callgrind by scripts/callgrind-guard.sh.
                .executableTarget(name: "callgrind-guard", dependencies: ["RollbookBench"]),
                .testTarget(
                    name: "RollbookServerTests",
                    dependencies: [
                        "RollbookServer", "RollbookStore", "RollbookDemo", "RollbookCore",
                        .product(name: "VaporTesting", package: "vapor"),
                        .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                    ]),
            ]),
    swiftLanguageModes: [.v6]
)
