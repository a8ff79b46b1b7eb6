import Crypto
import Foundation

/// Signs and checks Linli's webhook requests: `X-Linli-Signature: sha256=<hex>` over
/// `"<X-Linli-Timestamp>.<body>"` with HMAC-SHA256 and a shared secret.
///
/// Used for the requests Linli sends to an SMS gateway and for the replies gateways send back.
/// The timestamp inside the signed text lets the receiver refuse old requests replayed later.
public enum WebhookSignature {
    /// Seconds a signed request stays acceptable, either side of the receiver's clock.
    public static let defaultTolerance: TimeInterval = 300

    /// The value of `X-Linli-Signature` for `body` sent at `timestamp` (Unix seconds).
    public static func sign(body: some DataProtocol, timestamp: Int, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: signedText(body: body, timestamp: timestamp), using: key(secret))
        return "sha256=" + code.map { byte in String(format: "%02x", byte) }.joined()
    }

    /// Whether the headers carry a valid signature of `body` by `secret`, made within
    /// `tolerance` seconds of `now`. The comparison takes the same time however many bytes match.
    public static func verify(
        signatureHeader: String?, timestampHeader: String?, body: some DataProtocol, secret: String, now: Date = Date(),
        tolerance: TimeInterval = defaultTolerance
    ) -> Bool {
        guard let signatureHeader, let timestampHeader,
            let timestamp = Int(timestampHeader.trimmingCharacters(in: .whitespaces)),
            abs(now.timeIntervalSince1970 - TimeInterval(timestamp)) <= tolerance,
            let code = hexBytes(signatureHeader.trimmingCharacters(in: .whitespaces), prefix: "sha256=")
        else { return false }
        // swift-crypto compares authentication codes in constant time.
        return HMAC<SHA256>.isValidAuthenticationCode(
            code, authenticating: signedText(body: body, timestamp: timestamp), using: key(secret))
    }

    private static func key(_ secret: String) -> SymmetricKey { SymmetricKey(data: Data(secret.utf8)) }

    private static func signedText(body: some DataProtocol, timestamp: Int) -> Data {
        var text = Data("\(timestamp).".utf8)
        text.append(contentsOf: body)
        return text
    }

    /// The bytes of `sha256=<64 hex digits>`, or nil for anything else.
    private static func hexBytes(_ text: String, prefix: String) -> [UInt8]? {
        guard text.hasPrefix(prefix) else { return nil }
        let digits = Array(text.dropFirst(prefix.count))
        guard digits.count == 2 * SHA256.byteCount, digits.allSatisfy(\.isHexDigit) else { return nil }
        let bytes = stride(from: 0, to: digits.count, by: 2).compactMap { UInt8(String(digits[$0...$0 + 1]), radix: 16) }
        return bytes.count == SHA256.byteCount ? bytes : nil
    }
}
