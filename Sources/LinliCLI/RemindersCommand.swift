import ArgumentParser
import Foundation
import LinliChannels
import LinliDomain
import LinliReminders
import LinliSettings
import LinliStorage

/// `linli reminders preview|outbox|calls`.
struct RemindersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reminders", abstract: "See what reminders will go out, what went out, and the desk's call list.",
        subcommands: [Plan.self, Preview.self, OutboxList.self, Calls.self])

    struct CommunityOptions: ParsableArguments {
        @Option(help: "The community's code (see linli community list).") var community: String
    }

    /// A community, a day in its time zone, and the output format.
    struct DayOptions: ParsableArguments {
        @OptionGroup var options: CommunityOptions
        @Option(help: "The day, YYYY-MM-DD (the community's time zone).") var date: String
        @Flag(help: "Print JSON.") var json = false

        /// Runs `body` with the community's store, id, the day and the time zone.
        func run(_ body: (CommandContext, Store, ID<Community>, LocalDate, TimeZone) async throws -> Void) async throws {
            try await reportingErrors {
                let day = try RemindersCommand.parseDay(date)
                try await RemindersCommand.withCommunity(options.community) { context, store, community in
                    try await body(context, store, community, day, TimeZone(identifier: context.settings.timeZone) ?? .shanghai)
                }
            }
        }
    }

    /// Runs `body` with the community's id, or fails saying which codes exist.
    static func withCommunity<T>(
        _ code: String, _ body: (CommandContext, Store, ID<Community>) async throws -> T
    ) async throws -> T {
        let context = try await CommandContext.make()
        return try await context.run { context in
            let community = try await context.community(code: code)
            return try await body(context, Store(pool: context.pool), community.id)
        }
    }

    static func parseDay(_ text: String) throws -> LocalDate {
        guard let day = LocalDate(iso: text) else {
            throw ValidationError("'\(text)' is not a date; write it as YYYY-MM-DD, e.g. 2026-11-24")
        }
        return day
    }

    static func time(_ date: Date, _ zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plan the reminders of the community's published rosters (after a restore or an import by SQL).",
            discussion: """
                Publishing plans reminders by itself; this is for rosters that became published another
                way. Reminders already planned are not planned twice.
                Example:
                  linli reminders plan --community demo
                """)
        @OptionGroup var options: CommunityOptions

        func run() async throws {
            try await reportingErrors {
                try await RemindersCommand.withCommunity(options.community) { _, store, community in
                    let planned = try await store.transaction(.community(community)) { tx in
                        var summary = PlanSummary()
                        for roster in try await RosterStore().publishedRosters(communityCode: options.community, on: tx) {
                            summary.reminders += try await ReminderPlanner().planRoster(roster, on: tx).reminders
                        }
                        return summary.reminders
                    }
                    print("已安排 \(planned) 条提醒 / \(planned) reminders planned")
                }
            }
        }
    }

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What reminders and notices would go out on a day: when, to whom, through which channel.",
            discussion: """
                Judged from today's data, as if each ran at its time; nothing is sent or written.
                Examples:
                  linli reminders preview --community demo --date 2026-11-24
                  linli reminders preview --community demo --date 2026-11-24 --json
                """)
        @OptionGroup var day: DayOptions

        func run() async throws {
            try await day.run { context, store, community, day, zone in
                // Preview only asks which channels are configured; it delivers nothing.
                let channels = Channels(configuration: ChannelConfiguration(settings: context.settings))
                let sender = ReminderSender(store: store, channels: channels, logger: context.logger)
                let lines: [PreviewLine]
                do {
                    lines = try await sender.preview(
                        from: day.startOfDay(in: zone), to: day.adding(days: 1).startOfDay(in: zone),
                        community: community)
                    try await channels.shutdown()
                } catch {
                    try? await channels.shutdown()
                    throw error
                }
                if self.day.json { return try JobsCommand.printJSON(lines) }
                if lines.isEmpty { print("没有待发送的提醒 / no reminders due on \(day)") }
                for line in lines {
                    print(
                        "\(RemindersCommand.time(line.runAt, zone))\t\(line.kind.rawValue)\t\(line.audience.rawValue)\t\(line.channel ?? "-")\t\(line.address ?? "-")\t\(line.decision)"
                    )
                    if let body = line.body { print("    \(body)") }
                }
            }
        }
    }

    struct OutboxList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "outbox", abstract: "Messages written, newest first: sent, failed, held back and why.",
            discussion:
                "Examples:\n  linli reminders outbox --community demo\n  linli reminders outbox --community demo --state failed --json"
        )
        @OptionGroup var options: CommunityOptions
        @Option(help: "Only messages in this state: pending, sent, failed, suppressed.") var state: String?
        @Option(help: "At most this many.") var limit = 50
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if let state, MessageState(rawValue: state) == nil {
                throw ValidationError("--state must be pending, sent, failed or suppressed")
            }
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
        }

        func run() async throws {
            try await reportingErrors {
                try await RemindersCommand.withCommunity(options.community) { context, store, community in
                    let zone = TimeZone(identifier: context.settings.timeZone) ?? .shanghai
                    let messages = try await store.transaction(.community(community)) { tx in
                        try await Outbox().messages(state: state.flatMap(MessageState.init(rawValue:)), limit: limit, on: tx)
                    }
                    if json { return try JobsCommand.printJSON(messages) }
                    if messages.isEmpty { print("发件箱为空 / the outbox is empty") }
                    for m in messages {
                        let when = RemindersCommand.time(m.sentAt ?? m.createdAt, zone)
                        print(
                            "\(m.id)\t\(when)\t\(m.state.rawValue)\(m.stateReason.map { " (\($0))" } ?? "")\t\(m.channel)\t\(m.address ?? "-")\t\(m.kind.rawValue)\(m.reply.map { "\treply: \($0)" } ?? "")"
                        )
                        print("    \(m.body)")
                    }
                }
            }
        }
    }

    struct Calls: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The desk's call list: visits on a day for residents who need a phone call.",
            discussion: "Example:\n  linli reminders calls --community demo --date 2026-11-24")
        @OptionGroup var day: DayOptions

        func run() async throws {
            try await day.run { context, store, community, day, zone in
                let entries = try await store.transaction(.community(community)) { tx in
                    try await CallList().entries(community: community, day: day, on: tx)
                }
                if self.day.json { return try JobsCommand.printJSON(entries) }
                if entries.isEmpty { print("\(day) 没有需要电话通知的上门服务 / no calls to make on \(day)") }
                for e in entries {
                    let phone = e.phone ?? e.familyContactPhone ?? "-"
                    print(
                        "\(RemindersCommand.time(e.start, zone))\t\(e.residentName)\t\(phone)\t\(e.serviceNameZh)\t\(e.volunteerNames.joined(separator: "、"))\t\(e.mark?.rawValue ?? "未拨打 / not called")"
                    )
                    print("    \(e.script)")
                }
            }
        }
    }
}
