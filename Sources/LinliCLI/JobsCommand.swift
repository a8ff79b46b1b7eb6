import ArgumentParser
import Foundation
import LinliJobs
import LinliStorage

/// `linli jobs list|show|retry|discard|stats`.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "Inspect and repair the job queue.",
        subcommands: [List.self, Show.self, Retry.self, Discard.self, Stats.self])

    static func withQueue<T>(_ body: (JobQueue) async throws -> T) async throws -> T {
        let context = try await CommandContext.make()
        return try await context.run { context in try await body(JobQueue(store: Store(pool: context.pool))) }
    }

    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List jobs, newest first.",
            discussion: "Examples:\n  linli jobs list --state dead\n  linli jobs list --json")
        @Option(help: "Only jobs in this state: pending, running, succeeded, dead, cancelled.") var state: String?
        @Option(help: "At most this many.") var limit = 50
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if let state, !["pending", "running", "succeeded", "dead", "cancelled"].contains(state) {
                throw ValidationError("--state must be pending, running, succeeded, dead or cancelled")
            }
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 10000") }
        }

        func run() async throws {
            try await reportingErrors {
                let jobs = try await JobsCommand.withQueue { try await $0.jobs(state: state, limit: limit) }
                if json { return try JobsCommand.printJSON(jobs) }
                if jobs.isEmpty { print("no jobs") }
                for job in jobs {
                    print(
                        "\(job.id)\t\(job.state)\t\(job.kind)\tattempts \(job.attempts)/\(job.maxAttempts)\t\(ISO8601DateFormatter().string(from: job.runAt))\t\(job.lastError ?? "")"
                    )
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one job with its payload and last error.")
        @Argument(help: "The job's id.") var id: Int64
        func run() async throws {
            try await reportingErrors {
                guard let job = try await JobsCommand.withQueue({ try await $0.job(id) }) else {
                    throw ValidationError("there is no job \(id)")
                }
                try JobsCommand.printJSON(job)
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a dead job back in the queue with fresh attempts.")
        @Argument(help: "The job's id.") var id: Int64
        func run() async throws {
            try await reportingErrors {
                guard try await JobsCommand.withQueue({ try await $0.retry(id) }) else {
                    throw ValidationError("job \(id) is not dead (only dead jobs can be retried; see linli jobs show \(id))")
                }
                print("job \(id) is queued again")
            }
        }
    }

    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give up on a dead or pending job for good.")
        @Argument(help: "The job's id.") var id: Int64
        @Flag(help: "Do not ask for confirmation.") var yes = false
        func run() async throws {
            try await reportingErrors {
                try confirmDestructive("Discard job \(id)? It will never run.", yes: yes)
                guard try await JobsCommand.withQueue({ try await $0.discard(id) }) else {
                    throw ValidationError("job \(id) is neither dead nor pending")
                }
                print("job \(id) discarded")
            }
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Count jobs by state.")
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            try await reportingErrors {
                let stats = try await JobsCommand.withQueue { try await $0.stats() }
                if json { return try JobsCommand.printJSON(stats) }
                for state in ["pending", "running", "succeeded", "dead", "cancelled"] {
                    print("\(state)\t\(stats[state] ?? 0)")
                }
            }
        }
    }
}

/// Asks on a terminal; without one, `--yes` is required.
func confirmDestructive(_ question: String, yes: Bool) throws {
    if yes { return }
    guard isatty(STDIN_FILENO) == 1 else {
        throw ValidationError("this changes data for good: add --yes to confirm when not running in a terminal")
    }
    print("\(question) [y/N] ", terminator: "")
    guard let answer = readLine(), ["y", "yes", "是"].contains(answer.lowercased()) else {
        throw CleanExit.message("nothing changed")
    }
}
