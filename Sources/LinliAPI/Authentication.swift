import Foundation
import HTTPTypes
import Hummingbird
import LinliAccounts
import LinliDomain
import LinliStorage
import Logging
import NIOCore

/// Signs in every request of the routes behind it: the `linli_session` cookie (browsers) or
/// `Authorization: Bearer …` (scripts, `linli user token`). Without a live session or token:
/// 401. Unsafe methods signed in by the cookie must also carry the session's CSRF token in
/// `X-CSRF-Token` (403 otherwise); bearer requests cannot be forged by another site and need none.
///
/// Where a second factor is required (`LINLI_REQUIRE_SECOND_FACTOR`), an administrator's or
/// coordinator's browser session without a confirmed one reaches only what enrolment needs
/// (`enrolmentRoutes`); everything else is 403 `second_factor_enrolment_required`.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let authenticator: Authenticator
    var requireSecondFactor = false

    /// What a session that must enrol may still do: see who it is, enrol, confirm, sign out.
    static let enrolmentRoutes: Set<String> = [
        "GET /api/v1/me", "POST /api/v1/me/second-factor", "POST /api/v1/me/second-factor/confirm",
        "DELETE /api/v1/session",
    ]

    static let cookieName = "linli_session"
    // Constant, valid header name.
    // swift-format-ignore: NeverForceUnwrap
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let credential = Self.credential(of: request),
            let user = try await authenticator.authenticate(token: credential.token)
        else { throw Problem.unauthenticated }
        if credential.kind == .cookie, !Self.isSafe(request.method),
            !CSRFToken.matches(request.headers[Self.csrfHeader], session: credential.token)
        {
            throw Problem.csrfFailed
        }
        if requireSecondFactor, user.mustEnrolSecondFactor,
            !Self.enrolmentRoutes.contains("\(request.method.rawValue) \(request.uri.path)")
        {
            throw Problem.secondFactorEnrolmentRequired
        }
        var context = context
        context.user = user
        context.credential = credential
        context.logger[metadataKey: "user"] = .string(user.user.login)
        return try await next(request, context)
    }

    /// The bearer token if there is one (it wins), else the session cookie.
    static func credential(of request: Request) -> Credential? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            return Credential(kind: .bearer, token: parts[1].trimmingCharacters(in: .whitespaces))
        }
        return request.cookies[cookieName].map { Credential(kind: .cookie, token: $0.value) }
    }

    static func isSafe(_ method: HTTPRequest.Method) -> Bool {
        [.get, .head, .options, .trace].contains(method)
    }
}

/// For the web pages that come later: whether a form's `csrf_token` field (or the
/// `X-CSRF-Token` header) matches the session of a request signed in by the cookie. Requests
/// signed in by a bearer token pass.
public func csrfTokenIsValid(formField: String?, request: Request, context: APIRequestContext) -> Bool {
    guard let credential = context.credential else { return false }
    guard credential.kind == .cookie else { return true }
    return CSRFToken.matches(formField ?? request.headers[AuthenticationMiddleware.csrfHeader], session: credential.token)
}

extension Problem {
    static var unauthenticated: Problem {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = #"Bearer realm="linli""#
        return Problem(
            .unauthorized, code: "unauthenticated",
            detail: .init("请先登录（会话已失效或令牌无效）", "Sign in first (the session has ended or the token is not valid)"),
            headers: headers)
    }

    static let csrfFailed = Problem(
        .forbidden, code: "csrf_failed",
        detail: .init(
            "缺少或错误的 X-CSRF-Token（登录时返回的 csrf_token）",
            "X-CSRF-Token is missing or wrong (send the csrf_token returned at sign-in)"))

    static let secondFactorEnrolmentRequired = Problem(
        .forbidden, code: "second_factor_enrolment_required",
        detail: .init(
            "管理员和协调员须先启用两步验证：POST /api/v1/me/second-factor 获取密钥并加入手机验证器，"
                + "再用 POST /api/v1/me/second-factor/confirm 提交验证码确认（也可在 /app 页面操作）",
            "Administrators and coordinators must enrol a second factor first: POST /api/v1/me/second-factor "
                + "gives a key for an authenticator app, POST /api/v1/me/second-factor/confirm confirms it with a code "
                + "(or use the /app page)"))

    static let invalidCredentials = Problem(
        .unauthorized, code: "invalid_credentials",
        detail: .init("用户名或密码不正确，或账号已停用", "Wrong login or password, or the account is disabled"))

    /// An `AccountError` of sign-in or administration in HTTP terms.
    static func account(_ error: AccountError) -> Problem {
        let text = LocalizedText(error.zh, error.en)
        switch error.code {
        case .invalidCredentials: return invalidCredentials
        case .secondFactorRequired:
            return Problem(
                .unauthorized, code: "second_factor_required", detail: text,
                errors: [FieldProblem(field: "code", code: "required", message: text)])
        case .throttled:
            var headers = HTTPFields()
            let seconds = error.retryAfter.map { Int($0.components.seconds) } ?? 60
            headers[.retryAfter] = String(max(1, seconds))
            return Problem(.tooManyRequests, code: "throttled", detail: text, headers: headers)
        case .invalidPassword:
            return Problem(
                .unprocessableContent, code: "invalid_password", detail: text,
                errors: [FieldProblem(field: "password", code: "invalid_password", message: text)])
        case .notFound: return Problem(.notFound, code: "not_found", detail: text)
        case .secondFactorConfirmed: return Problem(.conflict, code: "second_factor_confirmed", detail: text)
        case .invalidInput: return Problem(.unprocessableContent, code: "invalid_value", detail: text)
        default: return internalError
        }
    }
}

/// `/api/v1/session` (sign in, sign out) and `/api/v1/me`.
struct SessionController: Sendable {
    let authenticator: Authenticator
    let store: Store
    let cookieSecure: Bool
    let maxBodyBytes: Int
    var requireSecondFactor = false

    /// The public route: signing in.
    func addPublicRoutes(to router: Router<APIRequestContext>) {
        router.post("/api/v1/session") { request, context in try await signIn(request, context) }
    }

    /// The routes behind `AuthenticationMiddleware`.
    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.delete("session") { request, context in try await signOut(request, context) }
        group.get("me") { request, context in try await me(request, context) }
        group.post("me/second-factor") { request, context in try await enrol(request, context) }
        group.post("me/second-factor/confirm") { request, context in try await confirm(request, context) }
    }

    /// Starts enrolling the signed-in user's own TOTP: 201 with the secret and the
    /// `otpauth://` link for an authenticator app (shown this once); 409 when one is confirmed.
    func enrol(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        guard let user = context.user else { throw Problem.unauthenticated }
        let totp: TOTP
        do {
            totp = try await SecondFactors(store: store).enrolOwn(user.user.id)
        } catch let error as AccountError {
            throw Problem.account(error)
        }
        var response = try jsonResponse(
            ["secret": totp.base32Secret, "otpauth_uri": totp.provisioningURI(account: user.user.login)], status: .created)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    struct Confirm: KnownFields {
        let code: String
        static var fieldNames: Set<String> { ["code"] }
    }

    /// Confirms the enrolment with the first code the app shows: 204, or 422 `invalid_code`.
    func confirm(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        guard let user = context.user else { throw Problem.unauthenticated }
        let body = try await JSONBody.read(Confirm.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        validation.text("code", body.code, max: 12)
        try validation.check()
        guard try await SecondFactors(store: store).confirmOwn(user.user.id, code: body.code) else {
            let message = LocalizedText(
                "验证码不正确或已用过；请输入验证器上新显示的 6 位数字", "The code is wrong or was used; enter the app's current 6 digits")
            throw Problem(
                .unprocessableContent, code: "invalid_code", detail: message,
                errors: [FieldProblem(field: "code", code: "invalid_code", message: message)])
        }
        return Response(status: .noContent)
    }

    struct SignIn: KnownFields {
        let login: String
        let password: String
        /// The authenticator app's code, for accounts with a second factor.
        let code: String?
        static var fieldNames: Set<String> { ["login", "password", "code"] }
    }

    /// The signed-in user, their roles and (for a browser session) the CSRF token.
    struct Body: Encodable {
        struct UserBody: Encodable {
            let id: String
            let login: String
            let displayName: String
            let locale: String
            enum CodingKeys: String, CodingKey {
                case id, login, locale
                case displayName = "display_name"
            }
        }
        struct RoleBody: Encodable {
            let role: String
            let community: String?
            let teamID: String?
            enum CodingKeys: String, CodingKey {
                case role, community
                case teamID = "team_id"
            }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(role, forKey: .role)
                try c.encode(community, forKey: .community)
                try c.encode(teamID, forKey: .teamID)
            }
        }
        let user: UserBody
        let roles: [RoleBody]
        let csrfToken: String?
        let expiresAt: String
        let enrolmentRequired: Bool
        enum CodingKeys: String, CodingKey {
            case user, roles
            case csrfToken = "csrf_token"
            case expiresAt = "expires_at"
            case enrolmentRequired = "second_factor_enrolment_required"
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(user, forKey: .user)
            try c.encode(roles, forKey: .roles)
            try c.encode(csrfToken, forKey: .csrfToken)
            try c.encode(expiresAt, forKey: .expiresAt)
            try c.encode(enrolmentRequired, forKey: .enrolmentRequired)
        }
    }

    func body(_ user: AuthenticatedUser, credential: Credential) async throws -> Body {
        let assignments = try await store.transaction(.administrator()) { tx in
            try await UserStore().roleAssignments(of: user.user.id, on: tx)
        }
        let formatter = ISO8601DateFormatter()
        return Body(
            user: .init(
                id: user.user.id.description, login: user.user.login, displayName: user.user.displayName,
                locale: user.user.locale),
            roles: assignments.map {
                .init(role: $0.grant.role.rawValue, community: $0.communityCode, teamID: $0.grant.teamID?.description)
            },
            csrfToken: credential.kind == .cookie ? CSRFToken.token(for: credential.token) : nil,
            expiresAt: formatter.string(from: user.session.expiresAt),
            enrolmentRequired: requireSecondFactor && user.mustEnrolSecondFactor)
    }

    func signIn(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.read(SignIn.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        validation.name("login", body.login, max: 100)
        validation.text("password", body.password, max: 1024)
        validation.text("code", body.code, max: 12)
        try validation.check()
        let issued: IssuedSession
        do {
            issued = try await authenticator.login(
                login: body.login, password: body.password, code: body.code, from: context.clientAddress)
        } catch let error as AccountError {
            throw Problem.account(error)
        }
        let credential = Credential(kind: .cookie, token: issued.token.value)
        var response = try jsonResponse(try await self.body(issued.authenticated, credential: credential), status: .created)
        response.setSessionCookie(issued, secure: cookieSecure)
        return response
    }

    func signOut(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        if let credential = context.credential { try await authenticator.logout(token: credential.token) }
        var response = Response(status: .noContent)
        response.clearSessionCookie(secure: cookieSecure)
        return response
    }

    func me(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        guard let user = context.user, let credential = context.credential else { throw Problem.unauthenticated }
        var response = try jsonResponse(try await body(user, credential: credential))
        response.headers[.cacheControl] = "no-store"
        return response
    }
}

extension Response {
    /// Sets the session cookie of a sign-in (HttpOnly, SameSite=Strict, `Secure` when asked),
    /// living as long as the session, and keeps the answer out of caches.
    mutating func setSessionCookie(_ issued: IssuedSession, secure: Bool) {
        let lifetime = Int(issued.authenticated.session.expiresAt.timeIntervalSinceNow.rounded(.down))
        setCookie(
            Cookie(
                name: AuthenticationMiddleware.cookieName, value: issued.token.value, maxAge: max(0, lifetime), path: "/",
                secure: secure, httpOnly: true, sameSite: .strict))
        headers[.cacheControl] = "no-store"
    }

    /// Removes the session cookie (signing out).
    mutating func clearSessionCookie(secure: Bool) {
        setCookie(
            Cookie(
                name: AuthenticationMiddleware.cookieName, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true,
                sameSite: .strict))
    }
}
