import Foundation
import LinliDatabase
import LinliJobs
import LinliStorage
import LinliTestSupport
import Logging
import ServiceLifecycle
import Synchronization
import Testing

struct Note: Codable, Equatable {
    let text: String
}

func queue(_ configuration: ConnectionConfiguration, poolSize: Int = 4, options: JobQueue.Options = .init()) -> JobQueue {
    let pool = ConnectionPool(
        configuration: ConnectionConfiguration(connectionString: configuration.connectionString, sessionRole: "linli_app"),
        options: .init(maximumConnections: poolSize), logger: TestDatabase.logger)
    return JobQueue(store: Store(pool: pool), options: options)
}

@Suite("The PostgreSQL job queue")
struct JobQueueTests {
    @Test("a job enqueued in a transaction that rolls back never exists")
    func enqueueRollsBack() async throws {
        struct Abort: Error {}
        try await TestDatabase.withDatabase { _, configuration async throws in
            let q = queue(configuration)
            await #expect(throws: Abort.self) {
                try await q.store.transaction(.administrator()) { tx in
                    try await JobQueue.enqueue(NewJob(kind: "reminder.send", payload: Note(text: "回滚")), on: tx)
                    throw Abort()
                }
            }
            #expect(try await q.stats().isEmpty)
            #expect(try await q.enqueue(NewJob(kind: "reminder.send", payload: Note(text: "提交"))) != nil)
            #expect(try await q.stats() == ["pending": 1])
            await q.store.pool.shutdown()
        }
    }

    @Test("a unique key admits one job only, even after it ran")
    func uniqueKeys() async throws {
        try await TestDatabase.withDatabase { _, configuration async throws in
            let q = queue(configuration)
            let job = try NewJob(kind: "reminder.send", payload: Note(text: "a"), uniqueKey: "reminder:a1:evening:v1")
            #expect(try await q.enqueue(job) != nil)
            #expect(try await q.enqueue(job) == nil)
            let claimed = try await q.claim(worker: "w1", limit: 5)
            #expect(claimed.count == 1)
            #expect(try await q.complete(claimed[0], worker: "w1"))
            #expect(try await q.enqueue(job) == nil)
            #expect(
                try await q.enqueue(NewJob(kind: "reminder.send", payload: Note(text: "a"), uniqueKey: "reminder:a1:evening:v2"))
                    != nil)
            await q.store.pool.shutdown()
        }
    }

    @Test("jobs are claimed by priority, then due time; future jobs wait")
    func ordering() async throws {
        try await TestDatabase.withDatabase { _, configuration async throws in
            let q = queue(configuration)
            try await q.enqueue(NewJob(kind: "k.low", payload: Note(text: "low"), priority: -1))
            try await q.enqueue(NewJob(kind: "k.high", payload: Note(text: "high"), priority: 5))
            try await q.enqueue(NewJob(kind: "k.normal", payload: Note(text: "normal")))
            try await q.enqueue(
                NewJob(kind: "k.later", payload: Note(text: "later"), priority: 9, runAt: Date().addingTimeInterval(3600)))
            let claimed = try await q.claim(worker: "w1", limit: 10)
            #expect(claimed.map(\.kind) == ["k.high", "k.normal", "k.low"])
            #expect(try claimed[0].payload(as: Note.self) == Note(text: "high"))
            #expect(claimed.allSatisfy { $0.attempt == 1 })
            await q.store.pool.shutdown()
        }
    }

    @Test("a failure retries after an exponential backoff with jitter, then the job is dead; retry and discard")
    func backoffAndDeath() async throws {
        try await TestDatabase.withDatabase { _, configuration async throws in
            let q = queue(
                configuration, options: .init(lease: .seconds(30), backoffBase: .seconds(10), backoffCap: .seconds(3600)))
            let id = try #require(try await q.enqueue(NewJob(kind: "k.flaky", payload: Note(text: "x"), maxAttempts: 3)))
            var delays: [Double] = []
            for attempt in 1...3 {
                try await q.store.transaction(.administrator()) { tx in
                    _ = try await tx.execute("UPDATE jobs SET run_at = now() WHERE id = \(id)")
                }
                let job = try #require(try await q.claim(worker: "w1", limit: 1).first)
                #expect(job.attempt == attempt)
                let before = Date()
                let outcome = try await q.fail(job, worker: "w1", error: "网关超时 attempt \(attempt)")
                if case .retry(let at) = outcome { delays.append(at.timeIntervalSince(before)) }
                if attempt == 3 { #expect(outcome == .dead) }
            }
            // Base 10 s doubling, each scaled by a jitter factor in [0.5, 1].
            #expect(delays.count == 2)
            #expect(delays[0] >= 4.9 && delays[0] <= 10.5)
            #expect(delays[1] >= 9.9 && delays[1] <= 20.5)
            let dead = try #require(try await q.job(id))
            #expect(dead.state == "dead" && dead.lastError == "网关超时 attempt 3")
            #expect(try await q.jobs(state: "dead").map(\.id) == [id])
            #expect(try await q.retry(id))
            #expect(try await q.job(id)?.state == "pending")
            #expect(try await q.discard(id))
            #expect(try await q.job(id)?.state == "cancelled")
            #expect(try await !q.retry(id))
            await q.store.pool.shutdown()
        }
    }

    @Test("a job whose worker died is claimed again when its lease runs out, and the dead worker cannot finish it")
    func leaseExpiry() async throws {
        try await TestDatabase.withDatabase { _, configuration async throws in
            let q = queue(configuration, options: .init(lease: .seconds(1)))
            try await q.enqueue(NewJob(kind: "k.long", payload: Note(text: "x")))
            let first = try #require(try await q.claim(worker: "dies", limit: 1).first)
            #expect(try await q.claim(worker: "other", limit: 1).isEmpty, "leased jobs are not claimed")
            try await Task.sleep(for: .milliseconds(1500))
            let second = try #require(try await q.claim(worker: "other", limit: 1).first)
            #expect(second.id == first.id && second.attempt == 2)
            #expect(try await !q.complete(first, worker: "dies"))
            #expect(try await !q.heartbeat(first, worker: "dies"))
            #expect(try await q.fail(first, worker: "dies", error: "late") == .lostOwnership)
            #expect(try await q.complete(second, worker: "other"))
            await q.store.pool.shutdown()
        }
    }

    @Test("heartbeats keep a lease alive past its length")
    func heartbeats() async throws {
        try await TestDatabase.withDatabase { _, configuration async throws in
            // A 3 s lease and a heartbeat every 0.5 s for 4 s: the job outlives its lease only through
            // them, and a heartbeat would have to come 2.5 s late (a loaded machine) to let it lapse.
            let q = queue(configuration, options: .init(lease: .seconds(3)))
            try await q.enqueue(NewJob(kind: "k.long", payload: Note(text: "x")))
            let job = try #require(try await q.claim(worker: "w1", limit: 1).first)
            for _ in 0..<8 {
                try await Task.sleep(for: .milliseconds(500))
                #expect(try await q.heartbeat(job, worker: "w1"))
            }
            #expect(try await q.claim(worker: "w2", limit: 1).isEmpty)
            #expect(try await q.complete(job, worker: "w1"))
            await q.store.pool.shutdown()
        }
    }

    @Test("four runners on one queue run each of 200 jobs exactly once")
    func concurrentRunnersRunEachJobOnce() async throws {
        try await TestDatabase.withDatabase(poolSize: 4) { pool, configuration async throws in
            try await pool.execute("CREATE TABLE job_runs (job_id bigint NOT NULL, worker text NOT NULL)")
            try await pool.execute("GRANT INSERT, SELECT ON job_runs TO linli_app")
            let producer = queue(configuration)
            for i in 0..<200 {
                try await producer.enqueue(NewJob(kind: "k.count", payload: Note(text: "\(i)"), uniqueKey: "count-\(i)"))
            }
            var groups: [ServiceGroup] = []
            var tasks: [Task<Void, any Error>] = []
            for w in 0..<4 {
                let q = queue(configuration, poolSize: 3)
                let worker = "runner-\(w)"
                let handler: JobHandler = { job in
                    try await q.store.transaction(.administrator()) { tx in
                        _ = try await tx.execute("INSERT INTO job_runs (job_id, worker) VALUES (\(job.id), \(worker))")
                    }
                }
                let runner = JobRunner(
                    queue: q, handlers: ["k.count": handler],
                    options: .init(worker: worker, concurrency: 3, pollInterval: .milliseconds(100)), logger: TestDatabase.logger)
                let group = ServiceGroup(
                    configuration: .init(
                        services: [.init(service: PoolService(pool: q.store.pool)), .init(service: runner)],
                        logger: TestDatabase.logger))
                groups.append(group)
                tasks.append(Task { try await group.run() })
            }
            var done = 0
            for _ in 0..<300 where done < 200 {
                try await Task.sleep(for: .milliseconds(100))
                done = try await producer.stats()["succeeded"] ?? 0
            }
            for group in groups { await group.triggerGracefulShutdown() }
            for task in tasks { try await task.value }
            #expect(done == 200)
            let runs = try await pool.query(
                "SELECT count(*) AS runs, count(DISTINCT job_id) AS jobs, count(DISTINCT worker) AS workers FROM job_runs"
            ).rows[0]
            #expect(try runs.decode("runs", as: Int.self) == 200, "no job ran twice")
            #expect(try runs.decode("jobs", as: Int.self) == 200)
            #expect(try runs.decode("workers", as: Int.self) > 1, "the work was shared")
            await producer.store.pool.shutdown()
        }
    }

    @Test("a failing handler's job is retried, and a job for an unknown kind is never claimed")
    func runnerRetriesFailures() async throws {
        try await TestDatabase.withDatabase { _, configuration async throws in
            let q = queue(
                configuration, options: .init(lease: .seconds(10), backoffBase: .milliseconds(50), backoffCap: .seconds(1)))
            let attempts = Atomic<Int>(0)
            let handler: JobHandler = { _ in
                if attempts.add(1, ordering: .relaxed).newValue < 3 { throw Flaky() }
            }
            let id = try #require(try await q.enqueue(NewJob(kind: "k.flaky", payload: Note(text: "x"))))
            let other = try #require(try await q.enqueue(NewJob(kind: "k.unknown", payload: Note(text: "y"))))
            let runner = JobRunner(
                queue: q, handlers: ["k.flaky": handler], options: .init(worker: "w", pollInterval: .milliseconds(50)),
                logger: TestDatabase.logger)
            let group = ServiceGroup(configuration: .init(services: [.init(service: runner)], logger: TestDatabase.logger))
            let task = Task { try await group.run() }
            var state = ""
            for _ in 0..<100 where state != "succeeded" {
                try await Task.sleep(for: .milliseconds(100))
                state = try await q.job(id)?.state ?? ""
            }
            await group.triggerGracefulShutdown()
            try await task.value
            #expect(state == "succeeded")
            let attemptCount = attempts.load(ordering: .relaxed)
            #expect(attemptCount == 3)
            #expect(try await q.job(other)?.state == "pending")
            await q.store.pool.shutdown()
        }
    }

    @Test("graceful shutdown gives back a job still running after the grace period")
    func shutdownReleases() async throws {
        try await TestDatabase.withDatabase { _, configuration async throws in
            let q = queue(configuration)
            let id = try #require(try await q.enqueue(NewJob(kind: "k.slow", payload: Note(text: "x"))))
            let started = Atomic<Bool>(false)
            let handler: JobHandler = { _ in
                started.store(true, ordering: .relaxed)
                try await Task.sleep(for: .seconds(60))
            }
            let runner = JobRunner(
                queue: q, handlers: ["k.slow": handler],
                options: .init(worker: "w", pollInterval: .milliseconds(50), shutdownGrace: .milliseconds(300)),
                logger: TestDatabase.logger)
            let group = ServiceGroup(configuration: .init(services: [.init(service: runner)], logger: TestDatabase.logger))
            let task = Task { try await group.run() }
            for _ in 0..<100 where !started.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(50)) }
            let didStart = started.load(ordering: .relaxed)
            #expect(didStart)
            let stopAt = ContinuousClock.now
            await group.triggerGracefulShutdown()
            try await task.value
            #expect(ContinuousClock.now - stopAt < .seconds(10))
            let record = try #require(try await q.job(id))
            #expect(record.state == "pending" && record.attempts == 0 && record.lockedBy == nil)
            await q.store.pool.shutdown()
        }
    }
}

struct Flaky: Error {}
