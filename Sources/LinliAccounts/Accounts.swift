import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage
import NIOPosix

/// Account administration (`linli user …`, and later the administrators' pages): each change
/// in one transaction, in the audit log with the acting user (nil: the command line).
public struct Accounts: Sendable {
    public let store: Store
    public let hasher: PasswordHasher
    public let sessions: Sessions

    public init(store: Store, hasher: PasswordHasher = PasswordHasher(), sessionPolicy: SessionPolicy = .standard) {
        self.store = store
        self.hasher = hasher
        self.sessions = Sessions(store: store, policy: sessionPolicy)
    }

    /// Creates an account with a password and roles. Throws `.invalidPassword` before anything
    /// is written when the password breaks the length rules.
    public func create(_ user: User, password: Password, roles: [RoleGrant], by actor: ID<User>? = nil) async throws {
        let hash = try await hashed(password)
        do {
            try await store.transaction(.administrator(user: actor)) { tx in
                try await UserStore().create(user, passwordHash: hash, on: tx)
                for grant in roles { try await UserStore().grant(grant, on: tx) }
            }
        } catch let error as StorageError where error.code == .duplicate && error.constraint == "users_login_key" {
            throw AccountError.loginTaken(user.login)
        }
    }

    /// The account with this login.
    public func user(login: String) async throws -> User {
        guard let user = try await store.transaction(.administrator(), { tx in try await UserStore().user(login: login, on: tx) })
        else { throw AccountError.notFound(login: login) }
        return user
    }

    /// Sets a new password and revokes every session and token of the account (whoever knew
    /// the old password is signed out). The number of sessions revoked.
    @discardableResult
    public func setPassword(login: String, to password: Password, by actor: ID<User>? = nil) async throws -> Int {
        let hash = try await hashed(password)
        return try await store.transaction(.administrator(user: actor)) { tx in
            guard let user = try await UserStore().user(login: login, on: tx) else { throw AccountError.notFound(login: login) }
            try await UserStore().setPasswordHash(user.id, hash, on: tx)
            return try await SessionStore().revokeAll(of: user.id, reason: "password reset", on: tx)
        }
    }

    /// Disables (and revokes every session and token of) or enables an account. The number of
    /// sessions revoked; `changed` is false when the account already was so.
    public func setActive(
        login: String, _ active: Bool, by actor: ID<User>? = nil
    ) async throws -> (
        changed: Bool, revoked: Int
    ) {
        try await store.transaction(.administrator(user: actor)) { tx in
            guard let user = try await UserStore().user(login: login, on: tx) else { throw AccountError.notFound(login: login) }
            if user.isActive != active { try await UserStore().setActive(user.id, active, on: tx) }
            let revoked = active ? 0 : try await SessionStore().revokeAll(of: user.id, reason: "account disabled", on: tx)
            return (user.isActive != active, revoked)
        }
    }

    /// A new API token for a script acting as this user; the token is in the result this once.
    public func issueToken(
        login: String, days: Int? = nil, label: String? = nil, by actor: ID<User>? = nil
    ) async throws
        -> IssuedSession
    {
        try await store.transaction(.administrator(user: actor)) { tx in
            guard let user = try await UserStore().user(login: login, on: tx) else { throw AccountError.notFound(login: login) }
            guard user.isActive else {
                throw AccountError(
                    code: .invalidInput, zh: "账号「\(login)」已停用，不能签发令牌（先用 linli user enable 启用）",
                    en: "the account '\(login)' is disabled and gets no token (enable it first: linli user enable)")
            }
            return try await sessions.open(for: user, kind: .apiToken, days: days, label: label, on: tx)
        }
    }

    /// Hashes a new password on a thread pool (Argon2id blocks its thread for ~0.1 s).
    private func hashed(_ password: Password) async throws -> String {
        try password.validateAsNew()
        let hasher = self.hasher
        return try await NIOThreadPool.singleton.runIfActive { try hasher.hash(password) }
    }
}
