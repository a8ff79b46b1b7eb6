import Foundation
import LinliDatabase
import LinliDomain

/// Staff accounts and their roles. All SQL for them is here.
public struct UserStore: Sendable {
    public init() {}

    public func create(_ user: User, on tx: Connection) async throws {
        try await tx.execute(
            """
            INSERT INTO users (id, login, display_name, locale, is_active)
            VALUES (\(user.id), \(user.login), \(user.displayName), \(user.locale), \(user.isActive))
            """)
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

    static let columns: SQLQuery = "id, login, display_name, locale, is_active"

    static func user(_ row: Row) throws -> User {
        User(
            id: try row.decode("id"), login: try row.decode("login"), displayName: try row.decode("display_name"),
            locale: try row.decode("locale"), isActive: try row.decode("is_active"))
    }
}
