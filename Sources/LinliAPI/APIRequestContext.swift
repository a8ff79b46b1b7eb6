import Hummingbird
import LinliAccounts
import LinliDomain
import LinliStorage
import Logging
import NIOCore

/// What a request carries through the middleware to its handler: its id, the language of its
/// messages, the signed-in user (`AuthenticationMiddleware`) and the community it works in with
/// the user's roles there (`CommunityMiddleware`).
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// `X-Request-Id` as received, or generated; echoed in the response and in every log line.
    public var requestID: String
    /// The community named by `{code}`, set by `CommunityMiddleware` on `/api/v1/communities/{code}/…`.
    public var community: Community?
    /// The signed-in user and all their roles; nil on public routes.
    public var user: AuthenticatedUser?
    /// How the user signed in on this request (cookie or bearer token) and the token's text.
    public var credential: Credential?
    /// The user's roles in `community` (administrators: `.administrator`).
    public var roles: Set<Role>
    /// The patrol teams a patrol leader leads in `community`.
    public var teams: [ID<PatrolTeam>]
    /// The client's IP address, for the sign-in throttle.
    public var clientAddress: String?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.requestID = ""
        self.community = nil
        self.user = nil
        self.credential = nil
        self.roles = []
        self.teams = []
        self.clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The role that narrows the database's rows: the broadest the user holds here.
    var effectiveRole: Role? { AccessPolicy.broadest(roles) }

    /// The transaction scope of a handler: the community, the user (in the audit log) and their
    /// role (row-level security, migration 0009).
    func scope() throws -> DataScope {
        let community = try requireCommunity()
        return .community(community.id, user: user?.user.id, role: effectiveRole, teams: teams)
    }
}

/// A credential a request presented.
public struct Credential: Sendable {
    public enum Kind: Sendable { case cookie, bearer }
    public var kind: Kind
    public var token: String
}
