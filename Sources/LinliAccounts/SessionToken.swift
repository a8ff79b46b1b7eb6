import Crypto
import Foundation

/// The secret of a browser session or an API token: 32 random bytes (256 bits) written in
/// base64url without padding (43 characters). It is shown once, when issued; the database
/// keeps only its SHA-256, so a copy of the database opens no session.
public struct SessionToken: Sendable, Hashable, CustomStringConvertible {
    /// The token itself, for the cookie or the `Authorization: Bearer` header.
    public let value: String

    /// A fresh token from libsodium's random generator.
    public static func generate() throws -> SessionToken {
        SessionToken(unchecked: base64url(try Sodium.randomBytes(32)))
    }

    /// A token as presented by a client; nil unless it has the shape of one.
    public init?(_ text: String) {
        guard text.utf8.count == 43,
            text.utf8.allSatisfy({ Self.alphabet.contains($0) })
        else { return nil }
        value = text
    }

    private init(unchecked value: String) { self.value = value }

    /// SHA-256 of the token's text: what the database stores and looks up.
    var hash: Data { Data(SHA256.hash(data: Data(value.utf8))) }

    /// Never the secret itself, so a token that reaches a log line or an error stays secret.
    public var description: String { "SessionToken(…)" }

    private static let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    private static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
