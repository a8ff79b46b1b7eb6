import Foundation
import LinliDatabase
import LinliTestSupport
import Testing

/// The pool hands libpq the whole connection string for every new connection, so several hosts
/// with `target_session_attrs` work as they do for psql: after a failover the next connection
/// finds the new primary (Benchmarks/failover.sh measures it with a real standby).
@Suite("Several hosts in one connection string")
struct MultiHostTests {
    /// The test server's address as libpq sees it: a unix-socket folder or a host name.
    static var host: String {
        ProcessInfo.processInfo.environment["PGHOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "/var/run/postgresql"
    }
    static var port: String { ProcessInfo.processInfo.environment["PGPORT"].flatMap { $0.isEmpty ? nil : $0 } ?? "5432" }

    @Test("a pool skips a host that refuses and connects to the next read-write one, again after its connections die")
    func skipsDeadHost() async throws {
        try await TestDatabase.withDatabase { admin, configuration in
            // Port 1 on loopback refuses at once: the first host is "down".
            let pool = ConnectionPool(
                configuration: ConnectionConfiguration(
                    connectionString:
                        "\(configuration.connectionString) host=127.0.0.1,\(Self.host) port=1,\(Self.port) target_session_attrs=read-write connect_timeout=2",
                    applicationName: "linli-multihost"),
                options: .init(maximumConnections: 2, acquireTimeout: .seconds(10)), logger: TestDatabase.logger)
            let writable: Bool = try await pool.query("SELECT NOT pg_is_in_recovery() AS rw").rows[0].decode("rw")
            #expect(writable)
            // Every session of the pool ends, as on a server crash; the next borrower gets a new
            // one through the same list of hosts.
            let ended = try await admin.query(
                "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = 'linli-multihost'"
            ).rows[0].decode("n", as: Int.self)
            #expect(ended >= 1)
            try await Task.sleep(for: .milliseconds(200))
            let again: Int = try await pool.query("SELECT 41 + 1 AS n").rows[0].decode("n")
            #expect(again == 42)
            await pool.shutdown()
        }
    }
}
