import Foundation
import Hummingbird
import LinliAccounts
import LinliDomain
import LinliStorage

/// `GET /api/v1/communities`: the communities the signed-in user may work in (those they hold a
/// role in; every one for administrators), so a page can offer them before any `{code}` route.
struct CommunitiesController: Sendable {
    let store: Store

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("communities") { _, context in try await list(context) }
    }

    struct Body: Encodable {
        let code: String
        let name: String
    }

    func list(_ context: APIRequestContext) async throws -> Response {
        guard let user = context.user else { throw Problem.unauthenticated }
        let granted = Set(user.roles.compactMap(\.communityID))
        let communities = try await store.transaction(.administrator(user: user.user.id)) { tx in
            try await OrganisationStore().communities(on: tx)
        }
        let items = communities.filter { $0.isActive && (user.isAdministrator || granted.contains($0.id)) }
        var response = try jsonResponse(Items(items: items.map { Body(code: $0.code, name: $0.name) }))
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
