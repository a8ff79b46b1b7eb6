import Foundation
import LinliDatabase
import LinliTestSupport
import Testing

@Suite("Parameters and typed decoding")
struct TypeRoundTripTests {
    @Test("every supported type survives a round trip through the server")
    func roundTrip() async throws {
        try await TestDatabase.withDatabase { pool, _ in
            let id = UUID()
            let when = Date(timeIntervalSince1970: 1_795_000_000.123456)
            let row = try await pool.query(
                """
                SELECT \(42)::int8 AS i, \(Int32(-7))::int4 AS i32, \(Int16(300))::int2 AS i16, \(Int64.max) AS i64,
                       \("王芳 · 幸福里 \"引号\" \\ 反斜杠") AS chinese, \("") AS empty, \(true) AS yes, \(false) AS no,
                       \(3.25) AS d, \(Double.infinity) AS inf, \(id) AS u, \(when) AS ts,
                       \([1, 2, 3]) AS ints, \(["甲", "b c", "d,\"e\"", "{x}", "NULL", ""]) AS texts,
                       \([id, id]) AS uuids, \(Data([0, 1, 254, 255])) AS bytes,
                       \(Optional<String>.none)::text AS nothing, \([Optional("a"), nil]) AS sparse
                """
            ).rows[0]
            #expect(try row.decode("i", as: Int.self) == 42)
            #expect(try row.decode("i32", as: Int32.self) == -7)
            #expect(try row.decode("i16", as: Int16.self) == 300)
            #expect(try row.decode("i64", as: Int64.self) == Int64.max)
            #expect(try row.decode("chinese", as: String.self) == "王芳 · 幸福里 \"引号\" \\ 反斜杠")
            #expect(try row.decode("empty", as: String.self) == "")
            #expect(try row.decode("yes", as: Bool.self) == true)
            #expect(try row.decode("no", as: Bool.self) == false)
            #expect(try row.decode("d", as: Double.self) == 3.25)
            #expect(try row.decode("inf", as: Double.self) == .infinity)
            #expect(try row.decode("u", as: UUID.self) == id)
            let back = try row.decode("ts", as: Date.self)
            #expect(abs(back.timeIntervalSince1970 - when.timeIntervalSince1970) < 0.000_001)
            #expect(try row.decode("ints", as: [Int].self) == [1, 2, 3])
            #expect(try row.decode("texts", as: [String].self) == ["甲", "b c", "d,\"e\"", "{x}", "NULL", ""])
            #expect(try row.decode("uuids", as: [UUID].self) == [id, id])
            #expect(try row.decode("bytes", as: Data.self) == Data([0, 1, 254, 255]))
            #expect(try row.decode("nothing", as: String?.self) == nil)
            #expect(try row.decode("sparse", as: [String?].self) == ["a", nil])
        }
    }

    @Test("JSON and JSONB values round-trip as Codable")
    func json() async throws {
        struct Note: Codable, Sendable, Equatable {
            let 服务: String
            let minutes: Int
        }
        try await TestDatabase.withDatabase { pool, _ in
            let note = Note(服务: "助浴", minutes: 90)
            let row = try await pool.query(
                "SELECT \(try PostgresJSON(note)) AS b, \(try PostgresJSON(note))::json AS j, \(try PostgresJSON(note)) ->> 'minutes' AS m"
            ).rows[0]
            #expect(try row.decode("b", as: PostgresJSON<Note>.self).value == note)
            #expect(try row.decode("j", as: PostgresJSON<Note>.self).value == note)
            #expect(try row.decode("m", as: Int.self) == 90)
        }
    }

    @Test("timestamps keep their instant in a UTC and an Asia/Shanghai session")
    func timestampsAcrossZones() async throws {
        try await TestDatabase.withDatabase { pool, _ in
            // 2026-11-23 09:00 in Shanghai is 01:00 UTC.
            let instant = Date(timeIntervalSince1970: 1_795_395_600)
            try await pool.withConnection { connection in
                let shanghai = try await connection.query(
                    "SELECT \(instant)::timestamptz::text AS shown, \(instant) AS back, current_setting('TimeZone') AS zone"
                ).rows[0]
                #expect(try shanghai.decode("zone", as: String.self) == "Asia/Shanghai")
                #expect(try shanghai.decode("shown", as: String.self) == "2026-11-23 09:00:00+08")
                #expect(try shanghai.decode("back", as: Date.self) == instant)
                try await connection.query("SELECT set_config('TimeZone', 'UTC', false)")
                let utc = try await connection.query("SELECT \(instant)::timestamptz::text AS shown, \(instant) AS back").rows[0]
                #expect(try utc.decode("shown", as: String.self) == "2026-11-23 01:00:00+00")
                #expect(try utc.decode("back", as: Date.self) == instant)
            }
            let local = try await pool.query(
                "SELECT '2026-11-23 09:00:00'::timestamp AT TIME ZONE 'Asia/Shanghai' AS t"
            ).rows[0]
            #expect(try local.decode("t", as: Date.self) == instant)
        }
    }

    @Test("an injected SQL string stays data")
    func injectionStaysData() async throws {
        try await TestDatabase.withDatabase { pool, _ in
            try await pool.execute("CREATE TABLE notes (body text NOT NULL)")
            let hostile = "x'); DROP TABLE notes; --"
            try await pool.execute("INSERT INTO notes (body) VALUES (\(hostile))")
            let stored = try await pool.query("SELECT body FROM notes").rows.map { try $0.decode("body", as: String.self) }
            #expect(stored == [hostile])
            let found = try await pool.query("SELECT count(*) AS n FROM notes WHERE body = \("' OR '1'='1")").rows[0]
            #expect(try found.decode("n", as: Int.self) == 0)
        }
    }

    @Test("a decoding error names the column and the type")
    func decodingErrorNamesColumn() async throws {
        try await TestDatabase.withDatabase { pool, _ in
            let row = try await pool.query("SELECT 'abc' AS birth_year, NULL::int AS grid").rows[0]
            let wrongType = #expect(throws: DatabaseError.self) { try row.decode("birth_year", as: Int.self) }
            #expect(wrongType?.message.contains("birth_year") == true)
            #expect(wrongType?.message.contains("Int") == true)
            let null = #expect(throws: DatabaseError.self) { try row.decode("grid", as: Int.self) }
            #expect(null?.message.contains("grid") == true)
            #expect(null?.message.contains("NULL") == true)
            let missing = #expect(throws: DatabaseError.self) { try row.decode("nope", as: Int.self) }
            #expect(missing?.message.contains("nope") == true)
        }
    }

    @Test("text with a NUL character is refused before it is sent")
    func nulIsRefused() async throws {
        try await TestDatabase.withDatabase { pool, _ in
            let error = await #expect(throws: DatabaseError.self) { try await pool.query("SELECT \("a\u{0}b")") }
            #expect(error?.code == .invalidParameter)
        }
    }

    @Test("SQL text renders $n placeholders and never the values")
    func rendering() {
        let secret = "13812345678"
        let name = "王芳"
        let query: SQLQuery =
            "SELECT * FROM volunteers WHERE phone = \(secret) AND name = \(name) AND \(identifier: "we\"ird") = 1"
        #expect(query.sql == "SELECT * FROM volunteers WHERE phone = $1 AND name = $2 AND \"we\"\"ird\" = 1")
        #expect(!query.description.contains(secret))
        #expect(query.bindings.map(\.text) == [secret, name])
        let composed: SQLQuery = "SELECT 1 WHERE a = \(1) " + "AND b = \(2)"
        #expect(composed.sql == "SELECT 1 WHERE a = $1 AND b = $2")
    }
}
