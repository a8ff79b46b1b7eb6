import ArgumentParser
import Foundation
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliStorage

/// `linli user create|list|disable|enable|reset-password|roles|token`: staff accounts.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Staff accounts (工作人员账号): passwords, roles, API tokens.",
        discussion: """
            A password is asked for twice, without showing it, on a terminal; otherwise \
            one line is read from standard input. Never from an argument, where other users \
            of the machine see it (ps) and the shell's history keeps it. At least 10 \
            characters, at most 1024 bytes; stored as an Argon2id hash.

            Roles: administrator (all communities), coordinator@CODE, desk_staff@CODE, \
            patrol_leader@CODE.

            Every change is in the audit log; password hashes and tokens never are.
            """,
        subcommands: [
            Create.self, List.self, Disable.self, Enable.self, ResetPassword.self, Roles.self, Token.self, SecondFactor.self,
        ])

    /// Runs `body` with the account services on a fresh pool.
    static func withAccounts<T>(_ body: (Accounts, Store) async throws -> T) async throws -> T {
        let context = try await CommandContext.make()
        return try await context.run { context in
            let store = Store(pool: context.pool)
            return try await body(Accounts(store: store), store)
        }
    }

    static func validateLogin(_ login: String) throws {
        guard login.range(of: "^[a-z0-9][a-z0-9._-]{2,39}$", options: .regularExpression) != nil else {
            throw ValidationError(
                "LOGIN must be 3–40 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit")
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a staff account with a password and roles.",
            discussion: """
                Examples:
                  linli user create wang.li --name 王丽 --role coordinator --community demo
                  linli user create zhao.min --name 赵敏 --role desk_staff@demo --locale en
                  linli user create li.qiang --name 李强 \\
                      --role patrol_leader@demo --team 幸福里三老巡逻队
                  linli user create root --name 街道管理员 --role administrator
                  printf '%s\\n' "$PASSWORD" | \\
                      linli user create desk2 --name 前台二号 --role desk_staff@demo
                """)
        @Argument(help: "The login: 3–40 lower-case letters, digits, dots, dashes or underscores.") var login: String
        @Option(help: "The name others see, e.g. 王丽.") var name: String
        @Option(
            help: ArgumentHelp(
                "administrator, or ROLE@COMMUNITY with ROLE coordinator, desk_staff or patrol_leader (repeatable).",
                valueName: "role"))
        var role: [String] = []
        @Option(help: "The community of roles written without @COMMUNITY.") var community: String?
        @Option(help: "The patrol team (its name) a patrol_leader role leads.") var team: String?
        @Option(help: "The language of the account's pages: zh-CN or en.") var locale = "zh-CN"

        func validate() throws {
            try UserCommand.validateLogin(login)
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--name must not be empty") }
            guard ["zh-CN", "en"].contains(locale) else { throw ValidationError("--locale must be zh-CN or en") }
            try RoleSpec.validate(role.map { try RoleSpec(parsing: $0, community: community) }, team: team)
        }

        func run() async throws {
            try await reportingErrors {
                let specs = try role.map { try RoleSpec(parsing: $0, community: community) }
                try await UserCommand.withAccounts { accounts, store in
                    let user = User(login: login, displayName: name, locale: locale)
                    let grants = try await store.transaction(.administrator()) { tx in
                        if try await UserStore().user(login: login, on: tx) != nil {
                            throw AccountError.loginTaken(login)
                        }
                        return try await RoleSpec.grants(specs, team: team, for: user.id, on: tx)
                    }
                    let password = try PasswordInput.readNew()
                    try await accounts.create(user, password: password, roles: grants)
                    let roles = specs.map(\.label).joined(separator: ", ")
                    print("created user \(login) (\(name)) with \(roles.isEmpty ? "no roles" : "roles " + roles)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List staff accounts with their roles.",
            discussion: """
                Columns: login, name, locale, state (active or disabled; "no password" when \
                none is set), roles.

                Examples:
                  linli user list
                  linli user list --community demo --json
                """)
        @Option(help: "Only accounts with a role in this community.") var community: String?
        @Flag(help: "Print JSON.") var json = false

        struct Listing: Encodable {
            var id: String
            var login: String
            var displayName: String
            var locale: String
            var isActive: Bool
            var hasPassword: Bool
            var roles: [RoleJSON]
        }

        func run() async throws {
            try await reportingErrors {
                let listings = try await UserCommand.withAccounts { _, store in
                    try await store.transaction(.administrator()) { tx in
                        if let community, try await OrganisationStore().community(code: community, on: tx) == nil {
                            throw ValidationError("no community with code '\(community)' (linli community list shows them)")
                        }
                        let users = try await UserStore().users(on: tx)
                        let roles = Dictionary(grouping: try await UserStore().roleAssignments(on: tx), by: \.grant.userID)
                        let withoutPassword = try await UserStore().usersWithoutPassword(on: tx)
                        return users.compactMap { user -> Listing? in
                            let held = roles[user.id] ?? []
                            if let community, !held.contains(where: { $0.communityCode == community }) { return nil }
                            return Listing(
                                id: user.id.description, login: user.login, displayName: user.displayName,
                                locale: user.locale, isActive: user.isActive, hasPassword: !withoutPassword.contains(user.id),
                                roles: held.map(RoleJSON.init))
                        }
                    }
                }
                if json { return try JobsCommand.printJSON(listings) }
                if listings.isEmpty { print(community == nil ? "no accounts" : "no accounts in \(community ?? "")") }
                for user in listings {
                    let state = (user.isActive ? "active" : "disabled") + (user.hasPassword ? "" : ", no password")
                    let roles = user.roles.map(\.label).joined(separator: ", ")
                    print("\(user.login)\t\(user.displayName)\t\(user.locale)\t\(state)\t\(roles)")
                }
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable an account: it can no longer sign in, and its sessions and tokens end now.",
            discussion: "Examples:\n  linli user disable wang.li\n  linli user disable wang.li --yes")
        @Argument(help: "The account's login.") var login: String
        @Flag(help: "Do not ask for confirmation.") var yes = false

        func run() async throws {
            try await reportingErrors {
                try confirmDestructive(
                    "Disable the account \(login)? Its sessions and API tokens end now (linli user enable undoes the disabling).",
                    yes: yes)
                let outcome = try await UserCommand.withAccounts { accounts, _ in
                    try await accounts.setActive(login: login, false)
                }
                print(
                    outcome.changed
                        ? "disabled \(login); ended \(outcome.revoked) session(s) or token(s)"
                        : "\(login) was already disabled; ended \(outcome.revoked) session(s) or token(s)")
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enable a disabled account again.", discussion: "Example:\n  linli user enable wang.li")
        @Argument(help: "The account's login.") var login: String

        func run() async throws {
            try await reportingErrors {
                let outcome = try await UserCommand.withAccounts { accounts, _ in try await accounts.setActive(login: login, true)
                }
                print(outcome.changed ? "enabled \(login)" : "\(login) was already enabled")
            }
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password",
            abstract: "Set a new password; every session and token of the account ends.",
            discussion: """
                Examples:
                  linli user reset-password wang.li
                  printf '%s\\n' "$NEW_PASSWORD" | linli user reset-password wang.li
                """)
        @Argument(help: "The account's login.") var login: String

        func run() async throws {
            try await reportingErrors {
                let revoked = try await UserCommand.withAccounts { accounts, _ in
                    _ = try await accounts.user(login: login)
                    return try await accounts.setPassword(login: login, to: try PasswordInput.readNew())
                }
                print("changed the password of \(login); ended \(revoked) session(s) or token(s)")
            }
        }
    }

    struct Roles: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show, add or remove an account's roles.",
            discussion: """
                Examples:
                  linli user roles wang.li
                  linli user roles wang.li --add desk_staff@demo --remove coordinator@demo
                  linli user roles li.qiang --add patrol_leader@demo --team 幸福里三老巡逻队
                  linli user roles root --add administrator
                """)
        @Argument(help: "The account's login.") var login: String
        @Option(help: ArgumentHelp("A role to add: administrator or ROLE@COMMUNITY (repeatable).", valueName: "role"))
        var add: [String] = []
        @Option(help: ArgumentHelp("A role to remove: administrator or ROLE@COMMUNITY (repeatable).", valueName: "role"))
        var remove: [String] = []
        @Option(help: "The community of roles written without @COMMUNITY.") var community: String?
        @Option(help: "The patrol team (its name) an added patrol_leader role leads.") var team: String?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            try RoleSpec.validate(add.map { try RoleSpec(parsing: $0, community: community) }, team: team)
            for spec in remove { _ = try RoleSpec(parsing: spec, community: community) }
        }

        func run() async throws {
            try await reportingErrors {
                let adding = try add.map { try RoleSpec(parsing: $0, community: community) }
                let removing = try remove.map { try RoleSpec(parsing: $0, community: community) }
                let roles = try await UserCommand.withAccounts { _, store in
                    try await store.transaction(.administrator()) { tx in
                        guard let user = try await UserStore().user(login: login, on: tx) else {
                            throw AccountError.notFound(login: login)
                        }
                        for spec in removing {
                            let community = try await RoleSpec.communityID(spec.community, on: tx)
                            guard try await UserStore().revoke(spec.role, in: community, from: user.id, on: tx) else {
                                throw AccountError(
                                    code: .invalidInput, zh: "\(login) 没有 \(spec.label) 角色，未做任何更改",
                                    en: "\(login) does not hold \(spec.label); nothing changed")
                            }
                        }
                        let held = try await UserStore().roles(of: user.id, on: tx)
                        let grants = try await RoleSpec.grants(adding, team: team, for: user.id, on: tx)
                        for (spec, grant) in zip(adding, grants) {
                            if held.contains(where: { $0.role == grant.role && $0.communityID == grant.communityID }) {
                                throw AccountError(
                                    code: .invalidInput, zh: "\(login) 已经有 \(spec.label) 角色，未做任何更改",
                                    en: "\(login) already holds \(spec.label); nothing changed")
                            }
                            try await UserStore().grant(grant, on: tx)
                        }
                        return try await UserStore().roleAssignments(on: tx).filter { $0.grant.userID == user.id }
                    }
                }
                if json { return try JobsCommand.printJSON(roles.map(RoleJSON.init)) }
                if roles.isEmpty { print("\(login) has no roles") }
                for role in roles { print(RoleJSON(role).label) }
            }
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a bearer token for a script acting as this account; printed this once.",
            discussion: """
                The token alone goes to standard output, so a script can keep it; only its \
                SHA-256 is stored. It ends after --days, or when the account is disabled or \
                its password reset.

                Examples:
                  linli user token report.bot --days 30 --label "weekly hours export"
                  TOKEN=$(linli user token report.bot)
                """)
        @Argument(help: "The account's login.") var login: String
        @Option(help: "Days until the token expires (1–365; default 90).") var days: Int?
        @Option(help: "What the token is for, shown in lists and the audit log.") var label: String?

        func validate() throws {
            if let days, !(1...365).contains(days) { throw ValidationError("--days must be between 1 and 365") }
        }

        func run() async throws {
            try await reportingErrors {
                let issued = try await UserCommand.withAccounts { accounts, _ in
                    try await accounts.issueToken(login: login, days: days, label: label)
                }
                print(issued.token.value)
                let expiry = ISO8601DateFormatter().string(from: issued.authenticated.session.expiresAt)
                FileHandle.standardError.write(
                    Data("token for \(login), expires \(expiry); it is shown only this once: keep it secret\n".utf8))
            }
        }
    }
}

extension UserCommand {
    struct SecondFactor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "totp",
            abstract: "Enrol, confirm or remove an account's second factor (a code from an authenticator app).",
            discussion: """
                Enrolling prints a new secret and an otpauth:// link (for a QR code) to add to an \
                authenticator app on the person's phone. The factor is required at sign-in once \
                it is confirmed with a first code the app shows. Administrators and coordinators \
                should have one. Removing it (a lost phone) lets the account sign in with its \
                password alone until it enrols again.

                Examples:
                  linli user totp wang.li
                  linli user totp wang.li --confirm 492039
                  linli user totp wang.li --remove --yes
                """)
        @Argument(help: "The account's login.") var login: String
        @Option(help: "Confirm enrolment with the 6-digit code the app shows now.") var confirm: String?
        @Flag(help: "Remove the account's second factor.") var remove = false
        @Flag(help: "Do not ask for confirmation (with --remove).") var yes = false

        func validate() throws {
            if confirm != nil && remove { throw ValidationError("give either --confirm CODE or --remove, not both") }
            if let confirm, confirm.filter({ !$0.isWhitespace }).count != 6 {
                throw ValidationError("--confirm takes the 6-digit code the authenticator app shows")
            }
        }

        func run() async throws {
            try await reportingErrors {
                if remove {
                    try confirmDestructive(
                        "Remove the second factor of \(login)? It then signs in with its password alone.", yes: yes)
                }
                try await UserCommand.withAccounts { _, store in
                    let factors = SecondFactors(store: store)
                    if remove {
                        let removed = try await factors.remove(login: login)
                        print(removed ? "removed the second factor of \(login)" : "\(login) had no second factor")
                    } else if let confirm {
                        guard try await factors.confirm(login: login, code: confirm) else {
                            throw AccountError(
                                code: .invalidInput,
                                zh: "验证码不对（或已用过）：请核对手机时间后输入下一个验证码，或重新登记（linli user totp \(login)）",
                                en: "the code is not right for \(login)'s secret (or was used already): check the phone's "
                                    + "clock and try the next code, or enrol again with linli user totp \(login)")
                        }
                        print("the second factor of \(login) is confirmed; sign-in now asks for a code")
                    } else {
                        let totp = try await factors.enrol(login: login)
                        print("secret:  \(totp.base32Secret)")
                        print("link:    \(totp.provisioningURI(account: login))")
                        print("Add it to an authenticator app, then: linli user totp \(login) --confirm CODE")
                    }
                }
            }
        }
    }
}

/// A role in --json output: `{"role": "patrol_leader", "community": "demo", "team": "…"}`.
struct RoleJSON: Encodable {
    var role: String
    var community: String?
    var team: String?

    init(_ assignment: RoleAssignment) {
        role = assignment.grant.role.rawValue
        community = assignment.communityCode
        team = assignment.teamName
    }

    /// `coordinator@demo`, `patrol_leader@demo (幸福里三老巡逻队)`, `administrator`.
    var label: String { role + (community.map { "@" + $0 } ?? "") + (team.map { " (\($0))" } ?? "") }
}

/// A role as written on the command line: `administrator`, `coordinator@demo`, `desk-staff@demo`.
struct RoleSpec: Hashable {
    var role: Role
    /// The community's code; nil for administrator.
    var community: String?

    init(parsing text: String, community defaultCommunity: String?) throws {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let name = parts[0].lowercased().replacingOccurrences(of: "-", with: "_")
        guard let role = Role(rawValue: name) else {
            throw ValidationError("unknown role '\(parts[0])': use administrator, coordinator, desk_staff or patrol_leader")
        }
        self.role = role
        if role == .administrator {
            guard parts.count == 1 else {
                throw ValidationError("administrator holds for all communities: write it without @COMMUNITY")
            }
            community = nil
        } else {
            guard let community = parts.count > 1 ? parts[1] : defaultCommunity, !community.isEmpty else {
                throw ValidationError("\(name) needs a community: write \(name)@CODE, or add --community CODE")
            }
            self.community = community
        }
    }

    var label: String { role.rawValue + (community.map { "@" + $0 } ?? "") }

    /// --team only goes with a patrol_leader role.
    static func validate(_ specs: [RoleSpec], team: String?) throws {
        if team != nil, !specs.contains(where: { $0.role == .patrolLeader }) {
            throw ValidationError("--team goes with a patrol_leader@COMMUNITY role")
        }
    }

    static func communityID(_ code: String?, on tx: Connection) async throws -> ID<Community>? {
        guard let code else { return nil }
        guard let community = try await OrganisationStore().community(code: code, on: tx) else {
            throw ValidationError("no community with code '\(code)' (linli community list shows them)")
        }
        return community.id
    }

    /// The grants for `user`, with communities and the team looked up (all-communities transaction).
    static func grants(_ specs: [RoleSpec], team: String?, for user: ID<User>, on tx: Connection) async throws -> [RoleGrant] {
        var grants: [RoleGrant] = []
        for spec in specs {
            let community = try await communityID(spec.community, on: tx)
            var teamID: ID<PatrolTeam>?
            if let team, spec.role == .patrolLeader {
                guard
                    let found = try await PatrolTeamStore().teams(on: tx).first(where: {
                        $0.name == team && $0.communityID == community
                    })
                else {
                    throw ValidationError("no patrol team '\(team)' in \(spec.community ?? "")")
                }
                teamID = found.id
            }
            grants.append(RoleGrant(userID: user, role: spec.role, communityID: community, teamID: teamID))
        }
        return grants
    }
}

/// Reads a new password: on a terminal twice, without echo; otherwise one line of standard input.
enum PasswordInput {
    static func readNew() throws -> Password {
        guard isatty(STDIN_FILENO) == 1 else {
            guard let line = readLineBytes() else {
                throw AccountError(
                    code: .invalidInput,
                    zh: "标准输入中没有密码：请在终端中运行，或用管道传入一行，例如 printf '%s\\n' \"$PASSWORD\" | linli user …",
                    en:
                        "no password on standard input: run this at a terminal, or pipe one line, e.g. printf '%s\\n' \"$PASSWORD\" | linli user …"
                )
            }
            let password = try Password(utf8: line)
            try password.validateAsNew()
            return password
        }
        let first = try Password(utf8: try readHidden(prompt: "新密码 / New password: "))
        try first.validateAsNew()
        let second = try Password(utf8: try readHidden(prompt: "再输入一次 / Type it again: "))
        guard first.bytes == second.bytes else {
            throw AccountError(
                code: .invalidPassword, zh: "两次输入的密码不一致，未做任何更改", en: "the two passwords differ; nothing changed")
        }
        return first
    }

    /// One line typed at the terminal with echo off; the terminal is restored afterwards.
    private static func readHidden(prompt: String) throws -> [UInt8] {
        FileHandle.standardError.write(Data(prompt.utf8))
        var saved = termios()
        let canHide = tcgetattr(STDIN_FILENO, &saved) == 0
        if canHide {
            var hidden = saved
            hidden.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &hidden)
        }
        defer {
            if canHide { tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLineBytes() else {
            throw AccountError(code: .invalidInput, zh: "没有输入密码，未做任何更改", en: "no password typed; nothing changed")
        }
        return line
    }

    /// Bytes up to the next line end (CR LF or LF, not included); nil at the end of input.
    private static func readLineBytes() -> [UInt8]? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            guard read(STDIN_FILENO, &byte, 1) == 1 else {
                if line.isEmpty { return nil }
                break
            }
            if byte == UInt8(ascii: "\n") { break }
            line.append(byte)
            if line.count > 64 * 1024 { break }
        }
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return line
    }
}
