import Foundation
import LinliDatabase
import LinliStorage
import LinliTestSupport
import Testing

@Suite("Migrations")
struct MigrationTests {
    func pool(_ configuration: ConnectionConfiguration) -> ConnectionPool {
        ConnectionPool(configuration: configuration, options: .init(maximumConnections: 2), logger: TestDatabase.logger)
    }

    @Test("applies every migration to an empty database, then a re-run is a no-op")
    func applyFromEmpty() async throws {
        let migrations = try TestDatabase.loadMigrations()
        #expect(migrations.count >= 2)
        try await TestDatabase.withEmptyDatabase { configuration in
            let pool = pool(configuration)
            let migrator = Migrator(pool: pool, migrations: migrations, logger: TestDatabase.logger)
            #expect(try await migrator.status().allSatisfy { $0.state == .pending })
            #expect(try await !migrator.isCurrent())
            let applied = try await migrator.migrate()
            #expect(applied.map(\.version) == migrations.map(\.version))
            #expect(try await migrator.isCurrent())
            let again = try await migrator.migrate()
            #expect(again.isEmpty)
            let tables: Int = try await pool.query(
                "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('communities','grids','users','volunteers','residents')"
            ).rows[0].decode("n")
            #expect(tables == 5)
            await pool.shutdown()
        }
    }

    @Test("two concurrent migrate runs apply each migration exactly once")
    func concurrentMigrate() async throws {
        let migrations = try TestDatabase.loadMigrations()
        try await TestDatabase.withEmptyDatabase { configuration in
            let pools = (0..<4).map { _ in pool(configuration) }
            let results = try await withThrowingTaskGroup(of: [Int].self) { group in
                for p in pools {
                    group.addTask {
                        try await Migrator(pool: p, migrations: migrations, logger: TestDatabase.logger).migrate().map(\.version)
                    }
                }
                return try await group.reduce(into: [[Int]]()) { $0.append($1) }
            }
            // Exactly one run applied everything; the others found nothing to do.
            #expect(results.filter { !$0.isEmpty } == [migrations.map(\.version)])
            let recorded: Int = try await pools[0].query("SELECT count(*) AS n FROM linli_schema_migrations").rows[0].decode("n")
            #expect(recorded == migrations.count)
            for p in pools { await p.shutdown() }
        }
    }

    @Test("a migration edited after it was applied is refused with a clear message")
    func editedMigrationRefused() async throws {
        let migrations = try TestDatabase.loadMigrations()
        try await TestDatabase.withEmptyDatabase { configuration in
            let pool = pool(configuration)
            try await Migrator(pool: pool, migrations: migrations, logger: TestDatabase.logger).migrate()
            var edited = migrations
            edited[0] = Migration(
                version: migrations[0].version, name: migrations[0].name, sql: migrations[0].sql + "\n-- edited\n")
            let migrator = Migrator(pool: pool, migrations: edited, logger: TestDatabase.logger)
            let error = await #expect(throws: MigrationError.self) { try await migrator.migrate() }
            #expect(error?.message.contains("changed after it was applied") == true)
            #expect(error?.message.contains(migrations[0].fileName) == true)
            #expect(try await migrator.status().first?.state == .changedAfterApplying)
            await pool.shutdown()
        }
    }

    @Test("a database migrated by a newer version is refused")
    func unknownMigrationRefused() async throws {
        let migrations = try TestDatabase.loadMigrations()
        try await TestDatabase.withEmptyDatabase { configuration in
            let pool = pool(configuration)
            let newer = migrations + [Migration(version: 9999, name: "future", sql: "CREATE TABLE future (id int)")]
            try await Migrator(pool: pool, migrations: newer, logger: TestDatabase.logger).migrate()
            let error = await #expect(throws: MigrationError.self) {
                try await Migrator(pool: pool, migrations: migrations, logger: TestDatabase.logger).migrate()
            }
            #expect(error?.message.contains("newer") == true)
            await pool.shutdown()
        }
    }

    @Test("a failing migration is rolled back whole and not recorded")
    func failingMigrationRollsBack() async throws {
        let migrations = try TestDatabase.loadMigrations()
        try await TestDatabase.withEmptyDatabase { configuration in
            let pool = pool(configuration)
            let broken =
                migrations + [
                    Migration(
                        version: 9000, name: "broken",
                        sql: "CREATE TABLE half_done (id int);\nALTER TABLE no_such_table ADD COLUMN x int;")
                ]
            let error = await #expect(throws: MigrationError.self) {
                try await Migrator(pool: pool, migrations: broken, logger: TestDatabase.logger).migrate()
            }
            #expect(error?.message.contains("9000_broken.sql") == true)
            let exists: Bool = try await pool.query("SELECT to_regclass('half_done') IS NOT NULL AS e").rows[0].decode("e")
            #expect(!exists)
            let recorded: [Int] = try await pool.query("SELECT version FROM linli_schema_migrations ORDER BY version").rows
                .map { try $0.decode("version") }
            #expect(recorded == migrations.map(\.version))
            await pool.shutdown()
        }
    }

    @Test("misnamed migration files are refused")
    func misnamedFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("linli-mig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("SELECT 1;".utf8).write(to: folder.appendingPathComponent("1_short.sql"))
        let error = #expect(throws: MigrationError.self) { try Migrator.load(directory: folder) }
        #expect(error?.message.contains("NNNN_name.sql") == true)
    }
}

@Suite("Demo data")
struct DemoDataTests {
    @Test("the demo community loads once, with grids, volunteers, a patrol team, residents and staff")
    func loadsOnce() async throws {
        try await TestDatabase.withDatabase { pool, _ in
            #expect(try await DemoData.load(pool: pool, migrationsDirectory: TestDatabase.migrationsDirectory))
            #expect(try await !DemoData.load(pool: pool, migrationsDirectory: TestDatabase.migrationsDirectory))
            let counts = try await pool.query(
                """
                SELECT (SELECT count(*) FROM communities) AS communities, (SELECT count(*) FROM grids) AS grids,
                       (SELECT count(*) FROM volunteers) AS volunteers, (SELECT count(*) FROM patrol_team_members) AS members,
                       (SELECT count(*) FROM patrol_team_members WHERE is_leader) AS leaders,
                       (SELECT count(*) FROM residents) AS residents, (SELECT count(*) FROM users) AS users,
                       (SELECT name FROM communities WHERE code = 'demo') AS name
                """
            ).rows[0]
            #expect(try counts.decode("communities", as: Int.self) == 1)
            #expect(try counts.decode("grids", as: Int.self) == 4)
            #expect(try counts.decode("volunteers", as: Int.self) == 48)
            #expect(try counts.decode("members", as: Int.self) == 8)
            #expect(try counts.decode("leaders", as: Int.self) == 1)
            #expect(try counts.decode("residents", as: Int.self) == 30)
            #expect(try counts.decode("users", as: Int.self) == 4)
            #expect(try counts.decode("name", as: String.self) == "幸福里社区")
        }
    }
}
