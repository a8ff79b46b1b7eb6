import Foundation
import LinliDatabase
import LinliStorage
import LinliTestSupport
import Testing

/// Every table's row count and a digest of its rows, read as the superuser (no row-level security).
func fingerprints(_ pool: ConnectionPool) async throws -> [String: String] {
    let tables: [String] = try await pool.query(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    ).rows.map { try $0.decode("tablename") }
    var out: [String: String] = [:]
    for table in tables {
        out[table] = try await pool.query(
            """
            SELECT count(*)::text || ' ' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '-') AS digest
            FROM \(identifier: table) t
            """
        ).rows[0].decode("digest")
    }
    return out
}

/// Runs `body` with a pool on an empty database of its own.
func withEmptyTarget<T>(_ body: (ConnectionPool, ConnectionConfiguration) async throws -> T) async throws -> T {
    try await TestDatabase.withEmptyDatabase { configuration in
        let pool = ConnectionPool(
            configuration: configuration, options: .init(maximumConnections: 1), logger: TestDatabase.logger)
        do {
            let value = try await body(pool, configuration)
            await pool.shutdown()
            return value
        } catch {
            await pool.shutdown()
            throw error
        }
    }
}

@Suite("linli backup and restore")
struct BackupCommandTests {
    @Test("backup then restore into a fresh database gives identical rows and matching migrations")
    func roundTrip() async throws {
        try await TestDatabase.withDatabase { source, sourceConfiguration in
            try await DemoData.load(pool: source, migrationsDirectory: TestDatabase.migrationsDirectory)
            try await withFolder { folder in
                let file = folder.appendingPathComponent("linli.dump")
                let backup = try Linli(databaseURL: sourceConfiguration.connectionString).run(["backup", file.path])
                #expect(backup.status == 0, "\(backup.errors)")
                #expect(backup.output.contains("backup written"))
                #expect(FileManager.default.fileExists(atPath: file.path))
                let overwrite = try Linli(databaseURL: sourceConfiguration.connectionString).run(["backup", file.path])
                #expect(overwrite.status == 2 && overwrite.errors.contains("--yes"), "an existing file needs --yes")

                let expected = try await fingerprints(source)
                #expect(expected.count > 30 && expected["volunteers"]?.hasPrefix("48 ") == true)
                try await withEmptyTarget { target, targetConfiguration in
                    let linli = Linli(databaseURL: targetConfiguration.connectionString)
                    let restore = try linli.run(["restore", file.path])
                    #expect(restore.status == 0, "\(restore.output)\(restore.errors)")
                    #expect(restore.output.contains("migrations match this version of Linli"))
                    let restored = try await fingerprints(target)
                    #expect(restored == expected)
                    for (table, digest) in expected where restored[table] != digest {
                        Issue.record("\(table): \(digest) before, \(restored[table] ?? "missing") after")
                    }
                    // The restored database works for the service: sessions as linli_app see their community.
                    #expect(try linli.run(["doctor"]).output.contains("✓ migrations current"))

                    // A database with tables is not overwritten without --clean …
                    let refused = try linli.run(["restore", file.path])
                    #expect(refused.status == 1)
                    #expect(refused.errors.contains("already has") && refused.errors.contains("--clean"))
                    // … nor with --clean but without a confirmation …
                    let unconfirmed = try linli.run(["restore", file.path, "--clean"])
                    #expect(unconfirmed.status == 2 && unconfirmed.errors.contains("--yes"))
                    // … and with both it replaces the contents.
                    try await target.execute("DELETE FROM grid_travel_minutes")
                    let replaced = try linli.run(["restore", file.path, "--clean", "--yes"])
                    #expect(replaced.status == 0, "\(replaced.output)\(replaced.errors)")
                    #expect(try await fingerprints(target) == expected)
                }
            }
        }
    }

    @Test("a backup from a newer Linli is restored but reported, with exit status 1")
    func newerMigrations() async throws {
        try await TestDatabase.withDatabase { source, sourceConfiguration in
            try await source.execute(
                "INSERT INTO linli_schema_migrations (version, name, checksum) VALUES (9999, 'future', 'x')")
            try await withFolder { folder in
                let file = folder.appendingPathComponent("future.dump")
                let backup = try Linli(databaseURL: sourceConfiguration.connectionString).run(["backup", file.path])
                #expect(backup.status == 0, "\(backup.errors)")
                try await withEmptyTarget { _, targetConfiguration in
                    let restore = try Linli(databaseURL: targetConfiguration.connectionString).run(["restore", file.path])
                    #expect(restore.status == 1)
                    #expect(restore.output.contains("restored"))
                    #expect(restore.output.contains("newer Linli") && restore.output.contains("9999 future"))
                }
            }
        }
    }

    @Test("a file that is no backup is refused and nothing changes")
    func notABackup() async throws {
        try await withEmptyTarget { target, configuration in
            try await withFolder { folder in
                let file = folder.appendingPathComponent("notes.txt")
                try Data("not a dump".utf8).write(to: file)
                let restore = try Linli(databaseURL: configuration.connectionString).run(["restore", file.path])
                #expect(restore.status == 1 && restore.errors.contains("not a backup"))
                #expect(try await fingerprints(target).isEmpty)
            }
        }
    }
}
