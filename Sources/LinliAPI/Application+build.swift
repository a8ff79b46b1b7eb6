import Foundation
import Hummingbird
import LinliDatabase
import LinliReminders
import LinliSettings
import LinliStorage
import Logging
import Prometheus

/// What the HTTP service needs besides its settings; tests build it against their own database.
public struct APIDependencies: Sendable {
    public let pool: ConnectionPool
    public let migrator: Migrator
    public let metrics: PrometheusCollectorRegistry

    public init(pool: ConnectionPool, migrator: Migrator, metrics: PrometheusCollectorRegistry) {
        self.pool = pool
        self.migrator = migrator
        self.metrics = metrics
    }

    /// Opens the pool and reads the migrations named by `settings`.
    public static func live(
        settings: LinliSettings, metrics: PrometheusCollectorRegistry, logger: Logger
    ) throws -> APIDependencies {
        let pool = try settings.makePool(applicationName: "linli-server", asApplication: true, logger: logger)
        let migrations = try Migrator.load(directory: Migrator.locateDirectory(configured: settings.migrationsDirectory))
        return APIDependencies(
            pool: pool, migrator: Migrator(pool: pool, migrations: migrations, logger: logger), metrics: metrics)
    }
}

/// Builds the HTTP service: routes, middleware, and the pool as a service of its own.
/// `linli-server` runs what this returns; the tests call it too.
public func buildApplication(
    settings: LinliSettings, dependencies: APIDependencies, logger: Logger
) -> some ApplicationProtocol {
    let router = buildRouter(settings: settings, dependencies: dependencies)
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(settings.httpHost, port: settings.httpPort), serverName: "Linli"),
        logger: logger)
    app.addServices(PoolService(pool: dependencies.pool))
    return app
}

/// The routes of the service.
public func buildRouter(settings: LinliSettings, dependencies: APIDependencies) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: LogRequestsMiddleware(.info))
    router.add(middleware: MetricsMiddleware())
    let health = HealthController(pool: dependencies.pool, migrator: dependencies.migrator, metrics: dependencies.metrics)
    health.addRoutes(to: router)
    RepliesController(replies: Replies(store: Store(pool: dependencies.pool)), secret: settings.replyWebhookSecret)
        .addRoutes(to: router)
    return router
}
