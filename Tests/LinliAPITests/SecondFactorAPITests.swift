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
}
