import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAPI
import LinliAccounts
import LinliStorage
import LinliTestSupport
import NIOCore
import Testing

@Suite("The staff pages: sign-in form, start page, sign-out")
struct PagesTests {
    static let form = APITest.headers([.contentType: "application/x-www-form-urlencoded"])

    static func formBody(_ fields: [(String, String)]) -> ByteBuffer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let text = fields.map {
            "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
        return ByteBuffer(string: text)
    }

    @Test("the form is Chinese first, English on request, labelled, sent with the pages' CSP")
    func signInForm() async throws {
        try await APITest.withAPI { signedIn, _ in
            let client = try #require(signedIn as? SignedInClient).base
            try await client.execute(uri: "/signin", method: .get) { response async throws in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(response.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'none'") == true)
                let html = String(buffer: response.body)
                #expect(html.contains(#"<html lang="zh-CN">"#))
                #expect(html.contains(#"<label for="login">账号</label>"#))
                #expect(html.contains(#"<label for="password">密码</label>"#))
                #expect(!html.contains("<script"))
            }
            try await client.execute(uri: "/signin?lang=en", method: .get) { response async throws in
                let html = String(buffer: response.body)
                #expect(html.contains(#"<html lang="en">"#) && html.contains("Sign in to Linli"))
            }
        }
    }

    @Test(
        "wrong credentials keep the login (escaped); right ones set the cookie and open the start page; sign-out needs the CSRF field"
    )
    func signInAndOut() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            _ = try await AuthTests.passwordUser(pool, login: "zhou.li")
            try await client.execute(
                uri: "/signin", method: .post, headers: Self.form,
                body: Self.formBody([("login", "<b>zhou</b>"), ("password", "wrong password")])
            ) { response async throws in
                #expect(response.status == .unauthorized)
                let html = String(buffer: response.body)
                #expect(html.contains("账号或密码不正确"))
                #expect(html.contains("&lt;b&gt;zhou&lt;/b&gt;") && !html.contains("<b>zhou</b>"))
                #expect(html.contains(#"role="alert""#))
            }
            let cookie = try await client.execute(
                uri: "/signin", method: .post, headers: Self.form,
                body: Self.formBody([("login", "zhou.li"), ("password", AuthTests.password)])
            ) { response async throws in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/app?lang=zh-CN")
                let cookie = try AuthTests.sessionCookie(response)
                #expect(cookie.attributes.contains("httponly") && cookie.attributes.contains("samesite=strict"))
                return cookie.value
            }
            let withCookie = APITest.headers([.cookie: "linli_session=\(cookie)"])
            let csrf = try await client.execute(uri: "/app", method: .get, headers: withCookie) { response async throws in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.contains("您好，测试用户"))
                #expect(html.contains("协调员：demo"))
                #expect(html.contains("/api/v1/communities/demo/exports/roster/print?week="))
                let marker = #"name="csrf_token" value=""#
                let start = try #require(html.range(of: marker)).upperBound
                return String(html[start...].prefix { $0 != "\"" })
            }
            try await client.execute(uri: "/signout", method: .post, headers: withCookie) { response async throws in
                try expectProblem(response, .forbidden, code: "csrf_failed")
            }
            var signOut = withCookie
            signOut[.contentType] = "application/x-www-form-urlencoded"
            try await client.execute(
                uri: "/signout", method: .post, headers: signOut, body: Self.formBody([("csrf_token", csrf)])
            ) { response async throws in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/signin?lang=zh-CN")
                #expect(try AuthTests.sessionCookie(response).value.isEmpty)
            }
            try await client.execute(uri: "/app", method: .get, headers: withCookie) { response async throws in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/signin?lang=zh-CN")
            }
        }
    }

    @Test("an account with a second factor is asked for its code on the form")
    func secondFactor() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            _ = try await AuthTests.passwordUser(pool, login: "wu.fang")
            let before = Date().addingTimeInterval(-30)
            let factors = SecondFactors(store: Store(pool: pool), clock: { before })
            let totp = try await factors.enrol(login: "wu.fang")
            #expect(try await factors.confirm(login: "wu.fang", code: totp.code(step: totp.step(at: before))))
            try await client.execute(
                uri: "/signin?lang=en", method: .post, headers: Self.form,
                body: Self.formBody([("login", "wu.fang"), ("password", AuthTests.password)])
            ) { response async throws in
                #expect(response.status == .unauthorized)
                let html = String(buffer: response.body)
                #expect(html.contains(#"name="code""#) && html.contains("enter the 6-digit code"))
                #expect(html.contains(#"value="wu.fang""#))
            }
            try await client.execute(
                uri: "/signin?lang=en", method: .post, headers: Self.form,
                body: Self.formBody([
                    ("login", "wu.fang"), ("password", AuthTests.password), ("code", totp.code(step: totp.step(at: Date()))),
                ])
            ) { response async throws in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/app?lang=en")
            }
        }
    }
}
