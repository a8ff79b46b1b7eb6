import Foundation
import LinliChannels
import Testing

@Suite("Webhook signatures")
struct SignatureTests {
    let secret = "secret-secret-123"
    let body = Array(#"{"a":1}"#.utf8)

    @Test("the signature is HMAC-SHA256 of '<timestamp>.<body>', as openssl computes it")
    func knownValue() {
        // printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'secret-secret-123'
        #expect(
            WebhookSignature.sign(body: body, timestamp: 1_700_000_000, secret: secret)
                == "sha256=adab39e3abdf3b09be14d3537354e3e5d01cdedd35243c880ea5db5a571aceef")
    }

    @Test("verify accepts its own signature and rejects a wrong secret, a changed body, an old or future timestamp")
    func verify() {
        let now = Date(timeIntervalSince1970: 1_700_000_100)
        let header = WebhookSignature.sign(body: body, timestamp: 1_700_000_000, secret: secret)
        func check(_ signature: String?, _ timestamp: String?, _ body: [UInt8], secret: String, at time: Date) -> Bool {
            WebhookSignature.verify(signatureHeader: signature, timestampHeader: timestamp, body: body, secret: secret, now: time)
        }
        #expect(check(header, "1700000000", body, secret: secret, at: now))
        #expect(
            check(
                header.uppercased().replacingOccurrences(of: "SHA256=", with: "sha256="), "1700000000", body, secret: secret,
                at: now))
        #expect(!check(header, "1700000000", body, secret: "another-secret-456", at: now))
        #expect(!check(header, "1700000000", Array(#"{"a":2}"#.utf8), secret: secret, at: now))
        #expect(!check(header, "1700000001", body, secret: secret, at: now), "the timestamp is signed too")
        #expect(!check(header, "1700000000", body, secret: secret, at: now.addingTimeInterval(301)), "replayed too late")
        #expect(
            !check(header, "1700000000", body, secret: secret, at: Date(timeIntervalSince1970: 1_699_999_000)), "from the future")
        #expect(check(header, "1700000000", body, secret: secret, at: now.addingTimeInterval(199)))
        #expect(!check(nil, "1700000000", body, secret: secret, at: now))
        #expect(!check(header, nil, body, secret: secret, at: now))
        #expect(!check(String(header.dropLast(2)), "1700000000", body, secret: secret, at: now))
        #expect(!check(header.replacingOccurrences(of: "sha256=", with: "sha1="), "1700000000", body, secret: secret, at: now))
        #expect(!check("sha256=" + String(repeating: "zz", count: 32), "1700000000", body, secret: secret, at: now))
        #expect(!check(header, "soon", body, secret: secret, at: now))
    }
}
