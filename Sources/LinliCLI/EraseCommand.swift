import ArgumentParser
import Foundation
import LinliDomain
import LinliReminders
import LinliStorage

/// `linli erase resident ID`: PIPL erasure of an elderly resident's personal data.
struct EraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase", abstract: "Erase personal data on request (PIPL).", subcommands: [Resident.self])

    struct Resident: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a resident's personal data, keeping anonymous statistics.",
            discussion: """
                Removes the name, phone numbers, address, family contact and care notes; keeps sex,
                birth decade, grid and the history of visits as anonymous statistics; cancels the
                resident's open bookings and standing requests. The change is in the audit log
                (without the erased values). It cannot be undone.
                Example:
                  linli erase resident 0b7c…-uuid --community demo --yes
                """)
        @Argument(help: "The resident's id.") var id: String
        @Option(help: "The community's code.") var community: String
        @Flag(help: "Do not ask for confirmation.") var yes = false

        func validate() throws {
            guard UUID(uuidString: id) != nil else { throw ValidationError("'\(id)' is not a resident id (a UUID)") }
        }

        func run() async throws {
            try await reportingErrors {
                guard let residentID = ID<LinliDomain.Resident>(uuidString: id) else { return }
                try confirmDestructive("Erase the personal data of resident \(id)? This cannot be undone.", yes: yes)
                let context = try await CommandContext.make()
                try await context.run { context in
                    let store = Store(pool: context.pool)
                    let target = try await context.community(code: community)
                    let summary = try await store.transaction(.community(target.id)) { tx in
                        try await ReminderPlanner().eraseResident(residentID, on: tx)
                    }
                    print("erased the personal data of resident \(id); anonymous statistics are kept")
                    if summary.cancelledJobs > 0 || summary.cancellationNotices > 0 {
                        print(
                            "cancelled \(summary.cancelledJobs) pending reminder(s); "
                                + "\(summary.cancellationNotices) volunteer(s) will be told the visit is off")
                    }
                }
            }
        }
    }
}
