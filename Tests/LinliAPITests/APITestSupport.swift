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

/// The API over a fresh database holding the demo community (code `demo`).
enum APITest {
    static let volunteers = "/api/v1/communities/demo/volunteers"
    static let residents = "/api/v1/communities/demo/residents"

    static func withAPI(
        maxBodyBytes: Int = 2 * 1024 * 1024,
        _ body: @escaping @Sendable (any TestClientProtocol, ConnectionPool) async throws -> Void
    ) async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            try await DemoData.load(pool: pool, migrationsDirectory: TestDatabase.migrationsDirectory)
            let settings = LinliSettings(
                databaseURL: configuration.connectionString, httpPort: 0, httpMaxBodyBytes: maxBodyBytes)
            let dependencies = try APIDependencies.live(
                settings: settings, metrics: PrometheusCollectorRegistry(), logger: TestDatabase.logger)
            let app = buildApplication(settings: settings, dependencies: dependencies, logger: TestDatabase.logger)
            do {
                try await app.test(.router) { client in try await body(client, pool) }
            } catch {
                await dependencies.pool.shutdown()
                throw error
            }
            await dependencies.pool.shutdown()
        }
    }

    /// The demo community's id.
    static func demoID(_ pool: ConnectionPool) async throws -> ID<Community> {
        let community = try await Store(pool: pool).transaction(.administrator()) { tx in
            try await OrganisationStore().community(code: "demo", on: tx)
        }
        guard let community else { throw StorageError.notFound("community demo") }
        return community.id
    }

    static func headers(_ fields: [HTTPField.Name: String]) -> HTTPFields {
        var headers = HTTPFields()
        for (name, value) in fields { headers[name] = value }
        return headers
    }

    static let json = headers([.contentType: "application/json"])
}

/// A response body as JSON.
struct JSONValue {
    let object: [String: Any]

    init(_ buffer: ByteBuffer) throws {
        let parsed = try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))
        object = try #require(parsed as? [String: Any], "not a JSON object: \(String(buffer: buffer))")
    }

    subscript(key: String) -> Any? { object[key] }
    var string: [String: String] { object.compactMapValues { $0 as? String } }

    /// The `field` of each entry of a problem's `errors`.
    var errorFields: [String] {
        ((object["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }
    }
    var errorCodes: [String] {
        ((object["errors"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
    }
    var items: [[String: Any]] { (object["items"] as? [[String: Any]]) ?? [] }
}

/// Checks a response is a problem: the status, problem+json, the machine code, and the fields named.
func expectProblem(
    _ response: TestResponse, _ status: HTTPResponse.Status, code: String, fields: [String]? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    #expect(response.status == status, "\(String(buffer: response.body))", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
    let body = try JSONValue(response.body)
    #expect(body.string["code"] == code, "\(body.object)", sourceLocation: sourceLocation)
    #expect(body["status"] as? Int == Int(status.code), sourceLocation: sourceLocation)
    #expect(body.string["title"]?.isEmpty == false, sourceLocation: sourceLocation)
    #expect(body.string["detail"]?.isEmpty == false, sourceLocation: sourceLocation)
    if let fields {
        #expect(body.errorFields == fields, "\(body.object)", sourceLocation: sourceLocation)
    }
}
