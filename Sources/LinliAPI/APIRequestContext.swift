import Hummingbird
import LinliDomain
import Logging

/// What a request carries through the middleware to its handler: its id, the language of its
/// messages and the community it works in. The sign-in middleware (LinliAccounts) will add the
/// user here and choose the community from the session; until then the path names it.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// `X-Request-Id` as received, or generated; echoed in the response and in every log line.
    public var requestID: String
    /// The community named by `{code}`, set by `CommunityMiddleware` on `/api/v1/communities/{code}/…`.
    public var community: Community?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.requestID = ""
        self.community = nil
    }
}
