import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliDatabase
import LinliJobs
import LinliSettings
import LinliStorage
import LinliTestSupport
import NIOCore
import Prometheus
import Testing

@testable import LinliAPI

@Suite("Operations: the job queue's depth in /metrics")
struct OperationsTests {
    @Test("/metrics counts the queue's jobs by state from the database")
    func queueDepth() async throws {
        try await APITest.withAPI { client, pool in
            let store = Store(pool: pool)
            try await store.transaction(.administrator()) { tx in
                for i in 0..<3 {
                    _ = try await JobQueue.enqueue(NewJob(kind: "test.depth", payload: ["i": i], uniqueKey: "depth-\(i)"), on: tx)
                }
            }
            let pending = try await store.transaction(.administrator()) { tx in
                try await tx.query("SELECT count(*) AS n FROM jobs WHERE state = 'pending'").rows[0].decode("n", as: Int.self)
            }
            try await client.execute(uri: "/metrics", method: .get) { response async throws in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(text.contains("linli_jobs{state=\"pending\"} \(pending)"), "\(text.prefix(2000))")
                #expect(text.contains("linli_jobs{state=\"dead\"} 0"))
            }
        }
    }
}
