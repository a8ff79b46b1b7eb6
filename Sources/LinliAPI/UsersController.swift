import Foundation
import HTTPTypes
import Hummingbird
import LinliAccounts
import LinliDomain
import LinliStorage

/// `/api/v1/communities/{code}/users`: the staff accounts that hold a role in the community —
/// list, create with a password and a role, disable, replace their roles here. For
/// administrators and coordinators (AccessPolicy); every change is in the audit log with the
/// acting user. Administrator rights are given only with `linli user roles`.
struct UsersController: Sendable {
    let store: Store
    let accounts: Accounts
    let maxBodyBytes: Int

    static let notFound = LocalizedText("本社区没有这个账号", "There is no such account in this community")

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("users") { request, context in try await list(request, context) }
        group.post("users") { request, context in try await create(request, context) }
        group.post("users/{id}/disable") { request, context in try await disable(request, context) }
        group.put("users/{id}/roles") { request, context in try await setRoles(request, context) }
    }

    /// An account as the API shows it, with its roles in this community.
    struct Body: Encodable {
        let id: String
        let login: String
        let displayName: String
        let isActive: Bool
        let roles: [RoleBody]
        enum CodingKeys: String, CodingKey {
            case id, login, roles
            case displayName = "display_name"
            case isActive = "is_active"
        }
    }

    /// One role in the community, as sent and shown.
    struct RoleBody: Codable {
        let role: String
        let teamID: String?
        enum CodingKeys: String, CodingKey {
            case role
            case teamID = "team_id"
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(role, forKey: .role)
            try c.encode(teamID, forKey: .teamID)
        }
    }

    struct Create: KnownFields {
        let login: String
        let displayName: String
        let password: String
        let role: String
        let teamID: String?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case login, password, role
            case displayName = "display_name"
            case teamID = "team_id"
        }
        static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }
    }

    struct Roles: KnownFields {
        let roles: [RoleBody]
        static var fieldNames: Set<String> { ["roles"] }
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let (users, grants) = try await store.transaction(context.scope()) { tx in
            (try await UserStore().users(on: tx), try await UserStore().roleAssignments(on: tx))
        }
        let items = users.map { user in
            Self.body(user, grants: grants.map(\.grant), in: community.id)
        }
        return try jsonResponse(Items(items: items))
    }

    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let body = try await JSONBody.read(Create.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        if body.login.range(of: "^[a-z0-9][a-z0-9._-]{2,39}$", options: .regularExpression) == nil {
            validation.fail(
                "login", "invalid_value", "须为 3–40 个小写字母、数字或 . _ -，以字母或数字开头",
                "must be 3–40 lower-case letters, digits or . _ -, starting with a letter or digit")
        }
        validation.name("display_name", body.displayName)
        if Password(body.password).characterCount < Password.minimumCharacters {
            validation.fail(
                "password", "too_short", "至少需要 \(Password.minimumCharacters) 个字符",
                "needs at least \(Password.minimumCharacters) characters")
        }
        let grants = Self.grants([RoleBody(role: body.role, teamID: body.teamID)], field: "", into: &validation)
        try validation.check()
        let user = User(login: body.login, displayName: body.displayName)
        do {
            try await accounts.create(
                user, password: Password(body.password),
                roles: grants.map { RoleGrant(userID: user.id, role: $0.role, communityID: community.id, teamID: $0.team) },
                by: context.user?.user.id)
        } catch let error as AccountError {
            if error.code == .invalidInput {
                let text = LocalizedText(error.zh, error.en)
                throw Problem(
                    .conflict, code: "duplicate", detail: text, errors: [.init(field: "login", code: "duplicate", message: text)])
            }
            throw Problem.account(error)
        }
        let location = "/api/v1/communities/\(community.code)/users/\(user.id)"
        var headers = HTTPFields()
        headers[.location] = location
        return try jsonResponse(try await read(user.id, context), status: .created, headers: headers)
    }

    func disable(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try request.pathID(context, User.self, what: Self.notFound)
        let user = try await target(id, context)
        do {
            _ = try await accounts.setActive(login: user.login, false, by: context.user?.user.id)
        } catch let error as AccountError {
            throw Problem.account(error)
        }
        return try jsonResponse(try await read(id, context))
    }

    func setRoles(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let id = try request.pathID(context, User.self, what: Self.notFound)
        let body = try await JSONBody.read(Roles.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        let grants = Self.grants(body.roles, field: "roles", into: &validation)
        if Set(grants.map(\.role)).count != grants.count {
            validation.fail("roles", "duplicate", "同一角色只能出现一次", "a role may appear only once")
        }
        try validation.check()
        _ = try await target(id, context)
        try await store.transaction(context.scope()) { tx in
            let users = UserStore()
            for grant in try await users.roles(of: id, on: tx) where grant.communityID == community.id {
                try await users.revoke(grant.id, on: tx)
            }
            for grant in grants {
                try await users.grant(
                    RoleGrant(userID: id, role: grant.role, communityID: community.id, teamID: grant.team), on: tx)
            }
        }
        return try jsonResponse(try await read(id, context))
    }

    /// The account `id` if it holds a role here and the acting user may manage it: a
    /// coordinator may not change an administrator nor someone who also works elsewhere.
    private func target(_ id: ID<User>, _ context: APIRequestContext) async throws -> User {
        let community = try context.requireCommunity()
        let (user, grants) = try await store.transaction(.administrator()) { tx in
            (try await UserStore().user(id, on: tx), try await UserStore().roles(of: id, on: tx))
        }
        guard grants.contains(where: { $0.communityID == community.id }) else { throw Problem.notFound(Self.notFound) }
        if !context.roles.contains(.administrator), grants.contains(where: { $0.communityID != community.id }) {
            throw Problem(
                .forbidden, code: "role_forbidden",
                detail: .init(
                    "该账号还在其他社区任职或是管理员，只有管理员能修改",
                    "This account also works elsewhere or is an administrator; only administrators may change it"))
        }
        return user
    }

    /// The account as shown after a change.
    private func read(_ id: ID<User>, _ context: APIRequestContext) async throws -> Body {
        let community = try context.requireCommunity()
        let (user, grants) = try await store.transaction(.administrator()) { tx in
            (try await UserStore().user(id, on: tx), try await UserStore().roles(of: id, on: tx))
        }
        return Self.body(user, grants: grants, in: community.id)
    }

    static func body(_ user: User, grants: [RoleGrant], in community: ID<Community>) -> Body {
        Body(
            id: user.id.description, login: user.login, displayName: user.displayName, isActive: user.isActive,
            roles: grants.filter { $0.userID == user.id && $0.communityID == community }.map {
                RoleBody(role: $0.role.rawValue, teamID: $0.teamID?.description)
            })
    }

    /// Checks the roles given: a community role (not administrator); a patrol leader names a team.
    static func grants(
        _ roles: [RoleBody], field: String, into validation: inout Validation
    ) -> [(role: Role, team: ID<PatrolTeam>?)] {
        var result: [(role: Role, team: ID<PatrolTeam>?)] = []
        for (index, body) in roles.enumerated() {
            let prefix = field.isEmpty ? "" : "\(field)[\(index)]."
            guard let role = Role(rawValue: body.role), role != .administrator else {
                validation.fail(
                    prefix + "role", "invalid_value", "须为 coordinator、desk_staff 或 patrol_leader",
                    "must be coordinator, desk_staff or patrol_leader")
                continue
            }
            let team = body.teamID.flatMap { ID<PatrolTeam>(uuidString: $0) }
            if body.teamID != nil, team == nil {
                validation.fail(prefix + "team_id", "invalid_value", "须为巡逻队编号（UUID）", "must be a patrol team id (UUID)")
            }
            if role == .patrolLeader, body.teamID == nil {
                validation.fail(prefix + "team_id", "required", "巡逻队长须指定巡逻队", "a patrol leader needs a team")
            }
            result.append((role, role == .patrolLeader ? team : nil))
        }
        return result
    }
}
