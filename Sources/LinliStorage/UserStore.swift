import Foundation
import LinliDatabase
import LinliDomain

/// Staff accounts and their roles. All SQL for them is here.
public struct UserStore: Sendable {
    public init() {}

    /// Creates an account; `passwordHash` is an Argon2id string from LinliAccounts (nil: no
    /// password yet, the account cannot sign in).
    public func create(_ user: User, passwordHash: String? = nil, on tx: Connection) async throws {
        try await tx.execute(
            """
            INSERT INTO users (id, login, display_name, locale, is_active, password_hash, password_changed_at)
            VALUES (\(user.id), \(user.login), \(user.displayName), \(user.locale), \(user.isActive),
                    \(passwordHash), CASE WHEN \(passwordHash)::text IS NOT NULL THEN now() END)
            """)
    }

    /// Replaces the password hash. `changed` is false when the same password is only hashed
    /// again with stronger limits, so `password_changed_at` keeps the day it was chosen.
    public func setPasswordHash(_ id: ID<User>, _ hash: String, changed: Bool = true, on tx: Connection) async throws {
        let count = try await tx.execute(
            """
            UPDATE users SET password_hash = \(hash), updated_at = now(),
                   password_changed_at = CASE WHEN \(changed) THEN now() ELSE password_changed_at END
            WHERE id = \(id)
            """)
        if count == 0 { throw StorageError.notFound("user \(id)") }
    }

    /// The account with this login and its password hash (nil when none was ever set), for sign-in.
    public func credentials(login: String, on tx: Connection) async throws -> (user: User, passwordHash: String?)? {
        guard let row = try await tx.query("SELECT \(Self.columns), password_hash FROM users WHERE login = \(login)").rows.first
        else { return nil }
        return (try Self.user(row), try row.decode("password_hash"))
    }

    public func user(_ id: ID<User>, on tx: Connection) async throws -> User {
        guard let row = try await tx.query("SELECT \(Self.columns) FROM users WHERE id = \(id)").rows.first else {
            throw StorageError.notFound("user \(id)")
        }
        return try Self.user(row)
    }

    public func user(login: String, on tx: Connection) async throws -> User? {
        try await tx.query("SELECT \(Self.columns) FROM users WHERE login = \(login)").rows.first.map(Self.user)
    }

    /// The accounts this scope can see (administrators: all), by login.
    public func users(on tx: Connection) async throws -> [User] {
        try await tx.query("SELECT \(Self.columns) FROM users ORDER BY login").rows.map(Self.user)
    }

    public func setActive(_ id: ID<User>, _ active: Bool, on tx: Connection) async throws {
        let changed = try await tx.execute(
            "UPDATE users SET is_active = \(active), updated_at = now() WHERE id = \(id)")
        if changed == 0 { throw StorageError.notFound("user \(id)") }
    }

    public func grant(_ grant: RoleGrant, on tx: Connection) async throws {
        try await tx.execute(
            """
            INSERT INTO user_roles (id, user_id, role, community_id, team_id)
            VALUES (\(grant.id), \(grant.userID), \(grant.role), \(grant.communityID), \(grant.teamID))
            """)
    }

    public func revoke(_ id: ID<RoleGrant>, on tx: Connection) async throws {
        if try await tx.execute("DELETE FROM user_roles WHERE id = \(id)") == 0 {
            throw StorageError.notFound("role \(id)")
        }
    }

    public func roles(of user: ID<User>, on tx: Connection) async throws -> [RoleGrant] {
        try await tx.query(
            "SELECT id, user_id, role, community_id, team_id FROM user_roles WHERE user_id = \(user) ORDER BY role"
        ).rows.map { row in
            RoleGrant(
                id: try row.decode("id"), userID: try row.decode("user_id"), role: try row.decode("role"),
                communityID: try row.decode("community_id"), teamID: try row.decode("team_id"))
        }
    }

    /// The accounts that have no password yet (they cannot sign in).
    public func usersWithoutPassword(on tx: Connection) async throws -> Set<ID<User>> {
        Set(try await tx.query("SELECT id FROM users WHERE password_hash IS NULL").rows.map { try $0.decode("id") })
    }

    /// Removes one role of a user (by role and community, nil for administrator); false if
    /// the user did not hold it.
    public func revoke(_ role: Role, in community: ID<Community>?, from user: ID<User>, on tx: Connection) async throws -> Bool {
        try await tx.execute(
            """
            DELETE FROM user_roles
            WHERE user_id = \(user) AND role = \(role) AND community_id IS NOT DISTINCT FROM \(community)
            """) > 0
    }

    /// Every role this scope can see (of one user when `user` is given), with the community's
    /// code and the team's name, for lists.
    public func roleAssignments(of user: ID<User>? = nil, on tx: Connection) async throws -> [RoleAssignment] {
        try await tx.query(
            """
            SELECT r.id, r.user_id, r.role, r.community_id, r.team_id, c.code, t.name AS team_name
            FROM user_roles r
            LEFT JOIN communities c ON c.id = r.community_id
            LEFT JOIN patrol_teams t ON t.id = r.team_id
            WHERE \(user)::uuid IS NULL OR r.user_id = \(user)
            ORDER BY r.role, c.code NULLS FIRST
            """
        ).rows.map { row in
            RoleAssignment(
                grant: RoleGrant(
                    id: try row.decode("id"), userID: try row.decode("user_id"), role: try row.decode("role"),
                    communityID: try row.decode("community_id"), teamID: try row.decode("team_id")),
                communityCode: try row.decode("code"), teamName: try row.decode("team_name"))
        }
    }

    static let columns: SQLQuery = "id, login, display_name, locale, is_active"

    static func user(_ row: Row) throws -> User {
        User(
            id: try row.decode("id"), login: try row.decode("login"), displayName: try row.decode("display_name"),
            locale: try row.decode("locale"), isActive: try row.decode("is_active"))
    }
}

/// A role with the names a person reads: the community's code and the patrol team's name.
public struct RoleAssignment: Hashable, Sendable, Codable {
    public var grant: RoleGrant
    public var communityCode: String?
    public var teamName: String?
}
