import Foundation
import LinliAccounts
import LinliChannels
import LinliDatabase
import LinliDomain
import LinliJobs
import LinliReminders
import LinliRostering
import LinliSettings
import LinliStorage
import Logging
import ServiceLifecycle
import UnixSignals

/// Builds the worker process: the pool, the channels, the job runner with every kind of job
/// the worker knows, and the heartbeat, in one `ServiceGroup` that stops gracefully on
/// SIGTERM or SIGINT. `linli-worker` runs it; tests call it too.
public func buildWorker(settings: LinliSettings, logger: Logger) throws -> ServiceGroup {
    // The worker's sessions run as its own role, which cannot read residents' care notes.
    var workerSettings = settings
    workerSettings.databaseRole = settings.workerDatabaseRole
    let pool = try workerSettings.makePool(applicationName: "linli-worker", asApplication: true, logger: logger)
    let store = Store(pool: pool)
    let worker = WorkerService(
        pool: pool,
        options: .init(
            instanceName: settings.instanceName, version: LinliVersion.current,
            heartbeatInterval: .milliseconds(Int(settings.workerHeartbeatSeconds * 1000))),
        logger: logger)
    let queue = JobQueue(store: store, options: .init(lease: .milliseconds(Int64(settings.jobLeaseSeconds * 1000))))
    let channels = Channels(configuration: ChannelConfiguration(settings: settings))
    let handlers = workerHandlers(store: store, queue: queue, channels: channels, settings: settings, logger: logger)
    let runner = JobRunner(
        queue: queue, handlers: handlers,
        options: .init(worker: settings.instanceName, concurrency: settings.workerConcurrency), logger: logger)
    let scheduler = DailyScheduler(queue: queue, logger: logger)
    return ServiceGroup(
        configuration: .init(
            services: [
                .init(service: PoolService(pool: pool)), .init(service: ChannelsService(channels: channels)),
                .init(service: worker), .init(service: runner), .init(service: scheduler),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
}

/// Every job kind the worker runs, and its handler.
func workerHandlers(
    store: Store, queue: JobQueue, channels: Channels, settings: LinliSettings, logger: Logger
) -> [String: JobHandler] {
    [
        MaintenanceJobs.purgeKind: MaintenanceJobs.purgeHandler(
            queue: queue, retention: .seconds(Int64(settings.jobRetentionDays) * 86_400), logger: logger),
        ReminderPlanner.jobKind: ReminderSender(store: store, channels: channels, logger: logger).handler,
        Replies.replanKind: DeclineReplanner(store: store, logger: logger).handler,
        RosterSolving.jobKind: RosterSolving(store: store, logger: logger).handler(),
        DailyScheduler.purgeRequestsKind: { _ in
            let removed = try await store.transaction(.administrator()) { tx in
                (try await IdempotencyStore().purgeExpired(on: tx), try await BookingDesk.purgeExpired(on: tx))
            }
            logger.info(
                "purged expired idempotency keys and booking proposals",
                metadata: ["keys": "\(removed.0)", "proposals": "\(removed.1)"])
        },
        DailyScheduler.purgeSessionsKind: { _ in
            let removed = try await Sessions(store: store).purge(olderThanDays: 90)
            logger.info(
                "purged ended sessions and old sign-in attempts",
                metadata: ["sessions": "\(removed.sessions)", "attempts": "\(removed.attempts)"])
        },
    ]
}

/// Shuts the channels' HTTP client down after the job runner has stopped.
struct ChannelsService: Service {
    let channels: Channels

    func run() async throws {
        try? await gracefulShutdown()
        try await channels.shutdown()
    }
}

/// Enqueues the daily maintenance jobs at start-up and then every hour (unique keys make the
/// extra attempts no-ops), so one of many workers runs each once a day.
struct DailyScheduler: Service {
    /// Deletes sessions ended and sign-in attempts made more than 90 days ago.
    static let purgeSessionsKind = "maintenance.purge_sessions"
    /// Deletes `Idempotency-Key`s past their 24 hours and booking-desk proposals expired unconfirmed.
    static let purgeRequestsKind = "maintenance.purge_requests"

    let queue: JobQueue
    let logger: Logger

    struct Day: Codable {
        let day: String
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await MaintenanceJobs.scheduleDailyPurge(queue: queue)
                let day = LocalDate(Date(), in: .shanghai).description
                for kind in [Self.purgeSessionsKind, Self.purgeRequestsKind] {
                    try await queue.enqueue(
                        NewJob(kind: kind, payload: Day(day: day), uniqueKey: "\(kind):\(day)", priority: -10))
                }
            } catch {
                logger.warning("cannot schedule maintenance jobs", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}
