import LinliDatabase
import LinliSettings
import LinliStorage
import Logging
import ServiceLifecycle
import UnixSignals

/// Builds the worker process: the pool and the worker loop in one `ServiceGroup` that stops
/// gracefully on SIGTERM or SIGINT. `linli-worker` runs it; tests call it too.
/// `handlers` adds the job kinds of modules above this one (roster solving), which LinliJobs
/// cannot import: the program that builds the worker composes them.
public func buildWorker(
    settings: LinliSettings, logger: Logger,
    handlers extraHandlers: (_ store: Store, _ logger: Logger) -> [String: JobHandler] = { _, _ in [:] }
) throws -> ServiceGroup {
    let pool = try settings.makePool(applicationName: "linli-worker", asApplication: true, logger: logger)
    let worker = WorkerService(
        pool: pool,
        options: .init(
            instanceName: settings.instanceName, version: LinliVersion.current,
            heartbeatInterval: .milliseconds(Int(settings.workerHeartbeatSeconds * 1000))),
        logger: logger)
    let queue = JobQueue(store: Store(pool: pool))
    let handlers: [String: JobHandler] = [
        MaintenanceJobs.purgeKind: MaintenanceJobs.purgeHandler(
            queue: queue, retention: .seconds(Int64(settings.jobRetentionDays) * 86_400), logger: logger)
    ].merging(extraHandlers(queue.store, logger)) { own, _ in own }
    let runner = JobRunner(
        queue: queue, handlers: handlers,
        options: .init(worker: settings.instanceName, concurrency: settings.workerConcurrency), logger: logger)
    let scheduler = DailyScheduler(queue: queue, logger: logger)
    return ServiceGroup(
        configuration: .init(
            services: [
                .init(service: PoolService(pool: pool)), .init(service: worker), .init(service: runner),
                .init(service: scheduler),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
}

/// Enqueues the daily maintenance jobs at start-up and then every hour (unique keys make the
/// extra attempts no-ops), so one of many workers runs each once a day.
struct DailyScheduler: Service {
    let queue: JobQueue
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await MaintenanceJobs.scheduleDailyPurge(queue: queue)
            } catch {
                logger.warning("cannot schedule maintenance jobs", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}
