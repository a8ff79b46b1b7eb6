import ArgumentParser
import Foundation
import LinliDomain
import LinliStorage

/// `linli community create|list`.
struct CommunityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "community", abstract: "Communities (社区).", subcommands: [Create.self, List.self])

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
}
