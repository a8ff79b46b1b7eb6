import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAPI
import LinliDatabase
import LinliDomain
import LinliSettings
import LinliStorage
import LinliTestSupport
import NIOCore
import Prometheus
import Testing

@Suite("Care notes over HTTP: sealed in the database, shown as before")
struct CareNotesAPITests {
    @Test("a coordinator reads a sealed note as text; a PATCH keeps it; a moved value is 503, not garbage")
    func roundTrip() async throws {
        try await APITest.withAPI { coordinator, pool in
            let rows = try await pool.query(
                "SELECT id, community_id FROM residents WHERE care_notes_sealed IS NOT NULL ORDER BY external_id LIMIT 2"
            ).rows
            let first: ID<Resident> = try rows[0].decode("id")
            let second: ID<Resident> = try rows[1].decode("id")
            let expected = try await Store(pool: pool).transaction(.administrator()) { tx in
                try await ResidentStore(careNotes: TestDatabase.careNotes).resident(first, on: tx).careNotes
            }
            #expect(expected?.isEmpty == false)
            let plain: Int = try await pool.query("SELECT count(*)::int AS n FROM residents WHERE care_notes IS NOT NULL")
                .rows[0].decode("n")
            #expect(plain == 0)
            let uri = APITest.residents + "/\(first)"
            let etag = try await coordinator.execute(uri: uri, method: .get) { response async throws in
                #expect(response.status == .ok)
                #expect(try JSONValue(response.body).string["care_notes"] == expected)
                return try #require(response.headers[.eTag])
            }
            var headers = APITest.json
            headers[.ifMatch] = etag
            try await coordinator.execute(
                uri: uri, method: .patch, headers: headers, body: ByteBuffer(string: #"{"phone": "13900009999"}"#)
            ) { response async throws in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                #expect(try JSONValue(response.body).string["care_notes"] == expected)
            }
            // A sealed value copied onto another resident's row does not open there.
            try await pool.execute(
                """
                UPDATE residents SET (care_notes_sealed, care_notes_key_id) =
                    (SELECT care_notes_sealed, care_notes_key_id FROM residents WHERE id = \(first))
                WHERE id = \(second)
                """)
            try await coordinator.execute(uri: APITest.residents + "/\(second)", method: .get) { response async throws in
                try expectProblem(response, .serviceUnavailable, code: "care_notes_unreadable")
                #expect(expected.map { !String(buffer: response.body).contains($0) } ?? false)
            }
            // Lists and desk staff open no note, so they are not stopped by it.
            try await coordinator.execute(uri: APITest.residents + "?limit=200", method: .get) { response async throws in
                #expect(response.status == .ok)
            }
            let desk = try await SignedInClient.signIn(coordinator, pool: pool, role: .deskStaff)
            try await desk.execute(uri: APITest.residents + "/\(second)", method: .get) { response async throws in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("the service does not start with care notes and no key; plain text left is reported")
    func startCheck() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            try await DemoData.load(
                pool: pool, migrationsDirectory: TestDatabase.migrationsDirectory, careNotes: TestDatabase.careNotes)
            let keyless = try APIDependencies.live(
                settings: LinliSettings(databaseURL: configuration.connectionString),
                metrics: PrometheusCollectorRegistry(), logger: TestDatabase.logger)
            let error = await #expect(throws: CareNotesStartError.self) { try await keyless.checkCareNotes() }
            #expect(error?.description.contains("LINLI_CARE_NOTES_KEY_FILE") == true)
            #expect(error?.description.contains("未配置密钥") == true)
            await keyless.pool.shutdown()
            let keyed = try APIDependencies.live(
                settings: LinliSettings(databaseURL: configuration.connectionString, careNotesKeys: TestDatabase.careNotesKeys),
                metrics: PrometheusCollectorRegistry(), logger: TestDatabase.logger)
            #expect(try await keyed.checkCareNotes().isEmpty)
            try await pool.execute(
                "UPDATE residents SET care_notes = '独居' WHERE id = (SELECT min(id::text)::uuid FROM residents)")
            let warnings = try await keyed.checkCareNotes()
            #expect(warnings.count == 1 && warnings[0].contains("linli care-notes seal"))
            await keyed.pool.shutdown()
        }
    }
}
