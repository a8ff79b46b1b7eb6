import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliStorage
import NIOCore
import Testing

@testable import LinliAPI

/// Sign-in over HTTP: sessions, cookies, CSRF, bearer tokens, throttling.
@Suite("Sign-in, sessions, CSRF and bearer tokens")
struct AuthTests {
    static let password = "正确的密码-correct-horse"

    /// A user with a password and `role` in demo.
    static func passwordUser(_ pool: ConnectionPool, login: String, role: Role = .coordinator) async throws -> User {
        let user = User(login: login, displayName: "测试用户")
        let demo = try await APITest.demoID(pool)
        try await Accounts(store: Store(pool: pool)).create(
            user, password: Password(password),
            roles: [RoleGrant(userID: user.id, role: role, communityID: role == .administrator ? nil : demo)])
        return user
    }

    static func signInBody(_ login: String, _ password: String) -> ByteBuffer {
        let data = try? JSONSerialization.data(withJSONObject: ["login": login, "password": password])
        return ByteBuffer(bytes: data ?? Data())
    }

    /// The `linli_session` cookie's value and attributes from a Set-Cookie header.
    static func sessionCookie(_ response: TestResponse) throws -> (value: String, attributes: Set<String>) {
        let header = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("linli_session=") })
        let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        let value = String(parts[0].dropFirst("linli_session=".count))
        return (value, Set(parts.dropFirst().map { $0.lowercased() }))
    }

    @Test("sign in sets an HttpOnly SameSite=Strict cookie; /me; CSRF on unsafe methods; sign out revokes")
    func signInAndOut() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            _ = try await Self.passwordUser(pool, login: "anna")
            let (cookie, csrf) = try await client.execute(
                uri: "/api/v1/session", method: .post, headers: APITest.json, body: Self.signInBody("anna", Self.password)
            ) { response async throws in
                #expect(response.status == .created, "\(String(buffer: response.body))")
                let (value, attributes) = try Self.sessionCookie(response)
                #expect(attributes.contains("httponly"))
                #expect(attributes.contains("samesite=strict"))
                #expect(attributes.contains("path=/"))
                #expect(!attributes.contains("secure"))
                let body = try JSONValue(response.body)
                #expect((body["user"] as? [String: Any])?["login"] as? String == "anna")
                let roles = try #require(body["roles"] as? [[String: Any]])
                #expect(roles.count == 1)
                #expect(roles.first?["role"] as? String == "coordinator")
                #expect(roles.first?["community"] as? String == "demo")
                #expect(Set(body.object.keys) == Contract.shared.properties("SessionInfo"))
                return (value, try #require(body.string["csrf_token"]))
            }
            #expect(cookie.utf8.count == 43)
            let withCookie = APITest.headers([.cookie: "linli_session=\(cookie)", .contentType: "application/json"])
            try await client.execute(uri: "/api/v1/me", method: .get, headers: withCookie) { response async throws in
                #expect(response.status == .ok)
                #expect(try JSONValue(response.body).string["csrf_token"] == csrf)
            }
            try await client.execute(uri: APITest.volunteers, method: .get, headers: withCookie) { response async throws in
                #expect(response.status == .ok)
            }
            let volunteer = ByteBuffer(string: #"{"name": "王五", "sex": "male"}"#)
            // Cookie without X-CSRF-Token, or with a wrong one: 403.
            try await client.execute(uri: APITest.volunteers, method: .post, headers: withCookie, body: volunteer) {
                response async throws in
                try expectProblem(response, .forbidden, code: "csrf_failed")
            }
            var wrong = withCookie
            wrong[AuthenticationMiddleware.csrfHeader] = String(csrf.reversed())
            try await client.execute(uri: APITest.volunteers, method: .post, headers: wrong, body: volunteer) {
                response async throws in
                try expectProblem(response, .forbidden, code: "csrf_failed")
            }
            var right = withCookie
            right[AuthenticationMiddleware.csrfHeader] = csrf
            try await client.execute(uri: APITest.volunteers, method: .post, headers: right, body: volunteer) {
                response async throws in
                #expect(response.status == .created, "\(String(buffer: response.body))")
            }
            // Signing out needs the CSRF token too, then the cookie is cleared and the session dead.
            try await client.execute(uri: "/api/v1/session", method: .delete, headers: withCookie) { response async throws in
                try expectProblem(response, .forbidden, code: "csrf_failed")
            }
            try await client.execute(uri: "/api/v1/session", method: .delete, headers: right) { response async throws in
                #expect(response.status == .noContent)
                #expect(try Self.sessionCookie(response).attributes.contains("max-age=0"))
            }
            try await client.execute(uri: "/api/v1/me", method: .get, headers: withCookie) { response async throws in
                try expectProblem(response, .unauthorized, code: "unauthenticated")
            }
            // The audit log names the user who created the volunteer.
            let actors = try await Store(pool: pool).transaction(.administrator()) { tx in
                try await tx.query(
                    """
                    SELECT u.login FROM audit_log a JOIN users u ON u.id = a.actor_user_id
                    WHERE a.table_name = 'volunteers' AND a.action = 'INSERT' AND a.after->>'name' = '王五'
                    """
                ).rows.map { try $0.decode("login", as: String.self) }
            }
            #expect(actors == ["anna"])
        }
    }

    @Test("LINLI_COOKIE_SECURE adds Secure to the cookie")
    func secureCookie() async throws {
        try await APITest.withAPI(cookieSecure: true) { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            _ = try await Self.passwordUser(pool, login: "bella")
            try await client.execute(
                uri: "/api/v1/session", method: .post, headers: APITest.json, body: Self.signInBody("bella", Self.password)
            ) { response async throws in
                #expect(response.status == .created)
                #expect(try Self.sessionCookie(response).attributes.contains("secure"))
            }
        }
    }

    @Test("a wrong password and an unknown login get the same 401; repeated failures get 429 with Retry-After")
    func wrongPasswordAndThrottling() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            _ = try await Self.passwordUser(pool, login: "carl")
            let english = APITest.headers([.contentType: "application/json", .acceptLanguage: "en"])
            let wrong = try await client.execute(
                uri: "/api/v1/session", method: .post, headers: english, body: Self.signInBody("carl", "wrong password!")
            ) { response async throws in
                try expectProblem(response, .unauthorized, code: "invalid_credentials")
                #expect(response.headers[values: .setCookie].isEmpty)
                return try JSONValue(response.body).string["detail"]
            }
            let unknown = try await client.execute(
                uri: "/api/v1/session", method: .post, headers: english, body: Self.signInBody("nobody", "wrong password!")
            ) { response async throws in
                try expectProblem(response, .unauthorized, code: "invalid_credentials")
                return try JSONValue(response.body).string["detail"]
            }
            #expect(wrong == unknown)
            #expect(wrong?.contains("login or password") == true)
            for _ in 0..<4 {
                try await client.execute(
                    uri: "/api/v1/session", method: .post, headers: APITest.json, body: Self.signInBody("carl", "still wrong!!")
                ) { response async throws in
                    #expect(response.status == .unauthorized)
                }
            }
            // The 6th attempt is refused even with the right password.
            try await client.execute(
                uri: "/api/v1/session", method: .post, headers: APITest.json, body: Self.signInBody("carl", Self.password)
            ) { response async throws in
                try expectProblem(response, .tooManyRequests, code: "throttled")
                let retry = try #require(response.headers[.retryAfter].flatMap { Int($0) })
                #expect(retry > 0 && retry <= 60)
            }
        }
    }

    @Test("bearer tokens: none or unknown → 401, valid → 200 without CSRF, revoked → 401")
    func bearerTokens() async throws {
        try await APITest.withAPI { signedIn, pool in
            let anonymous = try #require(signedIn as? SignedInClient).base
            try await anonymous.execute(uri: APITest.volunteers, method: .get) { response async throws in
                try expectProblem(response, .unauthorized, code: "unauthenticated")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
            try await anonymous.execute(uri: "/api/v1/me", method: .get) { response async throws in
                try expectProblem(response, .unauthorized, code: "unauthenticated")
            }
            let forged = APITest.headers([.authorization: "Bearer " + String(repeating: "A", count: 43)])
            try await anonymous.execute(uri: APITest.volunteers, method: .get, headers: forged) { response async throws in
                try expectProblem(response, .unauthorized, code: "unauthenticated")
            }
            try await signedIn.execute(uri: "/api/v1/me", method: .get) { response async throws in
                #expect(response.status == .ok)
                #expect(try JSONValue(response.body)["csrf_token"] is NSNull)
            }
            try await signedIn.execute(
                uri: APITest.volunteers, method: .post, headers: APITest.json,
                body: ByteBuffer(string: #"{"name": "赵六", "sex": "female"}"#)
            ) { response async throws in
                #expect(response.status == .created)
            }
            // Public routes stay public.
            for path in ["/healthz", "/version", "/openapi.yaml", "/metrics"] {
                try await anonymous.execute(uri: path, method: .get) { response async throws in
                    #expect(response.status == .ok, "\(path)")
                }
            }
            let token = try #require(signedIn as? SignedInClient).token
            try await Authenticator(store: Store(pool: pool)).logout(token: token)
            try await signedIn.execute(uri: APITest.volunteers, method: .get) { response async throws in
                try expectProblem(response, .unauthorized, code: "unauthenticated")
            }
            // So is a token of a disabled account.
            let other = try await SignedInClient.signIn(anonymous, pool: pool, role: .deskStaff)
            _ = try await Accounts(store: Store(pool: pool)).setActive(login: other.user.login, false)
            try await other.execute(uri: APITest.residents, method: .get) { response async throws in
                try expectProblem(response, .unauthorized, code: "unauthenticated")
            }
        }
    }

    @Test("a token of community A used on community B → 403; an administrator may use both")
    func otherCommunity() async throws {
        try await APITest.withAPI { signedIn, pool in
            try await Store(pool: pool).transaction(.administrator()) { tx in
                try await OrganisationStore().createCommunity(Community(code: "other", name: "别的社区"), on: tx)
            }
            try await signedIn.execute(uri: "/api/v1/communities/other/volunteers", method: .get) { response async throws in
                try expectProblem(response, .forbidden, code: "not_a_member")
            }
            let admin = try await SignedInClient.signIn(signedIn, pool: pool, role: .administrator)
            for code in ["demo", "other"] {
                try await admin.execute(uri: "/api/v1/communities/\(code)/volunteers", method: .get) { response async throws in
                    #expect(response.status == .ok, "\(code)")
                }
            }
        }
    }
}
