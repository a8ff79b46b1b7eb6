import ArgumentParser
import LinliReminders
import LinliSettings
import LinliStorage

/// `linli demo load`.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "The demo community.", subcommands: [Load.self])

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load the demo community 幸福里社区 (skipped if it is there already).",
            discussion: "Example:\n  linli migrate && linli demo load")

        func run() async throws {
            try await reportingErrors {
                let context = try await CommandContext.make()
                try await context.run { context in
                    let migrator = try context.migrator()
                    guard try await migrator.isCurrent() else {
                        throw MigrationError(message: "the database schema is not current: run `linli migrate` first")
                    }
                    let directory = try Migrator.locateDirectory(configured: context.settings.migrationsDirectory)
                    let loaded = try await DemoData.load(pool: context.pool, migrationsDirectory: directory)
                    guard loaded else { return print("the demo community is already loaded") }
                    // Its published rosters were written by SQL: plan their reminders as publishing does.
                    let planned = try await Store(pool: context.pool).transaction(.administrator()) { tx in
                        var total = 0
                        for roster in try await RosterStore().publishedRosters(communityCode: "demo", on: tx) {
                            total += try await ReminderPlanner().planRoster(roster, on: tx).reminders
                        }
                        return total
                    }
                    print("loaded the demo community 幸福里社区 (code: demo); \(planned) reminders planned")
                }
            }
        }
    }
}
