/// The ways Linli can deliver a message to a person or a group.
public enum ChannelKind: String, Sendable, Codable, CaseIterable {
    /// A text message through the configured SMS gateway webhook.
    case sms
    /// A WeCom (企业微信) group robot message, for patrol and volunteer groups.
    case wecom
    /// An e-mail through the configured sendmail-compatible program.
    case email
    /// No delivery outside Linli: the message stays in the outbox that staff read.
    case outbox
}

/// One message to deliver, as the worker hands it to a channel.
public struct OutgoingMessage: Sendable, Hashable {
    /// Unique per message and the same on every retry, so a gateway can drop duplicates.
    /// Letters, digits, `-`, `_` and `.`, at most 128 characters (it goes into HTTP and mail headers).
    public var idempotencyKey: String
    public var kind: ChannelKind
    /// A phone number (sms), an e-mail address (email) or a robot key (wecom); ignored by the outbox.
    public var address: String
    /// The subject line; e-mail only.
    public var subject: String?
    /// The text itself, usually Chinese.
    public var body: String
    /// Phone numbers the WeCom robot @-mentions in its group; WeCom only.
    public var mentionedMobiles: [String]

    public init(
        idempotencyKey: String, kind: ChannelKind, address: String, subject: String? = nil, body: String,
        mentionedMobiles: [String] = []
    ) {
        self.idempotencyKey = idempotencyKey
        self.kind = kind
        self.address = address
        self.subject = subject
        self.body = body
        self.mentionedMobiles = mentionedMobiles
    }

    /// Whether `key` can serve as an idempotency key: 1–128 of `A–Z a–z 0–9 - _ .`.
    public static func isValidIdempotencyKey(_ key: String) -> Bool {
        guard (1...128).contains(key.utf8.count) else { return false }
        return key.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }
}

/// What a channel learned from delivering a message, to keep with the message row.
public struct DeliveryReceipt: Sendable, Hashable {
    /// The channel that actually delivered it (`.outbox` when a kind was not configured).
    public var channel: ChannelKind
    /// The gateway's own ID for the message, if it answered one.
    public var providerMessageID: String?
    /// The HTTP status of the gateway's answer, for HTTP channels.
    public var httpStatus: Int?

    public init(channel: ChannelKind, providerMessageID: String? = nil, httpStatus: Int? = nil) {
        self.channel = channel
        self.providerMessageID = providerMessageID
        self.httpStatus = httpStatus
    }
}

/// Delivers one message through one way; the worker picks the channel and records the outcome.
public protocol MessageChannel: Sendable {
    /// The kind this channel delivers.
    var kind: ChannelKind { get }
    /// Delivers `message` or throws a `ChannelError` saying whether trying again later can help.
    func deliver(_ message: OutgoingMessage) async throws -> DeliveryReceipt
}
