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
    /// Two demo residents with sealed notes, and the first one's note as text.
    static func twoSealed(_ pool: ConnectionPool) async throws -> (ID<Resident>, ID<Resident>, String?) {
        let rows = try await pool.query(
            "SELECT id FROM residents WHERE care_notes_sealed IS NOT NULL ORDER BY external_id LIMIT 2"
        ).rows
        let first: ID<Resident> = try rows[0].decode("id")
        let note = try await Store(pool: pool).transaction(.administrator()) { tx in
            try await ResidentStore(careNotes: TestDatabase.careNotes).resident(first, on: tx).careNotes
        }
        return (first, try rows[1].decode("id"), note)
    }

    @Test("a coordinator reads a sealed note as text; a PATCH keeps it; a moved value is 503, not garbage")
    func roundTrip() async throws {
        try await APITest.withAPI { coordinator, pool in
            let (first, second, expected) = try await Self.twoSealed(pool)
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

    @Test("a resident's page shows the care note to coordinators, not to desk staff; an unreadable one says so")
    func residentPage() async throws {
        try await APITest.withAPI { signedIn, pool in
            let (first, second, note) = try await Self.twoSealed(pool)
            let expected = try #require(note)
            let coordinator = try await PageSession.signIn(signedIn, pool, role: .coordinator)
            let page = String(buffer: try await coordinator.get("/app/residents/\(first)?community=demo").body)
            #expect(page.contains(#"id="care-notes-text""#) && page.contains(expected))
            #expect(page.contains("仅协调员和管理员可见"))
            let english = String(buffer: try await coordinator.get("/app/residents/\(first)?community=demo&lang=en").body)
            #expect(english.contains("Care notes") && english.contains(expected))
            let none: ID<Resident> = try await pool.query(
                "SELECT id FROM residents WHERE care_notes_sealed IS NULL ORDER BY external_id LIMIT 1"
            ).rows[0].decode("id")
            let empty = String(buffer: try await coordinator.get("/app/residents/\(none)?community=demo").body)
            #expect(empty.contains(#"id="care-notes-empty""#) && empty.contains("没有护理备注"))

            // Desk staff edit residents but do not see care notes.
            let desk = try await PageSession.signIn(signedIn, pool, role: .deskStaff)
            let deskPage = String(buffer: try await desk.get("/app/residents/\(first)").body)
            #expect(deskPage.contains(#"id="details-form""#))
            #expect(!deskPage.contains(#"id="care-notes""#) && !deskPage.contains(expected))

            // A sealed value moved onto another resident does not open there: the page says so and
            // shows everything else.
            try await pool.execute(
                """
                UPDATE residents SET (care_notes_sealed, care_notes_key_id) =
                    (SELECT care_notes_sealed, care_notes_key_id FROM residents WHERE id = \(first))
                WHERE id = \(second)
                """)
            let broken = try await coordinator.get("/app/residents/\(second)?community=demo")
            #expect(broken.status == .ok)
            let brokenHTML = String(buffer: broken.body)
            #expect(brokenHTML.contains(#"id="care-notes-error""#) && !brokenHTML.contains(expected))
            #expect(brokenHTML.contains(#"id="details-form""#))
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
