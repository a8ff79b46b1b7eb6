import Foundation
import LinliDatabase
import LinliStorage
import Logging
import ServiceLifecycle
import Synchronization

/// Measures the real job queue on a real database, for `linli bench jobs`: how fast producers
/// enqueue (one job per transaction, as a change enqueues its job), how many jobs per second
/// several `JobRunner`s claim and complete, and how long a job takes from enqueue to
/// completion when jobs arrive at half that rate.
public enum QueueBenchmark {
    /// The no-op job kinds the benchmark enqueues; no worker runs them.
    public static let backlogKind = "bench.noop"
    public static let pacedKind = "bench.paced"

    public struct Options: Sendable {
        public var jobs: Int
        public var workers: Int
        public var concurrency: Int
        public var producers: Int
        public var pacedJobs: Int
        public init(jobs: Int, workers: Int, concurrency: Int, producers: Int, pacedJobs: Int) {
            self.jobs = jobs
            self.workers = workers
            self.concurrency = concurrency
            self.producers = producers
            self.pacedJobs = pacedJobs
        }
    }

    /// What one run measured; times in seconds.
    public struct Result: Sendable, Codable, Hashable {
        public var jobs: Int
        public var workers: Int
        public var concurrency: Int
        public var producers: Int
        public var enqueueSeconds: Double
        public var enqueuedPerSecond: Double
        /// From the first claim to the last completion of the backlog.
        public var drainSeconds: Double
        public var completedPerSecond: Double
        public var pacedJobs: Int
        public var pacedPerSecond: Double
        public var latencyP50: Double
        public var latencyP99: Double
        public var latencyMax: Double
    }

    /// Runs the benchmark. `makeQueue(name, connections)` gives a queue on a pool of its own;
    /// every pool it gives is closed before this returns.
    public static func run(
        options: Options, logger: Logger, makeQueue: @Sendable (String, Int) throws -> JobQueue
    ) async throws -> Result {
        let producer = try makeQueue("linli-bench-producer", options.producers)
        do {
            let result = try await measure(options: options, producer: producer, logger: logger, makeQueue: makeQueue)
            await producer.store.pool.shutdown()
            return result
        } catch {
            _ = try? await producer.deleteAll(kind: backlogKind)
            _ = try? await producer.deleteAll(kind: pacedKind)
            await producer.store.pool.shutdown()
            throw error
        }
    }

    private struct Empty: Codable {}

    /// A counter shared by tasks (an `Atomic` cannot be captured by itself).
    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    private static func measure(
        options: Options, producer: JobQueue, logger: Logger, makeQueue: @Sendable (String, Int) throws -> JobQueue
    ) async throws -> Result {
        try await producer.deleteAll(kind: backlogKind)
        try await producer.deleteAll(kind: pacedKind)
        let clock = ContinuousClock()

        // 1. Enqueue the backlog, one job per transaction, from several producers.
        let backlogJob = try NewJob(kind: backlogKind, payload: Empty())
        let next = Counter()
        let enqueueStart = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<options.producers {
                group.addTask {
                    while next.value.add(1, ordering: .relaxed).oldValue < options.jobs { try await producer.enqueue(backlogJob) }
                }
            }
            try await group.waitForAll()
        }
        let enqueueSeconds = seconds(clock.now - enqueueStart)

        // 2. Runners, each on its own pool, drain it.
        let handler: JobHandler = { _ in }
        var groups: [ServiceGroup] = []
        var tasks: [Task<Void, any Error>] = []
        for index in 0..<options.workers {
            let queue = try makeQueue("linli-bench-runner-\(index)", options.concurrency + 2)
            let runner = JobRunner(
                queue: queue, handlers: [backlogKind: handler, pacedKind: handler],
                options: .init(worker: "bench-\(index)", concurrency: options.concurrency), logger: logger)
            let group = ServiceGroup(
                configuration: .init(
                    services: [.init(service: PoolService(pool: queue.store.pool)), .init(service: runner)], logger: logger))
            groups.append(group)
            tasks.append(Task { try await group.run() })
        }
        func stopRunners() async throws {
            for group in groups { await group.triggerGracefulShutdown() }
            for task in tasks { try await task.value }
        }
        do {
            let backlog = try await waitForAll(backlogKind, count: options.jobs, queue: producer)
            let drain = backlog.span ?? 0

            // 3. Jobs arriving at half the measured rate, while the runners run.
            let rate = max(1, Double(options.jobs) / max(drain, 0.001) / 2)
            let pacedJob = try NewJob(kind: pacedKind, payload: Empty())
            let pacedStart = clock.now
            for index in 0..<options.pacedJobs {
                let due = pacedStart + .milliseconds(Int64(Double(index) * 1000 / rate))
                if clock.now < due { try await Task.sleep(until: due, clock: clock) }
                try await producer.enqueue(pacedJob)
            }
            let pacedSeconds = seconds(clock.now - pacedStart)
            let paced = try await waitForAll(pacedKind, count: options.pacedJobs, queue: producer)
            try await stopRunners()
            try await producer.deleteAll(kind: backlogKind)
            try await producer.deleteAll(kind: pacedKind)
            return Result(
                jobs: options.jobs, workers: options.workers, concurrency: options.concurrency,
                producers: options.producers, enqueueSeconds: enqueueSeconds,
                enqueuedPerSecond: Double(options.jobs) / max(enqueueSeconds, 0.001), drainSeconds: drain,
                completedPerSecond: Double(options.jobs) / max(drain, 0.001), pacedJobs: options.pacedJobs,
                pacedPerSecond: Double(options.pacedJobs) / max(pacedSeconds, 0.001), latencyP50: paced.p50 ?? 0,
                latencyP99: paced.p99 ?? 0, latencyMax: paced.max ?? 0)
        } catch {
            try? await stopRunners()
            throw error
        }
    }

    /// Waits until `count` jobs of `kind` have succeeded (at most ten minutes).
    private static func waitForAll(_ kind: String, count: Int, queue: JobQueue) async throws -> JobQueue.KindTiming {
        let deadline = ContinuousClock.now + .seconds(600)
        while true {
            let timing = try await queue.timing(kind: kind)
            if timing.succeeded >= count { return timing }
            guard ContinuousClock.now < deadline else {
                throw StorageError(
                    code: .failed,
                    message:
                        "十分钟内只完成了 \(timing.succeeded)/\(count) 个 \(kind) 任务 / only \(timing.succeeded) of \(count) \(kind) jobs finished within ten minutes"
                )
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
