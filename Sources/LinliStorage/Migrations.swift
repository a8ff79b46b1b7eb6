import Crypto
import Foundation
import LinliDatabase
import Logging

/// One schema change from `sql/migrations/NNNN_name.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    /// SHA-256 of the file's bytes, hex: an applied migration must never change.
    public let checksum: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public var fileName: String { String(format: "%04d_%@.sql", version, name) }
}

/// What went wrong with migrations, and what to do about it.
public struct MigrationError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// The state of one migration in one database.
public struct MigrationStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        case applied, pending, changedAfterApplying = "changed", unknownToThisVersion = "unknown"
    }
    public let version: Int
    public let name: String
    public let state: State
    public let appliedAt: Date?
}

/// Applies the forward-only migrations in order, each in its own transaction, recorded with
/// its checksum in `linli_schema_migrations`, under an advisory lock so that two processes
/// starting at once never both apply one.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    let pool: ConnectionPool
    let logger: Logger
    /// Advisory lock key: the bytes of "linlimig" as a big-endian integer.
    static let lockKey: Int64 = 0x6C69_6E6C_696D_6967

    public init(pool: ConnectionPool, migrations: [Migration], logger: Logger) {
        self.pool = pool
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Reads `NNNN_name.sql` files from `directory`; refuses misnamed or duplicate versions.
    public static func load(directory: URL) throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MigrationError(message: "cannot read the migrations folder \(directory.path): \(error.localizedDescription)")
        }
        var byVersion: [Int: Migration] = [:]
        for file in names.sorted() where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]), version > 0,
                stem[..<underscore].count == 4
            else {
                throw MigrationError(
                    message: "migration file '\(file)' must be named NNNN_name.sql (for example 0003_bookings.sql)")
            }
            let name = String(stem[stem.index(after: underscore)...])
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(file).path),
                let sql = String(data: data, encoding: .utf8)
            else {
                throw MigrationError(message: "cannot read migration file '\(file)' as UTF-8 text")
            }
            if let other = byVersion[version] {
                throw MigrationError(message: "migrations '\(other.fileName)' and '\(file)' share version \(version)")
            }
            byVersion[version] = Migration(version: version, name: name, sql: sql)
        }
        return byVersion.values.sorted { $0.version < $1.version }
    }

    /// Finds `sql/migrations`: the given folder, else next to the program (installed as
    /// `<prefix>/bin/linli` with `<prefix>/share/linli/sql/migrations`), else in the checkout
    /// the program was built in or the current folder or its parents.
    public static func locateDirectory(configured: String?) throws -> URL {
        if let configured {
            let url = URL(fileURLWithPath: configured)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw MigrationError(message: "LINLI_MIGRATIONS_DIR points to \(configured), which does not exist")
            }
            return url
        }
        var candidates: [URL] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        candidates.append(folder.deletingLastPathComponent().appendingPathComponent("share/linli/sql/migrations"))
        for _ in 0..<6 {
            candidates.append(folder.appendingPathComponent("sql/migrations"))
            folder = folder.deletingLastPathComponent()
        }
        folder = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        for _ in 0..<6 {
            candidates.append(folder.appendingPathComponent("sql/migrations"))
            folder = folder.deletingLastPathComponent()
        }
        var isDirectory: ObjCBool = false
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return candidate.standardizedFileURL }
        }
        throw MigrationError(
            message:
                "cannot find the sql/migrations folder; set LINLI_MIGRATIONS_DIR to it (looked in: \(candidates.prefix(3).map(\.path).joined(separator: ", ")) …)"
        )
    }

    /// Applies every pending migration; returns those it applied (empty when current).
    @discardableResult
    public func migrate() async throws -> [Migration] {
        try await pool.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(Self.lockKey))")
            do {
                let applied = try await apply(on: connection)
                try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))")
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))")
                throw error
            }
        }
    }

    private func apply(on connection: Connection) async throws -> [Migration] {
        // The bookkeeping table is the one piece of schema that cannot live in a migration.
        try await connection.executeScript(
            """
            CREATE TABLE IF NOT EXISTS linli_schema_migrations (
                version     integer PRIMARY KEY,
                name        text NOT NULL,
                checksum    text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """)
        let recorded = try await appliedRecords(connection)
        try checkApplied(recorded)
        var done: [Migration] = []
        for migration in migrations where recorded[migration.version] == nil {
            logger.info("applying migration", metadata: ["migration": "\(migration.fileName)"])
            do {
                try await connection.transaction { tx in
                    // Row-level security is forced on domain tables: a migration that moves
                    // data must see every community's rows.
                    try await tx.query("SELECT set_config('linli.all_communities', 'on', true)")
                    try await tx.executeScript(SQLQuery(unsafeSQL: migration.sql))
                    try await tx.query(
                        """
                        INSERT INTO linli_schema_migrations (version, name, checksum)
                        VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                        """)
                }
            } catch let error as DatabaseError {
                throw MigrationError(
                    message: "migration \(migration.fileName) failed and was rolled back: \(error.message)"
                        + (error.detail.map { " (\($0))" } ?? "") + (error.sqlState.map { " [SQLSTATE \($0)]" } ?? ""))
            }
            done.append(migration)
        }
        return done
    }

    private struct Record {
        let name: String
        let checksum: String
        let appliedAt: Date
    }

    private func appliedRecords(_ connection: Connection) async throws -> [Int: Record] {
        let result = try await connection.query("SELECT version, name, checksum, applied_at FROM linli_schema_migrations")
        var records: [Int: Record] = [:]
        for row in result.rows {
            records[try row.decode("version")] = Record(
                name: try row.decode("name"), checksum: try row.decode("checksum"), appliedAt: try row.decode("applied_at"))
        }
        return records
    }

    private func checkApplied(_ recorded: [Int: Record]) throws {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for (version, record) in recorded.sorted(by: { $0.key < $1.key }) {
            guard let migration = known[version] else {
                throw MigrationError(
                    message: "the database has migration \(version) (\(record.name)), which this version of Linli does not know: "
                        + "it was migrated by a newer Linli; run that version, or restore a backup made before it")
            }
            if migration.checksum != record.checksum {
                throw MigrationError(
                    message: "migration \(migration.fileName) was changed after it was applied "
                        + "(checksum \(record.checksum.prefix(12))… in the database, \(migration.checksum.prefix(12))… on disk). "
                        + "Applied migrations must never change: restore the file as it was and put the change in a new migration"
                )
            }
        }
    }

    /// Every known or recorded migration with its state, for `linli migrate --status`.
    public func status() async throws -> [MigrationStatus] {
        try await pool.withConnection { connection in
            let exists: Bool = try await connection.query(
                "SELECT to_regclass('linli_schema_migrations') IS NOT NULL AS present"
            ).rows[0].decode("present")
            let recorded = exists ? try await appliedRecords(connection) : [:]
            var out: [MigrationStatus] = migrations.map { migration in
                guard let record = recorded[migration.version] else {
                    return MigrationStatus(version: migration.version, name: migration.name, state: .pending, appliedAt: nil)
                }
                return MigrationStatus(
                    version: migration.version, name: migration.name,
                    state: record.checksum == migration.checksum ? .applied : .changedAfterApplying, appliedAt: record.appliedAt)
            }
            let known = Set(migrations.map(\.version))
            for (version, record) in recorded where !known.contains(version) {
                out.append(
                    MigrationStatus(
                        version: version, name: record.name, state: .unknownToThisVersion, appliedAt: record.appliedAt))
            }
            return out.sorted { $0.version < $1.version }
        }
    }

    /// True when every migration is applied unchanged and none is unknown.
    public func isCurrent() async throws -> Bool {
        try await status().allSatisfy { $0.state == .applied }
    }
}
