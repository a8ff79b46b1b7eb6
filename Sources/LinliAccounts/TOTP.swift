import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238, HMAC-SHA1, 6 digits, 30-second steps): the second
/// factor administrators and coordinators enrol with an authenticator app on their phone.
///
/// Written here because no package on this machine provides TOTP; it is the RFC's few lines
/// over swift-crypto's HMAC, checked against the RFC's own test vectors. SHA-1 is what every
/// authenticator app supports; HMAC-SHA1 is not weakened by SHA-1's collision attacks.
public struct TOTP: Sendable, Hashable {
    /// The shared secret: 20 random bytes (160 bits, as RFC 4226 recommends).
    public let secret: [UInt8]
    public let digits: Int
    public let period: TimeInterval

    public init(secret: [UInt8], digits: Int = 6, period: TimeInterval = 30) {
        self.secret = secret
        self.digits = digits
        self.period = period
    }

    /// A secret as an authenticator app shows it (base32); nil when it is not base32.
    public init?(base32Secret text: String, digits: Int = 6, period: TimeInterval = 30) {
        guard let bytes = Base32.decode(text), bytes.count >= 10 else { return nil }
        self.init(secret: bytes, digits: digits, period: period)
    }

    /// A new random secret from libsodium.
    public static func generate() throws -> TOTP { TOTP(secret: try Sodium.randomBytes(20)) }

    /// The time step `date` falls in.
    public func step(at date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / period).rounded(.down)) }

    /// The code of time step `step`, zero-padded to `digits`.
    public func code(step: Int64) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let binary =
            (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8)
            | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: max(0, digits - value.count)) + value
    }

    /// The step whose code `given` is, within one step either side of `date` (a phone's clock
    /// may be off by that much); nil when it is none of them. The caller refuses a step it has
    /// accepted before, so a code cannot be replayed.
    public func matchingStep(_ given: String, at date: Date) -> Int64? {
        let trimmed = given.filter { !$0.isWhitespace }
        guard trimmed.count == digits, trimmed.allSatisfy(\.isASCII), trimmed.allSatisfy(\.isNumber) else { return nil }
        let now = step(at: date)
        var found: Int64?
        // Every candidate is computed, so the time taken says nothing about which one matched.
        for candidate in [now - 1, now, now + 1] where Self.constantTimeEqual(code(step: candidate), trimmed) {
            found = candidate
        }
        return found
    }

    /// The secret in base32 (RFC 4648, no padding), as authenticator apps take it when typed.
    public var base32Secret: String { Base32.encode(secret) }

    /// The `otpauth://` URI an authenticator app reads from a QR code.
    public func provisioningURI(account: String, issuer: String = "Linli 邻里") -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let label = "\(issuer):\(account)".addingPercentEncoding(withAllowedCharacters: allowed) ?? account
        let issuerParameter = issuer.addingPercentEncoding(withAllowedCharacters: allowed) ?? "Linli"
        return "otpauth://totp/\(label)?secret=\(base32Secret)&issuer=\(issuerParameter)&algorithm=SHA1&digits=\(digits)"
            + "&period=\(Int(period))"
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<x.count { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}

/// RFC 4648 base32 without padding, for TOTP secrets (Foundation has only base64).
enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for character in text.uppercased().utf8 where character != UInt8(ascii: "=") && character != UInt8(ascii: " ") {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                out.append(UInt8((buffer >> UInt32(bits - 8)) & 0xff))
                bits -= 8
            }
        }
        return out
    }
}
