import Foundation
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliTestSupport
import Testing

@Suite("TOTP second factor")
struct SecondFactorTests {
    /// RFC 6238 appendix B, SHA-1: the secret is the ASCII of "12345678901234567890".
    static let rfcSecret = Array("12345678901234567890".utf8)

    @Test("the codes of RFC 6238's test vectors (8 digits) and their 6-digit forms")
    func rfcVectors() {
        let eight = TOTP(secret: Self.rfcSecret, digits: 8)
        let vectors: [(TimeInterval, String)] = [
            (59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"), (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
        ]
        for (time, code) in vectors {
            #expect(eight.code(step: eight.step(at: Date(timeIntervalSince1970: time))) == code, "at \(time)")
        }
        let six = TOTP(secret: Self.rfcSecret)
        #expect(six.code(step: six.step(at: Date(timeIntervalSince1970: 59))) == "287082")
    }

    @Test("a code is accepted one step either side of now, never further, and not when malformed")
    func window() {
        let totp = TOTP(secret: Self.rfcSecret)
        let now = Date(timeIntervalSince1970: 1_111_111_111)
        let step = totp.step(at: now)
        #expect(totp.matchingStep(totp.code(step: step), at: now) == step)
        #expect(totp.matchingStep(totp.code(step: step - 1), at: now) == step - 1)
        #expect(totp.matchingStep(totp.code(step: step + 1), at: now) == step + 1)
        #expect(totp.matchingStep(totp.code(step: step - 2), at: now) == nil)
        #expect(totp.matchingStep(totp.code(step: step + 2), at: now) == nil)
        #expect(totp.matchingStep("12345", at: now) == nil)
        #expect(totp.matchingStep("１２３４５６", at: now) == nil)
        let spaced = totp.code(step: step)
        #expect(totp.matchingStep(spaced.prefix(3) + " " + spaced.dropFirst(3), at: now) == step)
    }

    @Test("the provisioning URI carries the base32 secret, issuer and parameters")
    func provisioning() {
        let totp = TOTP(secret: Self.rfcSecret)
        #expect(totp.base32Secret == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        let uri = totp.provisioningURI(account: "wang.li")
        #expect(uri.hasPrefix("otpauth://totp/Linli%20%E9%82%BB%E9%87%8C%3Awang.li?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"))
        #expect(uri.contains("&digits=6&period=30"))
    }

    @Test("enrol, confirm with a first code, a code used once only, removal")
    func enrolment() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            let store = Store(pool: pool)
            let accounts = Accounts(store: store)
            let user = User(login: "wang.li", displayName: "王丽")
            try await accounts.create(user, password: Password("一二三四五六七八九十abc"), roles: [])
            let clock = Date()
            let factors = SecondFactors(store: store, clock: { clock })
            let totp = try await factors.enrol(login: "wang.li")
            #expect(try await factors.isRequired(for: user.id) == false)
            let wrong = totp.code(step: totp.step(at: clock) + 5)
            #expect(try await factors.confirm(login: "wang.li", code: wrong) == false)
            let code = totp.code(step: totp.step(at: clock))
            #expect(try await factors.confirm(login: "wang.li", code: code) == true)
            #expect(try await factors.isRequired(for: user.id) == true)
            // The same code again, or the one before it, is refused: its step was used.
            #expect(try await factors.confirm(login: "wang.li", code: code) == false)
            #expect(try await factors.confirm(login: "wang.li", code: totp.code(step: totp.step(at: clock) - 1)) == false)
            #expect(try await factors.confirm(login: "wang.li", code: totp.code(step: totp.step(at: clock) + 1)) == true)
            // No community's scope can read the secret (as the service's role, under row-level security).
            let appPool = ConnectionPool(
                configuration: ConnectionConfiguration(
                    connectionString: configuration.connectionString, sessionRole: "linli_app"),
                options: .init(maximumConnections: 1), logger: TestDatabase.logger)
            let seen: Int = try await Store(pool: appPool).transaction(.community(ID())) { tx in
                try await tx.query("SELECT count(*) AS n FROM user_second_factors").rows[0].decode("n")
            }
            await appPool.shutdown()
            #expect(seen == 0)
            #expect(try await factors.remove(login: "wang.li"))
            #expect(try await factors.isRequired(for: user.id) == false)
            await #expect(throws: AccountError.self) { try await factors.enrol(login: "nobody") }
        }
    }
}
