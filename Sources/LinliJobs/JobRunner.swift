import Foundation
import LinliDatabase
import LinliStorage
import Logging
import ServiceLifecycle
import Synchronization

/// Runs one kind of job. Throwing fails the attempt (it is retried with backoff); returning
/// completes it.
public typealias JobHandler = @Sendable (Job) async throws -> Void

/// Thrown by a handler that cannot do its work yet (a reminder due inside quiet hours): the
/// job waits until `until` and the attempt does not count as a failure.
public struct JobDeferral: Error, Sendable, CustomStringConvertible {
    public let until: Date
    public let reason: String
    public init(until: Date, reason: String) {
        self.until = until
        self.reason = reason
    }
    public var description: String { "deferred until \(until): \(reason)" }
}

/// Consumes the job queue: claims due jobs up to `concurrency` at a time, runs their handlers
/// while renewing the lease, and records the outcome. It wakes on `NOTIFY linli_jobs` but
/// polls every `pollInterval` as well, so it recovers by itself after the database restarts
/// or the notification connection drops. On graceful shutdown it stops claiming, lets running
/// jobs finish for up to `shutdownGrace`, and gives back the ones that did not.
public struct JobRunner: Service {
    public struct Options: Sendable {
        public var worker: String
        public var concurrency: Int
        public var pollInterval: Duration
        public var shutdownGrace: Duration
        public init(
            worker: String, concurrency: Int = 4, pollInterval: Duration = .seconds(1), shutdownGrace: Duration = .seconds(20)
        ) {
            self.worker = worker
            self.concurrency = max(1, concurrency)
            self.pollInterval = pollInterval
            self.shutdownGrace = shutdownGrace
        }
    }

    let queue: JobQueue
    let handlers: [String: JobHandler]
    let options: Options
    let logger: Logger

    public init(queue: JobQueue, handlers: [String: JobHandler], options: Options, logger: Logger) {
        self.queue = queue
        self.handlers = handlers
        self.options = options
        self.logger = logger
    }

    /// Signals between the loops.
    private final class Signals: Sendable {
        let wake = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let stopping = Atomic<Bool>(false)
        let running = Atomic<Int>(0)
    }

    public func run() async throws {
        let signals = Signals()
        let listener = NotificationListener(
            configuration: queue.store.pool.configuration, channels: [JobQueue.channel], logger: logger)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in listener.events() { signals.wake.continuation.yield() }
                }
                group.addTask {
                    while !signals.stopping.load(ordering: .relaxed) {
                        try? await Task.sleep(for: options.pollInterval)
                        signals.wake.continuation.yield()
                    }
                    signals.wake.continuation.finish()
                }
                group.addTask { await dispatch(signals) }
                await group.next()
                await listener.stop()
                await group.waitForAll()
            }
        } onGracefulShutdown: {
            signals.stopping.store(true, ordering: .relaxed)
        }
    }

    /// Claims and starts jobs whenever woken, while there is capacity.
    private func dispatch(_ signals: Signals) async {
        await withTaskGroup(of: Void.self) { jobs in
            for await _ in signals.wake.stream {
                if signals.stopping.load(ordering: .relaxed) { break }
                let free = options.concurrency - signals.running.load(ordering: .relaxed)
                guard free > 0 else { continue }
                let claimed: [Job]
                do {
                    claimed = try await queue.claim(worker: options.worker, limit: free, kinds: Array(handlers.keys))
                } catch {
                    logger.warning("cannot claim jobs", metadata: ["error": "\(error)"])
                    continue
                }
                for job in claimed {
                    signals.running.add(1, ordering: .relaxed)
                    jobs.addTask {
                        await execute(job, signals)
                        signals.running.subtract(1, ordering: .relaxed)
                        signals.wake.continuation.yield()
                    }
                }
                // More may be due right away.
                if claimed.count == free { signals.wake.continuation.yield() }
            }
            await jobs.waitForAll()
        }
    }

    private func execute(_ job: Job, _ signals: Signals) async {
        let metadata: Logger.Metadata = ["job": "\(job.id)", "kind": "\(job.kind)", "attempt": "\(job.attempt)"]
        guard let handler = handlers[job.kind] else {
            _ = try? await queue.fail(job, worker: options.worker, error: "no handler for job kind '\(job.kind)'")
            return
        }
        let outcome = await withTaskGroup(of: Result<Void, any Error>?.self) { group in
            group.addTask {
                do {
                    try await handler(job)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            // Renew the lease at a third of its length while the handler runs.
            group.addTask {
                let interval = queue.options.lease / 3
                while true {
                    do { try await Task.sleep(for: interval) } catch { return nil }
                    let held = (try? await queue.heartbeat(job, worker: options.worker)) ?? true
                    if !held { return .failure(LostLease()) }
                }
            }
            // On shutdown, wait up to the grace period, then give the job back.
            group.addTask {
                while !signals.stopping.load(ordering: .relaxed) {
                    do { try await Task.sleep(for: .milliseconds(200)) } catch { return nil }
                }
                do { try await Task.sleep(for: options.shutdownGrace) } catch { return nil }
                return .failure(ShutdownRelease())
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure(ShutdownRelease())
        }
        do {
            switch outcome {
            case .success:
                if try await !queue.complete(job, worker: options.worker) {
                    logger.warning("job finished after its lease passed to another worker", metadata: metadata)
                }
            case .failure(let error as ShutdownRelease):
                _ = error
                try await queue.release(job, worker: options.worker)
                logger.info("released job at shutdown", metadata: metadata)
            case .failure(let deferral as JobDeferral):
                if try await !queue.reschedule(job, worker: options.worker, to: deferral.until, note: deferral.description) {
                    logger.warning("job deferred after its lease passed to another worker", metadata: metadata)
                }
            case .failure(let error as LostLease):
                _ = error
                logger.warning("lost the lease of a running job", metadata: metadata)
            case .failure(let error):
                let result = try await queue.fail(job, worker: options.worker, error: String(describing: error))
                logger.warning("job failed", metadata: metadata.merging(["error": "\(error)", "next": "\(result)"]) { $1 })
            }
        } catch {
            logger.error("cannot record a job's outcome; its lease will expire and it will run again", metadata: metadata)
        }
    }

    private struct LostLease: Error {}
    private struct ShutdownRelease: Error {}
}
