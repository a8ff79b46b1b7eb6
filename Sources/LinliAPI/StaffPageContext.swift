import Foundation
import HTTPTypes
import Hummingbird
import LinliAccounts
import LinliDomain
import LinliStorage
import LinliWeb
import NIOCore

/// A signed-in staff member on one of the community pages (roster board, patrol leader's
/// page): who they are (by the session cookie, as `/app`), the community the page is about
/// (`?community=CODE`, else the first one they hold a role in), their roles and patrol teams
/// there, the CSRF token their forms carry, and the transaction scope, exactly as
/// `CommunityMiddleware` gives an API route.
struct StaffPage: Sendable {
    let user: AuthenticatedUser
    let token: String
    let community: Community
    let roles: Set<Role>
    let teams: [ID<PatrolTeam>]
    let language: PageLanguage

    var csrf: String { CSRFToken.token(for: token) }

    /// The scope the user's transactions run in (row-level security by role, as the API's).
    var scope: DataScope {
        .community(community.id, user: user.user.id, role: AccessPolicy.broadest(roles), teams: teams)
    }

    var zone: TimeZone { TimeZone(identifier: community.timeZone) ?? .shanghai }

    /// Whether the roles may `verb` the `resource` (the API's one table).
    func may(_ resource: AccessPolicy.Resource, _ verb: AccessPolicy.Verb) -> Bool {
        AccessPolicy.allows(roles, resource, verb)
    }

    /// The page's query suffix that keeps the community and language: "community=demo&lang=zh-CN".
    var query: String { "community=\(Self.encode(community.code))&lang=\(language.rawValue)" }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// The user of the session cookie in the page's community, or the response to send instead:
    /// the sign-in page when signed out, 403 without a role there or without `resource`/`verb`.
    static func open(
        _ request: Request, authenticator: Authenticator, store: Store, needs resource: AccessPolicy.Resource,
        _ verb: AccessPolicy.Verb
    ) async throws -> StaffPage {
        let language = PagesController.language(request)
        guard let token = request.cookies[AuthenticationMiddleware.cookieName]?.value,
            let user = try await authenticator.authenticate(token: token)
        else { throw PageRedirect(location: "/signin?lang=\(language.rawValue)") }
        let asked = request.uri.queryParameters["community"].map(String.init)
        let community = try await store.transaction(.administrator()) { tx -> Community? in
            if let asked { return try await OrganisationStore().community(code: asked, on: tx) }
            if let first = user.roles.compactMap(\.communityID).first {
                return try await OrganisationStore().community(first, on: tx)
            }
            // An administrator without a community role: the first active community.
            guard user.isAdministrator else { return nil }
            return try await OrganisationStore().communities(on: tx).first(where: \.isActive)
        }
        guard let community, community.isActive else {
            throw Problem(
                .notFound, code: "community_not_found",
                detail: .init("没有这个社区，或您在任何社区都没有岗位", "There is no such community, or you have no role in any"))
        }
        let grants = user.roles.filter { $0.role == .administrator || $0.communityID == community.id }
        let roles = Set(grants.map(\.role))
        guard AccessPolicy.allows(roles, resource, verb) else {
            throw Problem(
                .forbidden, code: "role_forbidden",
                detail: .init("您的岗位不能打开这个页面", "Your role may not open this page"))
        }
        return StaffPage(
            user: user, token: token, community: community, roles: roles,
            teams: grants.filter { $0.role == .patrolLeader }.compactMap(\.teamID), language: language)
    }

    /// A form posted to a page, its fields by name, after checking its `csrf_token` (403 when
    /// missing or wrong: another site cannot forge a page's form).
    func form(_ request: Request, maxBytes: Int) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: maxBytes)
        let fields = Self.fields(String(buffer: buffer))
        guard CSRFToken.matches(fields["csrf_token"], session: token) else { throw Problem.csrfFailed }
        return fields
    }

    /// `a=1&b=x+y` as a dictionary (the last value of a repeated name wins).
    static func fields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let name = parts.first else { continue }
            fields[decode(name)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    /// Runs a page handler; a `PageRedirect` it throws becomes its 303.
    static func respond(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let redirect as PageRedirect {
            return seeOther(redirect.location)
        }
    }

    /// A 303 to `path` (POST-redirect-GET).
    static func seeOther(_ path: String) -> Response {
        Response(status: .seeOther, headers: [.location: path])
    }
}

/// Template values made ready for swift-mustache, where an empty string still opens a
/// `{{#section}}`: empty strings are dropped (a missing name renders as nothing and is false).
enum PageValues {
    static func dropEmpty(_ values: [String: Any]) -> [String: Any] {
        values.compactMapValues { clean($0) }
    }

    static func clean(_ value: Any) -> Any? {
        switch value {
        case let text as String: return text.isEmpty ? nil : text
        case let dictionary as [String: Any]: return dropEmpty(dictionary)
        case let list as [[String: Any]]: return list.map(dropEmpty)
        case let list as [[String: String]]: return list.map { $0.filter { !$0.value.isEmpty } }
        default: return value
        }
    }
}

/// Sent instead of a page: the browser goes to `location` (signed out: the sign-in page).
/// `StaffPage.respond` turns it into the 303.
struct PageRedirect: Error {
    let location: String
}
