import Fluent
import Foundation
import Leaf
import LeafKit
import RollbookCore
import RollbookStore
import Vapor

/// What a Rollbook server needs to know at start-up.
public struct ServerOptions: Sendable {
    public var database: DatabaseLocation
    /// Lists the demo accounts on the sign-in page.
    public var demoMode: Bool
    public var clock: any SchoolClock
    /// bcrypt cost for staff passwords.
    public var bcryptCost: Int
    /// Run the daily jobs (N to O) while serving; off for tests and benchmarks, which drive time themselves.
    public var dailyJobs: Bool
    /// The message channels and retry plan; the outbox worker runs with the daily jobs.
    public var messages: MessageSettings
    /// Session lifetimes, sign-in throttling, TLS.
    public var security: SecuritySettings
    public init(
        database: DatabaseLocation, demoMode: Bool = false, clock: any SchoolClock = SystemClock(), bcryptCost: Int = 12,
        dailyJobs: Bool = false, messages: MessageSettings = MessageSettings(), security: SecuritySettings = SecuritySettings()
    ) {
        self.database = database
        self.demoMode = demoMode
        self.clock = clock
        self.bcryptCost = bcryptCost
        self.dailyJobs = dailyJobs
        self.messages = messages
        self.security = security
    }
}

struct OptionsKey: StorageKey { typealias Value = ServerOptions }

extension Application {
    var options: ServerOptions {
        get { storage[OptionsKey.self]! }
        set { storage[OptionsKey.self] = newValue }
    }
    var store: Store { Store(db: db) }
}

extension Request {
    var store: Store { Store(db: db) }
    var clock: any SchoolClock { application.options.clock }
}

/// Where the server's templates (Views), static files (Public) and OpenAPI document are: the bundled Web folder.
enum ServerResources {
    static let directory: String = Bundle.module.url(forResource: "Web", withExtension: nil)!.path + "/"
}

/// Sets up a Rollbook application: database (migrated), templates, sessions, routes.
public func configure(_ app: Application, _ options: ServerOptions) async throws {
    app.options = options
    try options.database.register(on: app.databases)
    try await StoreSetup.migrate(databases: app.databases, logger: app.logger, on: app.eventLoopGroup.any())

    app.directory = DirectoryConfiguration(workingDirectory: ServerResources.directory)
    configureJSON()
    app.views.use(.leaf)
    app.leaf.configuration.rootDirectory = ServerResources.directory + "Views/"
    // The built resources live under .build, a hidden folder: confine Leaf to the views folder instead.
    app.leaf.sources = LeafSources.singleSource(
        NIOLeafFiles(
            fileio: app.fileio, limits: [.toSandbox, .requireExtensions, .onlyLeafExtensions],
            sandboxDirectory: ServerResources.directory + "Views/", viewDirectory: ServerResources.directory + "Views/"))
    app.leaf.cache.isEnabled = app.environment.isRelease

    // Pages and JSON are gzip'd for clients that ask: a form's register is ~100 KiB of HTML, ~8 KiB compressed.
    app.http.server.configuration.responseCompression = .enabledForCompressibleTypes
    // A policy file or a whole school's register fits; anything larger is refused with 413.
    app.routes.defaultMaxBodySize = "1mb"
    app.middleware = Middlewares()
    app.middleware.use(SecurityHeadersMiddleware(https: options.security.https))
    app.middleware.use(RollbookErrorMiddleware(environment: app.environment))
    app.middleware.use(FileMiddleware(publicDirectory: ServerResources.directory + "Public/"))
    // Sessions live in the database, so any instance serves any signed-in user.
    let security = options.security
    app.sessions.use { _ in DatabaseSessions(settings: security) }
    app.sessions.configuration.cookieName = "rollbook_session"
    app.sessions.configuration.cookieFactory = { id in
        HTTPCookies.Value(
            string: id.string, maxAge: Int(security.sessionLifetime), path: "/", isSecure: security.https, isHTTPOnly: true,
            sameSite: .lax)
    }
    app.middleware.use(app.sessions.middleware)
    app.middleware.use(ChangeTimeMiddleware())

    switch options.bcryptCost {
    case 4...31: break
    default: throw Abort(.internalServerError, reason: "bcrypt cost must be 4 to 31")
    }
    app.passwords.use(.bcrypt(cost: options.bcryptCost))
    app.storage[AnalyticsCacheKey.self] = AnalyticsCache()
    let importJobs = ImportJobs()
    app.storage[ImportJobsKey.self] = importJobs
    app.lifecycle.use(importJobs)
    app.transports = try makeTransports(smtp: options.messages.smtp, notify: options.messages.notify, httpClient: app.http.client.shared)
    try routes(app)
    if app.options.dailyJobs {
        app.lifecycle.use(BackgroundJobs(interval: .milliseconds(Int(app.options.messages.interval * 1000))))
    }
}

/// AM/PM. (Vapor's web `Session` is spelled `Vapor.Session` here.)
typealias Session = RollbookCore.Session
