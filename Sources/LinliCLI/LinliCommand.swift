import ArgumentParser
import Foundation
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliExport
import LinliSettings
import LinliStorage
import Logging

/// `linli`: the administrator's command line. One program, with subcommands.
public struct LinliCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "linli",
        abstract: "邻里 Linli — community scheduling: administration from the command line.",
        discussion: """
            Connection settings are read exactly as the service reads them: DATABASE_URL (a libpq
            URI or key=value string) or the PG* variables, and LINLI_* settings (see deploy/env.example).
            Exit codes: 0 success, 1 failure, 2 usage error.
            """,
        version: LinliVersion.current,
        subcommands: [
            MigrateCommand.self, DoctorCommand.self, CommunityCommand.self, DemoCommand.self, ImportCommand.self,
            JobsCommand.self, RemindersCommand.self, RosterCommand.self, UserCommand.self,
            EraseCommand.self, ExportCommand.self, FeedCommand.self, BackupCommand.self, RestoreCommand.self, SolveCommand.self,
            BenchCommand.self, CompletionCommand.self, CareNotesCommand.self,
        ]
    )
    public init() {}
}

/// The settings, logger and pool a command runs with.
struct CommandContext {
    let settings: LinliSettings
    let logger: Logger
    let pool: ConnectionPool

    /// `asApplication`: sessions run as the application role, under row-level security.
    static func make(poolSize: Int? = nil, asApplication: Bool = false) async throws -> CommandContext {
        let settings = try await LinliSettings.load()
        LoggingSystem.bootstrapOnce()
        var logger = Logger(label: "linli.cli")
        logger.logLevel = settings.logLevel == .info ? .warning : settings.logLevel
        let pool = try settings.makePool(
            applicationName: "linli-cli", asApplication: asApplication, maximumConnections: poolSize ?? 2, logger: logger)
        return CommandContext(settings: settings, logger: logger, pool: pool)
    }

    func migrator() throws -> Migrator {
        let directory = try Migrator.locateDirectory(configured: settings.migrationsDirectory)
        return Migrator(pool: pool, migrations: try Migrator.load(directory: directory), logger: logger)
    }

    /// The community with this code, or a usage error naming it.
    func community(code: String) async throws -> Community {
        let found = try await Store(pool: pool).transaction(.administrator()) { tx in
            try await OrganisationStore().community(code: code, on: tx)
        }
        guard let found else {
            throw ValidationError("没有代码为「\(code)」的社区 / no community with code '\(code)' (linli community list shows them)")
        }
        return found
    }

    /// Runs `body` and closes the pool whether it succeeds or not.
    func run<T>(_ body: (CommandContext) async throws -> T) async throws -> T {
        do {
            let value = try await body(self)
            await pool.shutdown()
            return value
        } catch {
            await pool.shutdown()
            throw error
        }
    }
}

extension LoggingSystem {
    private static let once: Void = {
        LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
    }()
    /// Logs go to standard error, so command output on standard output stays clean.
    static func bootstrapOnce() { _ = once }
}

/// Turns errors into one clear line on standard error and exit status 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as DatabaseError {
        var line = "error: \(error.message)"
        if let hint = error.hint { line += "\nhint: \(hint)" }
        if error.sqlState == SQLState.invalidCatalogName {
            line += "\nhint: create the database first, or set DATABASE_URL to an existing one, then run `linli migrate`"
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
        throw ExitCode.failure
    } catch let error as MigrationError {
        throw failure(error.message)
    } catch let error as StorageError {
        throw failure(error.message)
    } catch let error as BackupError {
        throw failure(error.message)
    } catch let error as ExportError {
        throw failure("\(error.zh)\nerror: \(error.en)")
    } catch let error as AccountError {
        throw failure("\(error.zh)\nerror: \(error.en)")
    } catch let error as SettingsError {
        throw failure(error.description)
    }
}

/// Writes "error: …" to standard error; the exit status to throw.
private func failure(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    return ExitCode.failure
}
