import Foundation
import LinliDomain
import LinliJobs
import LinliRostering
import LinliStorage
import LinliTestSupport
import ServiceLifecycle
import Testing

@Suite("Roster solving in the worker's job runner")
struct WorkerSolveTests {
    @Test("the runner solves an enqueued week; shut down mid-solve, it gives the run and its job back")
    func runner() async throws {
        try await DemoWorld.with { world in
            let queue = JobQueue(store: world.store)
            let runner = JobRunner(
                queue: queue, handlers: world.solving.handlers,
                options: .init(worker: "test-worker", pollInterval: .milliseconds(100), shutdownGrace: .milliseconds(300)),
                logger: TestDatabase.logger)
            let group = ServiceGroup(configuration: .init(services: [.init(service: runner)], logger: TestDatabase.logger))
            let task = Task { try await group.run() }

            let quick = try await world.tx { tx in
                try await RosterSolving.enqueueSolve(community: world.community, week: world.week, seconds: 1, on: tx)
            }
            var state = SolveRunState.queued
            for _ in 0..<300 where !state.isFinished {
                try await Task.sleep(for: .milliseconds(50))
                state = try await world.tx { tx in try await RosterSolving.progress(run: quick.id, on: tx) }.state
            }
            #expect(state == .succeeded)

            let long = try await world.tx { tx in
                try await RosterSolving.enqueueSolve(community: world.community, week: world.week, seconds: 120, on: tx)
            }
            state = .queued
            for _ in 0..<300 where state != .running {
                try await Task.sleep(for: .milliseconds(50))
                state = try await world.tx { tx in try await RosterSolving.progress(run: long.id, on: tx) }.state
            }
            #expect(state == .running)
            try await Task.sleep(for: .milliseconds(500))
            await group.triggerGracefulShutdown()
            try await task.value
            let after = try await world.tx { tx in try await RosterSolving.progress(run: long.id, on: tx) }
            #expect(after.state == .queued, "another worker picks it up again")
            #expect(try await queue.job(try #require(long.jobID))?.state == "pending")
        }
    }
}
