import Foundation
import LinliDatabase
import LinliJobs
import LinliSettings
import LinliTestSupport
import LinliWorker
import ServiceLifecycle
import Testing

@Suite("Worker process")
struct WorkerTests {
    @Test("the worker records heartbeats and stops cleanly on graceful shutdown")
    func heartbeatAndShutdown() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            let settings = LinliSettings(
                databaseURL: configuration.connectionString, workerHeartbeatSeconds: 0.2, instanceName: "test-worker-1")
            let group = try buildWorker(settings: settings, logger: TestDatabase.logger)
            let running = Task { try await group.run() }
            var age: Double? = nil
            for _ in 0..<50 where age == nil {
                try await Task.sleep(for: .milliseconds(100))
                age = try await WorkerQueries.secondsSinceLastHeartbeat(pool: pool)
            }
            #expect(age != nil, "the worker never recorded a heartbeat")
            let first: Date = try await pool.query(
                "SELECT last_seen_at FROM worker_heartbeats WHERE instance_name = 'test-worker-1'"
            )
            .rows[0].decode("last_seen_at")
            // A heartbeat every 0.2 s: wait for the next one rather than a fixed time, which a
            // loaded machine overran.
            var later = first
            for _ in 0..<100 where later <= first {
                try await Task.sleep(for: .milliseconds(100))
                later = try await pool.query(
                    "SELECT last_seen_at FROM worker_heartbeats WHERE instance_name = 'test-worker-1'"
                )
                .rows[0].decode("last_seen_at")
            }
            #expect(later > first)
            let stopStart = ContinuousClock.now
            await group.triggerGracefulShutdown()
            try await running.value
            // Idle, it stops at once (about 2.5 s in a debug build); the bound allows a loaded machine.
            #expect(ContinuousClock.now - stopStart < .seconds(15))
        }
    }
}
