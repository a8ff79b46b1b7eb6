import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage

/// Opening, checking and revoking browser sessions and API tokens.
///
/// Every transaction here runs in the all-communities scope, the only one that sees the
/// `sessions` table; opening and revoking are in the audit log with the acting user.
public struct Sessions: Sendable {
    public let store: Store
    public let policy: SessionPolicy

    public init(store: Store, policy: SessionPolicy = .standard) {
        self.store = store
        self.policy = policy
    }

    /// Opens a session in `tx` (an all-communities transaction). `days` is an API token's
    /// lifetime (nil: the policy's default); browser sessions use the policy's limits.
    func open(
        for user: User, kind: SessionKind, days: Int? = nil, label: String? = nil, from address: String? = nil,
        on tx: Connection
    ) async throws -> IssuedSession {
        let lifetime: Int
        let idle: Int?
        switch kind {
        case .browser:
            lifetime = Int(policy.browserLifetime.components.seconds)
            idle = Int(policy.browserIdleTimeout.components.seconds)
        case .apiToken:
            let days = days ?? policy.tokenDefaultDays
            guard (1...policy.tokenMaximumDays).contains(days) else {
                throw AccountError(
                    code: .invalidInput, zh: "令牌有效期必须在 1 到 \(policy.tokenMaximumDays) 天之间",
                    en: "a token's lifetime must be between 1 and \(policy.tokenMaximumDays) days")
            }
            lifetime = days * 86_400
            idle = nil
        }
        let token = try SessionToken.generate()
        let session = try await SessionStore().insert(
            userID: user.id, kind: kind, tokenHash: token.hash, label: label.map { String($0.prefix(200)) },
            from: address.map { String($0.prefix(64)) }, lifetimeSeconds: lifetime, idleTimeoutSeconds: idle, on: tx)
        let roles = try await UserStore().roles(of: user.id, on: tx)
        return IssuedSession(token: token, authenticated: AuthenticatedUser(user: user, roles: roles, session: session))
    }

    /// The signed-in user with their roles, or nil when the token is unknown, revoked,
    /// expired, idle too long, or its user is disabled. Records the use.
    public func authenticate(token text: String) async throws -> AuthenticatedUser? {
        guard let token = SessionToken(text) else { return nil }
        return try await store.transaction(.administrator()) { tx in
            let sessions = SessionStore()
            guard let found = try await sessions.lookup(tokenHash: token.hash, on: tx), found.user.isActive,
                found.session.isLive(at: found.now)
            else { return nil }
            try await sessions.touch(found.session.id, minimumSeconds: Int(policy.touchInterval.components.seconds), on: tx)
            let roles = try await UserStore().roles(of: found.user.id, on: tx)
            return AuthenticatedUser(
                user: found.user, roles: roles, session: found.session, hasSecondFactor: found.secondFactor)
        }
    }

    /// Ends the session of this token (signing out); false if it was not open.
    @discardableResult
    public func revoke(token text: String, reason: String = "signed out") async throws -> Bool {
        guard let token = SessionToken(text) else { return false }
        guard
            let owner = try await store.transaction(
                .administrator(), { tx in try await SessionStore().lookup(tokenHash: token.hash, on: tx)?.user.id })
        else { return false }
        return try await store.transaction(.administrator(user: owner)) { tx in
            try await SessionStore().revoke(tokenHash: token.hash, reason: reason, on: tx)
        }
    }

    /// Ends one session or token by its id (as listed), on behalf of `actor`.
    @discardableResult
    public func revoke(_ id: ID<Session>, reason: String, by actor: ID<User>? = nil) async throws -> Bool {
        try await store.transaction(.administrator(user: actor)) { tx in
            try await SessionStore().revoke(id, reason: reason, on: tx)
        }
    }

    /// A user's open sessions and tokens (also the ended ones when asked), newest first.
    public func sessions(of user: ID<User>, includingEnded: Bool = false) async throws -> [Session] {
        try await store.transaction(.administrator()) { tx in
            try await SessionStore().sessions(of: user, includingEnded: includingEnded, on: tx)
        }
    }

    /// Deletes sessions ended and login attempts made more than `days` ago (default 90).
    @discardableResult
    public func purge(olderThanDays days: Int = 90) async throws -> (sessions: Int, attempts: Int) {
        try await store.transaction(.administrator()) { tx in
            try await SessionStore().purge(olderThanDays: days, on: tx)
        }
    }
}
