import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAPI
import LinliDatabase
import LinliSettings
import LinliStorage
import LinliTestSupport
import NIOCore
import Prometheus
import Testing
import Yams

/// openapi.yaml, parsed.
struct Contract: Sendable {
    static let path = TestDatabase.repositoryRoot.appendingPathComponent("Sources/LinliAPI/openapi.yaml")
    static let shared: Contract = {
        do {
            return try Contract(text: String(contentsOf: path, encoding: .utf8))
        } catch {
            fatalError("cannot read \(path.path): \(error)")
        }
    }()

    let text: String
    /// "GET /api/v1/…" for every operation.
    let operations: Set<String>
    let schemas: [String: Set<String>]

    init(text: String) throws {
        self.text = text
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        var operations = Set<String>()
        let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        for (path, item) in paths {
            let item = try #require(item as? [String: Any])
            for method in methods where item[method] != nil { operations.insert("\(method.uppercased()) \(path)") }
        }
        self.operations = operations
        let components = try #require(document["components"] as? [String: Any])
        let schemas = try #require(components["schemas"] as? [String: Any])
        self.schemas = schemas.compactMapValues { schema in
            ((schema as? [String: Any])?["properties"] as? [String: Any]).map { Set($0.keys) }
        }
    }

    func properties(_ schema: String) -> Set<String> { schemas[schema] ?? [] }
}

@Suite("The router is held to openapi.yaml")
struct OpenAPIContractTests {
    @Test("every route of the router is in openapi.yaml and every operation there is routed")
    func routes() async throws {
        try await TestDatabase.withDatabase { _, configuration in
            let settings = LinliSettings(databaseURL: configuration.connectionString, httpPort: 0)
            let dependencies = try APIDependencies.live(
                settings: settings, metrics: PrometheusCollectorRegistry(), logger: TestDatabase.logger)
            let router = buildRouter(settings: settings, dependencies: dependencies)
            let routed = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
            await dependencies.pool.shutdown()
            #expect(routed.subtracting(Contract.shared.operations).sorted() == [], "routed but not in openapi.yaml")
            #expect(Contract.shared.operations.subtracting(routed).sorted() == [], "in openapi.yaml but not routed")
            #expect(routed.contains("PATCH /api/v1/communities/{code}/volunteers/{id}"))
        }
    }

    static func demoTeamID(_ pool: ConnectionPool) async throws -> String {
        try await Store(pool: pool).transaction(.administrator()) { tx in
            try await tx.query(
                "SELECT t.id::text AS id FROM patrol_teams t JOIN communities c ON c.id = t.community_id WHERE c.code = 'demo' LIMIT 1"
            )
            .rows[0].decode("id", as: String.self)
        }
    }

    @Test("/openapi.yaml serves the file; request schemas list exactly the fields the server accepts")
    func documentAndRequestSchemas() async throws {
        try await APITest.withAPI { client, pool in
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == Contract.shared.text)
            }
            let samples: [(schema: String, uri: String, body: [String: Any])] = [
                (
                    "VolunteerCreate", APITest.volunteers,
                    [
                        "name": "合同测试", "phone": "13800001111", "email": "a@b.cn", "sex": "male", "birth_year": 1960,
                        "groups": ["party_member"], "notify_channel": "wecom",
                    ]
                ),
                (
                    "ResidentCreate", APITest.residents,
                    [
                        "name": "合同测试", "sex": "female", "birth_year": 1940, "address": "一号楼", "phone": "13800002222",
                        "needs_call": true, "lives_alone": true, "care_needs": ["助浴"],
                    ]
                ),
                (
                    "StaffUserCreate", "/api/v1/communities/demo/users",
                    [
                        "login": "contract.test", "display_name": "合同测试", "password": "合同测试的密码01234", "role": "patrol_leader",
                        "team_id": try await Self.demoTeamID(pool),
                    ]
                ),
            ]
            for sample in samples {
                #expect(Set(sample.body.keys) == Contract.shared.properties(sample.schema), "\(sample.schema)")
                let data = try JSONSerialization.data(withJSONObject: sample.body)
                try await client.execute(
                    uri: sample.uri, method: .post, headers: APITest.json, body: ByteBuffer(bytes: data)
                ) { response in
                    #expect(response.status == .created, "\(sample.schema): \(String(buffer: response.body))")
                }
            }
            #expect(Contract.shared.properties("VolunteerPatch") == Contract.shared.properties("VolunteerCreate"))
            #expect(Contract.shared.properties("ResidentPatch") == Contract.shared.properties("ResidentCreate"))
            // A problem has the schema's fields.
            try await client.execute(uri: "/api/v1/nothing", method: .get) { response in
                let keys = Set(try JSONValue(response.body).object.keys)
                #expect(keys.isSubset(of: Contract.shared.properties("Problem")))
            }
        }
    }
}
