import Foundation
import LinliDatabase
import LinliSettings
import LinliStorage
import LinliTestSupport
import Testing

@Suite("The HTTP service's statement timeout")
struct StatementTimeoutTests {
    @Test("a statement over the limit is stopped and reported as timedOut; the pool's next query works")
    func timeout() async throws {
        try await TestDatabase.withDatabase { _, configuration in
            var settings = LinliSettings(databaseURL: configuration.connectionString, databaseStatementTimeoutSeconds: 0.3)
            settings.databaseRole = nil
            let pool = try settings.makePool(
                applicationName: "timeout-test", asApplication: false, limitStatements: true, logger: TestDatabase.logger)
            let started = ContinuousClock.now
            let error = await #expect(throws: StorageError.self) {
                try await Store(pool: pool).transaction(.administrator()) { tx in
                    _ = try await tx.query("SELECT pg_sleep(5)")
                }
            }
            #expect(error?.code == .timedOut)
            #expect(ContinuousClock.now - started < .seconds(4))
            let one: Int = try await pool.query("SELECT 1 AS n").rows[0].decode("n")
            #expect(one == 1)
            // Without the limit (the worker's and the command line's pools) the setting is the server's.
            let unlimited = try settings.makePool(applicationName: "no-limit", asApplication: false, logger: TestDatabase.logger)
            let shown: String = try await unlimited.query("SHOW statement_timeout").rows[0].decode("statement_timeout")
            #expect(shown == "0")
            await unlimited.shutdown()
            await pool.shutdown()
        }
    }
}
