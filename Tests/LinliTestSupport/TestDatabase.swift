import Foundation
import LinliDatabase
import LinliSettings
import LinliStorage
import Logging

/// Gives each test a database of its own, cloned from a migrated template (a cheap file copy
/// on the server), on the throwaway PostgreSQL that `deploy/test.sh` starts.
///
/// The server is reached through the standard `PG*` variables (PGHOST, PGPORT, PGUSER) that
/// the test script exports; every database name is set with `dbname=`.
public enum TestDatabase {
    /// A fixed care notes key for tests (never a real one), and its keyring.
    public static let careNotesKeys = [CareNotesKey(id: 1, bytes: Array(repeating: 7, count: 32))]
    public static let careNotes: CareNotesKeyring = {
        do { return try CareNotesKeyring(keys: careNotesKeys) } catch { fatalError("test care notes key: \(error)") }
    }()

    /// The repository root, found from this file's path.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let migrationsDirectory = repositoryRoot.appendingPathComponent("sql/migrations")

    public static let logger: Logger = {
        var logger = Logger(label: "linli.test")
        logger.logLevel = .warning
        return logger
    }()

    private static let manager = TemplateManager()

    /// Creates a fresh, migrated database, runs `body` with a pool on it, then drops it.
    public static func withDatabase<T>(
        poolSize: Int = 4, _ body: (ConnectionPool, ConnectionConfiguration) async throws -> T
    ) async throws -> T {
        let name = try await manager.createDatabase()
        let configuration = ConnectionConfiguration(connectionString: "dbname=\(name)", applicationName: "linli-test")
        let pool = ConnectionPool(
            configuration: configuration, options: .init(maximumConnections: poolSize, acquireTimeout: .seconds(20)),
            logger: logger)
        do {
            let value = try await body(pool, configuration)
            await pool.shutdown()
            try await manager.dropDatabase(name)
            return value
        } catch {
            await pool.shutdown()
            try? await manager.dropDatabase(name)
            throw error
        }
    }

    /// Creates an empty database (no migrations), for tests of the migrator itself.
    public static func withEmptyDatabase<T>(_ body: (ConnectionConfiguration) async throws -> T) async throws -> T {
        let name = try await manager.createDatabase(template: "template0")
        let configuration = ConnectionConfiguration(connectionString: "dbname=\(name)", applicationName: "linli-test")
        do {
            let value = try await body(configuration)
            try await manager.dropDatabase(name)
            return value
        } catch {
            try? await manager.dropDatabase(name)
            throw error
        }
    }

    /// A pool on the server's maintenance database, for tests that act as an administrator.
    public static func adminPool(size: Int = 2) -> ConnectionPool {
        ConnectionPool(
            configuration: ConnectionConfiguration(connectionString: "dbname=postgres", applicationName: "linli-test-admin"),
            options: .init(maximumConnections: size, acquireTimeout: .seconds(300)), logger: logger)
    }

    public static func loadMigrations() throws -> [Migration] {
        try Migrator.load(directory: migrationsDirectory)
    }
}

/// Serialises CREATE/DROP DATABASE: the server refuses to copy a template that another
/// session is using, and creating the template itself must happen once per test process.
actor TemplateManager {
    private var templateTask: Task<String, any Error>?
    private let admin = TestDatabase.adminPool(size: 3)

    /// The template's name; the first caller creates it and the others wait for that.
    func template() async throws -> String {
        if let templateTask { return try await templateTask.value }
        let task = Task { try await makeTemplate() }
        templateTask = task
        return try await task.value
    }

    private func makeTemplate() async throws -> String {
        let migrations = try TestDatabase.loadMigrations()
        let digest = migrations.map(\.checksum).joined().utf8.reduce(UInt64(1_469_598_103_934_665_603)) {
            ($0 ^ UInt64($1)) &* 1_099_511_628_211
        }
        let name = "linli_tmpl_\(String(digest, radix: 16))_\(ProcessInfo.processInfo.processIdentifier)"
        try await admin.execute("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
        try await admin.execute("CREATE DATABASE \(identifier: name)")
        let pool = ConnectionPool(
            configuration: ConnectionConfiguration(connectionString: "dbname=\(name)", applicationName: "linli-test-template"),
            options: .init(maximumConnections: 1), logger: TestDatabase.logger)
        do {
            try await Migrator(pool: pool, migrations: migrations, logger: TestDatabase.logger).migrate()
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
        return name
    }

    func createDatabase(template: String? = nil) async throws -> String {
        let source: String
        if let template { source = template } else { source = try await self.template() }
        let name = "linli_t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        // The template's last session may still be closing: retry briefly.
        var attempt = 0
        while true {
            do {
                try await admin.execute("CREATE DATABASE \(identifier: name) TEMPLATE \(identifier: source)")
                return name
            } catch let error as DatabaseError where error.sqlState == "55006" && attempt < 50 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    func dropDatabase(_ name: String) async throws {
        try await admin.execute("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
    }
}
