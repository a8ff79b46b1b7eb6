import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliTestSupport
import Testing

@testable import LinliAccounts

/// A test database with a community `demo` and the account services on connections that run
/// as `linli_app`, as the server's do, so row-level security and grants apply.
struct AccountsWorld {
    let admin: ConnectionPool
    let store: Store
    let community: Community

    static func with<T>(_ body: (AccountsWorld) async throws -> T) async throws -> T {
        try await TestDatabase.withDatabase { admin, configuration in
            let pool = ConnectionPool(
                configuration: ConnectionConfiguration(
                    connectionString: configuration.connectionString, sessionRole: "linli_app"),
                // A long acquire timeout: parallel sign-ins each hash with Argon2id (64 MiB), and on a
                // loaded machine they queue for the pool longer than the service's default 10 s.
                options: .init(maximumConnections: 6, acquireTimeout: .seconds(60)), logger: TestDatabase.logger)
            let store = Store(pool: pool)
            do {
                let community = Community(code: "demo", name: "幸福里社区")
                try await store.transaction(.administrator()) { tx in
                    try await OrganisationStore().createCommunity(community, on: tx)
                }
                let value = try await body(AccountsWorld(admin: admin, store: store, community: community))
                await pool.shutdown()
                return value
            } catch {
                await pool.shutdown()
                throw error
            }
        }
    }

    /// An account `login` with `password`, coordinator of demo.
    @discardableResult
    func user(_ login: String, password: String, hasher: PasswordHasher = PasswordHasher()) async throws -> User {
        let user = User(login: login, displayName: "王丽")
        try await Accounts(store: store, hasher: hasher).create(
            user, password: Password(password),
            roles: [RoleGrant(userID: user.id, role: .coordinator, communityID: community.id)])
        return user
    }

    func count(_ query: SQLQuery) async throws -> Int {
        try await admin.query(query).rows[0].decode(at: 0)
    }
}

@Suite("Sign-in, sessions and API tokens")
struct AuthenticatorTests {
    static let password = "邻里守望相助平安幸福安康"

    @Test("a password of 10 characters set under the older rule still signs in; a new one needs 12")
    func olderShortPasswordStillWorks() async throws {
        try await AccountsWorld.with { world in
            let user = try await world.user("old.rule", password: Self.password)
            let old = "邻里守望相助平安幸福"
            let hash = try PasswordHasher().hashUnchecked(Password(old))
            try await world.store.transaction(.administrator()) { tx in
                try await UserStore().setPasswordHash(user.id, hash, on: tx)
            }
            let issued = try await Authenticator(store: world.store).login(login: "old.rule", password: old, from: nil)
            #expect(issued.authenticated.user.id == user.id)
            let error = await #expect(throws: AccountError.self) {
                try await Accounts(store: world.store).setPassword(login: "old.rule", to: Password(old))
            }
            #expect(error?.zh.contains("至少需要 12 个字符") == true && error?.en.contains("at least 12 characters") == true)
        }
    }

    @Test("a session's token signs the user in with roles; the database keeps only its SHA-256")
    func sessionWorks() async throws {
        try await AccountsWorld.with { world in
            let user = try await world.user("wang.li", password: Self.password)
            let auth = Authenticator(store: world.store)
            let issued = try await auth.login(login: " Wang.Li ", password: Self.password, from: "192.0.2.7")
            #expect(issued.token.value.count == 43)
            #expect(issued.authenticated.user.id == user.id)
            let signedIn = try #require(try await auth.authenticate(token: issued.token.value))
            #expect(signedIn.user.login == "wang.li")
            #expect(signedIn.session.kind == .browser)
            #expect(signedIn.session.idleTimeoutSeconds == 12 * 3600)
            #expect(signedIn.roles(in: world.community.id) == [.coordinator])
            #expect(!signedIn.isAdministrator)

            let token = issued.token.value
            #expect(
                try await world.count("SELECT count(*) FROM sessions WHERE token_hash = sha256(convert_to(\(token), 'UTF8'))")
                    == 1)
            #expect(try await world.count("SELECT count(*) FROM sessions s WHERE strpos(s::text, \(token)) > 0") == 0)
            #expect(try await world.count("SELECT count(*) FROM audit_log a WHERE strpos(a::text, \(token)) > 0") == 0)
            #expect(
                try await world.count(
                    "SELECT count(*) FROM audit_log WHERE table_name = 'sessions' AND actor_user_id = \(user.id) AND NOT after ? 'token_hash'"
                ) == 1, "opening the session is in the audit log with the user, without the hash")

            #expect(try await auth.authenticate(token: "x") == nil)
            #expect(try await auth.authenticate(token: String(repeating: "A", count: 43)) == nil)
        }
    }

    @Test("an expired, idle, revoked session fails, and so does any session of a disabled user")
    func sessionEnds() async throws {
        try await AccountsWorld.with { world in
            try await world.user("wang.li", password: Self.password)
            let auth = Authenticator(store: world.store)
            func signIn() async throws -> String {
                try await auth.login(login: "wang.li", password: Self.password, from: nil).token.value
            }

            let expired = try await signIn()
            try await world.admin.execute(
                "UPDATE sessions SET created_at = now() - interval '8 days', expires_at = now() - interval '1 second' WHERE token_hash = sha256(convert_to(\(expired), 'UTF8'))"
            )
            #expect(try await auth.authenticate(token: expired) == nil)

            let idle = try await signIn()
            try await world.admin.execute(
                "UPDATE sessions SET last_used_at = now() - interval '13 hours' WHERE token_hash = sha256(convert_to(\(idle), 'UTF8'))"
            )
            #expect(try await auth.authenticate(token: idle) == nil, "12 hours unused ends a browser session")

            let busy = try await signIn()
            try await world.admin.execute(
                "UPDATE sessions SET last_used_at = now() - interval '11 hours' WHERE token_hash = sha256(convert_to(\(busy), 'UTF8'))"
            )
            #expect(try await auth.authenticate(token: busy) != nil)
            let slid: Bool = try await world.admin.query(
                "SELECT last_used_at > now() - interval '1 minute' AS s FROM sessions WHERE token_hash = sha256(convert_to(\(busy), 'UTF8'))"
            ).rows[0].decode("s")
            #expect(slid, "a use moves the idle deadline")

            let revoked = try await signIn()
            #expect(try await auth.logout(token: revoked))
            #expect(try await auth.authenticate(token: revoked) == nil)
            #expect(try await !auth.logout(token: revoked))

            // Disabled behind the library's back: the session is still open, but refused.
            try await world.admin.execute("UPDATE users SET is_active = false WHERE login = 'wang.li'")
            #expect(try await auth.authenticate(token: busy) == nil)
            await #expect(throws: AccountError.self) { try await signIn() }
            try await world.admin.execute("UPDATE users SET is_active = true WHERE login = 'wang.li'")
            #expect(try await auth.authenticate(token: busy) != nil)

            // Disabled through Accounts: every session and token is revoked as well.
            let token = try await Accounts(store: world.store).issueToken(login: "wang.li", days: 1)
            let outcome = try await Accounts(store: world.store).setActive(login: "wang.li", false)
            #expect(outcome.changed && outcome.revoked == 2)
            try await world.admin.execute("UPDATE users SET is_active = true WHERE login = 'wang.li'")
            #expect(try await auth.authenticate(token: busy) == nil)
            #expect(try await auth.authenticate(token: token.token.value) == nil)
        }
    }

    @Test("API tokens: chosen expiry, no idle timeout, ended by a password reset")
    func apiTokens() async throws {
        try await AccountsWorld.with { world in
            try await world.user("report.bot", password: Self.password)
            let accounts = Accounts(store: world.store)
            let issued = try await accounts.issueToken(login: "report.bot", days: 30, label: "weekly export")
            let session = issued.authenticated.session
            #expect(session.kind == .apiToken && session.idleTimeoutSeconds == nil && session.label == "weekly export")
            let days = session.expiresAt.timeIntervalSince(session.createdAt) / 86_400
            #expect(abs(days - 30) < 0.01)
            let auth = Authenticator(store: world.store)
            #expect(try await auth.authenticate(token: issued.token.value)?.user.login == "report.bot")
            await #expect(throws: AccountError.self) { try await accounts.issueToken(login: "report.bot", days: 400) }
            await #expect(throws: AccountError.self) { try await accounts.issueToken(login: "nobody.here") }

            #expect(try await accounts.setPassword(login: "report.bot", to: Password("一个全新的密码而且很长久")) == 1)
            #expect(try await auth.authenticate(token: issued.token.value) == nil)
            _ = try await auth.login(login: "report.bot", password: "一个全新的密码而且很长久", from: nil)
            await #expect(throws: AccountError.self) {
                try await auth.login(login: "report.bot", password: Self.password, from: nil)
            }
        }
    }

    @Test("a wrong password, an unknown login and an account without a password are refused alike")
    func refusals() async throws {
        try await AccountsWorld.with { world in
            try await world.user("wang.li", password: Self.password)
            try await world.store.transaction(.administrator()) { tx in
                try await UserStore().create(User(login: "no.password", displayName: "无密码"), on: tx)
            }
            let auth = Authenticator(store: world.store)
            for (login, password) in [("wang.li", "邻里守望相助平安幸运"), ("nobody.here", Self.password), ("no.password", "")] {
                let error = await #expect(throws: AccountError.self) {
                    try await auth.login(login: login, password: password, from: "192.0.2.9")
                }
                #expect(error?.code == .invalidCredentials)
                #expect(error?.zh == "用户名或密码不正确，或账号已停用")
            }
            #expect(try await world.count("SELECT count(*) FROM login_attempts WHERE outcome = 'failed'") == 3)
        }
    }

    @Test("sessions and login attempts are invisible to a community-scoped transaction")
    func rowLevelSecurity() async throws {
        try await AccountsWorld.with { world in
            try await world.user("wang.li", password: Self.password)
            _ = try await Authenticator(store: world.store).login(login: "wang.li", password: Self.password, from: nil)
            let seen: (Int, Int) = try await world.store.transaction(.community(world.community.id)) { tx in
                (
                    try await tx.query("SELECT count(*) FROM sessions").rows[0].decode(at: 0),
                    try await tx.query("SELECT count(*) FROM login_attempts").rows[0].decode(at: 0)
                )
            }
            #expect(seen == (0, 0))
            let asAdministrator: Int = try await world.store.transaction(.administrator()) { tx in
                try await tx.query("SELECT count(*) FROM sessions").rows[0].decode(at: 0)
            }
            #expect(asAdministrator == 1)
        }
    }

    @Test("a hash made with weaker limits is replaced at the next sign-in")
    func rehashOnLogin() async throws {
        try await AccountsWorld.with { world in
            try await world.user("wang.li", password: Self.password, hasher: PasswordHasher(limits: .minimum))
            func stored() async throws -> String {
                try await world.admin.query("SELECT password_hash FROM users WHERE login = 'wang.li'").rows[0].decode(
                    "password_hash")
            }
            #expect(try await stored().hasPrefix("$argon2id$v=19$m=8,t=1,p=1$"))
            _ = try await Authenticator(store: world.store).login(login: "wang.li", password: Self.password, from: nil)
            #expect(try await stored().hasPrefix("$argon2id$v=19$m=65536,t=2,p=1$"))
            _ = try await Authenticator(store: world.store).login(login: "wang.li", password: Self.password, from: nil)
        }
    }

    @Test("the audit log records account changes with the user, never the password hash")
    func audit() async throws {
        try await AccountsWorld.with { world in
            let actor = try await world.user("admin.one", password: Self.password)
            let user = User(login: "wang.li", displayName: "王丽")
            let accounts = Accounts(store: world.store)
            try await accounts.create(user, password: Password(Self.password), roles: [], by: actor.id)
            try await accounts.setPassword(login: "wang.li", to: Password("另一个足够长的新密码一二"), by: actor.id)
            _ = try await accounts.setActive(login: "wang.li", false, by: actor.id)
            let rows = try await world.admin.query(
                """
                SELECT action, actor_user_id, before, after FROM audit_log
                WHERE table_name = 'users' AND row_id = \(user.id.description) ORDER BY id
                """
            ).rows
            #expect(try rows.map { try $0.decode("action", as: String.self) } == ["INSERT", "UPDATE", "UPDATE"])
            #expect(try rows.allSatisfy { try $0.decode("actor_user_id", as: ID<User>?.self) == actor.id })
            #expect(
                try await world.count(
                    "SELECT count(*) FROM audit_log WHERE strpos(coalesce(before::text, '') || after::text, '$argon2id$') > 0")
                    == 0)
            #expect(
                try await world.count("SELECT count(*) FROM audit_log WHERE before ? 'password_hash' OR after ? 'password_hash'")
                    == 0)
            #expect(
                try await world.count(
                    """
                    SELECT count(*) FROM audit_log WHERE table_name = 'users' AND row_id = \(user.id.description)
                      AND action = 'UPDATE' AND before->>'password_changed_at' <> after->>'password_changed_at'
                    """) == 1, "a password reset shows as a new password_changed_at")
        }
    }
}

@Suite("Login throttling")
struct ThrottleTests {
    static let password = "邻里守望相助平安幸福安康"
    /// Throttling is about counting, not hashing: the cheapest hashes keep these tests quick.
    static let hasher = PasswordHasher(limits: .minimum)

    @Test("after 5 failures a login is refused even with the right password, across processes, until the delay passes")
    func perLogin() async throws {
        try await AccountsWorld.with { world in
            try await world.user("wang.li", password: Self.password, hasher: Self.hasher)
            let first = Authenticator(store: world.store, hasher: Self.hasher)
            for _ in 0..<5 {
                let error = await #expect(throws: AccountError.self) {
                    try await first.login(login: "wang.li", password: "wrong password!", from: "192.0.2.1")
                }
                #expect(error?.code == .invalidCredentials)
            }
            // Another server process: its own pool, the same database.
            let otherPool = ConnectionPool(
                configuration: world.store.pool.configuration, options: .init(maximumConnections: 2), logger: TestDatabase.logger)
            let second = Authenticator(store: Store(pool: otherPool), hasher: Self.hasher)
            let refused = await #expect(throws: AccountError.self) {
                try await second.login(login: "wang.li", password: Self.password, from: "198.51.100.1")
            }
            #expect(refused?.code == .throttled)
            #expect(refused?.retryAfter.map { $0 > .seconds(50) && $0 <= .seconds(60) } == true)
            #expect(refused?.zh.contains("分钟后再试") == true)
            await otherPool.shutdown()
            #expect(try await world.count("SELECT count(*) FROM login_attempts WHERE outcome = 'throttled'") == 1)

            // A minute later one more try is allowed; a 6th failure doubles the delay.
            try await world.admin.execute("UPDATE login_attempts SET attempted_at = attempted_at - interval '61 seconds'")
            await #expect(throws: AccountError.self) {
                try await first.login(login: "wang.li", password: "wrong again!!", from: "192.0.2.1")
            }
            let doubled = await #expect(throws: AccountError.self) {
                try await first.login(login: "wang.li", password: Self.password, from: "192.0.2.1")
            }
            #expect(doubled?.retryAfter.map { $0 > .seconds(110) && $0 <= .seconds(120) } == true)

            try await world.admin.execute("UPDATE login_attempts SET attempted_at = attempted_at - interval '121 seconds'")
            _ = try await first.login(login: "wang.li", password: Self.password, from: "192.0.2.1")
            // A success starts the count for the login afresh.
            for _ in 0..<4 {
                await #expect(throws: AccountError.self) {
                    try await first.login(login: "wang.li", password: "wrong password!", from: "192.0.2.1")
                }
            }
            _ = try await first.login(login: "wang.li", password: Self.password, from: "192.0.2.1")
        }
    }

    @Test("failures are counted per address too: IPv6 by /64, IPv4-mapped as IPv4")
    func perAddress() async throws {
        try await AccountsWorld.with { world in
            try await world.user("wang.li", password: Self.password, hasher: Self.hasher)
            let auth = Authenticator(
                store: world.store, hasher: Self.hasher, throttle: ThrottlePolicy(failuresPerLogin: 5, failuresPerAddress: 3))
            for (i, address) in ["2001:db8:1:2::1", "[2001:db8:1:2::ffff]", "2001:db8:1:2:aaaa::9"].enumerated() {
                await #expect(throws: AccountError.self) {
                    try await auth.login(login: "guess\(i)", password: "a wrong password", from: address)
                }
            }
            let refused = await #expect(throws: AccountError.self) {
                try await auth.login(login: "wang.li", password: Self.password, from: "2001:db8:1:2::42")
            }
            #expect(refused?.code == .throttled, "the same /64")
            _ = try await auth.login(login: "wang.li", password: Self.password, from: "2001:db8:1:3::42")

            for i in 0..<3 {
                await #expect(throws: AccountError.self) {
                    try await auth.login(login: "guess\(i)", password: "a wrong password", from: "::ffff:192.0.2.50")
                }
            }
            let mapped = await #expect(throws: AccountError.self) {
                try await auth.login(login: "wang.li", password: Self.password, from: "192.0.2.50")
            }
            #expect(mapped?.code == .throttled)
        }
    }

    @Test("parallel guesses cannot slip past the limit: the 6th and later are refused")
    func parallelAttempts() async throws {
        try await AccountsWorld.with { world in
            try await world.user("wang.li", password: Self.password, hasher: Self.hasher)
            let auth = Authenticator(store: world.store, hasher: Self.hasher)
            let codes = try await withThrowingTaskGroup(of: String.self) { group in
                for i in 0..<9 {
                    group.addTask {
                        do {
                            _ = try await auth.login(login: "wang.li", password: "wrong guess \(i)", from: "203.0.113.\(i)")
                            return "signed in"
                        } catch let error as AccountError {
                            return error.code.description
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(codes.filter { $0 == "invalidCredentials" }.count == 5)
            #expect(codes.filter { $0 == "throttled" }.count == 4)
        }
    }
}
