import ArgumentParser
import Foundation
import LinliDatabase
import LinliSettings
import LinliStorage

/// `linli backup FILE`: the whole database with pg_dump, in its custom format.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up the whole database to a file (pg_dump, custom format).",
        discussion: """
            Connects exactly as the service does (DATABASE_URL or the PG* variables); the password
            is handed to pg_dump in its environment, never on its command line. pg_dump is looked
            for in LINLI_PG_BINDIR, on PATH and in /usr/lib/postgresql/*/bin, and must be at least
            the server's version. The file is checked with pg_restore --list before it replaces
            FILE. Restore it with linli restore FILE.
            Example:
              linli backup /var/backups/linli/linli-$(date +%F).dump
            """)
    @Argument(help: "The backup file to write.") var file: String
    @Flag(help: "Replace FILE if it exists without asking.") var yes = false

    func run() async throws {
        try await reportingErrors {
            let destination = URL(fileURLWithPath: file)
            if FileManager.default.fileExists(atPath: destination.path) {
                try confirmDestructive("\(file) exists. Replace it with a new backup?", yes: yes)
            }
            let context = try await CommandContext.make()
            try await context.run { context in
                let server = try await DatabaseFacts.read(context.pool)
                guard server.hasMigrationsTable else {
                    throw BackupError(
                        code: .notLinli,
                        message:
                            "数据库 \(server.database) 不是 Linli 数据库（没有 linli_schema_migrations）/ database \(server.database) is not a Linli database (no linli_schema_migrations): run `linli migrate` first, or check DATABASE_URL"
                    )
                }
                let migrations = try await context.migrator().status()
                let pgDump = try PostgresClient.locate("pg_dump", serverMajor: server.major)
                let connection = try PostgresClient.connection(context.settings, applicationName: "linli-backup")
                let partial = destination.deletingLastPathComponent()
                    .appendingPathComponent(".\(destination.lastPathComponent).partial")
                try? FileManager.default.removeItem(at: partial)
                let dump = try await PostgresClient.run(
                    pgDump,
                    [
                        "--format=custom", "--no-password", "--enable-row-security", "--file=\(partial.path)",
                        "--dbname=\(connection.dbname)",
                    ], environment: connection.environment)
                guard dump.status == 0 else {
                    try? FileManager.default.removeItem(at: partial)
                    throw BackupError(
                        code: .toolFailed, message: "pg_dump 失败 / pg_dump failed (exit \(dump.status)): \(dump.errors)")
                }
                let listing = try await PostgresClient.list(partial, serverMajor: server.major)
                guard listing.status == 0, PostgresClient.isLinliBackup(listing.output) else {
                    try? FileManager.default.removeItem(at: partial)
                    throw BackupError(
                        code: .toolFailed,
                        message: "pg_dump 写出的文件无法读取 / the file pg_dump wrote cannot be read back: \(listing.errors)")
                }
                guard rename(partial.path, destination.path) == 0 else {
                    let reason = String(cString: strerror(errno))
                    try? FileManager.default.removeItem(at: partial)
                    throw BackupError(code: .toolFailed, message: "无法写入 / cannot write \(file): \(reason)")
                }
                let size = (try? FileManager.default.attributesOfItem(atPath: destination.path)[.size] as? Int) ?? 0
                let applied = migrations.filter { $0.state == .applied }.count
                print(
                    "✓ 备份完成 backup written: \(file) (\(PostgresClient.byteCount(size)); \(applied) migrations; PostgreSQL \(server.version); \(pgDump.path))"
                )
                print("  恢复 restore with: linli restore \(file)")
            }
        }
    }
}

/// `linli restore FILE`: a backup into the configured database, then the migrations check.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup made by linli backup into the configured database.",
        discussion: """
            Restores into an empty database (create one with createdb, or point DATABASE_URL at it).
            A database that already has tables is refused unless --clean is given, which replaces
            the objects of the backup after a confirmation (--yes when not on a terminal); stop
            linli-server and linli-worker first. The restore runs in one transaction: it happens
            completely or not at all. Afterwards the restored migrations are compared with those
            of this version of Linli, and the command says what to do if they differ (exit 1).
            Examples:
              createdb linli_restored && DATABASE_URL=postgresql:///linli_restored linli restore linli.dump
              linli restore linli.dump --clean --yes
            """)
    @Argument(help: "A backup file written by linli backup.") var file: String
    @Flag(help: "Replace what a non-empty database holds.") var clean = false
    @Flag(help: "Do not ask for confirmation.") var yes = false

    func run() async throws {
        try await reportingErrors {
            let source = URL(fileURLWithPath: file)
            guard FileManager.default.isReadableFile(atPath: source.path) else {
                throw BackupError(code: .notABackup, message: "无法读取 / cannot read \(file)")
            }
            let context = try await CommandContext.make()
            try await context.run { context in
                let server = try await DatabaseFacts.read(context.pool)
                let listing = try await PostgresClient.list(source, serverMajor: server.major)
                guard listing.status == 0 else {
                    throw BackupError(
                        code: .notABackup,
                        message: "\(file) 不是 linli backup 写出的备份 / is not a backup written by linli backup: \(listing.errors)")
                }
                guard PostgresClient.isLinliBackup(listing.output) else {
                    throw BackupError(
                        code: .notABackup,
                        message:
                            "\(file) 不含 Linli 的数据（没有 linli_schema_migrations）/ holds no Linli database (no linli_schema_migrations)"
                    )
                }
                if server.tables > 0 {
                    guard clean else {
                        throw BackupError(
                            code: .notEmpty,
                            message:
                                "数据库 \(server.database) 已有 \(server.tables) 张表，未作任何更改 / database \(server.database) already has \(server.tables) tables; nothing was changed. Restore into an empty database, or add --clean to replace its contents"
                        )
                    }
                    guard server.serviceSessions == 0 else {
                        throw BackupError(
                            code: .notEmpty,
                            message:
                                "linli-server 或 linli-worker 仍连接着数据库 \(server.database) / linli-server or linli-worker is still connected to \(server.database) (\(server.serviceSessions) sessions): stop them first (deploy/up.sh stop)"
                        )
                    }
                    try confirmDestructive(
                        "Replace the contents of database \(server.database) (\(server.tables) tables) with the backup \(file)? This cannot be undone.",
                        yes: yes)
                }
                try await DatabaseFacts.ensureApplicationRole(context.pool)
                let pgRestore = try PostgresClient.locate("pg_restore", serverMajor: server.major)
                let connection = try PostgresClient.connection(context.settings, applicationName: "linli-restore")
                var arguments = [
                    "--no-owner", "--no-password", "--single-transaction", "--exit-on-error", "--enable-row-security",
                    "--dbname=\(connection.dbname)",
                ]
                if clean { arguments += ["--clean", "--if-exists"] }
                let restore = try await PostgresClient.run(
                    pgRestore, arguments + [source.path], environment: connection.environment)
                guard restore.status == 0 else {
                    throw BackupError(
                        code: .toolFailed,
                        message:
                            "pg_restore 失败，数据库未改变 / pg_restore failed and the database is unchanged (exit \(restore.status)): \(restore.errors)"
                    )
                }
                try await context.pool.execute("ANALYZE")
                let restored = try await DatabaseFacts.read(context.pool)
                print("✓ 已恢复 restored \(file) into \(restored.database) (\(restored.tables) tables)")
                try await Self.checkMigrations(context.migrator())
            }
        }
    }

    /// Prints whether the restored migrations are this binary's; throws exit 1 with the way out if not.
    static func checkMigrations(_ migrator: Migrator) async throws {
        let status = try await migrator.status()
        let pending = status.filter { $0.state == .pending }
        let unknown = status.filter { $0.state == .unknownToThisVersion }
        let changed = status.filter { $0.state == .changedAfterApplying }
        if pending.isEmpty, unknown.isEmpty, changed.isEmpty {
            print("✓ 迁移与本版本一致 migrations match this version of Linli (\(status.count))")
            return
        }
        func names(_ rows: [MigrationStatus]) -> String {
            rows.map { String(format: "%04d", $0.version) + " " + $0.name }.joined(separator: ", ")
        }
        if !unknown.isEmpty {
            print(
                "✗ 备份来自更新的 Linli 版本 the backup was made by a newer Linli (it has \(names(unknown))): run that version, or restore an older backup"
            )
        }
        if !changed.isEmpty {
            print(
                "✗ 这些迁移与本版本的文件不同 these migrations differ from this version's files: \(names(changed)) — run the Linli version that made the backup"
            )
        }
        if !pending.isEmpty, unknown.isEmpty, changed.isEmpty {
            print(
                "✗ 备份来自较旧的版本 the backup is from an older Linli: \(pending.count) migrations are pending (\(names(pending))) — run `linli migrate`"
            )
        }
        throw ExitCode.failure
    }
}

/// `linli completion bash|zsh|fish`: the shell completion script the argument parser generates.
struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print the shell completion script for bash, zsh or fish.",
        discussion: """
            Examples:
              linli completion bash > /etc/bash_completion.d/linli
              linli completion zsh > "${fpath[1]}/_linli"
              linli completion fish > ~/.config/fish/completions/linli.fish
            """)
    @Argument(help: "bash, zsh or fish.") var shell: String

    func validate() throws {
        guard CompletionShell(rawValue: shell) != nil else { throw ValidationError("the shell must be bash, zsh or fish") }
    }

    func run() throws {
        guard let shell = CompletionShell(rawValue: shell) else { return }
        print(LinliCommand.completionScript(for: shell))
    }
}

/// A backup or restore that cannot go on, with what to do.
struct BackupError: Error, CustomStringConvertible {
    enum Code {
        /// pg_dump or pg_restore is missing, too old, or failed.
        case toolMissing, toolFailed
        /// The file is not a backup of a Linli database.
        case notABackup, notLinli
        /// The target database has tables and --clean was not given (or the service is running).
        case notEmpty
    }
    let code: Code
    let message: String
    var description: String { message }
}

/// What backup and restore need to know about the database they talk to.
struct DatabaseFacts {
    let database: String
    let version: String
    let major: Int
    let tables: Int
    let hasMigrationsTable: Bool
    /// Sessions of linli-server and linli-worker on this database.
    let serviceSessions: Int

    static func read(_ pool: ConnectionPool) async throws -> DatabaseFacts {
        let row = try await pool.query(
            """
            SELECT current_database() AS database, current_setting('server_version') AS version,
                   current_setting('server_version_num')::int / 10000 AS major,
                   (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                      AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%')::int AS tables,
                   to_regclass('public.linli_schema_migrations') IS NOT NULL AS migrations,
                   (SELECT count(*) FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid()
                      AND (application_name LIKE 'linli-server%' OR application_name LIKE 'linli-worker%'))::int AS sessions
            """
        ).rows[0]
        return DatabaseFacts(
            database: try row.decode("database"), version: try row.decode("version"), major: try row.decode("major"),
            tables: try row.decode("tables"), hasMigrationsTable: try row.decode("migrations"),
            serviceSessions: try row.decode("sessions"))
    }

    /// The cluster-wide role the service's sessions switch to; a backup holds its grants but
    /// not the role itself (roles belong to the cluster, not the database).
    static func ensureApplicationRole(_ pool: ConnectionPool) async throws {
        let present: Bool = try await pool.query("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'linli_app') AS present")
            .rows[0].decode("present")
        guard !present else { return }
        do {
            try await pool.execute("CREATE ROLE linli_app NOLOGIN")
        } catch var error as DatabaseError {
            error.hint = "the role linli_app is needed by the restored grants: have a superuser run CREATE ROLE linli_app NOLOGIN"
            throw error
        }
    }
}

/// Finds and runs the PostgreSQL client programs.
enum PostgresClient {
    struct Outcome {
        let status: Int32
        let output: String
        let errors: String
    }

    /// The connection for pg_dump/pg_restore: the service's settings as the login role, seeing
    /// every community (row-level security is forced on the tables).
    static func connection(_ settings: LinliSettings, applicationName: String) throws -> ClientProgramConnection {
        try settings.connectionConfiguration(applicationName: applicationName, asApplication: false)
            .clientProgramConnection(options: "-c linli.all_communities=on")
    }

    /// `program` from LINLI_PG_BINDIR, PATH or /usr/lib/postgresql/*/bin (newest first), the first
    /// whose version is at least the server's.
    static func locate(_ program: String, serverMajor: Int) throws -> URL {
        let environment = ProcessInfo.processInfo.environment
        var folders: [String] = []
        if let configured = environment["LINLI_PG_BINDIR"], !configured.isEmpty { folders.append(configured) }
        folders += (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        folders += versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }.map { "/usr/lib/postgresql/\($0)/bin" }
        var tooOld: [String] = []
        for folder in folders {
            let candidate = URL(fileURLWithPath: folder).appendingPathComponent(program)
            guard FileManager.default.isExecutableFile(atPath: candidate.path) else { continue }
            guard let major = majorVersion(of: candidate) else { continue }
            if major >= serverMajor { return candidate }
            tooOld.append("\(candidate.path) (\(major))")
        }
        let found = tooOld.isEmpty ? "" : "; found only older ones: \(tooOld.joined(separator: ", "))"
        throw BackupError(
            code: .toolMissing,
            message:
                "找不到 \(program)（需要 PostgreSQL \(serverMajor) 或更新）/ no \(program) of PostgreSQL \(serverMajor) or newer on PATH or in /usr/lib/postgresql/*/bin\(found): install postgresql-client-\(serverMajor), or set LINLI_PG_BINDIR"
        )
    }

    /// 15 for "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)".
    static func majorVersion(of program: URL) -> Int? {
        let process = Process()
        process.executableURL = program
        process.arguments = ["--version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let range = text.range(of: ") ") else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }

    /// `pg_restore --list FILE`: the table of contents, or an error for a file that is no backup.
    static func list(_ file: URL, serverMajor: Int) async throws -> Outcome {
        try await run(locate("pg_restore", serverMajor: serverMajor), ["--list", file.path], environment: [:])
    }

    /// True when a backup's table of contents has Linli's migrations table with its rows.
    static func isLinliBackup(_ listing: String) -> Bool {
        listing.split(separator: "\n").contains { $0.contains("TABLE DATA public linli_schema_migrations ") }
    }

    /// Runs `program` to the end with its output in temporary files (no pipe can fill up), the
    /// extra variables added to this process's environment.
    static func run(_ program: URL, _ arguments: [String], environment extra: [String: String]) async throws -> Outcome {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("linli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outURL = folder.appendingPathComponent("out")
        let errURL = folder.appendingPathComponent("err")
        guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
            FileManager.default.createFile(atPath: errURL.path, contents: nil)
        else {
            throw BackupError(code: .toolFailed, message: "无法创建临时文件 / cannot create files in \(folder.path)")
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try? out.close()
        try? err.close()
        let output = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return Outcome(status: status, output: output, errors: errors.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// "12.3 MiB".
    static func byteCount(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
