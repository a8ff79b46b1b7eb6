import Foundation
import LinliDatabase
import LinliTestSupport
import Testing

@Suite("Errors and transactions")
struct ErrorsAndTransactionsTests {
    @Test("a unique violation carries SQLSTATE, constraint, detail and the query text without values")
    func uniqueViolation() async throws {
        try await TestDatabase.withDatabase { pool, _ in
            try await pool.execute("CREATE TABLE people (phone text CONSTRAINT people_phone_key UNIQUE)")
            try await pool.execute("INSERT INTO people VALUES (\("13900000001"))")
            let error = await #expect(throws: DatabaseError.self) {
                try await pool.execute("INSERT INTO people VALUES (\("13900000001"))")
            }
            #expect(error?.sqlState == "23505")
            #expect(error?.isUniqueViolation == true)
            #expect(error?.constraint == "people_phone_key")
            #expect(error?.table == "people")
            #expect(error?.query == "INSERT INTO people VALUES ($1)")
            #expect(error?.detail?.contains("phone") == true)
            #expect(error?.description.contains("23505") == true)
        }
    }

    @Test("an exclusion violation is reported as one")
    func exclusionViolation() async throws {
        try await TestDatabase.withDatabase { pool, _ in
            try await pool.execute(
                """
                CREATE TABLE shifts (who int, during tstzrange,
                  CONSTRAINT shifts_no_overlap EXCLUDE USING gist (who WITH =, during WITH &&))
                """)
            try await pool.execute("INSERT INTO shifts VALUES (1, tstzrange('2026-11-23 09:00+08', '2026-11-23 11:00+08'))")
            let error = await #expect(throws: DatabaseError.self) {
                try await pool.execute("INSERT INTO shifts VALUES (1, tstzrange('2026-11-23 10:00+08', '2026-11-23 12:00+08'))")
            }
            #expect(error?.isExclusionViolation == true)
            #expect(error?.constraint == "shifts_no_overlap")
        }
    }

    @Test("a thrown error rolls the transaction back")
    func rollbackOnThrow() async throws {
        struct Boom: Error {}
        try await TestDatabase.withDatabase { pool, _ in
            try await pool.execute("CREATE TABLE t (v int)")
            await #expect(throws: Boom.self) {
                try await pool.transaction { tx in
                    try await tx.execute("INSERT INTO t VALUES (\(1))")
                    throw Boom()
                }
            }
            let count: Int = try await pool.query("SELECT count(*) AS n FROM t").rows[0].decode("n")
            #expect(count == 0)
            try await pool.transaction { tx in try await tx.execute("INSERT INTO t VALUES (\(2))") }
            let after: Int = try await pool.query("SELECT count(*) AS n FROM t").rows[0].decode("n")
            #expect(after == 1)
        }
    }

    @Test("a failed statement inside a transaction rolls back what came before it")
    func serverErrorRollsBack() async throws {
        try await TestDatabase.withDatabase { pool, _ in
            try await pool.execute("CREATE TABLE t (v int CHECK (v > 0))")
            await #expect(throws: DatabaseError.self) {
                try await pool.transaction { tx in
                    try await tx.execute("INSERT INTO t VALUES (\(1))")
                    try await tx.execute("INSERT INTO t VALUES (\(-1))")
                }
            }
            let count: Int = try await pool.query("SELECT count(*) AS n FROM t").rows[0].decode("n")
            #expect(count == 0)
        }
    }

    @Test("serializable transactions that collide are retried until both commit")
    func serializationRetry() async throws {
        try await TestDatabase.withDatabase(poolSize: 4) { pool, _ in
            try await pool.execute("CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)")
            try await pool.execute("INSERT INTO counter VALUES (1, 0)")
            let attempts = Counter()
            let firstReads = Barrier(parties: 4)
            // Each transaction reads; the first attempts wait until all four have read the same
            // value, so they must collide; then each writes.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await pool.transaction(isolation: .serializable, retries: 20) { tx in
                            let attempt = await attempts.increment()
                            let n: Int = try await tx.query("SELECT n FROM counter WHERE id = 1").rows[0].decode("n")
                            if attempt <= 4 { await firstReads.arrive() }
                            try await tx.execute("UPDATE counter SET n = \(n + 1) WHERE id = 1")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let final: Int = try await pool.query("SELECT n FROM counter WHERE id = 1").rows[0].decode("n")
            #expect(final == 4)
            #expect(await attempts.value > 4, "at least one transaction must have been retried")
        }
    }

    @Test("without retries a serialization failure reaches the caller as retryable")
    func serializationFailureSurfaces() async throws {
        try await TestDatabase.withDatabase(poolSize: 2) { pool, _ in
            try await pool.execute("CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)")
            try await pool.execute("INSERT INTO counter VALUES (1, 0)")
            let bothRead = Barrier(parties: 2)
            let outcomes = try await withThrowingTaskGroup(of: DatabaseError?.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        do {
                            try await pool.transaction(isolation: .serializable) { tx in
                                let n: Int = try await tx.query("SELECT n FROM counter WHERE id = 1").rows[0].decode("n")
                                await bothRead.arrive()
                                try await tx.execute("UPDATE counter SET n = \(n + 1) WHERE id = 1")
                            }
                            return nil
                        } catch let error as DatabaseError {
                            return error
                        }
                    }
                }
                return try await group.reduce(into: [DatabaseError?]()) { $0.append($1) }
            }
            let failures = outcomes.compactMap { $0 }
            #expect(failures.count == 1)
            #expect(failures.first?.isRetryableTransactionFailure == true)
        }
    }
}

actor Counter {
    private(set) var value = 0
    /// Returns the new value.
    @discardableResult
    func increment() -> Int {
        value += 1
        return value
    }
}

/// Lets `parties` tasks wait until all of them have arrived.
actor Barrier {
    private let parties: Int
    private var arrived = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(parties: Int) { self.parties = parties }

    func arrive() async {
        arrived += 1
        if arrived >= parties {
            waiting.forEach { $0.resume() }
            waiting = []
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }
}
