import Foundation
import Logging
import Metrics
import NIOPosix
import Synchronization

/// A bounded pool of libpq connections, shared by all tasks of a process.
///
/// At most `maximumConnections` sessions exist at once; a borrower waits (up to
/// `acquireTimeout`) when all are busy. Connections are opened lazily, checked before each
/// loan (a backend killed by `pg_terminate_backend` or a server restart is noticed and
/// replaced), and dropped when a borrower leaves them broken or inside a transaction.
/// Blocking libpq calls run on the pool's own threads.
public final class ConnectionPool: Sendable {
    /// Pool limits and timeouts.
    public struct Options: Sendable {
        public var maximumConnections: Int
        public var acquireTimeout: Duration
        public init(maximumConnections: Int = 10, acquireTimeout: Duration = .seconds(10)) {
            self.maximumConnections = max(1, maximumConnections)
            self.acquireTimeout = acquireTimeout
        }
    }

    private enum Grant: Sendable {
        case connection(Connection)
        case mayOpen
    }

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Grant, any Error>
    }

    private struct State: ~Copyable {
        var idle: [Connection] = []
        var open = 0
        var waiters: [Waiter] = []
        var nextWaiterID = 0
        var closed = false
    }

    private enum Decision {
        case use(Connection)
        case open
        case wait
    }

    public let configuration: ConnectionConfiguration
    public let options: Options
    let executor: NIOThreadPool
    let logger: Logger
    private let state = Mutex(State())
    private let inUseGauge: Gauge
    private let openGauge: Gauge
    private let waitTimer: Metrics.Timer

    public init(configuration: ConnectionConfiguration, options: Options = Options(), logger: Logger) {
        self.configuration = configuration
        self.options = options
        self.logger = logger
        // One thread per connection, so a slow query never holds up another borrower.
        self.executor = NIOThreadPool(numberOfThreads: options.maximumConnections)
        self.executor.start()
        self.inUseGauge = Gauge(label: "linli_db_pool_connections", dimensions: [("state", "in_use")])
        self.openGauge = Gauge(label: "linli_db_pool_connections", dimensions: [("state", "open")])
        self.waitTimer = Metrics.Timer(label: "linli_db_pool_acquire_seconds")
    }

    /// Borrows a connection for the duration of `body`.
    public func withConnection<T>(_ body: (Connection) async throws -> T) async throws -> T {
        let connection = try await acquire()
        do {
            let value = try await body(connection)
            release(connection)
            return value
        } catch {
            release(connection)
            throw error
        }
    }

    /// Runs one statement on a pooled connection.
    @discardableResult
    public func query(_ query: SQLQuery) async throws -> QueryResult {
        try await withConnection { try await $0.query(query) }
    }

    /// Runs one statement on a pooled connection and returns the affected row count.
    @discardableResult
    public func execute(_ query: SQLQuery) async throws -> Int {
        try await withConnection { try await $0.execute(query) }
    }

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    ///
    /// With `retries > 0`, a transaction that fails with a serialization failure or deadlock
    /// (SQLSTATE 40001, 40P01) is run again from the start, up to that many more times, after
    /// a short randomised pause. `body` must then be safe to repeat.
    @discardableResult
    public func transaction<T>(
        isolation: IsolationLevel = .readCommitted, retries: Int = 0, _ body: (Connection) async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await withConnection { connection in
                    try await connection.transaction(isolation: isolation, body)
                }
            } catch let error as DatabaseError where error.isRetryableTransactionFailure && attempt < retries {
                attempt += 1
                let ceiling = min(200, 5 << min(attempt, 6))
                logger.debug(
                    "retrying transaction", metadata: ["attempt": "\(attempt)", "sqlstate": "\(error.sqlState ?? "")"])
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...ceiling)))
            }
        }
    }

    /// Takes a connection out of the pool; pair with `release`.
    public func acquire() async throws -> Connection {
        let start = ContinuousClock.now
        defer { waitTimer.record(duration: ContinuousClock.now - start) }
        while true {
            let decision: Decision = try state.withLock { state in
                if state.closed { throw DatabaseError(code: .poolClosed, message: "the connection pool is shut down") }
                while let candidate = state.idle.popLast() {
                    if candidate.isHealthyAndIdle() { return .use(candidate) }
                    state.open -= 1
                    discard(candidate, reason: "found broken before use")
                }
                if state.open < options.maximumConnections {
                    state.open += 1
                    return .open
                }
                return .wait
            }
            switch decision {
            case .use(let connection):
                updateGauges()
                return connection
            case .open:
                return try await openNew()
            case .wait:
                switch try await waitForGrant() {
                case .connection(let connection):
                    if connection.isHealthyAndIdle() {
                        updateGauges()
                        return connection
                    }
                    state.withLock { $0.open -= 1 }
                    discard(connection, reason: "found broken before use")
                case .mayOpen:
                    return try await openNew()
                }
            }
        }
    }

    /// Opens a connection for a slot already counted in `open`.
    private func openNew() async throws -> Connection {
        do {
            let connection = try await Connection.connect(configuration, executor: executor, logger: logger)
            updateGauges()
            return connection
        } catch {
            // Give the slot back; a waiter may try (the server may be back by then).
            let waiter: Waiter? = state.withLock { state in
                if state.waiters.isEmpty {
                    state.open -= 1
                    return nil
                }
                return state.waiters.removeFirst()
            }
            waiter?.continuation.resume(returning: .mayOpen)
            updateGauges()
            throw error
        }
    }

    private func waitForGrant() async throws -> Grant {
        let id = state.withLock { state -> Int in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        let timeout = options.acquireTimeout
        return try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Grant?.self) { group in
                group.addTask {
                    try await withCheckedThrowingContinuation { continuation in
                        let enqueued = self.state.withLock { state -> Bool in
                            if state.closed { return false }
                            state.waiters.append(Waiter(id: id, continuation: continuation))
                            return true
                        }
                        if !enqueued {
                            continuation.resume(
                                throwing: DatabaseError(code: .poolClosed, message: "the connection pool is shut down"))
                        }
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: timeout)
                    self.failWaiter(
                        id,
                        with: DatabaseError(
                            code: .poolTimedOut,
                            message:
                                "no database connection became free within \(timeout) (pool of \(self.options.maximumConnections))",
                            hint: "raise LINLI_DATABASE_POOL_SIZE or look for slow queries"))
                    return nil
                }
                while let next = try await group.next() {
                    if let grant = next {
                        group.cancelAll()
                        return grant
                    }
                }
                throw DatabaseError(code: .poolTimedOut, message: "no database connection became free")
            }
        } onCancel: {
            self.failWaiter(id, with: CancellationError())
        }
    }

    private func failWaiter(_ id: Int, with error: any Error) {
        let waiter: Waiter? = state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(throwing: error)
    }

    /// Returns a borrowed connection. A broken one, or one left inside a transaction, is closed.
    public func release(_ connection: Connection) {
        let healthy = connection.isHealthyAndIdle()
        enum Next { case handTo(Waiter), letOpen(Waiter), keep, drop }
        let next: Next = state.withLock { state in
            if !healthy || state.closed {
                if !state.waiters.isEmpty && !state.closed { return .letOpen(state.waiters.removeFirst()) }
                state.open -= 1
                return .drop
            }
            if !state.waiters.isEmpty { return .handTo(state.waiters.removeFirst()) }
            connection.lastUsed = .now
            state.idle.append(connection)
            return .keep
        }
        switch next {
        case .handTo(let waiter):
            waiter.continuation.resume(returning: .connection(connection))
        case .letOpen(let waiter):
            discard(connection, reason: "broken or left in a transaction")
            waiter.continuation.resume(returning: .mayOpen)
        case .drop:
            discard(connection, reason: healthy ? "pool closed" : "broken or left in a transaction")
        case .keep:
            break
        }
        updateGauges()
    }

    private func discard(_ connection: Connection, reason: String) {
        logger.debug("closing database connection", metadata: ["pid": "\(connection.backendPID)", "reason": "\(reason)"])
        Task { await connection.close() }
    }

    /// How many connections are open and how many are lent out right now.
    public var statistics: (open: Int, idle: Int, waiting: Int) {
        state.withLock { ($0.open, $0.idle.count, $0.waiters.count) }
    }

    private func updateGauges() {
        let (open, idle, _) = statistics
        openGauge.record(open)
        inUseGauge.record(open - idle)
    }

    /// Closes idle connections, fails waiters, and stops the threads. Borrowed connections are
    /// closed when they come back.
    public func shutdown() async {
        let (idle, waiters) = state.withLock { state -> ([Connection], [Waiter]) in
            state.closed = true
            let idle = state.idle
            let waiters = state.waiters
            state.open -= idle.count
            state.idle = []
            state.waiters = []
            return (idle, waiters)
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: DatabaseError(code: .poolClosed, message: "the connection pool is shut down"))
        }
        for connection in idle { await connection.close() }
        try? await executor.shutdownGracefully()
    }
}

/// Transaction isolation levels.
public enum IsolationLevel: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension Connection {
    /// Runs `body` inside BEGIN … COMMIT on this connection; rolls back if it throws.
    @discardableResult
    public func transaction<T>(
        isolation: IsolationLevel = .readCommitted, _ body: (Connection) async throws -> T
    )
        async throws -> T
    {
        try await executeScript(SQLQuery(unsafeSQL: "BEGIN ISOLATION LEVEL \(isolation.rawValue)"))
        let value: T
        do {
            value = try await body(self)
        } catch {
            if !isBroken {
                do { try await executeScript("ROLLBACK") } catch { markBroken() }
            }
            throw error
        }
        do {
            try await executeScript("COMMIT")
        } catch {
            if !isBroken {
                do { try await executeScript("ROLLBACK") } catch { markBroken() }
            }
            throw error
        }
        return value
    }
}
