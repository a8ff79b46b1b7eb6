import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAccounts
import LinliDomain
import LinliStorage
import LinliTestSupport
import NIOCore
import Testing

@testable import LinliAPI

@Suite("Sign-in with a second factor")
struct SecondFactorAPITests {
    static func body(_ fields: [String: String]) -> ByteBuffer {
        ByteBuffer(bytes: (try? JSONSerialization.data(withJSONObject: fields)) ?? Data())
    }

    @Test("an account with a confirmed TOTP needs its code: missing 401 naming code, wrong 401, right 201, reused 401")
    func totpAtSignIn() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            _ = try await AuthTests.passwordUser(pool, login: "zhao.min")
            // Enrolment confirmed with the previous step's code, so the current step is free.
            let before = Date().addingTimeInterval(-30)
            let factors = SecondFactors(store: Store(pool: pool), clock: { before })
            let totp = try await factors.enrol(login: "zhao.min")
            #expect(try await factors.confirm(login: "zhao.min", code: totp.code(step: totp.step(at: before))))
            let uri = "/api/v1/session"
            let credentials = ["login": "zhao.min", "password": AuthTests.password]
            try await client.execute(uri: uri, method: .post, headers: APITest.json, body: Self.body(credentials)) {
                response async throws in
                try expectProblem(response, .unauthorized, code: "second_factor_required", fields: ["code"])
            }
            let now = totp.step(at: Date())
            let wrong = totp.code(step: now + 7)
            try await client.execute(
                uri: uri, method: .post, headers: APITest.json, body: Self.body(credentials.merging(["code": wrong]) { $1 })
            ) { response async throws in
                try expectProblem(response, .unauthorized, code: "invalid_credentials")
            }
            let right = totp.code(step: now)
            try await client.execute(
                uri: uri, method: .post, headers: APITest.json, body: Self.body(credentials.merging(["code": right]) { $1 })
            ) { response async throws in
                #expect(response.status == .created, "\(String(buffer: response.body))")
            }
            try await client.execute(
                uri: uri, method: .post, headers: APITest.json, body: Self.body(credentials.merging(["code": right]) { $1 })
            ) { response async throws in
                try expectProblem(response, .unauthorized, code: "invalid_credentials")
            }
        }
    }

    @Test("where required, a coordinator without TOTP signs in only to enrol (403 second_factor_enrolment_required), then works")
    func enrolmentRequired() async throws {
        try await APITest.withAPI(requireSecondFactor: true) { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            _ = try await AuthTests.passwordUser(pool, login: "li.na")
            _ = try await AuthTests.passwordUser(pool, login: "desk.wu", role: .deskStaff)
            let (cookie, csrf) = try await client.execute(
                uri: "/api/v1/session", method: .post, headers: APITest.json,
                body: AuthTests.signInBody("li.na", AuthTests.password)
            ) { response async throws in
                #expect(response.status == .created, "\(String(buffer: response.body))")
                let body = try JSONValue(response.body)
                #expect(body["second_factor_enrolment_required"] as? Bool == true)
                return (try AuthTests.sessionCookie(response).value, try #require(body.string["csrf_token"]))
            }
            let session = APITest.headers([.cookie: "linli_session=\(cookie)", .contentType: "application/json"])
            var unsafe = session
            unsafe[AuthenticationMiddleware.csrfHeader] = csrf
            try await client.execute(uri: APITest.volunteers, method: .get, headers: session) { response async throws in
                try expectProblem(response, .forbidden, code: "second_factor_enrolment_required")
                #expect(String(buffer: response.body).contains("两步验证"))
            }
            try await client.execute(uri: "/api/v1/communities", method: .get, headers: session) { response async throws in
                try expectProblem(response, .forbidden, code: "second_factor_enrolment_required")
            }
            try await client.execute(uri: "/api/v1/me", method: .get, headers: session) { response async throws in
                #expect(response.status == .ok)
            }
            // The start page shows how to enrol, and its form makes a key.
            try await client.execute(uri: "/app?lang=en", method: .get, headers: session) { response async throws in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("Set up your second factor"))
            }
            let form = APITest.headers([
                .cookie: "linli_session=\(cookie)", .contentType: "application/x-www-form-urlencoded",
            ])
            try await client.execute(
                uri: "/app/second-factor?lang=en", method: .post, headers: form, body: ByteBuffer(string: "csrf_token=\(csrf)")
            ) { response async throws in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("otpauth://totp/"))
            }
            try await client.execute(
                uri: "/app/second-factor?lang=en", method: .post, headers: form,
                body: ByteBuffer(string: "csrf_token=\(csrf)&code=000000x")
            ) { response async throws in
                #expect(response.status == .unprocessableContent)
                #expect(String(buffer: response.body).contains("The code is wrong or was used"))
            }
            try await client.execute(
                uri: "/app/second-factor", method: .post, headers: form, body: ByteBuffer(string: "csrf_token=forged")
            ) { response async throws in
                expectPageProblem(response, .forbidden, code: "csrf_failed")
            }
            // Over the API: a key, a wrong code (422), the right one (204), then everything works.
            let secret = try await client.execute(uri: "/api/v1/me/second-factor", method: .post, headers: unsafe) {
                response async throws in
                #expect(response.status == .created, "\(String(buffer: response.body))")
                let body = try JSONValue(response.body)
                #expect(body.string["otpauth_uri"]?.hasPrefix("otpauth://totp/") == true)
                return try #require(body.string["secret"])
            }
            let totp = try #require(TOTP(base32Secret: secret))
            let step = totp.step(at: Date())
            try await client.execute(
                uri: "/api/v1/me/second-factor/confirm", method: .post, headers: unsafe,
                body: Self.body(["code": totp.code(step: step + 9)])
            ) { response async throws in
                try expectProblem(response, .unprocessableContent, code: "invalid_code", fields: ["code"])
            }
            try await client.execute(
                uri: "/api/v1/me/second-factor/confirm", method: .post, headers: unsafe,
                body: Self.body(["code": totp.code(step: step)])
            ) { response async throws in
                #expect(response.status == .noContent, "\(String(buffer: response.body))")
            }
            try await client.execute(uri: APITest.volunteers, method: .get, headers: session) { response async throws in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/v1/me/second-factor", method: .post, headers: unsafe) {
                response async throws in
                try expectProblem(response, .conflict, code: "second_factor_confirmed")
            }
            // Desk staff and API tokens are not held back.
            try await client.execute(
                uri: "/api/v1/session", method: .post, headers: APITest.json,
                body: AuthTests.signInBody("desk.wu", AuthTests.password)
            ) { response async throws in
                #expect(try JSONValue(response.body)["second_factor_enrolment_required"] as? Bool == false)
            }
            try await signedIn.execute(uri: APITest.volunteers, method: .get) { response async throws in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("without the requirement a coordinator without TOTP works as before")
    func enrolmentNotRequired() async throws {
        try await APITest.withAPI(requireSecondFactor: false) { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            _ = try await AuthTests.passwordUser(pool, login: "li.na")
            let cookie = try await client.execute(
                uri: "/api/v1/session", method: .post, headers: APITest.json,
                body: AuthTests.signInBody("li.na", AuthTests.password)
            ) { response async throws in
                #expect(try JSONValue(response.body)["second_factor_enrolment_required"] as? Bool == false)
                return try AuthTests.sessionCookie(response).value
            }
            try await client.execute(
                uri: APITest.volunteers, method: .get, headers: APITest.headers([.cookie: "linli_session=\(cookie)"])
            ) { response async throws in
                #expect(response.status == .ok)
            }
        }
    }
}
