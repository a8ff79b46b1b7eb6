import LinliDatabase
import LinliDomain

/// Whose data a unit of work may touch: one community (row-level security hides every
/// other), or all of them for administrators. `userID` is recorded in the audit log.
public struct DataScope: Sendable, Hashable {
    public let communityID: ID<Community>?
    public let userID: ID<User>?
    public let allCommunities: Bool

    /// Work inside one community, on behalf of a user (nil for the system itself).
    public static func community(_ id: ID<Community>, user: ID<User>? = nil) -> DataScope {
        DataScope(communityID: id, userID: user, allCommunities: false)
    }

    /// Administration across communities.
    public static func administrator(user: ID<User>? = nil) -> DataScope {
        DataScope(communityID: nil, userID: user, allCommunities: true)
    }
}

/// The community data store: runs units of work in transactions under a `DataScope`.
public struct Store: Sendable {
    public let pool: ConnectionPool

    public init(pool: ConnectionPool) { self.pool = pool }

    /// Runs `body` in one transaction whose rows are limited to `scope`; rolled back if it throws.
    /// Serialization failures and deadlocks are retried up to `retries` times.
    @discardableResult
    public func transaction<T>(
        _ scope: DataScope, isolation: IsolationLevel = .readCommitted, retries: Int = 2,
        _ body: (Connection) async throws -> T
    ) async throws -> T {
        do {
            return try await pool.transaction(isolation: isolation, retries: retries) { tx in
                try await tx.query(
                    """
                    SELECT set_config('linli.community_id', \(scope.communityID?.description ?? ""), true),
                           set_config('linli.user_id', \(scope.userID?.description ?? ""), true),
                           set_config('linli.all_communities', \(scope.allCommunities ? "on" : ""), true)
                    """)
                return try await body(tx)
            }
        } catch let error as DatabaseError {
            throw StorageError(error)
        }
    }
}
