import Foundation
import LinliDatabase
import Logging
import ServiceLifecycle

/// The worker process's main loop: it records a heartbeat that `/readyz`-style checks and
/// `linli doctor` read, and wakes on `NOTIFY linli_jobs`. The job queue and reminders run
/// inside this loop once they exist; until then it only proves the worker is alive.
public struct WorkerService: Service {
    public struct Options: Sendable {
        public var instanceName: String
        public var version: String
        public var heartbeatInterval: Duration
        public init(instanceName: String, version: String, heartbeatInterval: Duration) {
            self.instanceName = instanceName
            self.version = version
            self.heartbeatInterval = heartbeatInterval
        }
    }

    /// Channel that producers NOTIFY to wake workers early (a hint; polling is the truth).
    public static let wakeChannel = "linli_jobs"

    let pool: ConnectionPool
    let options: Options
    let logger: Logger

    public init(pool: ConnectionPool, options: Options, logger: Logger) {
        self.pool = pool
        self.options = options
        self.logger = logger
    }

    public func run() async throws {
        let listener = NotificationListener(configuration: pool.configuration, channels: [Self.wakeChannel], logger: logger)
        let startedAt = Date()
        logger.info("worker started", metadata: ["instance": "\(options.instanceName)"])
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await event in listener.events() {
                        if case .notification(let note) = event {
                            logger.debug("woken", metadata: ["channel": "\(note.channel)", "payload": "\(note.payload)"])
                        }
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        await beat(startedAt: startedAt)
                        try? await Task.sleep(for: options.heartbeatInterval)
                    }
                }
                // Both loops end on cancellation; graceful shutdown cancels them below.
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            Task { await listener.stop() }
        }
        logger.info("worker stopped", metadata: ["instance": "\(options.instanceName)"])
    }

    private func beat(startedAt: Date) async {
        do {
            try await WorkerQueries.recordHeartbeat(
                pool: pool, instanceName: options.instanceName, host: ProcessInfo.processInfo.hostName,
                pid: Int(ProcessInfo.processInfo.processIdentifier), version: options.version, startedAt: startedAt)
        } catch {
            logger.warning("cannot record heartbeat", metadata: ["error": "\(error)"])
        }
    }
}

/// The worker's SQL, in one place.
public enum WorkerQueries {
    static func recordHeartbeat(
        pool: ConnectionPool, instanceName: String, host: String, pid: Int, version: String, startedAt: Date
    ) async throws {
        try await pool.execute(
            """
            INSERT INTO worker_heartbeats (instance_name, host, pid, version, started_at, last_seen_at)
            VALUES (\(instanceName), \(host), \(pid), \(version), \(startedAt), now())
            ON CONFLICT (instance_name) DO UPDATE
               SET host = EXCLUDED.host, pid = EXCLUDED.pid, version = EXCLUDED.version,
                   started_at = EXCLUDED.started_at, last_seen_at = now()
            """)
    }

    /// Seconds since the freshest heartbeat of any worker, by the database's clock; nil if none.
    public static func secondsSinceLastHeartbeat(pool: ConnectionPool) async throws -> Double? {
        try await pool.query(
            "SELECT extract(epoch FROM now() - max(last_seen_at))::float8 AS age FROM worker_heartbeats"
        ).rows[0].decode("age")
    }
}
