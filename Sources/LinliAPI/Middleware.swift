import Foundation
import HTTPTypes
import Hummingbird
import LinliAccounts
import LinliDomain
import LinliRostering
import LinliStorage
import LinliWeb
import Logging
import Synchronization

/// Gives every request an id: `X-Request-Id` when the caller sent a sensible one, a new UUID
/// otherwise. It is in every log line of the request and in the response's headers.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    // Constant, valid header name.
    // swift-format-ignore: NeverForceUnwrap
    static let header = HTTPField.Name("X-Request-Id")!

    func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        let given = request.headers[Self.header] ?? ""
        let usable =
            (1...128).contains(given.utf8.count)
            && given.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }
        context.requestID = usable ? given : UUID().uuidString.lowercased()
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        var response = try await next(request, context)
        response.headers[Self.header] = context.requestID
        return response
    }
}

/// The routes of the router by path template, so that a known path asked with a method it does
/// not have is answered 405 with `Allow` instead of Hummingbird's 404. Filled once after the
/// routes are added; read by `ProblemMiddleware`.
final class RouteIndex: Sendable {
    private let routes = Mutex<[(template: [Substring], methods: [String])]>([])

    func set(_ descriptions: [(path: String, method: String)]) {
        var grouped: [String: [String]] = [:]
        for d in descriptions { grouped[d.path, default: []].append(d.method) }
        routes.withLock { routes in
            routes = grouped.map { (template: $0.key.split(separator: "/"), methods: $0.value.sorted()) }
        }
    }

    /// The methods routed for `path`, empty when no route's template matches it.
    func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/")
        return routes.withLock { routes in
            routes.first { route in
                route.template.count == segments.count
                    && zip(route.template, segments).allSatisfy { t, s in t.hasPrefix("{") || t.hasPrefix(":") || t == s }
            }?.methods ?? []
        }
    }
}

/// Turns every error into an `application/problem+json` response in the request's language:
/// `Problem`s as they are, `StorageError`s by their code, Hummingbird's own errors (unknown
/// path 404, wrong method 405 with Allow, body over the limit 413), anything else a logged 500
/// that names the request id. Nothing leaves as an empty 500.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let routes: RouteIndex

    func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Self.response(for: error, request: request, context: context) { httpProblem($0, request: request) }
        }
    }

    /// `error` as a problem response in the request's language; `http` maps Hummingbird's own
    /// errors (also used by `IdempotencyMiddleware`, which stores the answer of a failed write).
    static func response(
        for error: any Error, request: Request, context: APIRequestContext,
        http: (HTTPResponse.Status) -> Problem
    ) -> Response {
        let language = Language(acceptLanguage: request.headers[.acceptLanguage])
        let problem = Self.problem(for: error, context: context, http: http)
        return problem.response(language: language, requestID: context.requestID.isEmpty ? nil : context.requestID)
    }

    /// `error` as a problem (logged when it is the server's fault).
    static func problem(
        for error: any Error, context: APIRequestContext, http: (HTTPResponse.Status) -> Problem
    ) -> Problem {
        switch error {
        case let error as Problem:
            return error
        case let error as StorageError:
            if error.code == .failed || error.code == .unavailable {
                context.logger.error("storage failed: \(error)")
            }
            return Problem.storage(error)
        case let error as RosteringError:
            return Problem.rostering(error)
        case let error as any HTTPResponseError:
            return http(error.status)
        default:
            context.logger.error("unhandled error: \(String(reflecting: error))")
            return Problem.internalError
        }
    }

    func httpProblem(_ status: HTTPResponse.Status, request: Request) -> Problem {
        switch status {
        case .notFound:
            let allowed = routes.methods(for: request.uri.path)
            guard allowed.isEmpty else {
                var headers = HTTPFields()
                headers[.allow] = allowed.joined(separator: ", ")
                return Problem(
                    .methodNotAllowed, code: "method_not_allowed",
                    detail: .init(
                        "该地址不支持 \(request.method.rawValue)，可用：\(headers[.allow] ?? "")",
                        "\(request.method.rawValue) is not supported here; allowed: \(headers[.allow] ?? "")"),
                    headers: headers)
            }
            return Problem(
                .notFound, code: "route_not_found",
                detail: .init("没有这个地址：\(request.uri.path)", "There is no such path: \(request.uri.path)"))
        case .contentTooLarge:
            return Problem(
                .contentTooLarge, code: "body_too_large",
                detail: .init("请求内容超过了允许的大小", "The request body is larger than allowed"))
        case .badRequest:
            return Problem(.badRequest, code: "bad_request", detail: .init("请求格式有误", "The request is malformed"))
        default:
            return Problem(
                status, code: status.code >= 500 ? "internal_error" : "http_\(status.code)",
                detail: .init("请求未能完成（\(status.code)）", "The request could not be completed (\(status.code))"))
        }
    }
}

/// The staff pages' errors (`/app…`) as a page a person can read, in the page's language, with
/// the reason and a link back to the start page, instead of the API's problem+json; the status
/// stays. Anything the pages throw goes through here: a refused role, a community that is not
/// there, the database away, a form over the size limit.
struct PageErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let problems: ProblemMiddleware
    let pages: Result<WebPages, any Error>

    func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        guard request.uri.path == "/app" || request.uri.path.hasPrefix("/app/") else {
            return try await next(request, context)
        }
        do {
            return try await next(request, context)
        } catch let redirect as PageRedirect {
            return StaffPage.seeOther(redirect.location)
        } catch {
            let problem = ProblemMiddleware.problem(for: error, context: context) {
                problems.httpProblem($0, request: request)
            }
            let language = PagesController.language(request)
            let text = problem.detail.text(language == .en ? .en : .zh)
            guard
                let html = try? pages.get().render(
                    "desk-message", title: WebStrings.text("page_problem", language),
                    values: ["message": text, "code": problem.code, "back": "/app?lang=\(language.rawValue)"],
                    language: language)
            else { throw problem }
            var response = htmlResponse(html, language: language)
            response.status = problem.status
            for field in problem.headers { response.headers.append(field) }
            return response
        }
    }
}

/// Resolves `{code}` of `/api/v1/communities/{code}/…` to the community (404 when there is
/// none), then admits the signed-in user (`AuthenticationMiddleware`, in front of this one):
/// 403 without a role in the community (administrators have one everywhere), 403 naming what
/// the role may not do when `AccessPolicy` does not give it this route.
struct CommunityMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let store: Store

    func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        let code = context.parameters.get("code") ?? ""
        let community = try await store.transaction(.administrator()) { tx in
            try await OrganisationStore().community(code: code, on: tx)
        }
        guard let community, community.isActive else {
            throw Problem(
                .notFound, code: "community_not_found",
                detail: .init("没有代码为 “\(code)” 的社区", "There is no community with the code '\(code)'"))
        }
        guard let user = context.user else { throw Problem.unauthenticated }
        let grants = user.roles.filter { $0.role == .administrator || $0.communityID == community.id }
        let roles = Set(grants.map(\.role))
        guard !roles.isEmpty else {
            throw Problem(
                .forbidden, code: "not_a_member",
                detail: .init("您在社区 “\(code)” 没有角色", "You have no role in the community '\(code)'"))
        }
        let route = AccessPolicy.key(method: request.method, endpointPath: context.endpointPath)
        guard AccessPolicy.allows(roles, route: route) else { throw AccessPolicy.forbidden(roles, route: route) }
        var context = context
        context.community = community
        context.roles = roles
        context.teams = grants.filter { $0.role == .patrolLeader }.compactMap(\.teamID)
        context.logger[metadataKey: "community"] = .string(community.code)
        return try await next(request, context)
    }
}
