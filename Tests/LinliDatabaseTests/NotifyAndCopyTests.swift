import Foundation
import LinliDatabase
import LinliTestSupport
import Testing

@Suite("LISTEN/NOTIFY and COPY")
struct NotifyAndCopyTests {
    @Test("a listener receives a NOTIFY sent after it connected, with its payload")
    func listenReceivesNotify() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            let listener = NotificationListener(
                configuration: configuration, channels: ["linli_test"], logger: TestDatabase.logger)
            var iterator = listener.events().makeAsyncIterator()
            #expect(await iterator.next() == .connected)
            try await pool.notify("linli_test", payload: "排班已发布 week=2026-W48")
            let event = await iterator.next()
            guard case .notification(let note) = event else {
                Issue.record("expected a notification, got \(String(describing: event))")
                return
            }
            #expect(note.channel == "linli_test")
            #expect(note.payload == "排班已发布 week=2026-W48")
            await listener.stop()
        }
    }

    @Test("a notification inside a rolled-back transaction is never delivered")
    func rolledBackNotifyIsDropped() async throws {
        struct Abort: Error {}
        try await TestDatabase.withDatabase { pool, configuration in
            let listener = NotificationListener(
                configuration: configuration, channels: ["linli_test"], logger: TestDatabase.logger)
            var iterator = listener.events().makeAsyncIterator()
            #expect(await iterator.next() == .connected)
            try? await pool.transaction { tx in
                try await tx.notify("linli_test", payload: "rolled back")
                throw Abort()
            }
            try await pool.notify("linli_test", payload: "committed")
            guard case .notification(let note) = await iterator.next() else {
                Issue.record("expected a notification")
                return
            }
            #expect(note.payload == "committed")
            await listener.stop()
        }
    }

    @Test("the listener reconnects after its backend is terminated")
    func listenerReconnects() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            let listener = NotificationListener(
                configuration: configuration, channels: ["linli_test"], logger: TestDatabase.logger)
            var iterator = listener.events().makeAsyncIterator()
            #expect(await iterator.next() == .connected)
            try await pool.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = \(configuration.applicationName + "-listener")"
            )
            #expect(await iterator.next() == .connected)
            try await pool.notify("linli_test", payload: "after reconnect")
            guard case .notification(let note) = await iterator.next() else {
                Issue.record("expected a notification")
                return
            }
            #expect(note.payload == "after reconnect")
            await listener.stop()
        }
    }

    @Test("COPY out and COPY in round-trip 100,000 rows with Chinese text, tabs and NULLs")
    func copyRoundTrip() async throws {
        try await TestDatabase.withDatabase { pool, _ in
            try await pool.execute("CREATE TABLE source (id int PRIMARY KEY, name text, note text)")
            try await pool.execute("CREATE TABLE target (id int PRIMARY KEY, name text, note text)")
            try await pool.withConnection { connection in
                let written = try await connection.copyIn("COPY source (id, name, note) FROM STDIN") { writer in
                    for i in 0..<100_000 {
                        try await writer.writeRow([String(i), "志愿者\(i)", i % 10 == 0 ? nil : "tab\there\nline \\ \(i)"])
                    }
                }
                #expect(written == 100_000)
                var exported: [UInt8] = []
                let rows = try await connection.copyOut("COPY source TO STDOUT") { chunk in exported += chunk }
                #expect(rows == 100_000)
                let loaded = try await connection.copyIn("COPY target FROM STDIN") { writer in try await writer.write(exported) }
                #expect(loaded == 100_000)
            }
            let differences: Int = try await pool.query(
                """
                SELECT count(*) AS n FROM (
                  (SELECT * FROM source EXCEPT SELECT * FROM target) UNION ALL (SELECT * FROM target EXCEPT SELECT * FROM source)
                ) d
                """
            ).rows[0].decode("n")
            #expect(differences == 0)
            let sample = try await pool.query("SELECT name, note FROM target WHERE id = 7").rows[0]
            #expect(try sample.decode("name", as: String.self) == "志愿者7")
            #expect(try sample.decode("note", as: String?.self) == "tab\there\nline \\ 7")
            let nulls: Int = try await pool.query("SELECT count(*) AS n FROM target WHERE note IS NULL").rows[0].decode("n")
            #expect(nulls == 10_000)
        }
    }

    @Test("a COPY IN aborted by the caller keeps nothing, and the connection stays usable")
    func copyInAbort() async throws {
        struct Stop: Error {}
        try await TestDatabase.withDatabase(poolSize: 1) { pool, _ in
            try await pool.execute("CREATE TABLE t (v int)")
            await #expect(throws: Stop.self) {
                try await pool.withConnection { connection in
                    try await connection.copyIn("COPY t FROM STDIN") { writer in
                        try await writer.writeRow(["1"])
                        throw Stop()
                    }
                }
            }
            let count: Int = try await pool.query("SELECT count(*) AS n FROM t").rows[0].decode("n")
            #expect(count == 0)
        }
    }

    @Test("bad COPY data reports the server's error")
    func copyInBadData() async throws {
        try await TestDatabase.withDatabase(poolSize: 1) { pool, _ in
            try await pool.execute("CREATE TABLE t (v int)")
            let error = await #expect(throws: DatabaseError.self) {
                try await pool.withConnection { connection in
                    try await connection.copyIn("COPY t FROM STDIN") { writer in try await writer.writeRow(["not a number"]) }
                }
            }
            #expect(error?.sqlState == "22P02")
            try await pool.query("SELECT 1")
        }
    }
}
