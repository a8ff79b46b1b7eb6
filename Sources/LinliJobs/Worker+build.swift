import LinliDatabase
import LinliSettings
import LinliStorage
import Logging
import ServiceLifecycle
import UnixSignals

/// Builds the worker process: the pool and the worker loop in one `ServiceGroup` that stops
/// gracefully on SIGTERM or SIGINT. `linli-worker` runs it; tests call it too.
public func buildWorker(settings: LinliSettings, logger: Logger) throws -> ServiceGroup {
    let pool = try settings.makePool(applicationName: "linli-worker", asApplication: true, logger: logger)
    let worker = WorkerService(
        pool: pool,
        options: .init(
            instanceName: settings.instanceName, version: LinliVersion.current,
            heartbeatInterval: .milliseconds(Int(settings.workerHeartbeatSeconds * 1000))),
        logger: logger)
    return ServiceGroup(
        configuration: .init(
            services: [.init(service: PoolService(pool: pool)), .init(service: worker)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
}
