import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAPI
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliSettings
import LinliStorage
import LinliTestSupport
import NIOCore
import Prometheus
import Testing

/// The API over a fresh database holding the demo community (code `demo`); the client given to
/// `body` is signed in as a coordinator of `demo` by a bearer token (`SignedInClient`; its
/// `base` is the anonymous client).
enum APITest {
    static let volunteers = "/api/v1/communities/demo/volunteers"
    static let residents = "/api/v1/communities/demo/residents"

    /// `reportsURL` makes the reports' connection string (`LINLI_DATABASE_REPORTS_URL`) from the
    /// test database's.
    static func withAPI(
        maxBodyBytes: Int = 2 * 1024 * 1024, cookieSecure: Bool = false, requireSecondFactor: Bool = false,
        statementTimeoutSeconds: Double = 30, reportsURL: (@Sendable (String) -> String)? = nil,
        _ body: @escaping @Sendable (any TestClientProtocol, ConnectionPool) async throws -> Void
    ) async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            try await DemoData.load(
                pool: pool, migrationsDirectory: TestDatabase.migrationsDirectory, careNotes: TestDatabase.careNotes)
            var settings = LinliSettings(
                databaseURL: configuration.connectionString, databaseStatementTimeoutSeconds: statementTimeoutSeconds,
                httpPort: 0, httpMaxBodyBytes: maxBodyBytes, cookieSecure: cookieSecure,
                careNotesKeys: TestDatabase.careNotesKeys, requireSecondFactor: requireSecondFactor)
            settings.databaseReportsURL = reportsURL?(configuration.connectionString)
            let dependencies = try APIDependencies.live(
                settings: settings, metrics: PrometheusCollectorRegistry(), logger: TestDatabase.logger)
            let app = buildApplication(settings: settings, dependencies: dependencies, logger: TestDatabase.logger)
            do {
                try await app.test(.router) { client in
                    try await body(try await SignedInClient.signIn(client, pool: pool), pool)
                }
            } catch {
                await dependencies.pool.shutdown()
                await dependencies.reportsPool?.shutdown()
                throw error
            }
            await dependencies.pool.shutdown()
            await dependencies.reportsPool?.shutdown()
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
/// A staff page's refusal: `status`, an HTML page in its language naming the problem's `code`.
func expectPageProblem(
    _ response: TestResponse, _ status: HTTPResponse.Status, code: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let html = String(buffer: response.body)
    #expect(response.status == status, "\(html)", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType] == "text/html; charset=utf-8", sourceLocation: sourceLocation)
    #expect(html.contains(#"data-code="\#(code)""#) && html.contains("<html lang="), "\(html)", sourceLocation: sourceLocation)
}

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

/// A test client signed in as a new user holding `role` in one community (or administrator), by
/// an API token: every request gets `Authorization: Bearer <token>` unless it sets its own.
/// Adopt it in a test that builds its own app with one line:
/// `let client = try await SignedInClient.signIn(client, pool: pool, role: .deskStaff)`.
struct SignedInClient: TestClientProtocol {
    let base: any TestClientProtocol
    let token: String
    let user: User

    var port: Int? { base.port }

    func executeRequest(
        uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?
    ) async throws -> TestResponse {
        var headers = headers
        if headers[.authorization] == nil { headers[.authorization] = "Bearer \(token)" }
        return try await base.executeRequest(uri: uri, method: method, headers: headers, body: body)
    }

    /// Creates the user (no password: it signs in only by the token) with `role` in the community
    /// `community` (ignored for `.administrator`; a patrol leader leads `team`) and issues a token.
    static func signIn(
        _ client: any TestClientProtocol, pool: ConnectionPool, role: Role = .coordinator, community: String = "demo",
        team: ID<PatrolTeam>? = nil
    ) async throws -> SignedInClient {
        let store = Store(pool: pool)
        let user = User(
            login: "t-\(role.rawValue.replacingOccurrences(of: "_", with: "-"))-\(UUID().uuidString.prefix(8).lowercased())",
            displayName: "测试 \(role.rawValue)")
        try await store.transaction(.administrator()) { tx in
            let communityID = try await OrganisationStore().community(code: community, on: tx)?.id
            try await UserStore().create(user, on: tx)
            try await UserStore().grant(
                RoleGrant(
                    userID: user.id, role: role, communityID: role == .administrator ? nil : communityID,
                    teamID: role == .patrolLeader ? team : nil),
                on: tx)
        }
        let issued = try await Accounts(store: store).issueToken(login: user.login, label: "test")
        return SignedInClient(base: (client as? SignedInClient)?.base ?? client, token: issued.token.value, user: user)
    }
}
