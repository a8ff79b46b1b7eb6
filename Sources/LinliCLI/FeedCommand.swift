import ArgumentParser
import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage

/// `linli feed create|list|revoke`: the secret calendar URLs of volunteers and patrol teams.
struct FeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feed", abstract: "Calendar feeds (日历订阅): secret URLs phones subscribe to.",
        discussion: """
            A feed shows a volunteer's shifts, or a patrol team's patrols, of the published rosters
            from four weeks back to twelve ahead, at /feeds/TOKEN.ics on the server. The token is
            shown once, when the feed is created; only its SHA-256 is stored. Revoke a feed whose
            link went to the wrong person: its URL answers 404 from then on.
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    /// Runs `body` in a transaction of the community with this code.
    static func inCommunity<T>(_ code: String, _ body: (Community, Connection) async throws -> T) async throws -> T {
        let context = try await CommandContext.make()
        return try await context.run { context in
            let community = try await context.community(code: code)
            return try await Store(pool: context.pool).transaction(.community(community.id)) { tx in
                try await body(community, tx)
            }
        }
    }

    /// A feed as `--json` prints it.
    struct Listing: Encodable {
        var id: String
        var volunteerID: String?
        var teamID: String?
        var label: String?
        var createdAt: Date
        var lastUsedAt: Date?
        var revokedAt: Date?
        var path: String?
        var url: String?

        init(_ feed: CalendarFeed, path: String? = nil, url: String? = nil) {
            id = feed.id.description
            volunteerID = feed.subject.volunteerID?.description
            teamID = feed.subject.teamID?.description
            label = feed.label
            createdAt = feed.createdAt
            lastUsedAt = feed.lastUsedAt
            revokedAt = feed.revokedAt
            self.path = path
            self.url = url
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a feed for a volunteer or a patrol team and print its URL (shown only now).",
            discussion: """
                Examples:
                  linli feed create --community demo --volunteer 7d0c…-… --label 王丽的手机
                  linli feed create --community demo --team 幸福里三老巡逻队 --base-url https://linli.example.cn
                """)
        @Option(help: "The community's code.") var community: String
        @Option(help: "The volunteer's id.") var volunteer: String?
        @Option(help: "The patrol team's name or id.") var team: String?
        @Option(help: "A note saying whose phone it is for (at most 100 characters).") var label: String?
        @Option(help: "The server's address, to print a whole URL, e.g. https://linli.example.cn.") var baseURL: String?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard (volunteer == nil) != (team == nil) else { throw ValidationError("give one of --volunteer and --team") }
            if let volunteer, UUID(uuidString: volunteer) == nil {
                throw ValidationError("--volunteer must be a volunteer id (a UUID)")
            }
            if let label, label.unicodeScalars.count > 100 { throw ValidationError("--label is at most 100 characters") }
        }

        func run() async throws {
            try await reportingErrors {
                let (feed, token) = try await FeedCommand.inCommunity(community) { community, tx in
                    let subject: CalendarFeed.Subject
                    if let volunteer, let id = ID<Volunteer>(uuidString: volunteer) {
                        _ = try await VolunteerStore().volunteer(id, on: tx)
                        subject = .volunteer(id)
                    } else {
                        let teams = try await PatrolTeamStore().teams(on: tx)
                        guard let found = teams.first(where: { $0.name == team || $0.id.description == team?.lowercased() })
                        else {
                            throw ValidationError(
                                "no patrol team '\(team ?? "")' in \(community.code); teams: "
                                    + teams.map(\.name).joined(separator: ", "))
                        }
                        subject = .team(found.id)
                    }
                    return try await CalendarFeedStore().create(
                        community: community.id, subject: subject, label: label, on: tx)
                }
                let path = "/feeds/\(token.value).ics"
                let url = baseURL.map { ($0.hasSuffix("/") ? String($0.dropLast()) : $0) + path }
                if json { return try JobsCommand.printJSON(Listing(feed, path: path, url: url)) }
                print("created feed \(feed.id) — the URL is shown only now:")
                print(url ?? path)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a community's feeds, newest first (never their tokens).",
            discussion: "Columns: id, volunteer: or team: with the id, label, created, last used, revoked.")
        @Option(help: "The community's code.") var community: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                let feeds = try await FeedCommand.inCommunity(community) { community, tx in
                    try await CalendarFeedStore().feeds(community: community.id, on: tx)
                }
                if json { return try JobsCommand.printJSON(feeds.map { Listing($0) }) }
                if feeds.isEmpty { print("no calendar feeds in \(community)") }
                for feed in feeds {
                    let subject: String
                    switch feed.subject {
                    case .volunteer(let id): subject = "volunteer:\(id)"
                    case .team(let id): subject = "team:\(id)"
                    }
                    let used = feed.lastUsedAt.map { "used \($0.formatted(.iso8601))" } ?? "never used"
                    let state = feed.revokedAt.map { "revoked \($0.formatted(.iso8601))" } ?? "live"
                    print("\(feed.id)\t\(subject)\t\(feed.label ?? "")\t\(feed.createdAt.formatted(.iso8601))\t\(used)\t\(state)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a feed: its URL answers 404 from now on.",
            discussion: "Example: linli feed revoke 3f2a…-… --community demo")
        @Argument(help: "The feed's id (linli feed list shows them).") var id: String
        @Option(help: "The community's code.") var community: String

        func validate() throws {
            if UUID(uuidString: id) == nil { throw ValidationError("ID must be a feed id (a UUID)") }
        }

        func run() async throws {
            try await reportingErrors {
                guard let feedID = ID<CalendarFeed>(uuidString: id) else { return }
                _ = try await FeedCommand.inCommunity(community) { community, tx in
                    try await CalendarFeedStore().revoke(feedID, community: community.id, on: tx)
                }
                print("revoked feed \(feedID)")
            }
        }
    }
}
