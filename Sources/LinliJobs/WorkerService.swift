import Foundation
import LinliDatabase
import Logging
import ServiceLifecycle

/// Records that this worker process is alive, every `heartbeatInterval`, for `linli doctor`
/// and the operators' checks. The jobs themselves run in `JobRunner`.
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

    let pool: ConnectionPool
    let options: Options
    let logger: Logger

    public init(pool: ConnectionPool, options: Options, logger: Logger) {
        self.pool = pool
        self.options = options
        self.logger = logger
    }

    public func run() async throws {
        let startedAt = Date()
        logger.info("worker started", metadata: ["instance": "\(options.instanceName)"])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await beat(startedAt: startedAt)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: options.heartbeatInterval) }
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
