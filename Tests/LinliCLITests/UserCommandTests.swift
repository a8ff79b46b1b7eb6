import Foundation
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliTestSupport
import Testing

@Suite("linli user, run as a program")
struct UserCommandTests {
    static let password = "邻里守望相助平安幸福安康"

    struct Listed: Decodable, Equatable {
        var login: String
        var displayName: String
        var locale: String
        var isActive: Bool
        var hasPassword: Bool
        var roles: [Role]

        struct Role: Decodable, Equatable {
            var role: String
            var community: String?
        }
    }

    @Test("totp: enrol prints a secret and link, a first code confirms it, a used code is refused, removal needs --yes")
    func secondFactor() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            let linli = Linli(databaseURL: configuration.connectionString)
            #expect(
                try linli.run(["user", "create", "root", "--name", "管理员", "--role", "administrator"], input: Self.password).status
                    == 0)
            let enrolled = try linli.run(["user", "totp", "root"])
            #expect(enrolled.status == 0, "\(enrolled.errors)")
            let secretLine = try #require(enrolled.output.split(separator: "\n").first { $0.hasPrefix("secret:") })
            let totp = try #require(
                TOTP(base32Secret: String(secretLine.dropFirst("secret:".count)).trimmingCharacters(in: .whitespaces)))
            #expect(enrolled.output.contains("link:    otpauth://totp/"))
            let code = totp.code(step: totp.step(at: Date()))
            let confirmed = try linli.run(["user", "totp", "root", "--confirm", code])
            #expect(confirmed.status == 0, "\(confirmed.errors)")
            #expect(confirmed.output.contains("is confirmed"))
            let again = try linli.run(["user", "totp", "root", "--confirm", code])
            #expect(again.status == 1)
            #expect(again.errors.contains("验证码不对") && again.errors.contains("or was used already"))
            let user = try await Accounts(store: Store(pool: pool)).user(login: "root")
            #expect(try await SecondFactors(store: Store(pool: pool)).isRequired(for: user.id))
            #expect(try linli.run(["user", "totp", "root", "--confirm", "12"]).status == 2)
            let unconfirmed = try linli.run(["user", "totp", "root", "--remove"])
            #expect(unconfirmed.status != 0)
            let removed = try linli.run(["user", "totp", "root", "--remove", "--yes"])
            #expect(removed.status == 0 && removed.output.contains("removed the second factor of root"))
            #expect(try await SecondFactors(store: Store(pool: pool)).isRequired(for: user.id) == false)
        }
    }

    @Test("create with the password on standard input, list --json, sign in, disable with --yes")
    func createListDisable() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            let linli = Linli(databaseURL: configuration.connectionString)
            #expect(try linli.run(["community", "create", "--code", "demo", "--name", "幸福里社区"]).status == 0)
            let created = try linli.run(
                ["user", "create", "wang.li", "--name", "王丽", "--role", "coordinator", "--community", "demo"],
                input: Self.password + "\n")
            #expect(created.status == 0, "\(created.errors)")
            #expect(created.output == "created user wang.li (王丽) with roles coordinator@demo\n")
            let taken = try linli.run(["user", "create", "wang.li", "--name", "另一个王丽"], input: Self.password)
            #expect(taken.status == 1 && taken.errors.contains("the login 'wang.li' is taken"))
            let admin = try linli.run(
                ["user", "create", "root", "--name", "管理员", "--role", "administrator"], input: Self.password)
            #expect(admin.status == 0, "\(admin.errors)")

            let list = try linli.run(["user", "list", "--json"])
            #expect(list.status == 0, "\(list.errors)")
            let listed = try JSONDecoder().decode([Listed].self, from: Data(list.output.utf8))
            #expect(
                listed == [
                    Listed(
                        login: "root", displayName: "管理员", locale: "zh-CN", isActive: true, hasPassword: true,
                        roles: [.init(role: "administrator")]),
                    Listed(
                        login: "wang.li", displayName: "王丽", locale: "zh-CN", isActive: true, hasPassword: true,
                        roles: [.init(role: "coordinator", community: "demo")]),
                ])
            let inDemo = try linli.run(["user", "list", "--community", "demo"])
            #expect(inDemo.output == "wang.li\t王丽\tzh-CN\tactive\tcoordinator@demo\n")

            // The password read from standard input is the one that signs in.
            let store = Store(pool: pool)
            let session = try await Authenticator(store: store).login(login: "wang.li", password: Self.password, from: nil)
            let hash: String = try await pool.query("SELECT password_hash FROM users WHERE login = 'wang.li'").rows[0]
                .decode("password_hash")
            #expect(hash.hasPrefix("$argon2id$"))

            let unconfirmed = try linli.run(["user", "disable", "wang.li"])
            #expect(unconfirmed.status != 0 && unconfirmed.errors.contains("--yes"), "no terminal: confirmation needs --yes")
            let disabled = try linli.run(["user", "disable", "wang.li", "--yes"])
            #expect(disabled.status == 0, "\(disabled.errors)")
            #expect(disabled.output == "disabled wang.li; ended 1 session(s) or token(s)\n")
            #expect(try await Authenticator(store: store).authenticate(token: session.token.value) == nil)
            #expect(try linli.run(["user", "list"]).output.contains("wang.li\t王丽\tzh-CN\tdisabled\tcoordinator@demo"))
            #expect(try linli.run(["user", "enable", "wang.li"]).output == "enabled wang.li\n")

            let audited = try await pool.query(
                """
                SELECT count(*) AS n, count(*) FILTER (WHERE strpos(coalesce(before::text, '') || after::text, 'argon2id') > 0) AS hashes
                FROM audit_log WHERE table_name = 'users'
                """
            ).rows[0]
            #expect(try audited.decode("n", as: Int.self) == 4, "two accounts created, one disabled and enabled")
            #expect(try audited.decode("hashes", as: Int.self) == 0, "no password hash in the audit log")
        }
    }

    @Test("passwords: never an argument, rules checked, a clear error without input")
    func passwordRules() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            let linli = Linli(databaseURL: configuration.connectionString)
            let short = try linli.run(["user", "create", "zhao", "--name", "赵敏"], input: "short\n")
            #expect(short.status == 1)
            #expect(short.errors.contains("密码太短") && short.errors.contains("the password is too short"))
            let none = try linli.run(["user", "create", "zhao", "--name", "赵敏"])
            #expect(none.status != 0 && none.errors.contains("no password on standard input"))
            let argument = try linli.run(["user", "create", "zhao", "--name", "赵敏", "--password", "x"])
            #expect(argument.status == 2, "there is no --password option")
            let badRole = try linli.run(
                ["user", "create", "zhao", "--name", "赵敏", "--role", "coordinator"], input: Self.password)
            #expect(badRole.status == 2 && badRole.errors.contains("coordinator needs a community"))
            let unknownCommunity = try linli.run(
                ["user", "create", "zhao", "--name", "赵敏", "--role", "coordinator@nowhere"], input: Self.password)
            #expect(unknownCommunity.status == 2 && unknownCommunity.errors.contains("linli community list"))
            let badLogin = try linli.run(["user", "create", "Zhao Min", "--name", "赵敏"], input: Self.password)
            #expect(badLogin.status == 2 && badLogin.errors.contains("LOGIN must be"))
            let users: Int = try await pool.query("SELECT count(*) AS n FROM users").rows[0].decode("n")
            #expect(users == 0, "nothing was created")
        }
    }

    @Test("roles, tokens and reset-password")
    func rolesTokensReset() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            let linli = Linli(databaseURL: configuration.connectionString)
            #expect(try linli.run(["community", "create", "--code", "demo", "--name", "幸福里社区"]).status == 0)
            #expect(try linli.run(["user", "create", "report.bot", "--name", "报表"], input: Self.password).status == 0)
            let added = try linli.run(["user", "roles", "report.bot", "--add", "desk-staff@demo", "--add", "coordinator@demo"])
            #expect(added.status == 0, "\(added.errors)")
            #expect(added.output == "coordinator@demo\ndesk_staff@demo\n")
            let removed = try linli.run(["user", "roles", "report.bot", "--remove", "coordinator@demo", "--json"])
            #expect(removed.output.contains("\"role\" : \"desk_staff\"") && !removed.output.contains("coordinator"))
            let again = try linli.run(["user", "roles", "report.bot", "--remove", "coordinator@demo"])
            #expect(again.status != 0 && again.errors.contains("does not hold coordinator@demo"))
            let twice = try linli.run(["user", "roles", "report.bot", "--add", "desk_staff@demo"])
            #expect(twice.status != 0 && twice.errors.contains("already holds"))

            let token = try linli.run(["user", "token", "report.bot", "--days", "7", "--label", "weekly export"])
            #expect(token.status == 0, "\(token.errors)")
            let value = token.output.trimmingCharacters(in: .newlines)
            #expect(value.count == 43 && token.errors.contains("shown only this once"))
            let auth = Authenticator(store: Store(pool: pool))
            let signedIn = try #require(try await auth.authenticate(token: value))
            #expect(signedIn.session.kind == .apiToken && signedIn.session.label == "weekly export")
            #expect(try linli.run(["user", "token", "report.bot", "--days", "0"]).status == 2)

            let reset = try linli.run(["user", "reset-password", "report.bot"], input: "一个全新的密码而且很长久\n")
            #expect(reset.status == 0, "\(reset.errors)")
            #expect(reset.output == "changed the password of report.bot; ended 1 session(s) or token(s)\n")
            #expect(try await auth.authenticate(token: value) == nil)
            _ = try await auth.login(login: "report.bot", password: "一个全新的密码而且很长久", from: nil)

            let missing = try linli.run(["user", "reset-password", "nobody"], input: Self.password)
            #expect(missing.status == 1 && missing.errors.contains("there is no user 'nobody'"))
        }
    }
}
