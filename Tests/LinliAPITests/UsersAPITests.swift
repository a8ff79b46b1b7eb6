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

@Suite("Staff accounts over /api/v1/communities/{code}/users")
struct UsersAPITests {
    static let users = "/api/v1/communities/demo/users"

    @Test("a coordinator creates a desk account, changes its roles and disables it; all in the audit log")
    func lifecycle() async throws {
        try await APITest.withAPI { coordinator, pool in
            let me = try #require(coordinator as? SignedInClient)
            // Too short a password, a bad login, an administrator role: 422 naming the fields.
            try await coordinator.execute(
                uri: Self.users, method: .post, headers: APITest.json,
                body: ByteBuffer(
                    string: #"{"login": "X", "display_name": "小王", "password": "short", "role": "administrator"}"#)
            ) { response async throws in
                try expectProblem(
                    response, .unprocessableContent, code: "validation_failed", fields: ["login", "password", "role"])
            }
            let password = "服务台的密码-desk-2026"
            let body = try JSONSerialization.data(withJSONObject: [
                "login": "xiaowang", "display_name": "小王", "password": password, "role": "desk_staff",
            ])
            let id = try await coordinator.execute(
                uri: Self.users, method: .post, headers: APITest.json, body: ByteBuffer(bytes: body)
            ) { response async throws in
                #expect(response.status == .created, "\(String(buffer: response.body))")
                let json = try JSONValue(response.body)
                #expect(Set(json.object.keys) == Contract.shared.properties("StaffUser"))
                #expect((json["roles"] as? [[String: Any]])?.first?["role"] as? String == "desk_staff")
                return try #require(json.string["id"])
            }
            try await coordinator.execute(
                uri: Self.users, method: .post, headers: APITest.json, body: ByteBuffer(bytes: body)
            ) { response async throws in
                try expectProblem(response, .conflict, code: "duplicate", fields: ["login"])
            }
            try await coordinator.execute(uri: Self.users, method: .get) { response async throws in
                #expect(response.status == .ok)
                let logins = try JSONValue(response.body).items.compactMap { $0["login"] as? String }
                #expect(logins.contains("xiaowang"))
                #expect(logins.contains(me.user.login))
            }
            // The new account signs in with its password and works as desk staff.
            let anonymous = me.base
            try await anonymous.execute(
                uri: "/api/v1/session", method: .post, headers: APITest.json,
                body: AuthTests.signInBody("xiaowang", password)
            ) { response async throws in
                #expect(response.status == .created)
            }
            // Roles: a patrol leader without a team is refused; coordinator is accepted.
            try await coordinator.execute(
                uri: Self.users + "/\(id)/roles", method: .put, headers: APITest.json,
                body: ByteBuffer(string: #"{"roles": [{"role": "patrol_leader"}]}"#)
            ) { response async throws in
                try expectProblem(response, .unprocessableContent, code: "validation_failed", fields: ["roles[0].team_id"])
            }
            try await coordinator.execute(
                uri: Self.users + "/\(id)/roles", method: .put, headers: APITest.json,
                body: ByteBuffer(string: #"{"roles": [{"role": "coordinator"}, {"role": "desk_staff"}]}"#)
            ) { response async throws in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let roles = (try JSONValue(response.body)["roles"] as? [[String: Any]])?.compactMap { $0["role"] as? String }
                #expect(Set(roles ?? []) == ["coordinator", "desk_staff"])
            }
            let token = try await Accounts(store: Store(pool: pool)).issueToken(login: "xiaowang").token.value
            try await coordinator.execute(uri: Self.users + "/\(id)/disable", method: .post) { response async throws in
                #expect(response.status == .ok)
                #expect(try JSONValue(response.body)["is_active"] as? Bool == false)
            }
            try await anonymous.execute(
                uri: Self.users, method: .get, headers: APITest.headers([.authorization: "Bearer \(token)"])
            ) { response async throws in
                try expectProblem(response, .unauthorized, code: "unauthenticated")
            }
            try await coordinator.execute(uri: Self.users + "/\(UUID())/disable", method: .post) { response async throws in
                try expectProblem(response, .notFound, code: "not_found")
            }
            // Every change names the coordinator who made it.
            let audited = try await Store(pool: pool).transaction(.administrator()) { tx in
                try await tx.query(
                    """
                    SELECT table_name || ' ' || action AS what FROM audit_log
                    WHERE actor_user_id = \(me.user.id) AND (row_id = \(id) OR after->>'user_id' = \(id)
                                                             OR before->>'user_id' = \(id))
                    ORDER BY id
                    """
                ).rows.map { try $0.decode("what", as: String.self) }
            }
            #expect(audited.contains("users INSERT"))
            #expect(audited.contains("user_roles INSERT"))
            #expect(audited.contains("user_roles DELETE"))
            #expect(audited.contains("users UPDATE"))
        }
    }

    @Test("a coordinator may not disable an administrator or someone who also works elsewhere")
    func coordinatorLimits() async throws {
        try await APITest.withAPI { coordinator, pool in
            let admin = try await SignedInClient.signIn(coordinator, pool: pool, role: .administrator)
            let demo = try await APITest.demoID(pool)
            try await Store(pool: pool).transaction(.administrator()) { tx in
                try await UserStore().grant(RoleGrant(userID: admin.user.id, role: .deskStaff, communityID: demo), on: tx)
            }
            try await coordinator.execute(uri: Self.users + "/\(admin.user.id)/disable", method: .post) { response async throws in
                try expectProblem(response, .forbidden, code: "role_forbidden")
            }
        }
    }
}
