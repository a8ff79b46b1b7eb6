import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage

/// Whether a session is a person's browser sign-in or a bearer token for scripts.
public enum SessionKind: String, Sendable, Codable, CaseIterable, PostgresEnum {
    case browser
    case apiToken = "api_token"
}

/// One session or API token as stored: everything but the secret.
public struct Session: Sendable, Hashable, Codable {
    public var id: ID<Session>
    public var userID: ID<User>
    public var kind: SessionKind
    public var label: String?
    public var createdAt: Date
    public var createdFrom: String?
    public var lastUsedAt: Date
    /// The session ends here at the latest.
    public var expiresAt: Date
    /// Browser sessions also end after this long unused (sliding); nil for API tokens.
    public var idleTimeoutSeconds: Int?
    public var revokedAt: Date?
    public var revokedReason: String?

    /// Whether it can still be used at `now`.
    public func isLive(at now: Date) -> Bool {
        revokedAt == nil && now < expiresAt
            && (idleTimeoutSeconds.map { now < lastUsedAt.addingTimeInterval(TimeInterval($0)) } ?? true)
    }
}

/// How long sessions and tokens live.
public struct SessionPolicy: Sendable, Hashable {
    /// A browser session ends after this long unused: a working day with its breaks, but not
    /// the night, so a shared desk computer left signed in is signed out by the morning.
    public var browserIdleTimeout: Duration
    /// …and this long after sign-in at the latest, however busy.
    public var browserLifetime: Duration
    /// An API token's lifetime when none is asked for, and the longest one may ask for.
    public var tokenDefaultDays: Int
    public var tokenMaximumDays: Int
    /// `last_used_at` is written at most this often per session (every request would be a write).
    public var touchInterval: Duration

    public init(
        browserIdleTimeout: Duration = .seconds(12 * 3600), browserLifetime: Duration = .seconds(7 * 24 * 3600),
        tokenDefaultDays: Int = 90, tokenMaximumDays: Int = 365, touchInterval: Duration = .seconds(60)
    ) {
        self.browserIdleTimeout = browserIdleTimeout
        self.browserLifetime = browserLifetime
        self.tokenDefaultDays = tokenDefaultDays
        self.tokenMaximumDays = tokenMaximumDays
        self.touchInterval = touchInterval
    }

    public static let standard = SessionPolicy()
}

/// A signed-in staff member: the account, all their roles, and the session that proved it.
/// What the HTTP layer checks permissions against.
public struct AuthenticatedUser: Sendable, Hashable {
    public var user: User
    public var roles: [RoleGrant]
    public var session: Session
    /// Whether the account has a confirmed TOTP second factor.
    public var hasSecondFactor: Bool = false

    public var isAdministrator: Bool { roles.contains { $0.role == .administrator } }

    /// Whether this sign-in may do nothing but enrol a second factor, where the installation
    /// requires one (`LINLI_REQUIRE_SECOND_FACTOR`): a browser session of an administrator or a
    /// coordinator without a confirmed factor. API tokens are not held back: they are issued by
    /// an administrator at the command line, never obtained with a password alone.
    public var mustEnrolSecondFactor: Bool {
        session.kind == .browser && !hasSecondFactor
            && roles.contains { $0.role == .administrator || $0.role == .coordinator }
    }

    /// The roles held in `community` (administrators act as administrators everywhere).
    public func roles(in community: ID<Community>) -> [Role] {
        roles.compactMap { grant in
            grant.communityID == community || grant.role == .administrator ? grant.role : nil
        }
    }
}

/// A session just opened: the secret, shown this once, and who it signs in.
public struct IssuedSession: Sendable {
    public var token: SessionToken
    public var authenticated: AuthenticatedUser
}
