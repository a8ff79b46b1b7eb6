import Foundation
import HTTPTypes
import Hummingbird
import LinliAccounts
import LinliDomain
import LinliStorage
import LinliWeb
import NIOCore

/// The staff pages' sign-in (issue #7's first page): `GET /signin` shows the form, `POST
/// /signin` signs in with the same `Authenticator` as the API (throttling, second factor) and
/// sets the same HttpOnly, SameSite=Strict session cookie, `GET /app` is the signed-in start
/// page, `POST /signout` (with the session's CSRF token as a form field) signs out. Plain HTML
/// forms, no script; every page goes out with `PageSecurity`'s headers.
struct PagesController: Sendable {
    let authenticator: Authenticator
    let store: Store
    let pages: Result<WebPages, any Error>
    let cookieSecure: Bool
    let maxBodyBytes: Int
    var requireSecondFactor = false

    func addRoutes(to router: Router<APIRequestContext>) {
        router.post("/app/second-factor") { request, _ in try await enrol(request) }
        router.get("/signin") { request, _ in try signInPage(request, error: nil, login: "", askCode: false) }
        router.post("/signin") { request, context in try await signIn(request, context) }
        router.get("/app") { request, _ in try await home(request) }
        router.post("/signout") { request, _ in try await signOut(request) }
    }

    /// The sign-in form's fields.
    struct SignInForm: Decodable {
        let login: String?
        let password: String?
        let code: String?
    }

    struct SignOutForm: Decodable {
        // swift-format-ignore: AlwaysUseLowerCamelCase
        let csrf_token: String?
    }

    struct EnrolForm: Decodable {
        // swift-format-ignore: AlwaysUseLowerCamelCase
        let csrf_token: String?
        let code: String?
    }

    static func language(_ request: Request) -> PageLanguage { Language(page: request) == .en ? .en : .zhCN }

    func signInPage(
        _ request: Request, error: String?, login: String, askCode: Bool, status: HTTPResponse.Status = .ok
    ) throws -> Response {
        let language = Self.language(request)
        let other: PageLanguage = language == .en ? .zhCN : .en
        let html = try pages.get().render(
            "signin", title: WebStrings.text("signInTitle", language),
            values: [
                "error": error ?? "", "login": login, "askCode": askCode, "otherLang": other.rawValue,
                "otherLanguageName": other == .en ? "English" : "中文",
            ], language: language)
        var response = htmlResponse(html, language: language)
        response.status = status
        return response
    }

    func signIn(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let language = Self.language(request)
        let buffer = try await request.body.collect(upTo: maxBodyBytes)
        let form = (try? URLEncodedFormDecoder().decode(SignInForm.self, from: String(buffer: buffer)))
        let login = String((form?.login ?? "").prefix(100))
        let password = form?.password ?? ""
        guard !login.isEmpty, !password.isEmpty else {
            return try signInPage(
                request, error: WebStrings.text("wrongCredentials", language), login: login, askCode: false,
                status: .badRequest)
        }
        let code = form?.code.flatMap { $0.isEmpty ? nil : $0 }
        let issued: IssuedSession
        do {
            issued = try await authenticator.login(login: login, password: password, code: code, from: context.clientAddress)
        } catch let error as AccountError {
            // The form keeps the login (never the password) and says what to do next to it.
            if error.code == .secondFactorRequired {
                return try signInPage(
                    request, error: WebStrings.text("needCode", language), login: login, askCode: true,
                    status: .unauthorized)
            }
            if error.code == .throttled {
                let seconds = error.retryAfter.map { Int($0.components.seconds) } ?? 60
                let text = WebStrings.text("throttled", language)
                    .replacingOccurrences(of: "{{minutes}}", with: String(max(1, (seconds + 59) / 60)))
                var response = try signInPage(request, error: text, login: login, askCode: false, status: .tooManyRequests)
                response.headers[.retryAfter] = String(max(1, seconds))
                return response
            }
            return try signInPage(
                request, error: WebStrings.text("wrongCredentials", language), login: login, askCode: code != nil,
                status: .unauthorized)
        }
        var response = Response(status: .seeOther, headers: [.location: "/app?lang=\(language.rawValue)"])
        response.setSessionCookie(issued, secure: cookieSecure)
        return response
    }

    /// The signed-in user of the request's session cookie, or nil.
    func signedIn(_ request: Request) async throws -> (AuthenticatedUser, String)? {
        guard let token = request.cookies[AuthenticationMiddleware.cookieName]?.value,
            let user = try await authenticator.authenticate(token: token)
        else { return nil }
        return (user, token)
    }

    static func toSignIn(_ language: PageLanguage) -> Response {
        Response(status: .seeOther, headers: [.location: "/signin?lang=\(language.rawValue)"])
    }

    func home(_ request: Request) async throws -> Response {
        let language = Self.language(request)
        guard let (user, token) = try await signedIn(request) else { return Self.toSignIn(language) }
        if requireSecondFactor, user.mustEnrolSecondFactor {
            return try enrolmentPage(user: user, token: token, language: language)
        }
        let assignments = try await store.transaction(.administrator()) { tx in
            try await UserStore().roleAssignments(of: user.user.id, on: tx)
        }
        let week = LocalDate(Date(), in: .shanghai).weekStart.isoWeekName
        var links: [[String: String]] = []
        for a in assignments where a.grant.role != .deskStaff {
            guard let code = a.communityCode else { continue }
            var href = "/api/v1/communities/\(code)/exports/roster/print?week=\(week)&lang=\(language.rawValue)"
            if let team = a.grant.teamID { href += "&team=\(team)" }
            links.append(["href": href, "label": [code, a.teamName, week].compactMap { $0 }.joined(separator: " · ")])
        }
        // Empty values are left out: swift-mustache takes "" as true in a section.
        let roles: [[String: String]] = assignments.map {
            [
                "role": WebStrings.text("role.\($0.grant.role.rawValue)", language), "community": $0.communityCode ?? "",
                "team": $0.teamName ?? "",
            ].filter { !$0.value.isEmpty }
        }
        // The pages each role may use (AccessPolicy decides), grouped by page family.
        let allRoles = Set(assignments.map(\.grant.role))
        let pageLinks =
            DeskPagesController.homeLinks(allRoles, language) + RosterBoardPagesController.homeLinks(assignments, language)
            + ReportsPagesController.homeLinks(assignments, language)
            + PeoplePages.homeLinks(allRoles, language)
        let html = try pages.get().render(
            "home", title: WebStrings.text("signInTitle", language),
            values: [
                "name": user.user.displayName, "roles": roles, "printLinks": links, "hasPrintLinks": !links.isEmpty,
                "pageLinks": pageLinks, "hasPageLinks": !pageLinks.isEmpty,
                "csrf": CSRFToken.token(for: token),
            ], language: language)
        return htmlResponse(html, language: language)
    }

    /// The page that walks a user through enrolling their TOTP: a button that makes the key,
    /// then the key, its `otpauth://` link and the field for the first code.
    func enrolmentPage(
        user: AuthenticatedUser, token: String, language: PageLanguage, totp: TOTP? = nil, askCode: Bool = false,
        error: String? = nil, status: HTTPResponse.Status = .ok
    ) throws -> Response {
        let html = try pages.get().render(
            "second-factor", title: WebStrings.text("enrolTitle", language),
            values: [
                "name": user.user.displayName, "csrf": CSRFToken.token(for: token), "secret": totp?.base32Secret ?? "",
                "uri": totp?.provisioningURI(account: user.user.login) ?? "", "askCode": askCode, "error": error ?? "",
            ], language: language)
        var response = htmlResponse(html, language: language)
        response.status = status
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// `POST /app/second-factor`: without a code, makes a new key and shows it; with one,
    /// confirms it (303 to /app) or asks again.
    func enrol(_ request: Request) async throws -> Response {
        let language = Self.language(request)
        guard let (user, token) = try await signedIn(request) else { return Self.toSignIn(language) }
        let buffer = try await request.body.collect(upTo: maxBodyBytes)
        let form = try? URLEncodedFormDecoder().decode(EnrolForm.self, from: String(buffer: buffer))
        guard CSRFToken.matches(form?.csrf_token, session: token) else { throw Problem.csrfFailed }
        let factors = SecondFactors(store: store)
        if let code = form?.code?.trimmingCharacters(in: .whitespaces), !code.isEmpty {
            if try await factors.confirmOwn(user.user.id, code: String(code.prefix(12))) {
                return Response(status: .seeOther, headers: [.location: "/app?lang=\(language.rawValue)"])
            }
            return try enrolmentPage(
                user: user, token: token, language: language, askCode: true,
                error: WebStrings.text("enrolWrongCode", language), status: .unprocessableContent)
        }
        do {
            let totp = try await factors.enrolOwn(user.user.id)
            return try enrolmentPage(user: user, token: token, language: language, totp: totp, askCode: true)
        } catch let error as AccountError where error.code == .secondFactorConfirmed {
            return Response(status: .seeOther, headers: [.location: "/app?lang=\(language.rawValue)"])
        }
    }

    func signOut(_ request: Request) async throws -> Response {
        let language = Self.language(request)
        guard let (_, token) = try await signedIn(request) else { return Self.toSignIn(language) }
        let buffer = try await request.body.collect(upTo: maxBodyBytes)
        let form = try? URLEncodedFormDecoder().decode(SignOutForm.self, from: String(buffer: buffer))
        guard CSRFToken.matches(form?.csrf_token, session: token) else { throw Problem.csrfFailed }
        try await authenticator.logout(token: token)
        var response = Self.toSignIn(language)
        response.clearSessionCookie(secure: cookieSecure)
        return response
    }
}
