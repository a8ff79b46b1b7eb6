import ArgumentParser
import Foundation
import LinliAccounts
import LinliDatabase
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
            JobsCommand.self, RemindersCommand.self, UserCommand.self,
            EraseCommand.self, SolveCommand.self, BenchCommand.self,
        ]
    )
    public init() {}
}

/// The settings, logger and pool a command runs with.
struct CommandContext {
    let settings: LinliSettings
    let logger: Logger
    let pool: ConnectionPool

    static func make(poolSize: Int? = nil) async throws -> CommandContext {
        let settings = try await LinliSettings.load()
        LoggingSystem.bootstrapOnce()
        var logger = Logger(label: "linli.cli")
        logger.logLevel = settings.logLevel == .info ? .warning : settings.logLevel
        let pool = try settings.makePool(
            applicationName: "linli-cli", asApplication: false, maximumConnections: poolSize ?? 2, logger: logger)
        return CommandContext(settings: settings, logger: logger, pool: pool)
    }

    func migrator() throws -> Migrator {
        let directory = try Migrator.locateDirectory(configured: settings.migrationsDirectory)
        return Migrator(pool: pool, migrations: try Migrator.load(directory: directory), logger: logger)
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
        FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
        throw ExitCode.failure
    } catch let error as StorageError {
        FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
        throw ExitCode.failure
    } catch let error as AccountError {
        FileHandle.standardError.write(Data("error: \(error.zh)\nerror: \(error.en)\n".utf8))
        throw ExitCode.failure
    } catch let error as SettingsError {
        FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
        throw ExitCode.failure
    }
}
