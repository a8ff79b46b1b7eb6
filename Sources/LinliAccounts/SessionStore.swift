import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage

/// Sessions, API tokens and login attempts in PostgreSQL. All SQL of LinliAccounts is here.
/// Both tables are visible only in all-communities transactions (`DataScope.administrator`).
public struct SessionStore: Sendable {
    public init() {}

    // MARK: sessions

    /// Stores a new session under the hash of its token; the database's clock sets its times.
    func insert(
        userID: ID<User>, kind: SessionKind, tokenHash: Data, label: String?, from address: String?,
        lifetimeSeconds: Int, idleTimeoutSeconds: Int?, on tx: Connection
    ) async throws -> Session {
        let row = try await tx.query(
            """
            INSERT INTO sessions AS s (user_id, kind, token_hash, label, created_from, expires_at, idle_timeout)
            VALUES (\(userID), \(kind), \(tokenHash), \(label), \(address),
                    now() + make_interval(secs => \(Double(lifetimeSeconds))),
                    make_interval(secs => \(idleTimeoutSeconds.map(Double.init))))
            RETURNING \(Self.columns)
            """
        ).rows[0]
        return try Self.session(row)
    }

    /// The session with this token hash and its user, whatever their state, and the database's time.
    func lookup(
        tokenHash: Data, on tx: Connection
    ) async throws -> (session: Session, user: User, now: Date, secondFactor: Bool)? {
        guard
            let row = try await tx.query(
                """
                SELECT \(Self.columns), u.login, u.display_name, u.locale, u.is_active, now() AS now,
                    EXISTS (SELECT 1 FROM user_second_factors f WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL)
                        AS second_factor
                FROM sessions s JOIN users u ON u.id = s.user_id
                WHERE s.token_hash = \(tokenHash)
                """
            ).rows.first
        else { return nil }
        let user = User(
            id: try row.decode("user_id"), login: try row.decode("login"), displayName: try row.decode("display_name"),
            locale: try row.decode("locale"), isActive: try row.decode("is_active"))
        return (try Self.session(row), user, try row.decode("now"), try row.decode("second_factor"))
    }

    /// Records a use: `last_used_at` moves to now (which slides an idle timeout) unless it was
    /// written less than `minimumSeconds` ago.
    func touch(_ id: ID<Session>, minimumSeconds: Int, on tx: Connection) async throws {
        try await tx.execute(
            """
            UPDATE sessions SET last_used_at = now()
            WHERE id = \(id) AND last_used_at < now() - make_interval(secs => \(Double(minimumSeconds)))
            """)
    }

    /// Revokes one session; false if it was already revoked or does not exist.
    @discardableResult
    public func revoke(_ id: ID<Session>, reason: String, on tx: Connection) async throws -> Bool {
        try await tx.execute(
            "UPDATE sessions SET revoked_at = now(), revoked_reason = \(reason) WHERE id = \(id) AND revoked_at IS NULL"
        ) > 0
    }

    /// Revokes the session with this token hash; false if there is none still open.
    func revoke(tokenHash: Data, reason: String, on tx: Connection) async throws -> Bool {
        try await tx.execute(
            """
            UPDATE sessions SET revoked_at = now(), revoked_reason = \(reason)
            WHERE token_hash = \(tokenHash) AND revoked_at IS NULL
            """
        ) > 0
    }

    /// Revokes every live session and token of a user; the number revoked.
    @discardableResult
    public func revokeAll(of user: ID<User>, reason: String, on tx: Connection) async throws -> Int {
        try await tx.execute(
            """
            UPDATE sessions s SET revoked_at = now(), revoked_reason = \(reason)
            WHERE s.user_id = \(user) AND \(Self.live)
            """)
    }

    /// A user's sessions and tokens, newest first; ended ones (revoked or expired) only when asked.
    public func sessions(of user: ID<User>, includingEnded: Bool = false, on tx: Connection) async throws -> [Session] {
        try await tx.query(
            """
            SELECT \(Self.columns) FROM sessions s
            WHERE s.user_id = \(user) AND (\(includingEnded) OR \(Self.live))
            ORDER BY s.created_at DESC
            """
        ).rows.map(Self.session)
    }

    /// Deletes sessions that ended (revoked, expired, idle) more than `days` ago and login
    /// attempts older than that. (`least` skips the NULL idle timeout of API tokens.)
    public func purge(olderThanDays days: Int, on tx: Connection) async throws -> (sessions: Int, attempts: Int) {
        // make_interval takes integer days; an Int binds as bigint, so the days go in as seconds.
        let cutoff: SQLQuery = "now() - make_interval(secs => \(Double(days) * 86_400))"
        let sessions = try await tx.execute(
            """
            DELETE FROM sessions
            WHERE coalesce(revoked_at, least(expires_at, last_used_at + idle_timeout)) < \(cutoff)
            """)
        let attempts = try await tx.execute("DELETE FROM login_attempts WHERE attempted_at < \(cutoff)")
        return (sessions, attempts)
    }

    /// A session `s` that can still be used (the SQL twin of `Session.isLive`).
    static let live: SQLQuery = """
        (s.revoked_at IS NULL AND s.expires_at > now() AND (s.idle_timeout IS NULL OR s.last_used_at + s.idle_timeout > now()))
        """

    static let columns: SQLQuery = """
        s.id, s.user_id, s.kind, s.label, s.created_at, s.created_from, s.last_used_at, s.expires_at,
        extract(epoch FROM s.idle_timeout)::integer AS idle_seconds, s.revoked_at, s.revoked_reason
        """

    static func session(_ row: Row) throws -> Session {
        Session(
            id: try row.decode("id"), userID: try row.decode("user_id"), kind: try row.decode("kind"),
            label: try row.decode("label"), createdAt: try row.decode("created_at"),
            createdFrom: try row.decode("created_from"), lastUsedAt: try row.decode("last_used_at"),
            expiresAt: try row.decode("expires_at"), idleTimeoutSeconds: try row.decode("idle_seconds"),
            revokedAt: try row.decode("revoked_at"), revokedReason: try row.decode("revoked_reason"))
    }

    // MARK: login attempts

    /// Serialises sign-in attempts for one login and for one address until the transaction
    /// ends, so concurrent attempts (from any process) see each other's counts. Always the
    /// login first, then the address: no two transactions wait for each other in a circle.
    func lockAttempts(login: String, address: String?, on tx: Connection) async throws {
        try await tx.query("SELECT pg_advisory_xact_lock(hashtextextended(\("linli.login:" + login), 0))")
        if let address {
            try await tx.query("SELECT pg_advisory_xact_lock(hashtextextended(\("linli.address:" + address), 0))")
        }
    }

    /// Failures in the last `windowSeconds`: for the login since its last success, and for the address.
    func failureCounts(
        login: String, address: String?, windowSeconds: Int, on tx: Connection
    ) async throws
        -> FailureCounts
    {
        let row = try await tx.query(
            """
            WITH recent AS (
                SELECT * FROM login_attempts
                WHERE attempted_at > clock_timestamp() - make_interval(secs => \(Double(windowSeconds)))
                  AND (login = \(login) OR address = \(address))
            ), login_failures AS (
                SELECT attempted_at FROM recent
                WHERE login = \(login) AND outcome = 'failed'
                  AND attempted_at > coalesce((SELECT max(attempted_at) FROM recent
                                               WHERE login = \(login) AND outcome = 'succeeded'), '-infinity')
            ), address_failures AS (
                SELECT attempted_at FROM recent WHERE address = \(address) AND outcome = 'failed'
            )
            SELECT (SELECT count(*) FROM login_failures) AS login_failures,
                   (SELECT max(attempted_at) FROM login_failures) AS login_last,
                   (SELECT count(*) FROM address_failures) AS address_failures,
                   (SELECT max(attempted_at) FROM address_failures) AS address_last,
                   clock_timestamp() AS now
            """
        ).rows[0]
        return FailureCounts(
            loginFailures: try row.decode("login_failures"), loginLastFailure: try row.decode("login_last"),
            addressFailures: try row.decode("address_failures"), addressLastFailure: try row.decode("address_last"),
            now: try row.decode("now"))
    }

    /// Records an attempt; its id, so a provisional failure can be turned into a success.
    func recordAttempt(login: String, address: String?, outcome: LoginOutcome, on tx: Connection) async throws -> Int64 {
        try await tx.query(
            "INSERT INTO login_attempts (login, address, outcome) VALUES (\(login), \(address), \(outcome)) RETURNING id"
        ).rows[0].decode("id")
    }

    func setOutcome(_ attempt: Int64, _ outcome: LoginOutcome, on tx: Connection) async throws {
        try await tx.execute("UPDATE login_attempts SET outcome = \(outcome) WHERE id = \(attempt)")
    }

    // MARK: Second factor

    /// The account's TOTP secret, whether enrolment was confirmed, and the last step accepted.
    func secondFactor(
        of user: ID<User>, on tx: Connection
    ) async throws -> (secret: [UInt8], confirmed: Bool, lastStep: Int64?)? {
        guard
            let row = try await tx.query(
                "SELECT secret, confirmed_at IS NOT NULL AS confirmed, last_step FROM user_second_factors WHERE user_id = \(user) FOR UPDATE"
            ).rows.first
        else { return nil }
        let secret: Data = try row.decode("secret")
        return (Array(secret), try row.decode("confirmed"), try row.decode("last_step"))
    }

    /// Starts (or restarts) enrolment with a new secret; it is required once confirmed.
    func enrolSecondFactor(_ user: ID<User>, secret: [UInt8], on tx: Connection) async throws {
        try await tx.execute(
            """
            INSERT INTO user_second_factors (user_id, secret) VALUES (\(user), \(Data(secret)))
            ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, confirmed_at = NULL, last_step = NULL,
                created_at = now()
            """)
    }

    /// Records an accepted code's step (and confirms enrolment), unless a code of that step or a
    /// later one was accepted before; false then.
    func acceptSecondFactorStep(_ user: ID<User>, step: Int64, on tx: Connection) async throws -> Bool {
        try await tx.execute(
            """
            UPDATE user_second_factors SET last_step = \(step), confirmed_at = coalesce(confirmed_at, now())
            WHERE user_id = \(user) AND (last_step IS NULL OR last_step < \(step))
            """) == 1
    }

    func removeSecondFactor(_ user: ID<User>, on tx: Connection) async throws -> Bool {
        try await tx.execute("DELETE FROM user_second_factors WHERE user_id = \(user)") == 1
    }
}

/// Recent failed sign-ins for one login and one address, and the database's time.
struct FailureCounts: Sendable {
    var loginFailures: Int
    var loginLastFailure: Date?
    var addressFailures: Int
    var addressLastFailure: Date?
    var now: Date
}

/// The outcome of one sign-in attempt, as `login_attempts.outcome` stores it.
enum LoginOutcome: String, Sendable, PostgresEnum {
    case succeeded, failed, throttled
}
