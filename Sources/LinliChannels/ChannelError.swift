import Foundation

/// A message that could not be delivered, and whether trying again later can help.
///
/// The message carries the context an administrator needs (channel, HTTP status or exit code,
/// the gateway's answer shortened to about 200 characters) and never a secret: no signing
/// secret, no robot key, no full URL with its query.
public struct ChannelError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure; compare with the static constants.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case transient, permanent, notConfigured
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// Try again later: a timeout, a refused connection, HTTP 408/429/5xx, WeCom's rate limit
        /// (errcode 45009) or "system busy" (-1), sendmail's EX_TEMPFAIL (75).
        public static let transient = Code(.transient)
        /// Trying again sends the same refused request: other 4xx, other WeCom errcodes, other
        /// sendmail exit codes, an invalid address.
        public static let permanent = Code(.permanent)
        /// The channel lacks what it needs (no robot key, a sendmail program that cannot start).
        public static let notConfigured = Code(.notConfigured)
        public var description: String { base.rawValue }
    }

    public var code: Code
    public var channel: ChannelKind
    /// The HTTP status of the gateway's answer, when there was one.
    public var httpStatus: Int?
    public var message: String

    public init(code: Code, channel: ChannelKind, httpStatus: Int? = nil, message: String) {
        self.code = code
        self.channel = channel
        self.httpStatus = httpStatus
        self.message = message
    }

    /// Whether a retry later may succeed.
    public var isTransient: Bool { code == .transient }

    public var description: String {
        let status = httpStatus.map { " (HTTP \($0))" } ?? ""
        return "\(channel.rawValue) delivery failed, \(code)\(status): \(message)"
    }

    /// A gateway's answer (or a program's error output) shortened for a log line or a message row.
    static func excerpt(_ text: String, limit: Int = 200) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return flat.count <= limit ? flat : String(flat.prefix(limit)) + "…"
    }
}
