import ArgumentParser
import Foundation
import LinliDomain
import LinliReminders
import LinliRostering
import LinliScheduler
import LinliStorage
import Synchronization

/// `linli roster solve|list|explain|diff|publish`: a community's weekly roster from the command line.
struct RosterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roster", abstract: "Solve, list, explain, compare and publish a community's weekly roster.",
        discussion: """
            A week is an ISO week (2026-W48) or any date in it (2026-11-23); weeks start on Monday.
            Each solve stores a new draft version; publishing makes a version the one people are told.
            Example:
              linli roster solve --community demo --week 2026-W48 --seconds 10
            """,
        subcommands: [Solve.self, List.self, Explain.self, Diff.self, Publish.self, Problem.self])

    /// The community and week every roster command names.
    struct Target: ParsableArguments {
        @Option(help: "The community's code (linli community list shows them).") var community: String
        @Option(help: "The week: an ISO week like 2026-W48, or a date in it like 2026-11-23.") var week: String

        func validate() throws { _ = try monday() }

        func monday() throws -> LocalDate {
            guard let monday = LocalDate(isoWeek: week) else {
                throw ValidationError("--week '\(week)' is neither an ISO week like 2026-W48 nor a date like 2026-11-23")
            }
            return monday
        }
    }

    /// Runs `body` with a store and the named community, reporting errors as one line.
    static func withCommunity<T>(
        _ target: Target, poolSize: Int = 2, _ body: (CommandContext, Store, Community, LocalDate) async throws -> T
    ) async throws -> T {
        let week = try target.monday()
        // Under row-level security, as the service runs: a week's data is its community's only.
        let context = try await CommandContext.make(poolSize: poolSize, asApplication: true)
        return try await context.run { context in
            let community = try await context.community(code: target.community)
            return try await body(context, Store(pool: context.pool), community, week)
        }
    }

    /// Like `reportingErrors`, and also for the rostering module's errors.
    static func reporting(_ body: () async throws -> Void) async throws {
        do {
            try await reportingErrors(body)
        } catch let error as RosteringError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode.failure
        }
    }

    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    static func scoreText(_ score: RosterScore?) -> String {
        guard let score else { return "score -" }
        return "score \(score.hard)hard/\(score.soft)soft, 未排满 unfilled \(score.unfilled)"
    }

    /// "2026-11-24 周二 09:00–11:00" in Asia/Shanghai.
    static func when(_ start: Date, _ end: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .shanghai
        formatter.dateFormat = "yyyy-MM-dd"
        let day = formatter.string(from: start)
        formatter.dateFormat = "HH:mm"
        let weekday = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][LocalDate(start, in: .shanghai).isoWeekday - 1]
        return "\(day) \(weekday) \(formatter.string(from: start))–\(formatter.string(from: end))"
    }

    // MARK: - solve

    struct Solve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Solve a week with the scheduler and store the result as a new draft version.",
            discussion: """
                Runs in this process through the same run record the worker uses (roster_solve_runs), so
                the progress is visible to others while it runs. On a terminal (without NO_COLOR) one
                line shows the score and the unfilled slots as they improve; otherwise a plain line is
                printed about once a second. Ctrl-C stops it and records the run as cancelled.
                Pinned assignments of the newest version stay; a published version is kept as far as
                the rules allow. Exit status 1 when the run fails or is cancelled.
                Examples:
                  linli roster solve --community demo --week 2026-W48 --seconds 10
                  linli roster solve --community demo --week 2026-11-23 --seed 7 --publish --json
                  linli roster solve --community demo --week 2026-W48 --queue    # a worker solves it
                """)
        @OptionGroup var target: Target
        @Option(help: "Time limit in seconds.") var seconds: Double = 30
        @Option(help: "Random seed (same seed and data: similar roster; runs are time-driven).") var seed: UInt64 = 1
        @Flag(help: "Publish the new version at once.") var publish = false
        @Flag(help: "Queue the solve for a worker (linli-worker) and return at once with the run's id.") var queue = false
        @Flag(help: "Print the run and the version as JSON.") var json = false

        func validate() throws {
            if queue, publish {
                throw ValidationError("--publish cannot be used with --queue: publish the draft when it is done")
            }
            guard seconds > 0, seconds <= 3600 else { throw ValidationError("--seconds must be between 0 and 3600") }
            guard seed <= UInt64(Int64.max) else { throw ValidationError("--seed must be at most \(Int64.max)") }
        }

        struct Output: Encodable {
            var run: SolveRun
            var roster: Roster?
            var score: RosterScore?
            var published: Bool
        }

        func run() async throws {
            try await RosterCommand.reporting {
                try await RosterCommand.withCommunity(target, poolSize: 3) { context, store, community, week in
                    if queue {
                        let queued = try await store.transaction(.community(community.id)) { tx in
                            try await RosterSolving.enqueueSolve(
                                community: community.id, week: week, seconds: seconds, seed: seed, on: tx)
                        }
                        if json { return try RosterCommand.printJSON(Output(run: queued, published: false)) }
                        print("已排队，由 linli-worker 求解 / queued for linli-worker: run \(queued.id)")
                        return
                    }
                    let created = try await store.transaction(.community(community.id)) { tx in
                        try await RosterSolving.createRun(
                            community: community.id, week: week, seconds: seconds, seed: seed, on: tx)
                    }
                    let display = SolveDisplay(json: json)
                    let solving = RosterSolving(store: store, logger: context.logger)
                    let task = Task {
                        try await solving.solve(run: created.id, community: community.id, onProgress: display.show)
                    }
                    let interrupt = Interrupt.onSIGINT { task.cancel() }
                    let finished: SolveRun
                    do {
                        finished = try await task.value
                        interrupt.restore()
                    } catch {
                        interrupt.restore()
                        throw error
                    }
                    display.finish()
                    guard finished.state == .succeeded, let rosterID = finished.resultRosterID else {
                        if json { try RosterCommand.printJSON(Output(run: finished, published: false)) }
                        let why =
                            finished.state == .cancelled
                            ? "求解已取消，未保存任何版本 / the solve was cancelled; nothing was stored"
                            : "求解失败 / the solve failed: \(finished.error ?? "unknown")"
                        FileHandle.standardError.write(Data("error: \(why)\n".utf8))
                        throw ExitCode.failure
                    }
                    let (roster, summary) = try await store.transaction(.community(community.id)) { tx in
                        var roster = try await RosterStore().roster(rosterID, on: tx)
                        if publish { roster = try await ReminderPlanner().publish(rosterID, on: tx).0 }
                        let summary = try await RosterSolving.versions(community: community.id, week: week, on: tx)
                            .first { $0.id == rosterID }
                        return (roster, summary)
                    }
                    if json {
                        return try RosterCommand.printJSON(
                            Output(run: finished, roster: roster, score: summary?.score, published: publish))
                    }
                    let score = summary?.score
                    print(
                        "第 \(roster.version) 版草稿 / draft version \(roster.version) of \(week.isoWeekName) (\(community.name)): \(RosterCommand.scoreText(score)), \(summary?.assignments ?? 0) assignments, \(String(format: "%.1f", score?.seconds ?? 0)) s, seed \(seed)"
                    )
                    if publish { print("已发布第 \(roster.version) 版 / published version \(roster.version)") }
                    if let score, score.unfilled > 0 {
                        print(
                            "why slots are unfilled: linli roster explain --community \(community.code) --week \(week.isoWeekName) --version \(roster.version)"
                        )
                    }
                    print("run \(finished.id)")
                }
            }
        }
    }

    // MARK: - problem

    /// `linli roster problem`: the week exactly as a solve would see it, for `linli solve` offline
    /// or for a support question.
    struct Problem: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a week as the scheduler sees it: the problem JSON that linli solve reads.",
            discussion: """
                Loads the week as linli roster solve would (volunteers with their limits and absences,
                slots, pins of the newest version, the published version as the stability reference,
                the weeks around it) and writes it in the scheduler's JSON format (docs/scheduler.md).
                Pins a solve would leave out are listed on standard error with the reason. The file
                holds volunteers' names: keep it as you keep the roster.
                Examples:
                  linli roster problem --community demo --week 2026-W48 -o week.json
                  linli solve week.json --seconds 10 --seed 3
                """)
        @OptionGroup var target: Target
        @Option(help: "Whose pins: newest (as a solve), published, or none.") var pins: String = "newest"
        @Option(help: "Language of service and skill names: zh or en.") var lang: String = "zh"
        @Option(name: [.short, .customLong("output")], help: "Write the JSON here instead of standard output.")
        var output: String?

        func validate() throws {
            guard ["newest", "published", "none"].contains(pins) else {
                throw ValidationError("--pins must be newest, published or none")
            }
            guard ["zh", "en"].contains(lang) else { throw ValidationError("--lang must be zh or en") }
        }

        func run() async throws {
            try await RosterCommand.reporting {
                let week = try await RosterCommand.withCommunity(target) { _, store, community, week in
                    try await store.transaction(.community(community.id)) { tx in
                        let source: WeekProblemLoader.PinSource =
                            pins == "published" ? .published : pins == "none" ? .none : .newest
                        return try await WeekProblemLoader().load(community: community.id, week: week, pins: source, on: tx)
                    }
                }
                for pin in week.droppedPins {
                    FileHandle.standardError.write(
                        Data("left out: pin of volunteer \(pin.volunteerID) on slot \(pin.slotID): \(pin.reason)\n".utf8))
                }
                let json = try week.problem(in: lang == "en" ? .en : .zh).encodeJSON()
                if let output {
                    try json.write(to: URL(fileURLWithPath: output))
                } else {
                    FileHandle.standardOutput.write(json)
                    FileHandle.standardOutput.write(Data("\n".utf8))
                }
            }
        }
    }

    // MARK: - list

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a week's roster versions with their state and score.",
            discussion: "Example:\n  linli roster list --community demo --week 2026-W48")
        @OptionGroup var target: Target
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await RosterCommand.reporting {
                let versions = try await RosterCommand.withCommunity(target) { _, store, community, week in
                    try await store.transaction(.community(community.id)) { tx in
                        try await RosterSolving.versions(community: community.id, week: week, on: tx)
                    }
                }
                if json { return try RosterCommand.printJSON(versions) }
                if versions.isEmpty { print("本周还没有排班版本 / no roster versions for this week yet") }
                for v in versions {
                    print(
                        "v\(v.version)\t\(v.state.rawValue)\t\(v.assignments) assignments (\(v.pinned) pinned)\t\(RosterCommand.scoreText(v.score))"
                    )
                }
            }
        }
    }

    // MARK: - explain

    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Explain why slots of a version are left unfilled.",
            discussion: """
                For every slot below its minimum headcount: who holds the needed skills and what blocks
                each of them (away, at a limit, not available, busy nearby …), judged against the data
                as it is now.
                Examples:
                  linli roster explain --community demo --week 2026-W48
                  linli roster explain --community demo --week 2026-W48 --version 2 --lang en --json
                """)
        @OptionGroup var target: Target
        @Option(help: "The version (default: the newest).") var version: Int?
        @Option(help: "Language: zh or en.") var lang: String = "zh"
        @Flag(help: "Print JSON (both languages).") var json = false

        func validate() throws {
            guard ["zh", "en"].contains(lang) else { throw ValidationError("--lang must be zh or en") }
        }

        func run() async throws {
            try await RosterCommand.reporting {
                let (shown, unfilled) = try await RosterCommand.withCommunity(target) { context, store, community, week in
                    try await store.transaction(.community(community.id)) { tx in
                        let versions = try await RosterSolving.versions(community: community.id, week: week, on: tx)
                        guard let number = version ?? versions.last?.version else {
                            throw ValidationError(
                                "week \(week.isoWeekName) has no roster versions yet: run linli roster solve first")
                        }
                        let roster = try await RosterSolving.roster(
                            community: community.id, week: week, version: number, on: tx)
                        let solving = RosterSolving(store: store, logger: context.logger)
                        return (number, try await solving.explain(roster: roster.id, on: tx))
                    }
                }
                if json { return try RosterCommand.printJSON(unfilled) }
                if unfilled.isEmpty {
                    print(
                        lang == "en"
                            ? "version \(shown): every slot has its minimum headcount" : "第 \(shown) 版：所有时段均已排满")
                }
                for slot in unfilled { print(lang == "en" ? slot.textEn : slot.textZh) }
            }
        }
    }

    // MARK: - diff

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the assignments added and removed between two versions.",
            discussion: "Example:\n  linli roster diff --community demo --week 2026-W48 --from 1 --to 2")
        @OptionGroup var target: Target
        @Option(help: "The older version.") var from: Int
        @Option(help: "The newer version.") var to: Int
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await RosterCommand.reporting {
                let changes = try await RosterCommand.withCommunity(target) { _, store, community, week in
                    try await store.transaction(.community(community.id)) { tx in
                        let old = try await RosterSolving.roster(community: community.id, week: week, version: from, on: tx)
                        let new = try await RosterSolving.roster(community: community.id, week: week, version: to, on: tx)
                        return try await RosterSolving.changes(from: old.id, to: new.id, on: tx)
                    }
                }
                if json { return try RosterCommand.printJSON(changes) }
                let lines =
                    changes.removed.map { ("-", $0) } + changes.added.map { ("+", $0) }
                // Removed before added at the same time, as diff tools show it.
                for (sign, c) in lines.sorted(by: { ($0.1.start, $0.0 == "+" ? 1 : 0) < ($1.1.start, $1.0 == "+" ? 1 : 0) }) {
                    print("\(sign) \(RosterCommand.when(c.start, c.end))  \(c.serviceNameZh)  \(c.volunteerName)")
                }
                print(
                    "v\(changes.fromVersion) → v\(changes.toVersion): 新增 \(changes.added.count)，移除 \(changes.removed.count) / \(changes.added.count) added, \(changes.removed.count) removed"
                )
            }
        }
    }

    // MARK: - publish

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish a draft version: it becomes the roster people are told.",
            discussion: "Example:\n  linli roster publish --community demo --week 2026-W48 --version 2")
        @OptionGroup var target: Target
        @Option(help: "The draft version to publish.") var version: Int

        func run() async throws {
            try await RosterCommand.reporting {
                let (roster, planned) = try await RosterCommand.withCommunity(target) { _, store, community, week in
                    try await store.transaction(.community(community.id)) { tx in
                        let draft = try await RosterSolving.roster(community: community.id, week: week, version: version, on: tx)
                        return try await ReminderPlanner().publish(draft.id, on: tx)
                    }
                }
                print(
                    "已发布第 \(roster.version) 版 / published version \(roster.version) of \(roster.weekStart.isoWeekName)"
                        + "; \(planned.reminders) reminders, \(planned.cancellationNotices) cancellation notices queued")
            }
        }
    }
}

/// Shows a solve's progress on standard error: one line rewritten in place on a terminal
/// without NO_COLOR, plain lines about once a second otherwise, nothing with --json.
final class SolveDisplay: Sendable {
    private let live: Bool
    private let quiet: Bool
    private let lastPlain = Mutex<Int>(-1_000_000)

    init(json: Bool) {
        quiet = json
        live = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    var show: @Sendable (SolveProgressPoint) -> Void {
        { [self] point in
            guard !quiet else { return }
            let line = String(
                format: "%6.1f s  score %@  未排满 unfilled %d", Double(point.elapsedMs) / 1000, "\(point.score)", point.unfilled)
            if live {
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
                return
            }
            let due = lastPlain.withLock { last in
                guard point.elapsedMs - last >= 1000 else { return false }
                last = point.elapsedMs
                return true
            }
            if due { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
    }

    func finish() {
        if live && !quiet { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// Turns Ctrl-C into a cancellation while a solve runs, so the run is recorded as cancelled.
struct Interrupt {
    let source: any DispatchSourceSignal

    static func onSIGINT(_ action: @escaping @Sendable () -> Void) -> Interrupt {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler(handler: action)
        source.resume()
        return Interrupt(source: source)
    }

    func restore() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
