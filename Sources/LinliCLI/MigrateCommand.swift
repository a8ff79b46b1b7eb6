import ArgumentParser
import Foundation
import LinliDatabase
import LinliStorage

/// `linli migrate [--status]`.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending schema migrations, or list them with --status.",
        discussion: """
            Each migration runs in its own transaction under an advisory lock, so two processes
            starting at once apply each one exactly once. A migration whose file changed after it
            was applied is refused.

            Examples:
              linli migrate
              linli migrate --status
              linli migrate --status --json
            """)

    @Flag(help: "List every migration and whether it is applied, without changing anything.")
    var status = false

    @Flag(help: "With --status: print JSON for scripts.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let context = try await CommandContext.make()
            try await context.run { context in
                let migrator = try context.migrator()
                if status {
                    let rows = try await migrator.status()
                    if json {
                        print(try MigrationStatusJSON.encode(rows))
                    } else {
                        for row in rows {
                            let mark = row.state == .applied ? "✓" : (row.state == .pending ? "·" : "✗")
                            let when = row.appliedAt.map { ISO8601DateFormatter().string(from: $0) } ?? "-"
                            print(
                                "\(mark) \(String(format: "%04d", row.version)) \(row.name.padding(toLength: 28, withPad: " ", startingAt: 0)) \(row.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(when)"
                            )
                        }
                    }
                    if rows.contains(where: { $0.state == .changedAfterApplying || $0.state == .unknownToThisVersion }) {
                        throw ExitCode.failure
                    }
                } else {
                    let applied = try await migrator.migrate()
                    if applied.isEmpty {
                        print("database is up to date (\(migrator.migrations.count) migrations)")
                    } else {
                        for migration in applied { print("applied \(migration.fileName)") }
                    }
                    // Migration 0019 cannot seal the care notes already stored (no key in SQL).
                    let status = try await Store(pool: context.pool).transaction(.administrator()) { tx in
                        try await CareNotesStore().status(on: tx)
                    }
                    if status.plaintext > 0 {
                        print(
                            "注意：\(status.plaintext) 条护理备注尚未加密，请执行 linli care-notes seal / "
                                + "note: \(status.plaintext) care note(s) are still plain text: run `linli care-notes seal`")
                    }
                }
            }
        }
    }
}

enum MigrationStatusJSON {
    struct Item: Encodable {
        let version: Int
        let name: String
        let state: String
        let appliedAt: Date?
    }
    static func encode(_ rows: [MigrationStatus]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let items = rows.map { Item(version: $0.version, name: $0.name, state: $0.state.rawValue, appliedAt: $0.appliedAt) }
        return String(decoding: try encoder.encode(items), as: UTF8.self)
    }
}
