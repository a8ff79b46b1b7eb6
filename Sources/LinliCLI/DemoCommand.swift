import ArgumentParser
import Foundation
import LinliAccounts
import LinliDomain
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
            discussion: """
                With --passwords-file, each demo account (admin, coordinator, desk, patrol) that has no password \
                gets a random one, written as "login password" lines to FILE (readable by its owner only). \
                deploy/up.sh shows them once and deletes the file.

                Example:
                  linli migrate && linli demo load --passwords-file /tmp/demo-passwords
                """)

        @Option(
            help: ArgumentHelp("Give the demo accounts without a password a random one, written to this file.", valueName: "file")
        )
        var passwordsFile: String?

        func run() async throws {
            try await reportingErrors {
                let context = try await CommandContext.make()
                try await context.run { context in
                    let migrator = try context.migrator()
                    guard try await migrator.isCurrent() else {
                        throw MigrationError(message: "the database schema is not current: run `linli migrate` first")
                    }
                    let directory = try Migrator.locateDirectory(configured: context.settings.migrationsDirectory)
                    let careNotes = try CareNotesKeyring(settings: context.settings)
                    let loaded = try await DemoData.load(
                        pool: context.pool, migrationsDirectory: directory, careNotes: careNotes)
                    if let passwordsFile {
                        let count = try await Self.setPasswords(store: Store(pool: context.pool), file: passwordsFile)
                        print("\(count) demo account password(s) written to \(passwordsFile)")
                    }
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
                    if careNotes == nil {
                        print(
                            "未配置护理备注密钥，演示数据的护理备注未载入 / no care notes key is configured: "
                                + "the demo residents' care notes were left out (see `linli care-notes keygen`)")
                    }
                }
            }
        }

        static let demoLogins = ["admin", "coordinator", "desk", "patrol"]

        /// Gives each demo account without a password a random one (16 characters of base64url,
        /// 96 bits) and writes them to `file` (mode 0600); the number given.
        static func setPasswords(store: Store, file: String) async throws -> Int {
            let (users, withoutPassword) = try await store.transaction(.administrator()) { tx in
                (try await UserStore().users(on: tx), try await UserStore().usersWithoutPassword(on: tx))
            }
            var lines: [String] = []
            for user in users where demoLogins.contains(user.login) && withoutPassword.contains(user.id) {
                let password = String(try SessionToken.generate().value.prefix(16))
                try await Accounts(store: store).setPassword(login: user.login, to: Password(password))
                lines.append("\(user.login) \(password)")
            }
            guard
                FileManager.default.createFile(
                    atPath: file, contents: Data(lines.map { $0 + "\n" }.joined().utf8), attributes: [.posixPermissions: 0o600])
            else {
                throw ValidationError("cannot write \(file) / 无法写入 \(file)")
            }
            return lines.count
        }
    }
}
