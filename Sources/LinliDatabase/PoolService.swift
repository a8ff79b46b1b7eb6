import ServiceLifecycle

/// Runs a `ConnectionPool` as a lifecycle service: it stays up until graceful shutdown and
/// then closes every connection. List it before the services that use the pool, so that
/// `ServiceGroup` (which stops services in reverse order) closes it last.
public struct PoolService: Service {
    public let pool: ConnectionPool
    public init(pool: ConnectionPool) { self.pool = pool }

    public func run() async throws {
        try? await gracefulShutdown()
        await pool.shutdown()
    }
}
