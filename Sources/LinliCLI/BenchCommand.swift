import ArgumentParser
import Foundation
import LinliDatabase
import LinliJobs
import LinliStorage

/// `linli bench …`: measurements quoted in release notes.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks.",
        subcommands: [Pool.self, Jobs.self, NRP.self, Generate.self, Seed.self, API.self])

    /// Round trips of a trivial query through the pool, to compare with `pgbench` on the same server.
    struct Pool: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queries per second of `SELECT 1` through the connection pool.",
            discussion: """
                Runs for --seconds with each --concurrency (tasks sharing a pool of that many
                connections). Compare with: pgbench -n -f <(echo 'SELECT 1;') -c N -j N -T S
                Example:
                  linli bench pool --seconds 10 --concurrency 1 --concurrency 8
                """)

        @Option(help: "Seconds per measurement.") var seconds: Double = 5
        @Option(help: "Concurrent tasks (repeatable).") var concurrency: [Int] = [1, 8]
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be between 0 and 600") }
            guard concurrency.allSatisfy({ (1...256).contains($0) }) else {
                throw ValidationError("--concurrency must be between 1 and 256")
            }
        }

        func run() async throws {
            try await reportingErrors {
                var results: [[String: Double]] = []
                for tasks in concurrency {
                    let context = try await CommandContext.make(poolSize: tasks)
                    let qps = try await context.run { context in
                        try await PoolBenchmark.run(pool: context.pool, tasks: tasks, seconds: seconds)
                    }
                    results.append(["concurrency": Double(tasks), "queries_per_second": qps])
                    if !json { print("concurrency \(tasks): \(Int(qps)) queries/s (SELECT 1 through the pool)") }
                }
                if json {
                    let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
                    print(String(decoding: data, as: UTF8.self))
                }
            }
        }
    }
}

extension BenchCommand {
    /// Throughput of the job queue with the real `JobQueue` and `JobRunner`.
    struct Jobs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Jobs per second through the job queue: enqueue, claim and complete, and latency.",
            discussion: """
                Enqueues --jobs no-op jobs, one per transaction, from --producers tasks; then runs
                --workers job runners in this process (each with its own pool, --concurrency jobs at
                a time) until all are done; then enqueues --paced-jobs more at half that rate while
                the runners run, and reports the time from enqueue to completion. The jobs are of
                the kinds bench.noop and bench.paced, which no worker runs, and are deleted
                afterwards. Use a database nothing else is using for numbers that mean something.
                Example:
                  linli bench jobs --jobs 20000 --workers 4 --concurrency 8
                """)

        @Option(help: "No-op jobs in the backlog.") var jobs = 20_000
        @Option(help: "Job runners, each with its own pool.") var workers = 4
        @Option(help: "Jobs each runner runs at a time.") var concurrency = 8
        @Option(help: "Tasks enqueueing the backlog.") var producers = 4
        @Option(help: "Jobs enqueued at half the measured rate, for the latency.") var pacedJobs = 2_000
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard (1...1_000_000).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 1000000") }
            guard (1...64).contains(workers) else { throw ValidationError("--workers must be between 1 and 64") }
            guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 256") }
            guard (1...64).contains(producers) else { throw ValidationError("--producers must be between 1 and 64") }
            guard (1...100_000).contains(pacedJobs) else {
                throw ValidationError("--paced-jobs must be between 1 and 100000")
            }
        }

        func run() async throws {
            try await reportingErrors {
                let context = try await CommandContext.make(poolSize: 1)
                let settings = context.settings
                let logger = context.logger
                let result = try await context.run { _ in
                    try await QueueBenchmark.run(
                        options: .init(
                            jobs: jobs, workers: workers, concurrency: concurrency, producers: producers,
                            pacedJobs: pacedJobs),
                        logger: logger
                    ) { name, connections in
                        let pool = try settings.makePool(
                            applicationName: name, asApplication: true, maximumConnections: connections, logger: logger)
                        return JobQueue(store: Store(pool: pool))
                    }
                }
                if json { return try JobsCommand.printJSON(result) }
                print(
                    """
                    enqueue   \(result.jobs) jobs in \(Self.format(result.enqueueSeconds)) s: \(Int(result.enqueuedPerSecond)) jobs/s \
                    (\(result.producers) producers, one job per transaction)
                    complete  \(result.jobs) jobs in \(Self.format(result.drainSeconds)) s: \(Int(result.completedPerSecond)) jobs/s \
                    claimed and completed (\(result.workers) runners x \(result.concurrency))
                    latency   \(result.pacedJobs) jobs at \(Int(result.pacedPerSecond)) jobs/s: enqueue to completion \
                    p50 \(Self.format(result.latencyP50 * 1000)) ms, p99 \(Self.format(result.latencyP99 * 1000)) ms, \
                    max \(Self.format(result.latencyMax * 1000)) ms
                    """)
            }
        }

        static func format(_ value: Double) -> String { String(format: "%.1f", value) }
    }
}

/// The pool benchmark itself, callable from tests and the CLI.
public enum PoolBenchmark {
    /// Runs `SELECT 1` from `tasks` concurrent tasks for `seconds`; returns queries per second.
    public static func run(pool: ConnectionPool, tasks: Int, seconds: Double) async throws -> Double {
        // Warm up: open every connection first.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<tasks { group.addTask { try await pool.query("SELECT 1") } }
            try await group.waitForAll()
        }
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .milliseconds(Int(seconds * 1000))
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<tasks {
                group.addTask {
                    var count = 0
                    while clock.now < deadline {
                        try await pool.query("SELECT 1")
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = clock.now - start
        let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(total) / elapsedSeconds
    }
}
