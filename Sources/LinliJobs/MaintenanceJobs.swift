import Foundation
import LinliDatabase
import LinliDomain
import Logging

/// Jobs the worker runs for itself: once a day, purge finished jobs past the retention period.
public enum MaintenanceJobs {
    public static let purgeKind = "maintenance.purge_jobs"

    struct PurgePayload: Codable {
        let day: String
    }

    /// Enqueues today's purge (at most once per day across all workers, by its unique key).
    public static func scheduleDailyPurge(queue: JobQueue, now: Date = Date()) async throws {
        let day = LocalDate(now, in: .shanghai).description
        try await queue.enqueue(
            NewJob(kind: purgeKind, payload: PurgePayload(day: day), uniqueKey: "\(purgeKind):\(day)", priority: -10))
    }

    /// The handler: deletes succeeded and cancelled jobs older than `retention`.
    public static func purgeHandler(queue: JobQueue, retention: Duration, logger: Logger) -> JobHandler {
        { _ in
            let removed = try await queue.purge(finishedBefore: retention)
            logger.info("purged finished jobs", metadata: ["removed": "\(removed)"])
        }
    }
}
