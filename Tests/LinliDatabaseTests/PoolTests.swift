import Foundation
import LinliDatabase
import LinliTestSupport
import Testing

@Suite("Connection pool")
struct PoolTests {
    @Test("a backend killed with pg_terminate_backend is replaced and the pool keeps working")
    func survivesTerminatedBackend() async throws {
        try await TestDatabase.withDatabase(poolSize: 1) { pool, _ in
            let firstPID: Int = try await pool.query("SELECT pg_backend_pid() AS pid").rows[0].decode("pid")
            let admin = TestDatabase.adminPool()
            let terminated: Bool = try await admin.query("SELECT pg_terminate_backend(\(firstPID)::int) AS ok").rows[0].decode(
                "ok")
            await admin.shutdown()
            #expect(terminated)
            try await Task.sleep(for: .milliseconds(100))
            let secondPID: Int = try await pool.query("SELECT pg_backend_pid() AS pid").rows[0].decode("pid")
            #expect(secondPID != firstPID)
            #expect(pool.statistics.open == 1)
        }
    }

    @Test("a connection that dies mid-query fails that query, then is replaced")
    func diesMidQuery() async throws {
        try await TestDatabase.withDatabase(poolSize: 1) { pool, _ in
            let pid: Int = try await pool.query("SELECT pg_backend_pid() AS pid").rows[0].decode("pid")
            let slow = Task { try await pool.query("SELECT pg_sleep(5)") }
            try await Task.sleep(for: .milliseconds(300))
            let admin = TestDatabase.adminPool()
            try await admin.query("SELECT pg_terminate_backend(\(pid)::int)")
            await admin.shutdown()
            let error = await #expect(throws: DatabaseError.self) { try await slow.value }
            #expect(error?.isConnectionFailure == true)
            let one: Int = try await pool.query("SELECT 1 AS one").rows[0].decode("one")
            #expect(one == 1)
        }
    }

    @Test("never more connections than the maximum, however many tasks ask")
    func bounded() async throws {
        try await TestDatabase.withDatabase(poolSize: 3) { pool, configuration in
            let pids = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<24 {
                    group.addTask {
                        try await pool.query("SELECT pg_backend_pid() AS pid, pg_sleep(0.02)").rows[0].decode("pid")
                    }
                }
                return try await group.reduce(into: Set<Int>()) { $0.insert($1) }
            }
            #expect(pids.count <= 3)
            #expect(pool.statistics.open <= 3)
        }
    }

    @Test("waiting longer than the acquire timeout fails with poolTimedOut")
    func acquireTimeout() async throws {
        try await TestDatabase.withDatabase(poolSize: 1) { _, configuration in
            let pool = ConnectionPool(
                configuration: configuration, options: .init(maximumConnections: 1, acquireTimeout: .milliseconds(200)),
                logger: TestDatabase.logger)
            let holder = Task { try await pool.query("SELECT pg_sleep(1.5)") }
            try await Task.sleep(for: .milliseconds(300))
            let error = await #expect(throws: DatabaseError.self) { try await pool.query("SELECT 1") }
            #expect(error?.code == .poolTimedOut)
            _ = try await holder.value
            // Once the holder is done, the pool serves again.
            try await pool.query("SELECT 1")
            await pool.shutdown()
        }
    }

    @Test("cancelling the task cancels the running query")
    func cancellation() async throws {
        try await TestDatabase.withDatabase(poolSize: 1) { pool, configuration in
            let start = ContinuousClock.now
            let task = Task { try await pool.query("SELECT pg_sleep(30)") }
            // Cancel only once the query runs on the server (a loaded machine may take a while
            // to lend the connection; cancelling before that is a different path).
            let watcher = ConnectionPool(
                configuration: configuration, options: .init(maximumConnections: 1), logger: TestDatabase.logger)
            for _ in 0..<100 {
                let running: Int = try await watcher.query(
                    "SELECT count(*) AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'"
                ).rows[0].decode("n")
                if running > 0 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            await watcher.shutdown()
            task.cancel()
            let error = await #expect(throws: DatabaseError.self) { try await task.value }
            #expect(error?.code == .cancelled)
            #expect(ContinuousClock.now - start < .seconds(10))
            try await pool.query("SELECT 1")
        }
    }

    @Test("a connection left inside a transaction is not lent again")
    func leftInTransactionIsDropped() async throws {
        try await TestDatabase.withDatabase(poolSize: 1) { pool, _ in
            let pid: Int = try await pool.withConnection { connection in
                try await connection.executeScript("BEGIN")
                return try await connection.query("SELECT pg_backend_pid() AS pid").rows[0].decode("pid")
            }
            let status: String = try await pool.query("SELECT current_setting('transaction_isolation') AS s").rows[0].decode("s")
            #expect(!status.isEmpty)
            let next: Int = try await pool.query("SELECT pg_backend_pid() AS pid").rows[0].decode("pid")
            #expect(next != pid)
        }
    }

    @Test("an unreachable server gives a clear error without the password")
    func connectFailureIsRedacted() async throws {
        let configuration = ConnectionConfiguration(
            connectionString: "postgresql://linli:s3cret-pass@127.0.0.1:1/linli?connect_timeout=2")
        let pool = ConnectionPool(
            configuration: configuration, options: .init(maximumConnections: 1), logger: TestDatabase.logger)
        let error = await #expect(throws: DatabaseError.self) { try await pool.query("SELECT 1") }
        #expect(error?.code == .connectionFailed)
        #expect(error?.description.contains("s3cret-pass") == false)
        #expect(error?.message.contains("127.0.0.1") == true)
        #expect(!configuration.description.contains("s3cret-pass"))
        #expect(configuration.description.contains("user=linli"))
        await pool.shutdown()
    }

    @Test("a malformed connection string is refused by libpq's parser before connecting")
    func invalidConnectionString() throws {
        let bad = ConnectionConfiguration(connectionString: "postgresql://localhost/linli?colour=blue")
        let error = #expect(throws: DatabaseError.self) { try bad.validate() }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("colour") == true)
        let alsoBad = ConnectionConfiguration(connectionString: "host=localhost port")
        #expect(throws: DatabaseError.self) { try alsoBad.validate() }
        try ConnectionConfiguration(connectionString: "postgresql://a,b:5433/linli?target_session_attrs=read-write").validate()
    }
}
