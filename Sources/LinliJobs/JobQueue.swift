import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage

/// A job as a worker holds it.
public struct Job: Sendable, Hashable {
    public let id: Int64
    public let kind: String
    public let uniqueKey: String?
    /// JSON text; decode it with `payload(as:)`.
    public let payload: String
    public let communityID: ID<Community>?
    public let priority: Int
    /// This attempt's number, from 1.
    public let attempt: Int
    public let maxAttempts: Int

    public func payload<T: Decodable>(as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(payload.utf8))
    }
}

/// A job to enqueue.
public struct NewJob: Sendable {
    public var kind: String
    public var payload: String
    public var uniqueKey: String?
    public var communityID: ID<Community>?
    public var priority: Int
    /// Run no earlier than this; nil: now (by the database's clock).
    public var runAt: Date?
    public var maxAttempts: Int
    /// What the job is about (e.g. `slot:<id>`), so a change can cancel the jobs it makes pointless.
    public var subject: String?

    public init<Payload: Encodable>(
        kind: String, payload: Payload, uniqueKey: String? = nil, communityID: ID<Community>? = nil, priority: Int = 0,
        runAt: Date? = nil, maxAttempts: Int = 8, subject: String? = nil
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        self.kind = kind
        self.payload = String(decoding: try encoder.encode(payload), as: UTF8.self)
        self.uniqueKey = uniqueKey
        self.communityID = communityID
        self.priority = priority
        self.runAt = runAt
        self.maxAttempts = maxAttempts
        self.subject = subject
    }
}

/// What happened to a job that failed.
public enum FailureOutcome: Sendable, Equatable {
    /// It will run again at this time.
    case retry(at: Date)
    /// That was its last attempt.
    case dead
    /// Another worker holds it now (this worker's lease had expired).
    case lostOwnership
}

/// A job's row, for `linli jobs list|show`.
public struct JobRecord: Sendable, Hashable, Codable {
    public let id: Int64
    public let kind: String
    public let state: String
    public let uniqueKey: String?
    public let priority: Int
    public let attempts: Int
    public let maxAttempts: Int
    public let runAt: Date
    public let lockedBy: String?
    public let lastError: String?
    public let payload: String
}

/// The PostgreSQL job queue. All SQL of the queue is here.
///
/// Correctness rests on the database: claiming uses `FOR UPDATE SKIP LOCKED`, so two workers
/// never take the same row; a claim holds a lease until `locked_until` by the database's clock,
/// renewed by heartbeats; finishing checks that this worker still holds the lease. A worker
/// that dies simply stops renewing, and its jobs are claimed again once the lease runs out.
public struct JobQueue: Sendable {
    /// Lease and retry timing.
    public struct Options: Sendable {
        public var lease: Duration
        public var backoffBase: Duration
        public var backoffCap: Duration
        public init(lease: Duration = .seconds(60), backoffBase: Duration = .seconds(5), backoffCap: Duration = .seconds(3600)) {
            self.lease = lease
            self.backoffBase = backoffBase
            self.backoffCap = backoffCap
        }
    }

    /// Channel a commit that enqueues a job notifies, to wake idle workers early.
    public static let channel = "linli_jobs"

    public let store: Store
    public let options: Options

    public init(store: Store, options: Options = Options()) {
        self.store = store
        self.options = options
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    // MARK: Producing

    /// Enqueues `job` in the caller's transaction: it exists only if that transaction commits.
    /// Returns nil when a job with the same unique key already exists (it is not enqueued twice).
    @discardableResult
    public static func enqueue(_ job: NewJob, on tx: Connection) async throws -> Int64? {
        let rows = try await tx.query(
            """
            INSERT INTO jobs (kind, payload, unique_key, community_id, priority, run_at, max_attempts, subject)
            VALUES (\(job.kind), \(job.payload)::jsonb, \(job.uniqueKey), \(job.communityID), \(job.priority),
                    coalesce(\(job.runAt)::timestamptz, now()), \(job.maxAttempts), \(job.subject))
            ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING
            RETURNING id
            """
        ).rows
        guard let row = rows.first else { return nil }
        try await tx.notify(channel, payload: job.kind)
        return try row.decode("id")
    }

    /// Enqueues one job in a transaction of its own.
    @discardableResult
    public func enqueue(_ job: NewJob) async throws -> Int64? {
        try await store.transaction(.administrator()) { tx in try await Self.enqueue(job, on: tx) }
    }

    /// Cancels the pending jobs about `subject` (a cancelled slot's reminders), in the
    /// caller's transaction; returns how many.
    @discardableResult
    public static func cancelPending(subject: String, kinds: [String]? = nil, on tx: Connection) async throws -> Int {
        try await tx.execute(
            """
            UPDATE jobs SET state = 'cancelled', finished_at = now(), last_error = 'cancelled before it ran'
            WHERE state = 'pending' AND subject = \(subject)
              AND (\(kinds)::text[] IS NULL OR kind = ANY(\(kinds)::text[]))
            """)
    }

    // MARK: Consuming

    /// Takes up to `limit` due jobs (highest priority, then earliest) for `worker`, including
    /// jobs whose previous holder's lease ran out. Jobs past their last attempt become dead.
    public func claim(worker: String, limit: Int, kinds: [String]? = nil) async throws -> [Job] {
        try await store.transaction(.administrator()) { tx in
            try await tx.execute(
                """
                UPDATE jobs SET state = 'dead', finished_at = now(), locked_by = NULL, locked_until = NULL,
                    last_error = coalesce(last_error || '; ', '') || 'lease expired on the last attempt (worker ' || locked_by || ')'
                WHERE state = 'running' AND locked_until < now() AND attempts >= max_attempts
                """)
            return try await tx.query(
                """
                WITH next AS (
                    SELECT id FROM jobs
                    WHERE ((state = 'pending' AND run_at <= now()) OR (state = 'running' AND locked_until < now()))
                      AND (\(kinds)::text[] IS NULL OR kind = ANY(\(kinds)::text[]))
                    ORDER BY priority DESC, run_at, id
                    LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED)
                UPDATE jobs j SET state = 'running', locked_by = \(worker),
                    locked_until = now() + make_interval(secs => \(Self.seconds(options.lease))),
                    heartbeat_at = now(), attempts = j.attempts + 1, started_at = now()
                FROM next WHERE j.id = next.id
                RETURNING j.id, j.kind, j.unique_key, j.payload::text AS payload, j.community_id, j.priority, j.attempts,
                          j.max_attempts
                """
            ).rows.map { row in
                Job(
                    id: try row.decode("id"), kind: try row.decode("kind"), uniqueKey: try row.decode("unique_key"),
                    payload: try row.decode("payload"), communityID: try row.decode("community_id"),
                    priority: try row.decode("priority"), attempt: try row.decode("attempts"),
                    maxAttempts: try row.decode("max_attempts"))
            }
        }
    }

    /// Extends the lease; false when this worker no longer holds the job.
    public func heartbeat(_ job: Job, worker: String) async throws -> Bool {
        try await store.transaction(.administrator()) { tx in
            try await tx.execute(
                """
                UPDATE jobs SET locked_until = now() + make_interval(secs => \(Self.seconds(options.lease))), heartbeat_at = now()
                WHERE id = \(job.id) AND state = 'running' AND locked_by = \(worker)
                """) == 1
        }
    }

    /// Marks the job done; false when this worker no longer held it (someone else may be running it).
    public func complete(_ job: Job, worker: String) async throws -> Bool {
        try await store.transaction(.administrator()) { tx in
            try await Self.complete(job, worker: worker, on: tx)
        }
    }

    /// Marks the job done inside the caller's transaction, so its effects and its completion
    /// commit together.
    public static func complete(_ job: Job, worker: String, on tx: Connection) async throws -> Bool {
        try await tx.execute(
            """
            UPDATE jobs SET state = 'succeeded', finished_at = now(), locked_by = NULL, locked_until = NULL
            WHERE id = \(job.id) AND state = 'running' AND locked_by = \(worker)
            """) == 1
    }

    /// Records a failure: the job runs again after an exponential backoff with jitter, or
    /// becomes dead after its last attempt.
    public func fail(_ job: Job, worker: String, error: String) async throws -> FailureOutcome {
        try await store.transaction(.administrator()) { tx in
            let rows = try await tx.query(
                """
                UPDATE jobs SET
                    state = CASE WHEN attempts >= max_attempts THEN 'dead'::job_state ELSE 'pending'::job_state END,
                    finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
                    run_at = CASE WHEN attempts >= max_attempts THEN run_at ELSE now() + make_interval(secs =>
                        least(\(Self.seconds(options.backoffCap)), \(Self.seconds(options.backoffBase)) * power(2, attempts - 1))
                        * (0.5 + random() * 0.5)) END,
                    locked_by = NULL, locked_until = NULL, last_error = left(\(error), 2000)
                WHERE id = \(job.id) AND state = 'running' AND locked_by = \(worker)
                RETURNING state::text AS state, run_at
                """
            ).rows
            guard let row = rows.first else { return .lostOwnership }
            return try row.decode("state", as: String.self) == "dead" ? .dead : .retry(at: try row.decode("run_at"))
        }
    }

    /// Gives a job back untouched (graceful shutdown): it runs again at once elsewhere, and
    /// this attempt does not count.
    public func release(_ job: Job, worker: String) async throws {
        try await store.transaction(.administrator()) { tx in
            try await tx.execute(
                """
                UPDATE jobs SET state = 'pending', run_at = now(), attempts = greatest(attempts - 1, 0), locked_by = NULL,
                    locked_until = NULL
                WHERE id = \(job.id) AND state = 'running' AND locked_by = \(worker)
                """)
            try await tx.notify(Self.channel, payload: job.kind)
        }
    }

    /// Puts a running job back to wait until `date` (quiet hours, say); the attempt does not
    /// count. False when this worker no longer holds it.
    public func reschedule(_ job: Job, worker: String, to date: Date, note: String) async throws -> Bool {
        try await store.transaction(.administrator()) { tx in
            try await tx.execute(
                """
                UPDATE jobs SET state = 'pending', run_at = \(date), attempts = greatest(attempts - 1, 0), locked_by = NULL,
                    locked_until = NULL, last_error = left(\(note), 2000)
                WHERE id = \(job.id) AND state = 'running' AND locked_by = \(worker)
                """) == 1
        }
    }

    // MARK: Administration

    public func jobs(state: String? = nil, limit: Int = 100) async throws -> [JobRecord] {
        try await store.transaction(.administrator()) { tx in
            try await tx.query(
                """
                SELECT id, kind, state::text AS state, unique_key, priority, attempts, max_attempts, run_at, locked_by,
                       last_error, payload::text AS payload
                FROM jobs WHERE \(state)::text IS NULL OR state::text = \(state)
                ORDER BY id DESC LIMIT \(limit)
                """
            ).rows.map(Self.record)
        }
    }

    public func job(_ id: Int64) async throws -> JobRecord? {
        try await store.transaction(.administrator()) { tx in
            try await tx.query(
                """
                SELECT id, kind, state::text AS state, unique_key, priority, attempts, max_attempts, run_at, locked_by,
                       last_error, payload::text AS payload
                FROM jobs WHERE id = \(id)
                """
            ).rows.first.map(Self.record)
        }
    }

    /// Puts a dead job back in the queue with fresh attempts; false if it is not dead.
    public func retry(_ id: Int64) async throws -> Bool {
        try await store.transaction(.administrator()) { tx in
            let changed = try await tx.execute(
                """
                UPDATE jobs SET state = 'pending', attempts = 0, run_at = now(), finished_at = NULL
                WHERE id = \(id) AND state = 'dead'
                """)
            if changed == 1 { try await tx.notify(Self.channel, payload: "retry") }
            return changed == 1
        }
    }

    /// Gives up on a dead or pending job for good; false if it is in neither state.
    public func discard(_ id: Int64) async throws -> Bool {
        try await store.transaction(.administrator()) { tx in
            try await tx.execute(
                """
                UPDATE jobs SET state = 'cancelled', finished_at = now(), last_error = coalesce(last_error || '; ', '') || 'discarded'
                WHERE id = \(id) AND state IN ('dead', 'pending')
                """) == 1
        }
    }

    /// Number of jobs in each state.
    public func stats() async throws -> [String: Int] {
        try await store.transaction(.administrator()) { tx in
            var out: [String: Int] = [:]
            for row in try await tx.query("SELECT state::text AS state, count(*) AS n FROM jobs GROUP BY state").rows {
                out[try row.decode("state")] = try row.decode("n")
            }
            return out
        }
    }

    /// Deletes succeeded and cancelled jobs finished before `age` ago (dead ones are kept for
    /// the administrator). Keys of deleted jobs may be enqueued again, so keep `age` longer
    /// than any producer might retry.
    @discardableResult
    public func purge(finishedBefore age: Duration) async throws -> Int {
        try await store.transaction(.administrator()) { tx in
            try await tx.execute(
                """
                DELETE FROM jobs WHERE state IN ('succeeded', 'cancelled')
                  AND finished_at < now() - make_interval(secs => \(Self.seconds(age)))
                """)
        }
    }

    // MARK: Measuring

    /// How the jobs of one kind fared, by the database's clock (for `linli bench jobs`).
    public struct KindTiming: Sendable, Hashable {
        public let total: Int
        public let succeeded: Int
        /// From the first claim to the last completion, in seconds; nil before any completion.
        public let span: Double?
        /// Seconds from enqueue to completion of the succeeded jobs.
        public let p50: Double?
        public let p99: Double?
        public let max: Double?
    }

    public func timing(kind: String) async throws -> KindTiming {
        try await store.transaction(.administrator()) { tx in
            let row = try await tx.query(
                """
                SELECT count(*) AS total, count(*) FILTER (WHERE state = 'succeeded') AS succeeded,
                       extract(epoch FROM max(finished_at) - min(started_at))::float8 AS span,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at))
                           FILTER (WHERE state = 'succeeded') AS p50,
                       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at))
                           FILTER (WHERE state = 'succeeded') AS p99,
                       extract(epoch FROM max(finished_at - created_at) FILTER (WHERE state = 'succeeded'))::float8 AS worst
                FROM jobs WHERE kind = \(kind)
                """
            ).rows[0]
            return KindTiming(
                total: try row.decode("total"), succeeded: try row.decode("succeeded"), span: try row.decode("span"),
                p50: try row.decode("p50"), p99: try row.decode("p99"), max: try row.decode("worst"))
        }
    }

    /// Deletes every job of `kind` whatever its state (a benchmark's own jobs); returns how many.
    @discardableResult
    public func deleteAll(kind: String) async throws -> Int {
        try await store.transaction(.administrator()) { tx in
            try await tx.execute("DELETE FROM jobs WHERE kind = \(kind)")
        }
    }

    static func record(_ row: Row) throws -> JobRecord {
        JobRecord(
            id: try row.decode("id"), kind: try row.decode("kind"), state: try row.decode("state"),
            uniqueKey: try row.decode("unique_key"), priority: try row.decode("priority"),
            attempts: try row.decode("attempts"), maxAttempts: try row.decode("max_attempts"), runAt: try row.decode("run_at"),
            lockedBy: try row.decode("locked_by"), lastError: try row.decode("last_error"), payload: try row.decode("payload"))
    }
}
