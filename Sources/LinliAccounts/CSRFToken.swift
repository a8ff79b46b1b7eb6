import Crypto
import Foundation

/// The CSRF token of a browser session: HMAC-SHA256 of a fixed label keyed with the session's
/// secret, in base64url. It is derived, not stored, so it changes with the session and needs no
/// column; knowing it reveals nothing of the session token (the cookie is HttpOnly, the token
/// is shown to the page that signed in). Unsafe requests authenticated by the cookie must carry
/// it (`X-CSRF-Token` header or a form field).
public enum CSRFToken {
    /// The token that belongs to the session whose secret is `session`.
    public static func token(for session: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("linli.csrf.v1".utf8), using: SymmetricKey(data: Data(session.utf8)))
        return Data(mac).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Whether `given` (a header or a form field) is the session's token; compared in constant time.
    public static func matches(_ given: String?, session: String) -> Bool {
        guard let given else { return false }
        let expected = Array(token(for: session).utf8)
        let actual = Array(given.utf8)
        guard expected.count == actual.count else { return false }
        return zip(expected, actual).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
