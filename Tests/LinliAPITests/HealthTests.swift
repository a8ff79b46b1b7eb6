import Foundation
import Hummingbird
import HummingbirdTesting
import LinliAPI
import LinliDatabase
import LinliSettings
import LinliStorage
import LinliTestSupport
import Logging
import Prometheus
import Testing

@Suite("Service start-up and health")
struct HealthTests {
    /// The service on `databaseURL`, reached through its router.
    static func withRouter(
        databaseURL: String, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let settings = LinliSettings(databaseURL: databaseURL, httpPort: 0)
        let dependencies = try APIDependencies.live(
            settings: settings, metrics: PrometheusCollectorRegistry(), logger: TestDatabase.logger)
        let app = buildApplication(settings: settings, dependencies: dependencies, logger: TestDatabase.logger)
        try await app.test(.router, body)
    }

    /// The start-up path of README command 1: migrate, load the demo, build the service,
    /// serve on a real socket, and answer 200 on /readyz.
    @Test("after migrate and demo load, the live service answers /readyz with 200")
    func readyAfterStartup() async throws {
        try await TestDatabase.withEmptyDatabase { configuration in
            let settings = LinliSettings(databaseURL: configuration.connectionString, httpPort: 0)
            let dependencies = try APIDependencies.live(
                settings: settings, metrics: PrometheusCollectorRegistry(), logger: TestDatabase.logger)
            // As `linli migrate` and `linli demo load` do: as the login role, not the application role.
            let admin = try settings.makePool(
                applicationName: "linli-test-migrate", asApplication: false, logger: TestDatabase.logger)
            try await Migrator(pool: admin, migrations: dependencies.migrator.migrations, logger: TestDatabase.logger).migrate()
            try await DemoData.load(pool: admin, migrationsDirectory: TestDatabase.migrationsDirectory)
            await admin.shutdown()
            let app = buildApplication(settings: settings, dependencies: dependencies, logger: TestDatabase.logger)
            try await app.test(.live) { client in
                try await client.execute(uri: "/readyz", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains("\"status\":\"ready\""))
                }
                try await client.execute(uri: "/healthz", method: .get) { response in #expect(response.status == .ok) }
                try await client.execute(uri: "/version", method: .get) { response in
                    #expect(String(buffer: response.body).contains(LinliVersion.current))
                }
                try await client.execute(uri: "/", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains("邻里"))
                }
            }
        }
    }

    @Test("/readyz is 503 and says what to run while migrations are pending")
    func notReadyWithPendingMigrations() async throws {
        try await TestDatabase.withEmptyDatabase { configuration in
            try await Self.withRouter(databaseURL: configuration.connectionString) { client in
                try await client.execute(uri: "/readyz", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(String(buffer: response.body).contains("linli migrate"))
                }
            }
        }
    }

    @Test("/readyz stays 200 when a newer version has migrated (a rolling upgrade), and names its migrations")
    func readyWithNewerMigrations() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            try await pool.execute(
                "INSERT INTO linli_schema_migrations (version, name, checksum) VALUES (9999, 'future_addition', 'x')")
            try await Self.withRouter(databaseURL: configuration.connectionString) { client in
                try await client.execute(uri: "/readyz", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains("9999 future_addition"))
                }
                try await client.execute(uri: "/api/v1/communities/demo/volunteers", method: .get) { response in
                    #expect(response.status == .unauthorized, "the old version still serves its routes")
                }
            }
        }
    }

    @Test("/readyz is 503 when the database cannot be reached, and the process stays up")
    func notReadyWithoutDatabase() async throws {
        try await Self.withRouter(databaseURL: "postgresql://linli@127.0.0.1:1/linli?connect_timeout=2") { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("unreachable"))
            }
            try await client.execute(uri: "/healthz", method: .get) { response in #expect(response.status == .ok) }
        }
    }

    @Test("/metrics serves the Prometheus text format")
    func metrics() async throws {
        try await TestDatabase.withDatabase { _, configuration in
            let registry = PrometheusCollectorRegistry()
            registry.makeCounter(
                descriptor: .init(namespace: "linli", metricName: "test", unitName: "total", helpText: "test counter")
            ).increment()
            let settings = LinliSettings(databaseURL: configuration.connectionString, httpPort: 0)
            let dependencies = try APIDependencies.live(settings: settings, metrics: registry, logger: TestDatabase.logger)
            let app = buildApplication(settings: settings, dependencies: dependencies, logger: TestDatabase.logger)
            try await app.test(.router) { client in
                try await client.execute(uri: "/metrics", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                    #expect(String(buffer: response.body).contains("linli_test_total 1"))
                }
            }
        }
    }
}

@Suite("Settings")
struct SettingsTests {
    @Test("defaults are safe for one machine")
    func defaults() async throws {
        let settings = try await LinliSettings.load(environment: [:])
        #expect(settings.httpHost == "127.0.0.1")
        #expect(settings.httpPort == 8080)
        #expect(settings.databaseURL == nil)
        #expect(settings.timeZone == "Asia/Shanghai")
        #expect(settings.cookieSecure == false)
    }

    @Test("environment variables override defaults")
    func overrides() async throws {
        let settings = try await LinliSettings.load(environment: [
            "DATABASE_URL": "postgresql:///linli", "LINLI_HTTP_PORT": "9090", "LINLI_DATABASE_POOL_SIZE": "4",
            "LINLI_LOG_LEVEL": "DEBUG", "LINLI_COOKIE_SECURE": "true",
        ])
        #expect(settings.cookieSecure)
        #expect(settings.databaseURL == "postgresql:///linli")
        #expect(settings.httpPort == 9090)
        #expect(settings.databasePoolSize == 4)
        #expect(settings.logLevel == .debug)
    }

    @Test("a bad value names its variable and what is allowed")
    func badValues() async throws {
        let port = await #expect(throws: SettingsError.self) {
            try await LinliSettings.load(environment: ["LINLI_HTTP_PORT": "eighty"])
        }
        #expect(port?.variable == "LINLI_HTTP_PORT")
        #expect(port?.description.contains("0 to 65535") == true)
        let zone = await #expect(throws: SettingsError.self) {
            try await LinliSettings.load(environment: ["LINLI_TIME_ZONE": "Mars/Olympus"])
        }
        #expect(zone?.variable == "LINLI_TIME_ZONE")
        let level = await #expect(throws: SettingsError.self) {
            try await LinliSettings.load(environment: ["LINLI_LOG_LEVEL": "loud"])
        }
        #expect(level?.variable == "LINLI_LOG_LEVEL")
        let secure = await #expect(throws: SettingsError.self) {
            try await LinliSettings.load(environment: ["LINLI_COOKIE_SECURE": "maybe"])
        }
        #expect(secure?.variable == "LINLI_COOKIE_SECURE")
    }

    @Test("an environment file is read, and real variables win over it")
    func environmentFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("linli-\(UUID().uuidString).env")
        try Data("LINLI_HTTP_PORT=7001\nLINLI_DATABASE_POOL_SIZE=3\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let settings = try await LinliSettings.load(environment: ["LINLI_ENV_FILE": file.path, "LINLI_HTTP_PORT": "7002"])
        #expect(settings.httpPort == 7002)
        #expect(settings.databasePoolSize == 3)
        let missing = await #expect(throws: SettingsError.self) {
            try await LinliSettings.load(environment: ["LINLI_ENV_FILE": "/nonexistent/linli.env"])
        }
        #expect(missing?.variable == "LINLI_ENV_FILE")
    }
}
