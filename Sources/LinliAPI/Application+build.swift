import Foundation
import Hummingbird
import LinliAccounts
import LinliDatabase
import LinliReminders
import LinliSettings
import LinliStorage
import LinliWeb
import Logging
import NIOCore
import Prometheus

/// What the HTTP service needs besides its settings; tests build it against their own database.
public struct APIDependencies: Sendable {
    public let pool: ConnectionPool
    /// The reports' pool over a read replica (`LINLI_DATABASE_REPORTS_URL`); nil: `pool`.
    public let reportsPool: ConnectionPool?
    public let migrator: Migrator
    public let metrics: PrometheusCollectorRegistry
    /// Seals and opens residents' care notes; nil when no key is configured.
    public let careNotes: CareNotesKeyring?
    /// Frees idempotency keys whose release failed (run by `buildApplication`).
    public let idempotencyReleases: IdempotencyReleases

    public init(
        pool: ConnectionPool, reportsPool: ConnectionPool? = nil, migrator: Migrator, metrics: PrometheusCollectorRegistry,
        careNotes: CareNotesKeyring? = nil
    ) {
        self.pool = pool
        self.reportsPool = reportsPool
        self.migrator = migrator
        self.metrics = metrics
        self.careNotes = careNotes
        self.idempotencyReleases = IdempotencyReleases(store: Store(pool: pool))
    }

    /// Opens the pool and reads the migrations named by `settings`.
    public static func live(
        settings: LinliSettings, metrics: PrometheusCollectorRegistry, logger: Logger
    ) throws -> APIDependencies {
        let pool = try settings.makePool(
            applicationName: "linli-server", asApplication: true, limitStatements: true, logger: logger)
        let reportsPool =
            settings.databaseReportsURL == nil
            ? nil
            : try settings.makePool(
                applicationName: "linli-server-reports", asApplication: true, limitStatements: true, reports: true,
                logger: logger)
        let migrations = try Migrator.load(directory: Migrator.locateDirectory(configured: settings.migrationsDirectory))
        return APIDependencies(
            pool: pool, reportsPool: reportsPool, migrator: Migrator(pool: pool, migrations: migrations, logger: logger),
            metrics: metrics,
            careNotes: try CareNotesKeyring(settings: settings))
    }

    /// What the service checks before it serves: care notes stored while no key is configured
    /// stop it (they could be neither read nor kept sealed); plain text left from before
    /// migration 0019 is reported (`linli care-notes seal`). Returns the warnings to log.
    public func checkCareNotes() async throws -> [String] {
        let status = try await Store(pool: pool).transaction(.administrator()) { tx in
            try await CareNotesStore().status(on: tx)
        }
        if careNotes == nil, status.total > 0 {
            throw CareNotesStartError(count: status.total)
        }
        var warnings: [String] = []
        if status.plaintext > 0 {
            warnings.append(
                "\(status.plaintext) 条护理备注尚未加密，请执行 linli care-notes seal / "
                    + "\(status.plaintext) care note(s) are still plain text: run `linli care-notes seal`")
        }
        if let careNotes, status.sealedByKey.keys.contains(where: { $0 != careNotes.currentKeyID }) {
            warnings.append(
                "有护理备注仍由旧密钥加密，请执行 linli care-notes rotate / "
                    + "some care notes are sealed with an older key: run `linli care-notes rotate`")
        }
        return warnings
    }
}

/// The service will not start: care notes exist and no key is configured to read them.
public struct CareNotesStartError: Error, CustomStringConvertible, Sendable {
    public let count: Int
    public var description: String {
        "数据库中有 \(count) 条居民护理备注，但未配置密钥（LINLI_CARE_NOTES_KEY_FILE 或 LINLI_CARE_NOTES_KEYS），服务不启动；"
            + "见 deploy/README.md 的「Care notes key」一节 / the database holds \(count) residents' care note(s) but no key is configured "
            + "(LINLI_CARE_NOTES_KEY_FILE or LINLI_CARE_NOTES_KEYS), so the service does not start; "
            + "see deploy/README.md, \"Care notes key\""
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
    if let reports = dependencies.reportsPool { app.addServices(PoolService(pool: reports)) }
    app.addServices(dependencies.idempotencyReleases)
    return app
}

/// The routes of the service.
///
/// The router is written by hand and held to `openapi.yaml` by a test (OpenAPIContractTests)
/// rather than generated with swift-openapi-generator: the generator's build plugin adds
/// minutes to every clean build on the project's 2-core machines and CI, and its generated
/// server would still need this middleware for what the issue asks of the edge (problem+json for
/// malformed bodies, 405 with Allow, 413, lengths in Unicode scalars, unknown fields refused),
/// which it neither enforces nor lets us shape per field.
public func buildRouter(settings: LinliSettings, dependencies: APIDependencies) -> Router<APIRequestContext> {
    let router = Router(context: APIRequestContext.self)
    let routes = RouteIndex()
    // Outermost first: the request id is in every log line and metric's request; metrics see the
    // final status, since ProblemMiddleware (innermost) turns every error into a response.
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: RequestLogMiddleware(level: .info))
    router.add(middleware: MetricsMiddleware())
    let problems = ProblemMiddleware(routes: routes)
    router.add(middleware: problems)
    let pages = Result { try WebPages.load() }
    router.add(middleware: PageErrorMiddleware(problems: problems, pages: pages))
    let store = Store(pool: dependencies.pool)
    let health = HealthController(pool: dependencies.pool, migrator: dependencies.migrator, metrics: dependencies.metrics)
    health.addRoutes(to: router)
    OpenAPIDocument.addRoutes(to: router)
    RepliesController(replies: Replies(store: store), secret: settings.replyWebhookSecret)
        .addRoutes(to: router)
    // Sign-in: POST /api/v1/session is public; everything under /api/v1 below needs a session
    // cookie or a bearer token (AuthenticationMiddleware), and community routes a role there
    // allowed by AccessPolicy (CommunityMiddleware). Writes there take an Idempotency-Key.
    let authentication = AuthenticationMiddleware(
        authenticator: Authenticator(store: store), requireSecondFactor: settings.requireSecondFactor)
    let sessions = SessionController(
        authenticator: authentication.authenticator, store: store, cookieSecure: settings.cookieSecure,
        maxBodyBytes: settings.httpMaxBodyBytes, requireSecondFactor: settings.requireSecondFactor)
    sessions.addPublicRoutes(to: router)
    // The staff pages (issue #7): sign-in and the start page, on the same sessions.
    PagesController(
        authenticator: authentication.authenticator, store: store, pages: pages, cookieSecure: settings.cookieSecure,
        maxBodyBytes: settings.httpMaxBodyBytes, requireSecondFactor: settings.requireSecondFactor
    ).addRoutes(to: router)
    DeskPagesController(
        authenticator: authentication.authenticator, store: store, pages: pages, maxBodyBytes: settings.httpMaxBodyBytes
    ).addRoutes(to: router)
    RosterBoardPagesController(
        authenticator: authentication.authenticator, store: store, pages: pages, maxBodyBytes: settings.httpMaxBodyBytes
    ).addRoutes(to: router)
    TeamPagesController(
        authenticator: authentication.authenticator, store: store, pages: pages, maxBodyBytes: settings.httpMaxBodyBytes
    ).addRoutes(to: router)
    // The outbox and reports pages; the reports read through the reports' pool, as the hours API.
    MessagesPagesController(
        authenticator: authentication.authenticator, store: store, pages: pages, maxBodyBytes: settings.httpMaxBodyBytes
    ).addRoutes(to: router)
    ReportsPagesController(
        authenticator: authentication.authenticator, store: store,
        reports: Store(pool: dependencies.reportsPool ?? dependencies.pool, readOnly: true), pages: pages
    ).addRoutes(to: router)
    // The volunteer, resident and import pages.
    VolunteerPagesController(
        authenticator: authentication.authenticator, store: store, pages: pages, maxBodyBytes: settings.httpMaxBodyBytes
    ).addRoutes(to: router)
    ResidentPagesController(
        authenticator: authentication.authenticator, store: store, pages: pages, maxBodyBytes: settings.httpMaxBodyBytes,
        careNotes: dependencies.careNotes
    ).addRoutes(to: router)
    ImportPagesController(
        authenticator: authentication.authenticator, store: store, pages: pages, careNotes: dependencies.careNotes
    ).addRoutes(to: router)
    let signedIn = router.group("/api/v1").add(middleware: authentication)
    sessions.addRoutes(to: signedIn)
    CommunitiesController(store: store).addRoutes(to: signedIn)
    let community = router.group("/api/v1/communities/{code}").add(middleware: authentication)
        .add(middleware: CommunityMiddleware(store: store))
        .add(
            middleware: IdempotencyMiddleware(
                store: store, maxBodyBytes: settings.httpMaxBodyBytes, problems: problems,
                releases: dependencies.idempotencyReleases))
    UsersController(store: store, accounts: Accounts(store: store), maxBodyBytes: settings.httpMaxBodyBytes)
        .addRoutes(to: community)
    VolunteersController(store: store, maxBodyBytes: settings.httpMaxBodyBytes).addRoutes(to: community)
    VolunteerScheduleController(store: store, maxBodyBytes: settings.httpMaxBodyBytes).addRoutes(to: community)
    CommunityDataController(store: store, maxBodyBytes: settings.httpMaxBodyBytes).addRoutes(to: community)
    ResidentsController(store: store, maxBodyBytes: settings.httpMaxBodyBytes, careNotes: dependencies.careNotes)
        .addRoutes(to: community)
    SlotsController(store: store, maxBodyBytes: settings.httpMaxBodyBytes).addRoutes(to: community)
    TeamsController(store: store, maxBodyBytes: settings.httpMaxBodyBytes).addRoutes(to: community)
    ReferenceWritesController(store: store, maxBodyBytes: settings.httpMaxBodyBytes).addRoutes(to: community)
    BookingsController(store: store, maxBodyBytes: settings.httpMaxBodyBytes).addRoutes(to: community)
    BookingDeskController(store: store, maxBodyBytes: settings.httpMaxBodyBytes).addRoutes(to: community)
    RostersController(store: store).addRoutes(to: community)
    RosterPlanningController(store: store, maxBodyBytes: settings.httpMaxBodyBytes).addRoutes(to: community)
    // Exports, attendance and calendar feeds; the printable page is rendered by LinliWeb.
    let reports = Store(pool: dependencies.reportsPool ?? dependencies.pool, readOnly: true)
    ExportsController(store: store, reports: reports, pages: pages).addRoutes(to: community)
    AttendanceController(store: store, maxBodyBytes: settings.httpMaxBodyBytes).addRoutes(to: community)
    let feeds = FeedsController(store: store, maxBodyBytes: settings.httpMaxBodyBytes)
    feeds.addRoutes(to: community)
    // The public calendar URL: its secret token is the credential, so no sign-in in front of it.
    feeds.addPublicRoutes(to: router)
    routes.set(router.routes.map { (path: $0.path.description, method: $0.method.rawValue) })
    return router
}

/// The API's contract, `openapi.yaml` (kept in Sources/LinliAPI), served as it is.
enum OpenAPIDocument {
    static let text: String? = Bundle.module.url(forResource: "openapi", withExtension: "yaml")
        .flatMap { try? String(contentsOf: $0, encoding: .utf8) }

    static func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/openapi.yaml") { _, _ in
            guard let text else { throw Problem.internalError }
            return Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
