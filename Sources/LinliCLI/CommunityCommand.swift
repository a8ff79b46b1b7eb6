import ArgumentParser
import Foundation
import LinliDomain
import LinliStorage

/// `linli community create|list|messaging`.
struct CommunityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "community", abstract: "Communities (社区).", subcommands: [Create.self, List.self, Messaging.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a community.",
            discussion:
                "Example:\n  linli community create --code xingfuli --name 幸福里社区 --sub-district 和平街道 --phone '010-6401 2345'")
        @Option(help: "Short code: lower-case letters, digits and dashes (used in URLs and commands).") var code: String
        @Option(help: "The community's name, e.g. 幸福里社区.") var name: String
        @Option(help: "The sub-district (街道) it belongs to; created if new.") var subDistrict: String?
        @Option(help: "The community's phone number, printed on visit slips.") var phone: String?

        func validate() throws {
            guard code.range(of: "^[a-z0-9][a-z0-9-]{1,39}$", options: .regularExpression) != nil else {
                throw ValidationError("--code must be 2–40 lower-case letters, digits or dashes, starting with a letter or digit")
            }
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--name must not be empty") }
        }

        func run() async throws {
            try await reportingErrors {
                let context = try await CommandContext.make()
                try await context.run { context in
                    let store = Store(pool: context.pool)
                    let community = try await store.transaction(.administrator()) { tx in
                        var subDistrictID: ID<SubDistrict>?
                        if let subDistrict {
                            subDistrictID = try await OrganisationStore().ensureSubDistrict(named: subDistrict, on: tx)
                        }
                        let community = Community(subDistrictID: subDistrictID, code: code, name: name, phone: phone)
                        try await OrganisationStore().createCommunity(community, on: tx)
                        return community
                    }
                    print("created community \(community.name) (code \(community.code), id \(community.id))")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List communities.")
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            try await reportingErrors {
                let context = try await CommandContext.make()
                let communities = try await context.run { context in
                    try await Store(pool: context.pool).transaction(.administrator()) { tx in
                        try await OrganisationStore().communities(on: tx)
                    }
                }
                if json { return try JobsCommand.printJSON(communities) }
                for c in communities { print("\(c.code)\t\(c.name)\t\(c.phone ?? "")\t\(c.isActive ? "active" : "inactive")") }
            }
        }
    }

    struct Messaging: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or change a community's quiet hours and daily message cap.",
            discussion: """
                No reminder reaches a person inside quiet hours (local time; may wrap midnight), and
                no one gets more than the daily cap of reminders. Without options, prints the rules.
                Example:
                  linli community messaging xingfuli --quiet-hours 21:30-07:00 --daily-cap 4
                """)
        @Argument(help: "The community's code.") var code: String
        @Option(help: "Quiet hours as HH:MM-HH:MM in the community's local time, e.g. 21:00-07:30.")
        var quietHours: String?
        @Option(help: "Most reminders one person gets in a day (1–100).") var dailyCap: Int?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if let quietHours, Self.parse(quietHours) == nil {
                throw ValidationError(
                    "--quiet-hours must be two times HH:MM-HH:MM, e.g. 21:00-07:30 (got '\(quietHours)')")
            }
            if let dailyCap, !(1...100).contains(dailyCap) {
                throw ValidationError("--daily-cap must be between 1 and 100 (got \(dailyCap))")
            }
        }

        static func parse(_ text: String) -> (Int, Int)? {
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, let start = MessagingRules.minute(clock: String(parts[0])),
                let end = MessagingRules.minute(clock: String(parts[1])), start != end
            else { return nil }
            return (start, end)
        }

        func run() async throws {
            try await reportingErrors {
                let context = try await CommandContext.make()
                let rules = try await context.run { context in
                    let target = try await context.community(code: code)
                    return try await Store(pool: context.pool).transaction(.community(target.id)) { tx in
                        let organisation = OrganisationStore()
                        var rules = try await organisation.messagingRules(target.id, on: tx)
                        guard quietHours != nil || dailyCap != nil else { return rules }
                        if let quietHours, let (start, end) = Self.parse(quietHours) {
                            rules.quietStartMinute = start
                            rules.quietEndMinute = end
                        }
                        if let dailyCap { rules.dailyMessageCap = dailyCap }
                        try await organisation.setMessagingRules(rules, community: target.id, on: tx)
                        return rules
                    }
                }
                if json { return try JobsCommand.printJSON(rules) }
                print(
                    "quiet hours \(MessagingRules.clock(rules.quietStartMinute))–\(MessagingRules.clock(rules.quietEndMinute)), "
                        + "at most \(rules.dailyMessageCap) reminders per person per day")
            }
        }
    }
}
