import ArgumentParser
import Foundation
import LinliDatabase

/// `linli bench …`: measurements quoted in release notes.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks.", subcommands: [Pool.self, NRP.self, Generate.self])

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
