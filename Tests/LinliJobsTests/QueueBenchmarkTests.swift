import Foundation
import LinliDatabase
import LinliJobs
import LinliStorage
import LinliTestSupport
import Testing

@Suite("The job queue benchmark")
struct QueueBenchmarkTests {
    @Test("runs every job through real runners, measures them, leaves other jobs alone and deletes its own")
    func benchmarkRunsAndCleansUp() async throws {
        try await TestDatabase.withDatabase { _, configuration async throws in
            let bystander = queue(configuration)
            let other = try #require(try await bystander.enqueue(NewJob(kind: "reminder.send", payload: Note(text: "别动"))))
            let result = try await QueueBenchmark.run(
                options: .init(jobs: 120, workers: 2, concurrency: 3, producers: 2, pacedJobs: 30), logger: TestDatabase.logger
            ) { _, connections in queue(configuration, poolSize: connections) }
            #expect(result.jobs == 120 && result.pacedJobs == 30)
            #expect(result.enqueuedPerSecond > 0 && result.completedPerSecond > 0 && result.drainSeconds > 0)
            #expect(result.latencyP50 > 0 && result.latencyP50 <= result.latencyP99 && result.latencyP99 <= result.latencyMax)
            let left = try await bystander.stats()
            #expect(left == ["pending": 1], "the benchmark's jobs are gone, the reminder is untouched")
            #expect(try await bystander.job(other)?.state == "pending")
            await bystander.store.pool.shutdown()
        }
    }
}
