import LinliDatabase
import LinliDomain

/// Whose data a unit of work may touch: one community (row-level security hides every
/// other), or all of them for administrators. `userID` is recorded in the audit log; `role`
/// (with a patrol leader's `teamIDs`) narrows the rows further (migration 0009): desk staff
/// see no volunteer's row, a patrol leader only their teams' members and slots and no resident.
public struct DataScope: Sendable, Hashable {
    public let communityID: ID<Community>?
    public let userID: ID<User>?
    public let allCommunities: Bool
    /// The acting user's role in the community; nil for the system itself (no narrowing).
    public let role: Role?
    /// The patrol teams a patrol leader leads (their slots and members are what they see).
    public let teamIDs: [ID<PatrolTeam>]

    /// Work inside one community, on behalf of a user (nil for the system itself) acting in
    /// `role` (nil: no narrowing by role).
    public static func community(
        _ id: ID<Community>, user: ID<User>? = nil, role: Role? = nil, teams: [ID<PatrolTeam>] = []
    ) -> DataScope {
        DataScope(communityID: id, userID: user, allCommunities: false, role: role, teamIDs: teams)
    }

    /// Administration across communities.
    public static func administrator(user: ID<User>? = nil) -> DataScope {
        DataScope(communityID: nil, userID: user, allCommunities: true, role: nil, teamIDs: [])
    }
}

/// The community data store: runs units of work in transactions under a `DataScope`.
public struct Store: Sendable {
    public let pool: ConnectionPool
    /// Every transaction is `READ ONLY`: a store over a read replica, or one that must not
    /// write even when pointed at the primary.
    public let readOnly: Bool

    public init(pool: ConnectionPool, readOnly: Bool = false) {
        self.pool = pool
        self.readOnly = readOnly
    }

    /// Runs `body` in one transaction whose rows are limited to `scope`; rolled back if it throws.
    /// Serialization failures and deadlocks are retried up to `retries` times.
    @discardableResult
    public func transaction<T>(
        _ scope: DataScope, isolation: IsolationLevel = .readCommitted, retries: Int = 2,
        _ body: (Connection) async throws -> T
    ) async throws -> T {
        do {
            return try await pool.transaction(isolation: isolation, retries: retries) { tx in
                if readOnly { try await tx.execute("SET TRANSACTION READ ONLY") }
                try await tx.query(
                    """
                    SELECT set_config('linli.community_id', \(scope.communityID?.description ?? ""), true),
                           set_config('linli.user_id', \(scope.userID?.description ?? ""), true),
                           set_config('linli.all_communities', \(scope.allCommunities ? "on" : ""), true),
                           set_config('linli.role', \(scope.role?.rawValue ?? ""), true),
                           set_config('linli.team_ids', \("{" + scope.teamIDs.map(\.description).joined(separator: ",") + "}"), true)
                    """)
                return try await body(tx)
            }
        } catch let error as DatabaseError {
            throw StorageError(error)
        }
    }
}
