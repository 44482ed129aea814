import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit

/// Where the data lives: an SQLite file (the default) or PostgreSQL (chosen by the server's `Settings`).
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    public var description: String {
        switch self {
        case .sqlite(let p): "SQLite file \(p)"
        case .postgres(let u):
            // Hide the password.
            if let r = u.range(of: #":[^:@/]*@"#, options: .regularExpression) {
                "PostgreSQL \(u.replacingCharacters(in: r, with: ":***@"))"
            } else {
                "PostgreSQL \(u)"
            }
        }
    }

    /// Registers this location as the default database on `databases`.
    public func register(on databases: Databases) throws {
        switch self {
        case .sqlite(let path):
            databases.use(.sqlite(.file(path), sqlLogLevel: .debug), as: .sqlite)
            databases.useChangeFeed(on: .sqlite)
        case .postgres(let url):
            databases.use(try .postgres(url: url, maxConnectionsPerEventLoop: 4, sqlLogLevel: .debug), as: .psql)
            databases.useChangeFeed(on: .psql)
        }
    }
}

public enum StoreSetup {
    /// Brings the schema up to date. SQLite files are switched to WAL journalling so readers never block the writer.
    public static func migrate(
        databases: Databases, logger: Logger = Logger(label: "rollbook.migrate"),
        on eventLoop: any EventLoop
    ) async throws {
        let migrations = FluentKit.Migrations()
        for m in Migrations.all { migrations.add(m) }
        if let sql = databases.database(logger: logger, on: eventLoop) as? any SQLDatabase, sql.dialect.name == "sqlite" {
            try await sql.raw("PRAGMA journal_mode=WAL").run()
        }
        let migrator = Migrator(databases: databases, migrations: migrations, logger: logger, on: eventLoop)
        try await migrator.setupIfNeeded().get()
        try await migrator.prepareBatch().get()
    }

    /// Reverts every migration (tests use it to start from an empty schema).
    public static func revertAll(
        databases: Databases, logger: Logger = Logger(label: "rollbook.migrate"),
        on eventLoop: any EventLoop
    ) async throws {
        let migrations = FluentKit.Migrations()
        for m in Migrations.all { migrations.add(m) }
        let migrator = Migrator(databases: databases, migrations: migrations, logger: logger, on: eventLoop)
        try await migrator.setupIfNeeded().get()
        try await migrator.revertAllBatches().get()
    }
}

/// A database opened outside a web server: for the command-line tools and benchmarks.
public final class StandaloneDatabase: @unchecked Sendable {
    public let databases: Databases
    public let store: Store
    let threadPool: NIOThreadPool

    public init(_ location: DatabaseLocation, migrate: Bool = true) async throws {
        threadPool = NIOThreadPool(numberOfThreads: 2)
        threadPool.start()
        databases = Databases(threadPool: threadPool, on: MultiThreadedEventLoopGroup.singleton)
        try location.register(on: databases)
        let el = MultiThreadedEventLoopGroup.singleton.any()
        if migrate { try await StoreSetup.migrate(databases: databases, on: el) }
        store = Store(db: databases.database(logger: Logger(label: "rollbook.db"), on: el)!)
    }

    public func shutdown() async {
        await databases.shutdownAsync()
        try? await threadPool.shutdownGracefully()
    }
}
