import Foundation
import LinliDatabase
import LinliDomain

/// The `Idempotency-Key`s of the API's writes: claimed before a write runs, its final answer
/// stored after, replayed to a retry; expired after 24 hours. All SQL for `idempotency_keys`.
public struct IdempotencyStore: Sendable {
    public init() {}

    /// The stored answer of a finished write.
    public struct Answer: Sendable, Hashable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data
        public init(status: Int, headers: [String: String], body: Data) {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    /// What claiming a key found.
    public enum Claim: Sendable, Hashable {
        /// The key is ours now: run the write, then `finish` or `release`.
        case claimed(id: Int64)
        /// A request with this key is still running.
        case inFlight
        /// The key was used for a different request.
        case mismatch
        /// The same request finished: its answer.
        case done(Answer)
    }

    /// A claim older than this is taken to be abandoned (its process died) and may be claimed again.
    public static let abandonedAfterSeconds = 300

    /// Claims `key` for a request whose method, path and body hash to `fingerprint`, in its own
    /// short transaction scoped to the community so that other requests see the claim at once.
    public func claim(
        key: String, fingerprint: Data, community: ID<Community>, user: ID<User>?, on tx: Connection
    ) async throws -> Claim {
        // Expired rows and abandoned claims free their key.
        try await tx.execute(
            """
            DELETE FROM idempotency_keys
            WHERE community_id = \(community) AND user_id IS NOT DISTINCT FROM \(user) AND key = \(key)
              AND (expires_at <= now()
                   OR (state = 'in_flight' AND created_at < now() - make_interval(secs => \(Self.abandonedAfterSeconds))))
            """)
        let inserted = try await tx.query(
            """
            INSERT INTO idempotency_keys (community_id, user_id, key, fingerprint)
            VALUES (\(community), \(user), \(key), \(fingerprint))
            ON CONFLICT (community_id, user_id, key) DO NOTHING
            RETURNING id
            """
        ).rows
        if let row = inserted.first { return .claimed(id: try row.decode("id")) }
        guard
            let row = try await tx.query(
                """
                SELECT fingerprint, state, status, headers::text AS headers, body FROM idempotency_keys
                WHERE community_id = \(community) AND user_id IS NOT DISTINCT FROM \(user) AND key = \(key)
                """
            ).rows.first
        else { return .inFlight }  // deleted between the two statements: it was being released
        // Still running: a 409 whatever the request, so a retry never runs twice at once.
        let state: String = try row.decode("state")
        guard state == "done", let status: Int = try row.decode("status") else { return .inFlight }
        let stored: Data = try row.decode("fingerprint")
        guard stored == fingerprint else { return .mismatch }
        let text: String = try row.decode("headers")
        let headers = (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
        let body: Data? = try row.decode("body")
        return .done(Answer(status: status, headers: headers, body: body ?? Data()))
    }

    /// Stores the final answer of the claimed write `id`.
    public func finish(_ id: Int64, answer: Answer, on tx: Connection) async throws {
        let headers = String(decoding: try JSONEncoder().encode(answer.headers), as: UTF8.self)
        try await tx.execute(
            """
            UPDATE idempotency_keys SET state = 'done', status = \(answer.status), headers = \(headers)::jsonb,
                body = \(answer.body)
            WHERE id = \(id)
            """)
    }

    /// Frees the claimed key `id` (the write failed with a server error: the client may retry).
    public func release(_ id: Int64, on tx: Connection) async throws {
        try await tx.execute("DELETE FROM idempotency_keys WHERE id = \(id)")
    }

    /// Deletes expired keys of every community the transaction sees; returns how many.
    public func purgeExpired(on tx: Connection) async throws -> Int {
        try await tx.execute("DELETE FROM idempotency_keys WHERE expires_at <= now()")
    }
}
